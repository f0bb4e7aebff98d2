"""The inventory's failures, each a subclass of the package's root ``CctvScanError``."""

from __future__ import annotations

from pathlib import Path

from ..errors import CctvScanError


class InventoryError(CctvScanError):
    """Root of the inventory's errors; the message is meant for the user as it stands."""


class ForeignDatabaseError(InventoryError):
    """The database holds something that is not a cctv-scan inventory; it was left untouched."""


class NewerSchemaError(InventoryError):
    """The database was written by a newer cctv-scan (unknown schema revision); left untouched."""


class InventoryUnavailable(InventoryError):
    """The database server could not be reached. ``spooled`` names the local file that keeps
    the scan until it can be sent (``cctv-scan inventory flush``), when there was one to keep."""

    def __init__(self, message: str, spooled: Path | None = None) -> None:
        super().__init__(message)
        self.spooled = spooled


class ScanLockedError(InventoryError):
    """Another scan of the same inventory (and site) is running and we were told not to wait."""


class DeviceNotFound(InventoryError):
    """No device, or more than one, matches what the user named."""


class TransitionError(InventoryError):
    """A status change the removal workflow does not allow."""
