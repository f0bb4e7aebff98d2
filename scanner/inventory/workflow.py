"""The removal workflow: ``flagged -> scheduled -> removed -> verified`` (and ``reappeared``).

Statuses:
- ``seen``: in the inventory, nothing asked of anyone.
- ``flagged``: to be removed. A scan flags every restricted device it finds in ``seen``.
- ``scheduled``: a removal is planned.
- ``removed``: a team says it took the device out (``cctv-scan mark DEVICE removed``).
- ``verified``: a complete scan whose scope covers the device's last address did not see it;
  that scan is recorded as the proof. Only a scan sets this.
- ``reappeared``: a ``removed`` or ``verified`` device was seen again. Only a scan sets this.

Every change, by a person or by a scan, is a ``StatusEvent`` with who, when and why.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ._util import now
from .errors import TransitionError
from .schema import Device, StatusEvent

STATUSES = ("seen", "flagged", "scheduled", "removed", "verified", "reappeared")
MANUAL = ("seen", "flagged", "scheduled", "removed")
OPEN = ("flagged", "scheduled", "reappeared")  # removal still to be done


def change_status(
    session: Session, device: Device, new: str, *, by: str, note: str = "", scan_id: int | None = None
) -> StatusEvent:
    event = StatusEvent(
        device_id=device.id, at=now(), by=by, kind="status", old=device.status, new=new, note=note, scan_id=scan_id
    )
    device.status = new
    session.add(event)
    return event


def mark(session: Session, device: Device, new: str, *, by: str, note: str = "") -> StatusEvent:
    """A person's status change, checked against the workflow."""
    if new not in STATUSES:
        raise TransitionError(f"unknown status {new!r}; one of: {', '.join(MANUAL)}")
    if new not in MANUAL:
        raise TransitionError(
            f"{new!r} is set only by a scan ({'a scan that no longer sees the device' if new == 'verified' else 'a scan that sees a removed device'}); "
            f"a person can mark: {', '.join(MANUAL)}"
        )
    if not by.strip():
        raise TransitionError("say who made the change (--by NAME)")
    if device.status == new:
        raise TransitionError(f"device {device.id} is already {new}")
    return change_status(session, device, new, by=by.strip(), note=note)


def edit_field(session: Session, device: Device, field: str, value: str, *, by: str, note: str = "") -> StatusEvent:
    """Set ``location`` or ``notes``, logged like a status change."""
    if field not in ("location", "notes"):
        raise TransitionError(f"cannot edit {field!r}")
    if not by.strip():
        raise TransitionError("say who made the change (--by NAME)")
    event = StatusEvent(
        device_id=device.id, at=now(), by=by.strip(), kind=field, old=getattr(device, field), new=value, note=note
    )
    setattr(device, field, value)
    session.add(event)
    return event
