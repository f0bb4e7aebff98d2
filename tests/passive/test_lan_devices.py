"""Which hosts passive mode lists as devices: every LAN host (a unicast MAC with a local
address), one per MAC, and never an off-site address, which shows up instead as "talks to" on
the LAN device that reached it.

The frames are built with scapy: they are headers only (addresses, ports, flags), standing for
the shape of a LAN, not for what any device sent; the one payload, the SSDP announcement, is the
real Axis message of tests/probes/test_ssdp.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

scapy_all = pytest.importorskip("scapy.all")
from scapy.all import ARP, IP, TCP, UDP, Ether, wrpcap  # noqa: E402

from scanner.passive import document, read_files  # noqa: E402
from scanner.passive.collector import Collector  # noqa: E402
from tests.probes.test_ssdp import AXIS_MSEARCH  # noqa: E402

ROUTER_MAC, CAMERA_MAC, NVR_MAC = "02:00:00:00:00:01", "02:00:00:00:00:0a", "02:00:00:00:00:0b"
ROUTER, CAMERA, NVR = "192.168.7.1", "192.168.7.50", "192.168.7.60"
CLOUD = "52.85.209.216"  # a public address (an AWS one from pcaps/real/ndpi-alexa-app.expect.yaml); nothing is sent to it


def _frames() -> list:
    return [
        # the router answers ARP: 192.168.7.0/24 is on the link
        Ether(src=ROUTER_MAC, dst=CAMERA_MAC) / ARP(op=2, hwsrc=ROUTER_MAC, psrc=ROUTER, hwdst=CAMERA_MAC, pdst=CAMERA),
        # the camera only ever sends a DNS query and its SSDP announcement
        Ether(src=CAMERA_MAC, dst=ROUTER_MAC) / IP(src=CAMERA, dst=ROUTER) / UDP(sport=40000, dport=53) / b"\x12\x34\x01\x00",
        Ether(src=CAMERA_MAC, dst="01:00:5e:7f:ff:fa") / IP(src=CAMERA, dst="239.255.255.250") / UDP(sport=1900, dport=1900)
        / (AXIS_MSEARCH + b"\r\n"),
        # the camera opens a TLS connection to a cloud server: it answers through the router
        Ether(src=CAMERA_MAC, dst=ROUTER_MAC) / IP(src=CAMERA, dst=CLOUD) / TCP(sport=50000, dport=443, flags="S", seq=1),
        Ether(src=ROUTER_MAC, dst=CAMERA_MAC) / IP(src=CLOUD, dst=CAMERA) / TCP(sport=443, dport=50000, flags="SA", seq=9, ack=2),
        # the NVR is seen first at one address, then (after DHCP gave it another) at a second one
        Ether(src=NVR_MAC, dst=ROUTER_MAC) / IP(src="192.168.7.61", dst=ROUTER) / UDP(sport=40001, dport=123) / bytes(48),
        Ether(src=NVR_MAC, dst=ROUTER_MAC) / IP(src=NVR, dst=ROUTER) / UDP(sport=40002, dport=123) / bytes(48),
    ]


@pytest.fixture
def lan(tmp_path: Path) -> Path:
    path = tmp_path / "lan.pcap"
    wrpcap(str(path), _frames())
    return path


@pytest.mark.parametrize("filtered", [True, False])
def test_every_lan_host_is_a_device_once_and_the_cloud_is_not(lan, filtered):
    run = read_files([lan], filtered=filtered)
    devices = {d.ip: d for d in document(run).devices}
    assert set(devices) == {ROUTER, CAMERA, NVR}
    assert CLOUD not in devices
    macs = [d.mac for d in devices.values()]
    assert sorted(macs) == sorted([ROUTER_MAC, CAMERA_MAC, NVR_MAC])  # one device per MAC
    observed = {(o.ip, o.field, o.value) for o in run.result.observations}
    assert (NVR, "passive.previous_address", "192.168.7.61") in observed
    assert (CAMERA, "passive.talks_to", f"{CLOUD}:443") in observed
    assert not any(o.ip == CLOUD for o in run.result.observations)
    assert any("1 off-site address(es)" in w and "1 LAN device(s)" in w for w in run.warnings)


def test_scope_states_the_local_subnets(lan):
    collector = Collector(scope=("192.168.7.0/26",))  # .50 and .60 are in, .61 is in, the router .1 is in
    run = read_files([lan], collector=collector)
    assert {h.ip for h in run.result.hosts} == {ROUTER, CAMERA, NVR}
    narrow = Collector(scope=("192.168.7.48/29",))  # only the camera's address
    run = read_files([lan], collector=narrow)
    assert {h.ip for h in run.result.hosts} == {CAMERA}
    assert not any(o.ip in (ROUTER, NVR, CLOUD) for o in run.result.observations)


def test_pcap_cli_takes_scope(lan, tmp_path):
    import json

    from typer.testing import CliRunner

    from scanner.cli.app import app

    out = tmp_path / "out.json"
    result = CliRunner().invoke(app, ["pcap", str(lan), "--quiet", "--json", str(out), "--scope", "192.168.7.48/29"])
    assert result.exit_code == 0, result.output
    assert [d["ip"] for d in json.loads(out.read_text())["devices"]] == [CAMERA]
    bad = CliRunner().invoke(app, ["pcap", str(lan), "--quiet", "--scope", "not-a-net"])
    assert bad.exit_code == 2
