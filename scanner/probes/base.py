"""The one small interface every probe implements.

A probe is a module with one class. Its network code sends and receives; its ``parse``
function is pure (bytes in, observations out) so tests can feed it captured bytes with no
socket in sight. A probe never raises for a misbehaving device: it returns a ``ProbeAttempt``
whose status says what happened (timeout, refused, malformed, too large, ...).

Two kinds:
- ``DiscoveryProbe.discover(ctx)`` finds live hosts in the scope (ARP sweep, multicast
  discovery) and may return observations about them at the same time.
- ``HostProbe.probe(ctx, host)`` asks one live host for more (banners, device information).
"""

from __future__ import annotations

import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from ..models import AttemptStatus, Host, ProbeAttempt, ProbeOutput
from ..ratelimit import RateLimiter
from ..scope import Scope

# Limits on what any device may make us read. Cameras are untrusted.
DEFAULT_TIMEOUT = 2.0
MAX_BODY_BYTES = 256 * 1024
MAX_HEADER_BYTES = 32 * 1024


class DeadlineReached(Exception):
    """Raised by ``ProbeContext.wait_turn``/``pace``/``check`` once the scan must stop (its
    deadline passed or it was interrupted): the probe sends nothing more. The engine records
    the probe as skipped, not as a bug."""


def raw_sockets_allowed() -> bool:
    """True when this process may open a raw packet socket (root with CAP_NET_RAW)."""
    try:
        socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close()
    except OSError:
        return False
    return True


@dataclass
class ProbeContext:
    """What a probe may use. Probes must not send to any address outside ``scope``."""

    scope: Scope
    timeout: float = DEFAULT_TIMEOUT
    max_body_bytes: int = MAX_BODY_BYTES
    interfaces: tuple[str, ...] = ()  # ARP and multicast discovery only on these (empty: any)
    is_root: bool = field(default_factory=lambda: raw_sockets_allowed())  # may send raw frames (ARP)
    open_ports: dict[str, set[int]] = field(default_factory=dict)  # filled by the port probe
    wsd_xaddrs: dict[str, set[str]] = field(default_factory=dict)  # ONVIF XAddrs WS-Discovery saw, by host
    wsd_answered: set[str] = field(default_factory=set)  # hosts that answered the multicast WS-Discovery Probe
    credentials: object | None = None  # scanner.credentials.Credentials when the user gave some
    snmp_credentials: object | None = None  # scanner.locate.SnmpCredentials (--snmp-credentials)
    http_marker_paths: tuple[str, ...] = ()  # read-only GET paths named by fingerprints/http_marker.yaml
    log: Callable[[str], None] = lambda message: None
    limiter: RateLimiter | None = None  # shared pace for new packets/connections across the scan
    stop: threading.Event = field(default_factory=threading.Event)  # set by the engine at the deadline
    arp_retries: int | None = None  # ARP retry rounds for silent addresses (None: by scope size)
    figures: dict[str, dict[str, int]] = field(default_factory=dict)  # probe figures for the document's attempts
    swept_neighbours: list = field(default_factory=list)  # neighbours.Neighbour per host the ARP sweep found
    # Set by the engine: called with the hosts an ARP sweep round found (with their neighbours),
    # so their probes start while the sweep goes on; None: the hosts wait for discovery's end.
    hosts_found: Callable[[list[Host], list], None] | None = None
    discovery_done: threading.Event = field(default_factory=threading.Event)  # multicast discovery has ended

    def check(self) -> None:
        """Raise ``DeadlineReached`` if the scan must stop: call it before sending anything."""
        if self.stop.is_set():
            raise DeadlineReached()

    def stopped(self, timeout: float = 0.0) -> bool:
        """Wait up to ``timeout`` seconds for the stop signal; True once it is set."""
        return self.stop.wait(timeout) if timeout > 0 else self.stop.is_set()

    def pace(self, count: int = 1) -> float:
        """Seconds to wait before sending ``count`` packets or opening that many connections.
        Raises ``DeadlineReached`` once the scan must stop; a caller that sleeps the delay must
        call ``check`` again before it sends."""
        self.check()
        return self.limiter.reserve(count) if self.limiter else 0.0

    def wait_turn(self, count: int = 1) -> None:
        """Wait for the rate limiter's leave to send; raises ``DeadlineReached`` if the scan
        must stop before or while waiting."""
        delay = self.pace(count)
        if delay > 0 and self.stop.wait(delay):
            raise DeadlineReached()


class Probe(ABC):
    name: ClassVar[str]
    description: ClassVar[str] = ""
    needs_root: ClassVar[bool] = False

    def attempt(self, target: str, status: AttemptStatus, detail: str = "", started: float | None = None) -> ProbeAttempt:
        elapsed = time.monotonic() - started if started is not None else 0.0
        return ProbeAttempt(probe=self.name, target=target, status=status, detail=detail, elapsed=round(elapsed, 3))


class DiscoveryProbe(Probe):
    @abstractmethod
    def discover(self, ctx: ProbeContext) -> ProbeOutput: ...


class HostProbe(Probe):
    # Stage orders host probes: ports first (stage 0), then banner probes that read ctx.open_ports.
    stage: ClassVar[int] = 1

    @abstractmethod
    def probe(self, ctx: ProbeContext, host: Host) -> ProbeOutput: ...
