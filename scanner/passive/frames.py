"""Link, network and transport headers of one captured frame, decoded with ``struct``.

Written by hand rather than with scapy's layer classes: a passive run reads millions of frames
and most of them (video, file copies) are of no interest; decoding a dozen header bytes with
``struct`` costs a fraction of building scapy's layer objects, and lets us skip the frame as
soon as we know it is uninteresting. Frames cut short by a snap length decode as far as their
bytes go; nothing here raises on short or odd input (``decode`` returns ``None``).

Link types (the numbers are those of the tcpdump.org link-layer header types registry):
Ethernet (1), Linux cooked SLL (113) and SLL2 (276), raw IP (101, and 12/14 on some systems),
BSD loopback (0) and OpenBSD loopback (108).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

LINKTYPE_NAMES = {
    0: "BSD loopback", 1: "Ethernet", 12: "raw IP", 14: "raw IP", 101: "raw IP", 105: "IEEE 802.11",
    108: "OpenBSD loopback", 113: "Linux cooked (SLL)", 127: "IEEE 802.11 radiotap", 147: "user 0",
    187: "Bluetooth HCI H4", 195: "IEEE 802.15.4", 228: "IPv4", 229: "IPv6", 276: "Linux cooked (SLL2)",
}
SUPPORTED_LINKTYPES = frozenset({0, 1, 12, 14, 101, 108, 113, 228, 229, 276})

ETH_IPV4, ETH_IPV6, ETH_ARP, ETH_VLAN, ETH_QINQ, ETH_SADP = 0x0800, 0x86DD, 0x0806, 0x8100, 0x88A8, 0x8033
PROTO_TCP, PROTO_UDP = 6, 17
TCP_FIN, TCP_SYN, TCP_RST, TCP_ACK = 0x01, 0x02, 0x04, 0x10


def linktype_name(linktype: int) -> str:
    return LINKTYPE_NAMES.get(linktype, f"link type {linktype}")


def mac_text(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


@dataclass(slots=True)
class Frame:
    """What we decoded of one frame. ``payload`` is the layer-4 payload (or the layer-3 payload
    for ARP and layer-2 SADP, where ``ethertype`` says which)."""

    ethertype: int
    src_mac: str | None = None
    dst_mac: str | None = None
    src_ip: str | None = None
    dst_ip: str | None = None
    proto: int | None = None
    sport: int = 0
    dport: int = 0
    seq: int = 0
    flags: int = 0
    payload: bytes = b""
    cut: bool = False  # the capture holds fewer bytes than the headers announce


def decode(linktype: int, data: bytes) -> Frame | None:
    """Decode one frame; ``None`` for link types or ethertypes we do not read."""
    src = dst = None
    if linktype == 1:
        if len(data) < 14:
            return None
        dst, src = mac_text(data[0:6]), mac_text(data[6:12])
        ethertype, offset = struct.unpack_from("!H", data, 12)[0], 14
        for _ in range(2):  # 802.1Q / 802.1ad tags
            if ethertype in (ETH_VLAN, ETH_QINQ) and len(data) >= offset + 4:
                ethertype = struct.unpack_from("!H", data, offset + 2)[0]
                offset += 4
        if ethertype <= 1500:  # 802.3 length field: LLC, not IP
            return None
    elif linktype == 113:
        if len(data) < 16:
            return None
        halen = struct.unpack_from("!H", data, 4)[0]
        if halen == 6:
            src = mac_text(data[6:12])
        ethertype, offset = struct.unpack_from("!H", data, 14)[0], 16
    elif linktype == 276:
        if len(data) < 20:
            return None
        ethertype = struct.unpack_from("!H", data, 0)[0]
        if data[11] == 6:
            src = mac_text(data[12:18])
        offset = 20
    elif linktype in (101, 12, 14, 228, 229):
        if not data:
            return None
        ethertype, offset = (ETH_IPV4 if data[0] >> 4 == 4 else ETH_IPV6), 0
    elif linktype in (0, 108):
        if len(data) < 5:
            return None
        ethertype, offset = (ETH_IPV4 if data[4] >> 4 == 4 else ETH_IPV6), 4
    else:
        return None
    frame = Frame(ethertype=ethertype, src_mac=src, dst_mac=dst)
    body = data[offset:]
    if ethertype == ETH_IPV4:
        _ipv4(frame, body)
    elif ethertype == ETH_IPV6:
        _ipv6(frame, body)
    elif ethertype in (ETH_ARP, ETH_SADP):
        frame.payload = body
    else:
        return None
    return frame


def _ipv4(frame: Frame, body: bytes) -> None:
    if len(body) < 20 or body[0] >> 4 != 4:
        frame.cut = True
        return
    ihl = (body[0] & 0x0F) * 4
    total = struct.unpack_from("!H", body, 2)[0]
    frag = struct.unpack_from("!H", body, 6)[0]
    frame.proto = body[9]
    frame.src_ip, frame.dst_ip = socket.inet_ntoa(body[12:16]), socket.inet_ntoa(body[16:20])
    if frag & 0x1FFF:  # a later fragment: no transport header here
        frame.proto = None
        return
    end = min(len(body), total) if total >= ihl else len(body)
    frame.cut = len(body) < total
    _transport(frame, body[ihl:end])


def _ipv6(frame: Frame, body: bytes) -> None:
    if len(body) < 40:
        frame.cut = True
        return
    plen = struct.unpack_from("!H", body, 4)[0]
    frame.proto = body[6]
    frame.src_ip = socket.inet_ntop(socket.AF_INET6, body[8:24])
    frame.dst_ip = socket.inet_ntop(socket.AF_INET6, body[24:40])
    frame.cut = len(body) < 40 + plen
    _transport(frame, body[40 : 40 + plen] if plen else body[40:])


def _transport(frame: Frame, seg: bytes) -> None:
    if frame.proto == PROTO_UDP:
        if len(seg) < 8:
            frame.cut = True
            return
        frame.sport, frame.dport, length = struct.unpack_from("!HHH", seg, 0)
        frame.payload = seg[8:length] if length >= 8 else seg[8:]
        frame.cut = frame.cut or len(seg) < length
    elif frame.proto == PROTO_TCP:
        if len(seg) < 20:
            frame.cut = True
            return
        frame.sport, frame.dport, frame.seq = struct.unpack_from("!HHI", seg, 0)
        data_offset = (seg[12] >> 4) * 4
        frame.flags = seg[13]
        frame.payload = seg[data_offset:] if data_offset >= 20 else b""
