"""Local IPv4 interfaces: which subnets sit on a named interface (``--interface``), and which
local address a discovery probe should send its multicast from for a given scope.

Read from ``ip -j addr`` (iproute2's JSON output) rather than scapy so that it works without
root and without importing scapy's interface cache.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import ScopeError
from .scope import Scope


@dataclass(frozen=True, slots=True)
class LocalAddress:
    """One IPv4 address configured on a local interface."""

    ifname: str
    ip: str
    network: ipaddress.IPv4Network

    @property
    def broadcast(self) -> str:
        return str(self.network.broadcast_address)


def _ip_json(args: list[str]) -> list[dict]:
    try:
        done = subprocess.run(["ip", "-j", *args], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ScopeError(f"cannot list interfaces with iproute2: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()[0] if done.stderr.strip() else f"exit {done.returncode}"
        raise ScopeError(f"cannot read interface addresses: {message}")
    try:
        data = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        raise ScopeError("iproute2 returned output that is not JSON") from None
    return data if isinstance(data, list) else []


def parse_ip_addr_json(data: list[dict]) -> list[LocalAddress]:
    """The IPv4 addresses in ``ip -j addr`` output (loopback and link-down interfaces kept;
    callers choose)."""
    out: list[LocalAddress] = []
    for link in data:
        if not isinstance(link, dict):
            continue
        name = str(link.get("ifname", ""))
        for info in link.get("addr_info", []) or []:
            if not isinstance(info, dict) or info.get("family") != "inet":
                continue
            try:
                iface = ipaddress.IPv4Interface(f"{info['local']}/{info.get('prefixlen', 32)}")
            except (KeyError, ValueError):
                continue
            out.append(LocalAddress(ifname=name, ip=str(iface.ip), network=iface.network))
    return out


def local_addresses() -> list[LocalAddress]:
    """Every IPv4 address on every local interface."""
    return parse_ip_addr_json(_ip_json(["addr", "show"]))


def interface_subnets(ifname: str) -> list[ipaddress.IPv4Network]:
    """The IPv4 subnets attached to ``ifname`` (what ``--interface`` scans).

    Raises ScopeError naming the interface if it does not exist or has no IPv4 address.
    """
    if not ifname or "/" in ifname or ifname.startswith("-"):
        raise ScopeError(f"invalid interface name {ifname!r}")
    addrs = parse_ip_addr_json(_ip_json(["addr", "show", "dev", ifname]))
    nets: list[ipaddress.IPv4Network] = []
    for a in addrs:
        if a.network.prefixlen >= 32 or a.network.is_loopback:
            continue
        if a.network not in nets:
            nets.append(a.network)
    if not nets:
        raise ScopeError(f"interface {ifname} has no IPv4 subnet to scan")
    return nets


def addresses_for_scope(scope: Scope, interfaces: str | Sequence[str] = ()) -> list[LocalAddress]:
    """The local addresses from which multicast discovery reaches the scope: those whose subnet
    overlaps a scope network (on the named ``interfaces`` only, when any are named). Loopback
    never."""
    names = (interfaces,) if isinstance(interfaces, str) else tuple(interfaces)
    chosen: list[LocalAddress] = []
    for a in local_addresses():
        if a.network.is_loopback or (names and a.ifname not in names):
            continue
        if any(a.network.overlaps(n) for n in scope.networks):
            chosen.append(a)
    return chosen
