"""The engine under faults: a deadline cuts a scan short without losing what was gathered, and a
probe that raises is a recorded bug, not a dead scan. Runs in a test namespace pair."""

from __future__ import annotations

from scanner.engine import ScanConfig, collect
from scanner.models import AttemptStatus
from scanner.probes.http import HttpProbe
from tests.netns import run_in, start_in
from tests.probes import servers
from tests.probes.test_http_probe import wait_listening


def scan(cidr: str, deadline: float, probes: list[str]):
    collected = collect(ScanConfig(targets=[cidr], deadline=deadline, timeout=5.0, probes=probes))
    return collected.complete, collected.warnings, collected.output.observations, collected.output.attempts


def test_a_deadline_keeps_what_finished_and_marks_the_scan_incomplete(netpair):
    proc = start_in(netpair.b, servers.silent_server, netpair.b_ip, 80)  # accepts, never answers HTTP
    try:
        wait_listening(netpair, 80)
        complete, warnings, observations, attempts = run_in(
            netpair.a, scan, f"{netpair.b_ip}/32", 3.0, ["arp", "ports", "http"], timeout=60
        )
    finally:
        proc.kill()
    assert complete is False
    assert any("deadline" in w for w in warnings)
    # the port probe finished before the deadline: its result is kept
    assert ("port.open", "80") in {(o.field, o.value) for o in observations if o.ip == netpair.b_ip}
    assert any(a.status is AttemptStatus.SKIPPED and "deadline" in a.detail for a in attempts)


class ExplodingProbe(HttpProbe):  # an HTTP probe with a bug in it
    name = "http"

    def probe(self, ctx, host):
        raise RuntimeError("boom")


def scan_with_bug(cidr: str):
    import scanner.engine.runner as runner

    original = list(runner.ALL_PROBES)
    runner.ALL_PROBES[:] = [p if p.name != "http" else ExplodingProbe for p in original]
    try:
        collected = collect(ScanConfig(targets=[cidr], timeout=1.0, probes=["arp", "ports", "http"]))
    finally:
        runner.ALL_PROBES[:] = original
    return collected.complete, collected.output.observations, collected.output.attempts


def test_a_probe_that_raises_is_recorded_as_a_bug_and_the_scan_goes_on(netpair):
    proc = start_in(netpair.b, servers.silent_server, netpair.b_ip, 80)
    try:
        wait_listening(netpair, 80)
        complete, observations, attempts = run_in(netpair.a, scan_with_bug, f"{netpair.b_ip}/32", timeout=60)
    finally:
        proc.kill()
    assert complete is True
    bugs = [a for a in attempts if a.status is AttemptStatus.ERROR]
    assert bugs and "bug in cctv-scan: RuntimeError: boom" in bugs[0].detail
    assert ("port.open", "80") in {(o.field, o.value) for o in observations}
