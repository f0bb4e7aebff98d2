"""The deadline is a hard bound: a capture in the scanner's namespace shows nothing leaving
after it, the process exits soon after, and the document says the scan is incomplete.

A sparse /16 takes about 33 s to ARP-sweep at the default rate, so an 8 s deadline falls in
the middle of the sweep, while frames are streaming out."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from scanner.cli.scan_cmd import child_env
from scanner.lab.scale import ScaleLab
from scanner.report import validate
from tests.lab.conftest import needs_lab

pytestmark = [pytest.mark.lab, needs_lab,
              pytest.mark.skipif(shutil.which("tcpdump") is None, reason="needs tcpdump for the capture")]

DEADLINE = 8.0
EXIT_WITHIN = 3.0  # the bound: --deadline 20 exited by 23 s
CLOCK_SLACK = 0.02  # start time has clock-tick (10 ms) resolution


def started_wall(pid: int) -> float:
    """Wall-clock time at which process ``pid`` started (from /proc/<pid>/stat)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    since_boot = int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return time.time() - time.clock_gettime(time.CLOCK_BOOTTIME) + since_boot


@pytest.fixture(scope="module")
def lab():
    with ScaleLab(5, subnet="198.18.0.0/16", services={"http"}) as built:
        yield built


def test_nothing_leaves_after_the_deadline_and_the_process_exits(lab, tmp_path):
    pcap, out = tmp_path / "out.pcap", tmp_path / "scan.json"
    dump = lab.popen(["tcpdump", "-i", "eth0", "-Q", "out", "-n", "-U", "--immediate-mode", "-w", str(pcap)],
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert "listening on" in dump.stderr.readline()
        scan = lab.popen([sys.executable, "-m", "scanner", "scan", "198.18.0.0/16", "--deadline", str(DEADLINE),
                          "--json", str(out), "--quiet"], env=child_env(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = started_wall(scan.pid) + DEADLINE
        try:
            scan.wait(timeout=DEADLINE + EXIT_WITHIN + 30)
        except subprocess.TimeoutExpired:
            scan.kill()
        exited = time.time()
        stderr = scan.stderr.read()
        time.sleep(0.5)  # let the capture see anything sent at exit
    finally:
        dump.send_signal(signal.SIGINT)
        dump.wait(timeout=10)
    assert scan.returncode == 0, stderr
    assert exited <= deadline + EXIT_WITHIN, f"exited {exited - deadline:.2f} s after the deadline"

    from scapy.layers.l2 import ARP
    from scapy.utils import rdpcap

    frames = rdpcap(str(pcap))
    who_has = [f for f in frames if ARP in f and f[ARP].op == 1]
    assert len(who_has) > 1000, "the sweep should have been streaming when the deadline came"
    assert max(float(f.time) for f in who_has) > deadline - 1.0, "the sweep stopped long before the deadline"
    late = [(float(f.time) - deadline, f.summary()) for f in frames if float(f.time) > deadline + CLOCK_SLACK]
    assert not late, f"sent after the deadline: {late[:5]}"

    doc = json.loads(out.read_text())
    validate(doc)
    assert doc["scan"]["complete"] is False
    assert doc["scan"]["attempts"]["arp"].get("skipped", 0) >= 1
    # what the sweep found before the deadline is kept, with its figures
    assert {d.ip for d in lab.devices} <= {d["ip"] for d in doc["devices"]}
    sent = doc["scan"]["attempts"]["arp.sweep"]["frames_sent"]
    assert len(who_has) <= sent <= len(who_has) * 1.01  # a loaded capture may drop a few frames
