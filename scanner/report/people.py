"""Reports for people: the device list as CSV, XLSX, JSON or a self-contained HTML page.

Input is a list of device dicts as the inventory gives them (``Inventory.devices(evidence=
True)``) or as built from a scan document by ``rows_from_document``. This module picks the
columns and counts the summary; the writers live in ``csv_xlsx`` and ``html``.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..models import ScanDocument

COLUMNS = (
    "id", "site", "ip", "mac", "vendor", "platform_vendor", "model", "firmware", "serial",
    "device_type", "classification", "status", "location", "switch_port", "notes", "last_seen", "reasons",
)
FORMATS = ("csv", "xlsx", "json", "html")


def rows_from_document(doc: ScanDocument, site: str = "") -> list[dict[str, Any]]:
    """Devices of one scan document in the inventory's device form (no workflow status)."""
    out = []
    for i, d in enumerate(doc.to_dict()["devices"], start=1):
        loc = d.get("location")
        port = f"{loc['switch']} ({loc['switch_address']}) {loc['port']}" + (f" \"{loc['port_alias']}\"" if loc.get("port_alias") else "") \
            + (f" [{loc['uplink']}]" if loc.get("uplink") else "") if isinstance(loc, dict) else ""
        out.append(d | {"switch_port": port, "id": i, "site": site, "status": "", "location": "", "notes": "", "last_seen": doc.scan.finished})
    return out


def table_row(device: dict[str, Any]) -> list[Any]:
    """One device as the flat row of the CSV and XLSX reports (reasons joined by '; ')."""
    row = []
    for col in COLUMNS:
        value = device.get(col)
        if col == "reasons":
            value = "; ".join(str(r) for r in value or ())
        row.append("" if value is None else value)
    return row


def summary(devices: list[dict[str, Any]]) -> dict[str, Any]:
    def count(key: str) -> dict[str, int]:
        return dict(Counter(str(d.get(key) or "unknown") for d in devices).most_common())

    return {
        "devices": len(devices),
        "by_classification": count("classification"),
        "by_vendor": dict(Counter(str(d.get("platform_vendor") or d.get("vendor") or "unknown") for d in devices).most_common()),
        "by_site": count("site"),
        "by_status": count("status"),
    }


def write_report(devices: list[dict[str, Any]], fmt: str, output: Path, *, title: str = "cctv-scan report") -> Path:
    meta = {"title": title, "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    if fmt == "csv":
        from .csv_xlsx import write_csv

        write_csv(devices, output)
    elif fmt == "xlsx":
        from .csv_xlsx import write_xlsx

        write_xlsx(devices, output, summary(devices))
    elif fmt == "json":
        output.write_text(json.dumps({"report": meta, "summary": summary(devices), "devices": devices}, indent=2))
    elif fmt == "html":
        from .html import write_html

        write_html(devices, output, summary(devices), meta)
    else:
        raise ValueError(f"unknown report format {fmt!r}; one of {', '.join(FORMATS)}")
    return output
