"""mDNS: the parser on a real device's response, hostile bytes, and the probe between namespaces."""

from __future__ import annotations

import pytest
from zeroconf import DNSOutgoing, DNSPointer, const

from scanner.probes._parsing import MalformedReply
from scanner.probes.mdns import GROUP, PORT, SERVICE_TYPES, SERVICES_META, extra_types, parse, query_packet

from .udp_lab import Responder, udp_pair  # noqa: F401  (fixture)

# A Shelly Pro 4PM's mDNS response (PTR/SRV/TXT/A for _shelly._tcp and _http._tcp), the packet
# python-zeroconf replays in tests/test_asyncio.py (the test that browses "_http._tcp.local.").
SHELLY_PRO_4PM = (
    b'\x00\x00\x84\x80\x00\x00\x00\n\x00\x00\x00\x00\t_services\x07_dns-sd\x04_udp\x05loca'
    b'l\x00\x00\x0c\x00\x01\x00\x00\x11\x94\x00\x14\x07_shelly\x04_tcp\x05local\x00\t_servic'
    b'es\x07_dns-sd\x04_udp\x05local\x00\x00\x0c\x00\x01\x00\x00\x11\x94\x00\x12\x05_http\x04_'
    b'tcp\x05local\x00\x07_shelly\x04_tcp\x05local\x00\x00\x0c\x00\x01\x00\x00\x11\x94\x00.'
    b'\x19shellypro4pm-94b97ec07650\x07_shelly\x04_tcp\x05'
    b'local\x00\x19shellypro4pm-94b97ec07650\x07_shelly'
    b"\x04_tcp\x05local\x00\x00!\x80\x01\x00\x00\x00x\x00'\x00\x00\x00\x00\x00P\x19ShellyPro4P"
    b'M-94B97EC07650\x05local\x00\x19shellypro4pm-94b97'
    b'ec07650\x07_shelly\x04_tcp\x05local\x00\x00\x10\x80\x01\x00\x00\x00x\x00"\nap'
    b'p=Pro4PM\x10ver=0.10.0-beta5\x05gen=2\x05_http\x04_t'
    b'cp\x05local\x00\x00\x0c\x00\x01\x00\x00\x11\x94\x00,\x19ShellyPro4PM-94B97EC'
    b'07650\x05_http\x04_tcp\x05local\x00\x19ShellyPro4PM-94B'
    b"97EC07650\x05_http\x04_tcp\x05local\x00\x00!\x80\x01\x00\x00\x00x\x00'\x00\x00\x00"
    b'\x00\x00P\x19ShellyPro4PM-94B97EC07650\x05local\x00\x19She'
    b'llyPro4PM-94B97EC07650\x05_http\x04_tcp\x05local\x00'
    b'\x00\x10\x80\x01\x00\x00\x00x\x00\x06\x05gen=2\x19ShellyPro4PM-94B97EC076'
    b'50\x05local\x00\x00\x01\x80\x01\x00\x00\x00x\x00\x04\xc0\xa8\xbc=\x19ShellyPro4PM-94B'
    b'97EC07650\x05local\x00\x00/\x80\x01\x00\x00\x00x\x00$\x19ShellyPro4PM-'
    b'94B97EC07650\x05local\x00\x00\x01@'
)

# A Roborock S5e vacuum's response with a broken name compression pointer, from python-zeroconf
# tests/test_protocol.py (test_dns_compression_all_invalid).
ROBOROCK_BAD_COMPRESSION = (
    b"\x00\x00\x84\x00\x00\x00\x00\x01\x00\x00\x00\x00!roborock-vacuum-s5e_miio416"
    b"112328\x00\x00/\x80\x01\x00\x00\x00x\x00\t\xc0P\x00\x05@\x00\x00\x00\x00"
)


def pairs(obs):
    return {(o.field, o.value) for o in obs}


