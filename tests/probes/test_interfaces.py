"""--interface subnet detection, read from iproute2 inside a namespace the test creates."""

from __future__ import annotations

import json

import pytest

from scanner.errors import ScopeError
from scanner.interfaces import parse_ip_addr_json

from .udp_lab import udp_pair  # noqa: F401  (fixture)

# `ip -j addr show dev lo` on this Debian build host (iproute2 6.x), trimmed to the fields read.
LOOPBACK = json.loads(
    '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"addr_info":[{"family":"inet",'
    '"local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo"},{"family":"inet6","local":"::1","prefixlen":128}]}]'
)


def test_ip_json_gives_ipv4_addresses_with_their_networks():
    [addr] = parse_ip_addr_json(LOOPBACK)
    assert (addr.ifname, addr.ip, str(addr.network)) == ("lo", "127.0.0.1", "127.0.0.0/8")


def test_garbage_entries_are_ignored():
    assert parse_ip_addr_json([{"ifname": "x", "addr_info": [{"family": "inet", "local": "nonsense"}]}, "junk"]) == []


RUN = """
from scanner.interfaces import interface_subnets, addresses_for_scope
out_nets = [str(n) for n in interface_subnets(%r)]
scope = parse_scope(["198.18.77.0/24"])
out_addrs = [(a.ifname, a.ip) for a in addresses_for_scope(scope)]
from scanner.models import ProbeOutput
out = ProbeOutput(hosts=[Host(ip=n) for n in out_nets] + [Host(ip=a[1], source=a[0]) for a in out_addrs])
"""


def test_interface_subnets_lists_the_subnets_on_the_named_interface(udp_pair):
    out = udp_pair.run_probe(RUN % udp_pair.scan_if)
    assert out["hosts"][0]["ip"] == "198.18.77.0/24"
    assert out["hosts"][1] == {"ip": udp_pair.scan_ip, "mac": None, "source": udp_pair.scan_if}


def test_unknown_interface_is_a_scope_error(udp_pair):
    code = RUN % "nosuch0"
    with pytest.raises(AssertionError, match="ScopeError: cannot read interface addresses"):
        udp_pair.run_probe(code)


def test_interface_names_that_look_like_options_are_refused():
    from scanner.interfaces import interface_subnets

    with pytest.raises(ScopeError, match="invalid interface name"):
        interface_subnets("-j")
