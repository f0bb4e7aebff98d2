"""Brands whose relation to Hikvision rests on documents anyone can open, and brands whose relation
does not (fingerprints/vendors.yaml, k4-hik-oem).

- Prama: the company registered itself with the IEEE as "Prama Hikvision India Private Limited"
  (MA-L 24-B1-05): documented (a Hikvision newsroom address under that name is cited too, as
  found in another source's list; that page itself was not opened).
- LTS: a firmware file on LTS's own download server unpacks to a ``digicap.dav`` image
  (AndreaLandriscina/Hardcoded-Credentials-in-LTSecurity-LTK3500SF README.md
  @ 71d048f8a30b338f69c27a2213184a100807e483), the firmware file Hikvision devices fetch for
  recovery (scottlamb/hikvision-tftpd README.md @ f5ec0dea2f9ba686c9163191546da2973e86f36d): documented.
- Annke and Honeywell keep trade-press (reported) relations, so a device seen only as them is
  held at review.

The MACs sit in blocks the IEEE registry assigns to the brands (24-B1-05 Prama Hikvision India,
14-2F-FD LT Security, 00-0A-13 Honeywell Video Systems); their last three octets are the test's
own, as in test_identify_oem_oui.py. The model numbers are the brands' own part numbers, from the
sources of their model grammars in vendors.yaml (Prama's product page for PT-NC140D3-WNM(D2), LTS's
for CMIP3C42WI-28SDL, the Annke I91BM of maciej-or/hikvision_next#107).
"""

from __future__ import annotations

import pytest
from identify_fixtures import REPO_DB
from identify_fixtures import identify_alone as _verdict

from scanner.identify import load_database
from scanner.models import Classification

PRAMA_MAC = "24:b1:05:5c:02:11"
LTS_MAC = "14:2f:fd:5c:02:11"
HONEYWELL_MAC = "00:0a:13:5c:02:11"


@pytest.fixture(scope="module")
def db():  # type: ignore[no-untyped-def]
    return load_database(REPO_DB)


@pytest.mark.parametrize(("brand", "needle"), [
    ("Prama", "24-B1-05"),
    ("LTS", "digicap.dav"),
])
def test_the_raised_relations_are_documented_with_an_openable_source(db, brand, needle) -> None:  # type: ignore[no-untyped-def]
    rel = db.vendors.get(brand).relation_to("Hikvision")
    assert rel.strength == "documented"
    assert needle in rel.source or needle in (rel.note or "")


@pytest.mark.parametrize(("brand", "mac", "model"), [
    ("Prama", PRAMA_MAC, "PT-NC140D3-WNM(D2)"),
    ("LTS", LTS_MAC, "CMIP3C42WI-28SDL"),
])
def test_a_device_seen_only_as_the_brand_is_restricted(db, brand, mac, model) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = _verdict(db, ("arp.mac", mac), ("onvif.model", model))
    assert (ident.vendor, ident.platform_vendor) == (brand, "Hikvision")
    assert verdict.classification is Classification.RESTRICTED


@pytest.mark.parametrize(("brand", "mac"), [("Prama", PRAMA_MAC), ("LTS", LTS_MAC)])
def test_the_brand_alone_names_hikvision_through_the_documented_relation(db, brand, mac) -> None:  # type: ignore[no-untyped-def]
    # The OUI alone is one medium witness: not enough to restrict, but the platform now comes from
    # a documented relation, whose source the verdict quotes, not from a reported one.
    ident, verdict = _verdict(db, ("arp.mac", mac))
    assert (ident.vendor, ident.platform_vendor) == (brand, "Hikvision")
    rel = db.vendors.get(brand).relation_to("Hikvision")
    text = " ".join(verdict.reasons)
    assert rel.source in text
    assert "[documented]" in text and "maybe made by" not in text


def test_an_annke_model_alone_stays_at_review(db) -> None:  # type: ignore[no-untyped-def]
    assert db.vendors.get("Annke").relation_to("Hikvision").strength == "reported"
    ident, verdict = _verdict(db, ("onvif.model", "I91BM"))
    assert ident.vendor == "Annke"
    assert verdict.classification is Classification.REVIEW


def test_a_honeywell_oui_alone_stays_at_review(db) -> None:  # type: ignore[no-untyped-def]
    assert db.vendors.get("Honeywell").relation_to("Hikvision").strength == "reported"
    ident, verdict = _verdict(db, ("arp.mac", HONEYWELL_MAC))
    assert ident.vendor == "Honeywell"
    assert verdict.classification is Classification.REVIEW
