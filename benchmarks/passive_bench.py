"""Benchmark passive reading beside libpcap: packets/s and peak memory on a large capture of
mostly video with the identification traffic mixed in.

1. Records one real exchange in a test namespace pair (tests/passive/traffic.py: HTTP, RTSP,
   TLS, DHCP, ARP between two namespaces; nothing leaves them): the seed.
2. Writes a capture of the wanted size in a temporary directory: video frames (RTP over UDP and
   RTSP-interleaved RTP over TCP 554, 1,400-byte payloads, the bulk of a camera network's
   traffic) with one seed packet after every ``--video-per-seed`` of them, in order, with
   increasing timestamps.
3. Reads it three ways, each in a fresh child process (so peak RSS is that reader's alone):
   ``tcpdump -r FILE -w /dev/null`` (libpcap, no filter), ``cctv-scan``'s reader
   (``scanner.passive.read_files``, BPF filter applied in libpcap) and, with ``--unfiltered``,
   the whole-file reader. The fixed start-up cost is shown apart: for cctv-scan, the child's
   imports and a warm-up read of the seed capture, timed inside the child, the big file's read
   timed on its own; for tcpdump, a whole run on the seed, subtracted from its big-file time.
   "Beyond start-up" rates divide the packets by those times; "time" is the whole process.

Prints the figures and the ratio; asserts nothing.

    sudo python benchmarks/passive_bench.py --size-mb 1024
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CAMERA_MAC, CLIENT_MAC = bytes.fromhex("02000000aa01"), bytes.fromhex("02000000aa02")
CAMERA_IP, CLIENT_IP = bytes([198, 18, 7, 10]), bytes([198, 18, 7, 20])


def _seed_records(source: Path) -> list[tuple[bytes, int]]:
    raw = source.read_bytes()
    records, i = [], 24
    while i < len(raw):
        caplen, wirelen = struct.unpack("<II", raw[i + 8 : i + 16])
        records.append((raw[i + 16 : i + 16 + caplen], wirelen))
        i += 16 + caplen
    return records


def _video_frames() -> list[bytes]:
    """Two media frames as a camera sends them: RTP over UDP, and RTP interleaved in RTSP/TCP."""
    rtp = bytes([0x80, 96]) + b"\x00\x01" + b"\x00" * 8 + bytes(1388)
    udp = struct.pack("!HHHH", 50000, 50002, 8 + len(rtp), 0) + rtp
    ip_udp = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, CAMERA_IP, CLIENT_IP) + udp
    interleaved = b"$\x00" + struct.pack("!H", len(rtp)) + rtp
    tcp = struct.pack("!HHIIBBHHH", 554, 40000, 1000, 1, 0x50, 0x18, 65535, 0, 0) + interleaved
    ip_tcp = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, CAMERA_IP, CLIENT_IP) + tcp
    eth = CLIENT_MAC + CAMERA_MAC + b"\x08\x00"
    return [eth + ip_udp, eth + ip_tcp]


def synthesize(seed: Path, target: Path, size: int, video_per_seed: int) -> int:
    header = seed.read_bytes()[:24]
    records = _seed_records(seed)
    video = _video_frames()
    count, written, ts, k = 0, 24, 1_700_000_000.0, 0
    with target.open("wb", buffering=1 << 20) as out:
        out.write(header)
        while written < size:
            for data, wirelen in records:
                chunk = []
                for _ in range(video_per_seed):
                    frame = video[k & 1]
                    k += 1
                    ts += 0.00001
                    sec = int(ts)
                    chunk.append(struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(frame), len(frame)) + frame)
                ts += 0.00001
                sec = int(ts)
                chunk.append(struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(data), wirelen) + data)
                blob = b"".join(chunk)
                out.write(blob)
                written += len(blob)
                count += video_per_seed + 1
                if written >= size:
                    break
    return count


def _child_read(path: str, filtered: bool, warmup: str | None) -> None:
    """Run in a child: import, read the small warm-up capture (the fixed start-up cost: imports,
    fingerprints, libpcap's filter compilation), then time the read of ``path`` alone; print
    both times, peak RSS and what was found as JSON."""
    import resource

    started = time.perf_counter()
    from scanner.passive import read_files

    if warmup:
        read_files([warmup], filtered=filtered)
    startup = time.perf_counter() - started
    began = time.perf_counter()
    run = read_files([path], filtered=filtered)
    elapsed = time.perf_counter() - began
    print(json.dumps({
        "startup": startup,
        "seconds": elapsed,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "observations": len(run.result.observations),
        "hosts": len(run.result.hosts),
        "complete": run.complete,
        "passed": sum(f.packets for f in run.files),
    }))


def _ours(path: Path, filtered: bool, warmup: Path) -> dict:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--child-read", str(path), "--warmup", str(warmup)]
                         + ([] if filtered else ["--unfiltered"]),
                         capture_output=True, text=True, check=True, cwd=ROOT)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - started
    return result


def _tcpdump(path: Path) -> dict:
    started = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M", "tcpdump", "-r", str(path), "-w", "/dev/null"],
                         capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    return {"wall": wall, "peak_rss_mib": int(out.stderr.strip().splitlines()[-1]) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the synthesized capture (default 1024)")
    parser.add_argument("--video-per-seed", type=int, default=200, help="video frames between two seed packets")
    parser.add_argument("--unfiltered", action="store_true", help="also time the whole-file reader (slow)")
    parser.add_argument("--child-read", help=argparse.SUPPRESS)
    parser.add_argument("--warmup", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_read:
        _child_read(args.child_read, not args.unfiltered, args.warmup)
        return
    from tests.passive.traffic import record_exchange

    with tempfile.TemporaryDirectory(prefix="passive-bench-") as tmp:
        seed = Path(tmp) / "seed.pcap"
        record_exchange(seed)
        seed_packets = len(_seed_records(seed))
        big = Path(tmp) / "big.pcap"
        packets = synthesize(seed, big, args.size_mb * 1024 * 1024, args.video_per_seed)
        size = big.stat().st_size
        os.sync()
        subprocess.run(["cat", str(big)], stdout=subprocess.DEVNULL, check=True)  # same page-cache state for all
        seed_alone = _ours(seed, True, seed)
        startup_dump = _tcpdump(seed)
        dump = _tcpdump(big)
        ours = _ours(big, True, seed)
        whole = _ours(big, False, seed) if args.unfiltered else None

    load = os.getloadavg()
    print(f"capture: {size / 1e6:,.0f} MB, {packets:,} packets ({packets - packets // (args.video_per_seed + 1):,} video, "
          f"seed of {seed_packets} packets repeated); load average {load[0]:.1f} on {os.cpu_count()} CPU(s)")
    print(f"fixed start-up: cctv-scan {ours['startup']:.2f} s (interpreter excluded: imports, fingerprints, reading the "
          f"{seed_packets}-packet seed), tcpdump {startup_dump['wall']:.3f} s (whole run on the seed)")

    def line(name: str, wall: float, beyond: float, rss: float) -> float:
        beyond = max(beyond, 1e-9)
        rate = packets / beyond
        print(f"{name:<28} {wall:7.2f} s  {packets / wall:>12,.0f} pkt/s  {rate:>12,.0f} pkt/s beyond start-up  "
              f"{size / beyond / 1e6:8.0f} MB/s  peak RSS {rss:6.0f} MiB")
        return rate

    r_dump = line("tcpdump -r F -w /dev/null", dump["wall"], dump["wall"] - startup_dump["wall"], dump["peak_rss_mib"])
    r_ours = line("cctv-scan pcap (filtered)", ours["wall"], ours["seconds"], ours["peak_rss_mib"])
    print(f"ratio (beyond start-up): cctv-scan / libpcap = {r_ours / r_dump:.2f}")
    if whole:
        r_whole = line("cctv-scan pcap (unfiltered)", whole["wall"], whole["seconds"], whole["peak_rss_mib"])
        print(f"ratio unfiltered / libpcap = {r_whole / r_dump:.3f}")
    print(f"found: {ours['observations']} distinct observations, {ours['hosts']} hosts "
          f"(seed alone: {seed_alone['observations']}, {seed_alone['hosts']}); {ours['passed']:,} packets passed the filter; "
          f"complete={ours['complete']}")


if __name__ == "__main__":
    main()
