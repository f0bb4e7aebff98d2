"""Identification accuracy on the lab, measured the way benchmarks/accuracy.py measures it: the
full lab scanned from its scanner namespace, each device judged against its profile's
``expected``. The rule asserted: no device of a non-PRC maker is restricted, under either policy.
The other figures are printed by the benchmark for the README, not asserted here (the per-profile
identity is held by test_scan_lab.py)."""

from __future__ import annotations

import pytest

from benchmarks.accuracy import scan_lab
from scanner.identify import load_database
from scanner.identify.accuracy import lab_cases, render_table, score
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
    if policy == "uk-sensitive-sites":  # the profiles' expected verdicts are written for the default policy
        assert s.wrongly_restricted == 0, s.wrong
