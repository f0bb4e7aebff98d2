"""ARP sweep: who is alive on the local link, and with which MAC.

Sends one ARP who-has per in-scope address on the interface the kernel routes that address
through (a connected subnet) and records every reply from an in-scope address. ARP never
crosses a router, so a scope that is not on a connected subnet yields nothing here (the port
probe then finds hosts). Without raw-socket rights it falls back to the kernel's ARP cache
(``/proc/net/arp``) and records why.

The sweep streams, so a /16 costs what its sending costs and no more:

- Addresses are walked as integers range by range (scope networks intersected with the
  connected routes, exclusions skipped), never listed; memory does not grow with the scope.
- Every frame comes from one 42-byte template in which only the target address changes.
- One raw ``AF_PACKET`` socket sends, paced by the scan's shared rate limiter; a second one,
  bound to ARP with a four-instruction BPF filter (opcode 2, "is-at"), is read by a receiver
  thread while the sender runs.
- The scan's stop event (deadline or interruption) is checked before every frame.
- After each round the receiver listens ``--timeout``/2 seconds, longer while replies are
  still coming in. A retry round re-asks only the addresses that stayed silent, at half the
  pace of the round before (frames lost to a congested link or a busy host are not lost again
  for the same reason). By default (``auto_retries``) a scope up to 1,024 addresses gets two retry
  rounds, one up to 4,096 one, a bigger one none (a retry costs time in proportion to the
  silent addresses, which on a sparse scope are nearly all of it); ``--arp-retries``
  chooses. The sweep's figures (frames sent, the first round's achieved rate, retries, rounds,
  answered) go to the document's attempts under ``arp.sweep``.

Written by hand rather than with scapy's ``srp``: ``srp`` builds one ``Packet`` per address up
front (memory grows with the scope), paces with ``time.sleep(inter)`` after every frame (the
achieved rate falls well short of the one asked for) and cannot be stopped between frames, so
a deadline could not bound it. Scapy is still used for the routing table and interface
addresses. Replies are parsed with fixed offsets and length checks (a malformed frame is
dropped).
"""

from __future__ import annotations

import ctypes
import ipaddress
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..models import AttemptStatus, Host, Observation, ProbeOutput
from .base import DeadlineReached, DiscoveryProbe, ProbeContext
from .neighbours import Neighbour

ARP_CACHE = Path("/proc/net/arp")
MAX_ARP_CACHE_BYTES = 1024 * 1024
ETH_P_ARP = 0x0806
SO_ATTACH_FILTER = 26
SO_RCVBUFFORCE = 33
AUTO_RETRY_MAX_ADDRESSES = 4096  # scopes up to a /20 get retry rounds by default (auto_retries)
CATCH_UP = 0.02  # seconds of lateness the sweep may make up by sending faster than --rate
MIN_LISTEN_AFTER = 0.5  # seconds to wait for late replies after the last frame of a round
MAX_LISTEN_ROUNDS = 6  # while replies keep arriving, a round's answer window is extended up to this many times
RECEIVE_BUFFER = 4 * 1024 * 1024
MAX_FOUND = 1 << 20  # replies kept (a flood of forged replies cannot grow memory past this)

# BPF (classic): accept only frames whose ARP opcode (offset 14 + 6) is 2, "is-at".
_BPF_ARP_REPLY = (
    (0x28, 0, 0, 20),      # ldh [20]
    (0x15, 0, 1, 2),       # jeq #2, accept, drop
    (0x06, 0, 0, 0xFFFF),  # ret #65535
    (0x06, 0, 0, 0),       # ret #0
)


def parse_arp_cache(text: str) -> list[tuple[str, str]]:
    """(ip, mac) pairs from the text of /proc/net/arp, skipping incomplete entries."""
    pairs = []
    for line in text.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 4 and cols[3] != "00:00:00:00:00:00" and cols[2] != "0x0":
            pairs.append((cols[0], cols[3].lower()))
    return pairs


def arp_request_template(src_mac: str, src_ip: str) -> bytearray:
    """A broadcast ARP who-has from (src_mac, src_ip); the target address is bytes 38..42."""
    mac = bytes.fromhex(src_mac.replace(":", ""))
    return bytearray(
        b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP)
        + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + socket.inet_aton(src_ip) + b"\x00" * 6 + b"\x00" * 4
    )


