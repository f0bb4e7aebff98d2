"""Passive runs: read capture files or listen on an interface, collect, then identify and build
the same scan document an active scan writes (``scan.mode`` is ``"passive"``).

Listening opens a receive-only packet socket through scapy's ``AsyncSniffer`` with
``store=False``: frames are handed to the collector one by one and never kept, and nothing is
ever sent (no ARP, no DNS lookup, no probe). Files are read with ``capture.read_capture``.
Files and the live interface are both filtered by ``bpf.expression()`` (libpcap for files
through pcapy-ng, the kernel for the interface), so video never reaches Python; a file libpcap
cannot filter (gzip-compressed, a link type the expression does not fit) and any file when
``filtered=False`` is read whole by ``capture.read_capture``. Damage in one file ends the reading of that file only; everything read before it is kept and
the document says what happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__
from ..models import ScanDocument, ScanInfo
from . import bpf
from .capture import GZIP_MAGIC, CaptureError, CaptureStats, describe_skipped_blocks, read_capture, sniff_format
from .collector import Collector, PassiveResult
from .frames import SUPPORTED_LINKTYPES, linktype_name

PROGRESS_EVERY = 2048  # packets between progress callbacks


@dataclass
class PassiveRun:
    sources: list[str]
    started: datetime
    finished: datetime | None = None
    result: PassiveResult | None = None
    files: list[CaptureStats] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # sources that could not be read at all
    warnings: list[str] = field(default_factory=list)
    complete: bool = True


def marker_paths() -> tuple[str, ...]:
    try:
        from ..identify import http_marker_paths
    except ImportError:
        return ()
    return tuple(http_marker_paths())


def read_files(
    paths: Sequence[str | Path],
    progress: Callable[[int], None] | None = None,
    collector: Collector | None = None,
    filtered: bool = True,
) -> PassiveRun:
    """Read every file in turn; ``progress(bytes_done_in_total)`` is called as reading goes."""
    collector = collector or Collector(marker_paths())
    run = PassiveRun(sources=[f"file:{p}" for p in paths], started=_now())
    done_before = 0
    for path in paths:
        stats = CaptureStats(str(path))
        try:
            for n, record in enumerate(_records(path, stats, filtered)):
                collector.feed(record.linktype, record.data)
                if progress and n % PROGRESS_EVERY == 0:
                    progress(done_before + stats.position)
        except CaptureError as exc:
            run.errors.append(str(exc))
            run.complete = False
            continue
        finally:
            done_before += stats.size
            if progress:
                progress(done_before)
        run.files.append(stats)
        run.warnings.extend(file_warnings(stats))
        if stats.problem:
            run.complete = False
    return _finish(run, collector)


def _records(path: str | Path, stats: CaptureStats, filtered: bool):
    """The file's records: libpcap-filtered where it can be, else every record."""
    if filtered and bpf.available():
        sniff_format(Path(path))  # a file that is not a capture is named as such, whichever reader
        with open(path, "rb") as fh:
            compressed = fh.read(2) == GZIP_MAGIC
        if not compressed:
            try:
                records = bpf.read_filtered(path, stats)
                first = next(records, None)
            except ValueError:
                pass  # libpcap cannot filter it: nothing was yielded, read it whole below
            else:
                if first is not None:
                    yield first
                    yield from records
                if stats.problem:  # libpcap's words are terse: find where the damage is
                    damage = CaptureStats(str(path))
                    for _ in read_capture(path, damage):
                        pass
                    stats.problem = damage.problem or stats.problem
                    stats.packets = damage.packets  # every record before the damage was read (and filtered)
                    stats.skipped_blocks = damage.skipped_blocks
                stats.filtered = True
                return
    yield from read_capture(path, stats)


def file_warnings(stats: CaptureStats) -> list[str]:
    out = []
    if stats.problem:
        out.append(f"{stats.problem} ({stats.packets} packet(s) before it were read)")
    other = {lt: n for lt, n in stats.linktypes.items() if lt not in SUPPORTED_LINKTYPES}
    for lt, n in sorted(other.items()):
        out.append(f"{stats.path}: {n} packet(s) of link type {lt} ({linktype_name(lt)}) skipped: only Ethernet, "
                   "Linux cooked and raw IP captures are read")
    if stats.skipped_blocks:
        out.append(f"{stats.path}: pcapng blocks skipped (no packets in them for us): {describe_skipped_blocks(stats.skipped_blocks)}")
    if stats.cut_by_snaplen:
        out.append(f"{stats.path}: {stats.cut_by_snaplen} packet(s) cut short by the capture's snap length; read as far as they go")
    if stats.packets == 0 and not stats.problem and not stats.filtered:
        out.append(f"{stats.path}: no packets in this capture")
    return out


