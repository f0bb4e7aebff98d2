"""TCP connect probe of the camera port set (``fingerprints/ports.yaml``).

A full connect, then an immediate close: no raw sockets, so it needs no root. All ports of one
host are tried at once with a per-port timeout; the ports found open go into
``ctx.open_ports`` for the banner probes and become ``port.open`` observations.
"""

from __future__ import annotations

import asyncio
import errno
import time
from collections.abc import Callable, Sequence

from ..data import load_yaml
from ..models import AttemptStatus, Host, Observation, ProbeOutput
from .base import HostProbe, ProbeContext


def port_table() -> list[dict]:
    return list(load_yaml("ports.yaml")["ports"])


def ports_for(service: str) -> set[int]:
    return {int(p["port"]) for p in port_table() if p["service"] == service}


async def _try(ip: str, port: int, timeout: float, pace: Callable[[], float], check: Callable[[], None]) -> tuple[int, str]:
    delay = pace()
    if delay > 0:
        await asyncio.sleep(delay)
        check()  # the scan may have had to stop while this connection waited its turn
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(ip, port), timeout)
    except asyncio.TimeoutError:
        return port, "filtered"
    except ConnectionRefusedError:
        return port, "closed"
    except OSError as exc:
        return port, "unreachable" if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH) else "closed"
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 0.5)
    except (OSError, asyncio.TimeoutError):
        pass
    return port, "open"


def connect_scan(
    ip: str, ports: Sequence[int], timeout: float, pace: Callable[[], float] = lambda: 0.0,
    check: Callable[[], None] = lambda: None,
) -> dict[int, str]:
    """State of each port: open, closed, filtered or unreachable. ``pace`` and ``check`` may
    raise (``DeadlineReached``) to stop the scan before another connection is opened."""

    async def run() -> dict[int, str]:
        return dict(await asyncio.gather(*(_try(ip, p, timeout, pace, check) for p in ports)))

    return asyncio.run(run())


class PortProbe(HostProbe):
    name = "ports"
    description = "TCP connect probe of the camera port set"
    stage = 0

    def probe(self, ctx: ProbeContext, host: Host) -> ProbeOutput:
        out = ProbeOutput()
        started = time.monotonic()
        ports = sorted(int(p["port"]) for p in port_table())
        states = connect_scan(host.ip, ports, min(ctx.timeout, 1.5), ctx.pace, ctx.check)
        open_ports = sorted(p for p, s in states.items() if s == "open")
        ctx.open_ports[host.ip] = set(open_ports)
        for port in open_ports:
            out.observations.append(Observation(ip=host.ip, probe=self.name, field="port.open", value=str(port), port=port))
        if "unreachable" in states.values() and not open_ports:
            out.attempts.append(self.attempt(host.ip, AttemptStatus.UNREACHABLE, "host unreachable", started))
        else:
            status = AttemptStatus.OK if open_ports else AttemptStatus.NO_REPLY
            out.attempts.append(self.attempt(host.ip, status, f"open: {open_ports or 'none'}", started))
        return out
