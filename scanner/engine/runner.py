"""Run the probes: discovery first, then every live host's probes, under one deadline.

- Discovery probes (ARP sweep, multicast discovery) run side by side; their hosts are the
  live set. The hosts each ARP sweep round finds are probed at once (their ports; the probes
  that read what multicast discovery found wait for its end), so on a big scope probing
  overlaps the sweep's retry rounds instead of following them. If discovery found nothing
  (another subnet), or the ARP sweep could not run (no raw sockets), every other in-scope
  address is tried with the port probe, up to ``sweep_limit`` addresses. Hosts still without
  a MAC then take the one in the kernel's neighbour table.
- Each host's probes run one after another (one conversation at a time with a fragile
  device), hosts in parallel up to ``concurrency`` (by default ``auto_concurrency``).
- A global deadline bounds the scan: at the deadline the context's stop event is set (a
  timer, whatever the engine is doing), every probe stops before its next packet
  (``DeadlineReached`` from ``ctx.wait_turn``/``pace``/``check``), what has not finished is
  recorded as skipped, and everything gathered so far is kept. The stop event is also set
  when ``collect`` returns or is interrupted, so no worker sends after it.
- A probe that raises is a bug on our side: recorded as an ``error`` attempt, never fatal.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from datetime import datetime, timezone

from .. import __version__
from ..errors import ScopeError
from ..models import AttemptStatus, Host, ProbeAttempt, ProbeOutput, ScanDocument, ScanInfo
from ..probes import ALL_PROBES, neighbours
from ..ratelimit import RateLimiter
from ..probes.base import DeadlineReached, DiscoveryProbe, HostProbe, Probe, ProbeContext
from ..scope import DEFAULT_MAX_ADDRESSES, Scope
from ..targets import resolve_scope


STOP_GRACE = 0.5  # seconds a discovery probe gets, after the deadline, to hand back what it found


@dataclass
class ScanConfig:
    targets: Sequence[str] = ()
    excludes: Sequence[str] = ()
    interface: str | None = None  # one interface (kept for callers); merged into ``interfaces``
    interfaces: Sequence[str] = ()  # scope when no targets; ARP and multicast go only there
    scope_file: str | None = None  # more targets/excludes, one per line (scanner.targets)
    allow_public: bool = False
    max_addresses: int = DEFAULT_MAX_ADDRESSES
    timeout: float = 2.0
    concurrency: int | None = None  # hosts probed at once; None: auto_concurrency(scope size)
    deadline: float = 600.0
    deadline_at: float | None = None  # the deadline as a time.monotonic() value (overrides ``deadline``)
    probes: Sequence[str] | None = None  # names to run; None means all
    skip_probes: Sequence[str] = ()
    policy: str = "uk-sensitive-sites"
    credentials: object | None = None
    rate: float = 2000.0  # new packets/connections a second across the whole scan
    sweep_limit: int = 4096  # addresses port-probed when discovery finds nobody, or without the ARP sweep
    arp_retries: int | None = None  # ARP retry rounds for silent addresses; None: by scope size
    scope: Scope | None = None  # a prepared scope instead of targets
    switches: Sequence[str] = ()  # switches to read for each device's port (scanner.locate); none: no SNMP sent
    snmp_credentials: object | None = None  # scanner.locate.SnmpCredentials (for switches and the snmp probe)
    switch_budget: float = 30.0  # seconds one switch may take
    switch_max_rows: int = 20_000  # rows read from one switch at most


class ScanObserver:
    """Callbacks the engine calls as it goes (the CLI draws a progress bar with them)."""

    def phase(self, name: str, total: int | None) -> None: ...

    def advance(self, count: int = 1) -> None: ...

    def note(self, message: str) -> None: ...


@dataclass
class Collected:
    """Everything the probes returned, before identification."""

    scope: Scope
    probes: list[str]
    started: datetime
    finished: datetime
    output: ProbeOutput = field(default_factory=ProbeOutput)
    hosts: list[Host] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    complete: bool = True
    figures: dict[str, dict[str, int]] = field(default_factory=dict)  # probes' own counters (ARP sweep rate)


def _selected(config: ScanConfig) -> list[Probe]:
    wanted = set(config.probes) if config.probes is not None else None
    known = {p.name for p in ALL_PROBES}
    unknown = (wanted or set()) - known | set(config.skip_probes) - known
    if unknown:
        raise ValueError(f"unknown probe(s): {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")
    return [p() for p in ALL_PROBES if (wanted is None or p.name in wanted) and p.name not in config.skip_probes]


def _safe(probe: Probe, call, target: str) -> ProbeOutput:
    started = time.monotonic()
    try:
        return call()
    except DeadlineReached:
        out = ProbeOutput()
        out.attempts.append(ProbeAttempt(probe.name, target, AttemptStatus.SKIPPED, "scan deadline reached",
                                         round(time.monotonic() - started, 3)))
        return out
    except Exception as exc:  # noqa: BLE001 - a probe bug must not end the scan
        out = ProbeOutput()
        out.attempts.append(
            ProbeAttempt(probe.name, target, AttemptStatus.ERROR, f"bug in cctv-scan: {type(exc).__name__}: {exc}"[:300],
                         round(time.monotonic() - started, 3))
        )
        return out


def _marker_paths() -> tuple[str, ...]:
    from ..identify import http_marker_paths

    return tuple(http_marker_paths())


def _unfaced_scope(scope: Scope, interfaces: tuple[str, ...]) -> str | None:
    """One line when no local interface faces any scope network (ARP and multicast cannot reach it)."""
    from ..interfaces import addresses_for_scope

    try:
        if addresses_for_scope(scope, interfaces):
            return None
    except ScopeError:
        return None  # interfaces unreadable: the probes say so themselves
    where = f" among {', '.join(interfaces)}" if interfaces else ""
    return (f"no local interface{where} faces {', '.join(scope.describe())}: ARP and multicast discovery cannot reach it, "
            "so hosts were looked for with TCP probes only, through the routing table")


def collect(config: ScanConfig, observer: ScanObserver | None = None) -> Collected:
    """Run the probes over the scope and return what they saw."""
    obs = observer or ScanObserver()
    interfaces = tuple(dict.fromkeys([*config.interfaces, *([config.interface] if config.interface else [])]))
    scope = config.scope or resolve_scope(
        config.targets, config.excludes, scope_file=config.scope_file, interfaces=interfaces,
        allow_public=config.allow_public, max_addresses=config.max_addresses,
    )
    probes = _selected(config)
    if config.switches:
        from ..locate import check_switches

        check_switches(config.switches, scope, allow_public=config.allow_public)  # before any packet is sent
    ctx = ProbeContext(
        scope=scope,
        timeout=config.timeout,
        interfaces=interfaces,
        credentials=config.credentials,
        snmp_credentials=config.snmp_credentials,
        http_marker_paths=_marker_paths() if any(p.name == "http" for p in probes) else (),
        log=obs.note,
        limiter=RateLimiter(config.rate) if config.rate else None,
        arp_retries=config.arp_retries,
    )
    result = Collected(scope=scope, probes=[p.name for p in probes], started=_now(), finished=_now())
    deadline = config.deadline_at if config.deadline_at is not None else time.monotonic() + config.deadline
    stopper = threading.Timer(max(0.0, deadline - time.monotonic()), ctx.stop.set)  # the hard bound, wherever the engine is
    stopper.daemon = True
    stopper.start()
    if not ctx.is_root:
        needing = [p.name for p in probes if p.needs_root]
        if needing:
            result.warnings.append(f"no raw-socket rights (root): {', '.join(needing)} ran in a reduced form (see attempts)")

    discovery = [p for p in probes if isinstance(p, DiscoveryProbe)]
    host_probes = sorted((p for p in probes if isinstance(p, HostProbe)), key=lambda p: p.stage)
    pool = ThreadPoolExecutor(max_workers=max(1, config.concurrency or 64), thread_name_prefix="cctv-probe")
    # Hosts are probed from this pool, from the moment an ARP sweep round finds them (while the
    # sweep and multicast discovery go on) or, for hosts only discovery's end reveals, after it.
    # It spawns a thread only when a host waits for one, so its size costs nothing on a sparse scope.
    host_pool = ThreadPoolExecutor(max_workers=max(1, config.concurrency or auto_concurrency(min(scope.size, 4096))),
                                   thread_name_prefix="cctv-host")
    pinned: list = []
    early: dict[Future, Host] = {}  # host probes started during discovery
    partial: dict[str, ProbeOutput] = {}  # each host's finished probes, kept at a deadline
    early_lock = threading.Lock()

    def hosts_found(found: list[Host], found_neighbours: list) -> None:
        """An ARP sweep round's hosts: their MACs go to the kernel, their probes start now."""
        with early_lock:  # held while installing: the final removal (under it) sees every entry added
            if ctx.stop.is_set() or not host_probes:
                return
            new_pins, problem = neighbours.install(found_neighbours)
            pinned.extend(new_pins)
            if problem and problem not in result.warnings:
                result.warnings.append(problem)
            for h in found:
                if h.ip in partial or h.ip not in scope:
                    continue
                partial[h.ip] = ProbeOutput()
                early[host_pool.submit(_probe_host, ctx, host_probes, h, partial[h.ip])] = h

    ctx.hosts_found = hosts_found
    try:
        obs.phase("discovery", len(discovery))
        futures: dict[Future, Any] = {
            pool.submit(_safe, p, lambda p=p: p.discover(ctx), ",".join(scope.describe())): p for p in discovery
        }
        if all(p.name == "arp" for p in discovery):
            ctx.discovery_done.set()
        for _probe, out in _drain(futures, deadline, obs):
            result.output.extend(out)
            if not ctx.discovery_done.is_set() and all(p.name == "arp" for p in futures.values()):
                # multicast discovery has ended (what the later host probes read): only the
                # sweep, whose hosts are already being probed, is still running
                ctx.discovery_done.set()
        if futures:  # the deadline: told to stop, a discovery probe returns what it found at once
            ctx.stop.set()
            for fut in wait(list(futures), timeout=STOP_GRACE).done:
                if not fut.cancelled():
                    futures.pop(fut)
                    result.complete = False
                    result.output.extend(fut.result())
        for probe in futures.values():  # still running at the deadline
            result.complete = False
            result.output.attempts.append(ProbeAttempt(probe.name, "scope", AttemptStatus.SKIPPED, "scan deadline reached"))
        ctx.discovery_done.set()
        ctx.hosts_found = None
        hosts = _in_scope(_merge_hosts(result.output.hosts), scope, result)
        if not ctx.stop.is_set():  # hosts the sweep found are reached with their MACs, not re-resolved
            with early_lock:
                have = {(n.ip, n.iface) for n in pinned}
            more, problem = neighbours.install([n for n in ctx.swept_neighbours if (n.ip, n.iface) not in have])
            pinned.extend(more)
            if problem and problem not in result.warnings:
                result.warnings.append(problem)
        # Without the ARP sweep (no raw sockets) discovery sees only the devices that answer
        # multicast: the other addresses are tried with TCP too, as when discovery found nothing.
        no_sweep = not ctx.is_root and any(p.name == "arp" for p in discovery)
        if (not hosts or no_sweep) and host_probes:
            known = {h.ip for h in hosts}
            addresses = [a for a in scope.addresses() if a not in known]
            if len(addresses) > config.sweep_limit:
                found = "found no host" if not hosts else f"found {len(hosts)} host(s) without the ARP sweep"
                result.warnings.append(
                    f"discovery {found} and the scope has {len(addresses)} more addresses (sweep limit {config.sweep_limit}); those were not probed"
                )
                addresses = []
            hosts = hosts + [Host(ip=a, source="sweep") for a in addresses]
        with early_lock:
            futures = dict(early)
            for h in hosts:
                if h.ip not in partial:
                    partial[h.ip] = ProbeOutput()
                    futures[host_pool.submit(_probe_host, ctx, host_probes, h, partial[h.ip])] = h
        obs.phase("hosts", len(futures))
        live: list[Host] = []
        for host, out in _drain(futures, deadline, obs):
            if host.source != "sweep" or any(o.field == "port.open" for o in out.observations):
                live.append(host)
                result.output.extend(out)
            else:
                result.output.attempts.extend(a for a in out.attempts if a.failed)
        if futures:
            result.complete = False
            result.warnings.append(f"scan deadline reached: {len(futures)} host(s) not fully probed")
            for host in futures.values():
                kept = partial[host.ip]
                if host.source != "sweep" or any(o.field == "port.open" for o in list(kept.observations)):
                    live.append(host)
                    result.output.observations.extend(list(kept.observations))
                    result.output.attempts.extend(list(kept.attempts))
                result.output.attempts.append(ProbeAttempt("engine", host.ip, AttemptStatus.SKIPPED, "scan deadline reached"))
        result.hosts = _merge_hosts(live + [h for h in result.output.hosts if h.ip in scope and h.source != "sweep"])
        result.hosts = _macs_from_neighbours(result.hosts, result)
    finally:
        ctx.stop.set()  # no worker sends after collect returns (deadline, interruption or done)
        stopper.cancel()
        ctx.discovery_done.set()
        pool.shutdown(wait=False, cancel_futures=True)
        host_pool.shutdown(wait=False, cancel_futures=True)
        with early_lock:
            neighbours.remove(pinned)
    result.figures = dict(ctx.figures)
    unfaced = _unfaced_scope(scope, interfaces)  # after the probes: it must not eat into the deadline
    if unfaced:
        result.warnings.append(unfaced)
    result.finished = _now()
    return result


