"""Passive mode reads Xiongmai DVRIP search replies with the active probe's parser: a capture of a
real camera's broadcast (its JSON as published, in a frame built from the documented layout)
names the device's MAC, serial and platform; a damaged reply is a malformed attempt."""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
from pathlib import Path

from scanner.passive import Collector
from scanner.passive.discovery import protocol_for
from tests.probes.test_dvrip_search import BESDER_JSON, framed

ROOT = Path(__file__).resolve().parents[2]
CAMERA_MAC = "00:12:31:08:bb:97"  # the MAC the camera states in its reply (sol-vin network.cr)
CAMERA_IP, BROADCAST = "198.18.40.109", "198.18.40.255"


def _checksum(data: bytes) -> int:
    total = sum(struct.unpack(f"!{len(data) // 2}H", data[: len(data) // 2 * 2]))
    total = (total >> 16) + (total & 0xFFFF)
    return ~(total + (total >> 16)) & 0xFFFF


def udp_frame(payload: bytes, src_ip: str = CAMERA_IP, dst_ip: str = BROADCAST, sport: int = 34569,
              dport: int = 34569, src_mac: str = CAMERA_MAC) -> bytes:
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return b"\xff" * 6 + bytes.fromhex(src_mac.replace(":", "")) + b"\x08\x00" + ip + udp


def test_dvrip_port_routes_to_the_probe_parser():
    proto = protocol_for(34569, 34569)
    assert proto is not None and proto.name == "dvrip" and proto.module == "scanner.probes.dvrip_search"


def test_collector_reads_a_broadcast_search_reply():
    collector = Collector()
    collector.feed(1, udp_frame(framed(BESDER_JSON + b"\n\0")))
    collector.feed(1, udp_frame(framed(b"[]")))  # damaged: a malformed attempt, nothing else
    result = collector.result()
    fields = {o.field: o.value for o in result.observations if o.ip == CAMERA_IP}
    assert fields["dvrip.net_common.sn"] == "41e6853ada5e9323"
    assert fields["dvrip.net_common.mac"] == CAMERA_MAC
    assert result.counts["dvrip"] == 2
    assert any(a.status.value == "malformed" and "not an object" in a.detail for a in result.attempts)
    assert not any("bug in cctv-scan" in a.detail for a in result.attempts)


def _pcap(frames: list[bytes]) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for n, frame in enumerate(frames):
        out += struct.pack("<IIII", 1_700_000_000 + n, 0, len(frame), len(frame)) + frame
    return out


def test_pcap_of_a_search_reply_identifies_the_xiongmai_platform(tmp_path):
    capture = tmp_path / "dvrip.pcap"
    capture.write_bytes(_pcap([udp_frame(framed(BESDER_JSON + b"\n\0"))]))
    out = tmp_path / "doc.json"
    proc = subprocess.run([sys.executable, "-m", "scanner", "pcap", str(capture), "--quiet", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert "passive:dvrip" in doc["scan"]["probes"]
    [device] = [d for d in doc["devices"] if d["ip"] == CAMERA_IP]
    assert device["mac"] == CAMERA_MAC
    assert device["platform_vendor"] == "Xiongmai"
    assert device["serial"] == "41e6853ada5e9323"
    assert any(e["fingerprint"] == "dvrip-other-function" for e in device["evidence"])
