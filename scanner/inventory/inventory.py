"""The inventory as the CLI and other callers use it: record scans, list and find devices,
mark them through the removal workflow, compare scans.

``record_scan`` is the one call a scan command needs; when the database server cannot be
reached it keeps the scan in the local spool and raises ``InventoryUnavailable`` naming the
file; the next successful call for the same database sends spooled scans first, oldest first.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ..models import ScanDocument
from .diff import diff_scans, last_complete
from .errors import DeviceNotFound, InventoryError, InventoryUnavailable
from .identity import normalize_mac
from .lock import ScanLock
from .record import RecordResult, ScanRun
from .schema import Device, Scan, Sighting, Site, StatusEvent
from .spool import pending, spool
from .store import Store, describe, open_store, resolve_url
from .workflow import edit_field, mark

DEFAULT_SITE = "default"


class Inventory:
    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def open(cls, db: str | os.PathLike[str] | None = None) -> Inventory:
        inv = cls(open_store(db))
        inv.repair()
        return inv

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Inventory:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- recording -------------------------------------------------------------------------
    def run(self, site: str = DEFAULT_SITE, *, wait: float = 0.0) -> ScanRun:
        return ScanRun(self.store, site, wait=wait)

    def record(self, doc: ScanDocument, site: str = DEFAULT_SITE, *, webhook: str | None = None, wait: float = 0.0) -> RecordResult:
        with self.run(site, wait=wait) as run:
            return run.finish(doc, webhook=webhook)

    def flush_spool(self, *, wait: float = 0.0) -> list[RecordResult]:
        """Record the scans spooled for this database while it was unreachable, oldest first."""
        results = []
        for item in pending(self.store.name):
            results.append(self.record(item.document, item.site, wait=wait))
            item.path.unlink()
        return results

    def repair(self) -> int:
        """Mark ``running`` scans whose recorder is gone (its lock is free) as incomplete."""
        fixed = 0
        with self.store.session() as s:
            sites = s.execute(select(Site.id, Site.name).join(Scan).where(Scan.state == "running").distinct()).all()
        for site_id, name in sites:
            lock = ScanLock(self.store, name)
            if not lock.try_acquire():
                continue
            try:
                with self.store.session() as s, s.begin():
                    res = s.execute(update(Scan).where(Scan.state == "running", Scan.site_id == site_id).values(state="incomplete"))
                    fixed += res.rowcount or 0
            finally:
                lock.release()
        return fixed

    # -- reading ---------------------------------------------------------------------------
    def sites(self) -> list[str]:
        with self.store.session() as s:
            return list(s.scalars(select(Site.name).order_by(Site.name)))

    def scans(self, site: str | None = None) -> list[dict[str, Any]]:
        with self.store.session() as s:
            q = select(Scan).join(Site).order_by(Scan.id)
            if site:
                q = q.where(Site.name == site)
            out = []
            for scan in s.scalars(q):
                seen = s.scalar(select(func.count()).select_from(Sighting).where(Sighting.scan_id == scan.id))
                out.append({
                    "id": scan.id, "site": scan.site.name, "state": scan.state, "started": scan.started,
                    "finished": scan.finished, "recorded_at": scan.recorded_at, "scope": scan.scope,
                    "devices": seen, "host": scan.host,
                })
            return out

    def devices(
        self,
        *,
        site: str | None = None,
        verdict: str | None = None,
        vendor: str | None = None,
        status: str | None = None,
        evidence: bool = False,
    ) -> list[dict[str, Any]]:
        """Inventory devices, filtered; ``vendor`` matches the brand or the platform maker
        (case-insensitive substring). ``evidence`` adds each device's latest evidence and reasons."""
        with self.store.session() as s:
            q = select(Device).join(Site).order_by(Site.name, Device.id)
            if site:
                q = q.where(Site.name == site)
            if verdict:
                q = q.where(Device.classification == verdict.lower())
            if status:
                q = q.where(Device.status == status.lower())
            if vendor:
                pattern = f"%{vendor.lower()}%"
                q = q.where(or_(func.lower(Device.vendor).like(pattern), func.lower(Device.platform_vendor).like(pattern)))
            return [device_dict(s, d, evidence=evidence) for d in s.scalars(q)]

    def find(self, s: Session, ref: str, site: str | None = None) -> Device:
        """DEVICE as the user names it: an inventory id, a MAC, or a current IP."""
        ref = ref.strip()
        q = select(Device).join(Site)
        if site:
            q = q.where(Site.name == site)
        if ref.isdigit():
            hits = list(s.scalars(q.where(Device.id == int(ref))))
        elif normalize_mac(ref) and not ref.count(".") == 3:
            hits = list(s.scalars(q.where(Device.mac == normalize_mac(ref))))
        else:
            hits = list(s.scalars(q.where(Device.ip == ref)))
        if not hits:
            raise DeviceNotFound(f"no device {ref!r} in the inventory" + (f" of site {site!r}" if site else ""))
        if len(hits) > 1:
            ids = ", ".join(f"#{d.id} ({d.site.name})" for d in hits)
            raise DeviceNotFound(f"{ref!r} names several devices: {ids}; give the id or --site")
        return hits[0]

    def device(self, ref: str, site: str | None = None) -> dict[str, Any]:
        with self.store.session() as s:
            return device_dict(s, self.find(s, ref, site), evidence=True, history=True)

    def mark(self, ref: str, status: str, *, by: str, note: str = "", site: str | None = None) -> dict[str, Any]:
        with self.store.session() as s, s.begin():
            dev = self.find(s, ref, site)
            event = mark(s, dev, status.lower(), by=by, note=note)
            s.flush()
            return event_dict(event) | {"device": device_dict(s, dev)}

    def annotate(self, ref: str, *, by: str, location: str | None = None, notes: str | None = None,
                 note: str = "", site: str | None = None) -> dict[str, Any]:
        with self.store.session() as s, s.begin():
            dev = self.find(s, ref, site)
            for name, value in (("location", location), ("notes", notes)):
                if value is not None:
                    edit_field(s, dev, name, value, by=by, note=note)
            s.flush()
            return device_dict(s, dev, history=True)

    def diff(self, site: str | None = None, old: int | None = None, new: int | None = None) -> dict[str, Any]:
        """Compare two scans (default: the last two complete scans of the site)."""
        with self.store.session() as s:
            if new is None:
                site = site or self._only_site()
                ids = last_complete(s, site, 2)
                if not ids:
                    raise InventoryError(f"no complete scan of site {site!r} yet")
                old, new = (ids[0], ids[1]) if len(ids) == 2 else (None, ids[0])
            return diff_scans(s, old, new)

    def _only_site(self) -> str:
        sites = self.sites()
        if len(sites) == 1:
            return sites[0]
        if DEFAULT_SITE in sites or not sites:
            return DEFAULT_SITE
        raise InventoryError(f"several sites in this inventory ({', '.join(sites)}); pick one with --site")


