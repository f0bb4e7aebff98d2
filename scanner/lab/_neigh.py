"""Neighbour-table thresholds for big labs, raised for a lab's lifetime and put back after.

The kernel's IPv4 neighbour (ARP) table is one table shared by every network namespace, and
its limits (``net.ipv4.neigh.default.gc_thresh1/2/3``, stock 128/512/1024) can be set only in
the root namespace. A ScaleLab of n devices needs about 2n entries at once: one per device in
the scanner namespace (while the scanner talks to it) and one per device macvlan for the
scanner's address in the devices namespace. Past 1,024 the kernel logs "neighbor table
overflow" and drops packets, so ``ScaleLab`` raises the limits while it lives.

Several labs (other test runs) may be up at once: a lock file records which labs hold a
raise and the values found before the first one; the last lab out restores them. Holders
whose namespaces are gone (a crashed run) are dropped on the next raise or release.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from . import _netns

SYSCTL_DIR = Path("/proc/sys/net/ipv4/neigh/default")
KEYS = ("gc_thresh1", "gc_thresh2", "gc_thresh3")
LEDGER = Path("/run/cctvlab-neigh.json")
HEADROOM = 512  # entries left for everything else on the machine


def needed(devices: int) -> dict[str, int]:
    """Thresholds that let ``devices`` lab devices and the scanner keep their entries (a lab
    of up to about 250 devices fits the stock values and changes nothing)."""
    entries = 2 * devices
    return {"gc_thresh1": max(128, devices // 2), "gc_thresh2": max(512, entries), "gc_thresh3": max(1024, entries + HEADROOM)}


def reachable() -> bool:
    """The thresholds are visible only from the root network namespace's view of /proc/sys; a
    lab built from inside another namespace (the test suite's own, see tests/run-isolated.sh,
    which raises them for the whole run) cannot change them."""
    return (SYSCTL_DIR / KEYS[0]).exists()


def current() -> dict[str, int]:
    return {k: int((SYSCTL_DIR / k).read_text()) for k in KEYS}


def _write(values: dict[str, int]) -> None:
    # gc_thresh3 >= gc_thresh2 >= gc_thresh1 must hold after each write: raise top-down, lower bottom-up.
    order = KEYS[::-1] if all(values[k] >= v for k, v in current().items()) else KEYS
    for k in order:
        (SYSCTL_DIR / k).write_text(f"{values[k]}\n")


def _locked_ledger(update) -> dict[str, int] | None:
    LEDGER.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(LEDGER, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        raw = os.read(fd, 1 << 16)
        try:
            ledger = json.loads(raw) if raw else {}
        except ValueError:
            ledger = {}
        if not isinstance(ledger, dict):
            ledger = {}
        alive = set(_netns.namespaces())
        holders = {h: v for h, v in dict(ledger.get("holders", {})).items() if any(ns in alive for ns in v.get("namespaces", ()))}
        ledger["holders"] = holders
        result = update(ledger)
        if ledger["holders"]:
            data = json.dumps(ledger).encode()
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, data)
        else:
            os.unlink(LEDGER)
        return result
    finally:
        os.close(fd)


def raise_for(lab_id: str, namespaces: list[str], devices: int) -> dict[str, int]:
    """Raise the thresholds to what ``devices`` need (never lower them); returns the values
    in force afterwards. Record ``lab_id`` as a holder."""

    def update(ledger: dict) -> dict[str, int]:
        now = current()
        if not ledger["holders"] or "saved" not in ledger:
            ledger["saved"] = now
        want = {k: max(now[k], v, *(needed(h["devices"])[k] for h in ledger["holders"].values())) for k, v in needed(devices).items()}
        if want != now:
            _write(want)
        ledger["holders"][lab_id] = {"namespaces": list(namespaces), "devices": devices}
        return want

    return _locked_ledger(update) or current()


def release(lab_id: str) -> dict[str, int] | None:
    """Drop ``lab_id``'s hold; when no lab holds a raise any more, restore the values found
    before the first raise. Returns the restored values, or None if nothing was changed back."""

    def update(ledger: dict) -> dict[str, int] | None:
        ledger["holders"].pop(lab_id, None)
        if ledger["holders"] or "saved" not in ledger:
            return None
        saved = {k: int(ledger["saved"][k]) for k in KEYS}
        if saved == current():
            return None
        _write(saved)
        return saved

    if not LEDGER.exists():
        return None
    return _locked_ledger(update)
