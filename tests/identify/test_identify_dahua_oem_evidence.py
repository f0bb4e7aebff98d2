"""Dahua OEM brands: what each brand's relation to Dahua rests on (k5-dahua-oem audit).

A relation is `documented` only on the brand's own products or papers (its own firmware files
being Dahua builds, as for Amcrest). Lorex's own firmware server shows Dahua builds for its NR
and N8xx recorders and some LNR/DNR ones, but not for its other DVRs, so its oem-customer relation is
documented while Lorex keeps no platform: a device seen only as Lorex stays `review`. ENS
Security's Dahua relation holds for its Diamond line only, so it no longer yields a platform.
The other brands keep `reported` or `suspected`, and a device seen only as one of them stays
`review`.
"""

from __future__ import annotations

import pytest
from identify_fixtures import MAC_LOREX, REPO_DB, identify_alone

from scanner.identify import load_database
from scanner.models import Classification

# IEEE OUI registry (as shipped with netaddr): 20-DE-88 IC Realtime LLC
MAC_IC_REALTIME = "20:de:88:00:00:01"


@pytest.fixture(scope="module")
def db():  # type: ignore[no-untyped-def]
    return load_database(REPO_DB)


def _dahua_relations(db, brand: str):  # type: ignore[no-untyped-def]
    v = db.vendors.get(brand)
    assert v is not None, brand
    return [r for r in v.relations if r.to == "Dahua"]


def test_lorex_oem_relation_is_documented_on_its_own_firmware_server(db) -> None:  # type: ignore[no-untyped-def]
    (oem,) = [r for r in _dahua_relations(db, "Lorex") if r.type == "oem-customer"]
    assert oem.strength == "documented"
    assert "amcrest-compatible-finder" in oem.source and "9b500f98db5925fa737e1d220e2ceba4ac6751c1" in oem.source
    # several platforms (its DVRs show no Dahua build), so no platform on the brand
    assert db.vendors.get("Lorex").platform is None


@pytest.mark.parametrize(
    ("observations", "platform"),
    [
        # Lorex NR818: a recorder the Dahua event API was confirmed on
        # (kushagharahi/homebridge-dahua-alerts README.md @a9696705dc78dae66023802c4b533a6be625ed56)
        # whose line's grammar names Dahua as the platform (a grammar's platform, Lorex's NR firmware
        # files are Dahua builds), one medium witness: review
        pytest.param([("onvif.model", "NR818")], "Dahua", id="Lorex NR818 model"),
        pytest.param([("arp.mac", MAC_LOREX)], None, id="Lorex MAC block"),
    ],
)
def test_a_device_seen_only_as_lorex_stays_review(db, observations, platform) -> None:  # type: ignore[no-untyped-def]
    ident, v = identify_alone(db, *observations)
    assert ident.vendor == "Lorex" and ident.platform_vendor == platform
    assert v.classification is Classification.REVIEW


def test_ens_security_is_narrowed_to_its_diamond_line(db) -> None:  # type: ignore[no-untyped-def]
    ens = db.vendors.get("ENS Security")
    assert ens is not None and ens.platform is None
    (rel,) = _dahua_relations(db, "ENS Security")
    assert rel.strength == "reported" and "Diamond" in (rel.note or "")


@pytest.mark.parametrize(
    ("brand", "strength"),
    [
        ("IC Realtime", "reported"),
        ("Loryta", "reported"),
        ("KBVision", "reported"),
        ("Montavue", "reported"),
        ("Optiview", "reported"),
        ("Speco", "reported"),
        ("Intelbras", "reported"),
        ("Honeywell", "reported"),
        ("Inaxsys", "reported"),
        ("SecurityTronix", "reported"),
        ("WatchNet", "reported"),
        ("Winic", "reported"),
        ("Zuum", "reported"),
        ("CP Plus", "reported"),
        ("DH Vision", "reported"),
        ("RVi Group", "reported"),
        ("VIP Vision", "reported"),
        ("Activecam", "suspected"),
        ("Ameta", "suspected"),
        ("Q-See", "suspected"),
        ("Rhodium", "suspected"),
        ("Sansco", "suspected"),
    ],
)
def test_brands_without_own_documents_keep_their_strength(db, brand: str, strength: str) -> None:  # type: ignore[no-untyped-def]
    (rel,) = [r for r in _dahua_relations(db, brand) if r.type == "oem-customer"]
    assert rel.strength == strength


def test_a_device_seen_only_as_a_reported_dahua_oem_stays_review(db) -> None:  # type: ignore[no-untyped-def]
    ident, v = identify_alone(db, ("arp.mac", MAC_IC_REALTIME))
    assert ident.vendor == "IC Realtime" and ident.platform_vendor == "Dahua"
    assert ident.platform_inferred is not None and ident.platform_inferred.strength == "reported"
    assert v.classification is Classification.REVIEW
    assert "not confirmed on the wire" in v.reasons[0]
