"""MAC address to maker: ``oui.yaml`` overrides first, then the IEEE registries (see ieee.py).

The IEEE organisation name (``Hangzhou Hikvision Digital Technology Co.,Ltd.``) is mapped to a
canonical vendor through ``ieee_names`` in vendors.yaml. Locally administered, multicast,
malformed and unregistered addresses give no vendor and say why; so does a firmware's default MAC
(``defaults`` in oui.yaml), which many unrelated devices send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import ieee
from .fingerprints import FingerprintDB

_HEX = re.compile(r"[^0-9A-Fa-f]")


@dataclass(frozen=True, slots=True)
class OuiResult:
    mac: str  # normalised, lower-case colon form when parseable, else as given
    vendor: str | None  # canonical vendor name
    org: str | None  # IEEE organisation name, if registered
    via: str  # "oui.yaml <prefix>" | "IEEE registry" | why there is no answer


def normalise_mac(value: str) -> str | None:
    digits = _HEX.sub("", value or "")
    if len(digits) != 12:
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2)).lower()


def lookup(mac: str, db: FingerprintDB) -> OuiResult:
    norm = normalise_mac(mac)
    if norm is None:
        return OuiResult(mac=mac[:64], vendor=None, org=None, via="not a MAC address")
    if any(d.mac == norm for d in db.default_macs):
        # the same address on unrelated devices: the registrant of its block built none of them
        return OuiResult(norm, None, None, "a firmware's default MAC, which unrelated devices share (oui.yaml defaults): no maker")
    digits = norm.replace(":", "").upper()
    best = None
    for override in db.oui_overrides:
        if digits.startswith(override.prefix) and (best is None or len(override.prefix) > len(best.prefix)):
            best = override
    if best is not None:
        return OuiResult(norm, best.platform_vendor, None, f"oui.yaml {best.prefix}")
    first = int(digits[:2], 16)
    if first & 0x01:
        return OuiResult(norm, None, None, "multicast address: no maker")
    if first & 0x02:
        return OuiResult(norm, None, None, "locally administered address: no OUI maker")
    registration = ieee.lookup(digits)
    if registration is None:
        return OuiResult(norm, None, None, "OUI not in the IEEE registry")
    org = registration.org
    return OuiResult(norm, db.vendors.by_ieee_org(org), org, f"IEEE registry ({registration.source}, {registration.prefix})")


def ieee_organisations() -> tuple[str, ...]:
    """Every organisation name in the IEEE registries we read (for the self-test)."""
    return ieee.organisations()
