"""Benchmark discovery: cctv-scan against nmap on the same emulated lab, in the same run.

    sudo python benchmarks/bench_discovery.py [--devices 40] [--scale 250,500,1000,2000,sparse20,sparse16] [--nmap-cap 120]

1. Builds a lab of ``--devices`` emulated devices (the lab profiles repeated, each copy with
   its own MAC and address) on 198.18.0.0/24, then, inside the lab's scanner namespace:
   - ``python -m scanner scan <subnet> --json F --quiet`` (cctv-scan);
   - ``nmap -n -sn <subnet>``, then ``nmap -n -sV -p <camera ports> --script
     http-title,rtsp-methods,broadcast-wsdd-discover -oX F <live hosts>``.
   For both it prints wall time, packets sent (the scanner interface's tx counter from
   ``ip -s -j link``, read before and after), devices found, devices whose maker was named
   correctly, and the ratios (ours / nmap). Ours names the maker when a device's
   ``platform_vendor`` equals the profile's expected one; nmap when that maker's name appears
   (case-insensitive) in what nmap reported for the host: service product/version/extra info,
   device and OS type, script output, MAC vendor, and the broadcast-wsdd-discover entry for
   its address. Only devices whose profile names a maker count (the plain Linux server does not).
2. Scale: for each scenario of ``--scale`` (default ``250,500,1000,2000,sparse20,sparse16``)
   builds a ``ScaleLab`` (macvlans in one namespace) and prints one table row: wall time, peak
   memory (ru_maxrss of the scan process, from wait4), packets sent (tx counter), the ARP
   sweep's achieved send rate (the ``arp.sweep`` figures of the scan document), devices found
   and makers named. ``N`` is N devices on the smallest subnet that holds them (/24 ... /21);
   ``sparse20`` and ``sparse16`` are 50 devices in a /20 and a /16. On the sparse scopes
   ``nmap -n -sn`` runs beside it, killed at ``--nmap-cap`` seconds (reported as "> cap").

Everything runs inside namespaces the script creates (198.18.0.0/24, no route out), removed at
the end; ``-n`` keeps nmap from trying a DNS server. Nothing is asserted: it prints figures.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import defusedxml.ElementTree as ET  # noqa: E402

from scanner.cli.scan_cmd import child_env  # noqa: E402
from scanner.lab import Lab  # noqa: E402
from scanner.lab.catalog import profile_names  # noqa: E402
from scanner.lab.scale import ScaleLab  # noqa: E402

CAMERA_PORTS = "80,81,443,554,8000,8080,8443,8554,8899,9000,34567,37777"
NMAP_SCRIPTS = "http-title,rtsp-methods,broadcast-wsdd-discover"
SUBNET = "198.18.0.0/24"


@dataclass
class Run:
    tool: str
    wall: float
    packets: int
    found: int
    named: int
    rss_mb: float | None = None
    note: str = ""


def tx_packets(lab: Lab) -> int:
    out = lab.run(["ip", "-s", "-j", "link", "show", "eth0"], capture_output=True, text=True, check=True).stdout
    return int(json.loads(out)[0]["stats64"]["tx"]["packets"])


def timed(lab: Lab, cmd: list[str], timeout: float) -> tuple[float, float, int, str]:  # status -9: killed at timeout
    """Run ``cmd`` in the scanner namespace: (seconds, peak RSS in MiB, exit status, stderr tail).

    ``ip netns exec`` execs the command in place, so wait4 on the child reports the scanner's
    own resource use, not the benchmark's or the lab's."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = lab.popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=child_env())
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace")[-1500:]
    return elapsed, usage.ru_maxrss / 1024, proc.returncode, tail


def flush_neighbours(lab: Lab) -> None:
    lab.run(["ip", "neigh", "flush", "all"], capture_output=True, check=False)


def expected_makers(lab: Lab) -> dict[str, str]:
    return {d.ip: d.expected["platform_vendor"] for d in lab.devices if d.expected.get("platform_vendor")}


