"""The streaming ARP sweep: frames from one template, replies parsed with bounds, the sweep
planned from the routing table, and on a lab: every device found, the retry round asking only
the silent, the figures in the document, the swept MACs given to the kernel and taken back."""

from __future__ import annotations

import json
import socket
import struct
import sys

import pytest

from scanner.cli.scan_cmd import child_env
from scanner.lab.scale import ScaleLab
from scanner.probes.arp import arp_request_template, parse_arp_reply
from tests.lab.conftest import in_scanner, needs_lab

N = 30
SUBNET = "198.18.4.0/22"


def reply(sender_ip: str, sender_mac: str, op: int = 2) -> bytes:
    mac = bytes.fromhex(sender_mac.replace(":", ""))
    return (b"\x02\x00\x00\x00\x00\x01" + mac + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, op)
            + mac + socket.inet_aton(sender_ip) + b"\x02\x00\x00\x00\x00\x01" + socket.inet_aton("198.18.0.2"))


def test_template_is_a_broadcast_who_has_whose_target_is_the_last_four_bytes():
    frame = arp_request_template("02:00:00:00:00:01", "198.18.0.2")
    struct.pack_into("!I", frame, 38, int.from_bytes(socket.inet_aton("198.18.0.77"), "big"))
    from scapy.layers.l2 import ARP, Ether

    pkt = Ether(bytes(frame))
    assert len(frame) == 42 and pkt.dst == "ff:ff:ff:ff:ff:ff" and pkt.src == "02:00:00:00:00:01"
    assert (pkt[ARP].op, pkt[ARP].psrc, pkt[ARP].pdst, pkt[ARP].hwsrc) == (1, "198.18.0.2", "198.18.0.77", "02:00:00:00:00:01")


def test_a_reply_is_read_and_anything_else_is_dropped():
    good = reply("198.18.0.10", "44:19:b6:12:34:56")
    assert parse_arp_reply(good) == (int.from_bytes(socket.inet_aton("198.18.0.10"), "big"), "44:19:b6:12:34:56")
    assert parse_arp_reply(good[:41]) is None  # truncated
    assert parse_arp_reply(reply("198.18.0.10", "44:19:b6:12:34:56", op=1)) is None  # a request
    assert parse_arp_reply(reply("198.18.0.10", "00:00:00:00:00:00")) is None
    assert parse_arp_reply(reply("198.18.0.10", "01:00:5e:00:00:01")) is None  # multicast sender
    assert parse_arp_reply(good[:12] + b"\x08\x00" + good[14:]) is None  # not ARP
    assert parse_arp_reply(b"") is None and parse_arp_reply(b"\xff" * 2000) is None


@pytest.fixture(scope="module")
def lab():
    with ScaleLab(N, subnet=SUBNET, services={"http"}) as built:
        yield built


@pytest.mark.lab
@needs_lab
def test_sweep_finds_every_device_and_retries_only_the_silent(lab):
    out = in_scanner(lab, f"""
        import json
        from scanner.probes.arp import ArpProbe
        from scanner.probes.base import ProbeContext
        from scanner.ratelimit import RateLimiter
        from scanner.scope import parse_scope
        ctx = ProbeContext(scope=parse_scope(["{SUBNET}"], ["198.18.4.200/29"]), timeout=1.0,
                           limiter=RateLimiter(2000), arp_retries=1)
        out = ArpProbe().discover(ctx)
        print(json.dumps({{"hosts": [[h.ip, h.mac] for h in out.hosts], "figures": ctx.figures,
                          "attempts": [[a.status.value, a.detail] for a in out.attempts]}}))
    """, timeout=120)
    got = json.loads(out)
    assert sorted(map(tuple, got["hosts"])) == sorted((d.ip, d.mac) for d in lab.devices)
    fig = got["figures"]["arp.sweep"]
    asked = 1022 - 1 - 8  # the /22's hosts, less the scanner's own address and the excluded /29
    assert fig["answered"] == N and fig["retries"] == 1 and fig["rounds"] == 2
    assert fig["frames_sent"] == asked + (asked - N)  # the retry round re-asks only the silent
    assert fig["rate_asked_per_s"] == 2000 and fig["rate_achieved_per_s"] > 0
    assert got["attempts"][0][0] == "ok" and "arp-retries 1 (retries chosen)" in got["attempts"][0][1]


@pytest.mark.lab
@needs_lab
def test_each_round_hands_its_new_hosts_to_the_engine_once(lab):
    # The engine starts a host's probes when the round that found it closes (hosts_found); every
    # host the sweep returns was handed over exactly once, with its MAC and its neighbour entry.
    out = in_scanner(lab, f"""
        import json
        from scanner.probes.arp import ArpProbe
        from scanner.probes.base import ProbeContext
        from scanner.ratelimit import RateLimiter
        from scanner.scope import parse_scope
        handed = []
        ctx = ProbeContext(scope=parse_scope(["{SUBNET}"]), timeout=1.0, limiter=RateLimiter(2000), arp_retries=1)
        ctx.hosts_found = lambda hosts, neigh: handed.append(
            [[h.ip, h.mac, h.source] for h in hosts] + [[n.ip, n.mac, n.iface] for n in neigh])
        out = ArpProbe().discover(ctx)
        print(json.dumps({{"hosts": [[h.ip, h.mac] for h in out.hosts], "handed": handed}}))
    """, timeout=120)
    got = json.loads(out)
    hosts = [row for batch in got["handed"] for row in batch if row[2] == "arp"]
    neighbours = [row for batch in got["handed"] for row in batch if row[2] != "arp"]
    assert sorted((ip, mac) for ip, mac, _ in hosts) == sorted(map(tuple, got["hosts"]))
    assert len(hosts) == len({ip for ip, _, _ in hosts}) == N  # once each
    assert sorted((ip, mac) for ip, mac, _ in neighbours) == sorted(map(tuple, got["hosts"]))


@pytest.mark.lab
@needs_lab
def test_scan_document_reports_the_sweep_and_leaves_no_neighbour_entry_behind(lab, tmp_path):
    out = tmp_path / "scan.json"
    proc = lab.run([sys.executable, "-m", "scanner", "scan", SUBNET, "--probes", "arp,ports", "--arp-retries", "0",
                    "--json", str(out), "--quiet"], env=child_env(), capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert {d["ip"] for d in doc["devices"]} == {d.ip for d in lab.devices}
    sweep = doc["scan"]["attempts"]["arp.sweep"]
    assert sweep["retries"] == 0 and sweep["rounds"] == 1 and sweep["frames_sent"] == 1021
    left = lab.run(["ip", "-j", "neigh", "show", "nud", "permanent"], capture_output=True, text=True, check=True).stdout
    assert json.loads(left or "[]") == []
