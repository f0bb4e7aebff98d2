"""Identification accuracy on the lab, measured the way benchmarks/accuracy.py measures it: the
full lab scanned from its scanner namespace, each device judged against its profile's
``expected``. Both sides are asserted: no device of a non-PRC maker is restricted, under either
policy, *and* every Hikvision- or Dahua-platform device is restricted and nearly every maker is
named, so a scanner that names nothing fails too. The lab's own copies of fingerprint examples
are measured: identification must mostly survive without them."""

from __future__ import annotations

import pytest

from benchmarks.accuracy import scan_lab
from scanner.identify import load_database, load_policy
from scanner.identify.accuracy import lab_cases, render_table, score, verbatim_share, without_verbatim
from scanner.lab import list_profiles
from tests.lab.conftest import needs_lab

pytestmark = [pytest.mark.lab, needs_lab]


@pytest.mark.parametrize("policy", ["uk-sensitive-sites", "us-ndaa"])
def test_no_lab_device_of_a_non_prc_maker_is_restricted(policy: str) -> None:
    devices, expected = scan_lab(policy)
    s = score(lab_cases(devices, expected, load_database().vendors))
    print(render_table([(f"lab, {policy}", s)]))
    assert s.cases == len(list_profiles())
    assert s.non_prc_cases >= 4  # Axis, Bosch, Hanwha and the Brother printer at least
    assert s.non_prc_restricted == 0, s.wrong
    # The other side: a scanner that names nothing must fail.
    hd_flagged = [ip for ip, (_, w) in expected.items()
                  if w.get("classification") == "restricted" and w.get("platform_vendor") in ("Hikvision", "Dahua")]
    verdict = {d["ip"]: d["classification"] for d in devices}
    assert len(hd_flagged) >= 6 and all(verdict.get(ip) == "restricted" for ip in hd_flagged), s.wrong
    assert s.platform_vendor.right >= s.cases - 1, s.wrong
    if policy == "uk-sensitive-sites":  # the profiles' expected verdicts are written for the default policy
        assert s.wrongly_restricted == 0, s.wrong
        db = load_database()
        bare = score(lab_cases(without_verbatim(devices, db, load_policy(policy, db)), expected, db.vendors))
        verbatim, matched = verbatim_share(devices, db)
        print(render_table([("lab without verbatim examples", bare)]), f"\nverbatim: {verbatim} of {matched}")
        # Without the lab's copies of fingerprint examples the lab must still be named and flagged.
        bare_verdict = {d["ip"]: d["classification"] for d in without_verbatim(devices, db, load_policy(policy, db))}
        assert all(bare_verdict.get(ip) == "restricted" for ip in hd_flagged), bare.wrong
        assert bare.non_prc_restricted == 0, bare.wrong
