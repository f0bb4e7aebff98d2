"""Benchmark passive reading: packets per second and peak memory on a large synthesized capture.

Records one real exchange in a test namespace pair (tests/passive/traffic.py: HTTP, RTSP, TLS,
DHCP, ARP between two namespaces, nothing leaves them), then writes a capture of the wanted size
in a temporary directory by repeating those packets with rewritten, increasing timestamps, and
reads it with ``scanner.passive.read_files``. Prints the figures; asserts nothing.

    sudo python benchmarks/passive_bench.py --size-mb 1024
"""

from __future__ import annotations

import argparse
import resource
import struct
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def synthesize(source: Path, target: Path, size: int) -> int:
    raw = source.read_bytes()
    header, records, i = raw[:24], [], 24
    while i < len(raw):
        caplen = struct.unpack("<I", raw[i + 8 : i + 12])[0]
        records.append((raw[i + 16 : i + 16 + caplen], struct.unpack("<I", raw[i + 12 : i + 16])[0]))
        i += 16 + caplen
    written, count, ts = 24, 0, 1_700_000_000.0
    with target.open("wb") as out:
        out.write(header)
        while written < size:
            for data, wirelen in records:
                ts += 0.0001
                sec = int(ts)
                out.write(struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(data), wirelen) + data)
                written += 16 + len(data)
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the synthesized capture (default 1024)")
    args = parser.parse_args()
    from scanner.passive import read_files
    from tests.passive.traffic import record_exchange

    with tempfile.TemporaryDirectory(prefix="passive-bench-") as tmp:
        seed = Path(tmp) / "seed.pcap"
        record_exchange(seed)
        big = Path(tmp) / "big.pcap"
        packets = synthesize(seed, big, args.size_mb * 1024 * 1024)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        run = read_files([big])
        elapsed = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        size = big.stat().st_size
    print(f"capture: {size / 1e6:.0f} MB, {packets} packets (seed: one recorded exchange, repeated)")
    print(f"read:    {elapsed:.1f} s, {packets / elapsed:,.0f} packets/s, {size / elapsed / 1e6:.1f} MB/s")
    print(f"memory:  peak RSS {rss_after / 1024:.0f} MiB (before reading {rss_before / 1024:.0f} MiB)")
    print(f"found:   {len(run.result.observations)} distinct observations, {len(run.result.hosts)} hosts, complete={run.complete}")


if __name__ == "__main__":
    main()
