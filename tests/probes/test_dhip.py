"""Dahua DHIP discovery: the parser on real replies, hostile input, the probe between namespaces."""

from __future__ import annotations

import struct

import pytest

from scanner.probes._parsing import MalformedReply
from scanner.probes.dhip import GROUP, PORT, parse, search_packet

from .udp_lab import Responder, udp_pair  # noqa: F401  (fixture)

# The JSON an IPC-HDW5421S (Vendor "Dahua") sent to a one-byte probe, as recorded in
# Phenomite/AMP-Research "DVR IP Camera port 37810/README.md". The README shows the 32-byte
# header only as text ("DHIP"), so the header here is rebuilt from the documented layout.
IPC_HDW5421S_JSON = (
    b'{ "mac" : "4c:11:bf:c2:0b:9d", "method" : "client.notifyDevInfo", "params" : { "deviceInfo" : { '
    b'"AlarmInputChannels" : 0, "AlarmOutputChannels" : 0, "DeviceClass" : "IPC", "DeviceType" : "IPC-HDW5421S", '
    b'"HttpPort" : 80, "IPv4Address" : { "DefaultGateway" : "218.5.136.1", "DhcpEnable" : false, '
    b'"IPAddress" : "218.5.136.140", "SubnetMask" : "255.255.255.0" }, "IPv6Address" : { '
    b'"DefaultGateway" : "2001:250:3000:1::1:1", "DhcpEnable" : false, "IPAddress" : "2001:250:3000:1::1:2\\/112", '
    b'"LinkLocalAddress" : "fe80::4e11:bfff:fec2:0b9d\\/64" }, "MachineName" : "1F006E4PAX00075", '
    b'"Manufacturer" : "Private", "Port" : 37777, "RemoteVideoInputChannels" : 0, "SerialNo" : "1F006E4PAX00075", '
    b'"Vendor" : "Dahua", "Version" : "2.400.0.8", "VideoInputChannels" : 1, "VideoOutputChannels" : 16 } } }'
)

# The reply of an Intelbras SS 3530 MF FACE W (Dahua platform sold as Intelbras), probed on
# 24/09 and pasted as a field fact into a public implementation plan ("Etapa 3 - Descoberta na
# rede"); the device's declared length covered a trailing "\n\0".
INTELBRAS_SS3530_JSON = (
    b'{"mac":"b4:4c:3b:f4:e3:01","method":"client.notifyDevInfo","params":{"deviceInfo":{"AlarmInputChannels":1,'
    b'"AlarmOutputChannels":0,"DeviceClass":"BSC","DeviceID":"","DeviceType":"SS 3530 MF FACE W","Find":"BC",'
    b'"FindVersion":0,"HttpPort":80,"IPv4Address":{"DefaultGateway":"192.168.3.1","DhcpEnable":true,'
    b'"IPAddress":"192.168.3.175","SubnetMask":"255.255.255.0"},"IPv6Address":{"DefaultGateway":null,'
    b'"DhcpEnable":false,"IPAddress":"\\/0","LinkLocalAddress":"fe80::b64c:3bff:fef4:e301\\/64"},"Init":2198,'
    b'"MachineGroup":"","MachineName":"K3LJ3400209RH","Manufacturer":"Intelbras","Port":37777,'
    b'"RemoteVideoInputChannels":0,"SerialNo":"K3LJ3400209RH","UnLoginFuncMask":1,"Vendor":"Intelbras",'
    b'"Version":"2.000.00IB004.0.R","VideoInputChannels":1,"VideoOutputChannels":16}}}'
)


def framed(body: bytes, declared: int | None = None) -> bytes:
    n = len(body) if declared is None else declared
    return struct.pack("<I4s8sIIII", 32, b"DHIP", b"\0" * 8, n, 0, n, 0) + body


def as_dict(obs):
    return {o.field: o.value for o in obs}


