"""The page a server's "/" redirects to is its front page, whichever of the two connections the
passive reader finishes first; redirects elsewhere, and endless ones, are not followed.

The redirect is a Brother printer's (nmap nmap-service-probes, 'debut httpd' Brother MFC-8860DN:
301 from / to /main/main.html); the title is from Rapid7 Recog xml/html_title.xml ('Brother
MFC-L5900DW series')."""

from __future__ import annotations

from scanner.passive.frontpage import FrontPages, same_server_target
from scanner.probes.http import Fetched

SERVER = ("198.18.0.13", 80)
REDIRECT = Fetched("http://198.18.0.13/", 301, {"location": "/main/main.html", "server": "debut/1.20"}, b"", False)
PAGE = Fetched("http://198.18.0.13/main/main.html", 200, {"server": "debut/1.20"},
               b"<html><head><title>Brother MFC-L5900DW series</title></head></html>", False)


def test_page_after_its_redirect_is_the_front_page():
    fp = FrontPages()
    assert fp.response(SERVER, "/", REDIRECT) == []
    assert fp.response(SERVER, "/main/main.html", PAGE) == [PAGE]


def test_page_read_before_its_redirect_is_still_the_front_page():
    fp = FrontPages()
    assert fp.response(SERVER, "/main/main.html", PAGE) == []
    assert fp.response(SERVER, "/", REDIRECT) == [PAGE]


def test_plain_root_page_is_the_front_page_and_other_pages_are_not():
    fp = FrontPages()
    root = Fetched("http://198.18.0.13/", 200, {}, b"<title>x</title>", False)
    assert fp.response(SERVER, "/", root) == [root]
    assert fp.response(SERVER, "/main/main.html", PAGE) == []


def test_redirect_to_another_port_scheme_or_host_is_not_followed():
    for location in ("https://198.18.0.13/main/main.html", "http://198.18.0.13:8080/x", "http://198.18.0.99/x"):
        assert same_server_target(SERVER, "/", Fetched("", 302, {"location": location}, b"", False)) is None
    assert same_server_target(SERVER, "/", Fetched("", 302, {"location": "http://198.18.0.13/doc/page.asp"}, b"", False)) == "/doc/page.asp"


def test_redirect_loop_gives_up_after_three_hops():
    fp = FrontPages()
    loop_a = Fetched("", 302, {"location": "/a"}, b"", False)
    loop_b = Fetched("", 302, {"location": "/b"}, b"", False)
    assert fp.response(SERVER, "/", loop_a) == []
    for _ in range(5):
        assert fp.response(SERVER, "/a", loop_b) == []
        assert fp.response(SERVER, "/b", loop_a) == []
    assert not fp.targets


def test_memory_is_bounded():
    fp = FrontPages(max_entries=8, max_pages=4)
    for i in range(100):
        fp.response(("198.18.0.13", 1000 + i), "/", REDIRECT)
        fp.response(("198.18.0.14", 1000 + i), f"/p{i}", PAGE)
    assert len(fp.targets) == 8 and len(fp.pages) == 4
