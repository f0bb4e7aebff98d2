"""SSDP/UPnP: parsers on a real Axis M1014's answer and description, hostile input, and the
probe between namespaces (M-SEARCH answered by UDP, description served over HTTP)."""

from __future__ import annotations

import pytest

from scanner.probes._parsing import MalformedReply
from scanner.probes.ssdp import GROUP, PORT, msearch, parse, parse_description

from .udp_lab import HttpServer, Responder, udp_pair  # noqa: F401  (fixture)

# An AXIS M1014's answer to M-SEARCH and its root description, as recorded in the tests of
# FantasticFiasco/axis-discovery-ssdp-js (test/sockets/Message.mock.ts, MSEARCH_MESSAGE, and
# test/root-descriptions/RootDescription.mock.ts, ROOT_DESCRIPTION_DEFAULT_HTTP_PORT).
AXIS_MSEARCH = (
    b"HTTP/1.1 200 OK\r\n"
    b"CACHE-CONTROL: max-age=1800\r\n"
    b"DATE: Sun, 02 Oct 2016 21:11:25 GMT\r\n"
    b"EXT:\r\n"
    b"LOCATION: http://192.168.1.102:45895/rootdesc1.xml\r\n"
    b'OPT: "http://schemas.upnp.org/upnp/1/0/"; ns=01\r\n'
    b"01-NLS: 8fb2638a-1dd2-11b2-a915-c89968cce2ca\r\n"
    b"SERVER: Linux/2.6.35, UPnP/1.0, Portable SDK for UPnP devices/1.6.18\r\n"
    b"X-User-Agent: redsonic\r\n"
    b"ST: urn:axis-com:service:BasicService:1\r\n"
    b"USN: uuid:Upnp-BasicDevice-1_0-ACCC8E270AD8::urn:axis-com:service:BasicService:1\r\n"
)
AXIS_DESCRIPTION = (
    b'<?xml version="1.0"?>'
    b'<root xmlns="urn:schemas-upnp-org:device-1-0">'
    b"    <specVersion>        <major>1</major>        <minor>0</minor>    </specVersion>"
    b"    <device>"
    b"        <deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>"
    b"        <friendlyName>AXIS M1014 - ACCC8E270AD8</friendlyName>"
    b"        <manufacturer>AXIS</manufacturer>"
    b"        <manufacturerURL>http://www.axis.com/</manufacturerURL>"
    b"        <modelDescription>AXIS M1014 Fixed Network Camera</modelDescription>"
    b"        <modelName>AXIS M1014</modelName>"
    b"        <modelNumber>M1014</modelNumber>"
    b"        <modelURL>http://www.axis.com/</modelURL>"
    b"        <serialNumber>ACCC8E270AD8</serialNumber>"
    b"        <UDN>uuid:Upnp-BasicDevice-1_0-ACCC8E270AD8</UDN>"
    b"        <serviceList>            <service>"
    b"                <serviceType>urn:axis-com:service:BasicService:1</serviceType>"
    b"                <serviceId>urn:axis-com:serviceId:BasicServiceId</serviceId>"
    b"                <controlURL>/upnp/control/BasicServiceId</controlURL>"
    b"                <eventSubURL>/upnp/event/BasicServiceId</eventSubURL>"
    b"                <SCPDURL>/scpd_basic.xml</SCPDURL>"
    b"            </service>        </serviceList>"
    b"        <presentationURL>http://192.168.1.102:80/</presentationURL>"
    b"    </device>"
    b"    <URLBase>http://192.168.1.102:51578/</URLBase>"
    b"</root>"
)


def as_dict(obs):
    return {o.field: o.value for o in obs}


def test_msearch_answer_gives_server_location_st_usn():
    d = as_dict(parse(AXIS_MSEARCH, "198.18.77.2"))
    assert d == {
        "ssdp.server": "Linux/2.6.35, UPnP/1.0, Portable SDK for UPnP devices/1.6.18",
        "ssdp.location": "http://192.168.1.102:45895/rootdesc1.xml",
        "ssdp.st": "urn:axis-com:service:BasicService:1",
        "ssdp.usn": "uuid:Upnp-BasicDevice-1_0-ACCC8E270AD8::urn:axis-com:service:BasicService:1",
    }


