"""Identification accuracy on the corpus of real banners (tests/corpus/banners.yaml).

The figures (identified, right) are printed by benchmarks/accuracy.py for the README, never
asserted as thresholds. What is asserted: no device whose expected maker is organised outside the
PRC is ever ``restricted``, under either built-in policy; the corpus stays held out from the
fingerprint examples; and the scoring counts what it says it counts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from identify_fixtures import REPO_DB
from scanner.identify import load_database, load_policy
from scanner.identify.accuracy import FieldScore, corpus_cases, load_corpus, render_table, score

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "banners.yaml"
DB = load_database(REPO_DB)
ENTRIES = load_corpus(CORPUS)


@pytest.mark.parametrize("policy", ["uk-sensitive-sites", "us-ndaa"])
def test_no_real_banner_of_a_non_prc_maker_is_restricted(policy: str) -> None:
    s = score(corpus_cases(ENTRIES, DB, load_policy(policy, DB)))
    assert s.cases == len(ENTRIES)
    assert s.non_prc_cases >= 10, "the corpus must hold non-PRC makers for this to mean anything"
    assert s.non_prc_restricted == 0


def test_no_real_banner_is_restricted_unless_its_expected_maker_is_covered() -> None:
    s = score(corpus_cases(ENTRIES, DB, load_policy("uk-sensitive-sites", DB)))
    assert s.wrongly_restricted == 0


def test_the_corpus_is_held_out_from_the_fingerprint_examples() -> None:
    examples = {(field, ex.value) for f in DB.files for field in f.matches for fp in f.fingerprints for ex in fp.examples}
    reused = [(e["field"], e["value"]) for e in ENTRIES if (e["field"], e["value"]) in examples]
    assert reused == [], "a corpus value that is also a fingerprint example measures the self-test again"


def _entry(field: str, value: str, vendor: str | None, platform: str | None) -> dict:
    return {"field": field, "value": value, "source": "test", "expected": {"vendor": vendor, "platform_vendor": platform, "device_type": "camera"}}


def test_an_expectation_without_a_brand_expects_the_maker_as_brand() -> None:
    # Real Hikvision digest realm (corpus entry 2): no brand shown, so the device presents as Hikvision.
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
    s = score(corpus_cases(ENTRIES, DB, load_policy("uk-sensitive-sites", DB)))
    table = render_table([("real banners", s)]).splitlines()
    assert len(table) == 4
    assert table[2].startswith(f"| real banners ({s.cases}) | vendor | {s.vendor.identified}/{s.cases}")
    assert table[3].startswith(f"| real banners ({s.cases}) | platform_vendor | {s.platform_vendor.identified}/{s.cases}")
