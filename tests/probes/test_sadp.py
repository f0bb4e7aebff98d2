"""Hikvision SADP: the parser on real replies, hostile input, and the probe between namespaces."""

from __future__ import annotations

import pytest

from scanner.probes._parsing import MalformedReply
from scanner.probes.sadp import GROUP, PORT, inquiry, parse

from .udp_lab import Responder, udp_pair  # noqa: F401  (fixture)

# Reply of a Hikvision DS-2CD2432F-IW to SADPTool's inquiry, from the traffic capture published in
# "Reverse engineering Hikvision SADP Tool", http://sergei.nz/reverse-engineering-hikvision-sadp-tool/
DS_2CD2432F_IW = b"""<?xml version="1.0" encoding="UTF-8"?>
<ProbeMatch><Uuid>FC25924E-AFE2-49E6-ACC9-F84A6859054D</Uuid>
<Types>inquiry</Types>
<DeviceType>38930</DeviceType>
<DeviceDescription>DS-2CD2432F-IW</DeviceDescription>
<DeviceSN>DS-2CD2432F-IW20150126CCCH502126167</DeviceSN>
<CommandPort>8000</CommandPort>
<HttpPort>80</HttpPort>
<MAC>c0-56-e3-fe-42-92</MAC>
<IPv4Address>10.1.1.251</IPv4Address>
<IPv4SubnetMask>255.255.255.0</IPv4SubnetMask>
<IPv4Gateway>10.1.1.1</IPv4Gateway>
<IPv6Address>::</IPv6Address>
<IPv6Gateway>::</IPv6Gateway>
<IPv6MaskLen>64</IPv6MaskLen>
<DHCP>false</DHCP>
<AnalogChannelNum>0</AnalogChannelNum>
<DigitalChannelNum>1</DigitalChannelNum>
<SoftwareVersion>V5.2.5build 141201</SoftwareVersion>
<DSPVersion>V5.0, build 140714</DSPVersion>
<BootTime>2016-03-06 09:18:17</BootTime>
</ProbeMatch>
"""

# Reply of an EZVIZ CS-C6TC-32WFR (Hikvision platform) with the OEMInfo field, captured with
# Wireshark in "海康 裝置 發現(SADPTool原理)", https://www.itread01.com/content/1544974924.html
EZVIZ_C6TC = b"""<?xml version="1.0" encoding="UTF-8" ?>
<ProbeMatch>
<Uuid>12D17626-0DE1-48DB-97E3-40B106467932</Uuid>
<Types>inquiry</Types>
<DeviceType>139991</DeviceType>
<DeviceDescription>CS-C6TC-32WFR</DeviceDescription>
<DeviceSN>CS-C6TC-32WFR0120170327CCCH738231995</DeviceSN>
<CommandPort>8000</CommandPort>
<HttpPort>80</HttpPort>
<MAC>54-c4-15-9a-38-72</MAC>
<IPv4Address>172.20.20.100</IPv4Address>
<IPv4SubnetMask>255.255.255.0</IPv4SubnetMask>
<IPv4Gateway>172.20.20.254</IPv4Gateway>
<DHCP>false</DHCP>
<AnalogChannelNum>0</AnalogChannelNum>
<DigitalChannelNum>1</DigitalChannelNum>
<SoftwareVersion>V5.2.3build 180804</SoftwareVersion>
<DSPVersion>V1.0 build 180731</DSPVersion>
<BootTime>2018-10-18 21:30:10</BootTime>
<OEMInfo>N/A</OEMInfo>
<Activated>true</Activated>
<PasswordResetAbility>false</PasswordResetAbility>
</ProbeMatch>
"""


def as_dict(obs):
    return {o.field: o.value for o in obs}


