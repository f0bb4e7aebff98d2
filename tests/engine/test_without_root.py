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
from tests.lab.conftest import needs_lab

pytestmark = [pytest.mark.lab, needs_lab]

PROFILES = ["hikvision-ds-2cd2143g2-i", "axis-p3245-lve", "uniview-ipc322lb-sf28-a"]


def test_without_raw_sockets_devices_get_their_mac_and_oui_from_the_neighbour_table(tmp_path) -> None:
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) drops CAP_NET_RAW for this test"
    out = tmp_path / "scan.json"
    with Lab(PROFILES) as lab:
        proc = lab.run([setpriv, "--inh-caps=-net_raw", "--bounding-set=-net_raw", "--",
                        sys.executable, "-m", "scanner", "scan", lab.subnet, "--json", str(out), "--quiet",
                        "--timeout", "1.5"], capture_output=True, text=True, timeout=300)
        macs = {d.ip: d.mac.lower() for d in lab.devices}
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert any("no raw-socket rights" in w for w in doc["scan"]["warnings"]), doc["scan"]["warnings"]
    assert doc["scan"]["attempts"]["arp"].get("permission") == 1  # the sweep really did not run
    found = {d["ip"]: d for d in doc["devices"]}
    assert set(macs) <= set(found)
    for ip, mac in macs.items():
        assert found[ip]["mac"] == mac, (ip, found[ip])
        assert found[ip]["oui_vendor"], (ip, found[ip])