def run_ours(lab: Lab, tmp: Path, extra: list[str]) -> tuple[Run, dict[str, Any]]:
    out = tmp / "ours.json"
    flush_neighbours(lab)
    before = tx_packets(lab)
    cmd = [sys.executable, "-m", "scanner", "scan", lab.subnet, "--json", str(out), "--quiet", *extra]
    wall, rss, status, err = timed(lab, cmd, timeout=900)
    sent = tx_packets(lab) - before
    if status != 0 or not out.exists():
        raise SystemExit(f"cctv-scan failed (exit {status}): {err}")
    doc = json.loads(out.read_text())
    ips = {d.ip for d in lab.devices}
    makers = expected_makers(lab)
    found = [d for d in doc["devices"] if d["ip"] in ips]
    named = [d for d in found if d["ip"] in makers and d.get("platform_vendor") == makers[d["ip"]]]
    note = "" if doc["scan"]["complete"] else "scan incomplete (deadline)"
    return Run("cctv-scan", wall, sent, len(found), len(named), rss, note), doc


def _host_text(host: Any) -> str:
    parts: list[str] = []
    for addr in host.findall("address"):
        if addr.get("addrtype") == "mac":
            parts.append(addr.get("vendor", ""))
    for port in host.iter("port"):
        svc = port.find("service")
        if svc is not None:
            parts += [svc.get(k, "") for k in ("name", "product", "version", "extrainfo", "ostype", "devicetype")]
            parts += [cpe.text or "" for cpe in svc.findall("cpe")]
        for script in port.findall("script"):
            parts.append(script.get("output", ""))
    for script in host.iter("script"):
        parts.append(script.get("output", ""))
    return " ".join(parts)


def run_nmap(lab: Lab, tmp: Path) -> tuple[Run, dict[str, str]]:
    ping_xml, sv_xml = tmp / "nmap-sn.xml", tmp / "nmap-sv.xml"
    flush_neighbours(lab)
    before = tx_packets(lab)
    wall1, _, status, err = timed(lab, ["nmap", "-n", "-sn", lab.subnet, "-oX", str(ping_xml)], timeout=900)
    if status != 0:
        raise SystemExit(f"nmap -sn failed (exit {status}): {err}")
    live = [a.get("addr") for h in ET.parse(ping_xml).getroot().findall("host")
            if h.find("status") is not None and h.find("status").get("state") == "up"
            for a in h.findall("address") if a.get("addrtype") == "ipv4"]
    live = [ip for ip in live if ip != lab.scanner_ip]
    wall2 = 0.0
    texts: dict[str, str] = {}
    if live:
        cmd = ["nmap", "-n", "-sV", "-p", CAMERA_PORTS, "--script", NMAP_SCRIPTS, "-oX", str(sv_xml), *live]
        wall2, _, status, err = timed(lab, cmd, timeout=1800)
        if status != 0:
            raise SystemExit(f"nmap -sV failed (exit {status}): {err}")
        root = ET.parse(sv_xml).getroot()
        for host in root.findall("host"):
            ip = next((a.get("addr") for a in host.findall("address") if a.get("addrtype") == "ipv4"), None)
            if ip:
                texts[ip] = _host_text(host)
        for table in root.iter("table"):  # broadcast-wsdd-discover lists devices by address (prerule)
            key = table.get("key")
            if key in texts:
                texts[key] += " " + " ".join((e.text or "") + " " + (e.get("key") or "") for e in table.iter("elem"))
    for host in ET.parse(ping_xml).getroot().findall("host"):  # MAC vendor from the ping scan too
        ip = next((a.get("addr") for a in host.findall("address") if a.get("addrtype") == "ipv4"), None)
        if ip in live:
            texts[ip] = texts.get(ip, "") + " " + _host_text(host)
    sent = tx_packets(lab) - before
    ips = {d.ip for d in lab.devices}
    makers = expected_makers(lab)
    found = [ip for ip in live if ip in ips]
    named = [ip for ip in found if ip in makers and makers[ip].lower() in texts.get(ip, "").lower()]
    return Run("nmap", wall1 + wall2, sent, len(found), len(named), note=f"-sn {wall1:.1f} s + -sV {wall2:.1f} s"), texts


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def report_pair(ours: Run, nmap: Run, devices: int, with_maker: int) -> None:
    print(f"\n{'':<22}{'cctv-scan':>12}{'nmap':>12}{'ours/nmap':>12}")
    rows = [("wall time (s)", ours.wall, nmap.wall, "{:.1f}"), ("packets sent", ours.packets, nmap.packets, "{:d}"),
            (f"devices found (/{devices})", ours.found, nmap.found, "{:d}"),
            (f"maker named (/{with_maker})", ours.named, nmap.named, "{:d}")]
    for label, a, b, fmt in rows:
        print(f"{label:<22}{fmt.format(a):>12}{fmt.format(b):>12}{_ratio(a, b):>12}")
    print(f"{'peak memory (MiB)':<22}{ours.rss_mb or 0:>12.0f}")
    for r in (ours, nmap):
        if r.note:
            print(f"  {r.tool}: {r.note}")


