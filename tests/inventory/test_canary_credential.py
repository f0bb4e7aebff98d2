"""A canary password goes in, and must come out nowhere.

One credentialed scan of lab devices whose ONVIF password is a canary, with every logger of the
scanner at DEBUG, recorded into the inventory (SQLite and PostgreSQL), reported in every format,
with a webhook. Then every output is searched for the password and the forms a leak would take:
the plain text, base64 of it and of ``user:password`` (HTTP Basic), hex, URL-encoding, and the
WS-UsernameToken digest input (nonce + created + password, which always ends in the password).
The credentials must also have been *used*: the devices answered GetDeviceInformation only
because the digest was right, so a scan that silently dropped the credentials fails here too.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, inspect, text

import scanner.lab as lab_mod  # noqa: E402
pytestmark = [pytest.mark.lab, pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root for network namespaces")]

ROOT = Path(__file__).resolve().parents[2]
USER = "admin"
PASSWORD = "Canary+Pw/5e81c2d9"
# Lab profiles whose ONVIF service wants the credentials (GetNetworkInterfaces and GetScopes always
# do): both are given the canary as their password.
PROFILES = ["hikvision-ds-2cd2143g2-i", "dahua-ipc-hdw2431t-as-s2"]


def leak_forms() -> dict[str, bytes]:
    pw = PASSWORD.encode()
    return {
        "plain": pw,
        "base64": base64.b64encode(pw),
        "base64 user:password": base64.b64encode(f"{USER}:{PASSWORD}".encode()),
        "hex": pw.hex().encode(),
        "url-encoded": quote(PASSWORD, safe="").encode(),
        "utf-16": PASSWORD.encode("utf-16-le"),
    }


def find_leaks(name: str, data: bytes) -> list[str]:
    return [f"{name}: {form}" for form, needle in leak_forms().items() if needle in data]


class Webhook:
    def __init__(self) -> None:
        bodies = self.bodies = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


DEBUG_SCAN = (
    "import logging, sys; logging.basicConfig(level=logging.DEBUG, stream=sys.stderr); "
    "from scanner.cli import main; sys.argv = ['cctv-scan', *sys.argv[1:]]; main()"
)


def test_a_canary_password_appears_in_no_output(inventory_db: str, tmp_path: Path) -> None:
    creds = tmp_path / "creds.yaml"
    creds.write_text(f"default: {{username: {USER}, password: {PASSWORD}}}\n")
    creds.chmod(0o600)
    doc = tmp_path / "scan.json"
    overrides = {p: {"credentials": {"username": USER, "password": PASSWORD}} for p in PROFILES}
    outputs: dict[str, bytes] = {}
    with lab_mod.Lab(PROFILES, overrides=overrides) as lab:
        scan = lab.run([sys.executable, "-c", DEBUG_SCAN, "scan", lab.subnet, "--credentials", str(creds),
                        "--json", str(doc), "--timeout", "1.5"], cwd=ROOT, capture_output=True, timeout=600)
        assert scan.returncode == 0, scan.stderr.decode(errors="replace")[-3000:]
        outputs["scan stdout"], outputs["scan stderr (DEBUG log)"] = scan.stdout, scan.stderr
        ips = {d.profile_name: d.ip for d in lab.devices}
    assert b"DEBUG" in scan.stderr, "the scan must have logged at DEBUG for this test to mean anything"

    devices = {d["ip"]: d for d in json.loads(doc.read_text())["devices"]}
    hik = devices[ips["hikvision-ds-2cd2143g2-i"]]
    fields = {e["field"] for e in hik["evidence"]}
    assert {"onvif.model", "onvif.mac"} <= fields, "the canary credentials must have unlocked the device"

    hook = Webhook()
    try:
        run = lambda *args: subprocess.run([sys.executable, "-c", DEBUG_SCAN, *args], cwd=ROOT,  # noqa: E731
                                           capture_output=True, timeout=300)
        rec = run("record", str(doc), "--db", inventory_db, "--site", "canary", "--webhook", hook.url)
        assert rec.returncode in (0, 4, 8, 12), rec.stderr.decode(errors="replace")[-2000:]
        outputs["record output"] = rec.stdout + rec.stderr
        for fmt in ("csv", "xlsx", "json", "html"):
            out = tmp_path / f"report.{fmt}"
            rep = run("report", "--format", fmt, "--output", str(out), "--db", inventory_db, "--site", "canary")
            assert rep.returncode == 0 and out.stat().st_size > 0, rep.stderr.decode(errors="replace")
            outputs[f"report command {fmt}"] = rep.stdout + rep.stderr
            if fmt == "xlsx":
                with zipfile.ZipFile(out) as z:
                    for member in z.namelist():
                        outputs[f"report.xlsx {member}"] = z.read(member)
            else:
                outputs[f"report.{fmt}"] = out.read_bytes()
        # A failing command's exception text: report from a site that does not exist.
        bad = run("devices", "--db", inventory_db, "--site", "no-such-site", "--verdict", "restricted")
        outputs["error path"] = bad.stdout + bad.stderr
    finally:
        hook.close()
    assert hook.bodies, "the webhook must have been called"
    outputs.update({f"webhook {i}": body for i, body in enumerate(hook.bodies)})
    outputs["scan document"] = doc.read_bytes()
    outputs.update(_inventory_contents(inventory_db))

    leaks = [leak for name, data in outputs.items() for leak in find_leaks(name, data)]
    assert leaks == []
    assert len(outputs) >= 12


def _inventory_contents(db: str) -> dict[str, bytes]:
    """Every row of every table, as text; for SQLite also the raw file (free pages included)."""
    url = db if "://" in db else f"sqlite:///{db}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    out: dict[str, bytes] = {}
    try:
        with engine.connect() as conn:
            for table in inspect(conn).get_table_names():
                rows = conn.execute(text(f'SELECT * FROM "{table}"')).fetchall()
                out[f"inventory table {table}"] = repr(rows).encode()
    finally:
        engine.dispose()
    assert any(v != b"[]" for v in out.values()), "the inventory must hold the scan"
    if "://" not in db:
        out["inventory file"] = Path(db).read_bytes()
    return out


def test_the_leak_search_finds_each_form() -> None:
    # The search itself must work, or the test above proves nothing.
    for form, needle in leak_forms().items():
        assert f"sample: {form}" in find_leaks("sample", b"xx" + needle + b"yy")
