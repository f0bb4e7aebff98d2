"""Faults: a recording killed with SIGKILL, two scans at once, databases that are not ours,
and an unreachable PostgreSQL server. Real subprocesses, real sockets, real databases."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from scanner.inventory import (
    ForeignDatabaseError,
    Inventory,
    InventoryUnavailable,
    NewerSchemaError,
    ScanLockedError,
    record_scan,
)
from scanner.inventory.store import resolve_url

from .builders import device, scan

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, **kw) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, **kw)


def big_scan(n: int) -> dict:
    devs = [device(f"198.18.{i // 250}.{i % 250 + 1}", f"02:00:00:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}") for i in range(n)]
    return scan(*devs, scope=("198.18.0.0/15",)).to_dict()


def sighting_count(db: str, scan_id: int) -> int:
    engine = create_engine(resolve_url(db))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM inv_sighting WHERE scan_id = :s"), {"s": scan_id}).scalar() or 0
    except Exception:  # noqa: BLE001 - the table may not be visible yet
        return 0
    finally:
        engine.dispose()


def test_a_recording_killed_halfway_leaves_earlier_scans_intact_and_itself_incomplete(inventory_db: str, tmp_path: Path) -> None:
    first = record_scan(scan(device("198.18.0.10", "02:00:00:00:00:0a")), db=inventory_db, site="hq")
    doc = tmp_path / "big.json"
    doc.write_text(json.dumps(big_scan(20000)))
    proc = subprocess.Popen([sys.executable, "-m", "scanner", "record", str(doc), "--db", inventory_db, "--site", "hq"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while sighting_count(inventory_db, first.scan_id + 1) == 0:
        assert proc.poll() is None, f"recording ended before it could be killed: {proc.stderr.read()!r}"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL

    with Inventory.open(inventory_db) as inv:
        scans = inv.scans("hq")
        assert [(s["id"], s["state"]) for s in scans] == [(first.scan_id, "complete"), (first.scan_id + 1, "incomplete")]
        assert 0 < scans[1]["devices"] < 20000, "the half scan's sightings are kept as recorded"
        assert [d["mac"] for d in inv.devices()] == ["02:00:00:00:00:0a"], "nothing of the half scan was merged"
        assert inv.diff("hq")["new_scan"] == first.scan_id
    after = record_scan(scan(device("198.18.0.10", "02:00:00:00:00:0a")), db=inventory_db, site="hq")
    assert after.diff["old_scan"] == first.scan_id and after.diff["new"] == [] and after.diff["gone"] == []


def test_a_second_scan_is_refused_clearly_or_waits_for_the_first(inventory_db: str, tmp_path: Path) -> None:
    doc = tmp_path / "scan.json"
    doc.write_text(json.dumps(scan(device("198.18.0.10", "02:00:00:00:00:0a")).to_dict()))
    with Inventory.open(inventory_db) as inv, inv.run("hq") as run:
        refused = cli("record", str(doc), "--db", inventory_db, "--site", "hq")
        assert refused.returncode == 3
        assert "another scan is already recording" in refused.stderr and "--wait" in refused.stderr
        waiting = subprocess.Popen([sys.executable, "-m", "scanner", "record", str(doc), "--db", inventory_db,
                                    "--site", "hq", "--wait", "120", "--json"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        time.sleep(2)
        assert waiting.poll() is None, "the second run waits while the first holds the lock"
        with pytest.raises(ScanLockedError):
            Inventory(inv.store).record(scan(), "hq")
        first = run.finish(scan(device("198.18.0.11", "02:00:00:00:00:0b")))
    out, _ = waiting.communicate(timeout=120)
    second = json.loads(out)
    assert second["state"] == "complete" and second["scan_id"] == first.scan_id + 1
    assert [e["mac"] for e in second["new"]] == ["02:00:00:00:00:0a"] and [e["mac"] for e in second["gone"]] == ["02:00:00:00:00:0b"]


def _snapshot(path: Path) -> tuple[bytes, int, list[str]]:
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


@pytest.mark.parametrize("kind", ["text", "other-sqlite"])
def test_a_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "precious.db"
    if kind == "text":
        path.write_text("name,salary\nalice,1\n")
    else:
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE payroll (name TEXT, salary INT)")
            conn.execute("INSERT INTO payroll VALUES ('alice', 1)")
        conn.close()
    before = _snapshot(path)
    with pytest.raises(ForeignDatabaseError, match="not a cctv-scan inventory"):
        record_scan(scan(device("198.18.0.10", "02:00:00:00:00:0a")), db=str(path))
    result = cli("devices", "--db", str(path))
    # one line naming the inventory read, then one error line
    lines = result.stderr.splitlines()
    assert result.returncode == 1 and len(lines) == 2 and lines[0] == f"inventory: {path.resolve()}", result.stderr
    assert lines[1].startswith("error: ") and "Traceback" not in result.stderr
    assert _snapshot(path) == before


def test_a_newer_schema_is_refused_and_left_untouched(inventory_db: str, tmp_path: Path) -> None:
    record_scan(scan(device("198.18.0.10", "02:00:00:00:00:0a")), db=inventory_db)
    engine = create_engine(resolve_url(inventory_db))
    with engine.begin() as conn:
        conn.execute(text("UPDATE cctv_inventory_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    path = Path(inventory_db) if "://" not in inventory_db else None
    before = _snapshot(path) if path else None
    with pytest.raises(NewerSchemaError, match="newer than this cctv-scan knows"):
        Inventory.open(inventory_db)
    if path:
        assert _snapshot(path) == before
    engine = create_engine(resolve_url(inventory_db))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM cctv_inventory_version")).scalar() == "9999_from_the_future"
        assert conn.execute(text("SELECT count(*) FROM inv_device")).scalar() == 1
    engine.dispose()


def test_a_foreign_postgresql_database_is_refused_untouched(pg_url: str) -> None:
    engine = create_engine(resolve_url(pg_url))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE payroll (name TEXT)"))
    with pytest.raises(ForeignDatabaseError, match="payroll"):
        record_scan(scan(), db=pg_url)
    with engine.connect() as conn:
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
    engine.dispose()
    assert tables == ["payroll"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proxy:
    """A TCP forwarder on 127.0.0.1:port to the real server: the 'server comes back' switch."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.sock = socket.create_server(("127.0.0.1", port))
        self.target = target
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