def per_device(lab: Lab, doc: dict[str, Any], texts: dict[str, str]) -> None:
    ours = {d["ip"]: d for d in doc["devices"]}
    print(f"\n{'device':<34}{'expected':<11}{'cctv-scan':<12}{'nmap':<6}")
    for dev in lab.devices:
        want = dev.expected.get("platform_vendor") or "-"
        got = (ours.get(dev.ip) or {}).get("platform_vendor") or ("-" if dev.ip in ours else "not found")
        seen = texts.get(dev.ip)
        nm = "not found" if seen is None else ("named" if want != "-" and want.lower() in seen.lower() else "-")
        print(f"{dev.name:<34}{want:<11}{got:<12}{nm:<6}")


SCENARIOS = {  # name: (devices, subnet)
    "250": (250, "198.18.0.0/24"), "500": (500, "198.18.0.0/23"), "1000": (1000, "198.18.0.0/22"),
    "2000": (2000, "198.18.0.0/21"), "sparse20": (50, "198.18.0.0/20"), "sparse16": (50, "198.18.0.0/16"),
}


@dataclass
class ScaleRow:
    scope: str
    devices: int
    addresses: int
    built: float
    ours: Run
    rate: int
    rate_asked: int
    nmap: str = ""


def scale_row(name: str, tmp: Path, args: argparse.Namespace) -> ScaleRow:
    if name not in SCENARIOS:
        raise SystemExit(f"unknown scale scenario {name!r} (known: {', '.join(SCENARIOS)})")
    n, subnet = SCENARIOS[name]
    built = time.perf_counter()
    with ScaleLab(n, subnet=subnet) as lab:
        built = time.perf_counter() - built
        run, doc = run_ours(lab, tmp, args.scan_arg)
        sweep = doc["scan"]["attempts"].get("arp.sweep", {})
        row = ScaleRow(subnet, n, ipaddress.ip_network(subnet).num_addresses, built, run,
                       int(sweep.get("rate_achieved_per_s", 0)), int(sweep.get("rate_asked_per_s", 0)))
        if name.startswith("sparse") and not args.no_nmap:
            row.nmap = nmap_ping(lab, tmp, args.nmap_cap)
        print(f"  {name}: lab built in {built:.1f} s; cctv-scan {run.wall:.1f} s, {run.found}/{n} found"
              + (f"; nmap -sn {row.nmap}" if row.nmap else ""), flush=True)
        return row


