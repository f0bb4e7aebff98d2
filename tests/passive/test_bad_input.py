"""Damaged and foreign input: every case made from the real recorded exchange (truncated,
rewritten as pcapng with a block of an unknown type, relabelled as another link type, cut by a
snap length) or from a file that is not a capture. None raises; each says what happened; what
was read before the fault is kept."""

from __future__ import annotations

import gzip
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.passive import CaptureError, read_files
from scanner.passive.capture import CaptureStats, read_capture

ROOT = Path(__file__).resolve().parents[2]


def _records(path: Path) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """Global header and (record header, data) pairs of a little-endian classic pcap."""
    raw = path.read_bytes()
    assert raw[:4] == b"\xd4\xc3\xb2\xa1", "tcpdump wrote a little-endian microsecond pcap"
    out, i = [], 24
    while i < len(raw):
        hdr = raw[i : i + 16]
        caplen = struct.unpack("<I", hdr[8:12])[0]
        out.append((hdr, raw[i + 16 : i + 16 + caplen]))
        i += 16 + caplen
    return raw[:24], out


def _observed(paths) -> set:
    run = read_files(paths)
    return {(o.ip, o.field, o.value) for o in run.result.observations}


def _pcapng_block(kind: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    length = 12 + len(body)
    return struct.pack("<II", kind, length) + body + struct.pack("<I", length)


def _as_pcapng(records, unknown_after: int | None = None) -> bytes:
    """pcapng per the spec (draft-ietf-opsawg-pcapng): SHB, one Ethernet IDB, one EPB per
    packet; optionally a block of an unassigned type after packet ``unknown_after``."""
    out = _pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += _pcapng_block(1, struct.pack("<HHI", 1, 0, 262144))
    for n, (hdr, data) in enumerate(records):
        sec, usec, _caplen, wirelen = struct.unpack("<IIII", hdr)
        ts = sec * 1_000_000 + usec
        out += _pcapng_block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), wirelen) + data)
        if n == unknown_after:
            out += _pcapng_block(0x0000ABCD, b"not a block type any reader knows")
    return out


