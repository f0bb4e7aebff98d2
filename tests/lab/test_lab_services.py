"""A lab of a few profiles answers, from the scanner's namespace, exactly as the profiles say:
HTTP status, headers and realm; HTTPS with the profile's certificate names; RTSP OPTIONS and
DESCRIBE with CSeq, Server and realm; ARP with the profile's MAC; and survives hostile bytes."""

from __future__ import annotations

import json

import pytest

from scanner.lab import Lab, load_profile

from .conftest import in_scanner, needs_lab

pytestmark = [pytest.mark.lab, needs_lab]

PROFILES = ["hikvision-ds-2cd2143g2-i", "dahua-nvr4108hs-4ks2", "xiongmai-nbd80x16s-kl", "bosch-dinion-ip-bullet-5000"]

HTTP_GET = """
import json, socket, sys
def get(ip, port, path, method="GET"):
    s = socket.create_connection((ip, port), 5)
    s.sendall(f"{method} {path} HTTP/1.1\\r\\nHost: {ip}\\r\\n\\r\\n".encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\\r\\n\\r\\n")
    lines = head.decode("latin-1").split("\\r\\n")
    return {"status_line": lines[0], "headers": [l.split(": ", 1) for l in lines[1:]], "body": body.decode("utf-8", "replace")}
"""


@pytest.fixture(scope="module")
def lab():
    with Lab(PROFILES, services={"http", "https", "rtsp"}) as lab:
        yield lab


def _http(lab, ip, path, port=80, method="GET"):
    return json.loads(in_scanner(lab, HTTP_GET + f"print(json.dumps(get({ip!r}, {port}, {path!r}, {method!r})))"))


def test_hikvision_isapi_answers_401_with_its_server_header_and_digest_realm(lab):
    dev = lab.device("hikvision-ds-2cd2143g2-i")
    reply = _http(lab, dev.ip, "/ISAPI/System/deviceInfo")
    assert reply["status_line"] == "HTTP/1.1 401 Unauthorized"
    headers = dict(reply["headers"])
    assert headers["Server"] == "Webs"
    assert headers["WWW-Authenticate"].startswith('Digest qop="auth", realm="IP Camera(K4271)", nonce="')
    assert "<title>Document Error: Unauthorized</title>" in reply["body"]
    assert int(headers["Content-Length"]) == len(reply["body"].encode())


def test_hikvision_activation_status_is_served_without_login(lab):
    dev = lab.device("hikvision-ds-2cd2143g2-i")
    reply = _http(lab, dev.ip, "/SDK/activateStatus")
    assert reply["status_line"] == "HTTP/1.1 200 OK"
    assert "<Activated>true</Activated>" in reply["body"]


def test_unknown_path_gets_404_and_head_gets_no_body(lab):
    dev = lab.device("hikvision-ds-2cd2143g2-i")
    assert _http(lab, dev.ip, "/no/such/page")["status_line"].startswith("HTTP/1.1 404")
    head = _http(lab, dev.ip, "/ISAPI/System/deviceInfo", method="HEAD")
    assert head["status_line"] == "HTTP/1.1 401 Unauthorized" and head["body"] == ""


def test_dahua_answers_with_upper_case_headers_and_login_to_serial_realm(lab):
    dev = lab.device("dahua-nvr4108hs-4ks2")
    reply = _http(lab, dev.ip, "/cgi-bin/magicBox.cgi?action=getSystemInfo")
    assert reply["status_line"] == "HTTP/1.1 401 Unauthorized"
    names = [h[0] for h in reply["headers"]]
    assert "CONTENT-LENGTH" in names and "CONNECTION" in names and "Server" not in names
    assert 'realm="Login to 7B03C1FPAZ9E2A4"' in dict(reply["headers"])["WWW-Authenticate"]


def test_bosch_sends_http10_401_with_its_realm_and_nothing_else(lab):
    dev = lab.device("bosch-dinion-ip-bullet-5000")
    reply = _http(lab, dev.ip, "/")
    assert reply["status_line"] == "HTTP/1.0 401 Unauthorized"
    assert [h[0] for h in reply["headers"]] == ["WWW-Authenticate"]
    assert "realm=\"Use 'live' as User Name in order to log in to the respective level\"" in reply["headers"][0][1]


def test_https_certificate_carries_the_profiles_subject_and_issuer(lab):
    dev = lab.device("dahua-nvr4108hs-4ks2")
    out = in_scanner(lab, f"""
        import socket, ssl, json
        from cryptography import x509
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection(({dev.ip!r}, 443), 5) as raw, ctx.wrap_socket(raw) as s:
            cert = x509.load_der_x509_certificate(s.getpeercert(binary_form=True))
            s.sendall(b"GET /cgi-bin/configManager.cgi HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            first = s.recv(4096).split(b"\\r\\n")[0].decode()
        print(json.dumps([cert.subject.rfc4514_string(), cert.issuer.rfc4514_string(), first]))
    """)
    subject, issuer, first = json.loads(out)
    assert subject == f"C=CN,CN={dev.ip}"
    assert "O=ZheJiang Dahua Technology CO.\\,LTD." in issuer and "CN=NVR" in issuer
    assert first == "HTTP/1.1 401 Unauthorized"


