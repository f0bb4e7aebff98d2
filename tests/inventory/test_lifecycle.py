"""A site's life across scans, on both back ends: identity, moves, re-flashes, the diff's shape,
and the removal workflow through to verified removals and reappearances."""

from __future__ import annotations

import pytest

from scanner.inventory import Inventory, TransitionError, record_scan
from scanner.models import Classification

from .builders import device, scan

R = Classification.RESTRICTED
MAC_A, MAC_B, MAC_C, MAC_D = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:0c", "02:00:00:00:00:0d"


def test_added_moved_reflashed_removed_devices_give_the_right_diff_and_statuses(inventory_db: str) -> None:
    first = record_scan(scan(
        device("198.18.0.10", MAC_A, verdict=R, firmware="5.5.0"),
        device("198.18.0.11", MAC_B),
        device("198.18.0.12", MAC_C, verdict=R),
    ), db=inventory_db, site="hq")
    assert first.state == "complete"
    assert [e["ip"] for e in first.diff["new"]] == ["198.18.0.10", "198.18.0.11", "198.18.0.12"]
    assert first.exit_code == 4 | 8  # restricted present, new devices

    with Inventory.open(inventory_db) as inv:
        flagged = {d["mac"]: d["status"] for d in inv.devices(site="hq")}
        assert flagged == {MAC_A: "flagged", MAC_B: "seen", MAC_C: "flagged"}
        inv.mark(MAC_C, "scheduled", by="planner", note="week 12")
        inv.mark("198.18.0.12", "removed", by="J. Smith", note="ticket 4411")

    # A moved to a new IP and re-flashed; B gone; C removed; D added.
    second = record_scan(scan(
        device("198.18.0.40", MAC_A.upper().replace(":", "-"), verdict=R, firmware="5.7.3"),
        device("198.18.0.13", MAC_D, verdict=R),
    ), db=inventory_db, site="hq")
    d = second.diff
    assert [(e["mac"], e["ip"]) for e in d["new"]] == [(MAC_D, "198.18.0.13")]
    assert sorted(e["mac"] for e in d["gone"]) == [MAC_B, MAC_C]
    assert [(e["mac"], e["old_ip"], e["new_ip"]) for e in d["moved"]] == [(MAC_A, "198.18.0.10", "198.18.0.40")]
    assert [(e["mac"], e["changes"]) for e in d["changed"]] == [(MAC_A, {"firmware": {"old": "5.5.0", "new": "5.7.3"}})]
    for entry in d["new"] + d["gone"] + d["moved"] + d["changed"]:
        assert {"ip", "mac", "vendor", "classification"} <= set(entry)

    with Inventory.open(inventory_db) as inv:
        by_mac = {x["mac"]: x for x in inv.devices(site="hq")}
        assert len(by_mac) == 4, "a move is not a new device"
        assert by_mac[MAC_A]["ip"] == "198.18.0.40" and by_mac[MAC_A]["firmware"] == "5.7.3"
        assert by_mac[MAC_C]["status"] == "verified"
        history = inv.device(MAC_C)["history"]
        assert [(h["old"], h["new"], h["by"]) for h in history] == [
            ("seen", "flagged", "scan #1"), ("flagged", "scheduled", "planner"),
            ("scheduled", "removed", "J. Smith"), ("removed", "verified", f"scan #{second.scan_id}"),
        ]
        assert history[-1]["scan"] == second.scan_id, "the verifying scan is the proof"
        assert history[2]["note"] == "ticket 4411" and all(h["at"] for h in history)
        assert inv.diff("hq") == d | {"site": "hq"}  # the CLI's default: the last two complete scans

    # C is plugged back in: it reappears.
    third = record_scan(scan(device("198.18.0.12", MAC_C, verdict=R), device("198.18.0.40", MAC_A, verdict=R, firmware="5.7.3"),
                             device("198.18.0.13", MAC_D, verdict=R)), db=inventory_db, site="hq")
    assert third.reappeared and third.exit_code == 4 | 8
    with Inventory.open(inventory_db) as inv:
        assert inv.device(MAC_C)["status"] == "reappeared"


def test_identity_falls_back_to_serial_then_onvif_endpoint_when_mac_is_missing(inventory_db: str) -> None:
    record_scan(scan(
        device("198.18.0.20", None, serial="DS-2CD2043G2-I20200101AACH123456789"),
        device("198.18.0.21", None, endpoint="urn:uuid:4d454930-0000-1000-8000-bcbac2000001"),
    ), db=inventory_db)
    second = record_scan(scan(
        device("198.18.0.30", None, serial="ds-2cd2043g2-i20200101aach123456789"),
        device("198.18.0.31", None, endpoint="URN:UUID:4d454930-0000-1000-8000-bcbac2000001"),
    ), db=inventory_db)
    assert second.diff["new"] == [] and second.diff["gone"] == []
    assert sorted((m["old_ip"], m["new_ip"]) for m in second.diff["moved"]) == [
        ("198.18.0.20", "198.18.0.30"), ("198.18.0.21", "198.18.0.31")]


