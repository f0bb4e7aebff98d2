"""``cctv-scan scan`` and ``cctv-scan demo``: parse options, call the engine, render."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..engine import ScanConfig, ScanObserver, run_scan
from ..probes.base import raw_sockets_allowed
from ..credentials import CredentialsError, load_credentials
from ..errors import CctvScanError
from ..models import SCHEMA_VERSION, ScanDocument
from ..report import dump, load
from ..report.table import render
from ..targets import resolve_scope
from .app import app

err = Console(stderr=True, soft_wrap=True)


PolicyOption = Annotated[str, typer.Option(help="Classification policy: uk-sensitive-sites, us-ndaa, or a policy file.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no table (use with --json).")]
WideOption = Annotated[bool, typer.Option("--wide", help="Every column of the table, even when lines get longer than the terminal.")]
DbOption = Annotated[Optional[str], typer.Option(help="Record the scan in this inventory (SQLite path or postgresql:// URL). With only --site: the default inventory (`cctv-scan inventory path` prints it).")]
SiteOption = Annotated[Optional[str], typer.Option(help="Record the scan in the inventory under this site name.")]
WebhookOption = Annotated[Optional[str], typer.Option(help="With --db/--site: POST a JSON summary of the run here.")]
SwitchOption = Annotated[list[str], typer.Option("--switch", help="Read this switch's forwarding, port and LLDP tables over SNMP to find each device's port (repeatable; needs --snmp-credentials).")]
SnmpCredOption = Annotated[Optional[Path], typer.Option("--snmp-credentials", help="YAML file (mode 0600): SNMP v2c community or v3 user for --switch and the snmp probe. Never logged, stored or reported.")]
WaitOption = Annotated[float, typer.Option(help="With --db/--site: seconds to wait for a running scan of the site before refusing.")]


class ProgressObserver(ScanObserver):
    """Draws the engine's phases as a rich progress bar on stderr."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: int | None = None

    def phase(self, name: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[self.task].total or 1, total=self.progress.tasks[self.task].total or 1)
        self.task = self.progress.add_task(name, total=total)

    def advance(self, count: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, count)

    def note(self, message: str) -> None:
        self.progress.console.print(f"[dim]{message}[/]")


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(code)


