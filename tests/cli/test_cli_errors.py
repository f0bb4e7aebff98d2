"""Bad arguments end with one line and exit status 2, never a traceback (nothing is sent)."""

import subprocess
import sys

import pytest

from scanner.models import SCHEMA_VERSION


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "args, message",
    [
        (["scan", "10.0.0.300/24"], "invalid target"),
        (["scan", "8.8.8.0/24"], "--allow-public"),
        (["scan", "10.0.0.0/8"], "more than the limit"),
        (["scan", "198.18.0.0/24", "--probes", "nosuch"], "unknown probe"),
    ],
)
def test_bad_scan_arguments_exit_2_with_one_line(args, message):
    proc = cli(*args)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert len([line for line in proc.stderr.splitlines() if line.strip()]) <= 2


def test_version_names_the_schema():
    proc = cli("version")
    assert proc.returncode == 0
    assert f"schema {SCHEMA_VERSION}" in proc.stdout


@pytest.mark.parametrize("command", [["scan"], ["demo"], ["lab"], ["version"]])
def test_every_command_has_help_with_examples_where_it_acts(command):
    proc = cli(*command, "--help")
    assert proc.returncode == 0
    if command[0] in ("scan", "demo", "lab"):
        assert "Examples" in proc.stdout