def test_dahua_camera_reply_gives_every_device_info_field():
    d = as_dict(parse(framed(IPC_HDW5421S_JSON), "198.18.77.2"))
    assert d["dhip.vendor"] == "Dahua"
    assert d["dhip.manufacturer"] == "Private"
    assert d["dhip.device_type"] == "IPC-HDW5421S"
    assert d["dhip.device_class"] == "IPC"
    assert d["dhip.serial_no"] == "1F006E4PAX00075"
    assert d["dhip.version"] == "2.400.0.8"
    assert d["dhip.mac"] == "4c:11:bf:c2:0b:9d"
    assert d["dhip.port"] == "37777"
    assert d["dhip.ipv4_address.ip_address"] == "218.5.136.140"
    assert d["dhip.ipv4_address.dhcp_enable"] == "false"
    assert all(o.port == PORT for o in parse(framed(IPC_HDW5421S_JSON), "198.18.77.2"))


def test_rebranded_reply_with_trailing_terminator_in_the_declared_length():
    d = as_dict(parse(framed(INTELBRAS_SS3530_JSON + b"\n\0"), "198.18.77.2"))
    assert d["dhip.vendor"] == "Intelbras"
    assert d["dhip.device_type"] == "SS 3530 MF FACE W"
    assert d["dhip.serial_no"] == "K3LJ3400209RH"
    assert "dhip.ipv6_address.default_gateway" not in d  # null is no value


def test_our_own_search_is_not_a_reply():
    assert parse(search_packet(), "198.18.77.1") == []


def test_search_packet_header_declares_its_json_length():
    p = search_packet()
    assert p[:8] == b"\x20\x00\x00\x00DHIP"
    assert struct.unpack_from("<I", p, 16)[0] == len(p) - 32 == struct.unpack_from("<I", p, 24)[0]


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"DHIP", "shorter than the 32-byte header"),
        (framed(IPC_HDW5421S_JSON)[:31], "shorter than the 32-byte header"),
        (b"\x20\0\0\0XXXX" + framed(IPC_HDW5421S_JSON)[8:], "no DHIP magic"),
        (framed(IPC_HDW5421S_JSON, declared=len(IPC_HDW5421S_JSON) + 100), "declares"),
        (framed(IPC_HDW5421S_JSON[:200]), "not JSON"),
        (framed(b"[1, 2, 3]"), "not an object"),
        (framed(b'"a string"'), "not an object"),
        (framed(b'{"method": "client.notifyDevInfo", "params": {"deviceInfo": [1]}}'), "deviceInfo"),
        (framed(b"\xff\xfe\x00"), "not JSON"),
    ],
)
def test_bad_replies_raise_with_a_reason(data, reason):
    with pytest.raises(MalformedReply, match=reason):
        parse(data, "198.18.77.2")


RUN = """
from scanner.probes.dhip import DhipProbe
ctx = ProbeContext(scope=parse_scope([%r]), timeout=1.0)
out = DhipProbe().discover(ctx)
"""


def test_probe_finds_the_device_with_its_mac(udp_pair):
    with Responder(udp_pair, PORT, [framed(IPC_HDW5421S_JSON)], group=GROUP, require="DHDiscover.search"):
        out = udp_pair.run_probe(RUN % "198.18.77.0/24")
    assert out["hosts"] == [{"ip": udp_pair.dev_ip, "mac": "4c:11:bf:c2:0b:9d", "source": "dhip"}]
    assert {o["field"]: o["value"] for o in out["observations"]}["dhip.vendor"] == "Dahua"


def test_json_that_is_not_an_object_is_recorded_and_the_good_reply_kept(udp_pair):
    with Responder(udp_pair, PORT, [framed(b"[]"), framed(INTELBRAS_SS3530_JSON)], require="DHDiscover.search"):
        out = udp_pair.run_probe(RUN % "198.18.77.0/24")
    assert any(a["status"] == "malformed" and "not an object" in a["detail"] for a in out["attempts"])
    assert {o["field"]: o["value"] for o in out["observations"]}["dhip.vendor"] == "Intelbras"
