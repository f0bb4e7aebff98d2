"""``block_multicast`` keeps a device's multicast from reaching the scanner and the scanner's
multicast from reaching the device, while unicast still works: so a later test can prove a
device was found by unicast WS-Discovery alone. Checked with plain UDP sockets on both sides."""

from __future__ import annotations

import json

import pytest

from scanner.lab import Lab

from .conftest import in_namespace, in_scanner, needs_lab

pytestmark = [pytest.mark.lab, needs_lab]

GROUP, PROBE_PORT, HELLO_PORT = "239.255.255.250", 38702, 38703

RESPONDER = f"""
import socket, sys, time
ip = sys.argv[1] if len(sys.argv) > 1 else "{{ip}}"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", {PROBE_PORT}))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("{GROUP}") + socket.inet_aton(ip))
s.settimeout(0.1)
hello = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
hello.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ip))
print("up", flush=True)
end = time.time() + 20
while time.time() < end:
    hello.sendto(b"hello " + ip.encode(), ("{GROUP}", {HELLO_PORT}))
    try:
        data, addr = s.recvfrom(2048)
        s.sendto(b"reply " + ip.encode(), addr)
    except socket.timeout:
        pass
"""

SCANNER = f"""
import json, socket, time
me = "{{scanner_ip}}"
listen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listen.bind(("", {HELLO_PORT}))
listen.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("{GROUP}") + socket.inet_aton(me))
listen.settimeout(0.1)
probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
probe.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(me))
probe.bind((me, 0))
probe.settimeout(0.1)
hellos, mc_replies, uc_replies = set(), set(), set()
end = time.time() + 2.0
while time.time() < end:
    probe.sendto(b"probe", ("{GROUP}", {PROBE_PORT}))
    for sock, bucket in ((listen, hellos), (probe, mc_replies)):
        try:
            data, addr = sock.recvfrom(2048)
            bucket.add(addr[0])
        except socket.timeout:
            pass
for ip in {{device_ips}}:
    probe.sendto(b"probe", (ip, {PROBE_PORT}))
end = time.time() + 1.0
while time.time() < end:
    try:
        data, addr = probe.recvfrom(2048)
        if data.startswith(b"reply"):
            uc_replies.add(addr[0])
    except socket.timeout:
        pass
print(json.dumps({{"hellos": sorted(hellos), "mc": sorted(mc_replies), "uc": sorted(uc_replies)}}))
"""


def test_blocked_device_is_invisible_to_multicast_but_answers_unicast():
    blocked, open_ = "hikvision-ds-2cd2143g2-i", "hanwha-xnd-6080"
    with Lab([blocked, open_], services=set(), block_multicast={blocked}) as lab:
        responders = [in_namespace(d.namespace, RESPONDER.replace("{ip}", d.ip)) for d in lab.devices]
        try:
            for r in responders:
                assert r.stdout.readline().strip() == "up", r.stderr.read()
            ips = [d.ip for d in lab.devices]
            seen = json.loads(in_scanner(lab, SCANNER.replace("{scanner_ip}", lab.scanner_ip)
                                         .replace("{device_ips}", repr(ips))))
        finally:
            for r in responders:
                r.kill()
                r.wait()
        b, o = lab.device(blocked).ip, lab.device(open_).ip
        assert seen["hellos"] == [o]  # the blocked device's own multicast never arrives
        assert seen["mc"] == [o]  # the blocked device never hears the multicast probe
        assert seen["uc"] == sorted([b, o])  # but both answer a unicast probe


def test_block_multicast_rejects_a_device_not_in_the_lab():
    from scanner.errors import LabError

    with pytest.raises(LabError, match="not in the lab"):
        Lab(["hanwha-xnd-6080"], block_multicast={"no-such-device"})
