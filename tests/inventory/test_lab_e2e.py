"""End to end: real scans of the emulated lab, recorded into the inventory, with devices added,
moved (new IP), removed and plugged back in between scans, on SQLite and PostgreSQL.

Each scan runs inside the lab's scanner namespace (``python -m scanner scan ... --json``); the
recording runs here, in the test's own namespace, because the inventory (a file, or PostgreSQL
on 127.0.0.1) lives here. Device positions in the lab decide their IPs, so reordering the
profiles between labs moves devices while their MACs (their identity) stay. Re-flashing is a
lab whose profile is overridden with another real firmware string (``Lab(overrides=...)``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import scanner.lab as lab_mod  # noqa: E402
pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root for network namespaces"),
]

ROOT = Path(__file__).resolve().parents[2]
CAM_R1, CAM_C, CAM_R2, CAM_NEW = "hikvision-ds-2cd2143g2-i", "axis-p3245-lve", "dahua-ipc-hdw2431t-as-s2", "uniview-ipc322lb-sf28-a"


EXPECTED: dict[str, str] = {}  # profile -> the verdict its lab profile says a scan must reach


# A firmware string in the form Hikvision's SADP reply writes it, from a real DS-2CD2xxx reply
# (Haicam golang/libs/onvif/haicam_test/discoverytest.go, cited in the lab profile).
REFLASHED = "V5.6.2build 190701"


def scan_lab(profiles: list[str], out: Path, overrides: dict | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """Scan a lab of these profiles; return {profile: ip} and {profile: mac} as the lab placed them."""
    with lab_mod.Lab(profiles, overrides=overrides) as lab:
        done = lab.run([sys.executable, "-m", "scanner", "scan", lab.subnet, "--json", str(out), "--quiet"],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        EXPECTED.update({d.profile_name: d.expected["classification"] for d in lab.devices})
        return {d.profile_name: d.ip for d in lab.devices}, {d.profile_name: d.mac for d in lab.devices}


def record(db: str, doc: Path) -> tuple[int, dict]:
    done = subprocess.run([sys.executable, "-m", "scanner", "record", str(doc), "--db", db, "--site", "lab", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 4, 8, 12), done.stderr
    return done.returncode, json.loads(done.stdout)


def test_a_sequence_of_lab_scans_gives_the_right_diffs_statuses_and_verified_removals(inventory_db: str, tmp_path: Path) -> None:
    from scanner.inventory import Inventory

    ips1, macs = scan_lab([CAM_R1, CAM_C, CAM_R2], tmp_path / "1.json")
    code, first = record(inventory_db, tmp_path / "1.json")
    assert code & 8 and {e["mac"] for e in first["new"]} >= {macs[CAM_R1], macs[CAM_C], macs[CAM_R2]}

    with Inventory.open(inventory_db) as inv:
        held = {d["mac"]: d for d in inv.devices(site="lab")}
        for name in (CAM_R1, CAM_C, CAM_R2):
            assert held[macs[name]]["classification"] == EXPECTED[name]
            assert held[macs[name]]["status"] == ("flagged" if EXPECTED[name] == "restricted" else "seen")
        assert EXPECTED[CAM_R2] == "restricted", "the removed device is one a team would remove"
        inv.mark(macs[CAM_R2], "scheduled", by="planner")
        inv.mark(macs[CAM_R2], "removed", by="removal team", note="taken down for the test")

    ips2, macs2 = scan_lab([CAM_C, CAM_R1, CAM_NEW], tmp_path / "2.json")  # R2 removed, NEW added, C and R1 swap IPs
    macs |= macs2
    _, second = record(inventory_db, tmp_path / "2.json")
    assert {e["mac"] for e in second["new"]} == {macs[CAM_NEW]}
    assert macs[CAM_R2] in {e["mac"] for e in second["gone"]}
    moved = {e["mac"]: (e["old_ip"], e["new_ip"]) for e in second["moved"]}
    assert moved[macs[CAM_R1]] == (ips1[CAM_R1], ips2[CAM_R1]) and moved[macs[CAM_C]] == (ips1[CAM_C], ips2[CAM_C])

    with Inventory.open(inventory_db) as inv:
        r2 = inv.device(macs[CAM_R2], site="lab")
        assert r2["status"] == "verified" and r2["history"][-1]["scan"] == second["scan_id"]
        held = [d["mac"] for d in inv.devices(site="lab")]
        assert len(held) == len(set(held)), "one identity per device across scans"
        assert set(macs.values()) <= set(held)

    reflash = {CAM_R1: {"services.sadp.fields.SoftwareVersion": REFLASHED}}
    scan_lab([CAM_C, CAM_R1, CAM_NEW, CAM_R2], tmp_path / "3.json", reflash)  # R2 plugged back in, R1 re-flashed
    _, third = record(inventory_db, tmp_path / "3.json")
    assert third["reappeared"]
    changed = {e["mac"]: e["changes"] for e in third["changed"]}
    firmware = changed[macs[CAM_R1]]["firmware"]
    assert "5.6.2" in firmware["new"] and "5.7.3" in firmware["old"]  # V5.7.3 (the profile's) -> V5.6.2
    assert macs[CAM_R1] not in {e["mac"] for e in third["moved"]}
    with Inventory.open(inventory_db) as inv:
        assert inv.device(macs[CAM_R2], site="lab")["status"] == "reappeared"
