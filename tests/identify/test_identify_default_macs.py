"""A MAC that firmware ships as a default names no maker (fingerprints/oui.yaml ``defaults``).

Two Imou IPC-C22F-C cameras both listed 00-30-1B-BA-02-DB as the first hardware address of their
ONVIF GetNetworkInterfaces answer (home-assistant/core#162687, seen-half record
onvif-imou-ipc-c22f-c-shared-hwaddress-ha-core-162687); that block is registered to a PC maker,
and the scanner named it as the camera's brand. The same address in a neighbour's block, one
digit away, is still read as the registry says.
"""

from __future__ import annotations

from identify_fixtures import identify_alone, make_database

from scanner.identify import load_database
from scanner.identify.fingerprints import load_database as load_at
from scanner.identify.oui import lookup
from scanner.models import Classification

SHARED = "00-30-1B-BA-02-DB"  # as the cameras wrote it


def test_a_default_mac_names_no_maker_in_any_field_or_spelling():
    db = load_database()
    for field in ("arp.mac", "onvif.mac", "dhip.mac"):
        for value in (SHARED, SHARED.lower().replace("-", ":"), SHARED.replace("-", "")):
            ident, verdict = identify_alone(db, (field, value))
            assert (ident.vendor, ident.platform_vendor) == (None, None), (field, value)
            assert verdict.classification == Classification.UNIDENTIFIED
    assert "default MAC" in lookup(SHARED, db).via


def test_only_the_whole_address_is_a_default_not_its_block():
    db = load_database()
    neighbour = lookup("00:30:1b:ba:02:dc", db)
    assert neighbour.org is not None and "default" not in neighbour.via
    ident, _ = identify_alone(db, ("arp.mac", "00:30:1b:ba:02:dc"))
    assert ident.vendor is not None  # the registrant, as a weak brand


def test_a_malformed_defaults_entry_is_a_load_problem(tmp_path):
    bad = {"description": "x", "defaults": [{"mac": "00:30:1B", "source": "s"}], "overrides": []}
    db = load_at(make_database(tmp_path / "db", oui=bad), strict=False)
    assert any(p.file == "oui.yaml" for p in db.problems)
    assert db.default_macs == ()
