"""Posting a run's JSON summary to a webhook URL (http or https only). A failed post is a
warning on the result, never a failed scan: the scan is already safe in the inventory."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

TIMEOUT = 10.0


def post_summary(url: str, summary: dict[str, Any], timeout: float = TIMEOUT) -> str | None:
    """POST ``summary`` as JSON; return None on a 2xx answer, else a one-line reason."""
    if urlsplit(url).scheme not in ("http", "https"):
        return f"webhook {url!r} is not an http(s) URL; not posted"
    try:
        reply = requests.post(url, json=summary, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        return f"webhook post failed: {type(exc).__name__}: {exc}"
    if not 200 <= reply.status_code < 300:
        return f"webhook answered HTTP {reply.status_code}"
    return None
