"""Xiongmai DVRIP device search: the parser on real replies, hostile input, the probe between
namespaces."""

from __future__ import annotations

import struct

import pytest

from scanner.probes._parsing import MalformedReply
from scanner.probes.dvrip_search import PORT, hex_address, parse, search_packet

from .udp_lab import Responder, udp_pair  # noqa: F401  (fixture)

# The broadcast a factory-reset camera (IPC_6a6b) sent from UDP 34569, quoted in onexay/sofia-go
# sofia/discovery.go @ da74ee0f845e4210ae32570a6c9f4ed8ac918578. The source shows the JSON only;
# the 20-byte frame is rebuilt from the layout in the same project's sofia/message.go.
IPC_6A6B_JSON = b'''{
\t"Name" : "NetWork.NetCommon",
\t"NetWork.NetCommon" :
\t{
\t\t"DeviceType" : 43,
\t\t"GateWay" : "0x0101a8c0",
\t\t"HostIP" : "0x0a01a8c0",
\t\t"HostName" : "IPC_6a6b",
\t\t"HttpPort" : 80,
\t\t"MAC" : "00:12:31:09:b7:9e",
\t\t"MaxBps" : 0,
\t\t"MonMode" : "TCP",
\t\t"SN" : "a5b23b431b14712e",
\t\t"SSLPort" : 8443,
\t\t"Submask" : "0x00ffffff",
\t\t"TCPMaxConn" : 10,
\t\t"TCPPort" : 34567,
\t\t"TransferPlan" : "Quality",
\t\t"UDPPort" : 34568,
\t\t"UseHSDownLoad" : false,
\t\t"Version" : "V4.02.R12.E7335520.12012.047502.00000",
\t\t"BuildDate" : "2018-09-17 10:47:30" ,
\t\t"OtherFunction": "D=2022-08-12 11:14:35 V=0832fc42ad047dc"
\t},
\t"Ret" : 100,
\t"SessionID" : "0x00000000"
}'''

# A Besder camera's reply quoted in sol-vin/xiongmai-investigational-journey
# src/commands/network.cr @ 8454f6fe2ee09beb538d568b86b445eae7ad8bc0.
BESDER_JSON = (
    b'{ "NetWork.NetCommon" : { "ChannelNum" : 1, "DeviceType" : 1, "GateWay" : "0x010BA8C0", '
    b'"HostIP" : "0x6D0BA8C0", "HostName" : "LocalHost", "HttpPort" : 80, "MAC" : "00:12:31:08:bb:97", '
    b'"MaxBps" : 0, "MonMode" : "TCP", "NetConnectState" : 0, '
    b'"OtherFunction" : "D=2019-02-28 17:30:58 V=92a9902100ec7c4", "SN" : "41e6853ada5e9323", '
    b'"SSLPort" : 8443, "Submask" : "0x00FFFFFF", "TCPMaxConn" : 10, "TCPPort" : 34567, '
    b'"TransferPlan" : "Quality", "UDPPort" : 34568, "UseHSDownLoad" : false }, '
    b'"Ret" : 100, "SessionID" : "0x00000000" }'
)

# The search message a Besder 6024PB-XMA501 sent from UDP 34571 during setup, as shown (JSON only,
# MAC and SN redacted and left out here) in
# KostasEreksonas/Besder-6024PB-XMA501-ip-camera-security-investigation README.md @
# bf343b23d48d18648af2f1bad78e780c99c4085a lines 91-104.
BESDER_6024PB_SEARCH = (
    b'{\n\t"NetWork.NetCommon" :\n\t{\n\t\t"HostIP" : "0x6700a8c0",\n\t\t"HostName" : "IPC",\n'
    b'\t\t"DeviceType" : 24,\n\t\t"TCPPort" : 34567\n\t},\n\t"SearchType" : "Config"\n}'
)


def framed(body: bytes, message: int = 1531, declared: int | None = None) -> bytes:
    n = len(body) if declared is None else declared
    return struct.pack("<BBHIIHHI", 0xFF, 1, 0, 0, 0, 0, message, n) + body


def as_dict(obs):
    return {o.field: o.value for o in obs}


def test_factory_reset_broadcast_gives_every_net_common_field():
    obs = parse(framed(IPC_6A6B_JSON + b"\n\0"), "198.18.77.2")
    d = as_dict(obs)
    assert d["dvrip.net_common.host_name"] == "IPC_6a6b"
    assert d["dvrip.net_common.mac"] == "00:12:31:09:b7:9e"
    assert d["dvrip.net_common.sn"] == "a5b23b431b14712e"
    assert d["dvrip.net_common.version"] == "V4.02.R12.E7335520.12012.047502.00000"
    assert d["dvrip.net_common.build_date"] == "2018-09-17 10:47:30"
    assert d["dvrip.net_common.device_type"] == "43"
    assert d["dvrip.net_common.tcp_port"] == "34567"
    assert d["dvrip.net_common.ssl_port"] == "8443"
    assert d["dvrip.net_common.use_hs_down_load"] == "false"
    assert d["dvrip.net_common.host_ip"] == "192.168.1.10"
    assert d["dvrip.net_common.gate_way"] == "192.168.1.1"
    assert d["dvrip.net_common.submask"] == "255.255.255.0"
    assert all(o.port == PORT and o.probe == "dvrip" for o in obs)