def nmap_ping(lab: Lab, tmp: Path, cap: float) -> str:
    """``nmap -n -sn`` on the lab's subnet: "<s> s, <found> found" or "> <cap> s"."""
    xml = tmp / "nmap-sn-scale.xml"
    flush_neighbours(lab)
    wall, _, status, err = timed(lab, ["nmap", "-n", "-sn", lab.subnet, "-oX", str(xml)], timeout=cap)
    if status == -9:
        return f"> {cap:.0f} s (cap)"
    if status != 0:
        return f"failed (exit {status})"
    ips = {d.ip for d in lab.devices}
    up = {a.get("addr") for h in ET.parse(xml).getroot().findall("host")
          if h.find("status") is not None and h.find("status").get("state") == "up"
          for a in h.findall("address") if a.get("addrtype") == "ipv4"}
    return f"{wall:.1f} s, {len(up & ips)} found"


def print_scale_table(rows: list[ScaleRow]) -> None:
    print("\n| scope | devices | wall | peak memory | packets sent | ARP rate (asked) | found | maker named | addresses / rate | nmap -sn |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        floor = f"{r.addresses / r.rate_asked:.1f} s" if r.rate_asked else "-"
        print(f"| {r.scope} | {r.devices:,} | {r.ours.wall:.1f} s | {r.ours.rss_mb or 0:.0f} MiB | {r.ours.packets:,} "
              f"| {r.rate:,}/s ({r.rate_asked:,}) | {r.ours.found:,}/{r.devices:,} | {r.ours.named:,} | {floor} "
              f"| {r.nmap or ''} |" + (f" {r.ours.note}" if r.ours.note else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=40, help="devices in the comparison lab (default 40)")
    parser.add_argument("--scale", default=",".join(SCENARIOS),
                        help=f"comma-separated scale scenarios (default {','.join(SCENARIOS)}; '' skips them)")
    parser.add_argument("--nmap-cap", type=float, default=120.0, help="seconds nmap -sn may run on a sparse scope")
    parser.add_argument("--layout", choices=("macvlan", "namespaces"), default="macvlan",
                        help="comparison lab: macvlans in one namespace (ScaleLab) or one namespace per device (Lab)")
    parser.add_argument("--no-nmap", action="store_true", help="skip nmap (only cctv-scan's figures)")
    parser.add_argument("--per-device", action="store_true", help="list each device's verdict by both tools")
    parser.add_argument("--scan-arg", action="append", default=[], help="extra argument for cctv-scan (repeatable)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the benchmark builds network namespaces")
    print(f"bench_discovery {date.today().isoformat()}  {platform.node()}  {os.cpu_count()} CPUs  "
          f"Python {platform.python_version()}  {subprocess.run(['nmap', '--version'], capture_output=True, text=True).stdout.splitlines()[0] if not args.no_nmap else ''}")
    with tempfile.TemporaryDirectory(prefix="bench-discovery-") as tmpdir:
        tmp = Path(tmpdir)
        if args.devices:
            names = profile_names()
            built = time.perf_counter()
            lab: Lab = (ScaleLab(args.devices, subnet=SUBNET) if args.layout == "macvlan"
                        else Lab([names[i % len(names)] for i in range(args.devices)], subnet=SUBNET))
            with lab:
                with_maker = len(expected_makers(lab))
                print(f"\n== {args.devices} devices ({args.layout}) on {lab.subnet}, lab built in "
                      f"{time.perf_counter() - built:.1f} s; {with_maker} have a maker to name")
                ours, doc = run_ours(lab, tmp, args.scan_arg)
                if args.no_nmap:
                    nmap, texts = Run("nmap", 0, 0, 0, 0, note="skipped"), {}
                else:
                    nmap, texts = run_nmap(lab, tmp)
                report_pair(ours, nmap, args.devices, with_maker)
                if args.per_device:
                    per_device(lab, doc, texts)
        if args.scale:
            rows = [scale_row(name, tmp, args) for name in args.scale.split(",") if name]
            print_scale_table(rows)

if __name__ == "__main__":
    main()
