"""A company that makes network modules or chips other makers build in (`kind: component`):
its IEEE block on a device's MAC says whose Wi-Fi module the device carries, not who made the
device, so it names no maker and no brand (before this, an IEEE organisation the registry did not
know became the device's brand)."""

from __future__ import annotations

from scanner.models import Classification

from identify_fixtures import identify_alone, vendors_doc

# The MAC of a Blink indoor camera (tj-oconnor IoT dataset; seen corpus record
# mac-blink-indoor-camera-f4b85eff2b1b-tj-oconnor): its block F4:B8:5E is Texas Instruments'
# (IEEE registry), the maker of the camera's SimpleLink Wi-Fi module (its DHCP host name
# 'F4B85EFF2B1B-mysimplelink', the same record set).
BLINK_MAC = "f4:b8:5e:ff:2b:1b"


def _with_ti(kind: str) -> dict:  # type: ignore[type-arg]
    doc = vendors_doc()
    doc["vendors"] = [v for v in doc["vendors"] if v["name"] != "Texas Instruments"] + [{
        "name": "Texas Instruments",
        "kind": kind,
        "category": "semiconductors (Wi-Fi modules and chips)",
        "country": "US",
        "prc_organised": False,
        "ieee_names": ["Texas Instruments"],
        "source": "IEEE OUI registry (Texas Instruments, F4-B8-5E); ti.com SimpleLink Wi-Fi",
    }]
    return doc


def test_a_module_makers_block_names_no_maker_and_no_brand(db_factory) -> None:  # type: ignore[no-untyped-def]
    db = db_factory(vendors=_with_ti("component"))
    ident, verdict = identify_alone(db, ("arp.mac", BLINK_MAC))
    assert (ident.vendor, ident.platform_vendor) == (None, None)
    assert verdict.classification is Classification.UNIDENTIFIED
    assert any("network module (Texas Instruments)" in r for r in verdict.reasons), verdict.reasons


def test_without_the_component_entry_the_registrant_is_taken_as_the_brand(db_factory) -> None:  # type: ignore[no-untyped-def]
    """The control: the same MAC with Texas Instruments unknown to the registry (the old fallback)."""
    doc = vendors_doc()
    doc["vendors"] = [v for v in doc["vendors"] if v["name"] != "Texas Instruments"]
    ident, _ = identify_alone(db_factory(vendors=doc), ("arp.mac", BLINK_MAC))
    assert ident.vendor == "Texas Instruments"


def test_a_component_makers_module_beside_a_camera_makers_banner_leaves_the_camera_maker(db_factory) -> None:  # type: ignore[no-untyped-def]
    # with Hikvision's App-webs/ server header (Recog's example) the maker stays Hikvision
    db = db_factory(vendors=_with_ti("component"))
    ident, verdict = identify_alone(db, ("arp.mac", BLINK_MAC), ("http.server", "App-webs/"))
    assert ident.platform_vendor == "Hikvision" and ident.vendor in (None, "Hikvision")
    assert verdict.classification is Classification.RESTRICTED
