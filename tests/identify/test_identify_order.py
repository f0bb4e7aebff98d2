"""What a device said decides its identity, not the order it was heard in. ARP answers first in a
scan and last in a capture; a DHIP or SADP reply's keys come in the device's order; a corpus
record lists them as its source printed them. Replaying the corpus over real sockets
(benchmarks/replay.py) found DHIP replies named differently live and offline: two makers tied on
weight and the first one heard won. Every corpus record, shuffled, must give the same identity and
the same verdict. A failure lists the seen half's records and only counts the blind half's."""

from __future__ import annotations

import random
from pathlib import Path

from scanner.identify import classify, load_database, load_policy
from scanner.identify.accuracy import load_records
from scanner.identify.identity import _Votes, _Witness, build_identity
from scanner.identify.matcher import match_observation
from scanner.models import Observation

RECORDS = load_records(Path(__file__).resolve().parents[1] / "corpus" / "records")
SHUFFLES = 4


def _outcome(results, db, policy) -> tuple:
    ident = build_identity(results, db)
    verdict = classify(ident, policy, db.vendors)
    return (ident.vendor, ident.platform_vendor, ident.model, ident.firmware, ident.serial, ident.hostname,
            ident.device_type, round(ident.confidence, 6), verdict.classification)


def test_every_corpus_record_is_identified_alike_in_any_order():
    db = load_database()
    policy = load_policy("uk-sensitive-sites", db)
    seen, blind, tried = [], 0, 0
    for record in RECORDS:
        results = [match_observation(Observation("198.18.0.9", f.split(".")[0], f, v), db) for f, v in record.observations]
        if len(results) < 2:
            continue
        tried += 1
        first = _outcome(results, db, policy)
        rng = random.Random(record.id)  # fixed per record: a failure repeats
        for _ in range(SHUFFLES):
            order = results[:]
            rng.shuffle(order)
            if _outcome(order, db, policy) != first:
                if record.half == "seen":
                    seen.append(record.id)
                else:
                    blind += 1
                break
    assert tried > 500
    assert not seen and not blind, f"order decides the identity of seen records {seen} and of {blind} blind records"


def test_a_tie_on_weight_goes_to_the_value_more_fields_name_then_to_the_fuller_spelling():
    """The rule on its own, without device values: equal weight from one probe; two fields name A,
    one names B, whichever is heard first. Then, of one value spelt in two cases, the spelling
    with capitals, whichever came first; and a value sent as written over one derived from it."""
    for first, second in (("A", "B"), ("B", "A")):
        votes = _Votes()
        for name in (first, second):
            for n in range(2 if name == "A" else 1):
                votes.add(name, "dhip", 3.0, f"fp-{name}-{n}", seen=_Witness(f"fp-{name}-{n}", f"dhip.field{n}", name, 3.0))
        assert votes.top() == "A"
    for values in (("dcs-935l", "DCS-935L"), ("DCS-935L", "dcs-935l")):
        votes = _Votes()
        for v in values:
            votes.add(v, "mdns", 2.0, "protocol field")
        assert votes.top() == "DCS-935L"
    for derived_first in (True, False):
        votes = _Votes()
        pairs = [("DERIVED-1", False), ("SENT-1", True)]
        for v, verbatim in (pairs if derived_first else pairs[::-1]):
            votes.add(v, "onvif", 2.0, "grammar", verbatim=verbatim)
        assert votes.top() == "SENT-1"


def test_observations_are_counted_in_one_order_and_shown_in_the_order_heard():
    """Evidence keeps the order heard (a report lists what came first first); the votes do not
    depend on it (a real record: mdns-dlink-dcs-935l-http-config-utility-2-iot-sentinel)."""
    db = load_database()
    record = next(r for r in RECORDS if r.id == "mdns-dlink-dcs-935l-http-config-utility-2-iot-sentinel")
    results = [match_observation(Observation("198.18.0.9", "mdns", f, v, 5353), db) for f, v in record.observations]
    forward, backward = build_identity(results, db), build_identity(results[::-1], db)
    assert forward.model == backward.model == "DCS-935L"
    assert [e.field for e in forward.evidence] == [e.field for e in backward.evidence][::-1]
