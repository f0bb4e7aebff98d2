"""WS-Discovery: the pure parser on real device messages, hostile input, and the probe over
real sockets between two namespaces."""

from __future__ import annotations

import pytest

from scanner.probes._parsing import MalformedReply
from scanner.probes.wsdiscovery import GROUP, PORT, Reassembler, parse

from .udp_lab import Responder, udp_pair  # noqa: F401  (fixture)

# A WS-Discovery Hello a Dahua IPC-HFW2228M-I1-V2 multicast on power-up, as pasted into the tests
# of a public Elixir ONVIF library (found with the code index: the string
# "onvif://www.onvif.org/hardware/IPC-HFW2228M-I1-V2"; index id 41621192913). Hello carries the
# same EndpointReference/Types/Scopes/XAddrs as a ProbeMatch.
DAHUA_HELLO = b"""<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"
      xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing">
      <s:Header>
        <a:MessageID>uuid:7dffd1ac-a95b-4479-ae60-0128450c7104</a:MessageID>
        <a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>
        <a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello</a:Action>
      </s:Header>
      <s:Body>
        <d:Hello>
          <a:EndpointReference>
            <a:Address>uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464</a:Address>
          </a:EndpointReference>
        <d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>
        <d:Scopes>onvif://www.onvif.org/location/country/china onvif://www.onvif.org/name/Dahua onvif://www.onvif.org/hardware/IPC-HFW2228M-I1-V2 onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/type/Network_Video_Transmitter onvif://www.onvif.org/extension/unique_identifier</d:Scopes>
        <d:XAddrs>http://192.168.1.45/onvif/device_service</d:XAddrs>
        <d:MetadataVersion>1</d:MetadataVersion>
        </d:Hello>
      </s:Body>
    </s:Envelope>
"""

