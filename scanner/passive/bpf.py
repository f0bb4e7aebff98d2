"""The capture filter: the frames identification reads, and nothing else, decided by BPF.

A SPAN port carrying video delivers hundreds of thousands of frames a second, almost all of
them media nobody identifies a device from. This module writes one BPF expression that passes:

- ARP and layer-2 SADP (ethertype 0x8033);
- DHCP and the UDP discovery ports passive mode reads (``discovery.PROTOCOLS``: mDNS, SSDP,
  WS-Discovery, SADP, DHIP);
- UDP broadcasts (to ff:ff:ff:ff:ff:ff): rare, and every one is a LAN host saying it is there
  (vendor discovery on ports nothing here parses: TP-Link 9999, Tuya 6667, Plex 32412, ...);
- DNS and NTP requests (UDP to 53 and 123): small and rare, and they show every host that
  resolves a name or sets its clock, so a LAN host is listed even if it announces nothing;
- every TCP segment with SYN, FIN or RST set (connection bookkeeping, ``port.open``, talks-to);
- TCP segments that carry data on the camera ports of ``fingerprints/ports.yaml``, except
  RTSP-interleaved media (payload starting with ``$`` on an RTSP port) and TLS application-data
  records (payload starting with content type 23): the starts of HTTP, RTSP and TLS exchanges
  (requests, replies, ClientHello, certificates) pass, the video does not;
- the same inside one 802.1Q tag.

The kernel applies it when listening (``listen``), and libpcap applies it while reading a file
(through pcapy-ng, ``read_filtered``), so rejected frames never become Python objects.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from .capture import CaptureStats, Record
from .discovery import PROTOCOLS
from .frames import SUPPORTED_LINKTYPES

DHCP_PORTS = (67, 68)
HOST_REVEALING_UDP = (53, 123)  # DNS and NTP requests
TLS_APPLICATION_DATA = 0x17
RTSP_INTERLEAVED = 0x24  # '$'
_PAYLOAD_FIRST_BYTE = "tcp[((tcp[12:1] & 0xf0) >> 2):1]"
_HAS_PAYLOAD = "(ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12:1] & 0xf0) >> 2)) > 0"


def camera_ports() -> tuple[list[int], list[int]]:
    """(RTSP ports, other TCP ports) from ``fingerprints/ports.yaml``."""
    from ..data import load_yaml

    rtsp, other = [], []
    for entry in load_yaml("ports.yaml")["ports"]:
        (rtsp if entry.get("service") == "rtsp" else other).append(int(entry["port"]))
    return sorted(set(rtsp)), sorted(set(other))


def _ports(ports: list[int]) -> str:
    return " or ".join(str(p) for p in ports)


@lru_cache(maxsize=1)
def expression() -> str:
    """The BPF expression (tcpdump syntax) passing what identification reads."""
    udp_ports = sorted({*DHCP_PORTS, *(p for proto in PROTOCOLS for p in proto.ports)})
    rtsp, other = camera_ports()
    inner = " or ".join([
        "arp",
        "ether proto 0x8033",
        f"(udp and port ({_ports(udp_ports)}))",
        f"(udp and dst port ({_ports(list(HOST_REVEALING_UDP))}))",
        "(udp and ether broadcast)",
        "(tcp and tcp[13] & 0x07 != 0)",
        f"(ip and tcp and port ({_ports(other)}) and {_HAS_PAYLOAD} and {_PAYLOAD_FIRST_BYTE} != {TLS_APPLICATION_DATA})",
        f"(ip and tcp and port ({_ports(rtsp)}) and {_HAS_PAYLOAD} and {_PAYLOAD_FIRST_BYTE} != {RTSP_INTERLEAVED})",
        f"(ip6 and tcp and port ({_ports(rtsp + other)}))",
    ])
    return f"({inner}) or (vlan and ({inner}))"


def available() -> bool:
    try:
        import pcapy  # noqa: F401
    except ImportError:
        return False
    return True


def read_filtered(path: str | Path, stats: CaptureStats) -> Iterator[Record]:
    """Yield the records of ``path`` that pass ``expression()``, filtered inside libpcap.

    Raises ``ValueError`` before the first record if libpcap cannot open the file or apply
    the filter to its link type (the caller then reads it unfiltered). A read error later
    (a truncated or corrupt file) sets ``stats.problem`` to libpcap's words and ends it.
    """
    import pcapy

    path = Path(path)
    stats.size = path.stat().st_size
    try:
        reader = pcapy.open_offline(str(path))
        reader.setfilter(expression())
    except pcapy.PcapError as exc:
        raise ValueError(f"{path}: libpcap cannot filter this file: {exc}") from None
    linktype = reader.datalink()
    if linktype not in SUPPORTED_LINKTYPES:
        raise ValueError(f"{path}: link type {linktype} is not read; the unfiltered reader counts and names it")
    position = _position_reader(path)
    try:
        while True:
            try:
                header, data = reader.next()
            except pcapy.PcapError as exc:
                stats.problem = f"{path}: {exc}"
                break
            if header is None:
                break
            stats.packets += 1
            stats.linktypes[linktype] += 1
            wirelen = header.getlen()
            if wirelen > len(data):
                stats.cut_by_snaplen += 1
            sec, usec = header.getts()
            if position is not None and stats.packets % 256 == 0:
                stats.position = position()
            yield Record(linktype, data, wirelen, sec + usec / 1e6)
    finally:
        stats.position = stats.size if not stats.problem else (position() if position else 0)
        if hasattr(reader, "close"):
            reader.close()


def _position_reader(path: Path):
    """How far libpcap has read the file (from /proc), for progress; ``None`` where unknown."""
    try:
        target = os.path.realpath(path)
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{fd}") == target:
                    info = f"/proc/self/fdinfo/{fd}"

                    def position() -> int:
                        try:
                            with open(info) as fh:
                                return int(fh.readline().split()[1])
                        except (OSError, ValueError, IndexError):
                            return 0

                    return position
            except OSError:
                continue
    except OSError:
        return None
    return None
