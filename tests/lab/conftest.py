"""Fixtures for the lab's own tests: skip cleanly where namespaces cannot be built."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest


def can_build_labs() -> bool:
    return os.geteuid() == 0 and shutil.which("ip") is not None


needs_lab = pytest.mark.skipif(not can_build_labs(), reason="needs root and iproute2 to build network namespaces")


def in_scanner(lab, code: str, timeout: float = 20) -> str:
    """Run Python ``code`` inside the lab's scanner namespace; return its stdout (fail on error)."""
    proc = lab.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"scanner-side script failed:\n{proc.stderr}"
    return proc.stdout


def in_namespace(ns: str, code: str, timeout: float = 20) -> subprocess.Popen:
    """Start Python ``code`` inside namespace ``ns`` (a device's), without waiting."""
    return subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", textwrap.dedent(code)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
