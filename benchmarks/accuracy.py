"""Measure identification accuracy on the lab and on the real-device corpus; print tables.

The lab part builds the full lab of emulated devices (network namespaces, nothing leaves them),
runs ``python -m scanner scan`` inside the lab's scanner namespace, and judges every device
against its profile's ``expected``. The corpus part identifies each record of
tests/corpus/records/ (one real device response each) offline, and reports the blind half and the
seen half apart, by protocol: only the seen half may inspire fingerprints, so the blind half's
figures are the ones to quote. Scoring rules: scanner/identify/accuracy.py. Prints figures;
the floors and the rules that must never break are tests (tests/identify/test_identify_accuracy.py,
tests/engine/test_identify_accuracy_lab.py).

    sudo python benchmarks/accuracy.py [--policy uk-sensitive-sites] [--no-lab] [--show-wrong]
    python benchmarks/accuracy.py --misses seen     # what the seen half gets wrong
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RECORDS = ROOT / "tests" / "corpus" / "records"


def scan_lab(policy: str) -> tuple[list[dict[str, Any]], dict[str, tuple[str, dict[str, Any]]]]:
    """Scan the full lab from its scanner namespace: (devices of the scan document, expectations by IP)."""
    from scanner.lab import Lab

    with Lab() as lab, tempfile.TemporaryDirectory(prefix="accuracy-") as tmp:
        out = Path(tmp) / "scan.json"
        cmd = [sys.executable, "-m", "scanner", "scan", lab.subnet, "--json", str(out), "--quiet",
               "--timeout", "1.5", "--policy", policy]
        proc = lab.run(cmd, capture_output=True, text=True, timeout=600, cwd=str(ROOT))
        if proc.returncode != 0:
            raise SystemExit(f"lab scan failed ({proc.returncode}):\n{proc.stderr}")
        doc = json.loads(out.read_text(encoding="utf-8"))
        expected = {d.ip: (d.profile_name, dict(d.expected)) for d in lab.devices}
    return doc["devices"], expected


CAMERA_TYPES = ("camera", "nvr", "dvr", "encoder", "intercom")


def summary_rows(label: str, records, cases, db) -> list[tuple[str, str, Any]]:
    """The summary rows of one group of records: all, those with no value a fingerprint example,
    those declaring a maker or model field, and the cameras and recorders."""
    from scanner.identify.accuracy import declares_maker, independent_of_examples, score

    def where(keep) -> Any:  # type: ignore[no-untyped-def]
        return score([c for r, c in zip(records, cases) if keep(r)])

    return [
        (label, "**all**", score(cases)),
        (label, "**all, no value a fingerprint example**", where(lambda r: independent_of_examples(r, db))),
        # the responses in which a device declares a maker or a model by the protocol's definition
        # (ONVIF Manufacturer/Model, WS-Discovery and GetScopes scopes, UPnP manufacturer and model,
        # SADP/DHIP fields, certificate names, mDNS names): issue 9's target population
        (label, "**declares a maker or model field**", where(declares_maker)),
        # the devices the product is for: records whose expected device type is a camera or recorder
        (label, "**cameras, NVRs and DVRs**", where(lambda r: r.device_type in CAMERA_TYPES)),
    ]


def corpus_rows(db, policy) -> list[tuple[str, str, Any]]:
    """(half, protocol, Score) rows for the real-device corpus, each half by protocol, then all."""
    from scanner.identify.accuracy import load_records, record_cases, score

    records = load_records(RECORDS)
    rows = []
    for half in ("blind", "seen"):
        mine = [r for r in records if r.half == half]
        cases = record_cases(mine, db, policy)
        for protocol in sorted({r.protocol for r in mine}):
            rows.append((half, protocol, score([c for r, c in zip(mine, cases) if r.protocol == protocol])))
        rows += summary_rows(half, mine, cases, db)
    # records collected after knowledge was last written from the seen half (``collected:``): the
    # blind half of each such collection was never looked at, not even in aggregate, before this
    # table; reported apart so that first measurement stays visible
    blind = [r for r in records if r.half == "blind"]
    for day in sorted({r.collected for r in blind if r.collected}):
        fresh = [r for r in blind if r.collected == day]
        rows += summary_rows(f"blind, collected {day}", fresh, record_cases(fresh, db, policy), db)
    return rows


def hd_breakdown(db, policy) -> list[str]:
    """Where the Hikvision/Dahua-platform records that are not ``restricted`` stand, per half: named
    as built on the platform but held at ``review`` (the evidence rule wants more than one medium
    witness), or not named at all (a knowledge gap)."""
    from scanner.identify.accuracy import load_records, record_cases

    records = load_records(RECORDS)
    out = []
    for half in ("blind", "seen"):
        mine = [r for r in records if r.half == half]
        hd = [c for c in record_cases(mine, db, policy) if c.hd_platform]
        restricted = sum(c.classification == "restricted" for c in hd)
        held = sum(c.classification != "restricted" and c.got_platform == c.expected_platform for c in hd)
        out.append(f"{half}: of {len(hd)} Hikvision/Dahua-platform records, {restricted} restricted, {held} named "
                   f"as the platform but held at review (one witness below the evidence rule), "
                   f"{len(hd) - restricted - held} not named as the platform")
    return out


def seen_misses(db, policy) -> list[str]:
    """Every seen-half record identified wrongly, with its values: what fingerprint work may read."""
    from scanner.identify.accuracy import load_records, record_cases

    seen = [r for r in load_records(RECORDS) if r.half == "seen"]
    out = []
    for r, c in zip(seen, record_cases(seen, db, policy)):
        if (c.got_vendor, c.got_platform) != (c.expected_vendor, c.expected_platform):
            values = "; ".join(f"{f}={v[:80]!r}" for f, v in r.observations)
            out.append(f"{r.id}: expected {c.expected_vendor}/{c.expected_platform}, got {c.got_vendor}/{c.got_platform} ({c.classification}): {values}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", default="uk-sensitive-sites", help="policy to classify under (default uk-sensitive-sites)")
    parser.add_argument("--no-lab", action="store_true", help="corpus only (no namespaces needed)")
    parser.add_argument("--show-wrong", action="store_true", help="list every lab device with a wrong vendor or platform_vendor")
    parser.add_argument("--misses", choices=["seen"], help="list the seen half's wrongly identified records (never the blind half's)")
    args = parser.parse_args()
    from scanner.identify import load_database, load_policy
    from scanner.identify.accuracy import (
        lab_cases,
        render_corpus_table,
        render_table,
        score,
        verbatim_share,
        without_verbatim,
    )

    db = load_database()
    policy = load_policy(args.policy, db)
    print(f"policy: {policy.id}")
    if args.misses:
        for line in seen_misses(db, policy):
            print(line)
        return
    if not args.no_lab:
        devices, expected = scan_lab(args.policy)
        lab = score(lab_cases(devices, expected, db.vendors))
        bare = score(lab_cases(without_verbatim(devices, db, policy), expected, db.vendors))
        verbatim, matched = verbatim_share(devices, db)
        print(render_table([("lab", lab), ("lab without verbatim examples", bare)]))
        print(f"lab evidence matched on a fingerprint's own example, letter for letter: {verbatim} of {matched}")
        if args.show_wrong:
            for line in lab.wrong:
                print(f"  lab: {line}")
        print()
    print(render_corpus_table(corpus_rows(db, policy)))
    print()
    for line in hd_breakdown(db, policy):
        print(line)


if __name__ == "__main__":
    main()
