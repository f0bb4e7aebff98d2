"""The lab is built only inside its own namespaces, never routes out, and always goes away:
on normal exit, on an exception, on SIGINT/SIGTERM to the process holding it, and through
``lab_down`` after that process was SIGKILLed. ``lab_up`` labs outlive their caller."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.errors import LabError
from scanner.lab import Lab, lab_down, lab_status
from scanner.lab import _netns
from scanner.lab.state import state_path

from .conftest import in_scanner, needs_lab

pytestmark = [pytest.mark.lab, needs_lab]

ROOT = str(Path(__file__).resolve().parents[2])
ONE = ["axis-p3245-lve"]


def _root_view() -> dict[str, str]:
    """What the root namespace looks like: links, addresses, routes (all tables)."""
    def ip(*args: str) -> str:
        return subprocess.run(["ip", *args], capture_output=True, text=True, check=True).stdout
    links = sorted(line.split(":")[1].strip().split("@")[0] for line in ip("-o", "link").splitlines())
    return {"links": "\n".join(links), "addrs": ip("-o", "addr"), "routes": ip("route", "show", "table", "all")}


def _gone(lab_id: str, pids: list[int]) -> None:
    assert [ns for ns in _netns.namespaces() if ns.startswith(f"cctvlab-{lab_id}-")] == []
    assert not state_path(lab_id).exists()
    assert [p for p in pids if _netns.pid_alive(p)] == []


def test_lab_adds_nothing_to_the_root_namespace_and_every_lab_namespace_routes_only_the_lab():
    before = _root_view()
    with Lab(["hikvision-ds-2cd2143g2-i", "brother-mfc-l5900dw"], services={"http"}) as lab:
        during = _root_view()
        lab.check_no_route_out()
        for ns in lab.namespaces:
            for route in _netns.routes(ns):
                if route.get("table") == "local":
                    continue
                assert "gateway" not in route and route["dst"] in (lab.subnet, "224.0.0.0/4"), (ns, route)
        out = in_scanner(lab, """
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.connect(("192.0.2.1", 9)); print("routed")
            except OSError as exc:
                print("unreachable", exc.errno)
        """)
        assert out.startswith("unreachable")
    assert during["links"] == before["links"] and during["routes"] == before["routes"]
    assert during["addrs"] == before["addrs"]


def test_route_check_refuses_a_namespace_with_a_default_route():
    with Lab(ONE, services=set()) as lab:
        dev = lab.devices[0]
        _netns.run_ip(["route", "add", "default", "via", lab.scanner_ip], ns=dev.namespace)
        with pytest.raises(LabError, match="route out of the lab"):
            lab.check_no_route_out()


def test_subnet_outside_the_benchmark_range_is_refused():
    with pytest.raises(LabError, match="198.18.0.0/15"):
        Lab(ONE, subnet="10.0.0.0/24")


def test_teardown_on_normal_exit_removes_namespaces_processes_and_state():
    with Lab(ONE) as lab:
        lab_id, pids = lab.lab_id, list(lab.state.pids)
        assert state_path(lab_id).exists() and all(_netns.pid_alive(p) for p in pids)
        assert json.loads(state_path(lab_id).read_text())["pids"] == pids
    _gone(lab_id, pids)


def test_teardown_on_exception():
    with pytest.raises(RuntimeError, match="boom"):
        with Lab(ONE) as lab:
            lab_id, pids = lab.lab_id, list(lab.state.pids)
            raise RuntimeError("boom")
    _gone(lab_id, pids)


HOLDER = """
import sys, time
sys.path.insert(0, {root!r})
from scanner.lab import Lab
with Lab({profiles!r}) as lab:
    print(lab.lab_id, *lab.state.pids, flush=True)
    time.sleep(120)
