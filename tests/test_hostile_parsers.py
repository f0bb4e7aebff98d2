"""Hostile input for every pure parser of the active probes: real device replies damaged in
every way a broken or hostile device could (tests/hostile.py), and the classic attacks
(billion laughs, external entities, deep nesting, 10 MB, empty). Each call either returns
observations whose values stay within the parser's documented caps, or raises the parser's
documented error; nothing else escapes, and no call runs over its work budget (lines of
scanner code executed, not seconds)."""

from __future__ import annotations

import pytest

from scanner.models import Observation
from scanner.probes import dhip, dvrip_search, mdns, onvif, sadp, ssdp, wsdiscovery
from scanner.probes._parsing import MAX_VALUE_CHARS, MAX_XML_BYTES, MalformedReply
from scanner.probes.http import (
    Fetched,
    certificate_names,
    extract_realms,
    extract_title,
    parse_response,
)
from scanner.probes.rtsp import RtspReplyError, parse_reply
from tests import hostile_samples as S
from tests.hostile import TEN_MB, deep_json, hostile_xml_documents, mutations, outcome

IP = "198.18.77.2"


def check_observations(obs: list[Observation], *, probe: str, value_cap: int = MAX_VALUE_CHARS, count_cap: int) -> None:
    assert isinstance(obs, list)
    assert len(obs) <= count_cap, f"{len(obs)} observations from one reply (cap {count_cap})"
    for o in obs:
        assert isinstance(o, Observation) and o.probe == probe and o.ip == IP
        assert isinstance(o.value, str) and o.value, o
        assert len(o.value) <= value_cap, f"{o.field} value of {len(o.value)} characters (cap {value_cap})"
        assert o.value.isprintable(), f"{o.field} value is not printable: {o.value[:80]!r}"


def run_all(parse, samples, seed, *, allowed, check, count=120, extra=()):
    """Feed every mutation of every sample (and ``extra``) to ``parse``; return (parsed, refused)."""
    parsed = refused = 0
    for n, sample in enumerate(samples):
        for data in list(mutations(sample, seed * 100 + n, count)) + list(extra):
            result, error = outcome(parse, data, IP, allowed=allowed)
            if error is None:
                check(result)
                parsed += 1
            else:
                assert str(error), "a refusal must carry a reason"
                refused += 1
    return parsed, refused


# --- UDP discovery parsers ------------------------------------------------------------------

WSD_CAP = wsdiscovery.MAX_MATCHES * (3 + 2 * wsdiscovery.MAX_SCOPES + wsdiscovery.MAX_XADDRS) + 1


def test_ws_discovery_parser_survives_damaged_real_replies_and_xml_attacks():
    samples = (S.DAHUA_HELLO, S.WSDD_HOST_MATCH) + S.udp_payloads("wsd")
    parsed, refused = run_all(
        wsdiscovery.parse, samples, 1, allowed=(MalformedReply,), extra=hostile_xml_documents(),
        check=lambda obs: check_observations(obs, probe="wsd", count_cap=WSD_CAP),
    )
    assert parsed > 3 and refused > 1000  # both paths were exercised


def test_ws_discovery_attacks_are_refused_with_a_reason():
    for doc in hostile_xml_documents():
        _, error = outcome(wsdiscovery.parse, doc, IP, allowed=(MalformedReply,))
        assert isinstance(error, MalformedReply), doc[:60]


def test_ws_discovery_reply_with_thousands_of_matches_gives_a_capped_number_of_observations():
    match = S.DAHUA_HELLO.split(b"<d:Hello>")[1].split(b"</d:Hello>")[0]
    many = S.DAHUA_HELLO.replace(match, match * 200)
    assert len(many) < MAX_XML_BYTES
    obs, error = outcome(wsdiscovery.parse, many, IP, allowed=(MalformedReply,))
    assert error is None
    assert 0 < len(obs) <= WSD_CAP