@app.command(
    epilog=(
        "Examples:\n\n"
        "  sudo cctv-scan scan 10.20.0.0/24\n\n"
        "  sudo cctv-scan scan 10.20.0.0/24 10.21.0.0/24 --exclude 10.20.0.1 --json scan.json\n\n"
        "  sudo cctv-scan scan --interface eth1 --interface eth2\n\n"
        "  sudo cctv-scan scan --scope-file sites.txt --credentials onvif.yaml\n\n"
        "  sudo cctv-scan scan 192.168.1.0/24 --policy us-ndaa --timeout 3\n\n"
        "  sudo cctv-scan scan 10.20.0.0/24 --site hq\n\n"
        "A scope file lists one CIDR or address per line; '#' starts a comment; a line "
        "'!10.20.0.1' or 'exclude 10.20.0.0/28' is never touched. A credentials file (YAML, "
        "chmod 600) holds 'default: {username: ..., password: ...}' and/or 'hosts: {CIDR: "
        "{username: ..., password: ...}}'; it is used only for read-only ONVIF queries and is "
        "never logged or written to a report.\n\n"
        "What it sends: ARP who-has to each in-scope address, discovery queries (WS-Discovery, "
        "SADP, DHIP, mDNS, SSDP) on the interfaces facing the scope, TCP connections to the camera "
        "ports, read-only HTTP GETs and RTSP OPTIONS/DESCRIBE without credentials. It never "
        "guesses a password, never writes to a device, and never sends to an address outside "
        "the targets. Exit status: 0 done, 2 bad arguments or scope, 1 failure; with --db/--site, 4 is added "
        "when restricted devices are present and 8 when new devices appeared (3: another scan holds the lock)."
    )
)
def scan(
    targets: Annotated[Optional[list[str]], typer.Argument(help="CIDRs or addresses to scan, e.g. 10.20.0.0/24 (or use --interface / --scope-file).", show_default=False)] = None,
    exclude: Annotated[list[str], typer.Option("--exclude", "-x", help="CIDR or address never to touch (repeatable).")] = [],
    interface: Annotated[list[str], typer.Option("--interface", "-i", help="Scan the subnets on this interface when no targets are given; ARP and multicast go only out of it (repeatable).")] = [],
    scope_file: Annotated[Optional[Path], typer.Option("--scope-file", help="More targets, one CIDR/address per line; '!' or 'exclude ' lines are exclusions.")] = None,
    credentials: Annotated[Optional[Path], typer.Option("--credentials", help="YAML file (mode 0600) of ONVIF credentials for authenticated read-only queries.")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help=f"Write the scan document (JSON, schema v{SCHEMA_VERSION}) here.")] = None,
    policy: PolicyOption = "uk-sensitive-sites",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for one answer; whole exchanges are capped at twice this.")] = 2.0,
    concurrency: Annotated[Optional[int], typer.Option(help="Hosts probed at once (each host sees one probe at a time); default 64, or a quarter of the scope's addresses up to 256.", min=1)] = None,
    deadline: Annotated[float, typer.Option(help="Seconds the whole run may take, from start-up: after it nothing more is sent, what is left is recorded as skipped, the document is written (complete: false) and the process exits.")] = 600.0,
    rate: Annotated[float, typer.Option(help="At most this many new packets/connections a second (lower it on fragile networks).")] = 2000.0,
    arp_retries: Annotated[Optional[int], typer.Option("--arp-retries", min=0, max=5, help="ARP rounds re-asking addresses that stayed silent (default: 2 up to 1,024 addresses, 1 up to 4,096, else 0).", show_default=False)] = None,
    probes: Annotated[Optional[str], typer.Option(help="Comma-separated probes to run (default all). See `cctv-scan probes`.")] = None,
    allow_public: Annotated[bool, typer.Option("--allow-public", help="Allow globally routable targets (only with permission).")] = False,
    max_addresses: Annotated[int, typer.Option(help="Refuse a scope larger than this many addresses.")] = 65536,
    switch: SwitchOption = [],
    snmp_credentials: SnmpCredOption = None,
    quiet: QuietOption = False,
    wide: WideOption = False,
    db: DbOption = None,
    site: SiteOption = None,
    webhook: WebhookOption = None,
    wait: WaitOption = 0.0,
) -> None:
    """Scan networks for CCTV cameras, NVRs and DVRs, identify their real maker, and classify them.

    Verdicts: restricted = the policy covers the maker or brand and the evidence is enough (one strong witness, or two or more independent probes agreeing, or a medium witness and a second independent field of the same response agreeing); review = covered but named by one medium or weak witness only, a PRC maker named that weakly, a reported tie, or a conflict; clear = identified, not covered; unidentified = no maker named.

    Needs root for the ARP sweep; without root it uses the kernel's ARP cache and says so.
    """
    try:
        creds = load_credentials(credentials) if credentials is not None else None
        snmp_creds = _snmp_credentials(switch, snmp_credentials)
    except CredentialsError as exc:
        raise fail(str(exc)) from None
    config = ScanConfig(
        targets=targets or [],
        excludes=exclude,
        interfaces=interface,
        scope_file=str(scope_file) if scope_file is not None else None,
        credentials=creds,
        policy=policy,
        timeout=timeout,
        concurrency=concurrency,
        deadline=deadline,
        deadline_at=time.monotonic() + deadline - process_age(),  # --deadline counts from the start of the process
        rate=rate,
        arp_retries=arp_retries,
        probes=[p.strip() for p in probes.split(",") if p.strip()] if probes else None,
        allow_public=allow_public,
        max_addresses=max_addresses,
        switches=switch,
        snmp_credentials=snmp_creds,
    )
    if not raw_sockets_allowed():
        err.print("[yellow]no raw-socket rights (not root):[/] the ARP sweep cannot run; using the kernel ARP cache and TCP probes instead.")

    def execute() -> ScanDocument:
        if quiet:
            return run_scan(config)
        columns = (SpinnerColumn(), TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=err, transient=True) as progress:
            return run_scan(config, ProgressObserver(progress))

    try:
        config.scope = resolve_scope(
            config.targets, exclude, scope_file=config.scope_file, interfaces=interface,
            allow_public=allow_public, max_addresses=max_addresses,
        )
        if db is None and site is None:
            doc = execute()
            finish(doc, json_out, quiet, wide)
            _leave_if_cut_short(doc, 0)
            return
        from ..inventory import Inventory, InventoryError, ScanLockedError

        try:
            with Inventory.open(db) as inventory, inventory.run(site or "default", wait=wait) as recording:
                doc = execute()
                finish(doc, json_out, quiet, wide)  # the document is out before the inventory is touched again
                result = recording.finish(doc, webhook=webhook)
        except InventoryError as exc:
            raise fail(str(exc), 3 if isinstance(exc, ScanLockedError) else 1) from None
    except (CctvScanError, ValueError) as exc:
        raise fail(str(exc)) from None
    code = report_recorded(result, db)
    _leave_if_cut_short(doc, code)
    raise typer.Exit(code)


