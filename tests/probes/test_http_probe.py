"""The HTTP banner probe against servers in a test namespace: what it reads, and what it
survives. Each probe runs inside namespace A, each server inside namespace B."""

from __future__ import annotations

import base64
import hashlib
import time

import mmh3
import pytest

from scanner.models import AttemptStatus, Host
from scanner.probes.base import ProbeContext
from scanner.probes.http import HttpProbe, extract_realms, extract_title, favicon_observations
from scanner.scope import parse_scope
from tests.netns import run_in, start_in
from tests.probes import servers


def run_probe(ip: str, ports: set[int], timeout: float = 1.0, cap: int = 256 * 1024, markers=()):
    ctx = ProbeContext(scope=parse_scope([f"{ip}/32"]), timeout=timeout, max_body_bytes=cap, http_marker_paths=tuple(markers))
    ctx.open_ports[ip] = ports
    started = time.monotonic()
    out = HttpProbe().probe(ctx, Host(ip=ip))
    return out, time.monotonic() - started


def wait_listening(pair, port: int) -> None:
    import socket

    def probe() -> bool:
        for _ in range(50):
            try:
                socket.create_connection((pair.b_ip, port), timeout=0.2).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    assert run_in(pair.a, probe), f"server on port {port} never listened"


def test_title_and_realm_extraction_from_bytes():
    assert extract_title(b"<html><head><TITLE>\n  Web  Service </TITLE>") == "Web Service"
    assert extract_title(b"<html>no title</html>") is None
    assert extract_realms(servers.DAHUA_REALM_HEADER) == ["Login to 4K049EBPAG1D7E7"]


def test_favicon_hashes_in_recogs_and_shodans_forms():
    # mmh3 itself: the published test vector of MurmurHash3_x86_32, seed 0
    assert mmh3.hash(b"foo") == -156908512
    icon = bytes(range(60))  # base64 of 60 bytes is 80 characters: Shodan's text breaks the line at 76
    text = base64.b64encode(icon)
    fields = {o.field: o.value for o in favicon_observations("198.18.0.9", 80, icon)}
    assert fields["http.favicon"] == hashlib.md5(icon).hexdigest()
    assert fields["http.favicon_mmh3"] == str(mmh3.hash(text[:76] + b"\n" + text[76:] + b"\n"))
    assert fields["http.favicon_mmh3"] != str(mmh3.hash(text))  # the unwrapped form is another hash


def test_reads_server_title_and_realm_of_each_web_port(netpair):
    routes = {
        "/": (401, [("WWW-Authenticate", servers.AXIS_REALM_HEADER)], b"<html><title>Index page</title></html>"),
        "/favicon.ico": (200, [], b"\x00\x00\x01\x00icon-bytes"),
        "/SDK/activateStatus": (200, [], b"<Activated>true</Activated>"),
    }
    procs = [start_in(netpair.b, servers.http_server, netpair.b_ip, 80, routes)]
    try:
        wait_listening(netpair, 80)
        out, _ = run_in(netpair.a, run_probe, netpair.b_ip, {80}, 1.0, 256 * 1024, ["/SDK/activateStatus", "/missing"])
    finally:
        for p in procs:
            p.kill()
    fields = {(o.field, o.value) for o in out.observations}
    assert ("http.realm", "AXIS_00408CEF081C") in fields
    assert ("http.title", "Index page") in fields
    assert ("http.favicon", "c26d999d6e217f51f0d097742de4d1d7") in fields  # md5 of the icon's 14 bytes
    # Shodan's form: mmh3 of the base64 text with its trailing newline ("AAABAGljb24tYnl0ZXM=\n")
    assert ("http.favicon_mmh3", str(mmh3.hash(b"AAABAGljb24tYnl0ZXM=\n"))) in fields
    assert ("http.marker", "GET /SDK/activateStatus 200\n\n<Activated>true</Activated>") in fields
    assert not any(v.startswith("GET /missing") for f, v in fields if f == "http.marker")
    assert all(o.port == 80 for o in out.observations)


