"""Recording one scan into the inventory, safely against crashes and overlapping runs.

A run takes the scan lock, writes a ``running`` scan row, stores the devices seen as sightings
in small committed batches, then merges them into the inventory in ONE transaction that also
marks the scan ``complete``. A run killed at any point (even SIGKILL) leaves earlier scans
intact and its own row ``running`` with unmerged sightings; the next run (or reader) that can
take the lock marks it ``incomplete``. Incomplete scans are kept, listed as such, and never
used for diffs, device state or verification.

Exit codes of a recorded run (``RecordResult.exit_code``) are bit flags on top of 0:
``4`` restricted devices are present, ``8`` devices appeared that the previous complete scan
of the site did not see (``12`` = both).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Classification, ScanDocument
from ._util import in_scope, now
from .diff import diff_scans
from .identity import Keys, Matcher, normalize_mac, normalize_serial, onvif_endpoint
from .lock import ScanLock
from .schema import Device, Scan, Sighting, Site
from .store import Store
from .webhook import post_summary
from .workflow import change_status

BATCH = 200
EXIT_RESTRICTED = 4
EXIT_NEW = 8
RESTRICTED = Classification.RESTRICTED.value


@dataclass(frozen=True)
class RecordResult:
    """What recording one scan did. ``state`` is complete, incomplete, or spooled (kept on disk
    because the database was unreachable; ``spooled`` names the file)."""

    site: str
    state: str
    scan_id: int | None
    devices: int
    restricted: int
    diff: dict[str, Any] | None = None
    flagged: tuple[int, ...] = ()
    verified: tuple[int, ...] = ()
    reappeared: tuple[int, ...] = ()
    spooled: Path | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def new(self) -> int:
        return len(self.diff["new"]) if self.diff else 0

    @property
    def exit_code(self) -> int:
        return (EXIT_RESTRICTED if self.restricted else 0) | (EXIT_NEW if self.new else 0)

    def summary(self) -> dict[str, Any]:
        """The JSON summary posted to webhooks and printed by ``--json`` runs."""
        out: dict[str, Any] = {
            "tool": "cctv-scan",
            "site": self.site,
            "scan_id": self.scan_id,
            "state": self.state,
            "devices": self.devices,
            "restricted": self.restricted,
            "exit_code": self.exit_code,
            "flagged": list(self.flagged),
            "verified": list(self.verified),
            "reappeared": list(self.reappeared),
            "warnings": list(self.warnings),
        }
        for key in ("new", "gone", "moved", "changed"):
            out[key] = self.diff[key] if self.diff else []
        if self.spooled:
            out["spooled"] = str(self.spooled)
        return out


class ScanRun:
    """One scan's recording. Use as a context manager around the scan itself::

        with ScanRun(store, "hq", wait=60) as run:   # locks; the scan row says "running"
            doc = engine.scan(...)
            result = run.finish(doc, webhook=url)
    """

    def __init__(self, store: Store, site: str, *, wait: float = 0.0) -> None:
        self.store = store
        self.site = site
        self.wait = wait
        self.lock = ScanLock(store, site)
        self.scan_id: int | None = None
        self.site_id: int | None = None
        self.finished = False

    def __enter__(self) -> ScanRun:
        self.start()
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        try:
            if self.scan_id is not None and not self.finished:
                with self.store.session() as s, s.begin():
                    s.execute(update(Scan).where(Scan.id == self.scan_id).values(state="incomplete"))
        finally:
            self.lock.release()

    def start(self) -> int:
        self.lock.acquire(self.wait)
        try:
            return self._begin()
        except BaseException:
            self.lock.release()
            raise

    def _begin(self) -> int:
        with self.store.session() as s, s.begin():
            site = ensure_site(s, self.site)
            self.site_id = site.id
            stale = Scan.state == "running"
            if self.store.backend != "sqlite":  # PostgreSQL locks per site; SQLite per file
                stale = stale & (Scan.site_id == site.id)
            s.execute(update(Scan).where(stale).values(state="incomplete"))
            scan = Scan(
                site_id=site.id, state="running", recorded_at=now(), scope=[], probes=[], info={},
                host=socket.gethostname()[:255], pid=os.getpid(), device_count=0,
            )
            s.add(scan)
            s.flush()
            self.scan_id = scan.id
        return scan.id

    def finish(self, doc: ScanDocument, *, webhook: str | None = None) -> RecordResult:
        assert self.scan_id is not None, "start() first"
        info = doc.to_dict()
        with self.store.session() as s, s.begin():
            scan = s.get_one(Scan, self.scan_id)
            scan.started, scan.finished = _clip(doc.scan.started, 40) or "", _clip(doc.scan.finished, 40) or ""
            scan.scope, scan.probes = list(doc.scan.scope), list(doc.scan.probes)
            scan.info = {k: v for k, v in info["scan"].items() if k not in ("started", "finished", "scope", "probes")}
        for start in range(0, len(doc.devices), BATCH):
            with self.store.session() as s, s.begin():
                for device, plain in zip(doc.devices[start : start + BATCH], info["devices"][start : start + BATCH]):
                    s.add(_sighting(self.scan_id, device, plain))
        restricted = sum(1 for d in doc.devices if d.classification == Classification.RESTRICTED)
        if not doc.scan.complete:
            with self.store.session() as s, s.begin():
                s.execute(update(Scan).where(Scan.id == self.scan_id).values(state="incomplete", device_count=len(doc.devices)))
            self.finished = True
            return RecordResult(self.site, "incomplete", self.scan_id, len(doc.devices), restricted,
                                warnings=("the scan was partial: kept, but not merged into the inventory",))
        with self.store.session() as s, s.begin():
            previous = s.scalars(
                select(Scan.id).where(Scan.site_id == self.site_id, Scan.state == "complete", Scan.id < self.scan_id)
                .order_by(Scan.id.desc()).limit(1)
            ).first()
            flagged, verified, reappeared = merge(s, s.get_one(Scan, self.scan_id))
        self.finished = True
        with self.store.session() as s:
            diff = diff_scans(s, previous, self.scan_id)
        result = RecordResult(self.site, "complete", self.scan_id, len(doc.devices), restricted, diff,
                              tuple(flagged), tuple(verified), tuple(reappeared))
        if webhook:
            problem = post_summary(webhook, result.summary())
            if problem:
                result = replace(result, warnings=result.warnings + (problem,))
        return result


def ensure_site(s: Session, name: str) -> Site:
    site = s.scalars(select(Site).where(Site.name == name)).first()
    if site is None:
        site = Site(name=_clip(name, 200) or "default", created_at=now())
        s.add(site)
        s.flush()
    return site


def merge(s: Session, scan: Scan) -> tuple[list[int], list[int], list[int]]:
    """Match the scan's sightings to devices, update them, run the workflow; mark the scan
    complete. Runs inside the caller's transaction: all of it happens, or none."""
    known = list(s.scalars(select(Device).where(Device.site_id == scan.site_id)))
    matcher = Matcher(known)
    by = f"scan #{scan.id}"
    flagged: list[int] = []
    verified: list[int] = []
    reappeared: list[int] = []
    seen: set[int] = set()
    sightings = list(s.scalars(select(Sighting).where(Sighting.scan_id == scan.id).order_by(Sighting.id)))
    for sg in sightings:
        found, _how = matcher.match(Keys(sg.ip, sg.mac, normalize_serial(sg.serial), sg.onvif_endpoint))
        if found is None:
            dev = Device(
                site_id=scan.site_id, status="seen", location="", notes="", first_scan_id=scan.id,
                ip=sg.ip, device_type=sg.device_type, classification=sg.classification,
                last_scan_id=scan.id, last_seen=now(),
            )
            _update(dev, sg, scan)
            s.add(dev)
            s.flush()
            matcher.add(dev)
            if dev.classification == RESTRICTED:
                change_status(s, dev, "flagged", by=by, note="restricted device found", scan_id=scan.id)
                flagged.append(dev.id)
        else:
            dev = found  # type: ignore[assignment]
            _update(dev, sg, scan)
            if dev.status in ("removed", "verified"):
                change_status(s, dev, "reappeared", by=by, note=f"seen again at {sg.ip}", scan_id=scan.id)
                reappeared.append(dev.id)
            elif dev.status == "seen" and dev.classification == RESTRICTED:
                change_status(s, dev, "flagged", by=by, note="now classified restricted", scan_id=scan.id)
                flagged.append(dev.id)
        sg.device_id = dev.id
        seen.add(dev.id)
    for dev in known:
        if dev.id not in seen and dev.status == "removed" and in_scope(dev.ip, scan.scope):
            note = f"not seen at {dev.ip} by complete scan #{scan.id}" + _port_no_longer_sees(s, dev, scan)
            change_status(s, dev, "verified", by=by, note=note, scan_id=scan.id)
            verified.append(dev.id)
    scan.state = "complete"
    scan.device_count = len(sightings)
    return flagged, verified, reappeared