def test_response_gives_service_instance_host_and_txt():
    got = pairs(parse(SHELLY_PRO_4PM, "198.18.77.2"))
    assert ("mdns.service", "_http._tcp") in got
    assert ("mdns.name", "ShellyPro4PM-94B97EC07650") in got
    assert ("mdns.hostname", "ShellyPro4PM-94B97EC07650") in got
    assert ("mdns.txt", "app=Pro4PM") in got and ("mdns.txt", "ver=0.10.0-beta5") in got


def test_a_query_is_not_a_response():
    assert parse(query_packet(), "198.18.77.1") == []


def test_query_asks_for_every_listed_service_type_and_the_enumeration_name():
    packet = query_packet()
    assert packet[4:6] == (len(SERVICE_TYPES) + 1).to_bytes(2, "big")
    assert b"\x0b_axis-video\x04_tcp" in packet
    assert b"\x09_services\x07_dns-sd" in packet  # "_udp.local." follows, compressed


def test_enumerated_types_not_yet_asked_are_asked_in_a_second_query():
    """A service-enumeration answer (RFC 6763 section 9) names the types a device files its
    records under; those the first query missed are asked for next, bounded and well-formed."""
    answer = DNSOutgoing(const._FLAGS_QR_RESPONSE | const._FLAGS_AA)
    for t in ("_dhnap._tcp.local.", "_http._tcp.local.", "_bad type.local."):
        answer.add_answer_at_time(DNSPointer(SERVICES_META, const._TYPE_PTR, const._CLASS_IN, 4500, t), 0)
    got = parse(answer.packets()[0], "198.18.77.1")
    assert ("mdns.service", "_dhnap._tcp") in [(o.field, o.value) for o in got]
    assert extra_types(got) == ["_dhnap._tcp.local."]


@pytest.mark.parametrize(
    "data, reason",
    [
        (ROBOROCK_BAD_COMPRESSION, "could not be parsed"),
        (b"\x00\x00\x84", "shorter than its header"),
        (SHELLY_PRO_4PM[:12] + b"\xff" * 40, "not a valid DNS message"),
    ],
)
def test_hostile_packets_raise_with_a_reason(data, reason):
    with pytest.raises(MalformedReply, match=reason):
        parse(data, "198.18.77.2")


def test_truncated_response_keeps_what_parsed_or_raises():
    whole = {(o.field, o.value) for o in parse(SHELLY_PRO_4PM, "198.18.77.2")}
    kept = refused = 0
    for cut in range(12, len(SHELLY_PRO_4PM), 37):
        try:
            got = {(o.field, o.value) for o in parse(SHELLY_PRO_4PM[:cut], "198.18.77.2")}
        except MalformedReply as exc:
            assert str(exc), "a refusal names its reason"
            refused += 1
            continue
        # What a cut reply yields is part of what the whole reply says, never something new.
        assert got <= whole, got - whole
        kept += bool(got)
    assert refused > 0, "some cuts leave no parsable record"
    assert kept + refused > 3


RUN = """
from scanner.probes.mdns import MdnsProbe
ctx = ProbeContext(scope=parse_scope([%r]), timeout=1.0)
out = MdnsProbe().discover(ctx)
"""


def test_probe_finds_the_responder_on_the_scan_interface(udp_pair):
    with Responder(udp_pair, PORT, [SHELLY_PRO_4PM], group=GROUP, require="_http"):
        out = udp_pair.run_probe(RUN % "198.18.77.0/24")
    assert [h["ip"] for h in out["hosts"]] == [udp_pair.dev_ip]
    assert ("mdns.txt", "app=Pro4PM") in {(o["field"], o["value"]) for o in out["observations"]}


def test_responder_outside_the_scope_is_recorded_not_kept(udp_pair):
    with Responder(udp_pair, PORT, [SHELLY_PRO_4PM], group=GROUP, require="_http"):
        out = udp_pair.run_probe(RUN % "198.18.77.0/31")
    assert out["observations"] == []
    assert any(a["status"] == "skipped" and a["target"] == udp_pair.dev_ip for a in out["attempts"])
