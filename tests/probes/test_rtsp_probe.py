"""The RTSP probe: parsing real replies, and talking to a server in a test namespace."""

from __future__ import annotations

import pytest

from scanner.models import AttemptStatus, Host
from scanner.probes.base import ProbeContext
from scanner.probes.rtsp import RtspProbe, RtspReplyError, observations_from, parse_reply
from scanner.scope import parse_scope
from tests.netns import run_in, start_in
from tests.probes import servers
from tests.probes.test_http_probe import wait_listening

# A Dahua camera's OPTIONS reply (/cam/realmonitor URL), as pasted in a public Go RTSP
# library's test comment (lal, TestRtspBasicAuth) and several RTSP client sources.
DAHUA_OPTIONS_REPLY = (
    b"RTSP/1.0 200 OK\r\nCSeq: 2\r\nServer: Rtsp Server/3.0\r\n"
    b"Public: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, SET_PARAMETER, GET_PARAMETER, ANNOUNCE\r\n\r\n"
)


def test_parse_reply_reads_status_and_headers():
    status, headers = parse_reply(DAHUA_OPTIONS_REPLY)
    assert status == 200
    assert headers["server"] == "Rtsp Server/3.0"
    obs = observations_from("198.18.0.5", 554, headers)
    assert [(o.field, o.value) for o in obs] == [
        ("rtsp.server", "Rtsp Server/3.0"),
        ("rtsp.public", "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, SET_PARAMETER, GET_PARAMETER, ANNOUNCE"),
    ]


@pytest.mark.parametrize("data", [b"", b"HTTP/1.1 200 OK\r\n\r\n", b"\x00\x01\x02", b"RTSP/1.0 abc\r\n\r\n"])
def test_parse_reply_rejects_what_is_not_rtsp(data):
    with pytest.raises(RtspReplyError):
        parse_reply(data)


def run_probe(ip: str, port: int, timeout: float = 1.0):
    ctx = ProbeContext(scope=parse_scope([f"{ip}/32"]), timeout=timeout)
    ctx.open_ports[ip] = {port}
    return RtspProbe().probe(ctx, Host(ip=ip))


def test_reads_server_and_realm_from_options_and_describe(netpair):
    proc = start_in(netpair.b, servers.rtsp_server, netpair.b_ip, 554, "Rtsp Server/3.0", servers.DAHUA_REALM_HEADER)
    try:
        wait_listening(netpair, 554)
        out = run_in(netpair.a, run_probe, netpair.b_ip, 554)
    finally:
        proc.kill()
    fields = [(o.field, o.value) for o in out.observations]
    assert fields == [("rtsp.server", "Rtsp Server/3.0"), ("rtsp.public", "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"),
                      ("rtsp.realm", "Login to 4K049EBPAG1D7E7")]
    assert [a.detail for a in out.attempts] == ["RTSP 200", "RTSP 401"]


# The session description a Foscam camera sent to an unauthenticated DESCRIBE, from the retina
# RTSP client's test data (scottlamb/retina, recorded in tests/corpus/records/rtsp-http.yaml as
# rtsp-foscam-describe-retina); media sections cut after the first.
FOSCAM_SDP = """v=0
o=- 1620845785796009 1 IN IP4 192.168.233.233
s=IP Camera Video
i=videoMain
t=0 0
a=tool:LIVE555 Streaming Media v2014.02.10
a=type:broadcast
a=control:*
m=video 0 RTP/AVP 96
c=IN IP4 0.0.0.0
a=rtpmap:96 H264/90000
a=control:track1
"""


def test_reads_the_session_lines_of_an_open_describe(netpair):
    proc = start_in(netpair.b, servers.rtsp_server, netpair.b_ip, 554, "", "", FOSCAM_SDP)
    try:
        wait_listening(netpair, 554)
        out = run_in(netpair.a, run_probe, netpair.b_ip, 554)
    finally:
        proc.kill()
    fields = [(o.field, o.value) for o in out.observations if o.field.startswith("rtsp.sdp")]
    assert fields == [("rtsp.sdp_session", "IP Camera Video"), ("rtsp.sdp_info", "videoMain"),
                      ("rtsp.sdp_tool", "LIVE555 Streaming Media v2014.02.10"),
                      ("rtsp.sdp_attribute", "type:broadcast"), ("rtsp.sdp_attribute", "control:*")]
    assert [a.detail for a in out.attempts] == ["RTSP 200", "RTSP 200"]


# A Dahua camera's DESCRIBE body (scottlamb/retina src/client/testdata/dahua_describe_h265_pcma.txt
# at 6972ac4261ce7bf5b585da9051606c7b5c0ab82c, recorded in tests/corpus/records/dahua-platform.yaml);
# media sections cut after the first line.
DAHUA_SDP = """v=0
o=- 2253040596 2253040596 IN IP4 0.0.0.0
s=Media Server
c=IN IP4 0.0.0.0
t=0 0
a=control:*
a=packetization-supported:DH
a=rtppayload-supported:DH
a=range:npt=now-
m=video 0 RTP/AVP 98
a=control:trackID=0
"""


def test_session_attributes_of_an_sdp_are_read_media_attributes_are_not():
    headers = {"content-type": "application/sdp"}
    got = [(o.field, o.value) for o in observations_from("198.18.0.5", 554, headers, DAHUA_SDP.encode())]
    assert got == [("rtsp.sdp_session", "Media Server"), ("rtsp.sdp_attribute", "control:*"),
                   ("rtsp.sdp_attribute", "packetization-supported:DH"),
                   ("rtsp.sdp_attribute", "rtppayload-supported:DH"), ("rtsp.sdp_attribute", "range:npt=now-")]


def test_a_flood_of_session_attributes_is_capped():
    body = "v=0\ns=x\n" + "a=x-junk:1\n" * 500
    got = observations_from("198.18.0.5", 554, {"content-type": "application/sdp"}, body.encode())
    assert sum(o.field == "rtsp.sdp_attribute" for o in got) == 16


def test_media_sections_and_other_lines_of_an_sdp_are_not_read():
    body = FOSCAM_SDP.replace("m=video", "s=not-session\nm=video") + "i=media title\n"
    headers = {"content-type": "application/sdp"}
    got = [(o.field, o.value) for o in observations_from("198.18.0.5", 554, headers, body.encode())]
    assert ("rtsp.sdp_session", "not-session") in got and ("rtsp.sdp_info", "media title") not in got


def test_silent_rtsp_port_is_a_timeout(netpair):
    proc = start_in(netpair.b, servers.silent_server, netpair.b_ip, 554)
    try:
        wait_listening(netpair, 554)
        out = run_in(netpair.a, run_probe, netpair.b_ip, 554, 0.5)
    finally:
        proc.kill()
    assert out.observations == []
    assert out.attempts[0].status is AttemptStatus.TIMEOUT


def test_garbage_on_rtsp_port_is_malformed(netpair):
    proc = start_in(netpair.b, servers.garbage_server, netpair.b_ip, 554, b"\xde\xad\xbe\xef\r\n\r\n")
    try:
        wait_listening(netpair, 554)
        out = run_in(netpair.a, run_probe, netpair.b_ip, 554)
    finally:
        proc.kill()
    assert out.attempts[0].status is AttemptStatus.MALFORMED