def _update(dev: Device, sg: Sighting, scan: Scan) -> None:
    """The device's state becomes what this scan saw; a field this scan could not read keeps its
    last known value, and an ``unidentified`` verdict does not erase a real one."""
    dev.ip = sg.ip
    for name in ("mac", "serial", "onvif_endpoint", "vendor", "platform_vendor", "model", "firmware"):
        value = getattr(sg, name)
        if value:
            setattr(dev, name, value)
    if sg.device_type != "unknown" or not dev.device_type:
        dev.device_type = sg.device_type
    if sg.classification != Classification.UNIDENTIFIED.value or not dev.classification:
        dev.classification = sg.classification
    dev.last_scan_id = scan.id
    dev.last_seen = scan.finished or now()


def _sighting(scan_id: int, device: Any, plain: dict[str, Any]) -> Sighting:
    return Sighting(
        scan_id=scan_id,
        ip=_clip(device.ip, 45) or "",
        mac=normalize_mac(device.mac),
        serial=_clip(device.serial, 200),
        onvif_endpoint=onvif_endpoint(device),
        vendor=_clip(device.vendor, 200),
        platform_vendor=_clip(device.platform_vendor, 200),
        model=_clip(device.model, 200),
        firmware=_clip(device.firmware, 200),
        device_type=str(device.device_type.value if hasattr(device.device_type, "value") else device.device_type),
        classification=str(device.classification.value if hasattr(device.classification, "value") else device.classification),
        confidence=float(device.confidence or 0.0),
        switch_port=_clip(switch_port(device.location), 300),
        document=_scrub(plain),
    )


