"""Fixtures for inventory tests: a fresh inventory on each back end, and scan documents.

``inventory_db`` is parametrized over SQLite (a file in the test's tmp dir) and PostgreSQL (a
fresh database created for the test on the server named by CCTV_TEST_POSTGRES_URL, default
postgresql://cctv:cctv@127.0.0.1:5432/cctv_test; ``.ci/postgres.sh`` starts one). The
PostgreSQL case is skipped, saying why, only when no server answers there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


PG_DEFAULT = "postgresql://cctv:cctv@127.0.0.1:5432/cctv_test"


def pg_base_url() -> str:
    return os.environ.get("CCTV_TEST_POSTGRES_URL", PG_DEFAULT)


def _pg_admin():  # type: ignore[no-untyped-def]
    url = make_url(pg_base_url()).set(drivername="postgresql+psycopg")
    engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means: no server to test on
        engine.dispose()
        pytest.skip(f"PostgreSQL not reachable at {make_url(pg_base_url()).render_as_string(hide_password=True)} "
                    f"({type(exc).__name__}); run .ci/postgres.sh to test that back end")
    return engine, url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    engine, url = _pg_admin()
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


