"""Corroboration inside one response: two independent fields of one answer that name the same
maker, one of them medium or stronger, are enough to restrict (identity.py, README 'Verdicts').

Every value is a real device's (seen-half records of tests/corpus/records/, source beside each),
identified with the shipped database.
"""

from __future__ import annotations

import pytest
from identify_fixtures import REPO_DB
from identify_fixtures import identify_alone as _verdict

from scanner.identify import load_database
from scanner.models import Classification

# q191201771/lal pkg/rtsp/auth_test.go @e0a5c4dd57e92025a7c4061b8a632083860aa228: OPTIONS answer
# on Dahua's /cam/realmonitor path (record rtsp-dahua-options-rtsp-server-3-lal-auth-test)
DAHUA_OPTIONS = (
    ("rtsp.server", "Rtsp Server/3.0"),
    ("rtsp.public", "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, SET_PARAMETER, GET_PARAMETER, ANNOUNCE"),
)
# scottlamb/retina src/client/testdata/dahua_describe_h265_pcma.txt
# @6972ac4261ce7bf5b585da9051606c7b5c0ab82c: session lines of a Dahua camera's DESCRIBE answer
# (record rtsp-dahua-describe-h265-pcma-retina)
DAHUA_DH_ATTRIBUTES = (
    ("rtsp.sdp_attribute", "control:*"),
    ("rtsp.sdp_attribute", "packetization-supported:DH"),
    ("rtsp.sdp_attribute", "rtppayload-supported:DH"),
    ("rtsp.sdp_attribute", "range:npt=now-"),
)
DAHUA_DESCRIBE = (("rtsp.sdp_session", "Media Server"), *DAHUA_DH_ATTRIBUTES)


@pytest.fixture(scope="module")
def db():  # type: ignore[no-untyped-def]
    return load_database(REPO_DB)


@pytest.mark.parametrize(
    "observations",
    [
        pytest.param(DAHUA_OPTIONS, id="Rtsp Server/3.0 banner and its method list"),
        pytest.param(DAHUA_DESCRIBE, id="DH SDP attribute and the Media Server session name"),
    ],
)
def test_a_medium_witness_corroborated_by_another_field_of_the_answer_restricts(db, observations) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = _verdict(db, *observations)
    assert (ident.platform_vendor, ident.support_strength, ident.support_probes) == ("Dahua", "medium", 1)
    assert ident.support_fields == 2 and ident.enough_to_restrict
    assert verdict.classification is Classification.RESTRICTED


def test_one_fingerprint_matching_two_fields_is_one_witness(db) -> None:  # type: ignore[no-untyped-def]
    # packetization-supported:DH and rtppayload-supported:DH are one fingerprint's two examples:
    # the same fact twice, so the DESCRIBE without its session line stays review
    ident, verdict = _verdict(db, *DAHUA_DH_ATTRIBUTES)
    assert (ident.platform_vendor, ident.support_strength, ident.support_fields) == ("Dahua", "medium", 0)
    assert verdict.classification is Classification.REVIEW
    assert "Not enough evidence to restrict" in verdict.reasons[0]


def test_two_weak_fields_of_one_answer_do_not_restrict(db) -> None:  # type: ignore[no-untyped-def]
    # A Uniview IPC2122LB-SF28K-A's RTSP answers: the Digest realm that is its MAC (C4:79:05 is
    # Zhejiang Uniview; https://github.com/bluenviron/mediamtx/issues/4660) and the OPTIONS
    # method list of the same model (https://github.com/bluenviron/mediamtx/issues/5008).
    # Both weak: corroboration needs one medium or stronger witness.
    ident, verdict = _verdict(
        db,
        ("rtsp.realm", "c4790503a344"),
        ("rtsp.public", "OPTIONS,DESCRIBE,SETUP,PLAY,PAUSE,TEARDOWN,ANNOUNCE,SET_PARAMETER,GET_PARAMETER"),
    )
    assert (ident.platform_vendor, ident.support_strength, ident.support_fields) == ("Uniview", "weak", 0)
    assert verdict.classification is Classification.REVIEW


def test_the_review_reason_states_the_corroboration_rule(db) -> None:  # type: ignore[no-untyped-def]
    _, verdict = _verdict(db, DAHUA_OPTIONS[0])
    assert verdict.classification is Classification.REVIEW
    # the first reason is the finding and what holds it back; the rule follows as the second
    assert verdict.reasons[0].startswith("Not enough evidence to restrict (medium evidence from 1 probe) for: Made by Dahua")
    assert "a medium witness and another field of the same response" in verdict.reasons[1]


# https://github.com/home-assistant/core/issues/54531 (a zeroconf DEBUG log of an Amcrest camera):
# its _http._tcp instance, host name and TXT 'host' are all its serial; and the MAC its TXT gave
AMCREST_SERIAL = "AMC0475300456616AF"
AMCREST_MDNS = (
    ("mdns.name", AMCREST_SERIAL),
    ("mdns.hostname", f"{AMCREST_SERIAL}.local."),
    ("mdns.txt", f"host={AMCREST_SERIAL}"),
)


def test_one_serial_quoted_in_several_fields_is_one_witness(db) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = _verdict(db, *AMCREST_MDNS)
    assert (ident.vendor, ident.platform_vendor) == ("Amcrest", "Dahua")
    assert ident.support_fields == 0 and verdict.classification is Classification.REVIEW, verdict.reasons
    # the MAC is a second, independent witness (another probe): two witnesses restrict
    ident, verdict = _verdict(db, *AMCREST_MDNS, ("arp.mac", "9c:8e:cd:23:81:11"))
    assert ident.support_probes == 2 and verdict.classification is Classification.RESTRICTED, verdict.reasons
