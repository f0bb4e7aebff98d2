"""What every UDP discovery probe does around its own parser: pick the local addresses that
face the scope, send, collect, keep in-scope replies, record the rest.

A reply from an address outside the scope is recorded as a SKIPPED attempt ("seen, out of
scope") and never parsed into observations or probed further. A reply that does not parse is a
MALFORMED attempt with the parser's reason. A flood from one address is cut at the per-source
cap and recorded as TOO_LARGE. Whatever parsed before a bad datagram is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from ..interfaces import LocalAddress, addresses_for_scope
from ..errors import CctvScanError
from ..models import AttemptStatus, Host, Observation, ProbeOutput
from . import _udp
from ._parsing import MalformedReply, norm_mac
from .base import Probe, ProbeContext

# A host asked by unicast answers at once (only multicast answers are delayed, up to 500 ms in
# WS-Discovery); after its first datagram we wait this long for the rest, not the whole timeout.
UNICAST_SETTLE = 0.5

Parser = Callable[[bytes, str], list[Observation]]
Sends = Callable[[LocalAddress], list[tuple[bytes, tuple[str, int]]]]


def dedupe(observations: Iterable[Observation]) -> list[Observation]:
    seen: set[Observation] = set()
    out: list[Observation] = []
    for o in observations:
        if o not in seen:
            seen.add(o)
            out.append(o)
    return out


def hosts_from(observations: list[Observation], source: str, mac_fields: tuple[str, ...]) -> list[Host]:
    macs: dict[str, str | None] = {}
    for o in observations:
        macs.setdefault(o.ip, None)
        if o.field in mac_fields and macs[o.ip] is None:
            macs[o.ip] = norm_mac(o.value)
    return [Host(ip=ip, mac=mac, source=source) for ip, mac in macs.items()]


def handle_datagrams(
    probe: Probe,
    ctx: ProbeContext,
    collected: _udp.Collected,
    parse: Parser,
    out: ProbeOutput,
    started: float,
) -> None:
    """Turn collected datagrams into observations and attempts (shared by multicast and unicast)."""
    seen_outside: set[str] = set()
    for ip, count in collected.dropped.items():
        out.attempts.append(
            probe.attempt(ip, AttemptStatus.TOO_LARGE, f"flood: {count} more datagrams from {ip} dropped over the cap", started)
        )
    for dgram in collected.datagrams:
        if not ctx.scope.contains(dgram.ip):
            if dgram.ip not in seen_outside:
                seen_outside.add(dgram.ip)
                out.attempts.append(
                    probe.attempt(dgram.ip, AttemptStatus.SKIPPED, "seen, out of scope: replied to discovery, not probed", started)
                )
            continue
        try:
            out.observations.extend(parse(dgram.data, dgram.ip))
        except MalformedReply as exc:
            out.attempts.append(probe.attempt(dgram.ip, AttemptStatus.MALFORMED, str(exc), started))
        except Exception as exc:  # a parser bug must not end the scan
            out.attempts.append(probe.attempt(dgram.ip, AttemptStatus.ERROR, f"parser bug: {type(exc).__name__}", started))


def multicast_discover(
    probe: Probe,
    ctx: ProbeContext,
    sends: Sends,
    parse: Parser,
    *,
    mac_fields: tuple[str, ...] = (),
    listen_port: int = 0,
    join_group: str | None = None,
    broadcast: bool = False,
    bind_any: bool = False,
    retries: int = 1,
) -> ProbeOutput:
    out = ProbeOutput()
    started = time.monotonic()
    try:
        locals_ = addresses_for_scope(ctx.scope, ctx.interfaces)
    except CctvScanError as exc:
        out.attempts.append(probe.attempt("multicast", AttemptStatus.ERROR, str(exc), started))
        return out
    if not locals_:
        out.attempts.append(
            probe.attempt("multicast", AttemptStatus.SKIPPED, "no local interface faces the scope", started)
        )
        return out
    for addr in locals_:
        try:
            try:
                sock = _udp.open_socket(addr.ip, listen_port, join_group=join_group, broadcast=broadcast,
                                        bind_any=bind_any)
            except OSError:
                if not listen_port:
                    raise
                # The well-known port is taken (another discovery tool): ask from an ephemeral
                # port; devices still answer the sender.
                sock = _udp.open_socket(addr.ip, 0, broadcast=broadcast)
        except OSError as exc:
            status = AttemptStatus.PERMISSION if exc.errno in (1, 13) else AttemptStatus.ERROR
            out.attempts.append(probe.attempt(addr.ifname, status, f"cannot open socket on {addr.ip}: {exc.strerror}", started))
            continue
        try:
            payloads = sends(addr)
            ctx.wait_turn(len(payloads) * (retries + 1))
            collected = _udp.exchange(sock, payloads, timeout=ctx.timeout, retries=retries, stop=ctx.stop)
        finally:
            sock.close()
        for err in collected.send_errors[:3]:
            out.attempts.append(probe.attempt(addr.ifname, AttemptStatus.UNREACHABLE, f"send failed: {err}", started))
        handle_datagrams(probe, ctx, collected, parse, out, started)
    out.observations = dedupe(out.observations)
    out.hosts = hosts_from(out.observations, probe.name, mac_fields)
    if not out.observations and not out.attempts:
        out.attempts.append(probe.attempt("multicast", AttemptStatus.NO_REPLY, "no device answered", started))
    elif out.observations:
        out.attempts.append(probe.attempt("multicast", AttemptStatus.OK, f"{len(out.hosts)} devices answered", started))
    return out


def unicast_ask(
    probe: Probe,
    ctx: ProbeContext,
    ip: str,
    port: int,
    payloads: list[bytes],
    parse: Parser,
    *,
    retries: int = 1,
) -> ProbeOutput:
    """Send payloads to one in-scope host and parse what it sends back."""
    out = ProbeOutput()
    started = time.monotonic()
    if not ctx.scope.contains(ip):
        out.attempts.append(probe.attempt(ip, AttemptStatus.SKIPPED, "outside scope", started))
        return out
    try:
        sock = _udp.open_socket()
        sock.connect((ip, port))  # so an ICMP port unreachable reaches us and ends the wait
    except OSError as exc:
        out.attempts.append(probe.attempt(ip, AttemptStatus.ERROR, f"cannot open socket: {exc.strerror}", started))
        return out
    try:
        ctx.wait_turn(len(payloads) * (retries + 1))
        collected = _udp.exchange(sock, [(p, (ip, port)) for p in payloads], timeout=ctx.timeout, retries=retries,
                                  settle=min(UNICAST_SETTLE, ctx.timeout), stop=ctx.stop)
    finally:
        sock.close()
    # Only the host asked may answer a unicast question.
    collected.datagrams = [d for d in collected.datagrams if d.ip == ip]
    handle_datagrams(probe, ctx, collected, parse, out, started)
    out.observations = dedupe(out.observations)
    if out.observations:
        out.attempts.append(probe.attempt(ip, AttemptStatus.OK, "", started))
    elif not out.attempts:
        detail = ("port closed (ICMP port unreachable)" if collected.refused
                  else collected.send_errors[0] if collected.send_errors else "no reply")
        out.attempts.append(probe.attempt(ip, AttemptStatus.NO_REPLY, detail, started))
    return out
