"""The device profiles shipped with the lab: find, load and check them.

A profile is one YAML file per device model in ``scanner/lab/profiles/``. It names the device,
its MAC (with the source of its OUI), what the scanner is expected to conclude about it, and
what each of its services answers, with the real-world source of every banner beside it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import LabError

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
# A directory of generated profiles (scanner.lab.replay writes one per corpus record) searched
# before the shipped ones; set in the environment so the device processes, started inside the
# lab's namespaces, find the same profiles as the process that built the lab.
EXTRA_PROFILES_ENV = "CCTVLAB_EXTRA_PROFILES"

REQUIRED_KEYS = ("name", "description", "mac", "mac_source", "expected", "services")
EXPECTED_KEYS = ("vendor", "platform_vendor", "device_type", "classification")
DEVICE_TYPES = frozenset({"camera", "nvr", "dvr", "encoder", "intercom", "other", "unknown"})
CLASSIFICATIONS = frozenset({"restricted", "review", "clear", "unidentified"})
_MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass(frozen=True)
class ProfileInfo:
    name: str
    description: str
    expected: dict[str, Any] = field(default_factory=dict)


def profile_names() -> list[str]:
    """Names of every shipped profile, sorted."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def profile_path(name: str) -> Path:
    if not _NAME_RE.match(name):
        raise LabError(f"invalid profile name {name!r}")
    extra = os.environ.get(EXTRA_PROFILES_ENV)
    path = PROFILE_DIR / f"{name}.yaml"
    if extra and (Path(extra) / f"{name}.yaml").is_file():
        path = Path(extra) / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(profile_names())
        raise LabError(f"no lab profile named {name!r} (known: {known})")
    return path


def load_profile(name: str) -> dict[str, Any]:
    """Load and check one profile by name; raise LabError if it is missing or malformed."""
    path = profile_path(name)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LabError(f"profile {name}: invalid YAML: {exc}") from exc
    problems = check_profile(doc, expected_name=name)
    if problems:
        raise LabError(f"profile {name}: " + "; ".join(problems))
    return doc


def list_profiles() -> list[ProfileInfo]:
    """Every shipped profile's name, description and expected verdict."""
    out = []
    for name in profile_names():
        doc = load_profile(name)
        out.append(ProfileInfo(name=doc["name"], description=doc["description"], expected=dict(doc["expected"])))
    return out


def check_profile(doc: Any, expected_name: str | None = None) -> list[str]:
    """Return the problems found in one profile document (empty when it is sound)."""
    if not isinstance(doc, dict):
        return ["not a mapping"]
    problems = [f"missing key {k!r}" for k in REQUIRED_KEYS if k not in doc]
    if problems:
        return problems
    if expected_name is not None and doc["name"] != expected_name:
        problems.append(f"name {doc['name']!r} differs from file name {expected_name!r}")
    if not isinstance(doc["mac"], str) or not _MAC_RE.match(doc["mac"]):
        problems.append(f"mac {doc['mac']!r} is not lower-case aa:bb:cc:dd:ee:ff")
    elif int(doc["mac"][:2], 16) & 1:
        problems.append("mac is a multicast address")
    expected = doc["expected"]
    if not isinstance(expected, dict):
        problems.append("expected is not a mapping")
    else:
        problems += [f"expected lacks {k!r}" for k in EXPECTED_KEYS if k not in expected]
        if expected.get("device_type") not in DEVICE_TYPES:
            problems.append(f"expected.device_type {expected.get('device_type')!r} not in {sorted(DEVICE_TYPES)}")
        if expected.get("classification") not in CLASSIFICATIONS:
            problems.append(f"expected.classification {expected.get('classification')!r} not in {sorted(CLASSIFICATIONS)}")
    services = doc["services"]
    if not isinstance(services, dict):
        problems.append("services is not a mapping")
        return problems
    for svc_name, cfg in services.items():
        if not isinstance(cfg, dict):
            problems.append(f"services.{svc_name} is not a mapping")
            continue
        problems += [f"services.{svc_name}: {p}" for p in unsourced_banners(cfg)]
    return problems


def unsourced_banners(cfg: dict[str, Any]) -> list[str]:
    """Banners (header lists, bodies) in an HTTP/HTTPS/RTSP section that name no source."""
    problems: list[str] = []
    if cfg.get("headers") and not cfg.get("headers_source"):
        problems.append("service-wide headers without headers_source")
    for group in ("routes", "methods"):
        entries = cfg.get(group) or {}
        if not isinstance(entries, dict):
            problems.append(f"{group} is not a mapping")
            continue
        for key, entry in entries.items():
            if not isinstance(entry, dict):
                problems.append(f"{group}[{key!r}] is not a mapping")
                continue
            if "same_as" in entry:
                if entry["same_as"] not in entries:
                    problems.append(f"{group}[{key!r}] same_as names unknown {entry['same_as']!r}")
                continue
            carries = entry.get("headers") or entry.get("body") or "status" in entry
            if carries and not entry.get("source"):
                problems.append(f"{group}[{key!r}] has no source")
    cert = cfg.get("certificate")
    if isinstance(cert, dict) and not cert.get("source"):
        problems.append("certificate has no source")
    return problems