# A ProbeMatches a Linux host running wsdd sent (christgau/wsdd issue #227, debug log of
# 2025-02-09): a real non-camera reply with no Scopes and no XAddrs.
WSDD_HOST_MATCH = (
    b'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
    b'xmlns:wsx="http://schemas.xmlsoap.org/ws/2004/09/mex" xmlns:wsdp="http://schemas.xmlsoap.org/ws/2006/02/devprof" '
    b'xmlns:pnpx="http://schemas.microsoft.com/windows/pnpx/2005/10" xmlns:pub="http://schemas.microsoft.com/windows/pub/2005/07">'
    b"<soap:Header><wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>"
    b"<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>"
    b"<wsa:MessageID>urn:uuid:de01fa16-e6ff-11ef-a671-ec2e988443d5</wsa:MessageID>"
    b"<wsa:RelatesTo>urn:uuid:de98e460-f98e-49a7-8182-f78c34863fde</wsa:RelatesTo>"
    b'<wsd:AppSequence InstanceId="1739117201" SequenceId="urn:uuid:de01fb06-e6ff-11ef-a671-ec2e988443d5" MessageNumber="5" />'
    b"</soap:Header><soap:Body><wsd:ProbeMatches><wsd:ProbeMatch><wsa:EndpointReference>"
    b"<wsa:Address>urn:uuid:c3e195f5-cece-40a4-9760-9ae807e243d9</wsa:Address></wsa:EndpointReference>"
    b"<wsd:Types>wsdp:Device pub:Computer</wsd:Types><wsd:MetadataVersion>1</wsd:MetadataVersion>"
    b"</wsd:ProbeMatch></wsd:ProbeMatches></soap:Body></soap:Envelope>"
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Envelope><Body><ProbeMatch><Scopes>&lol3;</Scopes></ProbeMatch></Body></Envelope>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]><Envelope><Body>&x;</Body></Envelope>"""


def fields(obs):
    return {(o.field, o.value) for o in obs}


def test_dahua_hello_gives_every_scope_and_the_derived_fields():
    obs = parse(DAHUA_HELLO, "198.18.77.2")
    f = fields(obs)
    assert ("wsd.endpoint", "uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464") in f
    assert ("wsd.types", "dn:NetworkVideoTransmitter tds:Device") in f
    assert ("wsd.xaddr", "http://192.168.1.45/onvif/device_service") in f
    assert ("wsd.name", "Dahua") in f
    assert ("wsd.hardware", "IPC-HFW2228M-I1-V2") in f
    assert ("wsd.location", "country/china") in f
    assert ("wsd.profile", "Streaming") in f
    assert ("wsd.type", "Network_Video_Transmitter") in f
    assert len([o for o in obs if o.field == "wsd.scope"]) == 6
    assert all(o.ip == "198.18.77.2" and o.port == PORT for o in obs)


def test_host_without_scopes_gives_endpoint_and_types_only():
    f = fields(parse(WSDD_HOST_MATCH, "198.18.77.9"))
    assert f == {("wsd.endpoint", "urn:uuid:c3e195f5-cece-40a4-9760-9ae807e243d9"), ("wsd.types", "wsdp:Device pub:Computer")}


def test_scope_values_are_url_decoded():
    data = DAHUA_HELLO.replace(b"name/Dahua", b"name/Front%20Door")
    assert ("wsd.name", "Front Door") in fields(parse(data, "198.18.77.2"))


# Scopes of a FLIR Ariel CM-3102-11-I (vicmaeg/onvif-discovery
# OnvifDiscovery.Tests/Resources/ScopesTestData.json @ bf0d1532a685d06198a120668ffd7e0506c104b3):
# FLIR keeps its mfr and mac keys one level down, under acc/.
FLIR_SCOPES = (b"onvif://www.onvif.org/name/ArielFHDIPCamera onvif://www.onvif.org/hardware/CM-3102-11-I "
               b"onvif://www.onvif.org/location/ onvif://www.onvif.org/acc/mac/00-1b-d8-60-1f-8d "
               b"onvif://www.onvif.org/acc/firmware/version/01.05.32.5 onvif://www.onvif.org/acc/mfr/FLIR%20Systems")


def test_keys_one_level_down_are_derived_but_never_under_location():
    start = DAHUA_HELLO.index(b"<d:Scopes>") + len(b"<d:Scopes>")
    data = DAHUA_HELLO[:start] + FLIR_SCOPES + DAHUA_HELLO[DAHUA_HELLO.index(b"</d:Scopes>"):]
    f = fields(parse(data, "198.18.77.2"))
    assert ("wsd.manufacturer", "FLIR Systems") in f
    assert ("wsd.mac", "00-1b-d8-60-1f-8d") in f
    assert ("wsd.hardware", "CM-3102-11-I") in f
    located = DAHUA_HELLO.replace(b"location/country/china", b"location/name/Hangzhou")
    assert not any(field == "wsd.name" and value == "Hangzhou" for field, value in fields(parse(located, "198.18.77.2")))


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_entities_are_refused_not_expanded(data):
    with pytest.raises(MalformedReply, match="refused"):
        parse(data, "198.18.77.2")


@pytest.mark.parametrize(
    "data, reason",
    [
        (DAHUA_HELLO[:300], "invalid XML"),
        (b"", "empty"),
        (b"\x00\xff\xfe garbage", "invalid XML"),
        (b"<html><body>hi</body></html>", "not a SOAP envelope"),
        (b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"/>', "without a Body"),
    ],
)
def test_malformed_replies_raise_with_a_reason(data, reason):
    with pytest.raises(MalformedReply, match=reason):
        parse(data, "198.18.77.2")


def test_reply_split_across_two_datagrams_is_joined():
    reasm = Reassembler()
    first, second = DAHUA_HELLO[:700], DAHUA_HELLO[700:]
    assert reasm(first, "198.18.77.2") == []
    assert ("wsd.hardware", "IPC-HFW2228M-I1-V2") in fields(reasm(second, "198.18.77.2"))
    assert reasm.leftovers() == {}


def test_scope_list_is_capped():
    many = b" ".join(b"onvif://www.onvif.org/name/x%d" % i for i in range(5000))
    data = DAHUA_HELLO.replace(b"onvif://www.onvif.org/name/Dahua", many)
    obs = parse(data, "198.18.77.2")
    assert len([o for o in obs if o.field == "wsd.scope"]) == 64


# --- over the wire, between two namespaces -------------------------------------------------

RUN_MULTICAST = """
from scanner.probes.wsdiscovery import WsDiscoveryProbe
ctx = ProbeContext(scope=parse_scope([%r]), timeout=1.0)
out = WsDiscoveryProbe().discover(ctx)
"""

RUN_UNICAST = """
from scanner.probes.wsdiscovery import WsDiscoveryUnicastProbe
ctx = ProbeContext(scope=parse_scope([%r]), timeout=1.0)
out = WsDiscoveryUnicastProbe().probe(ctx, Host(ip=%r))
"""


def test_multicast_probe_finds_the_device_and_keeps_each_fact_once(udp_pair):
    # The responder answers both probes (typed and untyped) and every retry: de-duplication
    # must leave one observation per fact.
    with Responder(udp_pair, PORT, [DAHUA_HELLO], group=GROUP):
        out = udp_pair.run_probe(RUN_MULTICAST % "198.18.77.0/24")
    assert [h["ip"] for h in out["hosts"]] == [udp_pair.dev_ip]
    hard = [o for o in out["observations"] if o["field"] == "wsd.hardware"]
    assert hard == [{"ip": udp_pair.dev_ip, "probe": "wsd", "field": "wsd.hardware", "value": "IPC-HFW2228M-I1-V2", "port": 3702}]
    assert any(a["status"] == "ok" for a in out["attempts"])


def test_reply_from_outside_the_scope_is_seen_not_kept(udp_pair):
    with Responder(udp_pair, PORT, [DAHUA_HELLO], group=GROUP):
        out = udp_pair.run_probe(RUN_MULTICAST % "198.18.77.0/31")
    assert out["observations"] == [] and out["hosts"] == []
    skipped = [a for a in out["attempts"] if a["status"] == "skipped"]
    assert skipped and skipped[0]["target"] == udp_pair.dev_ip and "out of scope" in skipped[0]["detail"]


def test_unicast_probe_finds_a_device_that_ignores_multicast(udp_pair):
    # No group joined: the device answers only what is sent to its own address.
    with Responder(udp_pair, PORT, [DAHUA_HELLO]):
        multicast = udp_pair.run_probe(RUN_MULTICAST % "198.18.77.0/24")
        unicast = udp_pair.run_probe(RUN_UNICAST % ("198.18.77.0/24", udp_pair.dev_ip))
    assert multicast["observations"] == []
    assert ("wsd.hardware", "IPC-HFW2228M-I1-V2") in {(o["field"], o["value"]) for o in unicast["observations"]}
    assert all(o["probe"] == "wsd-unicast" for o in unicast["observations"])


def test_flood_from_one_address_is_cut_and_recorded_and_the_hostile_reply_is_malformed(udp_pair):
    with Responder(udp_pair, PORT, [BILLION_LAUGHS] + [DAHUA_HELLO] * 3, group=GROUP, repeat=40):
        out = udp_pair.run_probe(RUN_MULTICAST % "198.18.77.0/24")
    statuses = {a["status"] for a in out["attempts"]}
    assert "too_large" in statuses and "malformed" in statuses
    # What parsed before and after the hostile datagrams is kept.
    assert ("wsd.hardware", "IPC-HFW2228M-I1-V2") in {(o["field"], o["value"]) for o in out["observations"]}


def test_silent_network_is_no_reply(udp_pair):
    out = udp_pair.run_probe(RUN_MULTICAST % "198.18.77.0/24")
    assert out["observations"] == [] and [a["status"] for a in out["attempts"]] == ["no_reply"]
