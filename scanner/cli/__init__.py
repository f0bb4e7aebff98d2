"""The ``cctv-scan`` command: a thin layer over the library API (see ``scanner/__init__.py``)."""

from .app import app, main

__all__ = ["app", "main"]
