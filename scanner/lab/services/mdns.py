"""mDNS / DNS-SD responder for the lab, built from raw DNS packets (RFC 1035, 6762, 6763).

Written by hand on purpose: the scanner's mDNS probe builds and parses packets with
python-zeroconf, so a lab that also answered through zeroconf would let a zeroconf quirk pass
both sides of every test. This side reads and writes the wire format itself, as the lab's other
discovery responders do (UdpResponder, one thread, capped datagrams).

The device announces, on its own address only, the service instances its profile lists (an Axis
camera ``_axis-video._tcp`` with a ``macaddress`` TXT key, a printer ``_ipp._tcp`` with ``ty``,
``product``, ``usb_MFG``, ``usb_MDL``, ...), each with an A record for ``<hostname>.local.``.
It answers PTR, SRV, TXT, A and ANY questions for those names and for
``_services._dns-sd._udp.local.``: a query from a port other than 5353 ("legacy unicast",
RFC 6762 section 6.7, what the scanner sends) or with the QU bit gets a unicast answer echoing
the query id and questions; any other query a multicast answer. On start it announces every
record once (section 8.3). Names in queries are read with compression pointers, bounded in
labels, length and jumps; anything malformed is dropped.

Config (``profile["services"]["mdns"]``):
    hostname: host label without ".local." (strings may use {MAC_HEX} {mac_hex} ...)
    services: list of {type: "_axis-video._tcp.local.", name: instance name, port: int,
              txt: {key: value}} (strings may use the device tokens)
    source:   where the names and TXT keys come from (documentation only)
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Any

from scanner.lab.services._udp import UdpResponder, fill
from scanner.lab.services.base import DeviceContext

PORT = 5353
GROUP = "224.0.0.251"
T_A, T_PTR, T_TXT, T_SRV, T_ANY = 1, 12, 16, 33, 255
CLASS_IN, CACHE_FLUSH, QU_BIT = 1, 0x8000, 0x8000
TTL_HOST, TTL_OTHER = 120, 4500  # RFC 6762 section 10
SERVICES_META = "_services._dns-sd._udp.local."
MAX_LABELS, MAX_JUMPS, MAX_QUESTIONS = 64, 16, 32


class Malformed(ValueError):
    pass


@dataclass(frozen=True)
class Record:
    name: str  # fully qualified, ending in "."
    rtype: int
    rdata: bytes
    ttl: int
    unique: bool  # cache-flush bit (SRV, TXT, A are unique to this host; PTR is shared)

    def wire(self) -> bytes:
        cls = CLASS_IN | (CACHE_FLUSH if self.unique else 0)
        return encode_name(self.name) + struct.pack("!HHIH", self.rtype, cls, self.ttl, len(self.rdata)) + self.rdata


def encode_name(name: str) -> bytes:
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("utf-8")[:63]
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def read_name(data: bytes, offset: int) -> tuple[str, int]:
    """The name at ``offset`` and the offset just past it (pointers followed, bounded)."""
    labels: list[str] = []
    end = None
    jumps = 0
    while True:
        if offset >= len(data):
            raise Malformed("name runs past the packet")
        n = data[offset]
        if n & 0xC0 == 0xC0:
            if offset + 1 >= len(data):
                raise Malformed("truncated pointer")
            jumps += 1
            if jumps > MAX_JUMPS:
                raise Malformed("pointer loop")
            if end is None:
                end = offset + 2
            offset = ((n & 0x3F) << 8) | data[offset + 1]
            continue
        if n & 0xC0:
            raise Malformed("unknown label type")
        offset += 1
        if n == 0:
            break
        labels.append(data[offset : offset + n].decode("utf-8", "replace"))
        offset += n
        if len(labels) > MAX_LABELS:
            raise Malformed("too many labels")
    return ".".join(labels) + ".", end if end is not None else offset


def read_query(data: bytes) -> tuple[int, list[tuple[str, int, bool]]]:
    """(query id, [(name, qtype, unicast-response bit)]) of a query; Malformed otherwise."""
    if len(data) < 12:
        raise Malformed("shorter than a DNS header")
    qid, flags, qdcount = struct.unpack("!HHH", data[:6])
    if flags & 0x8000:
        return qid, []  # a response (ours or another host's): nothing to answer
    questions = []
    offset = 12
    for _ in range(min(qdcount, MAX_QUESTIONS)):
        name, offset = read_name(data, offset)
        if offset + 4 > len(data):
            raise Malformed("truncated question")
        qtype, qclass = struct.unpack("!HH", data[offset : offset + 4])
        offset += 4
        questions.append((name.lower(), qtype, bool(qclass & QU_BIT)))
    return qid, questions


class Zone:
    """The records one device owns, and which answer which question."""

    def __init__(self, device: DeviceContext, config: dict[str, Any]) -> None:
        cfg = fill(config, device)
        host = str(cfg.get("hostname") or device.name).rstrip(".")
        self.host = (host if host.endswith(".local") else f"{host}.local") + "."
        self.address = Record(self.host, T_A, socket.inet_aton(device.ip), TTL_HOST, True)
        self.types: dict[str, list[Record]] = {}  # service type -> PTR records to instances
        self.instances: dict[str, list[Record]] = {}  # instance name -> SRV, TXT
        for entry in cfg.get("services") or []:
            stype = str(entry["type"]).rstrip(".") + "."
            instance = f"{entry['name']}.{stype}"
            self.types.setdefault(stype.lower(), []).append(Record(stype, T_PTR, encode_name(instance), TTL_OTHER, False))
            srv = struct.pack("!HHH", 0, 0, int(entry.get("port", 0))) + encode_name(self.host)
            txt = b"".join(
                bytes([len(item)]) + item
                for item in (
                    (f"{k}={'' if v is None else v}").encode("utf-8")[:255] for k, v in (entry.get("txt") or {}).items()
                )
            ) or b"\x00"
            self.instances[instance.lower()] = [
                Record(instance, T_SRV, srv, TTL_HOST, True),
                Record(instance, T_TXT, txt, TTL_OTHER, True),
            ]

    def all_records(self) -> list[Record]:
        out = [r for ptrs in self.types.values() for r in ptrs]
        out += [r for recs in self.instances.values() for r in recs]
        return [*out, self.address]

    def answer(self, name: str, qtype: int) -> tuple[list[Record], list[Record]]:
        """(answers, additional records) for one question."""
        answers: list[Record] = []
        extra: list[Record] = []
        if name == SERVICES_META and qtype in (T_PTR, T_ANY):
            answers += [Record(SERVICES_META, T_PTR, encode_name(t[0].name), TTL_OTHER, False) for t in self.types.values()]
        if name in self.types and qtype in (T_PTR, T_ANY):
            answers += self.types[name]
            for ptr in self.types[name]:
                extra += self.instances[read_name(ptr.rdata, 0)[0].lower()]
            extra.append(self.address)
        if name in self.instances:
            answers += [r for r in self.instances[name] if qtype in (r.rtype, T_ANY)]
            extra.append(self.address)
        if name == self.host.lower() and qtype in (T_A, T_ANY):
            answers.append(self.address)
        extra = [r for r in dict.fromkeys(extra) if r not in answers]
        return answers, extra


def response(qid: int, questions: list[tuple[str, int, bool]], answers: list[Record], extra: list[Record]) -> bytes:
    """A response message: flags QR|AA, the questions echoed only for a legacy-unicast answer."""
    header = struct.pack("!HHHHHH", qid, 0x8400, len(questions), len(answers), 0, len(extra))
    body = b"".join(encode_name(n) + struct.pack("!HH", t, CLASS_IN) for n, t, _ in questions)
    return header + body + b"".join(r.wire() for r in (*answers, *extra))


class MdnsService:
    def __init__(self, device: DeviceContext, config: dict[str, Any]) -> None:
        self.zone = Zone(device, config)
        self.responder = UdpResponder("mdns", device, PORT, GROUP, self._reply)
        self.responder.send(response(0, [], self.zone.all_records(), []), (GROUP, PORT))

    def _reply(self, data: bytes, sender: tuple[str, int]) -> bytes | None:
        try:
            qid, questions = read_query(data)
        except Malformed:
            return None
        answers: list[Record] = []
        extra: list[Record] = []
        unicast = sender[1] != PORT
        for name, qtype, qu in questions:
            a, x = self.zone.answer(name, qtype)
            answers += [r for r in a if r not in answers]
            extra += [r for r in x if r not in extra]
            unicast = unicast or (qu and bool(a))
        extra = [r for r in extra if r not in answers]
        if not answers:
            return None
        if sender[1] != PORT:  # legacy unicast: echo id and questions, to the asker's port
            return response(qid, [(n, t, False) for n, t, _ in questions], answers, extra)
        packet = response(0, [], answers, extra)
        if unicast:
            return packet
        self.responder.send(packet, (GROUP, PORT))
        return None

    def close(self) -> None:
        self.responder.close()


def start(device: DeviceContext, config: dict[str, Any]) -> MdnsService:
    return MdnsService(device, config)
