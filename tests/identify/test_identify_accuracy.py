"""Identification accuracy on the real-device corpus (tests/corpus/records/).

Both sides are asserted. No device whose expected maker is organised outside the PRC is ever
``restricted``, under either built-in policy; *and* floors on how many makers are named right and
how many Hikvision- and Dahua-platform devices are restricted, so a scanner that names nothing
fails too (the floors sit below the measured figures, which benchmarks/accuracy.py prints for the
README). The corpus stays held out from the fingerprint examples, and the scoring counts what it
says it counts.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from identify_fixtures import REPO_DB
from scanner.identify import load_database, load_policy
from scanner.identify.accuracy import (
    FieldScore,
    corpus_cases,
    independent_of_examples,
    load_records,
    record_cases,
    render_table,
    score,
)

RECORDS = load_records(Path(__file__).resolve().parents[1] / "corpus" / "records")
DB = load_database(REPO_DB)


def _restricted_lines(s, cases_by_name) -> list[str]:  # type: ignore[no-untyped-def]
    """What a failure may print: seen-half records by name and values, blind ones only counted."""
    lines = [w for w in s.wrong if "(restricted)" in w]
    seen = [w for w in lines if cases_by_name.get(w.split(" ", 1)[0]) == "seen"]
    return seen + [f"and {len(lines) - len(seen)} blind-half record(s), not listed"]


HALF = {r.id: r.half for r in RECORDS}


@pytest.mark.parametrize("policy", ["uk-sensitive-sites", "us-ndaa"])
def test_no_real_device_of_a_non_prc_maker_is_restricted(policy: str) -> None:
    s = score(record_cases(RECORDS, DB, load_policy(policy, DB)))
    assert s.cases == len(RECORDS) >= 400
    assert s.non_prc_cases >= 100, "the corpus must hold non-PRC makers for this to mean anything"
    assert s.non_prc_restricted == 0, _restricted_lines(s, HALF)


@pytest.mark.parametrize("policy", ["uk-sensitive-sites", "us-ndaa"])
def test_no_real_device_is_restricted_when_the_maker_its_source_names_is_not_covered(policy: str) -> None:
    # A record whose source names neither maker nor brand (an owner's log with a Hikvision realm
    # form, 'IP Camera(L4906)') cannot show a `restricted` verdict wrong; those are counted apart
    # (Score.unknown_restricted, in the README's table) and are not this rule's business.
    s = score(record_cases(RECORDS, DB, load_policy(policy, DB)))
    assert s.wrongly_restricted == 0, _restricted_lines(s, HALF)
    assert s.unknown_restricted <= 12, "restricted where no source names a maker: " + str(_restricted_lines(s, HALF))


@pytest.mark.parametrize("half", ["seen", "blind"])
def test_floors_a_scanner_that_names_nothing_would_fail(half: str) -> None:
    mine = [r for r in RECORDS if r.half == half]
    s = score(record_cases(mine, DB, load_policy("uk-sensitive-sites", DB)))
    assert s.platform_vendor.right >= 0.65 * s.cases, f"{s.platform_vendor.right} of {s.cases} makers right"
    assert s.platform_vendor.identified_right >= 0.9 * s.platform_vendor.identified, "named makers are mostly right"
    assert s.hd_cases >= 10 and s.hd_restricted >= 0.7 * s.hd_cases, f"{s.hd_restricted} of {s.hd_cases} restricted"


def test_most_of_the_corpus_is_independent_of_the_fingerprint_examples() -> None:
    # Records some of whose values are fingerprint examples (both came from Recog or nmap) are
    # scored apart by the benchmark; most records must be independent, and the floors hold there.
    independent = [r for r in RECORDS if independent_of_examples(r, DB)]
    assert len(independent) >= 0.6 * len(RECORDS)
    blind = [r for r in independent if r.half == "blind"]
    s = score(record_cases(blind, DB, load_policy("uk-sensitive-sites", DB)))
    assert s.platform_vendor.right >= 0.55 * s.cases and s.non_prc_restricted == 0


def _entry(field: str, value: str, vendor: str | None, platform: str | None) -> dict:
    return {"field": field, "value": value, "source": "test", "expected": {"vendor": vendor, "platform_vendor": platform, "device_type": "camera"}}


def test_an_expectation_without_a_brand_expects_the_maker_as_brand() -> None:
    # A Hikvision digest realm form (Recog http_wwwauth.xml): no brand shown, so the device presents as Hikvision.
    (case,) = corpus_cases([_entry("http.realm", "IP Camera(76475)", None, "Hikvision")], DB, load_policy("uk-sensitive-sites", DB))
    assert (case.expected_vendor, case.got_vendor, case.got_platform) == ("Hikvision", "Hikvision", "Hikvision")
    s = score([case])
    assert (s.vendor.right, s.platform_vendor.right, s.platform_vendor.identified_right, s.wrongly_restricted) == (1, 1, 1, 0)


def test_a_restricted_verdict_against_a_non_prc_expectation_is_counted() -> None:
    # The same real Hikvision realm, deliberately mislabelled Axis: the scorer must flag it.
    (case,) = corpus_cases([_entry("http.realm", "IP Camera(76475)", "Axis", "Axis")], DB, load_policy("uk-sensitive-sites", DB))
    s = score([case])
    assert case.classification == "restricted"
    assert (s.non_prc_cases, s.non_prc_restricted, s.wrongly_restricted) == (1, 1, 1)
    assert (s.vendor.identified, s.vendor.right, s.vendor.identified_right) == (1, 0, 0)
    assert s.wrong and "expected Axis/Axis, got Hikvision/Hikvision" in s.wrong[0]


def test_nothing_identified_is_right_only_when_nothing_was_expected() -> None:
    pol = load_policy("uk-sensitive-sites", DB)
    # Real Boa banner of an IP camera (Recog): it names no maker.
    none_expected, maker_expected = corpus_cases(
        [_entry("http.server", "Boa/0.94.14rc18-ipcam", None, None), _entry("http.server", "Boa/0.94.14rc18-ipcam", None, "Dahua")], DB, pol
    )
    assert score([none_expected]).platform_vendor == FieldScore(identified=0, right=1, identified_right=0)
    assert score([maker_expected]).platform_vendor.right == 0


def test_the_table_has_a_row_per_case_set_and_field() -> None:
    s = score(record_cases(RECORDS, DB, load_policy("uk-sensitive-sites", DB)))
    table = render_table([("real banners", s)]).splitlines()
    assert len(table) == 4
    assert table[2].startswith(f"| real banners ({s.cases}) | vendor | {s.vendor.identified}/{s.cases}")
    assert table[3].startswith(f"| real banners ({s.cases}) | platform_vendor | {s.platform_vendor.identified}/{s.cases}")


def test_a_restricted_verdict_where_the_source_names_no_maker_is_counted_apart() -> None:
    # The real Hikvision realm form again, in a record whose source names no maker: restricted,
    # counted as 'source names no maker', never as wrongly restricted; a named non-PRC maker still is.
    (case,) = record_cases(
        [r for r in RECORDS if r.id == "rtsp-realm-l4906-frigate-9006"], DB, load_policy("uk-sensitive-sites", DB)
    )
    assert (case.maker_unknown, case.classification) == (True, "restricted")
    s = score([case])
    assert (s.wrongly_restricted, s.unknown_restricted) == (0, 1)
    (named,) = corpus_cases([_entry("rtsp.realm", "IP Camera(L4906)", "Axis", "Axis")], DB, load_policy("uk-sensitive-sites", DB))
    assert (score([named]).wrongly_restricted, score([named]).unknown_restricted) == (1, 0)


def test_an_expectation_written_as_a_registry_alias_is_scored_under_the_canonical_name() -> None:
    # The same real Hikvision realm record, its maker written the way a source may write it (a
    # registry alias of Hikvision): the scanner answers with the canonical name, and that is right.
    (record,) = [r for r in RECORDS if r.id == "rtsp-realm-l4906-frigate-9006"]
    aliased = dataclasses.replace(record, maker="Hangzhou Hikvision", brand=None)
    unknown = dataclasses.replace(record, maker="Some Maker Nobody Registered", brand=None)
    pol = load_policy("uk-sensitive-sites", DB)
    (case, other) = record_cases([aliased, unknown], DB, pol)
    assert (case.expected_platform, case.got_platform, case.hd_platform, case.restricted_is_wrong) == ("Hikvision", "Hikvision", True, False)
    assert score([case]).platform_vendor.right == 1
    # a name the registry does not know is kept as written, and a Hikvision answer is wrong for it
    assert (other.expected_platform, score([other]).platform_vendor.right) == ("Some Maker Nobody Registered", 0)