def test_ws_discovery_reassembler_keeps_at_most_its_cap_pending():
    reasm = wsdiscovery.Reassembler()
    fragment = S.DAHUA_HELLO[: len(S.DAHUA_HELLO) // 2]
    for data in list(mutations(fragment, 7, 60)) + [fragment] * 200:
        outcome(reasm, data, IP, allowed=(MalformedReply,))
        assert all(len(v) <= wsdiscovery.Reassembler.MAX_PENDING for v in reasm.pending.values())


def test_sadp_parser_survives_damaged_real_replies_and_xml_attacks():
    samples = (S.DS_2CD2432F_IW, S.EZVIZ_C6TC) + S.udp_payloads("sadp")
    parsed, refused = run_all(
        sadp.parse, samples, 2, allowed=(MalformedReply,), extra=hostile_xml_documents(b"ProbeMatch"),
        check=lambda obs: check_observations(obs, probe="sadp", count_cap=sadp.MAX_FIELDS),
    )
    assert parsed > 10 and refused > 500


def test_dhip_parser_survives_damaged_real_replies_lengths_and_json_attacks():
    samples = (S.framed(S.IPC_HDW5421S_JSON), S.framed(S.INTELBRAS_SS3530_JSON)) + S.udp_payloads("dhip")
    body = S.IPC_HDW5421S_JSON
    lengths = [S.framed(body, n) for n in (0, 1, len(body) - 1, len(body) + 1, 0x7FFFFFFF, 0xFFFFFFFF)]
    attacks = [S.framed(b) for b in (
        deep_json(), b"[" * 2000 + b"]" * 2000, b'{"params":' * 5000 + b"1" + b"}" * 5000, b"[]", b"1", b'"x"', b"null",
        b"", b"\xff\xfe{}", b'{"params":{"deviceInfo":' + b'{"a":' * 100 + b"1" + b"}" * 102,
        b'{"params":{"deviceInfo":{"k":"' + b"A" * 60000 + b'"}}}', b'{"params":{"deviceInfo":{"n":' + b"9" * 50000 + b"}}}",
        b'{"params":{"deviceInfo":{' + b",".join(b'"k%d":%d' % (i, i) for i in range(5000)) + b"}}}",
    )] + [S.framed(b"x" * TEN_MB)]
    parsed, refused = run_all(
        dhip.parse, samples, 3, allowed=(MalformedReply,), extra=lengths + attacks,
        check=lambda obs: check_observations(obs, probe="dhip", count_cap=dhip.MAX_FIELDS),
    )
    assert parsed > 20 and refused > 100


def test_dvrip_search_parser_survives_damaged_real_replies_lengths_and_json_attacks():
    from tests.probes.test_dvrip_search import BESDER_6024PB_SEARCH, BESDER_JSON, IPC_6A6B_JSON
    from tests.probes.test_dvrip_search import framed as dvrip_framed

    samples = (dvrip_framed(IPC_6A6B_JSON + b"\n\0"), dvrip_framed(BESDER_JSON), BESDER_6024PB_SEARCH)
    body = BESDER_JSON
    lengths = [dvrip_framed(body, declared=n) for n in (0, 1, len(body) - 1, len(body) + 1, 0x7FFFFFFF, 0xFFFFFFFF)]
    attacks = [dvrip_framed(b) for b in (
        deep_json(), b"[" * 2000 + b"]" * 2000, b'{"NetWork.NetCommon":' * 5000 + b"1" + b"}" * 5000, b"[]", b"1",
        b"null", b"", b"\xff\xfe{}", b'{"NetWork.NetCommon":{"HostName":"' + b"A" * 15000 + b'"}}',
        b'{"NetWork.NetCommon":{"SN":' + b"9" * 15000 + b"}}",
        b'{"NetWork.NetCommon":{' + b",".join(b'"k%d":%d' % (i, i) for i in range(1500)) + b"}}",
        b'{"NetWork.NetCommon":{"HostIP":"0xZZ00A8C0","GateWay":12,"Submask":null}}',
    )] + [dvrip_framed(b"x" * TEN_MB), b"{" + b" " * TEN_MB + b"}"]
    parsed, refused = run_all(
        dvrip_search.parse, samples, 5, allowed=(MalformedReply,), extra=lengths + attacks,
        check=lambda obs: check_observations(obs, probe="dvrip", count_cap=dvrip_search.MAX_FIELDS + 1),
    )
    assert parsed > 20 and refused > 100


def test_mdns_parser_survives_damaged_real_responses():
    samples = (S.SHELLY_PRO_4PM, S.ROBOROCK_BAD_COMPRESSION) + S.udp_payloads("mdns")
    extra = [b"", b"\0" * 12, b"\xff" * 12, b"\0\0\x84\0\xff\xff\xff\xff\xff\xff\xff\xff" + b"\xc0\x0c" * 4000,
             S.SHELLY_PRO_4PM * 100, b"\0" * TEN_MB]
    parsed, refused = run_all(
        mdns.parse, samples, 4, allowed=(MalformedReply,), extra=extra,
        check=lambda obs: check_observations(obs, probe="mdns", count_cap=mdns.MAX_OBSERVATIONS),
    )
    assert parsed > 100 and refused > 10


def test_ssdp_parser_survives_damaged_real_answers():
    samples = (S.AXIS_MSEARCH,) + S.udp_payloads("ssdp")
    extra = [b"", b"HTTP/1.1 200 OK\r\n" + b"SERVER: " + b"x" * TEN_MB, b"NOTIFY * HTTP/1.1\r\n" + b"ST: a\r\n" * 100000,
             b"HTTP/1.1 200 OK\r\n" + b"\n" * TEN_MB]
    parsed, refused = run_all(
        ssdp.parse, samples, 5, allowed=(MalformedReply,), extra=extra,
        check=lambda obs: check_observations(obs, probe="ssdp", count_cap=64),
    )
    assert parsed > 100 and refused > 10


def test_upnp_description_parser_survives_damaged_real_descriptions_and_xml_attacks():
    def parse(data, ip):
        return ssdp.parse_description(data, ip, 80)

    many = S.AXIS_DESCRIPTION.replace(b"<manufacturer>AXIS</manufacturer>", b"<manufacturer>AXIS</manufacturer>" * 4000)
    parsed, refused = run_all(
        parse, (S.AXIS_DESCRIPTION,), 6, allowed=(MalformedReply,), extra=hostile_xml_documents(b"root") + [many],
        check=lambda obs: check_observations(obs, probe="ssdp", count_cap=ssdp.MAX_DESCRIPTION_FIELDS),
    )
    assert parsed > 3 and refused > 100


# --- ONVIF answers --------------------------------------------------------------------------

@pytest.mark.parametrize("name, sample", [
    ("GetDeviceInformation", S.BOSCH_DEVICE_INFO),
    ("GetSystemDateAndTime", S.BOSCH_DATE_TIME),
    ("GetNetworkInterfaces", S.BOSCH_DEVICE_INFO),
    ("GetScopes", S.BOSCH_DEVICE_INFO),
])
def test_onvif_answer_parsers_survive_damaged_real_answers_and_xml_attacks(name, sample):
    parse = onvif.PARSERS[name]
    repeated = sample.replace(b"<tds:Manufacturer>Bosch</tds:Manufacturer>", b"<tds:Manufacturer>Bosch</tds:Manufacturer>" * 3000)
    run_all(
        parse, (sample,), 10 + len(name), allowed=(MalformedReply, onvif.SoapFault),
        extra=hostile_xml_documents() + [repeated],
        check=lambda obs: check_observations(obs, probe="onvif", count_cap=onvif.MAX_OBSERVATIONS),
    )


def test_the_onvif_namespace_reader_survives_damaged_answers_attacks_and_a_flood_of_declarations():
    # every answer and fault is read for its namespaces: the same damage and attacks as above,
    # and an envelope declaring hundreds of long namespaces (kept to the cap, each clipped)
    flood = S.BOSCH_DEVICE_INFO.replace(
        b"<SOAP-ENV:Envelope ", b"<SOAP-ENV:Envelope " + b"".join(b'xmlns:v%d="http://vendor.invalid/%d/%s" ' % (i, i, b"x" * 600) for i in range(300)))
    run_all(
        onvif.parse_namespaces, (S.BOSCH_DEVICE_INFO,), 16, allowed=(MalformedReply,), extra=hostile_xml_documents() + [flood],
        # the namespaces to their cap, and one prefix table
        check=lambda obs: check_observations(obs, probe="onvif", count_cap=onvif.MAX_NAMESPACE_OBSERVATIONS + 1),
    )
    kept = onvif.parse_namespaces(flood, IP)
    assert len([o for o in kept if o.field == "onvif.namespace"]) == onvif.MAX_NAMESPACE_OBSERVATIONS
    assert len([o for o in kept if o.field == "onvif.prefixes"]) == 1 and all(len(o.value) <= 512 for o in kept)


@pytest.mark.parametrize("year", [b"99999999999999999999", b"-1", b"0", b"\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa3", b"1" * 5000])
def test_onvif_date_out_of_range_is_malformed_not_a_crash(year):
    data = S.BOSCH_DATE_TIME.replace(b"<tt:Year>2023</tt:Year>", b"<tt:Year>" + year + b"</tt:Year>")
    obs, error = outcome(onvif.parse_system_date_and_time, data, IP, allowed=(MalformedReply,))
    assert error is not None or obs  # out of range: refused; an Arabic-Indic "2023" is read


# --- HTTP and RTSP --------------------------------------------------------------------------

def _http_parts(stream: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = stream.partition(b"\r\n\r\n")
    _status_line, _, block = head.partition(b"\r\n")
    headers: dict[str, str] = {}
    for line in block.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return 200, headers, body


def test_http_response_parser_survives_damaged_real_pages():
    samples = S.tcp_streams(80) + S.tcp_streams(8899)

    def parse(data, ip):
        status, headers, body = _http_parts(data)
        return parse_response(ip, 80, Fetched("http://198.18.77.2/", status, headers, body, False))

    def parse_marker(data, ip):
        status, headers, body = _http_parts(data)
        return parse_response(ip, 80, Fetched("http://198.18.77.2/x", status, headers, body, False), marker_path="/x")

    big = b"HTTP/1.1 401 X\r\nServer: " + b"s" * TEN_MB + b"\r\nWWW-Authenticate: " + b'Digest realm="' * 20000 + b"\r\n\r\n" + b"<title>" * 200000
    for fn in (parse, parse_marker):
        run_all(fn, samples, 20, allowed=(), extra=[big, b"", b"\r\n\r\n"],
                check=lambda obs: check_http(obs))


def check_http(obs: list[Observation]) -> None:
    for o in obs:
        assert isinstance(o.value, str) and len(o.value) <= 4096
        if o.field == "http.title":
            assert len(o.value) <= 256
        if o.field == "http.realm":
            assert len(o.value) <= 512


def test_title_and_realm_extraction_is_bounded_on_hostile_text():
    for data in list(mutations(b"<html><head><TITLE>\n  Web  Service </TITLE>", 21, 200)) + [
        b"<title>" * 1_000_000, b"<title>" + b"&amp;" * 1_000_000 + b"</title>", b"<title>\xff\xfe\0</title>",
    ]:
        title, _ = outcome(extract_title, data, allowed=())
        assert title is None or (isinstance(title, str) and len(title) <= 256)
    for data in list(mutations(S.DAHUA_REALM_HEADER.encode(), 22, 200)) + [b'realm="' * 500_000, b"\0" * TEN_MB]:
        realms, _ = outcome(extract_realms, data.decode("latin-1"), allowed=())
        assert all(len(r) <= 512 for r in realms)


def test_certificate_reader_survives_damaged_certificates():
    der = S.dahua_nvr_certificate()
    subject, issuer = certificate_names(der)
    assert "ZheJiang Dahua Technology" in issuer and subject == "C=CN,CN=198.18.0.15"
    _parsed, refused = run_all(lambda d, ip: certificate_names(d), (der,), 23, allowed=(ValueError,), count=300,
                              extra=[b"", b"\x30\x82\xff\xff" + b"\0" * 100, b"\x30" * TEN_MB, b"\x30\x80" * 50000],
                              check=lambda names: None)
    assert refused > 100


def test_rtsp_reply_parser_survives_damaged_real_replies():
    samples = (S.DAHUA_OPTIONS_REPLY,) + S.tcp_streams(554)
    extra = [b"RTSP/1.0 \xb2\xb2\xb2 OK\r\n\r\n", b"RTSP/1.0 200 OK\r\n" + b"X: y\r\n" * 200 + b"\r\n",
             b"RTSP/1.0 200 OK\r\nServer: " + b"s" * 70000 + b"\r\n\r\n", b"RTSP/1.0 " + b"9" * 5000 + b" OK\r\n\r\n"]

    def check(result):
        status, headers = result
        assert isinstance(status, int) and isinstance(headers, dict)

    parsed, refused = run_all(lambda d, ip: parse_reply(d), samples, 24, allowed=(RtspReplyError,), extra=extra, check=check)
    assert parsed > 100 and refused > 10


# --- regressions: each of these escaped as an undocumented exception before its fix -----------

def test_xml_declaring_an_unknown_encoding_is_malformed_not_a_lookup_error():
    doc = S.DAHUA_HELLO.replace(b'encoding="UTF-8"', b'encoding="x-no-such-codec"')
    for parse in (wsdiscovery.parse, sadp.parse, ssdp.parse_description, onvif.parse_device_information):
        with pytest.raises(MalformedReply, match="invalid XML"):
            parse(doc, IP)


@pytest.mark.parametrize("body", [b"[" * 3000 + b"]" * 3000, b'{"params":{"deviceInfo":{"n":' + b"9" * 5000 + b"}}}"])
def test_dhip_json_nested_too_deeply_or_with_a_huge_integer_is_malformed(body):
    with pytest.raises(MalformedReply):
        dhip.parse(S.framed(body), IP)


@pytest.mark.parametrize("reply", [
    S.DAHUA_OPTIONS_REPLY.replace(b"200", b"\xb200"),  # latin-1 '²': isdigit() but not int()
    S.DAHUA_OPTIONS_REPLY.replace(b"CSeq: 2\r\n", b"CSeq: 2\r\n" + b"X-Pad: 1\r\n" * 101),  # http.client's 100-header limit
])
def test_rtsp_reply_with_a_lookalike_status_or_too_many_headers_is_an_rtsp_reply_error(reply):
    with pytest.raises(RtspReplyError):
        parse_reply(reply)


def test_onvif_year_beyond_a_c_long_is_malformed_not_an_overflow():
    data = S.BOSCH_DATE_TIME.replace(b"<tt:Year>2023</tt:Year>", b"<tt:Year>99999999999999999999</tt:Year>")
    with pytest.raises(MalformedReply, match="UTCDateTime"):
        onvif.parse_system_date_and_time(data, IP)


def test_certificate_name_with_an_unknown_string_tag_is_a_value_error():
    der = S.dahua_nvr_certificate()
    assert b"\x0c\x03NVR" in der
    with pytest.raises(ValueError, match="unreadable certificate"):
        certificate_names(der.replace(b"\x0c\x03NVR", b"\x33\x03NVR", 1))


def test_page_repeating_its_title_tag_is_read_like_one_title():
    # Before the fix a lazy "<title>(.*?)</title" was retried from each of the 36 000 openings of
    # a 256 KiB page: about 40 s per page. Two linear searches read it at once.
    assert extract_title(b"<title>" * 36_000) is None
    assert extract_title(b"<TITLE>" * 36_000 + b"Web Service</title>") == "<TITLE>" * 36 + "<TIT"
    assert extract_title(b"<html><title lang=en>\n IPC </title><title>x</title>") == "IPC"


def test_repeated_elements_give_a_capped_number_of_observations():
    info = S.BOSCH_DEVICE_INFO.replace(b"<tds:Manufacturer>Bosch</tds:Manufacturer>", b"<tds:Manufacturer>Bosch</tds:Manufacturer>" * 3000)
    assert len(onvif.parse_device_information(info, IP)) == onvif.MAX_OBSERVATIONS
    desc = S.AXIS_DESCRIPTION.replace(b"<manufacturer>AXIS</manufacturer>", b"<manufacturer>AXIS</manufacturer>" * 3000)
    assert len(ssdp.parse_description(desc, IP, 80)) == ssdp.MAX_DESCRIPTION_FIELDS


def test_the_work_meter_stops_a_loop_in_scanner_code_and_ignores_work_elsewhere():
    from tests.hostile import WorkExceeded, bounded

    with pytest.raises(WorkExceeded):
        bounded(mdns._txt_pairs, b"\0" * 1_000_000)  # a million empty TXT strings: one loop turn each
    assert bounded(sorted, list(range(1_000_000, 0, -1)), budget=10)[0] == 1  # C and stdlib work is not counted
