"""Give the kernel the MACs the ARP sweep found, for the length of the scan.

After the sweep, the scanner already knows every live host's MAC. Left alone, the kernel
would ARP for each host again before the first TCP probe, and keep one dynamic entry per host
in its neighbour table; that table is shared by every namespace and, on a stock kernel, its
``gc_thresh3`` of 1,024 entries is soon reached on a /22 (the kernel then drops packets with
"neighbor table overflow"). So for each host the sweep found that has no usable entry yet,
the engine adds a ``permanent`` entry with the MAC the host answered with: permanent entries
are not counted against the garbage-collection thresholds (Linux 4.19 and later) and need no
resolution. They are removed again when the scan ends (done, deadline or interruption); an
entry that was there before the scan is never touched.

Uses ``ip -batch`` (iproute2, which the set-up installs) rather than hand-built netlink
messages; without it the scan goes on with the kernel's own resolution and a warning.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass

BATCH_TIMEOUT = 30.0
_UNUSABLE = {"FAILED", "INCOMPLETE", "NONE"}


@dataclass(frozen=True)
class Neighbour:
    ip: str
    mac: str
    iface: str


def _existing(iface: str) -> set[str]:
    out = subprocess.run(["ip", "-j", "-4", "neigh", "show", "dev", iface], capture_output=True, text=True,
                         timeout=BATCH_TIMEOUT, check=True).stdout
    rows = json.loads(out or "[]")
    return {r["dst"] for r in rows if isinstance(r, dict) and "dst" in r
            and not set(r.get("state", [])) <= _UNUSABLE}


def _batch(lines: list[str]) -> None:
    if lines:
        subprocess.run(["ip", "-force", "-batch", "-"], input="\n".join(lines) + "\n", capture_output=True,
                       text=True, timeout=BATCH_TIMEOUT, check=False)


def install(found: Iterable[Neighbour]) -> tuple[list[Neighbour], str | None]:
    """Add a permanent entry for each host without a usable one; returns (what was added,
    a warning or None)."""
    found = list(found)
    if not found:
        return [], None
    if shutil.which("ip") is None:
        return [], "iproute2 (`ip`) not found: the kernel resolves each host's MAC itself (its neighbour table may overflow on big subnets)"
    added: list[Neighbour] = []
    try:
        by_iface: dict[str, list[Neighbour]] = {}
        for n in found:
            by_iface.setdefault(n.iface, []).append(n)
        for iface, ns in by_iface.items():
            have = _existing(iface)
            new = [n for n in ns if n.ip not in have]
            _batch([f"neigh replace {n.ip} lladdr {n.mac} dev {iface} nud permanent" for n in new])
            added.extend(new)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        remove(added)
        return [], f"could not give the kernel the swept MACs ({exc}); it resolves them itself"
    return added, None


def remove(added: Iterable[Neighbour]) -> None:
    """Delete the entries ``install`` added (best effort; never raises)."""
    lines = [f"neigh del {n.ip} dev {n.iface}" for n in added]
    try:
        _batch(lines)
    except (OSError, subprocess.SubprocessError):
        pass