def _port_no_longer_sees(s: Session, dev: Device, scan: Scan) -> str:
    """``; switch X port P no longer sees MAC`` when this scan read the switch the device was last
    located on and its forwarding table no longer holds the device's MAC (else empty)."""
    if not dev.mac:
        return ""
    last = s.scalars(select(Sighting).where(Sighting.device_id == dev.id, Sighting.switch_port.is_not(None))
                     .order_by(Sighting.scan_id.desc()).limit(1)).first()
    loc = (last.document or {}).get("location") if last is not None else None
    if not isinstance(loc, dict):
        return ""
    for sw in (scan.info or {}).get("switches", ()):
        if isinstance(sw, dict) and sw.get("address") == loc.get("switch_address") and sw.get("answered"):
            if dev.mac not in set(sw.get("macs", ())):
                return f"; switch {loc.get('switch')} port {loc.get('port')} no longer sees {dev.mac}"
    return ""


def switch_port(location: Any) -> str | None:
    """One comparable line for a device's switch port (None when no switch was read)."""
    if not location:
        return None
    get = location.get if isinstance(location, dict) else lambda k: getattr(location, k, None)
    return f"{get('switch')} ({get('switch_address')}) {get('port')}"


def _clip(value: str | None, size: int) -> str | None:
    """Device-sent text made storable everywhere: NUL bytes replaced (PostgreSQL refuses them),
    cut to the column's size."""
    if value is None:
        return None
    return str(value).replace("\x00", "\ufffd")[:size]


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value
