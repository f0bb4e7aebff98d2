"""Scans kept on local disk while the inventory database cannot be reached.

One JSON file per scan in ``<data dir>/spool`` (``CCTV_SCAN_SPOOL`` overrides): the scan
document, the site, and which database it was meant for (its URL without password). Files are
written whole (temporary name, then rename) so a crash never leaves half a file, and deleted
only after the scan is committed to its database.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..models import ScanDocument
from ._util import now
from .store import data_dir


def spool_dir() -> Path:
    override = os.environ.get("CCTV_SCAN_SPOOL")
    return Path(override) if override else data_dir() / "spool"


@dataclass(frozen=True)
class Spooled:
    path: Path
    target: str
    site: str
    document: ScanDocument


def spool(doc: ScanDocument, *, target: str, site: str, directory: Path | None = None) -> Path:
    directory = directory or spool_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = now().replace(":", "").replace("-", "").replace(".", "")
    path = directory / f"scan-{stamp}-{uuid.uuid4().hex[:8]}.json"
    tmp = path.with_suffix(".tmp")
    payload: dict[str, Any] = {"target": target, "site": site, "spooled_at": now(), "document": doc.to_dict()}
    tmp.write_text(json.dumps(payload))
    os.replace(tmp, path)
    return path


def pending(target: str, directory: Path | None = None) -> list[Spooled]:
    """Spooled scans meant for ``target``, oldest first. Unreadable files are left where they are."""
    directory = directory or spool_dir()
    out = []
    for path in sorted(directory.glob("scan-*.json")) if directory.is_dir() else []:
        try:
            data = json.loads(path.read_text())
            if data.get("target") != target:
                continue
            out.append(Spooled(path, data["target"], data["site"], ScanDocument.from_dict(data["document"])))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out
