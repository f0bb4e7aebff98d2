"""The inventory: every scan kept with its evidence, one identity per device across scans,
diffs between scans, the removal workflow, and a local spool for unreachable servers.

Library API (what the ``scan`` command calls when given ``--db`` / ``--site``)::

    from scanner.inventory import record_scan
    result = record_scan(doc, db="/var/lib/cctv/inv.sqlite", site="hq", webhook=None, wait=0)
    raise SystemExit(result.exit_code)   # 0, +4 restricted present, +8 new devices

or, to hold the lock (and have a ``running`` scan row) for the whole scan::

    with Inventory.open(db) as inv, inv.run("hq", wait=60) as run:
        doc = engine_scan(...)
        result = run.finish(doc, webhook=url)
"""

from .errors import (
    DeviceNotFound,
    ForeignDatabaseError,
    InventoryError,
    InventoryUnavailable,
    NewerSchemaError,
    ScanLockedError,
    TransitionError,
)
from .inventory import DEFAULT_SITE, Inventory, record_scan
from .record import EXIT_NEW, EXIT_RESTRICTED, RecordResult, ScanRun
from .store import default_db, open_store
from .workflow import MANUAL, STATUSES

__all__ = [
    "DEFAULT_SITE", "EXIT_NEW", "EXIT_RESTRICTED", "MANUAL", "STATUSES",
    "DeviceNotFound", "ForeignDatabaseError", "Inventory", "InventoryError", "InventoryUnavailable",
    "NewerSchemaError", "RecordResult", "ScanLockedError", "ScanRun", "TransitionError",
    "default_db", "open_store", "record_scan",
]
