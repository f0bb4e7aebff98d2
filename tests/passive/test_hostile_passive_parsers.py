"""Hostile input for every hand-written reader of passive mode: the frames of the lab recording
(pcaps/demo-scan.pcap) and of the recorded DHCP exchange, damaged deterministically
(tests/hostile.py) and fed to the frame decoder, the TCP flow table, the HTTP/RTSP message
splitter, the DHCP, TLS and layer-2 SADP readers, and the capture file reader. Each documents
that it does not raise on short or odd input; these tests hold it to that, check the limits it
documents, and run every call under a work budget (lines of scanner code, not seconds)."""

from __future__ import annotations

import gzip
import random
import struct

import pytest

from scanner.passive import Collector, dhcp, dns, messages, sadp_l2, tls
from scanner.passive.collector import MAX_DNS_NAMES_PER_HOST
from scanner.passive.capture import CaptureError, CaptureStats, read_capture
from scanner.passive.frames import SUPPORTED_LINKTYPES, Frame, decode
from scanner.passive.tcpflows import MAX_PENDING, FlowTable
from tests import hostile_samples as S
from tests.hostile import TEN_MB, bounded, mutations, outcome
from tests.passive.test_bad_input import _as_pcapng, _records


def _sample_frames(per_kind: int = 3) -> list[bytes]:
    """A few real frames of each kind in the recording (ARP, each UDP and TCP port)."""
    by_kind: dict[tuple, list[bytes]] = {}
    for linktype, data in S.demo_frames():
        f = decode(linktype, data)
        kind = (f.ethertype, f.proto, min(f.sport, f.dport)) if f else ("none",)
        if len(by_kind.setdefault(kind, [])) < per_kind and (not f or f.payload or f.proto is None):
            by_kind[kind].append(data)
    return [d for frames in by_kind.values() for d in frames]


def test_frame_decoder_never_raises_on_damaged_real_frames_of_any_link_type():
    frames = _sample_frames()
    assert len(frames) > 30
    decoded = 0
    for n, data in enumerate(frames):
        for mutated in mutations(data, 100 + n, count=25, cuts=20):
            for linktype in sorted(SUPPORTED_LINKTYPES):
                # Relabelled link types read the same bytes with another header layout.
                frame, _ = outcome(decode, linktype, mutated, allowed=())
                if frame is not None:
                    assert isinstance(frame, Frame) and isinstance(frame.payload, bytes)
                    assert 0 <= frame.sport <= 0xFFFF and 0 <= frame.dport <= 0xFFFF
                    assert len(frame.payload) <= len(mutated)
                    decoded += 1
    assert decoded > 1000


def test_flow_table_stays_within_its_memory_bound_on_damaged_real_traffic():
    table = FlowTable(cap=2048, max_flows=16)
    tcp = [(lt, d) for lt, d in S.demo_frames() if (f := decode(lt, d)) and f.proto == 6]
    rng = random.Random(31)
    fed = 0
    for n, (linktype, data) in enumerate(tcp[:400]):
        for mutated in [data] + list(mutations(data, 300 + n, count=3, cuts=2)):
            frame = decode(linktype, mutated)
            if frame is None or frame.proto != 6:
                continue
            if rng.random() < 0.1:
                frame.seq = rng.choice((0, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF))
            convs, _ = outcome(table.add, frame, allowed=())
            fed += 1
            for c in convs:
                assert len(c.to_server) <= table.cap and len(c.to_client) <= table.cap
            assert len(table.flows) <= table.max_flows
            for flow in table.flows.values():
                for d in flow.dirs.values():
                    assert len(d.data) <= table.cap and len(d.pending) <= MAX_PENDING
    assert fed > 1000
    outcome(lambda _: table.flush(), None, allowed=())


def _check_messages(msgs: list[messages.Message]) -> None:
    assert len(msgs) <= messages.MAX_MESSAGES
    for m in msgs:
        assert len(m.body) <= messages.MAX_BODY and len(m.start) <= 1024
        assert isinstance(m.headers, dict)
        # The properties the collector reads must not raise either.
        assert m.status is None or 0 <= m.status <= 9999
        m.method, m.target, m.is_response  # noqa: B018


