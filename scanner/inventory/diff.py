"""What changed between two complete scans of a site: new, gone, moved and changed devices.

The JSON form is ``{"old_scan", "new_scan", "site", "new": [...], "gone": [...], "moved": [...],
"changed": [...]}``; every entry is a device with its inventory ``id``, ``ip``, ``mac``,
``vendor``, ``platform_vendor``, ``model``, ``firmware``, ``classification`` and ``status``.
Moved entries add ``old_ip`` and ``new_ip``; changed entries add ``changes``, a map from
``firmware`` / ``classification`` to ``{"old", "new"}``. New and gone are relative to the two
scans: a device missing from one scan and back in the next is new again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import InventoryError
from .schema import Device, Scan, Sighting, Site

WATCHED = ("firmware", "classification")


def entry(s: Sighting, device: Device | None) -> dict[str, Any]:
    return {
        "id": s.device_id,
        "ip": s.ip,
        "mac": s.mac,
        "vendor": s.vendor,
        "platform_vendor": s.platform_vendor,
        "model": s.model,
        "firmware": s.firmware,
        "serial": s.serial,
        "device_type": s.device_type,
        "classification": s.classification,
        "status": device.status if device else None,
        "switch_port": s.switch_port,
    }


def diff_scans(session: Session, old_id: int | None, new_id: int) -> dict[str, Any]:
    new_scan = session.get(Scan, new_id)
    if new_scan is None:
        raise InventoryError(f"no scan #{new_id}")
    old_scan = session.get(Scan, old_id) if old_id is not None else None
    if old_id is not None and old_scan is None:
        raise InventoryError(f"no scan #{old_id}")
    for scan in (old_scan, new_scan):
        if scan is not None and scan.state != "complete":
            raise InventoryError(f"scan #{scan.id} is {scan.state}; only complete scans can be compared")
    before = _sightings(session, old_id) if old_id is not None else {}
    after = _sightings(session, new_id)
    devices = {d.id: d for d in session.scalars(select(Device).where(Device.id.in_(set(before) | set(after))))}
    out: dict[str, Any] = {
        "site": new_scan.site.name,
        "old_scan": old_id,
        "new_scan": new_id,
        "new": [],
        "gone": [],
        "moved": [],
        "changed": [],
    }
    for dev_id, s in after.items():
        if dev_id not in before:
            out["new"].append(entry(s, devices.get(dev_id)))
            continue
        old = before[dev_id]
        port_moved = bool(old.switch_port and s.switch_port and old.switch_port != s.switch_port)
        if old.ip != s.ip or port_moved:
            out["moved"].append(entry(s, devices.get(dev_id)) | {"old_ip": old.ip, "new_ip": s.ip,
                                                                 "old_port": old.switch_port, "new_port": s.switch_port})
        changes = {f: {"old": getattr(old, f), "new": getattr(s, f)} for f in WATCHED if getattr(old, f) != getattr(s, f)}
        if changes:
            out["changed"].append(entry(s, devices.get(dev_id)) | {"changes": changes})
    for dev_id, s in before.items():
        if dev_id not in after:
            out["gone"].append(entry(s, devices.get(dev_id)))
    for key in ("new", "gone", "moved", "changed"):
        out[key].sort(key=lambda e: (e["id"] or 0))
    return out


def last_complete(session: Session, site: str, count: int = 2) -> list[int]:
    """Ids of the newest ``count`` complete scans of a site, oldest first."""
    ids = session.scalars(
        select(Scan.id).join(Site).where(Site.name == site, Scan.state == "complete").order_by(Scan.id.desc()).limit(count)
    ).all()
    return list(reversed(ids))


def _sightings(session: Session, scan_id: int) -> dict[int, Sighting]:
    rows = session.scalars(select(Sighting).where(Sighting.scan_id == scan_id, Sighting.device_id.is_not(None)))
    return {s.device_id: s for s in rows if s.device_id is not None}
