"""What a newcomer meets first (issue 10): every inventory command names the inventory it read,
read-only commands refuse an inventory that does not exist, invalid option values are errors
listing the valid ones, empty answers say why, and tables stay readable at 80 columns."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from scanner.inventory.store import SYSTEM_DB, default_db
from scanner.models import Classification, ScanDocument
from scanner.report.table import render
from tests.inventory.builders import device, scan

ROOT = Path(__file__).resolve().parents[2]
R = Classification.RESTRICTED


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = dict(os.environ)
    full.pop("CCTV_SCAN_DB", None)
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=full)


@pytest.fixture
def recorded(tmp_path: Path) -> str:
    """An inventory holding one complete scan of site hq: one restricted device, one clear."""
    db = str(tmp_path / "inv.sqlite")
    doc = tmp_path / "scan.json"
    doc.write_text(json.dumps(scan(device("10.20.0.14", "44:19:b6:12:34:56", verdict=R, vendor="MakerA"),
                                   device("10.20.0.15", "00:04:63:00:00:01", vendor="MakerB")).to_dict()))
    rec = cli("record", str(doc), "--db", db, "--site", "hq")
    assert rec.returncode in (4, 12), rec.stderr
    return db


# ------------------------------------------------------------------ one inventory, named
def test_default_inventory_is_the_system_one_as_root_and_env_overrides(monkeypatch) -> None:
    monkeypatch.delenv("CCTV_SCAN_DATA", raising=False)
    if os.geteuid() == 0:
        assert default_db() == SYSTEM_DB == Path("/var/lib/cctv-scan/inventory.sqlite")
    monkeypatch.setenv("CCTV_SCAN_DATA", "/tmp/elsewhere")
    assert default_db() == Path("/tmp/elsewhere/inventory.sqlite")
    out = cli("inventory", "path", env={"CCTV_SCAN_DB": "/tmp/x/named.sqlite"})
    assert out.stdout.strip() == "/tmp/x/named.sqlite"


def test_every_inventory_command_says_which_inventory_it_read(recorded: str) -> None:
    for args in (["devices"], ["scans"], ["diff", "--site", "hq"], ["show", "10.20.0.14"],
                 ["mark", "44:19:b6:12:34:56", "scheduled", "--by", "J. Smith"]):
        out = cli(*args, "--db", recorded)
        assert out.returncode == 0, (args, out.stderr)
        said = [line for line in out.stderr.splitlines() if line.startswith("inventory:")]
        assert said == [f"inventory: {Path(recorded).resolve()}"], (args, out.stderr)


@pytest.mark.parametrize("args", [["devices"], ["scans"], ["diff", "--site", "hq"], ["show", "1"],
                                  ["report", "--format", "csv", "--output", "OUT"]])
def test_read_only_commands_refuse_an_inventory_that_does_not_exist(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "no" / "such.sqlite"
    args = [str(tmp_path / "out.csv") if a == "OUT" else a for a in args]
    out = cli(*args, "--db", str(missing))
    assert out.returncode == 2, out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(missing) in errors[0] and "no inventory" in errors[0]
    assert "Traceback" not in out.stderr
    assert not missing.exists() and not (tmp_path / "no").exists()
    assert not (tmp_path / "out.csv").exists()


def test_diff_after_the_first_scan_says_so_instead_of_scan_none(recorded: str) -> None:
    out = cli("diff", "--site", "hq", "--db", recorded)
    assert out.returncode == 0, out.stderr
    assert "None" not in out.stdout
    assert "first complete scan" in out.stdout


# ------------------------------------------------------------------ option values are choices
@pytest.mark.parametrize("args, valid", [
    (["devices", "--verdict", "bogus"], ["restricted", "review", "clear", "unidentified"]),
    (["devices", "--status", "bogus"], ["flagged", "scheduled", "removed", "verified", "reappeared"]),
    (["report", "--format", "pdf", "--output", "x.pdf"], ["csv", "xlsx", "json", "html"]),
    (["report", "--format", "csv", "--output", "x.csv", "--verdict", "bogus"], ["restricted", "review"]),
])
def test_an_invalid_option_value_is_an_error_listing_the_valid_ones(recorded: str, args: list[str], valid: list[str]) -> None:
    out = cli(*args, "--db", recorded)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "bogus" in out.stderr or "pdf" in out.stderr
    for v in valid:
        assert v in out.stderr, out.stderr
    assert "devices" not in out.stdout


def test_verdict_and_status_accept_any_case(recorded: str) -> None:
    out = cli("devices", "--verdict", "RESTRICTED", "--status", "Flagged", "--json", "--db", recorded)
    assert out.returncode == 0, out.stderr
    assert [d["ip"] for d in json.loads(out.stdout)] == ["10.20.0.14"]


def test_an_empty_answer_says_why(recorded: str) -> None:
    none_match = cli("devices", "--site", "hq", "--verdict", "review", "--db", recorded)
    assert none_match.returncode == 0
    assert "no devices: none of the 2 devices of site 'hq' match verdict 'review'" in none_match.stderr
    no_site = cli("devices", "--site", "lobby", "--db", recorded)
    assert "no site 'lobby'" in no_site.stderr and "hq" in no_site.stderr


# ------------------------------------------------------------------ tables at 80 and 120 columns
def _doc() -> ScanDocument:
    return scan(device("198.18.0.210", "44:19:b6:12:34:56", verdict=R, vendor="LongBrandName",
                       platform="Hangzhou-Hikvision-Digital"),
                device("198.18.0.11", "ac:cc:8e:49:45:78", vendor="Axis"))


@pytest.mark.parametrize("width", [80, 120])
def test_scan_table_keeps_ip_mac_and_maker_whole(width: int) -> None:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    render(_doc(), console)
    out = console.file.getvalue()
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "MAC" in out
    for whole in ("198.18.0.210", "44:19:b6:12:34:56", "Hangzhou-Hikvision-Digital", "ac:cc:8e:49:45:78"):
        assert whole in out, (whole, out)
    assert "…" not in out


def test_scan_table_wide_shows_every_column() -> None:
    console = Console(width=80, file=io.StringIO(), color_system=None)
    render(_doc(), console, wide=True)
    out = console.file.getvalue()
    for header in ("Brand", "Model", "Type", "Conf.", "Why"):
        assert header in out
    assert "left out" not in out


@pytest.mark.parametrize("width", [80, 120])
def test_devices_table_keeps_ip_and_mac_whole(recorded: str, width: int) -> None:
    out = cli("devices", "--db", recorded, env={"COLUMNS": str(width), "TERM": "dumb"})
    assert out.returncode == 0, out.stderr
    assert max(len(line) for line in out.stdout.splitlines()) <= width, out.stdout
    for whole in ("10.20.0.14", "44:19:b6:12:34:56", "00:04:63:00:00:01", "restricted", "MakerA"):
        assert whole in out.stdout, (whole, out.stdout)
    assert "…" not in out.stdout
    wide = cli("devices", "--db", recorded, "--wide", env={"COLUMNS": str(width), "TERM": "dumb"})
    assert "firmware" in wide.stdout and "location" in wide.stdout


# ------------------------------------------------------------------ one line, not a cascade
def test_a_scope_no_local_interface_faces_is_one_line_not_scapys_warnings(netpair) -> None:
    # Namespace a has 198.18.254.1/24 and no other route: nothing faces 10.99.0.0/30, nothing leaves.
    proc = subprocess.run(["ip", "netns", "exec", netpair.a, sys.executable, "-m", "scanner", "scan", "10.99.0.0/30",
                           "--timeout", "0.5"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert "No route found" not in out and "WARNING:" not in out, out
    said = [line for line in out.splitlines() if "no local interface faces 10.99.0.0/30" in line]
    assert len(said) == 1, out


def test_pcap_on_a_text_file_is_one_error_line_exit_2_and_no_table(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("these are my notes, not a capture\n")
    proc = cli("pcap", str(text))
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "not a pcap or pcapng capture" in lines[0], proc.stderr


def test_pcap_with_one_bad_file_says_each_problem_once_and_no_deadline_story(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("these are my notes, not a capture\n")
    proc = cli("pcap", str(text), str(ROOT / "pcaps" / "axis-p3245-lve.pcap"))
    assert proc.returncode == 1
    assert (proc.stdout + proc.stderr).count("not a pcap or pcapng capture") == 1
    assert "deadline" not in proc.stdout
    assert "ac:cc:8e:49:45:78" in proc.stdout


def test_cctv_scan_db_names_the_inventory_for_record_and_reads(tmp_path: Path) -> None:
    db = tmp_path / "env.sqlite"
    doc = tmp_path / "scan.json"
    doc.write_text(json.dumps(scan(device("10.20.0.14", "44:19:b6:12:34:56", verdict=R, vendor="MakerA")).to_dict()))
    env = {"CCTV_SCAN_DB": str(db)}
    rec = cli("record", str(doc), "--site", "hq", env=env)
    assert rec.returncode in (4, 12), rec.stderr
    assert db.exists()
    listed = cli("devices", "--json", env=env)
    assert listed.returncode == 0 and f"inventory: {db}" in listed.stderr
    assert [d["ip"] for d in json.loads(listed.stdout)] == ["10.20.0.14"]
