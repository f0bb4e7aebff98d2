"""The capture filter, applied by libpcap to a file: media frames stay out, the frames
identification reads come through. Frames are scapy-built headers; payload first bytes are the
protocol markers the filter tests (RTP version bits, '$' interleaving, TLS record types, HTTP and
RTSP request lines), no device's content."""

from __future__ import annotations

import pytest

pytest.importorskip("pcapy")
from scapy.all import ARP, IP, TCP, UDP, Dot1Q, Ether, wrpcap  # noqa: E402

from scanner.passive import bpf  # noqa: E402
from scanner.passive.capture import CaptureStats  # noqa: E402

CAM, CLIENT = "192.168.9.10", "192.168.9.20"
E = Ether(src="02:00:00:00:01:0a", dst="02:00:00:00:01:14")
RTP = bytes([0x80, 96]) + bytes(1398)

MEDIA = {
    "rtp over udp": E / IP(src=CAM, dst=CLIENT) / UDP(sport=50000, dport=50002) / RTP,
    "rtsp-interleaved rtp": E / IP(src=CAM, dst=CLIENT) / TCP(sport=554, dport=40000, flags="PA") / (b"$\x00\x05\x78" + RTP),
    "tls application data": E / IP(src=CAM, dst=CLIENT) / TCP(sport=443, dport=40001, flags="PA") / (b"\x17\x03\x03\x05\x00" + bytes(1280)),
    "bare ack": E / IP(src=CLIENT, dst=CAM) / TCP(sport=40000, dport=554, flags="A"),
    "tagged rtp": E / Dot1Q(vlan=20) / IP(src=CAM, dst=CLIENT) / UDP(sport=50000, dport=50002) / RTP,
}
WANTED = {
    "arp": E / ARP(op=1, psrc=CLIENT, pdst=CAM),
    "dhcp": E / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67) / bytes(300),
    "ssdp": E / IP(src=CAM, dst="239.255.255.250") / UDP(sport=1900, dport=1900) / b"NOTIFY * HTTP/1.1\r\n\r\n",
    "sadp udp": E / IP(src=CAM, dst="239.255.255.250") / UDP(sport=37020, dport=37020) / b"<?xml",
    "dns query": E / IP(src=CAM, dst=CLIENT) / UDP(sport=40000, dport=53) / bytes(30),
    "syn": E / IP(src=CLIENT, dst=CAM) / TCP(sport=40000, dport=80, flags="S"),
    "http request": E / IP(src=CLIENT, dst=CAM) / TCP(sport=40000, dport=80, flags="PA") / b"GET / HTTP/1.1\r\n\r\n",
    "http reply": E / IP(src=CAM, dst=CLIENT) / TCP(sport=80, dport=40000, flags="PA") / b"HTTP/1.1 200 OK\r\n\r\n",
    "rtsp reply": E / IP(src=CAM, dst=CLIENT) / TCP(sport=554, dport=40000, flags="PA") / b"RTSP/1.0 200 OK\r\n\r\n",
    "tls handshake": E / IP(src=CAM, dst=CLIENT) / TCP(sport=443, dport=40001, flags="PA") / (b"\x16\x03\x03\x00\x40" + bytes(64)),
    "tagged ssdp": E / Dot1Q(vlan=20) / IP(src=CAM, dst="239.255.255.250") / UDP(sport=1900, dport=1900) / b"NOTIFY * HTTP/1.1\r\n\r\n",
}


def test_filter_passes_what_identification_reads_and_drops_media(tmp_path):
    names = list(MEDIA) + list(WANTED)
    path = tmp_path / "mix.pcap"
    wrpcap(str(path), list(MEDIA.values()) + list(WANTED.values()))
    stats = CaptureStats(str(path))
    passed = [bytes(r.data) for r in bpf.read_filtered(path, stats)]
    frames = {name: bytes(f) for name, f in {**MEDIA, **WANTED}.items()}
    got = {name for name in names if frames[name] in passed}
    assert got == set(WANTED), f"passed media: {got - set(WANTED)}; dropped wanted: {set(WANTED) - got}"
    assert stats.packets == len(WANTED) and stats.problem is None
