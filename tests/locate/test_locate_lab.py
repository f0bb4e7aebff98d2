"""The switch port of every lab device, read over SNMP from the lab switch's agent, which
serves the Linux bridge's own forwarding table. Every test builds its own lab (namespaces)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.models import SCHEMA_VERSION
from tests.conftest import needs_netns

pytestmark = needs_netns

PROFILES = ["amcrest-ip2m-841", "axis-p3245-lve", "hikvision-ds-2cd2143g2-i"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _snmp_file(tmp_path: Path, lab) -> Path:  # noqa: ANN001
    from scanner.lab.lab import SNMP_COMMUNITY

    path = tmp_path / "snmp.yaml"
    path.touch(mode=0o600)
    path.write_text(f'hosts: {{"{lab.switch_ip}": {{community: "{SNMP_COMMUNITY}"}}}}\n')
    return path


def _scan(lab, tmp_path: Path, out: str, *extra: str, switch: bool = True) -> dict:  # noqa: ANN001
    cmd = [sys.executable, "-m", "scanner", "scan", lab.subnet, "--json", str(tmp_path / out), "--quiet",
           "--timeout", "1", "--probes", "arp,ports,snmp", *extra]
    if switch:
        cmd += ["--switch", lab.switch_ip, "--snmp-credentials", str(_snmp_file(tmp_path, lab))]
    proc = lab.run(cmd, capture_output=True, text=True, env=_env(), timeout=180)
    # with --db the exit status carries the inventory's flags (new, moved, ...), never 1 or 2
    assert proc.returncode == 0 or ("--db" in extra and proc.returncode >= 4), proc.stderr[-2000:]
    return json.loads((tmp_path / out).read_text())


def _bridge_ports(lab) -> dict[str, str]:  # noqa: ANN001
    """MAC -> bridge port name, as the kernel's bridge itself says."""
    out = subprocess.run(["ip", "netns", "exec", lab.switch_ns, "bridge", "-j", "fdb", "show", "br", "br0"],
                         capture_output=True, text=True, check=True).stdout
    return {e["mac"]: e["ifname"] for e in json.loads(out)
            if e.get("master") == "br0" and e.get("state") != "permanent"}


def test_every_device_located_on_its_bridge_port(tmp_path: Path) -> None:
    from scanner.lab import Lab

    with Lab(PROFILES, snmp=True, services=set()) as lab:
        doc = _scan(lab, tmp_path, "scan.json")
        bridge = _bridge_ports(lab)
        assert doc["schema_version"] == SCHEMA_VERSION
        by_mac = {d["mac"]: d for d in doc["devices"]}
        for dev in lab.devices:
            found = by_mac[dev.mac]
            loc = found["location"]
            assert loc is not None, f"{dev.name} has no location"
            assert loc["port"] == bridge[dev.mac] == lab.ports[dev.name]
            assert loc["switch"] == "cctvlab-sw1" and loc["switch_address"] == lab.switch_ip
            assert loc["port_alias"] == f"lab {dev.name}"
            assert loc["certainty"] == "port"
        assert doc["scan"]["attempts"]["switch"] == {"ok": 1}