def test_same_ip_with_a_different_mac_is_a_new_device_not_the_old_one(inventory_db: str) -> None:
    record_scan(scan(device("198.18.0.50", MAC_A)), db=inventory_db)
    second = record_scan(scan(device("198.18.0.50", MAC_B)), db=inventory_db)
    assert [e["mac"] for e in second.diff["new"]] == [MAC_B]
    assert [e["mac"] for e in second.diff["gone"]] == [MAC_A]


def test_a_device_without_identifiers_keeps_its_identity_by_ip(inventory_db: str) -> None:
    record_scan(scan(device("198.18.0.60", None, firmware="1")), db=inventory_db)
    second = record_scan(scan(device("198.18.0.60", None, firmware="2")), db=inventory_db)
    assert second.diff["new"] == [] and [e["changes"] for e in second.diff["changed"]] == [{"firmware": {"old": "1", "new": "2"}}]


def test_verdict_change_is_reported_and_flags_a_device_now_restricted(inventory_db: str) -> None:
    record_scan(scan(device("198.18.0.70", MAC_A, verdict=Classification.REVIEW)), db=inventory_db)
    second = record_scan(scan(device("198.18.0.70", MAC_A, verdict=R)), db=inventory_db)
    assert second.diff["changed"][0]["changes"] == {"classification": {"old": "review", "new": "restricted"}}
    assert second.flagged == (second.diff["changed"][0]["id"],)


def test_removal_is_not_verified_by_a_scan_that_did_not_cover_the_device(inventory_db: str) -> None:
    record_scan(scan(device("198.18.0.80", MAC_A, verdict=R)), db=inventory_db)
    with Inventory.open(inventory_db) as inv:
        inv.mark(MAC_A, "removed", by="tech")
    other = record_scan(scan(device("198.18.1.5", MAC_B), scope=("198.18.1.0/24",)), db=inventory_db)
    assert other.verified == ()
    partial = record_scan(scan(complete=False), db=inventory_db)
    assert partial.state == "incomplete" and partial.verified == ()
    with Inventory.open(inventory_db) as inv:
        assert inv.device(MAC_A)["status"] == "removed"
    covering = record_scan(scan(device("198.18.0.81", MAC_B)), db=inventory_db)
    assert len(covering.verified) == 1


def test_people_cannot_set_statuses_only_a_scan_may_set(inventory_db: str) -> None:
    record_scan(scan(device("198.18.0.90", MAC_A, verdict=R)), db=inventory_db)
    with Inventory.open(inventory_db) as inv:
        for status in ("verified", "reappeared", "gone-fishing"):
            with pytest.raises(TransitionError):
                inv.mark(MAC_A, status, by="tech")
        with pytest.raises(TransitionError):
            inv.mark(MAC_A, "flagged", by="tech")  # already flagged
        with pytest.raises(TransitionError):
            inv.mark(MAC_A, "removed", by="  ")
        assert inv.device(MAC_A)["status"] == "flagged"


def test_sites_keep_separate_identities_and_location_edits_are_logged(inventory_db: str) -> None:
    record_scan(scan(device("198.18.0.10", MAC_A)), db=inventory_db, site="north")
    record_scan(scan(device("198.18.0.10", MAC_B)), db=inventory_db, site="south")
    with Inventory.open(inventory_db) as inv:
        assert inv.sites() == ["north", "south"]
        with pytest.raises(Exception, match="several devices"):
            inv.mark("198.18.0.10", "flagged", by="x")
        inv.annotate("198.18.0.10", site="south", location="Gate 3, pole 2", notes="ladder needed", by="ops")
        south = inv.device("198.18.0.10", site="south")
        assert (south["location"], south["notes"]) == ("Gate 3, pole 2", "ladder needed")
        assert [(h["kind"], h["new"], h["by"]) for h in south["history"]] == [
            ("location", "Gate 3, pole 2", "ops"), ("notes", "ladder needed", "ops")]
        assert [d["mac"] for d in inv.devices(site="north")] == [MAC_A]


def test_device_text_with_nul_bytes_and_oversized_fields_is_stored(inventory_db: str) -> None:
    hostile = device("198.18.0.99", MAC_A, firmware="V1\x00" + "x" * 5000, vendor="=HYPERLINK(\"x\")")
    result = record_scan(scan(hostile), db=inventory_db)
    with Inventory.open(inventory_db) as inv:
        d = inv.devices(evidence=True)[0]
    assert result.state == "complete" and len(d["firmware"]) == 200 and "\x00" not in d["firmware"]