def parse_arp_reply(frame: bytes) -> tuple[int, str] | None:
    """(sender address as an integer, sender MAC) of an Ethernet ARP is-at, or None."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x06":
        return None
    htype, ptype, hlen, plen, op = struct.unpack_from("!HHBBH", frame, 14)
    if (htype, ptype, hlen, plen, op) != (1, 0x0800, 6, 4, 2):
        return None
    mac = frame[22:28]
    if mac == b"\x00" * 6 or mac[0] & 1:  # zero or multicast sender: not a host
        return None
    return struct.unpack_from("!I", frame, 28)[0], ":".join(f"{b:02x}" for b in mac)


def _attach_filter(sock: socket.socket) -> None:
    code = b"".join(struct.pack("HBBI", *ins) for ins in _BPF_ARP_REPLY)
    buf = ctypes.create_string_buffer(code, len(code))
    prog = struct.pack("HL", len(_BPF_ARP_REPLY), ctypes.addressof(buf))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, prog)


def _grow_receive_buffer(sock: socket.socket) -> None:
    """Room for a whole subnet answering at once: SO_RCVBUFFORCE (root may exceed
    net.core.rmem_max), else as much as SO_RCVBUF allows."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RECEIVE_BUFFER)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)


@dataclass
class SweepPlan:
    """What one interface's sweep covers: inclusive integer ranges, minus exclusions."""

    iface: str
    src_ip: str
    ranges: list[tuple[int, int]] = field(default_factory=list)
    excludes: list[tuple[int, int]] = field(default_factory=list)
    skip: frozenset[int] = frozenset()

    def addresses(self) -> Iterator[int]:
        for lo, hi in self.ranges:
            for a in range(lo, hi + 1):
                if a in self.skip or any(elo <= a <= ehi for elo, ehi in self.excludes):
                    continue
                yield a

    @property
    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.ranges)  # an upper bound: exclusions not subtracted

    def contains(self, a: int) -> bool:
        return any(lo <= a <= hi for lo, hi in self.ranges) and not any(elo <= a <= ehi for elo, ehi in self.excludes)


def plan_sweep(ctx: ProbeContext) -> list[SweepPlan]:
    """Intersect the scope's networks with the connected (gateway-less) routes, per interface.

    Network and broadcast addresses of each scope network are left out (as ``Scope.addresses``
    does), and so is the interface's own address."""
    import scapy.route  # noqa: F401 - fills conf.route
    from scapy.config import conf

    conf.route.resync()  # read now: a table loaded earlier may belong to another namespace (a fork)
    scope_nets = list(ipaddress.collapse_addresses(ctx.scope.networks))
    excludes = [(int(n.network_address), int(n.broadcast_address)) for n in ctx.scope.excludes]
    routes = []
    for net, mask, gw, iface, src, _metric in conf.route.routes:
        if gw not in ("0.0.0.0", None) or iface in ("lo", None) or mask == 0xFFFFFFFF:
            continue
        if ctx.interfaces and iface not in ctx.interfaces:
            continue
        prefix = bin(mask).count("1")
        try:
            rnet = ipaddress.IPv4Network((net & mask, prefix))
        except ValueError:
            continue
        if rnet.is_multicast or rnet.prefixlen == 0:
            continue
        routes.append((prefix, rnet, iface, src))
    routes.sort(key=lambda r: -r[0])  # most specific first: each address goes to one interface
    plans: dict[str, SweepPlan] = {}
    for snet in scope_nets:
        lo, hi = int(snet.network_address), int(snet.broadcast_address)
        if snet.prefixlen < 31:
            lo, hi = lo + 1, hi - 1
        taken: list[tuple[int, int]] = []
        for _prefix, rnet, iface, src in routes:
            rlo, rhi = max(lo, int(rnet.network_address)), min(hi, int(rnet.broadcast_address))
            if rlo > rhi:
                continue
            for part in _subtract((rlo, rhi), taken):
                plan = plans.setdefault(iface, SweepPlan(iface=iface, src_ip=src, excludes=excludes))
                plan.ranges.append(part)
            taken.append((rlo, rhi))
    for plan in plans.values():
        own = int(ipaddress.IPv4Address(plan.src_ip)) if plan.src_ip else None
        plan.skip = frozenset({own} if own is not None else ())
    return [p for p in plans.values() if p.ranges]


