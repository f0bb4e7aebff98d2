"""Hikvision SADP in its layer-2 form (ethertype 0x8033), which older devices and SADP tools
exchange beside (or instead of) the XML form over UDP 37020.

Layout, from two public descriptions that agree: the device-side C header of a Hikvision-based
traffic controller (github.com/LLLL-M/privateCodeforItsc, ARM/trunk/sadp/sadp.h: ``struct
sadp_header`` and ``dev_info``) and the SADP Wireshark dissector in MatrixEditor/hiktools
(lua/sadp.lua). After the Ethernet header, a 38-byte header:

    0  marker 0x21    1 version   2 series   3 length    4..7 sequence
    8  hw addr len 6  9 proto addr len 4     10 op type  11 op code   12..13 checksum
    14..19 sender MAC   20..23 sender IPv4   24..29 target MAC   30..33 target IPv4
    34..37 sender subnet mask

A device's inquiry response (op type 4) or online notice (op type 2) carries ``dev_info``:
serial number (48 bytes, NUL padded), device type, command port, encoder count, disk count
(four big-endian 32-bit integers), software version, DSP version and start time (48 bytes
each). Fields become the same ``sadp.*`` observations as the XML form.
"""

from __future__ import annotations

import socket
import struct

from ..models import Observation
from .frames import mac_text

HEADER = 38
MARKER = 0x21
DEVICE_OPS = {2, 4}  # online notice, inquiry response: sent by the device about itself
INFO_LEN = 48 + 16 + 48 * 3


def _text(raw: bytes) -> str | None:
    text = raw.split(b"\0", 1)[0].decode("utf-8", "replace").strip()
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:128] or None


def parse(payload: bytes) -> tuple[str | None, str | None, list[Observation]]:
    """(sender IP, sender MAC, observations) of one layer-2 SADP payload; no observations for
    a tool's query or anything that is not SADP."""
    if len(payload) < HEADER or payload[0] != MARKER or payload[8] != 6 or payload[9] != 4:
        return None, None, []
    op = payload[10]
    mac = mac_text(payload[14:20])
    ip_raw = payload[20:24]
    ip = socket.inet_ntoa(ip_raw) if ip_raw != b"\0\0\0\0" else None
    if op not in DEVICE_OPS:
        return ip, mac, []
    fields: list[tuple[str, str | None]] = [("sadp.mac", mac), ("sadp.ipv4_address", ip)]
    mask = payload[34:38]
    if mask != b"\0\0\0\0":
        fields.append(("sadp.ipv4_subnet_mask", socket.inet_ntoa(mask)))
    info = payload[HEADER : HEADER + INFO_LEN]
    if len(info) >= 48:
        fields.append(("sadp.device_sn", _text(info[0:48])))
    if len(info) >= 64:
        dev_type, port, _enc, _disks = struct.unpack_from("!IIII", info, 48)
        fields += [("sadp.device_type", str(dev_type)), ("sadp.command_port", str(port) if port else None)]
    for name, start in (("sadp.software_version", 64), ("sadp.dsp_version", 112)):
        if len(info) >= start + 48:
            fields.append((name, _text(info[start : start + 48])))
    who = ip or "0.0.0.0"
    return ip, mac, [Observation(ip=who, probe="sadp", field=f, value=v) for f, v in fields if v]
