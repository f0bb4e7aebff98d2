"""The inventory commands as a user runs them: real processes, JSON on stdout, exit codes,
and a webhook posted to a small HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from scanner.models import Classification

from .builders import device, scan

ROOT = Path(__file__).resolve().parents[2]
R = Classification.RESTRICTED


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def write(tmp_path: Path, name: str, doc) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(json.dumps(doc.to_dict()))
    return str(path)


class Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", "0"))
        Hook.received.append(json.loads(self.rfile.read(min(length, 1 << 20))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


def test_record_devices_mark_diff_and_webhook_through_the_command_line(inventory_db: str, tmp_path: Path) -> None:
    one = write(tmp_path, "one.json", scan(device("198.18.0.10", "02:00:00:00:00:0a", verdict=R), device("198.18.0.11", "02:00:00:00:00:0b")))
    two = write(tmp_path, "two.json", scan(device("198.18.0.12", "02:00:00:00:00:0a", verdict=R)))
    clean = write(tmp_path, "three.json", scan(device("198.18.0.11", "02:00:00:00:00:0b")))

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Hook.received.clear()
    try:
        first = cli("record", one, "--db", inventory_db, "--site", "hq", "--webhook", f"http://127.0.0.1:{server.server_port}/hook")
    finally:
        server.shutdown()
    assert first.returncode == 12, first.stderr  # restricted present (4) + new devices (8)
    assert len(Hook.received) == 1
    posted = Hook.received[0]
    assert posted["site"] == "hq" and posted["restricted"] == 1 and posted["exit_code"] == 12
    assert sorted(e["ip"] for e in posted["new"]) == ["198.18.0.10", "198.18.0.11"]

    listed = cli("devices", "--db", inventory_db, "--verdict", "restricted", "--json")
    rows = json.loads(listed.stdout)
    assert [(r["ip"], r["status"]) for r in rows] == [("198.18.0.10", "flagged")]

    marked = cli("mark", "02:00:00:00:00:0a", "removed", "--by", "J. Smith", "--note", "ticket 4411", "--db", inventory_db)
    assert marked.returncode == 0 and "flagged -> removed by J. Smith" in marked.stdout
    bad = cli("mark", "198.18.0.10", "verified", "--by", "J. Smith", "--db", inventory_db)
    assert bad.returncode == 1 and "set only by a scan" in bad.stderr
    missing = cli("mark", "198.18.9.9", "removed", "--by", "x", "--db", inventory_db)
    assert missing.returncode == 1 and "no device" in missing.stderr

    second = cli("record", two, "--db", inventory_db, "--site", "hq", "--json")
    assert second.returncode == 4 + 0, second.stderr  # restricted present, nothing new
    assert json.loads(second.stdout)["reappeared"], "the device marked removed was still there"

    diff = json.loads(cli("diff", "--db", inventory_db, "--site", "hq", "--json").stdout)
    assert set(diff) == {"new", "gone", "moved", "changed"}
    assert [(m["mac"], m["old_ip"], m["new_ip"]) for m in diff["moved"]] == [("02:00:00:00:00:0a", "198.18.0.10", "198.18.0.12")]
    assert [g["ip"] for g in diff["gone"]] == ["198.18.0.11"] and diff["new"] == []

    statuses = {r["mac"]: r["status"] for r in json.loads(cli("devices", "--db", inventory_db, "--json").stdout)}
    assert statuses == {"02:00:00:00:00:0a": "reappeared", "02:00:00:00:00:0b": "seen"}

    third = cli("record", clean, "--db", inventory_db, "--site", "hq")
    assert third.returncode == 8, third.stderr  # B is back (new relative to the last scan), nothing restricted
    explicit = json.loads(cli("diff", "1", "3", "--db", inventory_db, "--json").stdout)
    assert [g["mac"] for g in explicit["gone"]] == ["02:00:00:00:00:0a"] and explicit["new"] == []

    scans = json.loads(cli("scans", "--db", inventory_db, "--json").stdout)
    assert [s["state"] for s in scans] == ["complete"] * 3
    shown = json.loads(cli("show", "02:00:00:00:00:0a", "--db", inventory_db).stdout)
    assert [h["new"] for h in shown["history"]] == ["flagged", "removed", "reappeared"]
    assert shown["evidence"] == [] and shown["reasons"] == ["test verdict restricted"]


def test_a_webhook_that_fails_is_a_warning_not_a_failed_run(tmp_path: Path) -> None:
    one = write(tmp_path, "one.json", scan(device("198.18.0.10", "02:00:00:00:00:0a")))
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = cli("record", one, "--db", str(tmp_path / "inv.sqlite"), "--webhook", f"http://127.0.0.1:{port}/x")
    assert result.returncode == 8 and "webhook post failed" in result.stderr


def test_inventory_path_defaults_under_the_data_dir_and_never_shows_a_password(tmp_path: Path) -> None:
    import os

    env = os.environ | {"CCTV_SCAN_DATA": str(tmp_path / "d")}
    out = subprocess.run([sys.executable, "-m", "scanner", "inventory", "path"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert out.stdout.strip() == str(tmp_path / "d" / "inventory.sqlite")
    out = cli("inventory", "path", "--db", "postgresql://cctv:hunter2@db.example:5432/inv")
    assert "hunter2" not in out.stdout and "db.example:5432/inv" in out.stdout


def test_report_from_the_inventory_in_every_format_carries_status_and_evidence(inventory_db: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from scanner.models import Evidence

    ev = (Evidence(probe="http", field="http.server", value="=cmd|' /C calc'!A0", fingerprint="fp-x"),)
    one = write(tmp_path, "one.json", scan(device("198.18.0.10", "02:00:00:00:00:0a", verdict=R, evidence=ev),
                                           device("198.18.0.11", "02:00:00:00:00:0b")))
    assert cli("record", one, "--db", inventory_db, "--site", "hq").returncode == 12
    for fmt in ("csv", "xlsx", "json", "html"):
        out = tmp_path / f"r.{fmt}"
        done = cli("report", "--format", fmt, "--output", str(out), "--db", inventory_db, "--status", "flagged")
        assert done.returncode == 0 and "wrote 1 devices" in done.stdout, done.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    (only,) = data["devices"]
    assert only["status"] == "flagged" and only["evidence"][0]["fingerprint"] == "fp-x" and only["reasons"]
    assert load_workbook(tmp_path / "r.xlsx")["Devices"].cell(row=2, column=3).value == "198.18.0.10"
    assert "fp-x" in (tmp_path / "r.html").read_text()
    from_file = cli("report", "--format", "csv", "--output", str(tmp_path / "f.csv"), "--from-json", one)
    assert from_file.returncode == 0 and (tmp_path / "f.csv").read_text().count("\n") == 3
    assert cli("report", "--format", "pdf", "--output", str(tmp_path / "x"), "--db", inventory_db).returncode == 2
