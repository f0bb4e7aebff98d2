"""The one UDP send-and-collect loop behind the multicast/broadcast/unicast discovery probes
(WS-Discovery, SADP, DHIP, SSDP, mDNS).

Written by hand (not with a library) because every limit must be ours: a deadline, a cap on
datagrams per source and in total (a flood from one address costs a counter, not memory), and
retries spaced inside the listening window. The caller decides what is in scope; this module
only sends to the destinations it is given and reports who answered.
"""

from __future__ import annotations

import select
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

MAX_DATAGRAM = 65535
MAX_PER_SOURCE = 32  # datagrams kept from one address in one exchange
MAX_TOTAL = 4096  # datagrams kept in one exchange, all sources


@dataclass(frozen=True, slots=True)
class Datagram:
    ip: str
    port: int
    data: bytes


@dataclass(slots=True)
class Collected:
    datagrams: list[Datagram] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)  # source ip -> datagrams over the cap
    send_errors: list[str] = field(default_factory=list)
    refused: bool = False  # a connected socket got ICMP port unreachable: nothing listens there


def open_socket(
    local_ip: str = "0.0.0.0",
    port: int = 0,
    *,
    join_group: str | None = None,
    broadcast: bool = False,
    bind_any: bool = False,
) -> socket.socket:
    """A UDP socket bound to ``local_ip:port`` that sends multicast from ``local_ip`` with TTL 1
    (discovery never leaves the link) and does not hear its own multicast."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    if broadcast:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    if local_ip != "0.0.0.0":
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(local_ip))
    # A listener on a well-known port (SADP replies by multicast to 37020, DVRIP devices by
    # broadcast to 34569) must bind the wildcard address to receive group or broadcast traffic;
    # an ephemeral socket binds the interface address.
    sock.bind(("0.0.0.0" if join_group or bind_any else local_ip, port))
    if join_group:
        mreq = struct.pack("4s4s", socket.inet_aton(join_group), socket.inet_aton(local_ip))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    sock.setblocking(False)
    return sock


def exchange(
    sock: socket.socket,
    sends: list[tuple[bytes, tuple[str, int]]],
    *,
    timeout: float,
    retries: int = 1,
    max_per_source: int = MAX_PER_SOURCE,
    max_total: int = MAX_TOTAL,
    settle: float | None = None,
    stop: threading.Event | None = None,
) -> Collected:
    """Send every payload to its destination ``retries + 1`` times, spread over ``timeout``
    seconds, and collect what comes back until the deadline.

    ``settle`` is for one host asked on a connected socket: the window then closes ``settle``
    seconds after its first answer (time for the rest of a reply split across datagrams), or at
    once when the host reports the port closed (ICMP port unreachable); a silent host still
    gets the whole ``timeout``. Once ``stop`` is set (the scan's deadline) nothing more is sent
    and the exchange ends with what it has."""
    got = Collected()
    per_source: Counter = Counter()
    start = time.monotonic()
    deadline = start + max(timeout, 0.05)
    rounds = max(retries, 0) + 1
    send_at = [start + i * (timeout / (rounds + 1)) for i in range(rounds)]
    while True:
        now = time.monotonic()
        if stop is not None and stop.is_set():
            break
        while send_at and send_at[0] <= now:
            send_at.pop(0)
            for payload, dest in sends:
                try:
                    sock.sendto(payload, dest)
                except ConnectionRefusedError:
                    got.refused = True  # an ICMP port unreachable from an earlier send
                except OSError as exc:
                    got.send_errors.append(f"{dest[0]}:{dest[1]}: {exc.strerror or exc}")
        if now >= deadline or (settle is not None and got.refused and not got.datagrams):
            break
        wait = min(deadline, send_at[0] if send_at else deadline) - now
        readable, _, _ = select.select([sock], [], [], max(min(wait, 0.1) if stop is not None else wait, 0.0))
        if not readable:
            continue
        while True:
            try:
                data, (ip, port) = sock.recvfrom(MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                break
            except ConnectionRefusedError:
                got.refused = True  # ICMP port unreachable, surfaced on a connected socket
                break
            except OSError:
                break  # e.g. ICMP port unreachable surfaced on a later recv: not a reply
            if per_source[ip] >= max_per_source or len(got.datagrams) >= max_total:
                got.dropped[ip] += 1
                continue
            per_source[ip] += 1
            got.datagrams.append(Datagram(ip=ip, port=port, data=data))
            if settle is not None and len(got.datagrams) == 1:
                deadline = min(deadline, time.monotonic() + settle)
    return got
