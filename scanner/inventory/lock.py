"""One scan at a time per inventory (SQLite) or per site (PostgreSQL).

SQLite: an ``flock`` on ``<db>.lock`` beside the database file; the kernel drops it when the
holder dies, even by SIGKILL, so a crashed run never leaves a stale lock. PostgreSQL: a session
advisory lock keyed by the site, held on its own connection; the server drops it when that
connection goes. A second run either waits (``wait`` seconds) or is refused with a message
naming the holder.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from .errors import ScanLockedError
from .store import Store

POLL = 0.2


class ScanLock:
    def __init__(self, store: Store, site: str) -> None:
        self.store = store
        self.site = site
        self._fh: Any = None
        self._conn: Any = None

    @property
    def path(self) -> Path | None:
        return self.store.path.with_name(self.store.path.name + ".lock") if self.store.path else None

    def try_acquire(self) -> bool:
        if self.path is not None:
            fh = self.path.open("a+")
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                return False
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n")
            fh.flush()
            self._fh = fh
            return True
        conn = self.store.engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": site_key(self.site)}).scalar()
        conn.commit()
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def acquire(self, wait: float = 0.0) -> ScanLock:
        deadline = time.monotonic() + max(wait, 0.0)
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                raise ScanLockedError(
                    f"another scan is already recording into {self.store.name} (site {self.site!r}; "
                    f"{self.holder()}); not starting a second one. Use --wait SECONDS to queue behind it."
                )
            time.sleep(POLL)
        return self

    def holder(self) -> str:
        if self.path is not None:
            try:
                return "held by " + self.path.read_text().strip()
            except OSError:
                return "holder unknown"
        return "held by another connection"

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
        if self._conn is not None:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": site_key(self.site)})
            self._conn.commit()
            self._conn.close()
            self._conn = None

    def __enter__(self) -> ScanLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def site_key(site: str) -> int:
    """A stable signed 64-bit advisory-lock key for a site name."""
    digest = hashlib.blake2b(f"cctv-scan:{site}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
