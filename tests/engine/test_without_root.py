"""A scan without raw-socket rights (issue 10): the ARP sweep cannot run, so after the TCP probes
the scanner reads the kernel's neighbour table, and every device found still gets its MAC and
the maker the IEEE registry names for it. The scan runs in the lab's scanner namespace with
CAP_NET_RAW removed from its capability bounding set (setpriv), which is what "not root" means
to the scanner (it tests whether it may open a raw packet socket)."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from scanner.lab import Lab
from scanner.lab.catalog import load_profile
from tests.lab.conftest import needs_lab

pytestmark = [pytest.mark.lab, needs_lab]

def test_without_raw_sockets_every_lab_device_is_found_with_its_mac_and_oui(tmp_path) -> None:
    """The whole lab: devices that answer no multicast discovery are found by TCP (the ARP sweep
    that would have found them cannot run), and all get their MAC from the neighbour table."""
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) drops CAP_NET_RAW for this test"
    out = tmp_path / "scan.json"
    with Lab() as lab:
        proc = lab.run([setpriv, "--inh-caps=-net_raw", "--bounding-set=-net_raw", "--",
                        sys.executable, "-m", "scanner", "scan", lab.subnet, "--json", str(out), "--quiet",
                        "--timeout", "1.5"], capture_output=True, text=True, timeout=300)
        # A device that answers nothing at all (a profile with no service: only the ARP sweep,
        # which needs raw sockets, finds it) is the loss README states; every other one is found.
        silent = {d.ip for d in lab.devices if not load_profile(d.profile_name).get("services")}
        macs = {d.ip: d.mac.lower() for d in lab.devices if d.ip not in silent}
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert any("no raw-socket rights" in w for w in doc["scan"]["warnings"]), doc["scan"]["warnings"]
    assert doc["scan"]["attempts"]["arp"].get("permission") == 1  # the sweep really did not run
    found = {d["ip"]: d for d in doc["devices"]}
    assert silent and set(macs) == set(found) - silent
    for ip, mac in macs.items():
        assert found[ip]["mac"] == mac, (ip, found[ip])
        if not int(mac[:2], 16) & 0x02:  # a locally administered MAC (the Xiongmai profile's) has no OUI
            assert found[ip]["oui_vendor"], (ip, found[ip])
