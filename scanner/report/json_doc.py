"""The scan document's JSON form: write, read, and validate against ``scan.schema.json``."""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from ..models import ScanDocument

SCHEMA_PATH = Path(__file__).with_name("scan.schema.json")
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024


@cache
def _validator() -> jsonschema_rs.Draft202012Validator:
    # jsonschema-rs rather than jsonschema: the same draft, but the pure-Python validator spent
    # 3.9 s on the document of a 1,000-device scan (0.02 s here), every time one is written or read
    return jsonschema_rs.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def validate(data: dict[str, Any]) -> list[str]:
    """Schema problems of a scan document in JSON form, one readable line each (empty: valid)."""
    return [f"{'/'.join(map(str, e.instance_path)) or '(root)'}: {e.message}" for e in _validator().iter_errors(data)]


def dump(doc: ScanDocument, path: str | Path) -> None:
    """Write the document atomically (a reader never sees half a file)."""
    data = doc.to_dict()
    problems = validate(data)
    if problems:
        raise ValueError("scan document does not match its schema: " + "; ".join(problems[:5]))
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: str | Path) -> ScanDocument:
    """Read and validate a scan document; ValueError (UnicodeDecodeError and JSONDecodeError
    included) for anything that is not a valid one."""
    path = Path(path)
    if path.stat().st_size > MAX_DOCUMENT_BYTES:
        raise ValueError(f"{path} is larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise ValueError(f"{path} is not a scan document (JSON nested too deeply)") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a scan document (not a JSON object)")
    problems = validate(data)
    if problems:
        raise ValueError(f"{path} is not a valid scan document: " + "; ".join(problems[:5]))
    return ScanDocument.from_dict(data)