def test_description_gives_maker_model_and_serial():
    d = as_dict(parse_description(AXIS_DESCRIPTION, "198.18.77.2", 45895))
    assert d["upnp.manufacturer"] == "AXIS"
    assert d["upnp.model_name"] == "AXIS M1014"
    assert d["upnp.model_number"] == "M1014"
    assert d["upnp.serial"] == "ACCC8E270AD8"
    assert d["upnp.friendly_name"] == "AXIS M1014 - ACCC8E270AD8"


def test_our_own_msearch_is_not_a_reply():
    assert parse(msearch("ssdp:all"), "198.18.77.1") == []


@pytest.mark.parametrize(
    "data, reason",
    [(b"\x00\x01garbage", "not an SSDP message"), (b"HTTP/1.1 200 OK\r\nEXT:\r\n\r\n", "without SERVER")],
)
def test_bad_answers_raise(data, reason):
    with pytest.raises(MalformedReply, match=reason):
        parse(data, "198.18.77.2")


@pytest.mark.parametrize(
    "data, reason",
    [
        (AXIS_DESCRIPTION[:400], "invalid XML"),
        (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "http://198.18.77.9/x">]><root>&e;</root>', "refused"),
        (b"<html>hi</html>", "not a UPnP description"),
    ],
)
def test_bad_descriptions_raise(data, reason):
    with pytest.raises(MalformedReply, match=reason):
        parse_description(data, "198.18.77.2")


RUN = """
from scanner.probes.ssdp import SsdpProbe
ctx = ProbeContext(scope=parse_scope([%r]), timeout=1.0)
out = SsdpProbe().discover(ctx)
"""


def answer_for(pair) -> bytes:
    # The real answer, with LOCATION moved to the lab device's address.
    return AXIS_MSEARCH.replace(b"192.168.1.102:45895", f"{pair.dev_ip}:45895".encode())


def test_probe_fetches_the_description_and_names_the_maker(udp_pair):
    with Responder(udp_pair, PORT, [answer_for(udp_pair)], group=GROUP, require="M-SEARCH"), \
            HttpServer(udp_pair, 45895, AXIS_DESCRIPTION):
        out = udp_pair.run_probe(RUN % "198.18.77.0/24")
    d = {o["field"]: (o["value"], o["ip"], o["port"]) for o in out["observations"]}
    assert d["upnp.manufacturer"] == ("AXIS", udp_pair.dev_ip, 45895)
    assert d["upnp.serial"][0] == "ACCC8E270AD8"
    assert d["ssdp.server"][0].startswith("Linux/2.6.35")


def test_location_outside_the_scope_is_never_fetched(udp_pair):
    with Responder(udp_pair, PORT, [AXIS_MSEARCH], group=GROUP, require="M-SEARCH"):
        out = udp_pair.run_probe(RUN % "198.18.77.0/24")
    assert not any(o["field"].startswith("upnp.") for o in out["observations"])
    assert any(a["status"] == "skipped" and "192.168.1.102" in a["target"] for a in out["attempts"])


@pytest.mark.parametrize("mode, status", [("silent", "timeout"), ("huge", "too_large")])
def test_stalling_or_oversized_description_costs_a_recorded_attempt(udp_pair, mode, status):
    with Responder(udp_pair, PORT, [answer_for(udp_pair)], group=GROUP, require="M-SEARCH"), \
            HttpServer(udp_pair, 45895, mode=mode):
        out = udp_pair.run_probe(RUN % "198.18.77.0/24", timeout=30)
    assert any(a["status"] == status and a["target"] == udp_pair.dev_ip for a in out["attempts"])
    assert ("ssdp.server", udp_pair.dev_ip) in {(o["field"], o["ip"]) for o in out["observations"]}