def test_fifty_megabyte_body_costs_one_capped_read(netpair):
    proc = start_in(netpair.b, servers.flood_server, netpair.b_ip, 80, 50)
    try:
        wait_listening(netpair, 80)
        out, elapsed = run_in(netpair.a, run_probe, netpair.b_ip, {80}, 1.0, 64 * 1024)
    finally:
        proc.kill()
    statuses = [a.status for a in out.attempts]
    assert AttemptStatus.TOO_LARGE in statuses
    body = [o.value for o in out.observations if o.field == "http.body"]
    assert body and len(body[0]) <= 8 * 1024  # what fit was kept
    assert elapsed < 20


def test_silent_host_is_a_timeout_not_a_hang(netpair):
    proc = start_in(netpair.b, servers.silent_server, netpair.b_ip, 80)
    try:
        wait_listening(netpair, 80)
        out, elapsed = run_in(netpair.a, run_probe, netpair.b_ip, {80}, 0.5)
    finally:
        proc.kill()
    assert [a.status for a in out.attempts][0] is AttemptStatus.TIMEOUT
    assert out.observations == []
    assert elapsed < 10


def test_dripping_headers_are_cut_at_the_deadline(netpair):
    proc = start_in(netpair.b, servers.drip_server, netpair.b_ip, 80)
    try:
        wait_listening(netpair, 80)
        out, elapsed = run_in(netpair.a, run_probe, netpair.b_ip, {80}, 0.5)
    finally:
        proc.kill()
    assert out.attempts[0].status is AttemptStatus.TIMEOUT
    assert elapsed < 15  # a few capped exchanges, not 10000 bytes x 0.5 s


@pytest.mark.parametrize(
    "payload",
    [b"\x00\xff\xfe garbage \x13\x37", b"HTTP/1.1 abc\r\n\r\n", b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 500 + b"\r\n"],
    ids=["binary", "bad-status", "too-many-headers"],
)
def test_invalid_bytes_are_recorded_as_malformed(netpair, payload):
    proc = start_in(netpair.b, servers.garbage_server, netpair.b_ip, 80, payload)
    try:
        wait_listening(netpair, 80)
        out, _ = run_in(netpair.a, run_probe, netpair.b_ip, {80}, 1.0)
    finally:
        proc.kill()
    assert out.attempts[0].status is AttemptStatus.MALFORMED, out.attempts
    assert "not valid HTTP" in out.attempts[0].detail


def test_redirect_out_of_scope_is_not_followed(netpair):
    routes = {"/": (302, [("Location", "http://198.18.254.99/login")], b"")}
    proc = start_in(netpair.b, servers.http_server, netpair.b_ip, 80, routes)
    try:
        wait_listening(netpair, 80)
        out, _ = run_in(netpair.a, run_probe, netpair.b_ip, {80}, 1.0)
    finally:
        proc.kill()
    skipped = [a for a in out.attempts if a.status is AttemptStatus.SKIPPED]
    assert skipped and "198.18.254.99" in skipped[0].target


def test_a_marker_path_is_asked_with_its_query_string(netpair):
    # Dahua's marker is one script told what to do by its query: without the query it is another
    # request (the body below is what an NVR2X-4KS3 answered, github.com/rroller/dahua/issues/9)
    marker = "/cgi-bin/magicBox.cgi?action=getSystemInfo"
    routes = {
        "/": (200, [], b"<html></html>"),
        "/cgi-bin/magicBox.cgi": (400, [], b"bad request"),
        marker: (200, [("Content-Type", "text/plain")], b"deviceType=31\r\nprocessor=ST7108\r\n"),
    }
    proc = start_in(netpair.b, servers.http_server, netpair.b_ip, 80, routes)
    try:
        wait_listening(netpair, 80)
        out, _ = run_in(netpair.a, run_probe, netpair.b_ip, {80}, 1.0, 256 * 1024, (marker,))
    finally:
        proc.kill()
    markers = [o.value for o in out.observations if o.field == "http.marker"]
    assert markers and markers[0].startswith(f"GET {marker} 200") and "processor=ST7108" in markers[0]
