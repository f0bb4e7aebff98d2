"""ONVIF: parsers on a real Bosch camera's answers, credentials handling, and the probe against
a device service on loopback that checks the WS-UsernameToken digest it receives."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scanner.credentials import Credential, Credentials, CredentialsError, load_credentials
from scanner.models import Host
from scanner.probes._parsing import MalformedReply
from scanner.probes.base import ProbeContext
from scanner.lab.services.onvif import fault as lab_fault
from scanner.probes.onvif import (
    OnvifProbe, SoapFault, build_request, parse_device_information, parse_namespaces, parse_system_date_and_time,
)
from scanner.scope import Scope

# Raw answers of a Bosch FLEXIDOME indoor 5100i IR (firmware 8.71.0066), from the XML capture
# archive in 0x524a/onvif-go testdata/captures (capture_001.json and capture_002.json,
# "response_body", 2025-11-10).
BOSCH_DEVICE_INFO = (
    b'<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:SOAP-ENC="http://www.w3.org/2003/05/soap-encoding" xmlns:tt="http://www.onvif.org/ver10/schema" '
    b'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><SOAP-ENV:Body><tds:GetDeviceInformationResponse>'
    b"<tds:Manufacturer>Bosch</tds:Manufacturer><tds:Model>FLEXIDOME indoor 5100i IR</tds:Model>"
    b"<tds:FirmwareVersion>8.71.0066</tds:FirmwareVersion><tds:SerialNumber>404754734001050102</tds:SerialNumber>"
    b"<tds:HardwareId>F000B543</tds:HardwareId></tds:GetDeviceInformationResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
)
BOSCH_DATE_TIME = (
    b'<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" '
    b'xmlns:SOAP-ENC="http://www.w3.org/2003/05/soap-encoding" xmlns:tt="http://www.onvif.org/ver10/schema" '
    b'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><SOAP-ENV:Body><tds:GetSystemDateAndTimeResponse>'
    b"<tds:SystemDateAndTime><tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>true</tt:DaylightSavings>"
    b"<tt:TimeZone><tt:TZ>UTC5:0</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Time><tt:Hour>21</tt:Hour>"
    b"<tt:Minute>25</tt:Minute><tt:Second>5</tt:Second></tt:Time><tt:Date><tt:Year>2023</tt:Year>"
    b"<tt:Month>5</tt:Month><tt:Day>24</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime>"
    b"</tds:GetSystemDateAndTimeResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
)
# The namespaces a real Hikvision DS-2CD2143G0-I declares on its envelopes (RiftValleySoftware/RVS_ONVIF
# RVS_ONVIF/GenericTests/Mocks/HikvisionDS2CD2143G0IMock.swift @953b2d5b857fe0353a78f47f444b09983d5cf669)
HIKVISION_NS = {
    "tnshik": "http://www.hikvision.com/2011/event/topics",
    "hikwsd": "http://www.onvifext.com/onvif/ext/ver10/wsdl",
    "hikxsd": "http://www.onvifext.com/onvif/ext/ver10/schema",
}
LAUGHS = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><Envelope><Body>&b;</Body></Envelope>'
SECRET = "pa55-Very-Secret"


def test_device_information_gives_maker_model_firmware_serial_hardware():
    d = {o.field: o.value for o in parse_device_information(BOSCH_DEVICE_INFO, "198.18.77.2", 80)}
    assert d == {
        "onvif.manufacturer": "Bosch", "onvif.model": "FLEXIDOME indoor 5100i IR", "onvif.firmware": "8.71.0066",
        "onvif.serial": "404754734001050102", "onvif.hardware": "F000B543",
    }


def test_date_and_time_is_read_as_utc():
    assert [o.value for o in parse_system_date_and_time(BOSCH_DATE_TIME, "198.18.77.2")] == ["2023-05-24T21:25:05Z"]


def test_only_the_namespaces_no_standard_defines_are_kept():
    # Bosch declares only SOAP, ONVIF and XML Schema namespaces: nothing of its own
    assert parse_namespaces(BOSCH_DEVICE_INFO, "198.18.77.2") == []
    # a NotAuthorized fault in the lab's envelope with Hikvision's declarations (the lab service
    # declares what the profile says the real firmware declares)
    refusal = lab_fault("Sender", "NotAuthorized", "Sender not Authorized", namespaces=HIKVISION_NS)
    assert [o.value for o in parse_namespaces(refusal, "198.18.77.2", 80) if o.field == "onvif.namespace"] == list(HIKVISION_NS.values())
    assert {o.field for o in parse_namespaces(refusal, "198.18.77.2")} <= {"onvif.namespace", "onvif.prefixes"}
    with pytest.raises(MalformedReply):
        parse_namespaces(LAUGHS, "198.18.77.2")


# The namespaces a Uniview-built terminal declares beside ONVIF's own (GainSec/DigitalAlly-ThermoVu-
# Uniview-Security-Research evidence/dtm-600/onvif_responses/GetSystemDateAndTime.xml @eeb5d16e):
# its 'plus' extension lives under onvif.org but is no ONVIF service, so it is kept.
UNIVIEW_PLUS = (
    b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"'
    b' xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"'
    b' xmlns:tev="http://www.onvif.org/ver10/events/wsdl" xmlns:tns1="http://www.onvif.org/ver10/topics"'
    b' xmlns:tan="http://www.onvif.org/ver20/analytics/wsdl" xmlns:tr2="http://www.onvif.org/ver20/media/wsdl"'
    b' xmlns:tpl="http://www.onvif.org/ver10/plus/wsdl" xmlns:tplt="http://www.onvif.org/ver10/plus/schema">'
    b"<SOAP-ENV:Body/></SOAP-ENV:Envelope>"
)


def test_a_firmwares_own_namespace_under_onvif_org_is_kept_and_onvifs_services_are_not():
    assert [o.value for o in parse_namespaces(UNIVIEW_PLUS, "198.18.77.2", 80) if o.field == "onvif.namespace"] == [
        "http://www.onvif.org/ver10/plus/wsdl", "http://www.onvif.org/ver10/plus/schema"]


def test_entities_in_an_answer_are_refused():
    with pytest.raises(MalformedReply, match="refused"):
        parse_device_information(LAUGHS, "198.18.77.2")


def test_a_not_authorized_fault_is_a_refusal():
    fault = (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:ter="http://www.onvif.org/ver10/error">'
             b"<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:NotAuthorized</s:Value>"
             b"</s:Subcode></s:Code></s:Fault></s:Body></s:Envelope>")
    with pytest.raises(SoapFault) as info:
        parse_device_information(fault, "198.18.77.2")
    assert info.value.refused


def test_requests_are_built_from_local_wsdls_with_a_digest_never_the_password():
    body = build_request("GetDeviceInformation", "http://198.18.77.2/onvif/device_service", Credential("admin", SECRET))
    assert b"GetDeviceInformation" in body and b"PasswordDigest" in body and SECRET.encode() not in body


def test_building_an_authenticated_request_logs_no_password_at_debug(caplog):
    import logging

    with caplog.at_level(logging.DEBUG):
        logging.getLogger("scanner").setLevel(logging.DEBUG)
        build_request("GetNetworkInterfaces", "http://198.18.77.2/onvif/device_service", Credential("admin", SECRET))
    assert SECRET not in caplog.text and SECRET not in repr(caplog.records)


# --- credentials file -------------------------------------------------------------------------


def write(tmp_path, text, mode=0o600):
    p = tmp_path / "creds.yaml"
    p.write_text(text)
    os.chmod(p, mode)
    return p


def test_credentials_pick_the_most_specific_entry(tmp_path):
    p = write(tmp_path, f"default: {{username: admin, password: {SECRET}}}\nhosts:\n  198.18.77.0/24: {{username: net, password: x}}\n  198.18.77.2: {{username: one, password: y}}\n")
    creds = load_credentials(p)
    assert creds.for_host("198.18.77.2").username == "one"
    assert creds.for_host("198.18.77.3").username == "net"
    assert creds.for_host("198.18.78.1").username == "admin"
    assert SECRET not in repr(creds) and SECRET not in repr(creds.default) and SECRET not in str(creds.default)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_credentials_file_readable_by_others_is_refused(tmp_path, mode):
    p = write(tmp_path, f"default: {{username: admin, password: {SECRET}}}\n", mode)
    with pytest.raises(CredentialsError, match="chmod 600") as info:
        load_credentials(p)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("text", [f"default: [admin, {SECRET}", f"- {SECRET}\n", "hosts:\n  not-an-ip: {username: a, password: b}\n", "{}\n"])
def test_bad_credentials_files_fail_without_echoing_their_content(tmp_path, text):
    with pytest.raises(CredentialsError) as info:
        load_credentials(write(tmp_path, text))
    assert SECRET not in str(info.value)


# --- the probe against a device service on loopback -------------------------------------------


class Device(BaseHTTPRequestHandler):
    """Answers like a camera: date/time open, device information only behind a valid digest
    (unless ``open_info``); other operations not implemented (HTTP 400 with an empty body)."""

    mode = "normal"
    open_info = False
    seen_auth: list[bool] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Type", "application/soap+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _digest_ok(self, req: bytes) -> bool:
        m = {k: re.search(rb"<wsse:%s[^>]*>([^<]*)<" % k.encode(), req) for k in ("Password", "Nonce")}
        c = re.search(rb"<wsu:Created[^>]*>([^<]*)<", req)
        if not (m["Password"] and m["Nonce"] and c):
            return False
        expect = base64.b64encode(hashlib.sha1(base64.b64decode(m["Nonce"].group(1)) + c.group(1) + SECRET.encode()).digest())
        return expect == m["Password"].group(1)

    def do_POST(self):
        req = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "silent":
            time.sleep(6)
            return
        if self.mode == "huge":
            self._send(200, b"<a>" + b"x" * (2 * 1024 * 1024) + b"</a>")
            return
        if b"GetSystemDateAndTime" in req:
            self._send(200, BOSCH_DATE_TIME)
        elif b"GetDeviceInformation" in req:
            authed = self._digest_ok(req)
            Device.seen_auth.append(authed)
            if self.mode == "laughs":
                self._send(200, LAUGHS)
            elif self.mode == "hikvision_refusal":
                self._send(400, lab_fault("Sender", "NotAuthorized", "Sender not Authorized", namespaces=HIKVISION_NS))
            elif self.open_info or authed:
                self._send(200, BOSCH_DEVICE_INFO)
            else:
                self._send(401)
        else:
            self._send(400)


@pytest.fixture
def device():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Device)
    server.daemon_threads = True
    Device.mode, Device.open_info, Device.seen_auth = "normal", False, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def run(port, credentials=None, timeout=1.0):
    # Loopback is in scope here only: these tests exercise HTTP handling against a local server.
    ctx = ProbeContext(scope=Scope(networks=(ipaddress.IPv4Network("127.0.0.1/32"),)), timeout=timeout,
                       credentials=credentials)
    ctx.__dict__["wsd_xaddrs"] = {"127.0.0.1": {f"http://127.0.0.1:{port}/onvif/device_service"}}
    return OnvifProbe().probe(ctx, Host(ip="127.0.0.1"))


def fields(out):
    return {o.field: o.value for o in out.observations}


def test_open_device_information_is_read_without_credentials(device):
    Device.open_info = True
    out = run(device)
    assert fields(out)["onvif.manufacturer"] == "Bosch"
    assert fields(out)["onvif.utc_time"] == "2023-05-24T21:25:05Z"
    assert Device.seen_auth == [False]


def test_refusal_is_recorded_once_and_not_retried_without_credentials(device):
    out = run(device)
    refused = [a for a in out.attempts if a.status == "auth_required"]
    assert len(refused) == 1 and "without credentials" in refused[0].detail and not refused[0].failed
    assert Device.seen_auth == [False]
    assert "onvif.manufacturer" not in fields(out) and fields(out)["onvif.utc_time"]


def test_supplied_credentials_unlock_device_information_with_a_valid_digest(device):
    creds = Credentials(default=Credential("admin", SECRET))
    out = run(device, creds)
    assert Device.seen_auth == [False, True]
    assert fields(out)["onvif.serial"] == "404754734001050102"
    # Operations this device lacks are recorded with a reason, never with the password.
    assert all(SECRET not in a.detail for a in out.attempts)
    assert all(SECRET not in o.value for o in out.observations)


def test_wrong_credentials_are_reported_without_the_password(device):
    out = run(device, Credentials(default=Credential("admin", "wrong-" + SECRET)))
    details = [a.detail for a in out.attempts if a.status == "refused"]
    assert any("credentials were refused" in d for d in details)
    assert all(SECRET not in d for d in details)


def test_a_refusal_still_gives_the_firmwares_own_namespaces_once_each(device):
    Device.mode = "hikvision_refusal"
    out = run(device)
    assert [a for a in out.attempts if a.status == "auth_required"]
    got = [o.value for o in out.observations if o.field == "onvif.namespace"]
    assert got == list(HIKVISION_NS.values())  # once each, though two answers could declare them
    assert "onvif.manufacturer" not in fields(out)


def test_hostile_answer_is_malformed_and_what_came_before_is_kept(device):
    Device.mode = "laughs"
    out = run(device)
    assert any(a.status == "malformed" and "refused" in a.detail for a in out.attempts)
    assert fields(out)["onvif.utc_time"] == "2023-05-24T21:25:05Z"


def test_a_device_that_accepts_and_never_answers_costs_a_timeout(device):
    Device.mode = "silent"
    started = time.monotonic()
    out = run(device, timeout=0.5)
    assert time.monotonic() - started < 5
    assert [a.status for a in out.attempts] == ["timeout"]


def test_an_oversized_answer_is_cut_at_the_cap(device):
    Device.mode = "huge"
    out = run(device)
    assert any(a.status == "too_large" for a in out.attempts)


def test_hosts_outside_the_scope_are_never_asked(device):
    ctx = ProbeContext(scope=Scope(networks=(ipaddress.IPv4Network("198.18.77.0/24"),)), timeout=0.5)
    ctx.__dict__["wsd_xaddrs"] = {"127.0.0.1": {f"http://127.0.0.1:{device}/onvif/device_service"}}
    assert OnvifProbe().probe(ctx, Host(ip="127.0.0.1")).attempts == []
    assert Device.seen_auth == []
    assert OnvifProbe().probe(ctx, Host(ip="127.0.0.1")).attempts == []


def test_the_envelopes_prefix_table_is_read_in_order_from_a_real_answer():
    # hawkeye64/onvif-nvt test/data/xml/hikvision-fixed/core/GetDeviceInformation.Response.xml
    # @9026ce08d7b0c73bc519035492e98390b574580c, kept as seen corpus record
    # onvif-hikvision-ds-2cd2012-i-devinfo-onvif-nvt
    from pathlib import Path

    from scanner.identify.accuracy import load_records

    raw = next(r.raw for r in load_records(Path(__file__).resolve().parents[1] / "corpus" / "records")
               if r.id == "onvif-hikvision-ds-2cd2012-i-devinfo-onvif-nvt")
    got = [o.value for o in parse_namespaces(raw.encode(), "198.18.77.2", 80) if o.field == "onvif.prefixes"]
    assert len(got) == 1 and got[0].startswith("env,soapenc,xsi,xs,tt,tds,trt,")
    assert got[0].endswith(",tnshik,hikwsd,hikxsd")
    # a short table (Bosch's four) is anyone's and is not recorded
    assert not [o for o in parse_namespaces(BOSCH_DEVICE_INFO, "198.18.77.2") if o.field == "onvif.prefixes"]
