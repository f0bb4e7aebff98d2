"""The device's plain-HTTP web server (see ``_httpcore`` for how answers are built)."""

from __future__ import annotations

from typing import Any

from ._httpcore import HttpService
from .base import DeviceContext


def start(device: DeviceContext, config: dict[str, Any]) -> HttpService:
    return HttpService(device, config, int(config.get("port", 80)), tls=None)