def listen(
    interface: str,
    duration: float,
    tick: Callable[[float, int], None] | None = None,
    collector: Collector | None = None,
    filtered: bool = True,
) -> PassiveRun:
    """Sniff ``interface`` for ``duration`` seconds without sending anything.

    ``tick(elapsed_seconds, packets)`` is called about twice a second. Ctrl-C ends the
    listening early; what was seen is kept (the document says it was cut short)."""
    from scapy.config import conf
    from scapy.sendrecv import AsyncSniffer

    collector = collector or Collector(marker_paths())
    run = PassiveRun(sources=[f"interface:{interface}"], started=_now())
    layer2num = conf.l2types.layer2num

    def handle(packet) -> None:
        linktype = layer2num.get(type(packet), 1)
        collector.feed(linktype, bytes(packet))

    capture_filter = bpf.expression() if filtered and _is_ethernet(interface) else None
    if filtered and capture_filter is None:
        run.warnings.append(f"{interface} is not an Ethernet interface: listening unfiltered (every frame reaches Python)")
    sniffer = AsyncSniffer(iface=interface, store=False, prn=handle, promisc=True, filter=capture_filter)
    sniffer.start()
    began = time.monotonic()
    try:
        while (elapsed := time.monotonic() - began) < duration:
            if not sniffer.running:
                break
            if tick:
                tick(elapsed, collector.counts["packets"])
            time.sleep(min(0.5, max(0.0, duration - elapsed)))
    except KeyboardInterrupt:
        run.complete = False
        run.warnings.append(f"listening interrupted after {time.monotonic() - began:.0f}s of {duration:.0f}s")
    finally:
        if sniffer.running:
            sniffer.stop()
    if getattr(sniffer, "exception", None):
        run.errors.append(f"listening on {interface} failed: {sniffer.exception}")
        run.complete = False
    if tick:
        tick(min(time.monotonic() - began, duration), collector.counts["packets"])
    return _finish(run, collector)


def _is_ethernet(interface: str) -> bool:
    """The filter's link-layer terms (arp, ether, vlan) fit Ethernet framing only (ARPHRD_ETHER)."""
    try:
        return Path(f"/sys/class/net/{interface}/type").read_text().strip() == "1"
    except OSError:
        return True  # not Linux sysfs: let libpcap decide


def _finish(run: PassiveRun, collector: Collector) -> PassiveRun:
    run.result = collector.result()
    run.warnings.extend(run.result.warnings)
    run.finished = _now()
    return run


def document(run: PassiveRun, policy: str = "uk-sensitive-sites") -> ScanDocument:
    """Identify and classify what the run saw: the scan document of a passive run."""
    from ..engine.runner import attempt_summary
    from ..identify import build_devices

    result = run.result or PassiveResult([], [], [], [], None)  # type: ignore[arg-type]
    devices = build_devices(result.observations, result.hosts, result.attempts, policy=policy)
    counts = result.counts or {}
    protocols = sorted(k for k in ("arp", "dhcp", "dns", "mdns", "ssdp", "wsd", "sadp", "sadp_l2", "dhip", "dvrip", "http", "rtsp", "tls")
                       if counts.get(k))
    info = ScanInfo(
        started=run.started.isoformat(timespec="seconds"),
        finished=(run.finished or _now()).isoformat(timespec="seconds"),
        scope=tuple(run.sources),
        probes=tuple(f"passive:{p}" for p in protocols),
        tool_version=__version__,
        policy=str(policy),
        mode="passive",
        complete=run.complete,
        attempts=attempt_summary(result.attempts),
        warnings=tuple(run.errors + run.warnings),
    )
    return ScanDocument(scan=info, devices=tuple(devices))


def _now() -> datetime:
    return datetime.now(timezone.utc)