def process_age() -> float:
    """Seconds since this process started (from /proc/self/stat; 0.0 where unreadable), so
    --deadline bounds the whole run, start-up included."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time, clock ticks since boot
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started)
    except (OSError, ValueError, IndexError):
        return 0.0


def _leave_if_cut_short(doc: ScanDocument, code: int) -> None:
    """A scan the deadline cut short exits now: its document is written, every probe has been
    told to stop, and a worker still inside a blocking read (bounded by --timeout) must not
    keep the process alive past the deadline. Worker threads are not daemons (the interpreter
    would wait for them at exit), hence ``os._exit`` after flushing."""
    if doc.scan.complete:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _snmp_credentials(switches: list[str], path: Path | None) -> object | None:
    if switches and path is None:
        raise CredentialsError("--switch needs --snmp-credentials FILE (a v2c community or a v3 user)")
    if path is None:
        return None
    from ..locate import load_snmp_credentials

    return load_snmp_credentials(path)


def report_recorded(result, db: str | None) -> int:  # noqa: ANN001 - scanner.inventory.RecordResult, imported lazily
    """One line about what the inventory (named) made of the scan; returns the run's exit status."""
    from ..inventory.store import describe, resolve_url

    summary = result.summary()
    err.print(
        f"inventory {describe(resolve_url(db))}: scan #{summary['scan_id']} of site {summary['site']!r}: {len(summary['new'])} new, "
        f"{len(summary['gone'])} gone, {len(summary['moved'])} moved, {len(summary['changed'])} changed, "
        f"{summary['restricted']} restricted"
    )
    return int(result.exit_code)


def record_document(doc: ScanDocument, db: str | None, site: str | None, webhook: str | None, wait: float) -> int:
    """Record a finished scan document (passive runs); returns the exit status flags."""
    from ..inventory import InventoryError, ScanLockedError, record_scan

    try:
        result = record_scan(doc, db=db, site=site or "default", webhook=webhook, wait=wait)
    except InventoryError as exc:
        raise fail(str(exc), 3 if isinstance(exc, ScanLockedError) else 1) from None
    return report_recorded(result, db)


def finish(doc: ScanDocument, json_out: Path | None, quiet: bool, wide: bool = False, *,
           warnings_said: bool = False) -> None:
    """Write the document, then show the table (``warnings_said``: they are on stderr already)."""
    if json_out:
        dump(doc, json_out)
    if not quiet:
        render(doc, wide=wide, show_warnings=not warnings_said)
        if json_out:
            err.print(f"scan document written to {json_out}")


@app.command(
    epilog=(
        "Examples:\n\n"
        "  sudo cctv-scan demo\n\n"
        "  sudo cctv-scan demo --json demo.json\n\n"
        "  sudo cctv-scan demo --profiles hikvision-ds-2cd2143g2-i,axis-p3245-lve\n\n"
        "Everything happens inside network namespaces the demo creates (198.18.0.0/24, no route "
        "out) and removes afterwards; no packet reaches a real network."
    )
)
def demo(
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the scan document here too.")] = None,
    profiles: Annotated[Optional[str], typer.Option(help="Comma-separated lab profiles (default: all). See `cctv-scan lab profiles`.")] = None,
    policy: Annotated[str, typer.Option(help="Classification policy.")] = "uk-sensitive-sites",
    wide: WideOption = False,
) -> None:
    """Build the lab of emulated cameras, scan it from inside the lab, show the result, tear it down.

    Needs root and iproute2 (`ip netns`).
    """
    if os.geteuid() != 0 or not shutil.which("ip"):
        raise fail("the demo builds network namespaces: run it as root with iproute2 installed", 1)
    from ..lab import Lab

    chosen = [p.strip() for p in profiles.split(",")] if profiles else None
    with tempfile.TemporaryDirectory(prefix="cctv-demo-") as tmp:
        out = Path(tmp) / "scan.json"
        err.print("building the lab ...")
        try:  # a lab that cannot be built (missing binary, unknown profile) is one line, not a traceback
            lab = Lab(chosen, snmp=True)
            lab.__enter__()
        except CctvScanError as exc:
            raise fail(str(exc), 1) from None
        try:
            from ..lab.lab import SNMP_COMMUNITY

            err.print(f"lab {lab.lab_id}: {len(lab.devices)} devices on {lab.subnet}; scanning from namespace {lab.scanner_ns}; "
                      f"switch {lab.switch_ip} read over SNMP")
            snmp_file = Path(tmp) / "snmp.yaml"
            snmp_file.touch(mode=0o600)
            snmp_file.write_text(f'hosts: {{"{lab.switch_ip}": {{community: "{SNMP_COMMUNITY}"}}}}\n')
            proc = lab.run(
                [sys.executable, "-m", "scanner", "scan", str(lab.subnet), "--json", str(out), "--quiet",
                 "--timeout", "1.5", "--policy", policy, "--switch", lab.switch_ip, "--snmp-credentials", str(snmp_file)],
                env=child_env(),
            )
        finally:
            lab.__exit__(None, None, None)
        if proc.returncode != 0 or not out.exists():
            raise fail(f"the scan inside the lab failed (exit {proc.returncode})", 1)
        doc = load(out)
        render(doc, wide=wide)
        if json_out:
            dump(doc, json_out)
            err.print(f"scan document written to {json_out}")