def test_camera_reply_gives_every_field_in_snake_case():
    d = as_dict(parse(DS_2CD2432F_IW, "198.18.77.2"))
    assert d["sadp.device_description"] == "DS-2CD2432F-IW"
    assert d["sadp.device_sn"] == "DS-2CD2432F-IW20150126CCCH502126167"
    assert d["sadp.software_version"] == "V5.2.5build 141201"
    assert d["sadp.dsp_version"] == "V5.0, build 140714"
    assert d["sadp.mac"] == "c0-56-e3-fe-42-92"
    assert d["sadp.device_type"] == "38930"
    assert d["sadp.ipv4_address"] == "10.1.1.251"
    assert d["sadp.ipv6_mask_len"] == "64"
    assert d["sadp.command_port"] == "8000"
    assert "sadp.uuid" not in d
    assert len(d) == 19


def test_oem_fields_are_kept():
    d = as_dict(parse(EZVIZ_C6TC, "198.18.77.3"))
    assert d["sadp.oem_info"] == "N/A"
    assert d["sadp.device_description"] == "CS-C6TC-32WFR"
    assert d["sadp.activated"] == "true"
    assert d["sadp.password_reset_ability"] == "false"


def test_our_own_inquiry_is_not_a_reply():
    assert parse(inquiry(), "198.18.77.1") == []


@pytest.mark.parametrize(
    "data, reason",
    [
        (DS_2CD2432F_IW[:200], "invalid XML"),
        (b"<ProbeMatch></ProbeMatch>", "no fields"),
        (b"<Other><a>1</a></Other>", "not a SADP ProbeMatch"),
        (b'<!DOCTYPE p [<!ENTITY a "aaaaaaaaaa">]><ProbeMatch><MAC>&a;</MAC></ProbeMatch>', "refused"),
    ],
)
def test_bad_replies_raise_with_a_reason(data, reason):
    with pytest.raises(MalformedReply, match=reason):
        parse(data, "198.18.77.2")


def test_values_are_clipped_and_made_printable():
    data = DS_2CD2432F_IW.replace(b"DS-2CD2432F-IW</DeviceDescription>", b"A\tB" * 2000 + b"</DeviceDescription>")
    d = as_dict(parse(data, "198.18.77.2"))
    assert len(d["sadp.device_description"]) == 512 and "\t" not in d["sadp.device_description"]


RUN = """
from scanner.probes.sadp import SadpProbe
ctx = ProbeContext(scope=parse_scope([%r]), timeout=1.0)
out = SadpProbe().discover(ctx)
"""


def test_probe_finds_the_device_by_multicast_with_its_mac(udp_pair):
    with Responder(udp_pair, PORT, [DS_2CD2432F_IW], group=GROUP, require="inquiry"):
        out = udp_pair.run_probe(RUN % "198.18.77.0/24")
    assert out["hosts"] == [{"ip": udp_pair.dev_ip, "mac": "c0:56:e3:fe:42:92", "source": "sadp"}]
    d = {o["field"]: o["value"] for o in out["observations"]}
    assert d["sadp.device_sn"] == "DS-2CD2432F-IW20150126CCCH502126167"


def test_probe_reaches_a_device_that_hears_only_broadcast(udp_pair):
    # No group membership: only the subnet broadcast reaches the responder.
    with Responder(udp_pair, PORT, [EZVIZ_C6TC], require="inquiry"):
        out = udp_pair.run_probe(RUN % "198.18.77.0/24")
    assert {o["field"]: o["value"] for o in out["observations"]}["sadp.oem_info"] == "N/A"


def test_truncated_reply_is_recorded_and_the_scan_goes_on(udp_pair):
    with Responder(udp_pair, PORT, [DS_2CD2432F_IW[:150]], group=GROUP, require="inquiry"):
        out = udp_pair.run_probe(RUN % "198.18.77.0/24")
    bad = [a for a in out["attempts"] if a["status"] == "malformed"]
    assert bad and bad[0]["target"] == udp_pair.dev_ip and "invalid XML" in bad[0]["detail"]
