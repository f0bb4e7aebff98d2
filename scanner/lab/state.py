"""What a lab is made of, recorded on disk so that any process can list or remove it.

Each lab writes ``/run/cctv-scan/labs/<lab_id>.json`` *before* it creates anything, and updates
it as device processes start, so that a run killed at any point leaves enough behind for
``lab_down`` to clean up. ``CCTVLAB_STATE_DIR`` overrides the directory.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import LabError

NS_PREFIX = "cctvlab-"
_LAB_ID_RE = re.compile(r"^[a-z0-9]{1,12}$")


def state_dir() -> Path:
    return Path(os.environ.get("CCTVLAB_STATE_DIR", "/run/cctv-scan/labs"))


def check_lab_id(lab_id: str) -> str:
    if not _LAB_ID_RE.match(lab_id):
        raise LabError(f"lab id {lab_id!r} must be 1-12 lower-case letters or digits")
    return lab_id


@dataclass(frozen=True)
class LabDevice:
    name: str  # unique in the lab: the profile name, with -2, -3... for repeats
    profile_name: str
    ip: str
    mac: str
    namespace: str
    expected: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LabState:
    lab_id: str
    subnet: str
    scanner_ns: str
    scanner_ip: str
    switch_ns: str
    devices: tuple[LabDevice, ...]
    namespaces: tuple[str, ...]
    pids: tuple[int, ...]
    blocked_multicast: tuple[str, ...] = ()
    persistent: bool = False
    owner_pid: int = 0
    created: str = ""
    healthy: bool = True  # filled in by lab_status: every namespace present, every device process alive

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc.pop("healthy")
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> "LabState":
        devices = tuple(LabDevice(**d) for d in doc.get("devices", []))
        return cls(
            lab_id=doc["lab_id"], subnet=doc["subnet"], scanner_ns=doc["scanner_ns"],
            scanner_ip=doc["scanner_ip"], switch_ns=doc["switch_ns"], devices=devices,
            namespaces=tuple(doc.get("namespaces", [])), pids=tuple(doc.get("pids", [])),
            blocked_multicast=tuple(doc.get("blocked_multicast", [])),
            persistent=bool(doc.get("persistent", False)), owner_pid=int(doc.get("owner_pid", 0)),
            created=str(doc.get("created", "")),
        )


def state_path(lab_id: str) -> Path:
    return state_dir() / f"{check_lab_id(lab_id)}.json"


def write_state(state: LabState) -> None:
    path = state_path(state.lab_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(state.to_json(), indent=2), encoding="utf-8")
    os.replace(tmp, path)


def read_state(lab_id: str) -> LabState | None:
    path = state_path(lab_id)
    try:
        return LabState.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        raise LabError(f"lab state file {path} is unreadable: {exc}") from exc


def recorded_lab_ids() -> list[str]:
    try:
        return sorted(p.stem for p in state_dir().glob("*.json") if _LAB_ID_RE.match(p.stem))
    except FileNotFoundError:
        return []


def remove_state(lab_id: str) -> None:
    state_path(lab_id).unlink(missing_ok=True)


def log_dir(lab_id: str) -> Path:
    return state_dir() / check_lab_id(lab_id)
