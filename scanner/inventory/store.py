"""Opening an inventory: where it lives, whether it is ours, and bringing its schema up to date.

``--db`` takes a file path (SQLite, the default, kept under the user's data directory) or a
URL (``postgresql://user@host/db`` for a central inventory shared by several site servers).
Before anything is written the database is checked: a file that is not SQLite, a database with
tables but without our version table, or a schema revision this build does not know is refused
and left exactly as it was (the SQLite checks open the file read-only). Otherwise Alembic brings
the schema to the newest revision shipped in ``migrations/``.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .errors import ForeignDatabaseError, InventoryError, InventoryUnavailable, NewerSchemaError
from .schema import VERSION_TABLE

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_MAGIC = b"SQLite format 3\x00"
CONNECT_TIMEOUT = 10  # seconds, for database servers


def data_dir() -> Path:
    """Where cctv-scan keeps its files (``CCTV_SCAN_DATA`` overrides the platform's default)."""
    override = os.environ.get("CCTV_SCAN_DATA")
    return Path(override) if override else platformdirs.user_data_path("cctv-scan")


SYSTEM_DB = Path("/var/lib/cctv-scan/inventory.sqlite")


def default_db() -> Path:
    """The inventory used when no ``--db`` (or ``CCTV_SCAN_DB``) names one.

    The same with and without ``sudo``: as root, the system inventory (``SYSTEM_DB``); as
    another user, the system inventory too when it exists, else a file under the user's data
    directory. ``CCTV_SCAN_DATA`` (a data directory) overrides both.
    """
    if os.environ.get("CCTV_SCAN_DATA"):
        return data_dir() / "inventory.sqlite"
    if os.geteuid() == 0 or SYSTEM_DB.exists():
        return SYSTEM_DB
    return data_dir() / "inventory.sqlite"


def missing_sqlite(db: str | os.PathLike[str] | None) -> Path | None:
    """The SQLite file ``db`` names when it does not exist (None for one that does, or a server URL)."""
    url = resolve_url(db)
    if url.get_backend_name() == "sqlite" and url.database and not Path(str(url.database)).exists():
        return Path(str(url.database))
    return None


def resolve_url(db: str | os.PathLike[str] | None) -> URL:
    """A path or URL as given to ``--db`` (None: the default file) -> a SQLAlchemy URL."""
    if db is None or str(db) == "":
        db = os.environ.get("CCTV_SCAN_DB") or default_db()  # the same for every command, scan included
    raw = str(db)
    if "://" not in raw:
        return URL.create("sqlite", database=str(Path(raw).expanduser().resolve()))
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if not (url.drivername.startswith("postgresql") or url.drivername.startswith("sqlite")):
        raise InventoryError(f"unsupported database URL scheme {url.drivername!r}: use a file path or postgresql://")
    return url


def describe(url: URL) -> str:
    """The URL as it may be shown or written down: never with its password."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, url.query)
    return bare.render_as_string(hide_password=False)


@dataclass
class Store:
    url: URL
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    @property
    def path(self) -> Path | None:
        return Path(self.url.database) if self.backend == "sqlite" and self.url.database else None

    @property
    def name(self) -> str:
        return describe(self.url)

    def session(self) -> Session:
        return self.sessions()

    def close(self) -> None:
        self.engine.dispose()


def open_store(db: str | os.PathLike[str] | None = None) -> Store:
    """Open (creating or upgrading if needed) the inventory named by ``db``."""
    url = resolve_url(db)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        _check_sqlite_file(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT}, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            _check_ours(inspect(conn).get_table_names(), conn, describe(url))
        with engine.begin() as conn:
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        engine.dispose()
        if url.get_backend_name() == "sqlite":
            raise InventoryError(f"cannot use inventory {describe(url)}: {exc.orig}") from None
        raise InventoryUnavailable(f"inventory database {describe(url)} is unreachable: {_first_line(exc.orig)}") from None
    except InventoryError:
        engine.dispose()
        raise
    return Store(url=url, engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not ours without writing to it (read-only, no journal created)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    if path.is_dir():
        raise ForeignDatabaseError(f"{path} is a directory, not an inventory file")
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
        raise ForeignDatabaseError(f"{path} is not a cctv-scan inventory (not an SQLite database); left untouched")
    try:
        # With no -wal beside it, open immutable: a WAL-mode file opened merely read-only would
        # still get -wal/-shm files created next to it.
        live = path.with_name(path.name + "-wal").exists()
        mode = "mode=ro" if live else "mode=ro&immutable=1"
        with closing(sqlite3.connect(f"file:{path}?{mode}", uri=True)) as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            version = None
            if VERSION_TABLE in tables:
                row = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
                version = row[0] if row else None
    except sqlite3.DatabaseError as exc:
        raise ForeignDatabaseError(f"{path} cannot be read as an inventory ({exc}); left untouched") from None
    _judge(tables, version, str(path))


def _check_ours(tables: list[str], conn: object, name: str) -> None:
    version = None
    if VERSION_TABLE in tables:
        row = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).fetchone()  # type: ignore[attr-defined]
        version = row[0] if row else None
    _judge(tables, version, name)


def _judge(tables: list[str], version: str | None, name: str) -> None:
    others = [t for t in tables if not t.startswith("sqlite_")]
    if others and VERSION_TABLE not in others:
        raise ForeignDatabaseError(
            f"{name} holds tables that are not a cctv-scan inventory ({', '.join(sorted(others)[:5])}); left untouched"
        )
    if version is not None and version not in known_revisions():
        raise NewerSchemaError(
            f"{name} has inventory schema revision {version!r}, newer than this cctv-scan knows "
            f"(newest: {head_revision()}); upgrade cctv-scan. The database was left untouched."
        )


def _script() -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg)


def known_revisions() -> set[str]:
    return {rev.revision for rev in _script().walk_revisions()}


def head_revision() -> str:
    return str(_script().get_current_head())


def _first_line(exc: object) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
