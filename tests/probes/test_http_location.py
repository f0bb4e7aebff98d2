"""Where a front page sends the browser (``http.location``): the Location header of a redirect,
a <meta> refresh, a script's location assignment. Pure parsing first, then the active probe in
a test namespace and the passive reader on a conversation, then what a hostile page costs.

The pages are real answers as nmap-service-probes (nmap/nmap @db4aefddfa348ec815ffa83a109c97e05db88766)
quotes them in its match lines: ZKTeco ZK Web Server's script redirect to /csl/login (match
"ZK Web Server", ZKSoftware ZEM500), a Mobotix camera's 302 to /control/userimage.html (match
"Mobotix Camera http config"), ACTi's meta refresh to /cgi-bin/videoconfiguration.cgi (match
"ACTi surveillance camera http config"), a Panasonic BB-HCM331's refresh to CgiStart, and the
Brother printer's 301 to /main/main.html (match "debut httpd").
"""

from __future__ import annotations

import time

from scanner.models import Host
from scanner.passive.collector import Collector
from scanner.passive.tcpflows import Conversation
from scanner.probes.base import ProbeContext
from scanner.probes.http import (
    LOCATION_OBSERVED,
    MAX_LOCATIONS,
    Fetched,
    HttpProbe,
    clean_location,
    parse_response,
    redirect_targets,
)
from scanner.scope import parse_scope
from tests.netns import run_in, start_in
from tests.probes import servers
from tests.probes.test_http_probe import wait_listening

ZK_BODY = b"<script language=JavaScript type='text/javascript'>self.location.href='/csl/login'</script>"
ACTI_BODY = b'<html>\r\n<head>\r\n<meta http-equiv="refresh" content="0; url=/cgi-bin/videoconfiguration.cgi">\r\n</head>'
PANASONIC_BODY = b'<HTML><HEAD><TITLE>Network Camera</TITLE><META HTTP-EQUIV="Refresh" CONTENT="1;URL=CgiStart"></HEAD>'
MOBOTIX = Fetched("http://198.18.0.20/", 302, {"location": "/control/userimage.html"}, b"", False)


