"""The self-contained HTML report: one file, inline CSS and JavaScript, no network needed.

The device data goes into the page as JSON inside a ``<script type="application/json">``
block with ``<``, ``>`` and ``&`` escaped, and the page's script builds every element with
``textContent``: text a device sent can never become markup or script. A Content-Security-Policy
forbids any network fetch from the page.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).with_name("templates") / "report.html"


def embed_json(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_html(devices: list[dict[str, Any]], summary: dict[str, Any], meta: dict[str, Any]) -> str:
    page = TEMPLATE.read_text(encoding="utf-8")
    data = {"meta": meta, "summary": summary, "devices": devices}
    values = {"__TITLE__": html.escape(str(meta.get("title", "cctv-scan report"))), "__DATA__": embed_json(data)}
    return re.sub("__TITLE__|__DATA__", lambda m: values[m.group(0)], page)  # one pass: data cannot inject markers


def write_html(devices: list[dict[str, Any]], path: Path, summary: dict[str, Any], meta: dict[str, Any]) -> None:
    path.write_text(render_html(devices, summary, meta), encoding="utf-8")