def device_dict(s: Session, d: Device, *, evidence: bool = False, history: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": d.id, "site": d.site.name, "ip": d.ip, "mac": d.mac, "vendor": d.vendor,
        "platform_vendor": d.platform_vendor, "model": d.model, "firmware": d.firmware, "serial": d.serial,
        "device_type": d.device_type, "classification": d.classification, "status": d.status,
        "location": d.location, "notes": d.notes, "first_scan": d.first_scan_id, "last_scan": d.last_scan_id,
        "last_seen": d.last_seen,
    }
    if evidence:
        latest = s.scalars(
            select(Sighting).where(Sighting.device_id == d.id).order_by(Sighting.scan_id.desc()).limit(1)
        ).first()
        doc = latest.document if latest else {}
        out["confidence"] = doc.get("confidence", 0.0)
        out["reasons"] = doc.get("reasons", [])
        out["evidence"] = doc.get("evidence", [])
        out["switch_port"] = latest.switch_port if latest else None
    if history:
        events = s.scalars(select(StatusEvent).where(StatusEvent.device_id == d.id).order_by(StatusEvent.id))
        out["history"] = [event_dict(e) for e in events]
    return out


def event_dict(e: StatusEvent) -> dict[str, Any]:
    return {"at": e.at, "by": e.by, "kind": e.kind, "old": e.old, "new": e.new, "note": e.note, "scan": e.scan_id}


def record_scan(
    doc: ScanDocument,
    *,
    db: str | os.PathLike[str] | None = None,
    site: str = DEFAULT_SITE,
    webhook: str | None = None,
    wait: float = 0.0,
) -> RecordResult:
    """Record a finished scan document into the inventory ``db`` (path, URL or None for the
    default file) under ``site``. Sends any scans spooled for that database first.

    Raises ``InventoryUnavailable`` (with ``.spooled``) when a database server is unreachable,
    ``ScanLockedError`` when another scan holds the lock beyond ``wait`` seconds,
    ``ForeignDatabaseError`` / ``NewerSchemaError`` for a database that is not ours to write.
    """
    url = resolve_url(db)
    try:
        inv = Inventory.open(db)
    except InventoryUnavailable as exc:
        path = spool(doc, target=describe(url), site=site)
        raise InventoryUnavailable(f"{exc}; the scan is kept in {path} and will be sent by the next run "
                                   "(or `cctv-scan inventory flush`)", spooled=path) from None
    with inv:
        inv.flush_spool(wait=wait)
        return inv.record(doc, site, webhook=webhook, wait=wait)