def child_env() -> dict[str, str]:
    """Environment for a cctv-scan child process: finds this very package, wherever it is."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


@app.command(
    epilog=(
        "Examples:\n\n"
        "  cctv-scan locate --switch 10.20.0.1 --switch 10.20.0.2 --snmp-credentials snmp.yaml\n\n"
        "  cctv-scan locate --site hq --switch 10.20.0.1 --snmp-credentials snmp.yaml --json\n\n"
        "Reads only the named switches (read-only SNMP GET/GETBULK); sends nothing to any device."
    )
)
def locate(
    switch: SwitchOption = [],
    snmp_credentials: SnmpCredOption = None,
    db: Annotated[Optional[str], typer.Option(help="The inventory to read devices from (SQLite path or postgresql:// URL).")] = None,
    site: Annotated[Optional[str], typer.Option(help="Only this site's devices.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for one SNMP answer.")] = 2.0,
    allow_public: Annotated[bool, typer.Option("--allow-public", help="Allow a globally routable switch address.")] = False,
) -> None:
    """Find the switch port of every device already in the inventory, without a new scan."""
    import json as _json
    from dataclasses import asdict

    from ..inventory import Inventory, InventoryError
    from ..locate import check_switches, locate_devices, read_switches
    from ..models import Device

    if not switch:
        raise fail("name at least one --switch")
    try:
        creds = _snmp_credentials(switch, snmp_credentials)
        switches = check_switches(switch, allow_public=allow_public)
        with Inventory.open(db) as inv:
            rows = inv.devices(site=site)
    except (CredentialsError, CctvScanError, ValueError) as exc:
        raise fail(str(exc)) from None
    except InventoryError as exc:
        raise fail(str(exc)) from None
    tables, warnings = read_switches(switches, creds, timeout=timeout)  # type: ignore[arg-type]
    for line in warnings:
        err.print(f"[yellow]{escape(line)}[/]")
    located = locate_devices([Device(ip=r["ip"], mac=r.get("mac")) for r in rows], tables)
    out = []
    for row, dev in zip(rows, located):
        loc = dev.location
        out.append({"id": row.get("id"), "site": row.get("site"), "ip": dev.ip, "mac": dev.mac,
                    "location": None if loc is None else asdict(loc)})
    if as_json:
        typer.echo(_json.dumps(out, indent=2))
        return
    from ..report.table import location_text
    from rich.table import Table

    table = Table(title=f"{len(out)} devices, {sum(1 for o in out if o['location'])} located")
    for col in ("id", "site", "ip", "mac", "where"):
        table.add_column(col)
    for o, dev in zip(out, located):
        table.add_row(str(o["id"]), escape(str(o["site"])), o["ip"], o["mac"] or "", escape(location_text(dev.location)))
    Console().print(table)


@app.command("probes")
def list_probes() -> None:
    """List the probes a scan can run (names for --probes)."""
    from ..probes import ALL_PROBES

    for p in ALL_PROBES:
        typer.echo(f"{p.name:<12} {'(root) ' if p.needs_root else ''}{p.description}")