def test_moving_a_camera_is_moved_in_diff(tmp_path: Path) -> None:
    from scanner.lab import Lab

    db = tmp_path / "inv.sqlite"
    with Lab(PROFILES[:2], snmp=True, services=set()) as lab:
        cam = lab.devices[1]
        first = _scan(lab, tmp_path, "one.json", "--db", str(db), "--site", "lab")
        old_port = lab.ports[cam.name]
        assert {d["mac"]: d["location"]["port"] for d in first["devices"]}[cam.mac] == old_port
        new_port = lab.move(cam.name)
        second = _scan(lab, tmp_path, "two.json", "--db", str(db), "--site", "lab")
        assert {d["mac"]: d["location"]["port"] for d in second["devices"]}[cam.mac] == new_port != old_port
    proc = subprocess.run([sys.executable, "-m", "scanner", "diff", "--db", str(db), "--site", "lab", "--json"],
                          capture_output=True, text=True, env=_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    moved = json.loads(proc.stdout)["moved"]
    assert [m["mac"] for m in moved] == [cam.mac]
    assert moved[0]["old_port"].endswith(f" {old_port}") and moved[0]["new_port"].endswith(f" {new_port}")
    assert moved[0]["old_ip"] == moved[0]["new_ip"] == cam.ip


def _capture(lab, tmp_path: Path, name: str, run) -> int:  # noqa: ANN001
    """Count UDP port-161 packets anywhere in the switch namespace while ``run()`` runs."""
    pcap = tmp_path / f"{name}.pcap"
    # --immediate-mode: without it the kernel hands matching packets over in blocks, once a block
    # fills or a second passes, so a quiet filter ("udp port 161") saw nothing before terminate()
    cap = subprocess.Popen(["ip", "netns", "exec", lab.switch_ns, "tcpdump", "-i", "any", "-n", "-U",
                            "--immediate-mode", "-w", str(pcap), "udp port 161"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        # tcpdump says "listening on ..." on stderr once its socket is open; a fixed sleep raced it
        said = [cap.stderr.readline()]
        while "listening on" not in said[-1] and said[-1] and len(said) < 20:
            said.append(cap.stderr.readline())
        assert "listening on" in said[-1], said
        run()
        time.sleep(0.5)
    finally:
        cap.terminate()
        cap.wait(timeout=10)
    read = subprocess.run(["tcpdump", "-r", str(pcap), "-n"], capture_output=True, text=True)
    return len([line for line in read.stdout.splitlines() if line.strip()])


def test_without_switch_no_snmp_packet_is_sent(tmp_path: Path) -> None:
    from scanner.lab import Lab

    with Lab(PROFILES[:1], snmp=True, services=set()) as lab:
        quiet = _capture(lab, tmp_path, "none", lambda: _scan(lab, tmp_path, "a.json", switch=False))
        loud = _capture(lab, tmp_path, "some", lambda: _scan(lab, tmp_path, "b.json"))
    assert quiet == 0
    assert loud > 0  # the capture does see SNMP when a switch is named


@pytest.mark.parametrize("mode", ["slow", "loop", "huge", "wrongtypes", "dot1d"])
def test_hostile_switch_costs_only_its_timeout_and_row_cap(tmp_path: Path, mode: str) -> None:
    from scanner.lab import Lab
    from scanner.lab.lab import SNMP_COMMUNITY

    with Lab(PROFILES[:1], snmp=True, snmp_mode=mode, services=set()) as lab:
        dev = lab.devices[0]
        deadline = time.monotonic() + 20
        while dev.mac not in _bridge_ports(lab):  # the bridge has learned the device's MAC from its reply
            assert time.monotonic() < deadline, "the lab bridge never learned the device's MAC"
            lab.run(["busybox", "ping", "-c", "1", "-W", "1", dev.ip], capture_output=True, timeout=10)
        time.sleep(0.5)  # older than the agent's 0.3 s view of the bridge
        code = (
            "import json, dataclasses\n"
            "from scanner.locate.snmp import read_switch, SnmpAuth\n"
            f"t = read_switch({lab.switch_ip!r}, SnmpAuth(community={SNMP_COMMUNITY!r}), timeout=1.0, budget=8, max_rows=2000)\n"
            "print(json.dumps(dataclasses.asdict(t)))\n"
        )
        started = time.monotonic()
        proc = lab.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=60)
        wall = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-2000:]
    t = json.loads(proc.stdout)
    assert t["elapsed"] < 8 + 2 and wall < 30
    problems = " ".join(t["problems"])
    fdb = {e["mac"]: e["bridge_port"] for e in t["fdb"]}
    if mode == "slow":
        assert not t["answered"] and "no answer" in problems and t["elapsed"] < 3
    elif mode == "loop":
        assert "does not increase" in problems
        assert t["sys_name"] == "cctvlab-sw1"
    elif mode == "huge":
        assert "more than 2000 rows" in problems and t["rows"] <= 2001
    elif mode == "wrongtypes":
        assert "expected an integer" in problems and "expected a string" in problems
        assert t["if_name"] == {} and fdb == {}
        assert t["if_alias"]  # the well-typed columns are still read
    elif mode == "dot1d":
        assert t["fdb_table"] == "dot1d" and fdb[dev.mac] == 2  # p1 is bridge port 2 (p0 is the trunk)
        assert t["lldp"]["1"]["sys_name"] == "cctvlab-core" and t["lldp"]["1"]["is_bridge"]


def test_snmp_probe_reads_sys_descr_and_object_id_only_where_credentials_cover(tmp_path: Path) -> None:
    from scanner.lab import Lab

    with Lab(PROFILES[:1], snmp=True, services=set()) as lab:
        snmp = _snmp_file(tmp_path, lab)
        proc = lab.run([sys.executable, "-m", "scanner", "scan", lab.mgmt_subnet, "--json", str(tmp_path / "m.json"),
                        "--quiet", "--timeout", "1", "--probes", "arp,ports,snmp", "--snmp-credentials", str(snmp)],
                       capture_output=True, text=True, env=_env(), timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        doc = json.loads((tmp_path / "m.json").read_text())
    [switch] = [d for d in doc["devices"] if d["ip"] == lab.switch_ip]
    seen = {e["field"]: e["value"] for e in switch["evidence"] if e["probe"] == "snmp"}
    # what the lab agent serves (scanner/lab/snmp_agent.py): its sysDescr and net-snmp's Linux sysObjectID
    assert seen["snmp.sys_object_id"] == "1.3.6.1.4.1.8072.3.2.10"
    assert seen["snmp.sys_descr"].startswith("cctv-scan lab switch")
    assert "s3cret" not in json.dumps(doc) and "cctvlab-ro" not in json.dumps(doc)  # the community is never reported


def test_locate_finds_the_inventory_devices_ports_without_a_scan(tmp_path: Path) -> None:
    from scanner.lab import Lab

    db = tmp_path / "inv.sqlite"
    with Lab(PROFILES[:2], snmp=True, services=set()) as lab:
        _scan(lab, tmp_path, "s.json", "--db", str(db), "--site", "lab", switch=False)
        proc = lab.run([sys.executable, "-m", "scanner", "locate", "--db", str(db), "--site", "lab", "--json",
                        "--switch", lab.switch_ip, "--snmp-credentials", str(_snmp_file(tmp_path, lab))],
                       capture_output=True, text=True, env=_env(), timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        bridge = _bridge_ports(lab)
        rows = json.loads(proc.stdout)
        assert sorted(r["mac"] for r in rows) == sorted(d.mac for d in lab.devices)
        for r in rows:
            assert r["location"]["port"] == bridge[r["mac"]]


def test_verified_removal_records_that_the_switch_port_no_longer_sees_the_mac(tmp_path: Path) -> None:
    from scanner.lab import Lab

    db = tmp_path / "inv.sqlite"

    def cli(*args: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "scanner", *args, "--db", str(db), "--site", "lab"],
                              capture_output=True, text=True, env=_env(), timeout=60)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    with Lab(PROFILES[:2], snmp=True, services=set()) as lab:
        cam = lab.devices[1]
        port = lab.ports[cam.name]
        _scan(lab, tmp_path, "one.json", "--db", str(db), "--site", "lab")
        cli("mark", cam.mac, "removed", "--by", "test")
        # the camera is taken down: its cable (veth pair) is gone, and the bridge forgets its MAC
        subprocess.run(["ip", "-n", lab.switch_ns, "link", "del", port], check=True)
        second = _scan(lab, tmp_path, "two.json", "--db", str(db), "--site", "lab")
    assert cam.mac not in {d["mac"] for d in second["devices"]}
    [sw] = second["scan"]["switches"]
    assert sw["answered"] and cam.mac not in sw["macs"] and lab.devices[0].mac in sw["macs"]
    shown = json.loads(cli("show", cam.mac))
    assert shown["status"] == "verified"
    last = shown["history"][-1]
    assert last["new"] == "verified"
    assert last["note"].endswith(f"; switch cctvlab-sw1 port {port} no longer sees {cam.mac}")


def test_demo_json_lists_every_device_on_its_wired_port(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    proc = subprocess.run([sys.executable, "-m", "scanner", "demo", "--profiles", ",".join(PROFILES), "--json", str(out)],
                          capture_output=True, text=True, env=_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    from scanner.lab.catalog import load_profile

    doc = json.loads(out.read_text())
    ports = {d["mac"]: d["location"]["port"] for d in doc["devices"] if d["location"]}
    # the lab wires profile i to switch port p<i+1> (p0 is the scanner's trunk)
    assert ports == {load_profile(name)["mac"]: f"p{i + 1}" for i, name in enumerate(PROFILES)}
    assert doc["scan"]["switches"][0]["name"] == "cctvlab-sw1"
