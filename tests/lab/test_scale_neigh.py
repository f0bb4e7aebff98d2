"""A big ScaleLab raises the kernel's neighbour-table thresholds while it lives and puts the
values it found back when it is torn down (the table is shared by every namespace)."""

from __future__ import annotations

import pytest

from scanner.lab import _neigh
from scanner.lab.scale import ScaleLab

from .conftest import needs_lab

N = 300  # 2N entries: past the stock gc_thresh2 of 512


def test_needed_thresholds_grow_with_the_lab_and_keep_their_order():
    small, big = _neigh.needed(50), _neigh.needed(2000)
    assert small == {"gc_thresh1": 128, "gc_thresh2": 512, "gc_thresh3": 1024}  # the stock values suffice
    assert big["gc_thresh3"] >= 2 * 2000 and big["gc_thresh1"] <= big["gc_thresh2"] <= big["gc_thresh3"]


@pytest.fixture
def thresholds(tmp_path, monkeypatch):
    """The real thresholds where this process can see them (the root network namespace); inside
    the suite's own namespace (tests/run-isolated.sh) a copy of them at their stock values, so
    the lab's raise-and-restore bookkeeping is exercised the same way without touching the host."""
    if not _neigh.reachable():
        fake = tmp_path / "neigh"
        fake.mkdir()
        for key, value in zip(_neigh.KEYS, (128, 512, 1024)):
            (fake / key).write_text(f"{value}\n")
        monkeypatch.setattr(_neigh, "SYSCTL_DIR", fake)
        monkeypatch.setattr(_neigh, "LEDGER", tmp_path / "ledger.json")
    return _neigh


@pytest.mark.lab
@needs_lab
def test_thresholds_raised_for_the_lab_lifetime_and_restored(capsys, thresholds):
    before = _neigh.current()
    others = _neigh.LEDGER.exists()  # another lab of this code holds a raise: restoring is its job too
    with ScaleLab(N, subnet="198.18.8.0/23", services=set()) as lab:
        during = _neigh.current()
        assert all(during[k] >= v for k, v in _neigh.needed(N).items())
        assert lab.lab_id in _neigh.LEDGER.read_text()
    after = _neigh.current()
    if not others and not _neigh.LEDGER.exists():
        assert after == before
    assert "raised from" in capsys.readouterr().err or before["gc_thresh2"] >= 2 * N
