"""The dispatch point from captured UDP datagrams to the discovery probes' pure parsers.

Passive mode reads the same datagrams the active discovery probes receive (answers, and the
announcements devices send unasked), so it uses the very same parse functions: each entry
below names a probe module and its ``parse(data: bytes, ip: str) -> list[Observation]``. The
module is imported on first use; while a probe module does not exist yet the datagrams are
counted, and the run says which protocols went unread. A parser's ``ValueError`` (the probes'
``MalformedReply``) means the datagram was malformed, and is counted as such.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from ..models import Observation

Parser = Callable[[bytes, str], list[Observation]]


@dataclass(frozen=True, slots=True)
class DiscoveryProtocol:
    name: str  # the probe name observations carry
    ports: frozenset[int]
    module: str
    function: str = "parse"


PROTOCOLS: tuple[DiscoveryProtocol, ...] = (
    DiscoveryProtocol("mdns", frozenset({5353}), "scanner.probes.mdns"),
    DiscoveryProtocol("ssdp", frozenset({1900}), "scanner.probes.ssdp"),
    DiscoveryProtocol("wsd", frozenset({3702}), "scanner.probes.wsdiscovery"),
    DiscoveryProtocol("sadp", frozenset({37020}), "scanner.probes.sadp"),
    DiscoveryProtocol("dhip", frozenset({37810}), "scanner.probes.dhip"),
    # Xiongmai DVRIP device search: replies broadcast from/to UDP 34569; the Besder camera's own
    # search messages come from 34571 (scanner.probes.dvrip_search names the sources).
    DiscoveryProtocol("dvrip", frozenset({34569, 34571}), "scanner.probes.dvrip_search"),
)
BY_PORT = {port: proto for proto in PROTOCOLS for port in proto.ports}
UPNP_DESCRIPTION = ("scanner.probes.ssdp", "parse_description")

_cache: dict[tuple[str, str], Callable | None] = {}


def load(module: str, function: str) -> Callable | None:
    """The named parser, or ``None`` while its probe module is not part of the package."""
    key = (module, function)
    if key not in _cache:
        try:
            _cache[key] = getattr(importlib.import_module(module), function, None)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            _cache[key] = None
    return _cache[key]


def protocol_for(sport: int, dport: int) -> DiscoveryProtocol | None:
    return BY_PORT.get(sport) or BY_PORT.get(dport)