"""


def _holder(profiles: list[str]) -> tuple[subprocess.Popen, str, list[int]]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=ROOT, profiles=profiles)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().split()
    assert line, proc.stderr.read()
    return proc, line[0], [int(p) for p in line[1:]]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_teardown_when_the_holding_process_gets_a_signal(sig):
    proc, lab_id, pids = _holder(ONE)
    assert [ns for ns in _netns.namespaces() if ns.startswith(f"cctvlab-{lab_id}-")]
    proc.send_signal(sig)
    proc.wait(timeout=20)
    _gone(lab_id, pids)


def test_lab_down_removes_what_a_sigkilled_run_left():
    proc, lab_id, pids = _holder(ONE)
    proc.kill()
    proc.wait(timeout=10)
    assert state_path(lab_id).exists() and all(_netns.pid_alive(p) for p in pids)
    assert lab_down(lab_id) == [lab_id]
    _gone(lab_id, pids)


def test_lab_down_without_id_spares_a_lab_held_by_a_live_process_and_removes_orphans():
    orphan = f"cctvlab-zz{os.getpid() % 10000}-sw"
    _netns.add(orphan)
    try:
        with Lab(ONE) as lab:
            removed = lab_down()
            assert orphan in removed and lab.lab_id not in removed
            assert all(_netns.exists(ns) for ns in lab.namespaces)
    finally:
        _netns.delete(orphan)
    assert not _netns.exists(orphan)


UP = """
import sys
sys.path.insert(0, {root!r})
from scanner.lab import lab_up
state = lab_up({profiles!r})
print(state.lab_id, *state.pids)
"""


def test_lab_up_outlives_its_caller_until_lab_down():
    out = subprocess.run([sys.executable, "-c", UP.format(root=ROOT, profiles=ONE)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lab_id, *pids = out.stdout.split()
    pids = [int(p) for p in pids]
    try:
        status = {s.lab_id: s for s in lab_status()}
        assert status[lab_id].healthy and status[lab_id].persistent
        dev = status[lab_id].devices[0]
        reply = subprocess.run(["ip", "netns", "exec", status[lab_id].scanner_ns, sys.executable, "-c",
                                f"import urllib.request; print(urllib.request.urlopen('http://{dev.ip}/', timeout=5).status)"],
                               capture_output=True, text=True, timeout=20)
        assert reply.stdout.strip() == "200", reply.stderr
    finally:
        assert lab_down(lab_id) == [lab_id]
    _gone(lab_id, pids)
    assert lab_id not in {s.lab_id for s in lab_status()}


def test_devices_not_ready_in_time_fail_the_build_and_leave_nothing():
    lab = Lab(ONE, ready_timeout=0.0)
    with pytest.raises(LabError, match="not ready"):
        lab.build()
    _gone(lab.lab_id, [])


def test_overrides_for_a_profile_not_in_the_lab_are_refused_before_anything_is_built():
    from scanner.errors import LabError
    from scanner.lab import Lab

    before = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    with pytest.raises(LabError, match="not in this lab"):
        Lab(["axis-p3245-lve"], overrides={"hikvision-ds-2cd2143g2-i": {"firmware": "x"}})
    assert subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout == before


def test_an_override_of_a_path_the_profile_lacks_stops_the_device_with_its_reason():
    from scanner.lab.catalog import load_profile
    from scanner.lab.device import apply_override

    profile = load_profile("hikvision-ds-2cd2143g2-i")
    apply_override(profile, "services.sadp.fields.SoftwareVersion", "V5.6.2build 190701")
    assert profile["services"]["sadp"]["fields"]["SoftwareVersion"] == "V5.6.2build 190701"
    with pytest.raises(KeyError, match="no services.sadp.fields.NoSuchField"):
        apply_override(profile, "services.sadp.fields.NoSuchField", 1)


def test_lab_names_every_missing_binary_and_its_debian_package_in_one_line(tmp_path: Path, monkeypatch) -> None:
    # A PATH holding `ip` and nothing else: sysctl (procps) and nft (nftables) are missing.
    (tmp_path / "ip").symlink_to(shutil.which("ip"))
    monkeypatch.setenv("PATH", str(tmp_path))
    lab = Lab(["axis-p3245-lve"], block_multicast=["axis-p3245-lve"])
    with pytest.raises(LabError) as err:
        lab.build()
    msg = str(err.value)
    assert "\n" not in msg
    assert "sysctl" in msg and "nft" in msg and "procps" in msg and "nftables" in msg
    assert "iproute2" not in msg
    assert not lab._built
