"""Make the lab captures in ``pcaps/``: run the lab, record it while the scanner scans it, and
write one capture per device profile plus the whole scan, each with the file that states what
must be identified from it.

    sudo python pcaps/make_captures.py                       # every profile, into pcaps/
    sudo python pcaps/make_captures.py --out /tmp/c --profiles axis-p3245-lve

One lab holds every chosen profile. tcpdump (``--immediate-mode``) records the lab's bridge
``br0`` in the switch namespace, which sees every frame on the lab's wire; it starts before the
devices do, so their start-up announcements (SSDP NOTIFY, WS-Discovery Hello, mDNS) are in the
recording. Then ``python -m scanner scan`` runs inside the scanner namespace. Afterwards:

- ``demo-scan.pcap``: the whole recording; ``demo-scan.expect.yaml`` lists every device.
- ``<profile>.pcap``: the frames to or from that device's MAC (``tcpdump -r ... ether host``);
  ``<profile>.expect.yaml``: its ip, mac, vendor, platform_vendor and classification from the
  profile's ``expected`` section, and its device_type where the active scan of this very run
  established it (the lab cannot establish every type: see tests/engine/test_scan_lab.py).

Everything that sends a packet runs inside the lab's namespaces (no route out); reading and
splitting the recording afterwards is file work. Needs root, iproute2 and tcpdump.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scanner.lab import Lab  # noqa: E402  (after the path fix, so the script runs from anywhere)
from scanner.lab.state import LabDevice  # noqa: E402

DEFAULT_OUT = ROOT / "pcaps"
SCAN_TIMEOUT = "1.5"  # seconds per answer, as the demo scans
SETTLE = 1.0  # seconds to keep recording after the scan, for late replies
SNAPLEN = 4096  # bytes kept of each frame: every lab frame is shorter (MTU 1500)
IDENTITY_KEYS = ("vendor", "platform_vendor", "classification")


class RecordingLab(Lab):
    """A lab whose bridge is recorded from before its devices start."""

    def __init__(self, profiles: list[str] | None, recording: Path, **kw) -> None:
        super().__init__(profiles, **kw)
        self.recording = recording
        self.tcpdump: subprocess.Popen[bytes] | None = None

    def _start_devices(self) -> None:
        self.tcpdump = start_tcpdump(self.switch_ns, "br0", self.recording)
        super()._start_devices()

    def stop_recording(self) -> None:
        if self.tcpdump is not None:
            stop_tcpdump(self.tcpdump)
            self.tcpdump = None


def start_tcpdump(ns: str, iface: str, path: Path) -> subprocess.Popen[bytes]:
    """Record ``iface`` in namespace ``ns`` into ``path``; return once tcpdump is listening."""
    proc = subprocess.Popen(
        ["ip", "netns", "exec", ns, "tcpdump", "-i", iface, "-n", "-s", str(SNAPLEN), "-U", "--immediate-mode",
         "-Z", "root", "-w", str(path)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline().decode(errors="replace")  # "tcpdump: listening on br0, ..."
    if "listening on" not in line:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"tcpdump did not start on {iface} in {ns}: {line.strip() or 'no output'}")
    return proc


def stop_tcpdump(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()


def scan(lab: Lab, out: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = lab.run([sys.executable, "-m", "scanner", "scan", lab.subnet, "--quiet", "--json", str(out),
                    "--timeout", SCAN_TIMEOUT], env=env, cwd=str(ROOT), capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"the scan inside the lab failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(out.read_text())


def split(recording: Path, mac: str, out: Path) -> None:
    """Copy the frames to or from ``mac`` into ``out`` (reading a file: nothing is sent)."""
    subprocess.run(["tcpdump", "-r", str(recording), "-w", str(out), "-Z", "root", "ether", "host", mac],
                   check=True, capture_output=True, timeout=120)


def expectation(dev: LabDevice, found: dict | None) -> dict:
    """What must be identified from this device's capture."""
    want = {"ip": dev.ip, "mac": dev.mac}
    want.update({k: dev.expected.get(k) for k in IDENTITY_KEYS})
    if found and found.get("device_type") == dev.expected.get("device_type"):
        want["device_type"] = dev.expected["device_type"]
    return want


def write_expect(path: Path, profile: str, capture: str, devices: list[dict], note: str) -> None:
    header = (f"# What `cctv-scan pcap pcaps/{capture}` must identify: {note}\n"
              "# Written by pcaps/make_captures.py from the lab profiles' `expected` sections; device_type\n"
              "# only where the active scan of the same run established it.\n")
    body = {"profile": profile, "capture": capture, "devices": devices}
    path.write_text(header + yaml.safe_dump(body, sort_keys=False), encoding="utf-8")


def make_captures(out_dir: Path, profiles: list[str] | None = None, log=print) -> dict[str, dict]:
    """Build the lab, record a scan of it, write the captures and expectation files.

    Returns {profile: expectation} for every device."""
    for tool in ("ip", "tcpdump"):
        if not shutil.which(tool):
            raise RuntimeError(f"{tool} is needed (apt-get install iproute2 tcpdump)")
    if os.geteuid() != 0:
        raise RuntimeError("the lab needs root: run with sudo")
    out_dir.mkdir(parents=True, exist_ok=True)
    expectations: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="cctv-captures-") as tmp:
        recording = Path(tmp) / "lab.pcap"
        began = time.monotonic()
        with RecordingLab(profiles, recording) as lab:
            log(f"lab {lab.lab_id}: {len(lab.devices)} devices on {lab.subnet}; recording br0, scanning")
            try:
                doc = scan(lab, Path(tmp) / "scan.json")
                time.sleep(SETTLE)
            finally:
                lab.stop_recording()
            devices = list(lab.devices)
        log(f"scan and recording done in {time.monotonic() - began:.1f}s")
        found = {d["ip"]: d for d in doc["devices"]}
        shutil.copyfile(recording, out_dir / "demo-scan.pcap")
        everyone = []
        for dev in devices:
            want = expectation(dev, found.get(dev.ip))
            expectations[dev.name] = want
            everyone.append({"profile": dev.name, **want})
            split(recording, dev.mac, out_dir / f"{dev.name}.pcap")
            write_expect(out_dir / f"{dev.name}.expect.yaml", dev.name, f"{dev.name}.pcap",
                         [want], f"lab profile {dev.profile_name}, frames to or from its MAC only.")
        write_expect(out_dir / "demo-scan.expect.yaml", "all", "demo-scan.pcap", everyone,
                     "every lab device, from the whole recorded scan.")
    for name in ["demo-scan", *expectations]:
        size = (out_dir / f"{name}.pcap").stat().st_size
        log(f"  {name}.pcap  {size / 1024:.1f} KiB")
    return expectations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sudo python pcaps/make_captures.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory to write into (default: pcaps/)")
    parser.add_argument("--profiles", help="comma-separated lab profiles (default: all)")
    args = parser.parse_args(argv)
    chosen = [p.strip() for p in args.profiles.split(",") if p.strip()] if args.profiles else None
    try:
        make_captures(args.out, chosen)
    except Exception as exc:  # a script for people: one line, not a traceback
        print(f"make_captures: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
