"""Port and ARP probes inside a test namespace pair."""

from __future__ import annotations

import subprocess

from scanner.models import AttemptStatus, Host
from scanner.probes.arp import ArpProbe, parse_arp_cache
from scanner.probes.base import ProbeContext
from scanner.probes.ports import PortProbe, connect_scan
from scanner.scope import parse_scope
from tests.netns import run_in, start_in
from tests.probes import servers
from tests.probes.test_http_probe import wait_listening


def mac_of(ns: str) -> str:
    out = subprocess.run(["ip", "-n", ns, "-o", "link", "show", "type", "veth"], capture_output=True, text=True, check=True).stdout
    return out.split("link/ether ")[1].split()[0]


def test_arp_cache_text_is_parsed_and_incomplete_entries_dropped():
    text = (
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "198.18.0.10      0x1         0x2         44:19:b6:12:34:56     *        eth0\n"
        "198.18.0.11      0x1         0x0         00:00:00:00:00:00     *        eth0\n"
    )
    assert parse_arp_cache(text) == [("198.18.0.10", "44:19:b6:12:34:56")]


def port_probe(ip: str):
    ctx = ProbeContext(scope=parse_scope([f"{ip}/32"]), timeout=1.0)
    out = PortProbe().probe(ctx, Host(ip=ip))
    return out, ctx.open_ports[ip]


def test_port_probe_finds_exactly_the_listening_ports(netpair):
    procs = [start_in(netpair.b, servers.silent_server, netpair.b_ip, p) for p in (80, 554, 37777)]
    try:
        for p in (80, 554, 37777):
            wait_listening(netpair, p)
        out, open_ports = run_in(netpair.a, port_probe, netpair.b_ip)
    finally:
        for p in procs:
            p.kill()
    assert open_ports == {80, 554, 37777}
    assert sorted(int(o.value) for o in out.observations if o.field == "port.open") == [80, 554, 37777]


def test_connect_scan_reports_closed_ports(netpair):
    states = run_in(netpair.a, connect_scan, netpair.b_ip, [81, 8080], 1.0)
    assert states == {81: "closed", 8080: "closed"}


def arp_probe(cidr: str, root: bool):
    ctx = ProbeContext(scope=parse_scope([cidr]), timeout=1.0, is_root=root)
    return ArpProbe().discover(ctx)


def test_arp_sweep_finds_the_neighbour_and_its_mac(netpair):
    out = run_in(netpair.a, arp_probe, "198.18.254.0/24", True)
    assert [(h.ip, h.mac) for h in out.hosts] == [(netpair.b_ip, mac_of(netpair.b))]
    assert out.attempts[0].status is AttemptStatus.OK


def test_arp_without_root_falls_back_to_the_kernel_cache(netpair):
    run_in(netpair.a, connect_scan, netpair.b_ip, [9], 1.0)  # any packet to .2 fills the kernel's ARP cache
    out = run_in(netpair.a, arp_probe, "198.18.254.0/24", False)
    assert out.attempts[0].status is AttemptStatus.PERMISSION
    assert [(h.ip, h.mac) for h in out.hosts] == [(netpair.b_ip, mac_of(netpair.b))]


def test_arp_never_asks_outside_the_scope(netpair):
    # scope is only .1 (our own side) - .2 must not be asked, so nothing is found
    out = run_in(netpair.a, arp_probe, "198.18.254.1/32", True)
    assert out.hosts == []
