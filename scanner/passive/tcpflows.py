"""TCP stream reassembly for passive reading: just enough of each connection's two byte
streams to read the protocol headers at their start (HTTP, RTSP, TLS), within fixed limits.

Each direction keeps the bytes from its first sequence number, in order, up to ``cap`` bytes;
retransmitted bytes are dropped, a few out-of-order segments wait for the gap to fill, and a
gap that never fills ends that direction. A connection is handed back when it closes (FIN from
both sides, or RST), when both directions are full, when the table is full (the least recently
active connection goes first), or at the end of the capture. Memory is bounded by
``max_flows * 2 * cap`` whatever the size of the capture.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from .frames import TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, Frame

DEFAULT_CAP = 24 * 1024
DEFAULT_MAX_FLOWS = 1024
MAX_PENDING = 16
FINISHED_MEMORY = 16384


@dataclass
class _Direction:
    base: int | None = None
    data: bytearray = field(default_factory=bytearray)
    pending: dict[int, bytes] = field(default_factory=dict)
    full: bool = False
    gap: bool = False
    fin: bool = False

    def add(self, seq: int, payload: bytes, cap: int) -> None:
        if self.base is None:
            self.base = seq
        if self.full or self.gap or not payload:
            return
        rel = (seq - self.base) & 0xFFFFFFFF
        if rel > 0x7FFFFFFF:  # before our start: an old retransmission
            return
        have = len(self.data)
        if rel <= have:
            if rel + len(payload) > have:
                self.data += payload[have - rel :]
            self._drain()
        elif rel < cap and len(self.pending) < MAX_PENDING:
            self.pending[rel] = payload
        else:
            self.gap = True
        if len(self.data) >= cap:
            del self.data[cap:]
            self.full = True
            self.pending.clear()

    def _drain(self) -> None:
        while self.pending:
            have = len(self.data)
            ready = [r for r in self.pending if r <= have]
            if not ready:
                return
            for r in sorted(ready):
                chunk = self.pending.pop(r)
                if r + len(chunk) > len(self.data):
                    self.data += chunk[len(self.data) - r :]


@dataclass
class Conversation:
    """One TCP connection's two streams, as far as they were kept."""

    client: tuple[str, int]
    server: tuple[str, int]
    to_server: bytes
    to_client: bytes
    server_mac: str | None = None
    syn_ack_seen: bool = False


@dataclass
class _Flow:
    a: tuple[str, int]
    b: tuple[str, int]
    client: tuple[str, int] | None = None
    dirs: dict[tuple[str, int], _Direction] = field(default_factory=dict)
    macs: dict[tuple[str, int], str | None] = field(default_factory=dict)
    syn_ack: bool = False
    closed: bool = False


class FlowTable:
    def __init__(self, cap: int = DEFAULT_CAP, max_flows: int = DEFAULT_MAX_FLOWS) -> None:
        self.cap = cap
        self.max_flows = max_flows
        self.flows: OrderedDict[tuple, _Flow] = OrderedDict()
        self.finished: OrderedDict[tuple, None] = OrderedDict()
        self.evicted = 0

    def add(self, frame: Frame) -> list[Conversation]:
        """Feed one TCP frame; return the connections this frame completed (often none)."""
        src, dst = (frame.src_ip or "", frame.sport), (frame.dst_ip or "", frame.dport)
        key = (src, dst) if src <= dst else (dst, src)
        flags = frame.flags
        flow = self.flows.get(key)
        if flow is None:
            if key in self.finished:
                if flags & TCP_SYN and not flags & TCP_ACK:  # the same ports, a new connection
                    del self.finished[key]
                else:
                    return []
            if not frame.payload and not flags & (TCP_SYN | TCP_FIN):
                return []  # a bare ACK or RST of a connection we never saw: nothing to keep
            flow = _Flow(a=key[0], b=key[1])
            self.flows[key] = flow
        else:
            self.flows.move_to_end(key)
        done: list[Conversation] = []
        if flags & TCP_SYN:
            if flags & TCP_ACK:
                flow.client = dst
                flow.syn_ack = True
            else:
                flow.client = src
            direction = flow.dirs.setdefault(src, _Direction())
            direction.base = (frame.seq + 1) & 0xFFFFFFFF
        else:
            direction = flow.dirs.setdefault(src, _Direction())
            direction.add(frame.seq, frame.payload, self.cap)
            if frame.cut:
                direction.gap = True  # bytes are missing after this segment
        flow.macs.setdefault(src, frame.src_mac)
        if flags & TCP_FIN:
            direction.fin = True
        both_fin = len(flow.dirs) == 2 and all(d.fin for d in flow.dirs.values())
        both_full = len(flow.dirs) == 2 and all(d.full or d.gap for d in flow.dirs.values())
        if flags & TCP_RST or both_fin or both_full:
            done.append(self._finish(key))
        while len(self.flows) > self.max_flows:
            oldest = next(iter(self.flows))
            self.evicted += 1
            done.append(self._finish(oldest))
        return [c for c in done if c is not None]

    def _finish(self, key: tuple) -> Conversation | None:
        flow = self.flows.pop(key)
        self.finished[key] = None
        if len(self.finished) > FINISHED_MEMORY:
            self.finished.popitem(last=False)
        client = flow.client or _guess_client(flow)
        server = flow.b if client == flow.a else flow.a
        c2s, s2c = flow.dirs.get(client), flow.dirs.get(server)
        if not (c2s and c2s.data) and not (s2c and s2c.data) and not flow.syn_ack:
            return None
        return Conversation(
            client=client,
            server=server,
            to_server=bytes(c2s.data) if c2s else b"",
            to_client=bytes(s2c.data) if s2c else b"",
            server_mac=flow.macs.get(server),
            syn_ack_seen=flow.syn_ack,
        )

    def flush(self) -> list[Conversation]:
        """Hand back every connection still open (end of capture)."""
        out = [self._finish(k) for k in list(self.flows)]
        return [c for c in out if c is not None]


def _guess_client(flow: _Flow) -> tuple[str, int]:
    """No SYN seen (capture started mid-connection): the side whose stream starts like a
    request is the client; otherwise the side with the higher (ephemeral) port."""
    for end in (flow.a, flow.b):
        d = flow.dirs.get(end)
        if d and d.data[:8].split(b" ", 1)[0] in (b"GET", b"POST", b"HEAD", b"PUT", b"OPTIONS", b"DESCRIBE", b"SETUP", b"PLAY", b"M-SEARCH", b"SUBSCRIBE", b"NOTIFY"):
            return end
        if d and d.data[:1] == b"\x16" and d.data[5:6] == b"\x01":  # TLS ClientHello
            return end
    return flow.a if flow.a[1] > flow.b[1] else flow.b
