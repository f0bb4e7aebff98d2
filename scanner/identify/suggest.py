"""Turn observations no fingerprint matched into ready-to-review fingerprint entries.

The entry is YAML in the format of fingerprints/README.md: an anchored, escaped pattern, the
observed value as its example, and a TODO source the reviewer must replace (the self-test refuses
a TODO source, so an unreviewed suggestion can never pass as a fingerprint).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import yaml

from ..models import Evidence, ScanDocument
from .fingerprints import FingerprintDB
from .identity import DERIVED_PROBE

# Fields whose raw value makes a useful exact-match fingerprint; others are too long or volatile.
SKIP_FIELDS = frozenset({"port.open", "arp.mac", "http.body", "http.favicon", "http.favicon_mmh3"})
MAX_SUGGEST_CHARS = 300


def unmatched_evidence(doc: ScanDocument) -> list[tuple[str, Evidence]]:
    """(ip, evidence) for every observation that matched nothing, once per (field, value)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for device in doc.devices:
        for e in device.evidence:
            if e.fingerprint is not None or e.probe == DERIVED_PROBE or e.field in SKIP_FIELDS:
                continue
            if not e.value.strip() or len(e.value) > MAX_SUGGEST_CHARS or (e.field, e.value) in seen:
                continue
            seen.add((e.field, e.value))
            out.append((device.ip, e))
    return out


def suggest_entry(field: str, value: str, ip: str = "") -> dict[str, object]:
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:40].strip("-") or "value"
    fid = f"todo-{field.replace('.', '-').replace('_', '-')}-{slug}"
    return {
        "id": fid,
        "description": f"TODO: what sends {field} {value[:60]!r}",
        "pattern": f"^{re.escape(value)}$",
        "strength": "medium",
        "params": {},
        "source": f"TODO: name the source (device model, capture){' - seen at ' + ip if ip else ''}",
        "examples": [{"value": value}],
    }


def suggest(doc: ScanDocument, db: FingerprintDB | None = None) -> str:
    """YAML text: per field, a file header comment and the suggested entries under it.

    With ``db``, only fields some fingerprint file matches are suggested (there is a file to
    add the entry to); the rest (per-unit values such as endpoints, addresses, clocks) are
    counted in a closing comment instead of flooding the output."""
    by_field: dict[str, list[dict[str, object]]] = {}
    left_out: dict[str, int] = {}
    for ip, e in unmatched_evidence(doc):
        if db is not None and not db.files_for(e.field):
            left_out[e.field] = left_out.get(e.field, 0) + 1
            continue
        by_field.setdefault(e.field, []).append(suggest_entry(e.field, e.value, ip))
    text = render(by_field.items())
    if left_out:
        fields = ", ".join(f"{f} ({n})" for f, n in sorted(left_out.items()))
        text += f"# not suggested: {sum(left_out.values())} observation(s) in fields no fingerprint file matches: {fields}\n"
    return text


def render(groups: Iterable[tuple[str, list[dict[str, object]]]]) -> str:
    parts = []
    for field, entries in groups:
        parts.append(f"# ---- field {field}: add to the fingerprint file whose 'matches' is {field}\n")
        parts.append(yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100))
    return "".join(parts)
