"""A pcapng block that declares more bytes than any real packet block is refused before scapy
reads it into memory (a few bytes of gzip could otherwise expand to gigabytes)."""

from __future__ import annotations

import gzip
import struct

from scanner.passive.capture import MAX_BLOCK_BYTES, CaptureStats, read_capture

# A section header and an Ethernet interface description, per the pcapng specification
# (draft-ietf-opsawg-pcapng, sections 4.1 and 4.2), little-endian.
SHB = struct.pack("<IIIHHq", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1) + struct.pack("<I", 28)
IDB = struct.pack("<IIHHI", 1, 20, 1, 0, 65535) + struct.pack("<I", 20)


def test_a_block_declaring_a_gigabyte_ends_the_read_with_a_problem(tmp_path):
    path = tmp_path / "bomb.pcapng.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(SHB + IDB + struct.pack("<II", 6, 1 << 30) + b"\0" * 64)
    stats = CaptureStats(str(path))
    assert list(read_capture(path, stats)) == []
    assert stats.problem and "over the" in stats.problem and str(MAX_BLOCK_BYTES) in stats.problem
