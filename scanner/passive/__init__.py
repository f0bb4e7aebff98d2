"""Passive discovery: find and identify devices from traffic seen on the wire (capture files
or a live interface), sending nothing. Frames become the same observations the active probes
make, then go through the same identification and scan document."""

from .capture import CaptureError, CaptureStats, read_capture
from .collector import Collector, PassiveResult
from .run import PassiveRun, document, listen, read_files

__all__ = [
    "CaptureError", "CaptureStats", "Collector", "PassiveResult", "PassiveRun",
    "document", "listen", "read_capture", "read_files",
]
