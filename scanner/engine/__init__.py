"""The scan engine: runs the probes over a scope and turns what they saw into a scan document."""

from .runner import Collected, ScanConfig, ScanObserver, collect, run_scan

__all__ = ["Collected", "ScanConfig", "ScanObserver", "collect", "run_scan"]