def _subtract(span: tuple[int, int], taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    parts = [span]
    for tlo, thi in taken:
        nxt = []
        for lo, hi in parts:
            if thi < lo or tlo > hi:
                nxt.append((lo, hi))
                continue
            if lo < tlo:
                nxt.append((lo, tlo - 1))
            if thi < hi:
                nxt.append((thi + 1, hi))
        parts = nxt
    return parts


@dataclass
class SweepResult:
    found: dict[int, str] = field(default_factory=dict)
    sent: int = 0
    send_seconds: float = 0.0
    first_sent: int = 0  # the first round runs at --rate; retry rounds at half the pace of the one before
    first_seconds: float = 0.0
    rounds: int = 0
    stopped: bool = False
    errors: int = 0


def sweep(plan: SweepPlan, ctx: ProbeContext, retries: int,
          on_round: Callable[[dict[int, str]], None] | None = None) -> SweepResult:
    """ARP-sweep one interface: stream the frames, read replies meanwhile, retry the silent.
    ``on_round`` gets the addresses each round found that no earlier round had (address -> MAC),
    once the round's answer window has closed."""
    from scapy.arch import get_if_hwaddr

    result = SweepResult()
    template = arp_request_template(get_if_hwaddr(plan.iface), plan.src_ip)
    frame = memoryview(template)
    listen_done = threading.Event()
    receiver = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    try:
        _attach_filter(receiver)
        _grow_receive_buffer(receiver)
        receiver.bind((plan.iface, ETH_P_ARP))
        sender = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    except BaseException:
        receiver.close()
        raise
    lock = threading.Lock()

    def receive() -> None:
        while not listen_done.is_set():
            ready, _, _ = select.select([receiver], [], [], 0.1)
            if not ready:
                continue
            try:
                data = receiver.recv(2048)
            except OSError:
                continue
            parsed = parse_arp_reply(data)
            if parsed is None or not plan.contains(parsed[0]):
                continue
            with lock:
                if parsed[0] not in result.found and len(result.found) < MAX_FOUND:
                    result.found[parsed[0]] = parsed[1]

    thread = threading.Thread(target=receive, name="cctv-arp-receiver", daemon=True)
    thread.start()
    try:
        sender.bind((plan.iface, 0))
        listen = max(ctx.timeout / 2, MIN_LISTEN_AFTER)  # rounds share the answer window, as the UDP probes' retries do
        round_started = None
        asked = 0
        reported: dict[int, str] = {}
        for rnd in range(retries + 1):
            with lock:
                answered = frozenset(result.found) if rnd else frozenset()
            sent_this_round = 0
            round_started = next_at = time.monotonic()
            # Spaced evenly at --rate (the shared limiter's burst is not used: the sweep never
            # runs faster than asked), each retry round at half the pace of the one before.
            gap = (2 ** rnd) / ctx.limiter.rate if ctx.limiter else 0.0
            for addr in plan.addresses():
                if addr in answered:
                    continue
                if gap:
                    # A schedule, not a sleep per frame: a late frame is made up by the next
                    # ones (catch-up bounded to CATCH_UP seconds, so never a burst).
                    now = time.monotonic()
                    if next_at > now:
                        time.sleep(next_at - now)  # at most one gap; wait_turn checks the stop next
                    next_at = max(next_at, now - CATCH_UP) + gap
                ctx.wait_turn()  # raises DeadlineReached once the scan must stop
                struct.pack_into("!I", template, 38, addr)
                try:
                    sender.send(frame)
                except OSError:
                    result.errors += 1  # a full queue (ENOBUFS) loses one frame; the retry round may ask again
                    continue
                result.sent += 1
                sent_this_round += 1
            result.rounds += 1
            result.send_seconds += time.monotonic() - round_started
            if rnd == 0:
                result.first_sent, result.first_seconds = result.sent, result.send_seconds
            round_started = None
            if not sent_this_round:
                break
            # Answer window: ``listen`` seconds, extended while replies are still arriving (a
            # busy link or a slow switch delivers them late), up to MAX_LISTEN_ROUNDS windows.
            # Every address asked has answered: nothing left to wait for.
            if rnd == 0:
                asked = sent_this_round
            for _ in range(MAX_LISTEN_ROUNDS):
                with lock:
                    before = len(result.found)
                until = time.monotonic() + listen
                while time.monotonic() < until:
                    if ctx.stopped(timeout=min(0.05, max(0.0, until - time.monotonic()))):
                        raise DeadlineReached()
                    with lock:
                        if len(result.found) >= asked:
                            break
                with lock:
                    if len(result.found) == before or len(result.found) >= asked:
                        break
            if on_round is not None:
                with lock:
                    fresh = {a: m for a, m in result.found.items() if a not in reported}
                reported.update(fresh)
                if fresh:
                    on_round(fresh)
            with lock:
                if len(result.found) >= asked:
                    break
    except DeadlineReached:
        result.stopped = True
        if round_started is not None:
            result.send_seconds += time.monotonic() - round_started
            if result.rounds == 0:
                result.first_sent, result.first_seconds = result.sent, result.send_seconds
    finally:
        listen_done.set()
        sender.close()
        thread.join(timeout=1.0)
        receiver.close()
    return result


def auto_retries(size: int) -> int:
    """Retry rounds when the user chose none: by how many addresses the scope holds."""
    return 2 if size <= 1024 else 1 if size <= AUTO_RETRY_MAX_ADDRESSES else 0


def _ip(a: int) -> str:
    return socket.inet_ntoa(struct.pack("!I", a))


class ArpProbe(DiscoveryProbe):
    name = "arp"
    description = "ARP sweep of the in-scope addresses on the local link (kernel cache without root)"
    needs_root = True

    def discover(self, ctx: ProbeContext) -> ProbeOutput:
        out = ProbeOutput()
        started = time.monotonic()
        target = ",".join(ctx.scope.describe())
        if not ctx.is_root:
            out.attempts.append(
                self.attempt(target, AttemptStatus.PERMISSION, "raw sockets need root: used the kernel ARP cache", started)
            )
            text = ARP_CACHE.read_text()[:MAX_ARP_CACHE_BYTES] if ARP_CACHE.exists() else ""
            pairs = [(ip, mac) for ip, mac in parse_arp_cache(text) if ip in ctx.scope]
        else:
            pairs = self._sweep(ctx, out, started, target)
        for ip, mac in pairs:
            out.hosts.append(Host(ip=ip, mac=mac, source=self.name))
            out.observations.append(Observation(ip=ip, probe=self.name, field="arp.mac", value=mac))
        return out

    def _sweep(self, ctx: ProbeContext, out: ProbeOutput, started: float, target: str) -> list[tuple[str, str]]:
        plans = plan_sweep(ctx)
        if not plans:
            out.attempts.append(self.attempt(target, AttemptStatus.SKIPPED, "no in-scope address is on a connected subnet", started))
            return []
        size = sum(p.size for p in plans)
        retries = ctx.arp_retries if ctx.arp_retries is not None else auto_retries(size)
        found: dict[int, str] = {}
        iface_of: dict[int, str] = {}
        sent = 0
        first_sent, first_seconds = 0, 0.0
        rounds = 0
        for plan in plans:
            def early(fresh: dict[int, str], iface: str = plan.iface) -> None:
                if ctx.hosts_found is not None:
                    ctx.hosts_found([Host(ip=_ip(a), mac=m, source=self.name) for a, m in sorted(fresh.items())],
                                    [Neighbour(_ip(a), m, iface) for a, m in sorted(fresh.items())])

            try:
                res = sweep(plan, ctx, retries, on_round=early)
            except PermissionError as exc:
                out.attempts.append(self.attempt(plan.iface, AttemptStatus.PERMISSION, str(exc), started))
                continue
            except OSError as exc:
                out.attempts.append(self.attempt(plan.iface, AttemptStatus.ERROR, f"ARP sweep failed: {exc}", started))
                continue
            for a, mac in res.found.items():
                if a not in found:
                    found[a], iface_of[a] = mac, plan.iface
            sent += res.sent
            first_sent += res.first_sent
            first_seconds += res.first_seconds
            rounds = max(rounds, res.rounds)
            rate = res.first_sent / res.first_seconds if res.first_seconds > 0 else 0.0
            how = "retries chosen" if ctx.arp_retries is not None else f"auto for {size} addresses"
            detail = (f"{res.sent} frames in {res.send_seconds:.1f} s (first round {rate:.0f}/s), {len(res.found)} answered, "
                      f"arp-retries {retries} ({how})" + (f", {res.errors} frames not sent" if res.errors else ""))
            if res.stopped:
                out.attempts.append(self.attempt(plan.iface, AttemptStatus.SKIPPED, "scan deadline reached: " + detail, started))
            else:
                out.attempts.append(self.attempt(plan.iface, AttemptStatus.OK, detail, started))
        ctx.figures["arp.sweep"] = {
            "frames_sent": sent,
            "rate_asked_per_s": int(ctx.limiter.rate) if ctx.limiter else 0,
            "rate_achieved_per_s": int(round(first_sent / first_seconds)) if first_seconds > 0 else 0,  # first round
            "retries": retries,
            "rounds": rounds,
            "answered": len(found),
        }
        ctx.swept_neighbours = [Neighbour(_ip(a), mac, iface_of[a]) for a, mac in sorted(found.items())]
        return [(_ip(a), mac) for a, mac in sorted(found.items())]