def test_besder_reply_and_its_uppercase_hex_addresses():
    d = as_dict(parse(framed(BESDER_JSON), "198.18.77.2"))
    assert d["dvrip.net_common.host_ip"] == "192.168.11.109"
    assert d["dvrip.net_common.other_function"] == "D=2019-02-28 17:30:58 V=92a9902100ec7c4"
    assert d["dvrip.net_common.channel_num"] == "1"


def test_unframed_search_message_as_published():
    d = as_dict(parse(BESDER_6024PB_SEARCH, "198.18.77.2"))
    assert d == {
        "dvrip.net_common.host_ip": "192.168.0.103",
        "dvrip.net_common.host_name": "IPC",
        "dvrip.net_common.device_type": "24",
        "dvrip.net_common.tcp_port": "34567",
        "dvrip.search_type": "Config",
    }


def test_our_own_search_is_not_a_reply():
    assert parse(search_packet(), "198.18.77.1") == []
    p = search_packet()
    assert len(p) == 20 and p[0] == 0xFF and struct.unpack_from("<HI", p, 14) == (1530, 0)


def test_address_set_messages_are_not_read():
    # 1532 carries a client's new settings with a password hash: never recorded.
    assert parse(framed(b'{"NetWork.NetCommon": {"HostName": "x"}, "Password": "y"}', message=1532), "198.18.77.2") == []


def test_hex_address_rejects_other_forms():
    assert hex_address("0x6700A8C0") == "192.168.0.103"
    assert hex_address("192.168.0.103") is None
    assert hex_address("0x6700A8C0FF") is None
    d = as_dict(parse(framed(b'{"NetWork.NetCommon": {"HostIP": "10.0.0.5"}}'), "198.18.77.2"))
    assert d["dvrip.net_common.host_ip"] == "10.0.0.5"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\xff\x01\x00", "shorter than the 20-byte header"),
        (framed(BESDER_JSON)[:19], "shorter than the 20-byte header"),
        (framed(BESDER_JSON, message=1001), "not a search reply"),
        (framed(BESDER_JSON, declared=len(BESDER_JSON) + 50), "declares"),
        (framed(BESDER_JSON, declared=10**9), "exceeds the cap"),
        (framed(BESDER_JSON[:120]), "not JSON"),
        (framed(b"[1, 2, 3]"), "not an object"),
        (framed(b'"NetWork.NetCommon"'), "not an object"),
        (framed(b'{"Ret": 100}'), "without a NetWork.NetCommon"),
        (framed(b'{"NetWork.NetCommon": [1, 2]}'), "without a NetWork.NetCommon"),
        (framed(b'{"NetWork.NetCommon": {"A": null, "B": {}}}'), "no fields"),
        (framed(b"\xff\xfe\x00\x01"), "not JSON"),
        (framed(b"\0\0\n\0"), "empty body"),
        (framed(b"[" * 100000 + b"]" * 100000), "exceeds the cap"),
        (framed(b"[" * 5000 + b"]" * 5000), "not an object|nested too deeply"),
        (b"hello", "neither a DVRIP frame"),
        (b"{" + b" " * 70000 + b"}", "exceeds the cap"),
    ],
)
def test_bad_replies_raise_with_a_reason(data, reason):
    with pytest.raises(MalformedReply, match=reason):
        parse(data, "198.18.77.2")


def test_hostile_values_are_clipped_and_fields_capped():
    many = b"{" + b",".join(b'"K%d": "v%d"' % (i, i) for i in range(900)) + b"}"
    assert len(parse(framed(b'{"NetWork.NetCommon": ' + many + b"}"), "198.18.77.2")) == 64
    long = parse(framed(b'{"NetWork.NetCommon": {"HostName": "%s"}}' % (b"v" * 9000)), "198.18.77.2")
    assert len(long[0].value) == 512
    weird = parse(framed('{"NetWork.NetCommon": {"HostName": "a\\u0000b\\nc\\u202e"}}'.encode()), "198.18.77.2")
    assert "\n" not in weird[0].value and "\0" not in weird[0].value


RUN = """
from scanner.probes.dvrip_search import DvripSearchProbe
ctx = ProbeContext(scope=parse_scope([%r]), timeout=1.0)
out = DvripSearchProbe().discover(ctx)
"""


def test_probe_finds_the_device_with_its_mac(udp_pair):
    with Responder(udp_pair, PORT, [framed(IPC_6A6B_JSON + b"\n\0")], max_answers=1):
        out = udp_pair.run_probe(RUN % "198.18.77.0/24")
    assert out["hosts"] == [{"ip": udp_pair.dev_ip, "mac": "00:12:31:09:b7:9e", "source": "dvrip"}]
    assert {o["field"]: o["value"] for o in out["observations"]}["dvrip.net_common.sn"] == "a5b23b431b14712e"


def test_malformed_reply_is_recorded_and_the_good_reply_kept(udp_pair):
    with Responder(udp_pair, PORT, [framed(b"[]"), framed(BESDER_JSON)], max_answers=1):
        out = udp_pair.run_probe(RUN % "198.18.77.0/24")
    assert any(a["status"] == "malformed" and "not an object" in a["detail"] for a in out["attempts"])
    assert {o["field"]: o["value"] for o in out["observations"]}["dvrip.net_common.sn"] == "41e6853ada5e9323"


def test_a_reply_from_outside_the_scope_is_not_read(udp_pair):
    with Responder(udp_pair, PORT, [framed(BESDER_JSON)], max_answers=1):
        out = udp_pair.run_probe(RUN % "198.18.77.1/32")
    assert out["observations"] == []
    assert any(a["status"] == "skipped" and "out of scope" in a["detail"] for a in out["attempts"])