RTSP = """
import json, socket
s = socket.create_connection(({ip!r}, 554), 5)
out = []
for cseq, method in ((3, "OPTIONS"), (4, "DESCRIBE")):
    s.sendall(f"{{method}} rtsp://{ip}/Streaming/Channels/101 RTSP/1.0\\r\\nCSeq: {{cseq}}\\r\\n\\r\\n".encode())
    data = b""
    while b"\\r\\n\\r\\n" not in data:
        data += s.recv(4096)
    out.append(data.decode())
print(json.dumps(out))
"""


def test_rtsp_options_and_describe_echo_cseq_with_server_and_realm(lab):
    dev = lab.device("xiongmai-nbd80x16s-kl")
    options, describe = json.loads(in_scanner(lab, RTSP.format(ip=dev.ip)))
    assert options.startswith("RTSP/1.0 200 OK\r\nServer: H264DVR 1.0\r\nCseq: 3\r\n")
    assert "Public: OPTIONS, DESCRIBE" in options
    assert describe.startswith("RTSP/1.0 401 Unauthorized\r\nCSeq: 4\r\nServer: H264DVR 1.0\r\n")
    assert 'WWW-Authenticate: Digest realm="9c3e51d07a2b46f8",nonce="' in describe


def test_hikvision_rtsp_offers_digest_and_basic_with_the_camera_realm(lab):
    dev = lab.device("hikvision-ds-2cd2143g2-i")
    options, describe = json.loads(in_scanner(lab, RTSP.format(ip=dev.ip)))
    assert options.startswith("RTSP/1.0 200 OK\r\nCSeq: 3\r\nPublic: ")
    assert 'Digest realm="IP Camera(K4271)"' in describe and 'Basic realm="IP Camera(K4271)"' in describe


def test_devices_answer_arp_with_their_profile_mac(lab):
    out = in_scanner(lab, f"""
        import socket, subprocess
        for ip in {[d.ip for d in lab.devices]!r}:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"x", (ip, 9)); s.close()
        import time; time.sleep(0.5)
        print(subprocess.run(["ip", "-j", "neigh"], capture_output=True, text=True).stdout)
    """)
    seen = {n["dst"]: n.get("lladdr") for n in json.loads(out)}
    for dev in lab.devices:
        assert seen.get(dev.ip) == load_profile(dev.profile_name)["mac"] == dev.mac


def test_services_survive_garbage_and_oversized_requests(lab):
    dev = lab.device("hikvision-ds-2cd2143g2-i")
    in_scanner(lab, f"""
        import socket, os
        for port, payload in ((80, os.urandom(3000)), (80, b"GET /" + b"A" * 40000 + b" HTTP/1.1\\r\\n"),
                              (80, b"\\x00\\xff\\r\\n\\r\\n"), (554, os.urandom(5000) + b"\\r\\n\\r\\n"),
                              (554, b"X" * 30000), (80, b"")):
            s = socket.create_connection(({dev.ip!r}, port), 5)
            try:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                s.settimeout(5)
                while s.recv(65536):
                    pass
            except OSError:
                pass
            s.close()
    """)
    assert _http(lab, dev.ip, "/SDK/activateStatus")["status_line"] == "HTTP/1.1 200 OK"
    assert json.loads(in_scanner(lab, RTSP.format(ip=dev.ip)))[0].startswith("RTSP/1.0 200 OK")


def test_onvif_mounted_on_the_web_port_is_served_behind_the_devices_own_server_header():
    envelope = ('<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
                '<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>')
    with Lab(["axis-p3245-lve"], services={"http", "onvif"}) as lab:
        dev = lab.devices[0]
        out = in_scanner(lab, f"""
            import json, urllib.request
            req = urllib.request.Request("http://{dev.ip}/onvif/device_service", data={envelope.encode()!r},
                                         headers={{"Content-Type": "application/soap+xml"}})
            with urllib.request.urlopen(req, timeout=5) as r:
                print(json.dumps([r.status, r.headers["Server"], r.read().decode()]))
            try:
                urllib.request.urlopen("http://{dev.ip}/onvif/device_service", timeout=5)
            except urllib.error.HTTPError as e:
                print(e.code)
        """)
        first, second = out.strip().split("\n")
        status, server, body = json.loads(first)
        assert (status, server) == (200, "Apache/2.4.27 (Unix) OpenSSL/1.0.2k")
        assert "GetSystemDateAndTimeResponse" in body
        assert second == "404"  # a GET is the web server's own answer, not ONVIF's
