"""`cctv-scan scan --db --site` records the scan it made, and its exit status says what it found."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys

import pytest

from scanner.lab import Lab
from tests.lab.conftest import needs_lab

pytestmark = [pytest.mark.lab, needs_lab]


def test_scan_with_db_records_and_exits_with_restricted_and_new_flags(tmp_path):
    db = str(tmp_path / "inventory.sqlite")
    with Lab(["hikvision-ds-2cd2143g2-i", "axis-p3245-lve"]) as lab:
        cmd = [sys.executable, "-m", "scanner", "scan", lab.subnet, "--quiet", "--timeout", "1.0",
               "--probes", "arp,ports,http,rtsp", "--db", db, "--site", "hq"]
        first = lab.run(cmd, capture_output=True, text=True, timeout=300)
        second = lab.run(cmd, capture_output=True, text=True, timeout=300)
        hik = next(d for d in lab.devices if d.profile_name.startswith("hikvision"))
    assert first.returncode == 4 + 8, first.stderr  # restricted present, and every device is new
    assert second.returncode == 4, second.stderr  # restricted still present, nothing new
    assert f"inventory {Path(db).resolve()}: scan #" in second.stderr  # names the inventory it wrote
    listed = subprocess.run([sys.executable, "-m", "scanner", "devices", "--db", db, "--site", "hq", "--json"],
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    devices = json.loads(listed.stdout)
    rows = devices if isinstance(devices, list) else devices["devices"]
    by_mac = {d["mac"]: d for d in rows}
    assert len(by_mac) == 2
    assert by_mac[hik.mac]["status"] == "flagged"


def test_a_capture_read_with_db_is_recorded_like_a_scan(tmp_path):
    from pathlib import Path

    capture = Path(__file__).resolve().parents[2] / "pcaps" / "hikvision-ds-2cd2143g2-i.pcap"
    db = str(tmp_path / "inventory.sqlite")
    cmd = [sys.executable, "-m", "scanner", "pcap", str(capture), "--quiet", "--db", db, "--site", "ward-7"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert first.returncode == 4 + 8, first.stderr
    listed = subprocess.run([sys.executable, "-m", "scanner", "devices", "--db", db, "--site", "ward-7", "--json"],
                            capture_output=True, text=True, timeout=60)
    rows = json.loads(listed.stdout)
    rows = rows if isinstance(rows, list) else rows["devices"]
    import yaml

    expect = yaml.safe_load(capture.with_suffix(".expect.yaml").read_text())
    flagged = [r for r in rows if r["status"] == "flagged"]
    assert [r["mac"] for r in flagged] == [expect["devices"][0]["mac"]]