@pytest.mark.parametrize("port, direction", [(80, "to_client"), (80, "to_server"), (554, "to_client"),
                                             (554, "to_server"), (8899, "to_client"), (8899, "to_server")])
def test_message_splitter_survives_damaged_real_streams(port, direction):
    samples = S.tcp_streams(port, direction)
    assert samples
    for n, stream in enumerate(samples):
        for mutated in mutations(stream, 400 + n + port, count=150):
            for head_method in (False, True):
                msgs, _ = outcome(messages.split, mutated, allowed=(), head_method=head_method)
                _check_messages(msgs)


CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize("stream", [
    CHUNKED + b"-6\r\n",  # a negative size stepped back onto itself: an endless loop before the fix
    CHUNKED + b"-6\r\nabcdef\r\n0\r\n\r\n",
    CHUNKED + b"-1\r\n" * 1000,
    CHUNKED + b"+5\r\nhello\r\n0\r\n\r\n",
    CHUNKED + b"ffffffffffffffffffffffff\r\nx\r\n",
    CHUNKED + b"1\r\nx\r\n" * 4000,  # the flow table keeps at most 24 KiB of a stream
    CHUNKED + b"1_0\r\n" + b"x" * 16 + b"\r\n0\r\n\r\n",
    b"HTTP/1.1 \xb2\xb200 OK\r\nContent-Length: 2\r\n\r\nhi",  # latin-1 look-alike digits in the status
    b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n\r\nhi",
    b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\nhi",
    b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nhi",
    b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 200 + b"\r\n",
    b"HTTP/1.1 200 OK\r\nServer: " + b"s" * 70_000 + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\n\r\n" * 10_000,
    b"\r\n\r\n" * 100_000,
    b"HTTP/1.1 200 OK\r\n" + b"\0" * TEN_MB,
    b"",
], ids=lambda s: f"{len(s)}:{s[:40]!r}")
def test_message_splitter_refuses_hostile_framing_without_looping_or_raising(stream):
    msgs, _ = outcome(messages.split, stream, allowed=())
    _check_messages(msgs)


def test_negative_chunk_size_ends_the_body_instead_of_looping():
    msgs = bounded(messages.split, CHUNKED + b"-6\r\nabcdef\r\n0\r\n\r\n")
    assert len(msgs) == 1 and msgs[0].body == b"" and not msgs[0].complete


def test_status_of_lookalike_digits_is_none_not_a_crash():
    (msg,) = messages.split(b"HTTP/1.1 \xb2\xb200 OK\r\nContent-Length: 2\r\n\r\nhi")
    assert msg.status is None


def test_dhcp_readers_never_raise_on_damaged_real_client_messages(exchange):
    path, _ = exchange
    _, records = _records(path)
    payloads = [f.payload for _h, d in records if (f := decode(1, d)) and f.proto == 17 and {f.sport, f.dport} <= {67, 68}]
    assert payloads, "the recorded exchange holds DHCP"
    clients = 0
    for n, payload in enumerate(payloads[:4]):
        for mutated in list(mutations(payload, 500 + n, count=200)) + [payload[:240] + b"\x0c\xff" * 5000, payload + b"\0" * TEN_MB]:
            client, _ = outcome(dhcp.parse_client, mutated, allowed=())
            lease, _ = outcome(dhcp.parse_lease, mutated, allowed=())
            if client is not None:
                clients += 1
                for text in (client.hostname, client.vendor_class):
                    assert text is None or (len(text) <= dhcp.MAX_TEXT and text.isprintable())
            assert lease is None or (isinstance(lease[0], str) and isinstance(lease[1], str))
    assert clients > 50


