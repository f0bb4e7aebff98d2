"""Where the data files live: ``fingerprints/`` beside the package in a source checkout, or
``scanner/_data/fingerprints`` inside an installed wheel (pyproject force-includes it there)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

_PACKAGE = Path(__file__).resolve().parent
ENV_VAR = "CCTV_SCAN_FINGERPRINTS"


def fingerprints_dir() -> Path:
    """The fingerprint database directory (``$CCTV_SCAN_FINGERPRINTS`` overrides)."""
    override = os.environ.get(ENV_VAR)
    candidates = [Path(override)] if override else []
    candidates += [_PACKAGE / "_data" / "fingerprints", _PACKAGE.parent / "fingerprints"]
    for path in candidates:
        if (path / "vendors.yaml").is_file() or (path / "ports.yaml").is_file():
            return path
    raise FileNotFoundError(f"fingerprint database not found (looked in {', '.join(map(str, candidates))})")


@cache
def load_yaml(name: str) -> Any:
    """A YAML data file from the fingerprint directory, parsed safely (no object tags)."""
    with open(fingerprints_dir() / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)
