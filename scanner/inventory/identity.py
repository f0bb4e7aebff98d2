"""Which inventory device a scanned device is: matched by MAC, then serial, then ONVIF endpoint.

An IP address is not an identity (DHCP moves devices; a new camera may take an old one's
address), so a match on IP alone is used only as a last resort, when neither side carries an
identifier that contradicts it. A matched device whose IP differs has *moved*.

The ONVIF endpoint is the WS-Discovery endpoint reference (``urn:uuid:...``) a device announces;
probes report it as evidence with a field named ``<onvif|wsd|ws_discovery>.endpoint``
(or ``.endpoint_reference``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from ..models import Device

_MAC_HEX = re.compile(r"[0-9a-f]{12}")
_ENDPOINT_FIELD = re.compile(r"^(onvif|wsd|ws_discovery|wsdiscovery)\.(endpoint|endpoint_reference)$")
_NO_MACS = {"000000000000", "ffffffffffff"}


def normalize_mac(mac: str | None) -> str | None:
    """``AA-BB-CC-DD-EE-FF``, ``aabb.ccdd.eeff`` ... -> ``aa:bb:cc:dd:ee:ff``; junk -> None."""
    if not mac:
        return None
    hexes = re.sub(r"[^0-9a-f]", "", mac.lower())
    if not _MAC_HEX.fullmatch(hexes) or hexes in _NO_MACS:
        return None
    return ":".join(hexes[i : i + 2] for i in range(0, 12, 2))


def normalize_serial(serial: str | None) -> str | None:
    """Serials compare case-insensitively; placeholders (short, one repeated character) are not identities."""
    if not serial:
        return None
    value = serial.strip().upper()
    if len(value) < 4 or len(set(value)) == 1:
        return None
    return value


def onvif_endpoint(device: Device) -> str | None:
    for ev in device.evidence:
        if _ENDPOINT_FIELD.match(ev.field) and ev.value.strip():
            return ev.value.strip().lower()[:300]
    return None


@dataclass(frozen=True, slots=True)
class Keys:
    ip: str
    mac: str | None
    serial: str | None
    endpoint: str | None

    @classmethod
    def of(cls, device: Device) -> Keys:
        return cls(device.ip, normalize_mac(device.mac), normalize_serial(device.serial), onvif_endpoint(device))


class Known(Protocol):
    """What the matcher needs of an inventory device."""

    id: int
    ip: str
    mac: str | None
    serial: str | None
    onvif_endpoint: str | None


class Matcher:
    """Matches the devices of one scan against one site's inventory; each inventory device is
    claimed at most once per scan."""

    def __init__(self, known: Iterable[Known]) -> None:
        self.known = list(known)
        self.claimed: set[int] = set()
        self.by_mac = {k.mac: k for k in self.known if k.mac}
        self.by_serial = {normalize_serial(k.serial): k for k in self.known if normalize_serial(k.serial)}
        self.by_endpoint = {k.onvif_endpoint: k for k in self.known if k.onvif_endpoint}
        self.by_ip: dict[str, list[Known]] = {}
        for k in self.known:
            self.by_ip.setdefault(k.ip, []).append(k)

    def match(self, keys: Keys) -> tuple[Known | None, str]:
        """The inventory device this is, and which key matched (``mac``, ``serial``,
        ``onvif_endpoint``, ``ip``), or (None, "") for a device never seen before."""
        for key, index, value in (
            ("mac", self.by_mac, keys.mac),
            ("serial", self.by_serial, keys.serial),
            ("onvif_endpoint", self.by_endpoint, keys.endpoint),
        ):
            hit = index.get(value) if value else None
            if hit is not None and hit.id not in self.claimed:
                return self._claim(hit), key
        for cand in self.by_ip.get(keys.ip, []):
            if cand.id not in self.claimed and not _contradicts(cand, keys):
                return self._claim(cand), "ip"
        return None, ""

    def add(self, known: Known) -> None:
        """A device just created for this scan: index it so a duplicate in the same scan joins it."""
        self.known.append(known)
        self.claimed.add(known.id)
        if known.mac:
            self.by_mac.setdefault(known.mac, known)
        serial = normalize_serial(known.serial)
        if serial:
            self.by_serial.setdefault(serial, known)
        if known.onvif_endpoint:
            self.by_endpoint.setdefault(known.onvif_endpoint, known)

    def _claim(self, known: Known) -> Known:
        self.claimed.add(known.id)
        return known


def _contradicts(known: Known, keys: Keys) -> bool:
    pairs = ((known.mac, keys.mac), (normalize_serial(known.serial), keys.serial), (known.onvif_endpoint, keys.endpoint))
    return any(a and b and a != b for a, b in pairs)