def auto_concurrency(addresses: int) -> int:
    """Hosts probed at once when the user did not say: 64, or a quarter of the scope's addresses
    up to 256 (hosts are probed while the sweep still finds them, so their number is not known
    yet; the pool starts a thread only for a host that waits for one). Each worker mostly waits
    (a silent port, a device that never answers a unicast Probe), so on a site of a thousand
    devices 64 workers spent most of the scan waiting in turn; the packet rate stays bounded by
    ``rate`` whatever the number of workers."""
    return max(64, min(256, addresses // 4))


def _probe_host(ctx: ProbeContext, probes: list[HostProbe], host: Host, out: ProbeOutput) -> ProbeOutput:
    """Run the host's probes in order, adding each one's results to ``out`` as it finishes. A
    host found while discovery still runs has its ports probed at once; the probes after them
    wait for discovery's end, since they read what it found (WS-Discovery XAddrs, who answered
    the multicast Probe)."""
    for probe in probes:
        if probe.stage > 0:
            while not ctx.discovery_done.wait(0.1):
                if ctx.stop.is_set():
                    out.attempts.append(ProbeAttempt("engine", host.ip, AttemptStatus.SKIPPED, "scan deadline reached"))
                    return out
        out.extend(_safe(probe, lambda probe=probe: probe.probe(ctx, host), host.ip))
        if probe.stage == 0 and host.source == "sweep" and not ctx.open_ports.get(host.ip):
            break  # nothing listening: not a live host
    return out


def _drain(futures: dict[Future, Any], deadline: float, obs: ScanObserver) -> Iterator[tuple[Any, ProbeOutput]]:
    """Yield (key, result) as futures finish, until the deadline; cancel what is left and
    leave the keys of unfinished futures in ``futures`` (finished ones are removed)."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=max(0.0, deadline - time.monotonic()), return_when=FIRST_COMPLETED)
        if not done:
            break
        for fut in done:
            obs.advance()
            yield futures.pop(fut), fut.result()
    for fut in pending:
        fut.cancel()


def _in_scope(hosts: list[Host], scope: Scope, result: Collected) -> list[Host]:
    """Discovery replies can come from anywhere on the link: only in-scope hosts are probed."""
    outside = [h.ip for h in hosts if h.ip not in scope]
    if outside:
        result.warnings.append(f"seen, out of scope (not probed): {', '.join(outside[:20])}" + (" ..." if len(outside) > 20 else ""))
    return [h for h in hosts if h.ip in scope]


def _macs_from_neighbours(hosts: list[Host], result: Collected) -> list[Host]:
    """Hosts found without a MAC (no root for the ARP sweep, or found by TCP alone) take the one
    the kernel learnt while the probes talked to them: its neighbour table (/proc/net/arp, of the
    namespace the scan runs in) is read after the probes, needing no privilege."""
    from ..probes.arp import ARP_CACHE, MAX_ARP_CACHE_BYTES, parse_arp_cache

    if all(h.mac for h in hosts):
        return hosts
    try:
        with ARP_CACHE.open() as f:
            table = dict(parse_arp_cache(f.read(MAX_ARP_CACHE_BYTES)))
    except OSError as exc:
        result.output.attempts.append(ProbeAttempt("arp", "neighbour table", AttemptStatus.ERROR, f"cannot read {ARP_CACHE}: {exc}"))
        return hosts
    learnt = [Host(ip=h.ip, mac=table[h.ip], source="neighbour") for h in hosts if not h.mac and h.ip in table]
    if learnt:
        result.output.attempts.append(ProbeAttempt("arp", "neighbour table", AttemptStatus.OK,
                                                   f"{len(learnt)} MAC(s) read from the kernel's neighbour table after the probes"))
    return _merge_hosts(learnt + hosts)


def _merge_hosts(hosts: Sequence[Host]) -> list[Host]:
    merged: dict[str, Host] = {}
    for h in hosts:
        prior = merged.get(h.ip)
        if prior is None or (prior.mac is None and h.mac):
            merged[h.ip] = h
    return sorted(merged.values(), key=lambda h: tuple(int(x) for x in h.ip.split(".")))


class _NoSnmp:
    def for_host(self, ip: str) -> None:
        return None


_NO_SNMP = _NoSnmp()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def attempt_summary(attempts: Sequence[ProbeAttempt]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter] = {}
    for a in attempts:
        counts.setdefault(a.probe, Counter())[a.status.value] += 1
    return {probe: dict(sorted(c.items())) for probe, c in sorted(counts.items())}


def run_scan(config: ScanConfig, observer: ScanObserver | None = None) -> ScanDocument:
    """Scan, identify and classify: the library's main entry point."""
    obs = observer or ScanObserver()
    collected = collect(config, obs)
    from ..identify import build_devices

    obs.phase("identify", None)
    devices = build_devices(
        collected.output.observations, collected.hosts, collected.output.attempts, policy=config.policy
    )
    if config.switches:
        from ..locate import check_switches, locate_devices, read_switches

        obs.phase("switches", None)
        tables, switch_warnings = read_switches(
            check_switches(config.switches, collected.scope, allow_public=config.allow_public),
            config.snmp_credentials or _NO_SNMP, timeout=config.timeout, budget=config.switch_budget,
            max_rows=config.switch_max_rows)
        collected.warnings.extend(switch_warnings)
        for t in tables:
            status = AttemptStatus.OK if t.answered else AttemptStatus.NO_REPLY
            collected.output.attempts.append(ProbeAttempt("switch", t.address, status, "", t.elapsed))
        devices = locate_devices(devices, tables)
        switches = tuple({"address": t.address, "name": t.name, "answered": t.answered,
                          "macs": sorted({e.mac for e in t.fdb})} for t in tables)
    else:
        switches = ()
    info = ScanInfo(
        started=collected.started.isoformat(timespec="seconds"),
        finished=collected.finished.isoformat(timespec="seconds"),
        scope=collected.scope.describe(),
        probes=tuple(collected.probes),
        tool_version=__version__,
        policy=str(config.policy),
        mode="active",
        complete=collected.complete,
        attempts={**attempt_summary(collected.output.attempts), **collected.figures},
        warnings=tuple(collected.warnings),
        switches=switches,
    )
    return ScanDocument(scan=info, devices=tuple(devices))