def test_dns_query_reader_never_raises_on_damaged_real_queries_and_keeps_its_limits(exchange):
    path, _ = exchange
    _, records = _records(path)
    payloads = [f.payload for _h, d in records if (f := decode(1, d)) and f.proto == 17 and f.dport == 53]
    assert payloads, "the recorded exchange holds DNS queries"
    read = 0
    for n, payload in enumerate(payloads):
        assert dns.query_names(payload) or payload.find(b"\x03lan\x00") > 0  # the real queries read (the .lan one dropped)
        for mutated in list(mutations(payload, 700 + n, count=300)) + [payload + b"\0" * TEN_MB]:
            names, _ = outcome(dns.query_names, mutated, allowed=())
            assert isinstance(names, list) and len(names) <= dns.MAX_QUESTIONS
            for name in names:
                assert len(name) <= dns.MAX_NAME and name == name.lower() and "." in name
                assert not name.endswith(dns.LOCAL_SUFFIXES)
            read += bool(names)
    assert read > 50
    query = payloads[0]
    header, question = query[:12], query[12:]
    # a response, a compression pointer, an oversized label, a question count of 65535
    assert dns.query_names(header[:2] + bytes([header[2] | 0x80]) + header[3:] + question) == []
    assert dns.query_names(header + b"\xc0\x0c\x00\x01\x00\x01") == []
    assert dns.query_names(header + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01") == []
    many = header[:4] + b"\xff\xff" + header[6:] + question * 10
    assert len(dns.query_names(many)) == dns.MAX_QUESTIONS


def test_collector_keeps_a_bounded_number_of_dns_names_a_device(exchange):
    path, _ = exchange
    _, records = _records(path)
    frame = next(d for _h, d in records if (f := decode(1, d)) and f.proto == 17 and f.dport == 53 and dns.query_names(f.payload))
    f = decode(1, frame)
    last = dns.query_names(f.payload)[0].rsplit(".", 1)[1].encode()
    wire = bytes([len(last)]) + last + b"\0"  # the name's last label, as the query carries it
    assert frame.count(wire) == 1
    c = Collector()
    for i in range(400):
        # the same real query, asking for a different name each time (as a PC browsing does)
        c.feed(1, frame.replace(wire, bytes([len(last)]) + f"{i:0{len(last)}d}".encode() + b"\0"))
    kept = [o for o in c.result().observations if o.field == "dns.query"]
    assert len(kept) == MAX_DNS_NAMES_PER_HOST and c.counts["dns_names_dropped"] > 0


def test_a_lan_resolver_does_not_take_the_names_it_forwards(exchange):
    import ipaddress

    path, _ = exchange
    _, records = _records(path)
    frame = next(d for _h, d in records if (f := decode(1, d)) and f.proto == 17 and f.dport == 53 and dns.query_names(f.payload))
    asked, resolver = decode(1, frame).src_ip, decode(1, frame).dst_ip  # the device asks its resolver
    # the resolver forwards the same question upstream, from its own MAC (the frame's destination)
    # and address (Ethernet + IPv4: MACs at bytes 0..11, addresses at 26..33)
    upstream = ipaddress.ip_address("198.18.254.3").packed
    forwarded = bytes.fromhex("02aabbccdd03") + frame[0:6] + frame[12:26] + ipaddress.ip_address(resolver).packed + upstream + frame[34:]
    assert decode(1, forwarded).src_ip == resolver
    c = Collector()
    c.feed(1, frame)
    c.feed(1, forwarded)
    names = {(o.ip, o.value) for o in c.result().observations if o.field == "dns.query"}
    assert {ip for ip, _ in names} == {asked}


def test_tls_reader_never_raises_on_damaged_real_handshakes():
    samples = S.tcp_streams(443, "to_server") + S.tcp_streams(443) + (S.tls12_certificate_stream(S.dahua_nvr_certificate()),)
    whole = tls.parse_stream(samples[-1])
    assert whole.certificates == [S.dahua_nvr_certificate()]
    seen_certificates = 0
    for n, stream in enumerate(samples):
        for mutated in list(mutations(stream, 600 + n, count=150)) + [stream[:5] + b"\xff" * TEN_MB]:
            hs, _ = outcome(tls.parse_stream, mutated, allowed=())
            assert hs.server_name is None or len(hs.server_name) <= 255
            assert len(hs.certificates) <= 10 and all(len(c) <= len(mutated) for c in hs.certificates)
            seen_certificates += bool(hs.certificates)
    assert seen_certificates > 20


def _l2_sadp_reply() -> bytes:
    """A layer-2 SADP inquiry response laid out per the header in sadp_l2's docstring, carrying
    the serial and versions the DS-2CD2432F-IW sent in its XML reply (tests/probes/test_sadp.py)."""
    header = (bytes([0x21, 0x02, 0x01, 0x42]) + b"\0\0\0\1" + bytes([6, 4, 4, 0]) + b"\0\0"
              + bytes.fromhex("c056e3fe4292") + bytes([10, 1, 1, 251]) + b"\xff" * 6 + b"\0" * 4 + bytes([255, 255, 255, 0]))
    info = (b"DS-2CD2432F-IW20150126CCCH502126167".ljust(48, b"\0") + struct.pack("!IIII", 38930, 8000, 1, 0)
            + b"V5.2.5build 141201".ljust(48, b"\0") + b"V5.0, build 140714".ljust(48, b"\0") + b"\0" * 48)
    return header + info


def test_layer2_sadp_reader_never_raises_on_damaged_replies():
    reply = _l2_sadp_reply()
    ip, mac, obs = sadp_l2.parse(reply)
    assert (ip, mac) == ("10.1.1.251", "c0:56:e3:fe:42:92")
    assert {o.field: o.value for o in obs}["sadp.device_sn"] == "DS-2CD2432F-IW20150126CCCH502126167"
    for mutated in list(mutations(reply, 700, count=400)) + [reply + b"\xff" * TEN_MB, b"\x21" * TEN_MB]:
        (ip, mac, obs), _ = outcome(sadp_l2.parse, mutated, allowed=())
        assert len(obs) <= 8
        assert all(len(o.value) <= 128 and o.value.isprintable() for o in obs)


def test_collector_records_damage_as_attempts_and_keeps_what_it_read():
    frames = _sample_frames()
    collector = Collector()
    for linktype, data in S.demo_frames():
        collector.feed(linktype, data)
    for n, data in enumerate(frames):
        for mutated in mutations(data, 800 + n, count=20, cuts=10):
            outcome(collector.feed, 1, mutated, allowed=())
    result, _ = outcome(lambda _: collector.result(), None, allowed=())
    clean = Collector()
    for linktype, data in S.demo_frames():
        clean.feed(linktype, data)
    kept = {(o.ip, o.field, o.value) for o in result.observations}
    assert {(o.ip, o.field, o.value) for o in clean.result().observations} <= kept
    bugs = [a for a in result.attempts if "bug in cctv-scan" in a.detail]
    assert not bugs, bugs[:3]


# --- capture files ----------------------------------------------------------------------------

def _read_all(path) -> CaptureStats:
    stats = CaptureStats(str(path))
    for record in read_capture(path, stats):
        assert len(record.data) <= 256 * 1024
    return stats


def test_capture_reader_survives_damaged_real_captures(tmp_path):
    raw = (S.ROOT / "pcaps" / "bosch-dinion-ip-bullet-5000.pcap").read_bytes()
    _, records = _records(S.ROOT / "pcaps" / "bosch-dinion-ip-bullet-5000.pcap")
    pcapng = _as_pcapng(records[:40])
    problems = 0
    for name, sample in (("pcap", raw), ("pcapng", pcapng), ("gz", gzip.compress(raw[:4000], mtime=0))):
        for n, mutated in enumerate(mutations(sample, 900 + len(name), count=60, cuts=30)):
            path = tmp_path / f"{name}-{n}"
            path.write_bytes(mutated)
            stats, error = outcome(_read_all, path, allowed=(CaptureError,))
            if error is None:
                assert stats.problem is None or isinstance(stats.problem, str)
                problems += stats.problem is not None
            else:
                assert str(path) in str(error)
    assert problems > 20


@pytest.mark.parametrize("content", [
    b"", b"\0" * TEN_MB, b'{"not": "a capture"}', b"\xa1\xb2\xc3\xd4", b"\x0a\x0d\x0d\x0a" + b"\xff" * 100,
    b"\xd4\xc3\xb2\xa1" + b"\0" * 20 + b"\xff" * 16 + b"\0" * 100,  # a record claiming a 4 GiB frame
    b"\x1f\x8b" + b"\0" * 100,
], ids=lambda s: f"{len(s)}:{s[:12]!r}")
def test_capture_reader_refuses_or_stops_on_hostile_files(tmp_path, content):
    path = tmp_path / "hostile"
    path.write_bytes(content)
    stats, error = outcome(_read_all, path, allowed=(CaptureError,))
    # Refused with a reason naming the file, or read to a stop that says what was wrong.
    if error is not None:
        assert str(path) in str(error)
    else:
        assert stats.problem, "a hostile file read without complaint"
