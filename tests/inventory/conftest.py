"""Fixtures for inventory tests: a fresh inventory on each back end, and scan documents.

``inventory_db`` is parametrized over SQLite (a file in the test's tmp dir) and PostgreSQL (a
fresh database per test on a throwaway server the session starts itself: ``initdb`` in a temp
dir, its own free port on 127.0.0.1, stopped and removed at the end). The server binaries come
from Debian's ``postgresql`` package, which the README's test command installs; without them the
PostgreSQL cases fail, saying so, rather than skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def _pg_bin() -> str:
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]) if d.split("/")[-2].isdigit() else 0)
    dirs = [d for d in dirs if os.path.exists(os.path.join(d, "initdb"))]
    if not dirs:
        pytest.fail("the PostgreSQL tests start their own server and need its binaries: apt-get install -y postgresql")
    return dirs[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A private PostgreSQL server for this test session; yields its admin URL."""
    bindir = _pg_bin()
    # initdb refuses to run as root: as root, the server runs as `postgres` (or `nobody`).
    user = None
    if os.geteuid() == 0:
        user = next(u for u in ("postgres", "nobody") if _has_user(u))
    base = tempfile.mkdtemp(prefix="cctv-test-pg-")
    data, sock = os.path.join(base, "data"), os.path.join(base, "sock")
    os.makedirs(sock)
    pwfile = os.path.join(base, "pw")
    with open(pwfile, "w") as f:
        f.write("cctv\n")
    if user:
        pw = pwd.getpwnam(user)
        for path in (base, sock, pwfile):
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def run(*cmd: str) -> None:
        full = (["runuser", "-u", user, "--"] if user else []) + list(cmd)
        proc = subprocess.run(full, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            pytest.fail(f"throwaway PostgreSQL: {' '.join(cmd[:1])} failed: {(proc.stderr or proc.stdout).strip()[-400:]}")

    port = _free_port()
    try:
        run(f"{bindir}/initdb", "-D", data, "-U", "cctv", f"--pwfile={pwfile}", "--auth=scram-sha-256",
            "-E", "UTF8", "--no-sync")
        run(f"{bindir}/pg_ctl", "-D", data, "-w", "-t", "60", "-l", os.path.join(base, "server.log"),
            "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off", "start")
        try:
            yield f"postgresql://cctv:cctv@127.0.0.1:{port}/postgres"
        finally:
            run(f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _pg_admin(base_url: str):  # type: ignore[no-untyped-def]
    url = make_url(base_url).set(drivername="postgresql+psycopg")
    engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    return engine, url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    engine, url = _pg_admin(pg_server)
    name = f"cctv_t_{uuid.uuid4().hex[:12]}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def inventory_db(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return str(tmp_path / "inventory.sqlite")
    return request.getfixturevalue("pg_url")


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Spool and default inventory under the test's tmp dir, never the user's."""
    monkeypatch.setenv("CCTV_SCAN_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("CCTV_SCAN_SPOOL", raising=False)
    monkeypatch.delenv("CCTV_SCAN_DB", raising=False)


