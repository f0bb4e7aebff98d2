"""A maker the registry knows by name but whose ownership no source establishes (`prc_organised:
null`): devices that name it are identified, and never cleared; the entry must say where its
ownership was looked for."""

from __future__ import annotations

from scanner.identify import check_database
from scanner.models import Classification

from identify_fixtures import identify_alone, vendors_doc

# Recog xml/http_servers.xml "Netwave cameras": the Server header a Netwave camera sends
# (Rapid7 Recog, https://github.com/rapid7/recog/blob/main/xml/http_servers.xml); the same
# value is the seen corpus record recog-http-server-netwave-ip-camera.
NETWAVE_SERVER = "Netwave IP Camera"


def _with(entry: dict) -> dict:  # type: ignore[type-arg]
    doc = vendors_doc()
    doc["vendors"] = [v for v in doc["vendors"] if v["name"] != entry["name"]] + [entry]
    return doc


def _entry(**over: object) -> dict:  # type: ignore[type-arg]
    entry = {
        "name": "Netwave",
        "kind": "brand",
        "category": "video-surveillance (consumer IP cameras)",
        "country": "--",
        "prc_organised": None,
        "aliases": ["Netwave"],
        "source": "Rapid7 Recog xml/http_servers.xml (Netwave cameras) https://github.com/rapid7/recog",
        "searched": "test fixture: where the company is organised was not established",
    }
    entry.update(over)
    return entry


def test_a_maker_of_unknown_ownership_is_named_and_sent_to_review_not_cleared(db_factory) -> None:  # type: ignore[no-untyped-def]
    db = db_factory(vendors=_with(_entry()))
    ident, verdict = identify_alone(db, ("http.server", NETWAVE_SERVER))
    assert ident.vendor == "Netwave"
    assert verdict.classification is Classification.REVIEW
    assert any("no source it holds says where the company is organised" in r for r in verdict.reasons), verdict.reasons


def test_the_same_maker_with_a_sourced_non_prc_organisation_is_cleared(db_factory) -> None:  # type: ignore[no-untyped-def]
    """The control: only the unknown ownership keeps the device in review."""
    db = db_factory(vendors=_with(_entry(prc_organised=False, country="US")))
    ident, verdict = identify_alone(db, ("http.server", NETWAVE_SERVER))
    assert ident.vendor == "Netwave"
    assert verdict.classification is not Classification.RESTRICTED
    assert not any("no source it holds" in r for r in verdict.reasons), verdict.reasons


def test_unknown_ownership_without_a_searched_note_fails_the_self_test(db_factory) -> None:  # type: ignore[no-untyped-def]
    db = db_factory(vendors=_with(_entry(searched="")))
    assert any("prc_organised is unknown (null) without a 'searched' note" in str(p) for p in check_database(db))
    db = db_factory(vendors=_with(_entry()))
    assert not any("Netwave" in str(p) and "prc_organised" in str(p) for p in check_database(db))


def test_a_company_in_china_cannot_have_unknown_ownership(db_factory) -> None:  # type: ignore[no-untyped-def]
    db = db_factory(vendors=_with(_entry(country="CN")))
    assert any("country CN but prc_organised is unknown" in str(p) for p in check_database(db))
