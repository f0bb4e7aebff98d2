"""CSV and XLSX device lists for removal teams, safe against formula injection.

A device chooses the strings we put in cells (banners, model names), so any text cell that a
spreadsheet could run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return, after leading spaces) is prefixed with a single quote, as OWASP's CSV-injection
guidance says; XLSX cells are also written with the string type so openpyxl never stores a
formula. Control characters XLSX cannot hold are replaced.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from .people import COLUMNS, table_row

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value: Any) -> Any:
    """A cell value no spreadsheet will evaluate; numbers pass as numbers."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.lstrip(" ").startswith(_TRIGGERS) or text.startswith(("\t", "\r", "\n")):
        return "'" + text
    return text


def write_csv(devices: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for device in devices:
            writer.writerow([safe_cell(v) for v in table_row(device)])


def write_xlsx(devices: list[dict[str, Any]], path: Path, summary: dict[str, Any]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Devices"
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for device in devices:
        ws.append([_xlsx_value(v) for v in table_row(device)])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    sheet = wb.create_sheet("Summary")
    for group in ("by_classification", "by_vendor", "by_site", "by_status"):
        sheet.append([group.replace("_", " ")])
        sheet[sheet.max_row][0].font = Font(bold=True)
        for key, n in summary.get(group, {}).items():
            sheet.append([_xlsx_value(key), n])
            sheet[sheet.max_row][0].data_type = "s"
        sheet.append([])
    wb.save(path)


def _xlsx_value(value: Any) -> Any:
    value = safe_cell(value)
    return _XLSX_ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value
