"""A certificate's distinguished name reads in two orders: RFC 4514 (the TLS probe, Python's
``cryptography``) lists the last RDN first, OpenSSL's one-line form the first first. Recog's
x509 examples are in OpenSSL's order, so a fingerprint written from them must still match what
the probe reports. Found by replaying the corpus over real sockets (tests/corpus/test_replay.py)."""

from __future__ import annotations

from scanner.identify import load_database, match_observation
from scanner.identify.matcher import reversed_dn
from scanner.models import Observation

# Recog xml/x509_subjects.xml @14fa1a7, "Cisco IP Phone without serial number" (a real phone's CN)
CISCO_PHONE = "CN=SEP1C6A7AE57121,O=TemporaryDefaultCertificate"


def test_reversed_dn_keeps_escaped_commas_inside_their_value():
    assert reversed_dn("CN=a,O=b") == "O=b,CN=a"
    assert reversed_dn(r"CN=cam,O=Example Co.\,Ltd.,C=CN") == r"C=CN,O=Example Co.\,Ltd.,CN=cam"
    assert reversed_dn(reversed_dn(CISCO_PHONE)) == CISCO_PHONE


def test_a_subject_fingerprint_matches_in_either_attribute_order():
    db = load_database()
    for value in (CISCO_PHONE, reversed_dn(CISCO_PHONE)):
        result = match_observation(Observation("198.18.0.5", "http", "tls.subject", value, 443), db)
        assert {m.params.get("vendor") for m in result.matches} == {"Cisco"}, value


def test_the_other_order_is_not_tried_on_fields_that_are_not_names():
    db = load_database()
    # a title that only matches reversed would be a false match: titles are not split on commas
    result = match_observation(Observation("198.18.0.5", "http", "http.title", "O=TemporaryDefaultCertificate,CN=SEP1C6A7AE57121", 80), db)
    assert not [m for m in result.matches if m.params.get("vendor") == "Cisco"]
