"""Reports for people: CSV and XLSX safe against formula injection, JSON, and the HTML page
checked in a real headless Chromium (no console errors, filter and sort work, hostile device
text stays text, a screenshot is taken)."""

from __future__ import annotations

import csv
import json
import re
import struct
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scanner.models import Classification, Evidence
from scanner.report.csv_xlsx import safe_cell
from scanner.report.people import COLUMNS, rows_from_document, summary, write_report

from tests.inventory.builders import device, scan
from .cdp import Browser, chromium_path

HOSTILE_MODEL = '=HYPERLINK("http://198.18.0.66/x","click")'
HOSTILE_BANNER = '</script><img src=x onerror="document.title=\'pwned\'">'


def devices() -> list[dict]:
    doc = scan(
        device("198.18.0.10", "02:00:00:00:00:0a", vendor="BrandA", verdict=Classification.RESTRICTED,
               evidence=(Evidence(probe="http", field="http.server", value=HOSTILE_BANNER, fingerprint="fp-one"),)),
        device("198.18.0.9", "02:00:00:00:00:0b", vendor="BrandB", verdict=Classification.CLEAR),
        device("198.18.0.100", "02:00:00:00:00:0c", vendor="+BrandC", verdict=Classification.REVIEW),
        device("198.18.0.11", None, vendor="@cmd", verdict=Classification.UNIDENTIFIED, firmware="-2+3"),
    )
    rows = rows_from_document(doc, site="hq")
    rows[0]["model"] = HOSTILE_MODEL
    rows[0]["status"] = "flagged"
    return rows


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("  =1", "'  =1"), ("plain", "plain"), (3, 3), (0.5, 0.5), ("", ""),
])
def test_safe_cell_defuses_formula_triggers_and_keeps_plain_values(value, expected) -> None:  # type: ignore[no-untyped-def]
    assert safe_cell(value) == expected


def test_csv_report_has_every_device_and_no_cell_a_spreadsheet_would_run(tmp_path: Path) -> None:
    out = write_report(devices(), "csv", tmp_path / "r.csv")
    rows = list(csv.reader(out.open(newline="", encoding="utf-8")))
    assert rows[0] == list(COLUMNS) and len(rows) == 5
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    model = rows[1][COLUMNS.index("model")]
    assert model == "'" + HOSTILE_MODEL
    assert rows[4][COLUMNS.index("firmware")] == "'-2+3"


def test_xlsx_report_stores_strings_never_formulas(tmp_path: Path) -> None:
    out = write_report(devices(), "xlsx", tmp_path / "r.xlsx")
    wb = load_workbook(out)
    ws = wb["Devices"]
    assert [c.value for c in ws[1]] == list(COLUMNS) and ws.max_row == 5
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
    assert ws.cell(row=2, column=COLUMNS.index("model") + 1).value == "'" + HOSTILE_MODEL
    summary_sheet = {r[0].value: r[1].value for r in wb["Summary"].iter_rows() if len(r) > 1 and r[1].value is not None}
    assert summary_sheet["restricted"] == 1 and summary_sheet["'+BrandC"] == 1


def test_json_report_carries_summary_and_devices(tmp_path: Path) -> None:
    data = json.loads(write_report(devices(), "json", tmp_path / "r.json").read_text())
    assert data["summary"]["by_classification"] == {"restricted": 1, "clear": 1, "review": 1, "unidentified": 1}
    assert data["summary"]["by_site"] == {"hq": 4} and len(data["devices"]) == 4


def test_html_report_is_self_contained(tmp_path: Path) -> None:
    page = write_report(devices(), "html", tmp_path / "r.html").read_text()
    markup = re.sub(r'(<script type="application/json" id="report-data">).*?(</script>)', r"\1\2", page, flags=re.S)
    assert markup.count("</script>") == 2, "the embedded data cannot close its script element"
    assert not re.search(r"<script[^>]+src|<link[^>]+stylesheet|@import|url\(", markup)
    assert re.findall(r"https?://[^\s\"']+", markup) == ["http://www.w3.org/2000/svg"]  # a namespace name, never fetched
    assert "default-src 'none'" in markup
    assert HOSTILE_BANNER not in page, "device text is escaped inside the embedded JSON"
    assert summary(devices())["devices"] == 4


def set_control(browser: Browser, element: str, value: str, event: str) -> None:
    """What a user's typing or choosing does: set the value, fire the event the page listens to."""
    browser.js(f"{{ const e = document.getElementById({json.dumps(element)}); e.value = {json.dumps(value)}; "
               f"e.dispatchEvent(new Event({json.dumps(event)})); }}")


def test_html_report_works_in_headless_chromium(tmp_path: Path) -> None:
    if chromium_path() is None:  # the README's test command installs it: a missing browser is a failure
        pytest.fail("this test drives the HTML report in headless Chromium: apt-get install -y chromium")
    page = write_report(devices(), "html", tmp_path / "report.html", title="Site hq")
    browser = Browser(tmp_path / "profile")
    try:
        browser.goto(page.as_uri())
        assert browser.js("document.title") == "Site hq", "hostile banner did not run"
        assert browser.js("document.querySelectorAll('img').length") == 0
        assert browser.js("document.querySelectorAll('#charts svg rect').length") >= 4
        cards = browser.js("[...document.querySelectorAll('.card b')].map(b => b.textContent)")
        assert cards == ["4", "1", "1", "1", "1"]
        visible = "[...document.querySelectorAll('tr.device')].filter(r => !r.hidden).map(r => r.children[0].textContent)"
        assert browser.js(visible) == ["198.18.0.9", "198.18.0.10", "198.18.0.11", "198.18.0.100"], "sorted by IP numerically"

        set_control(browser, "filter", "branda", "input")
        assert browser.js(visible) == ["198.18.0.10"]
        assert browser.js("document.getElementById('shown').textContent") == "1 of 4 devices shown"
        set_control(browser, "filter", "", "input")
        set_control(browser, "verdict", "review", "change")
        assert browser.js(visible) == ["198.18.0.100"]
        set_control(browser, "verdict", "", "change")

        browser.js("document.querySelector('th[data-col=\"ip\"]').click()")  # second click: descending
        assert browser.js(visible) == ["198.18.0.100", "198.18.0.11", "198.18.0.10", "198.18.0.9"]
        browser.js("document.querySelector('th[data-col=\"classification\"]').click()")
        assert browser.js(visible)[0] == "198.18.0.9"  # clear < restricted < review < unidentified

        browser.js("document.querySelector('tr.device[data-id=\"1\"]').click()")
        details = browser.js("document.querySelector('tr.device[data-id=\"1\"]').nextElementSibling")
        assert details is not None
        text = browser.js("document.querySelector('tr.device[data-id=\"1\"]').nextElementSibling.innerText")
        assert "test verdict restricted" in text and HOSTILE_BANNER in text and "fp-one" in text

        shot = browser.screenshot(tmp_path / "report.png")
        head = shot.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", head[16:24])[0] >= 800
        assert browser.errors() == []
    finally:
        browser.close()
