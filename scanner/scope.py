"""Targets and scope: which addresses a scan may touch, and nothing else.

Every packet the active probes send goes to an address for which ``Scope.contains`` is true
(multicast discovery excepted: its replies from outside the scope are recorded, never probed).
Public (globally routable) ranges are refused unless the caller passes ``allow_public``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .errors import ScopeError

IPv4Net = ipaddress.IPv4Network
DEFAULT_MAX_ADDRESSES = 65536


@dataclass(frozen=True)
class Scope:
    networks: tuple[IPv4Net, ...]
    excludes: tuple[IPv4Net, ...] = ()

    def contains(self, ip: str) -> bool:
        try:
            addr = ipaddress.IPv4Address(ip)
        except ValueError:
            return False
        return any(addr in n for n in self.networks) and not any(addr in n for n in self.excludes)

    __contains__ = contains

    def addresses(self) -> Iterator[str]:
        """Every in-scope host address, each once, in order (network and broadcast skipped)."""
        seen: set[int] = set()
        for net in self.networks:
            hosts = net.hosts() if net.prefixlen < 31 else iter(net)
            for addr in hosts:
                key = int(addr)
                if key in seen or any(addr in n for n in self.excludes):
                    continue
                seen.add(key)
                yield str(addr)

    @property
    def size(self) -> int:
        return sum(n.num_addresses for n in self.networks)

    def describe(self) -> tuple[str, ...]:
        return tuple(str(n) for n in self.networks) + tuple(f"!{n}" for n in self.excludes)


def _parse_net(text: str) -> IPv4Net:
    text = text.strip()
    try:
        return ipaddress.IPv4Network(text, strict=False)
    except ValueError as exc:
        raise ScopeError(f"invalid target {text!r}: {exc}") from None


def parse_scope(
    targets: Iterable[str],
    excludes: Iterable[str] = (),
    *,
    allow_public: bool = False,
    max_addresses: int = DEFAULT_MAX_ADDRESSES,
) -> Scope:
    """Parse CIDRs or single addresses into a Scope, refusing what may not be scanned."""
    nets = tuple(_parse_net(t) for t in targets if t.strip())
    if not nets:
        raise ScopeError("no targets given")
    for net in nets:
        if net.is_multicast or net.is_unspecified or net.is_loopback or net.is_reserved and net.prefixlen < 8:
            raise ScopeError(f"{net} is not a range of hosts that can be scanned")
        if not allow_public and _has_public(net):
            raise ScopeError(
                f"{net} contains public (globally routable) addresses; scanning them needs --allow-public"
            )
    total = sum(n.num_addresses for n in nets)
    if total > max_addresses:
        raise ScopeError(f"scope has {total} addresses, more than the limit of {max_addresses} (--max-addresses)")
    return Scope(networks=nets, excludes=tuple(_parse_net(e) for e in excludes if e.strip()))


# Blocks that are never globally routed (RFC 1918, 6598, 3927, 2544, 5737): a target inside one
# of them is not public. Anything else, including a range that straddles a boundary, is.
NON_PUBLIC = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
        "198.18.0.0/15", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "192.0.0.0/24",
    )
)


def _has_public(net: IPv4Net) -> bool:
    return not any(net.subnet_of(block) for block in NON_PUBLIC)