def page(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Fetched:
    return Fetched("http://198.18.0.20/", status, headers or {}, body, False)


def test_location_header_of_a_redirect():
    assert redirect_targets(MOBOTIX) == ["/control/userimage.html"]
    # a Location header on a 200 answer sends no browser anywhere
    assert redirect_targets(page(b"", 200, {"location": "/control/userimage.html"})) == []


def test_meta_refresh_in_either_attribute_order_and_case():
    assert redirect_targets(page(ACTI_BODY)) == ["/cgi-bin/videoconfiguration.cgi"]
    assert redirect_targets(page(PANASONIC_BODY)) == ["CgiStart"]
    # a meta tag that is not a refresh names no target, even with url= in it
    assert redirect_targets(page(b'<meta name="x" content="0; url=/nowhere.html">')) == []


def test_script_redirect():
    assert redirect_targets(page(ZK_BODY)) == ["/csl/login"]
    assert redirect_targets(page(b'<script>window.location.replace("/csl/login");</script>')) == ["/csl/login"]
    # a target built at run time is not guessed at: only a quoted literal counts
    assert redirect_targets(page(b"<script>location.href = base + '/';</script>")) == []


def test_parse_response_records_the_front_page_target():
    obs = parse_response("198.18.0.20", 80, page(ZK_BODY))
    assert [(o.field, o.value) for o in obs if o.field == "http.location"] == [("http.location", "/csl/login")]
    # a marker path's answer is not a front page
    assert not [o for o in parse_response("198.18.0.20", 80, page(ZK_BODY), marker_path="/x") if o.field == "http.location"]


def test_uninformative_and_hostile_values_are_cleaned():
    assert clean_location("http://") is None and clean_location("/") is None and clean_location("  ") is None
    assert clean_location("/a\x00b\r\nc\x1b[31m") == "/abc[31m"
    assert len(clean_location("/" + "x" * 10**6)) == LOCATION_OBSERVED
    assert clean_location(b"/caf\xc3\xa9\xff") == "/café\ufffd"


def test_many_redirects_in_one_page_are_capped_and_deduplicated():
    body = b"".join(b'<script>location.href="/p%d";location.href="/p%d"</script>' % (i, i) for i in range(500))
    assert redirect_targets(page(body)) == [f"/p{i}" for i in range(MAX_LOCATIONS)]


def test_hostile_pages_cost_little():
    started = time.monotonic()
    for body in (
        b"<meta" * 20000,  # tags that never close
        b"<meta http-equiv=refresh content='0;url=" + b"/" * 100000,  # a target that never ends
        b"location.href=" * 10000 + b"'",
        b"location" + b" " * 100000 + b"= '/x'",
        b"location.replace(" * 10000,
    ):
        assert len(redirect_targets(page(body))) <= MAX_LOCATIONS
    # only the first part of a huge page is read
    assert redirect_targets(page(b" " * 64 * 1024 + ZK_BODY)) == []
    assert time.monotonic() - started < 2.0


def test_passive_reader_records_the_redirect_of_the_root_page_and_its_hops():
    c = Collector()
    request = b"GET / HTTP/1.1\r\nHost: 198.18.0.20\r\n\r\n"
    answer = b"HTTP/1.0 302 Found\r\nLocation: /control/userimage.html\r\nContent-Length: 0\r\n\r\n"
    c._conversation(Conversation(("198.18.0.1", 40000), ("198.18.0.20", 80), request, answer))
    request = b"GET /control/userimage.html HTTP/1.1\r\nHost: 198.18.0.20\r\n\r\n"
    answer = b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(ACTI_BODY), ACTI_BODY)
    c._conversation(Conversation(("198.18.0.1", 40001), ("198.18.0.20", 80), request, answer))
    # a redirect of some other page is not the front page's
    request = b"GET /other HTTP/1.1\r\nHost: 198.18.0.20\r\n\r\n"
    answer = b"HTTP/1.0 302 Found\r\nLocation: /elsewhere.html\r\nContent-Length: 0\r\n\r\n"
    c._conversation(Conversation(("198.18.0.1", 40002), ("198.18.0.20", 80), request, answer))
    got = [o.value for o in c.obs if o.field == "http.location"]
    assert got == ["/control/userimage.html", "/cgi-bin/videoconfiguration.cgi"]


def _probe(ip: str):
    ctx = ProbeContext(scope=parse_scope([f"{ip}/32"]), timeout=1.0, max_body_bytes=256 * 1024)
    ctx.open_ports[ip] = {80}
    return HttpProbe().probe(ctx, Host(ip=ip))


def _probe_served(netpair, routes):  # type: ignore[no-untyped-def]
    """The HTTP probe run from one namespace against a real server in the other serving ``routes``."""
    proc = start_in(netpair.b, servers.http_server, netpair.b_ip, 80, routes)
    try:
        wait_listening(netpair, 80)
        return run_in(netpair.a, _probe, netpair.b_ip)
    finally:
        proc.kill()


def test_active_probe_records_each_hop_even_in_a_loop(netpair):
    routes = {
        "/": (302, [("Location", "/control/userimage.html")], b""),
        "/control/userimage.html": (302, [("Location", "/a")], b""),
        "/a": (302, [("Location", "/control/userimage.html")], b""),
    }
    out = _probe_served(netpair, routes)
    assert [o.value for o in out.observations if o.field == "http.location"] == ["/control/userimage.html", "/a"]
    assert any("too many redirects" in a.detail for a in out.attempts)


def test_active_probe_records_a_redirect_and_the_script_of_the_page_it_reaches(netpair):
    routes = {"/": (302, [("Location", "/index.html")], b""), "/index.html": (200, [("Server", "ZK Web Server")], ZK_BODY)}
    out = _probe_served(netpair, routes)
    assert [o.value for o in out.observations if o.field == "http.location"] == ["/index.html", "/csl/login"]
