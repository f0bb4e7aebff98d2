"""Small helpers shared by the inventory modules."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import UTC, datetime


def now() -> str:
    """The current time as an ISO-8601 UTC string (sorts as text)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def in_scope(ip: str, scope: Iterable[str]) -> bool:
    """Whether a scan whose targets were ``scope`` looked at ``ip`` (CIDRs, addresses, ranges
    ``a-b``). Unparseable scope entries never count as covering: no verification on a guess."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for item in scope:
        item = str(item).strip()
        try:
            if "-" in item:
                lo, hi = (ipaddress.ip_address(p.strip()) for p in item.split("-", 1))
                if lo.version == addr.version and lo <= addr <= hi:  # type: ignore[operator]
                    return True
            elif addr in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False