def test_truncated_capture_keeps_everything_read_before_the_cut(exchange, tmp_path):
    path, _ = exchange
    header, records = _records(path)
    keep = len(records) * 2 // 3
    whole = header + b"".join(h + d for h, d in records[:keep])
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(whole + records[keep][0] + records[keep][1][: len(records[keep][1]) // 2])
    prefix = tmp_path / "prefix.pcap"
    prefix.write_bytes(whole)
    run = read_files([cut])
    assert not run.complete and not run.errors
    assert any("truncated or corrupt at byte" in w and f"{keep} packet(s) before it were read" in w for w in run.warnings)
    assert _observed([cut]) == _observed([prefix]) != set()


def test_capture_cut_inside_a_record_header_says_so(exchange, tmp_path):
    path, _ = exchange
    data = path.read_bytes()
    cut = tmp_path / "cut-header.pcap"
    header, records = _records(path)
    whole = header + b"".join(h + d for h, d in records)
    cut.write_bytes(whole + b"\x01\x02\x03\x04\x05")  # five bytes of a next record header
    stats = CaptureStats(str(cut))
    assert sum(1 for _ in read_capture(cut, stats)) == len(records)
    assert stats.problem and "5 byte(s) at the end are not a whole packet record" in stats.problem
    assert data  # the recorded file itself is untouched


def test_pcapng_block_of_unknown_type_is_skipped_and_counted(exchange, tmp_path):
    path, _ = exchange
    _, records = _records(path)
    ng = tmp_path / "exchange.pcapng"
    ng.write_bytes(_as_pcapng(records, unknown_after=3))
    run = read_files([ng], filtered=False)  # the whole-file reader counts what libpcap skips silently
    assert run.complete and not run.errors
    assert any("unknown type 0x0000abcd ×1" in w for w in run.warnings)
    assert _observed([ng]) == _observed([path])


def test_truncated_pcapng_keeps_what_came_before(exchange, tmp_path):
    path, _ = exchange
    _, records = _records(path)
    blob = _as_pcapng(records)
    ng = tmp_path / "cut.pcapng"
    ng.write_bytes(blob[: len(blob) - 40])
    run = read_files([ng])
    assert not run.complete
    assert any("is cut or malformed" in w for w in run.warnings)
    assert ("198.18.254.2", "dhcp.vendor_class", "AXIS,Network Camera,P3343,5.20.3") in _observed([ng])


def test_capture_of_another_link_type_is_skipped_with_a_count(exchange, tmp_path):
    path, _ = exchange
    raw = bytearray(path.read_bytes())
    raw[20:24] = struct.pack("<I", 127)  # relabel as IEEE 802.11 radiotap
    other = tmp_path / "wifi.pcap"
    other.write_bytes(bytes(raw))
    _, records = _records(path)
    run = read_files([other])
    assert not run.errors and run.result.observations == []
    assert any(f"{len(records)} packet(s) of link type 127 (IEEE 802.11 radiotap) skipped" in w for w in run.warnings)


def test_packets_cut_by_a_snap_length_are_read_as_far_as_they_go(exchange, tmp_path):
    path, _ = exchange
    header, records = _records(path)
    snap = 64
    out = bytearray(header[:16] + struct.pack("<I", snap) + header[20:])
    longer = 0
    for hdr, data in records:
        sec, usec, caplen, wirelen = struct.unpack("<IIII", hdr)
        longer += caplen > snap
        out += struct.pack("<IIII", sec, usec, min(caplen, snap), wirelen) + data[:snap]
    cut = tmp_path / "snap64.pcap"
    cut.write_bytes(bytes(out))
    run = read_files([cut], filtered=False)  # the filtered reader counts only the frames that passed
    assert run.complete and not run.errors
    assert any(f"{longer} packet(s) cut short by the capture's snap length" in w for w in run.warnings)
    seen = _observed([cut])
    assert any(f == "arp.mac" for _, f, _ in seen)  # ARP fits in 64 bytes
    assert not any(f == "http.server" for _, f, _ in seen)  # the HTTP headers did not survive


@pytest.mark.parametrize("content", [b"", b"hello, this is a text file\n", json.dumps({"schema_version": 1}).encode()])
def test_non_capture_file_is_named_and_the_other_files_still_read(exchange, tmp_path, content):
    path, _ = exchange
    bad = tmp_path / "notes.txt"
    bad.write_bytes(content)
    with pytest.raises(CaptureError):
        list(read_capture(bad, CaptureStats(str(bad))))
    run = read_files([bad, path])
    assert len(run.errors) == 1 and str(bad) in run.errors[0]
    assert "not a pcap or pcapng capture" in run.errors[0] or "empty file" in run.errors[0]
    assert _observed([path]) == {(o.ip, o.field, o.value) for o in run.result.observations}


def test_gzip_compressed_capture_reads_like_the_plain_one(exchange, tmp_path):
    path, _ = exchange
    gz = tmp_path / "exchange.pcap.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert _observed([gz]) == _observed([path])


def test_cli_reports_bad_files_without_a_traceback_and_still_writes_the_document(exchange, tmp_path):
    path, _ = exchange
    bad = tmp_path / "notes.txt"
    bad.write_text("not a capture\n")
    header, records = _records(path)
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(header + b"".join(h + d for h, d in records)[: -7])
    out = tmp_path / "doc.json"
    proc = subprocess.run([sys.executable, "-m", "scanner", "pcap", str(bad), str(cut), "--json", str(out), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "not a pcap or pcapng capture" in proc.stderr
    assert "truncated or corrupt" in proc.stderr
    doc = json.loads(out.read_text())
    assert doc["scan"]["mode"] == "passive" and doc["scan"]["complete"] is False
    assert any(d["ip"] == "198.18.254.2" for d in doc["devices"])
