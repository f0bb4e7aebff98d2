"""Scheduled runs: the systemd units `schedule install` writes, the cron line, and `watch`."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.inventory import InventoryError
from scanner.inventory.schedule import cron_line, parse_interval

from .builders import device, scan

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def systemd_split(line: str) -> list[str]:
    """ExecStart's words back, undoing the escapes systemd undoes ($$, %%, \\", \\\\)."""
    return [w.replace("$$", "$").replace("%%", "%") for w in shlex.split(line)]


def test_schedule_install_writes_a_timer_and_a_oneshot_service_running_the_command(tmp_path: Path) -> None:
    units = tmp_path / "units"
    args = ["scan", "198.18.0.0/24", "--site", "Block \"B\" 100% $HOME", "--db", str(tmp_path / "inv.sqlite")]
    result = cli("schedule", "install", "--every", "1d", "--unit-dir", str(units), "--name", "cctv-test", "--", *args)
    assert result.returncode == 0, result.stderr
    service = (units / "cctv-test.service").read_text()
    timer = (units / "cctv-test.timer").read_text()
    exec_line = next(l for l in service.splitlines() if l.startswith("ExecStart="))
    argv = systemd_split(exec_line.removeprefix("ExecStart="))
    assert argv[-len(args):] == args and argv[:3] == [sys.executable, "-m", "scanner"]
    assert "Type=oneshot" in service and "SuccessExitStatus=4 8 12" in service
    assert f"WorkingDirectory={ROOT}" in service
    assert "OnUnitActiveSec=86400s" in timer and "Unit=cctv-test.service" in timer and "WantedBy=timers.target" in timer
    if shutil.which("systemd-analyze"):
        check = subprocess.run(["systemd-analyze", "verify", "--man=no", str(units / "cctv-test.timer"), str(units / "cctv-test.service")],
                               capture_output=True, text=True, timeout=60)
        problems = [l for l in check.stderr.splitlines() if "cctv-test" in l and "network-online" not in l]
        assert problems == [], check.stderr
    removed = cli("schedule", "uninstall", "--unit-dir", str(units), "--name", "cctv-test")
    assert removed.returncode == 0 and not list(units.iterdir())


def test_cron_lines_for_intervals_cron_can_express_and_refusal_for_others() -> None:
    assert cron_line(parse_interval("15m"), ["scan", "x"]).split(" scan")[0].startswith("*/15 * * * *")
    assert cron_line(parse_interval("6h"), ["scan"]).startswith("0 */6 * * * ")
    assert cron_line(parse_interval("1d"), ["scan"]).startswith("0 0 * * * ")
    assert cron_line(parse_interval("1w"), ["scan"]).startswith("0 0 * * 0 ")
    for bad in ("7h", "90s", "45m"):
        with pytest.raises(InventoryError):
            cron_line(parse_interval(bad), ["scan"])
    for bad in ("0h", "soon", "-1d"):
        with pytest.raises(InventoryError):
            parse_interval(bad)
    out = cli("schedule", "install", "--every", "6h", "--cron", "--", "scan", "198.18.0.0/24", "--site", "hq")
    assert out.returncode == 0 and out.stdout.startswith("0 */6 * * * cd ") and out.stdout.rstrip().endswith("scan 198.18.0.0/24 --site hq")


def test_watch_runs_the_command_at_the_interval_and_returns_the_last_exit_code(tmp_path: Path) -> None:
    doc = tmp_path / "scan.json"
    doc.write_text(json.dumps(scan(device("198.18.0.10", "02:00:00:00:00:0a")).to_dict()))
    db = str(tmp_path / "inv.sqlite")
    out = cli("watch", "--every", "1s", "--max-runs", "2", "--", "record", str(doc), "--db", db, "--site", "hq")
    assert out.returncode == 0, out.stderr  # second run: nothing new, nothing restricted
    assert "run 1: exit 8" in out.stderr and "run 2: exit 0" in out.stderr
    scans = json.loads(cli("scans", "--db", db, "--json").stdout)
    assert [s["state"] for s in scans] == ["complete", "complete"]
