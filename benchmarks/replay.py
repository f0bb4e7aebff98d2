"""Identification measured from outside: the real-device corpus served over real sockets, scanned.

Each record of tests/corpus/records/ becomes a lab device that answers as the real device did
(``scanner.lab.replay``: the recorded bytes where the record keeps them, otherwise the recorded
fields in their protocol's place). The devices run in a scale lab (network namespaces, nothing
leaves them), ``python -m scanner scan`` scans them from the lab's scanner namespace, and every
device's verdict is set beside the offline identification of the same record
(``benchmarks/accuracy.py``). DHCP records, which only a listener hears, become a capture file of
each client's DISCOVER and the server's ACK, read by ``python -m scanner pcap``. Prints, per half and protocol: records served, maker right from
outside and offline, and how many records the two paths identify differently; with
``--differences seen``, the seen half's records whose live and offline verdicts differ (never the
blind half's, whose records only count).

    sudo python benchmarks/replay.py [--policy uk-sensitive-sites] [--batch 240] [--differences seen]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RECORDS = ROOT / "tests" / "corpus" / "records"
DEVICE_TYPES = {"camera", "nvr", "dvr", "encoder", "intercom", "other", "unknown"}
CAMERA_TYPES = {"camera", "nvr", "dvr", "encoder", "intercom"}
SUMMARY_ROWS = ("**declares a maker or model field**", "**cameras, NVRs, DVRs**", "**all**")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", default="uk-sensitive-sites")
    parser.add_argument("--batch", type=int, default=240, help="devices per lab (at most 245: one /24)")
    parser.add_argument("--timeout", type=float, default=1.5, help="the scan's per-probe timeout")
    parser.add_argument("--only", default="", help="comma-separated protocols to replay (default: all served)")
    parser.add_argument("--differences", choices=["seen"], help="list the seen half's records identified differently live")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("the replay lab needs root (network namespaces)")
    from scanner.identify import load_database, load_policy
    from scanner.identify.accuracy import Case, _covered, _hd_platform, _non_prc, declares_maker, load_records, record_cases, score
    from scanner.lab.replay import replays as make_replays
    from scanner.lab.replay import scan_passive, scan_replays

    db = load_database()
    policy = load_policy(args.policy, db)
    records = load_records(RECORDS)
    if args.only:
        records = [r for r in records if r.protocol in set(args.only.split(","))]
    offline = record_cases(records, db, policy)
    expectations = [{
        "vendor": r.brand or r.maker, "platform_vendor": r.maker,
        "device_type": r.device_type if r.device_type in DEVICE_TYPES else "unknown",
        "classification": c.classification,
    } for r, c in zip(records, offline)]
    plan = make_replays(records, expectations)
    skipped = Counter(p.skipped for p in plan if not p.served)
    live = scan_replays(plan, policy.id, min(args.batch, 245), args.timeout, cwd=str(ROOT))
    live.update(scan_passive(plan, policy.id, cwd=str(ROOT)))  # DHCP: a capture read passively

    rows: dict[tuple[str, str], dict[str, list[Case]]] = {}
    differ: list[str] = []
    for p, off in zip(plan, offline):
        if not p.served:
            continue
        r = p.record
        d = live.get(r.id, {})
        brand = r.brand or r.maker
        case = Case(
            name=r.id, expected_vendor=brand, expected_platform=r.maker, got_vendor=d.get("vendor"),
            got_platform=d.get("platform_vendor"), classification=d.get("classification", "unidentified"),
            restricted_is_wrong=not _covered(policy, db.vendors, r.maker, brand),
            non_prc_maker=_non_prc(db.vendors, r.maker), hd_platform=_hd_platform(db.vendors, r.maker),
            maker_unknown=r.maker is None and r.brand is None,
        )
        keys = [(r.half, r.protocol), (r.half, "**all**")]
        if r.device_type in CAMERA_TYPES:
            keys.append((r.half, "**cameras, NVRs, DVRs**"))
        if declares_maker(r):  # issue 9's population: the device sends a maker-declaring field
            keys.append((r.half, "**declares a maker or model field**"))
        if r.half == "blind" and r.collected:  # a later collection's blind part, apart (tests/corpus/README.md)
            fresh = f"blind, collected {r.collected}"
            keys += [(fresh, k[1]) for k in keys if k[1] in SUMMARY_ROWS]
        for key in keys:
            slot = rows.setdefault(key, {"live": [], "offline": [], "differ": []})
            slot["live"].append(case)
            slot["offline"].append(off)
            if (case.got_vendor, case.got_platform, case.classification) != (off.got_vendor, off.got_platform, off.classification):
                slot["differ"].append(case)
        if r.half == "seen" and (case.got_vendor, case.got_platform, case.classification) != (off.got_vendor, off.got_platform, off.classification):
            differ.append(f"{r.id} [{r.protocol}]: live {case.got_vendor}/{case.got_platform} ({case.classification}), "
                          f"offline {off.got_vendor}/{off.got_platform} ({off.classification}); expected {brand}/{r.maker}"
                          + (f"; composed: {', '.join(p.approximate)}" if p.approximate else ""))

    print(f"policy: {policy.id}")
    print(f"records: {len(plan)}; served: {sum(p.served for p in plan)}; not served: "
          + "; ".join(f"{n} ({why})" for why, n in skipped.most_common()))
    print("| half | protocol | served | maker right, live | maker right, offline | Hikvision/Dahua restricted, live | offline "
          "| wrongly restricted, live | restricted, source names no maker, live | identified differently |")
    print("|---|---|---:|---|---|---|---|---:|---:|---:|")

    def share(n: int, total: int) -> str:
        return f"{n}/{total} ({100 * n / total:.0f}%)" if total else "0/0"

    halves = ["blind", "seen"] + sorted({k[0] for k in rows} - {"blind", "seen"})
    for half in halves:
        keys = sorted(k for k in rows if k[0] == half and k[1] not in SUMMARY_ROWS) + [(half, k) for k in SUMMARY_ROWS]
        for key in keys:
            if key not in rows:
                continue
            slot = rows[key]
            lv, of = score(slot["live"]), score(slot["offline"])
            print(f"| {half} | {key[1]} | {lv.cases} | {share(lv.platform_vendor.right, lv.cases)} "
                  f"| {share(of.platform_vendor.right, of.cases)} | {share(lv.hd_restricted, lv.hd_cases)} "
                  f"| {share(of.hd_restricted, of.hd_cases)} | {lv.wrongly_restricted} | {lv.unknown_restricted} | {len(slot['differ'])} |")
    if args.differences:
        for line in differ:
            print(line)


if __name__ == "__main__":
    main()
