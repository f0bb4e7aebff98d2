"""Read pcap and pcapng files one packet at a time, in constant memory, and say exactly what
was wrong with a damaged file instead of raising.

Built on scapy's streaming readers (``RawPcapReader``, ``RawPcapNgReader``): they return each
packet's bytes and link type without dissecting it (dissection is ours, in ``frames``, and only
for frames that matter). Two thin subclasses add what scapy's readers keep to themselves:
whether the file ended cleanly or was cut inside a record (scapy logs a warning and stops), and
which pcapng block types were skipped because nothing here reads them (scapy ignores them
silently). The first bytes are checked before scapy sees the file, so a file that is not a
capture at all gets a one-line reason.
"""

from __future__ import annotations

import gzip
import logging
import os
import struct
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CctvScanError

PCAP_MAGICS = {b"\xa1\xb2\xc3\xd4", b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x4d\x3c\xb2\xa1"}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
GZIP_MAGIC = b"\x1f\x8b"
MAX_RECORD = 256 * 1024  # no link type has frames this large; a bigger record means corruption
PCAPNG_BLOCK_NAMES = {4: "name resolution", 5: "interface statistics", 0x0BAD: "custom", 0x40000BAD: "custom"}


class CaptureError(CctvScanError):
    """The file is not a capture this tool reads (not pcap/pcapng, empty, unreadable)."""


@dataclass
class CaptureStats:
    """What happened while reading one file; ``problem`` is the reason reading stopped early."""

    path: str
    size: int = 0
    packets: int = 0
    position: int = 0
    cut_by_snaplen: int = 0
    linktypes: Counter = field(default_factory=Counter)
    skipped_blocks: Counter = field(default_factory=Counter)
    problem: str | None = None
    filtered: bool = False  # read through the BPF filter: ``packets`` counts those that passed


@dataclass(frozen=True, slots=True)
class Record:
    linktype: int
    data: bytes
    wirelen: int
    timestamp: float


class _Stop(Exception):
    """Reading stopped inside a record: the file is truncated or corrupt at ``offset``."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(reason)
        self.offset = offset


def _readers():
    from scapy.utils import RawPcapNgReader, RawPcapReader

    class Pcap(RawPcapReader):
        def _read_packet(self, size: int = 65535):
            start = self.f.tell()
            try:
                data, meta = super()._read_packet(size)
            except EOFError:
                end = self.f.seek(0, os.SEEK_END)
                if start != end:
                    raise _Stop(start, f"{end - start} byte(s) at the end are not a whole packet record") from None
                raise
            if meta.caplen > MAX_RECORD:
                raise _Stop(start, f"record claims {meta.caplen} bytes: corrupt")
            if len(data) < min(meta.caplen, size):
                raise _Stop(start, f"last record cut: {len(data)} of {meta.caplen} bytes present")
            return data, meta

    class _Counting(dict):
        """pcapng block handlers: known ones from scapy, every other type counted and skipped."""

        def __init__(self, known: dict, skipped: Counter) -> None:
            super().__init__(known)
            self.skipped = skipped

        def __contains__(self, key: object) -> bool:
            return True

        def __missing__(self, key: int):
            def skip(block: bytes, size: int) -> None:
                self.skipped[key] += 1

            return skip

    class PcapNg(RawPcapNgReader):
        skipped: Counter

        def _read_block(self, size: int = 65535):
            if not isinstance(self.blocktypes, _Counting):
                self.blocktypes = _Counting(self.blocktypes, self.skipped)
            start = self.f.tell()
            declared = _declared_block_length(self.f, self.endian)
            if declared > MAX_BLOCK_BYTES:
                # scapy would read the whole declared block into memory: a small gzip file
                # could declare gigabytes. Stop here, keeping everything read so far.
                raise _Stop(start, f"block at byte {start} declares {declared} bytes, over the {MAX_BLOCK_BYTES}-byte cap")
            try:
                return super()._read_block(size)
            except EOFError:
                end = self.f.seek(0, os.SEEK_END)
                if start != end:
                    raise _Stop(start, f"block at byte {start} is cut or malformed; the {end - start} byte(s) from there to the end were not read") from None
                raise

    return Pcap, PcapNg


MAX_BLOCK_BYTES = 16 * 1024 * 1024  # far above any real packet block (snap length 262144)


def _declared_block_length(f, endian: str) -> int:  # noqa: ANN001 - a binary file object
    """The length the next pcapng block declares, read without consuming it (0 if unknown)."""
    peek = getattr(f, "peek", None)
    head = peek(8)[:8] if peek is not None else b""
    if len(head) < 8:
        return 0
    return struct.unpack(endian + "I", head[4:8])[0]


def sniff_format(path: Path) -> str:
    """``pcap``, ``pcapng`` (possibly gzip-compressed), or raise ``CaptureError`` saying why not."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
            if head[:2] == GZIP_MAGIC:
                fh.seek(0)
                try:
                    head = gzip.GzipFile(fileobj=fh).read(4)
                except (OSError, EOFError, zlib.error) as exc:
                    raise CaptureError(f"{path}: gzip file that cannot be decompressed ({exc})") from None
    except IsADirectoryError:
        raise CaptureError(f"{path}: is a directory, not a capture file") from None
    except OSError as exc:
        raise CaptureError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not head:
        raise CaptureError(f"{path}: empty file, not a capture")
    if head in PCAP_MAGICS:
        return "pcap"
    if head == PCAPNG_MAGIC:
        return "pcapng"
    raise CaptureError(f"{path}: not a pcap or pcapng capture (starts with {head.hex(' ')})")


@contextmanager
def _quiet_scapy():
    log = logging.getLogger("scapy.runtime")
    before = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(before)


def read_capture(path: str | Path, stats: CaptureStats) -> Iterator[Record]:
    """Yield every packet record of one capture file, filling ``stats`` as it goes.

    Raises ``CaptureError`` only before the first record (not a capture); damage later in the
    file ends the iteration with ``stats.problem`` set, and every record before it was yielded.
    """
    path = Path(path)
    kind = sniff_format(path)
    stats.size = path.stat().st_size
    Pcap, PcapNg = _readers()
    from scapy.error import Scapy_Exception

    raw = path.open("rb")
    try:
        with _quiet_scapy():
            try:
                if kind == "pcapng":
                    PcapNg.skipped = stats.skipped_blocks
                    reader = PcapNg(raw)
                else:
                    reader = Pcap(raw)
            except (Scapy_Exception, EOFError, OSError, zlib.error) as exc:
                raise CaptureError(f"{path}: {kind} file with an unreadable header ({exc})") from None
            default_linktype = getattr(reader, "linktype", 1)
            while True:
                try:
                    item = reader._read_packet()
                except EOFError:
                    break
                except _Stop as stop:
                    stats.problem = f"{path}: truncated or corrupt at byte {stop.offset}: {stop}"
                    break
                except (OSError, ValueError, Scapy_Exception, zlib.error) as exc:  # corrupt compressed stream, bad option
                    stats.problem = f"{path}: unreadable after byte {stats.position}: {exc}"
                    break
                if item is None:  # a pcapng block that holds no packet
                    continue
                data, meta = item
                linktype = getattr(meta, "linktype", default_linktype)
                if hasattr(meta, "tshigh"):
                    ts = ((meta.tshigh << 32) | meta.tslow) / (meta.tsresol or 1_000_000)
                else:
                    ts = meta.sec + meta.usec / (1e9 if getattr(reader, "nano", False) else 1e6)
                stats.packets += 1
                stats.position = raw.tell()
                stats.linktypes[linktype] += 1
                if meta.wirelen > len(data):
                    stats.cut_by_snaplen += 1
                yield Record(linktype, data, meta.wirelen, ts)
            stats.position = raw.tell()
    finally:
        raw.close()


def describe_skipped_blocks(skipped: Counter) -> str:
    parts = [f"{PCAPNG_BLOCK_NAMES.get(t, 'unknown type')} 0x{t:08x} ×{n}" for t, n in sorted(skipped.items())]
    return ", ".join(parts)