def test_unreachable_postgresql_spools_the_scan_and_sends_it_when_the_server_is_back(pg_url: str, tmp_path: Path) -> None:
    real = make_url(pg_url)
    port = _free_port()
    down_url = real.set(port=port).render_as_string(hide_password=False)
    lost = scan(device("198.18.0.10", "02:00:00:00:00:0a", firmware="1"))
    with pytest.raises(InventoryUnavailable, match="unreachable") as caught:
        record_scan(lost, db=down_url, site="hq")
    spooled = caught.value.spooled
    assert spooled is not None and spooled.exists() and str(spooled) in str(caught.value)
    kept = json.loads(spooled.read_text())
    assert kept["document"] == lost.to_dict() and kept["site"] == "hq"
    assert f":{real.password}@" not in spooled.read_text(), "the database password is never written down"

    proxy = Proxy(port, (real.host, real.port))
    try:
        later = record_scan(scan(device("198.18.0.10", "02:00:00:00:00:0a", firmware="2")), db=down_url, site="hq")
    finally:
        proxy.close()
    assert not spooled.exists()
    assert later.diff["old_scan"] is not None, "the spooled scan was recorded first"
    assert [e["changes"] for e in later.diff["changed"]] == [{"firmware": {"old": "1", "new": "2"}}]


def test_cli_reports_an_unreachable_server_in_one_line(tmp_path: Path) -> None:
    doc = tmp_path / "scan.json"
    doc.write_text(json.dumps(scan().to_dict()))
    env = os.environ | {"CCTV_SCAN_DATA": str(tmp_path / "data")}
    result = cli("record", str(doc), "--db", f"postgresql://u:secret@127.0.0.1:{_free_port()}/x", env=env)
    assert result.returncode == 1 and "unreachable" in result.stderr and "kept in" in result.stderr
    assert "secret" not in result.stderr and "Traceback" not in result.stderr
    assert len(list((tmp_path / "data" / "spool").glob("scan-*.json"))) == 1
