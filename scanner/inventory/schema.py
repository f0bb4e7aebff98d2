"""The inventory's tables (SQLAlchemy 2 declarative models), the same on SQLite and PostgreSQL.

A *device* is one physical thing with one identity across scans; a *sighting* is what one scan
saw of it (address, identity fields, verdict) with its *evidence*; a *status event* is one
change of a device's removal status or notes, with who made it and when. Scans and devices
belong to a *site*. Nothing here stores credentials: the scan document never carries any.

Changing these models means writing a new Alembic revision in ``migrations/versions``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The table Alembic keeps its revision in. Its presence is what marks a database as ours.
VERSION_TABLE = "cctv_inventory_version"


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Site(Base):
    __tablename__ = "inv_site"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[str] = mapped_column(String(40))


class Scan(Base):
    """One scan run. ``state`` is running (being recorded), complete, or incomplete (interrupted,
    or the scan document said it was partial). Only complete scans feed diffs and verification."""

    __tablename__ = "inv_scan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("inv_site.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="running")
    started: Mapped[str] = mapped_column(String(40), default="")
    finished: Mapped[str] = mapped_column(String(40), default="")
    recorded_at: Mapped[str] = mapped_column(String(40))
    scope: Mapped[list[Any]] = mapped_column(default=list)
    probes: Mapped[list[Any]] = mapped_column(default=list)
    info: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the rest of ScanInfo
    host: Mapped[str] = mapped_column(String(255), default="")  # which machine recorded it
    pid: Mapped[int] = mapped_column(Integer, default=0)
    device_count: Mapped[int] = mapped_column(Integer, default=0)

    site: Mapped[Site] = relationship()


class Device(Base):
    """A device's lasting identity, its latest known state and its place in the removal workflow."""

    __tablename__ = "inv_device"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("inv_site.id"), index=True)
    mac: Mapped[str | None] = mapped_column(String(17), index=True)
    serial: Mapped[str | None] = mapped_column(String(200), index=True)
    onvif_endpoint: Mapped[str | None] = mapped_column(String(300))
    ip: Mapped[str] = mapped_column(String(45))
    vendor: Mapped[str | None] = mapped_column(String(200))
    platform_vendor: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    firmware: Mapped[str | None] = mapped_column(String(200))
    device_type: Mapped[str] = mapped_column(String(20), default="unknown")
    classification: Mapped[str] = mapped_column(String(20), default="unidentified")
    status: Mapped[str] = mapped_column(String(20), default="seen")
    location: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    first_scan_id: Mapped[int] = mapped_column(ForeignKey("inv_scan.id"))
    last_scan_id: Mapped[int] = mapped_column(ForeignKey("inv_scan.id"))
    last_seen: Mapped[str] = mapped_column(String(40))

    site: Mapped[Site] = relationship()


class Sighting(Base):
    """What one scan saw of one device. ``device_id`` is empty for sightings of an incomplete scan:
    they are kept as recorded but never merged into the inventory."""

    __tablename__ = "inv_sighting"
    __table_args__ = (Index("ix_inv_sighting_scan_device", "scan_id", "device_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("inv_scan.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("inv_device.id"), index=True)
    ip: Mapped[str] = mapped_column(String(45))
    mac: Mapped[str | None] = mapped_column(String(17))
    serial: Mapped[str | None] = mapped_column(String(200))
    onvif_endpoint: Mapped[str | None] = mapped_column(String(300))
    vendor: Mapped[str | None] = mapped_column(String(200))
    platform_vendor: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    firmware: Mapped[str | None] = mapped_column(String(200))
    device_type: Mapped[str] = mapped_column(String(20), default="unknown")
    classification: Mapped[str] = mapped_column(String(20), default="unidentified")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    switch_port: Mapped[str | None] = mapped_column(String(300), default=None)  # "switch (address) port", from --switch
    document: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the device's full JSON form


class StatusEvent(Base):
    """One logged change: a status transition or an edit of location/notes, with who and when.
    ``scan_id`` names the scan that caused it (the proof of a verified removal)."""

    __tablename__ = "inv_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("inv_device.id"), index=True)
    at: Mapped[str] = mapped_column(String(40))
    by: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="status")  # status | location | notes
    old: Mapped[str] = mapped_column(Text, default="")
    new: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("inv_scan.id"))


class Meta(Base):
    """Key/value facts about the database itself (``app`` names the owner)."""

    __tablename__ = "inv_meta"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(Text)


APP_MARK = "cctv-scan inventory"
