"""Hostile bytes: every frame of the real recorded exchange, cut at every length and with bytes
flipped, goes through the collector without an exception escaping, and the hand-written
dissectors read what they can of cut input."""

from __future__ import annotations

import random

from scanner.passive import Collector
from scanner.passive.dhcp import parse_client
from scanner.passive.frames import decode
from scanner.passive.sadp_l2 import parse as parse_sadp_l2
from scanner.passive.tls import parse_stream
from tests.passive.test_bad_input import _records


def test_every_cut_and_corrupted_frame_is_survived(exchange):
    path, _ = exchange
    _, records = _records(path)
    rng = random.Random(6)
    collector = Collector()
    for _hdr, data in records:
        for cut in range(0, len(data), 7):
            collector.feed(1, data[:cut])
        for _ in range(20):
            mutated = bytearray(data)
            for _ in range(4):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            collector.feed(1, bytes(mutated))
    result = collector.result()
    assert result.counts["packets"] > 100


def test_dhcp_cut_inside_the_options_keeps_nothing_invented(exchange):
    path, _ = exchange
    _, records = _records(path)
    dhcp = next(decode(1, d) for _h, d in records if (f := decode(1, d)) and f.dport == 67)
    whole = parse_client(dhcp.payload)
    assert whole and whole.vendor_class == "AXIS,Network Camera,P3343,5.20.3"
    for cut in range(240, len(dhcp.payload)):
        part = parse_client(dhcp.payload[:cut])
        assert part is not None
        assert part.vendor_class in (None, whole.vendor_class)


def test_tls_and_sadp_readers_take_garbage():
    for blob in (b"", b"\x16\x03\x01", b"\x16\x03\x01\xff\xff" + b"\x01" * 50, b"\x16\x03\x03\x00\x05\x0b\xff\xff\xff\x00"):
        parse_stream(blob)
    assert parse_sadp_l2(b"\x21" * 10) == (None, None, [])
    ip, mac, obs = parse_sadp_l2(b"\x21\x02\x01\x00" + b"\0" * 4 + b"\x06\x04\x04\x00\x00\x00" + b"\xaa" * 6 + b"\xc6\x12\x00\x05" + b"\0" * 14)
    assert ip == "198.18.0.5" and mac == "aa:aa:aa:aa:aa:aa" and {o.field for o in obs} == {"sadp.mac", "sadp.ipv4_address"}
