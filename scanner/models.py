"""Plain result types shared by every layer: observations, probe attempts, devices, scan documents.

This module sits at the bottom of the house: it imports nothing from the rest of the package.
Every result is a frozen dataclass; the scan document has one JSON form, versioned by
``SCHEMA_VERSION`` and described by ``scanner/report/scan.schema.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

SCHEMA_VERSION = 3
# version 1 documents have no ``location``; version 3 adds the device types ``encoder`` and
# ``intercom`` (a version 1 or 2 document never holds them, so every older document reads as is)
READABLE_SCHEMA_VERSIONS = (1, 2, 3)


class Classification(StrEnum):
    RESTRICTED = "restricted"
    REVIEW = "review"
    CLEAR = "clear"
    UNIDENTIFIED = "unidentified"


class DeviceType(StrEnum):
    CAMERA = "camera"
    NVR = "nvr"
    DVR = "dvr"
    ENCODER = "encoder"  # a video encoder/server that streams analogue cameras onto the network
    INTERCOM = "intercom"  # a video door station or indoor station (it carries a camera)
    OTHER = "other"
    UNKNOWN = "unknown"


class AttemptStatus(StrEnum):
    """How one probe attempt against one target ended. Failures are data, not exceptions."""

    OK = "ok"
    NO_REPLY = "no_reply"  # nothing came back (closed port, silent host): normal, not an error
    TIMEOUT = "timeout"  # a connection was made but the peer stalled
    REFUSED = "refused"
    AUTH_REQUIRED = "auth_required"  # the device wants credentials we do not have: normal, not an error
    UNREACHABLE = "unreachable"
    PERMISSION = "permission"  # e.g. raw sockets without root
    MALFORMED = "malformed"  # the peer sent bytes we could not parse
    TOO_LARGE = "too_large"  # the peer sent more than our cap; what fit was kept
    SKIPPED = "skipped"
    ERROR = "error"  # a bug on our side; recorded, never fatal


@dataclass(frozen=True, slots=True)
class Observation:
    """One fact a probe saw on the wire, before any interpretation.

    ``field`` is a dotted key naming what was seen (``http.server``, ``rtsp.server``,
    ``arp.mac``); the fingerprint files in ``fingerprints/`` say which field they match.
    """

    ip: str
    probe: str
    field: str
    value: str
    port: int | None = None


@dataclass(frozen=True, slots=True)
class ProbeAttempt:
    probe: str
    target: str
    status: AttemptStatus
    detail: str = ""
    elapsed: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status not in (AttemptStatus.OK, AttemptStatus.NO_REPLY, AttemptStatus.SKIPPED, AttemptStatus.AUTH_REQUIRED)


@dataclass(frozen=True, slots=True)
class Host:
    """A live address found by a discovery probe."""

    ip: str
    mac: str | None = None
    source: str = ""


@dataclass(slots=True)
class ProbeOutput:
    """What one probe run returns: hosts (discovery probes), observations and attempts."""

    hosts: list[Host] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    attempts: list[ProbeAttempt] = field(default_factory=list)

    def extend(self, other: ProbeOutput) -> None:
        self.hosts.extend(other.hosts)
        self.observations.extend(other.observations)
        self.attempts.extend(other.attempts)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One line of evidence behind a device's identity: what was seen, and which fingerprint
    (if any) turned it into a conclusion."""

    probe: str
    field: str
    value: str
    fingerprint: str | None = None
    port: int | None = None
    concludes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Location:
    """Where a device is plugged in, as the switch's own forwarding table says (``scanner.locate``).

    ``certainty`` is ``port`` when the MAC was learned on an access port (the device's own
    port), ``behind_uplink`` when it was only seen on an uplink (a port carrying many MACs or
    with an LLDP neighbour): then ``uplink`` names that port and, if known, its neighbour.
    """

    switch: str
    switch_address: str
    port: str
    port_alias: str = ""
    vlan: int | None = None
    certainty: str = "port"
    uplink: str | None = None


@dataclass(frozen=True, slots=True)
class Device:
    ip: str
    mac: str | None = None
    vendor: str | None = None
    platform_vendor: str | None = None
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None
    device_type: DeviceType = DeviceType.UNKNOWN
    classification: Classification = Classification.UNIDENTIFIED
    confidence: float = 0.0
    reasons: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    oui_vendor: str | None = None
    open_ports: tuple[int, ...] = ()
    conflicts: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class ScanInfo:
    started: str
    finished: str
    scope: tuple[str, ...]
    probes: tuple[str, ...]
    tool_version: str = ""
    policy: str = ""
    mode: str = "active"
    complete: bool = True
    attempts: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    # switches read with --switch (schema 2): {"address", "name", "answered", "macs": [every MAC
    # in its forwarding table]}; lets a rescan show that a removed device's port no longer sees it
    switches: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class ScanDocument:
    scan: ScanInfo
    devices: tuple[Device, ...] = ()
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "scan": _plain(asdict(self.scan)),
            "devices": [_plain(asdict(d)) for d in self.devices],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanDocument:
        """Rebuild a document from its JSON form (validate it first with ``report.validate``)."""
        version = data.get("schema_version")
        if version not in READABLE_SCHEMA_VERSIONS:
            raise ValueError(f"scan document has schema_version {version!r}; this tool reads "
                             + ", ".join(map(str, READABLE_SCHEMA_VERSIONS)))
        s = dict(data["scan"])
        for key in ("scope", "probes", "warnings", "switches"):
            s[key] = tuple(s.get(key, ()))
        devices = []
        for raw in data.get("devices", []):
            d = dict(raw)
            d["device_type"] = DeviceType(d.get("device_type", "unknown"))
            d["classification"] = Classification(d.get("classification", "unidentified"))
            d["evidence"] = tuple(Evidence(**e) for e in d.get("evidence", ()))
            for key in ("reasons", "open_ports", "conflicts", "problems"):
                d[key] = tuple(d.get(key, ()))
            d["location"] = Location(**d["location"]) if d.get("location") else None
            devices.append(Device(**d))
        return cls(scan=ScanInfo(**s), devices=tuple(devices))  # read as any version, written as the current one


def _plain(value: Any) -> Any:
    """Tuples to lists, enums to their values: the JSON form."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    return value
