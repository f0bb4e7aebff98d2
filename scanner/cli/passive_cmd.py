"""``cctv-scan pcap`` and ``cctv-scan listen``: passive discovery from capture files or a live
interface. Parses options, calls ``scanner.passive``, renders like ``scan``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import (BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn, TransferSpeedColumn)

from ..errors import CctvScanError
from ..models import SCHEMA_VERSION
from .app import app
from .scan_cmd import (DbOption, PolicyOption, QuietOption, WideOption, SiteOption, WaitOption, WebhookOption, err, fail, finish,
                       record_document)

ScopeOption = Annotated[Optional[list[str]], typer.Option(
    "--scope", help="The local subnets (CIDR, repeatable): only hosts inside are devices; the rest are listed as "
    "'talks to' on the devices that reached them. Default: every address that is not globally routable (private, shared, link-local).",
    show_default=False)]

DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$")


def parse_duration(text: str) -> float:
    """'90', '90s', '10m', '1.5h' -> seconds."""
    m = DURATION_RE.match(text)
    if not m or float(m.group(1)) <= 0:
        raise typer.BadParameter(f"{text!r} is not a duration like 30s, 10m or 1h")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def _collector(scope: list[str] | None):
    import ipaddress

    from ..passive.collector import Collector
    from ..passive.run import marker_paths

    for net in scope or ():
        try:
            ipaddress.ip_network(net, strict=False)
        except ValueError:
            raise typer.BadParameter(f"{net!r} is not a CIDR like 192.168.1.0/24", param_hint="--scope") from None
    return Collector(marker_paths(), scope=tuple(scope or ()))


def _report_problems(run) -> None:
    for message in run.errors:
        err.print(f"[bold red]error:[/] {escape(message)}")
    for message in run.warnings:
        err.print(f"[yellow]warning:[/] {escape(message)}")


def _document(run, policy: str):
    from ..passive import document

    try:
        return document(run, policy)
    except (CctvScanError, ValueError) as exc:
        raise fail(str(exc)) from None


@app.command(
    epilog=(
        "Examples:\n\n"
        "  cctv-scan pcap span-port.pcapng\n\n"
        "  cctv-scan pcap monday.pcap tuesday.pcap.gz --json week.json\n\n"
        "  cctv-scan pcap capture.pcap --policy us-ndaa --quiet --json out.json\n\n"
        "What it reads: ARP, DHCP (options 12, 55, 60), mDNS, SSDP and UPnP descriptions, "
        "WS-Discovery, Hikvision SADP (UDP and layer 2), Dahua DHIP, HTTP and RTSP headers, TLS "
        "server names and certificates. Files are read as a stream: any size, constant memory. "
        "A damaged file is read up to the damage and the report says where it stopped; a file "
        "that is not a capture is named and skipped. Exit status: 0 done, 1 a file could not "
        "be read at all (the others are still reported), 2 bad arguments."
    )
)
def pcap(
    files: Annotated[list[Path], typer.Argument(help="pcap or pcapng files (gzip-compressed too).", show_default=False)],
    json_out: Annotated[Optional[Path], typer.Option("--json", help=f"Write the scan document (JSON, schema v{SCHEMA_VERSION}, mode passive) here.")] = None,
    policy: PolicyOption = "uk-sensitive-sites",
    quiet: QuietOption = False,
    wide: WideOption = False,
    db: DbOption = None,
    site: SiteOption = None,
    webhook: WebhookOption = None,
    wait: WaitOption = 0.0,
    scope: ScopeOption = None,
) -> None:
    """Identify cameras, NVRs and DVRs from captured traffic, sending nothing.

    Reads the capture files in turn, turns what crossed the wire into the same observations an active scan makes, then identifies and classifies every device seen.
    """
    from ..passive import read_files

    collector = _collector(scope)

    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise fail(f"no such file: {', '.join(missing)}")
    total = sum(f.stat().st_size for f in files if f.is_file())
    if quiet:
        run = read_files(files, collector=collector)
    else:
        columns = (SpinnerColumn(), TextColumn("reading"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                   TimeElapsedColumn(), TimeRemainingColumn())
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("read", total=total or None)
            run = read_files(files, progress=lambda done: progress.update(task, completed=done), collector=collector)
    if run.errors and not run.files:  # nothing could be read: bad input, said once per file, no table
        for message in run.errors:
            err.print(f"[bold red]error:[/] {escape(message)}")
        raise typer.Exit(2)
    _report_problems(run)
    doc = _document(run, policy)
    finish(doc, json_out, quiet, wide, warnings_said=True)
    code = record_document(doc, db, site, webhook, wait) if db is not None or site is not None else 0
    if run.errors:
        raise typer.Exit(1)
    raise typer.Exit(code)


@app.command(
    epilog=(
        "Examples:\n\n"
        "  sudo cctv-scan listen --interface eth1 --duration 10m\n\n"
        "  sudo cctv-scan listen -i span0 --duration 1h --json ward-7.json\n\n"
        "It never sends a packet: it opens a receive-only packet socket in promiscuous mode (so "
        "the frames a SPAN or mirror port copies to it are seen), looks no name up, and "
        "answers nothing. Devices are found only if they talk while it listens: "
        "announcements (mDNS, SSDP, WS-Discovery Hello, SADP, DHCP) come every few minutes, so "
        "listen for at least 10 minutes. Ctrl-C stops early and reports what was seen. Needs "
        "root (or CAP_NET_RAW). Exit status: 0 done, 1 listening failed, 2 bad arguments."
    )
)
def listen(
    interface: Annotated[str, typer.Option("--interface", "-i", help="Interface to listen on (e.g. a SPAN port).", show_default=False)],
    duration: Annotated[str, typer.Option(help="How long to listen: 90s, 10m, 1h.")] = "10m",
    json_out: Annotated[Optional[Path], typer.Option("--json", help=f"Write the scan document (JSON, schema v{SCHEMA_VERSION}, mode passive) here.")] = None,
    policy: PolicyOption = "uk-sensitive-sites",
    quiet: QuietOption = False,
    wide: WideOption = False,
    db: DbOption = None,
    site: SiteOption = None,
    webhook: WebhookOption = None,
    wait: WaitOption = 0.0,
    scope: ScopeOption = None,
) -> None:
    """Identify cameras, NVRs and DVRs from live traffic on an interface, sending nothing."""
    from ..passive import listen as do_listen

    collector = _collector(scope)

    seconds = parse_duration(duration)
    if not Path(f"/sys/class/net/{interface}").exists():
        raise fail(f"no network interface named {interface!r}")
    if quiet:
        run = do_listen(interface, seconds, collector=collector)
    else:
        columns = (SpinnerColumn(), TextColumn("listening on " + interface), BarColumn(),
                   TextColumn("{task.fields[packets]} packets"), TimeElapsedColumn(), TimeRemainingColumn())
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("listen", total=seconds, packets=0)
            run = do_listen(interface, seconds, tick=lambda t, n: progress.update(task, completed=t, packets=n), collector=collector)
    _report_problems(run)
    doc = _document(run, policy)
    finish(doc, json_out, quiet, wide)
    code = record_document(doc, db, site, webhook, wait) if db is not None or site is not None else 0
    if run.errors:
        raise typer.Exit(1)
    raise typer.Exit(code)
