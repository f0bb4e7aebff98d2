"""HTTP front pages: the redirect target names a maker only where the path is the maker's own,
and the strings every embedded web server sends (generic titles, Boa, lighttpd, GoAhead, stock
login paths) never name one maker at medium strength or above: they may only confirm.

Values are real answers: the redirect targets are quoted in nmap-service-probes
(nmap/nmap @db4aefddfa348ec815ffa83a109c97e05db88766, lines cited in fingerprints/http_location.yaml);
the generic strings are Rapid7 Recog examples (rapid7/recog @14fa1a7211e7fb5707c7a1b421a07d6c2cf4eec5:
xml/html_title.xml "Network Video Recorder Login", xml/http_servers.xml "lighttpd/1.4.16",
"Boa/0.94.14rc21", "Boa/0.94.14rc18-ipcam", "GoAhead-Webs"), the "WEB SERVICE" title of Dahua's
web interface and the stock redirect paths of nmap's Hikvision "Webs" (line 10286, /index.asp),
Hillstone (line 6626, /login.html) and Huacam (line 9965, /index.html) matches.
"""

from __future__ import annotations

import pytest
from identify_fixtures import REPO_DB

from scanner.identify import build_devices, load_database, match_observation
from scanner.models import Host, Observation

DB = load_database(REPO_DB)
IP = "198.18.0.40"


def _device(*observations: tuple[str, str]):
    obs = [Observation(IP, "http", f, v, 80) for f, v in observations]
    (device,) = build_devices(obs, [Host(IP, None, "arp")], db=DB)
    return device


@pytest.mark.parametrize(
    ("location", "maker", "device_type"),
    [
        ("/control/userimage.html", "Mobotix", "camera"),
        ("/cgi-bin/guestimage.html", "Mobotix", "camera"),
        ("/csl/login", "ZKTeco", "other"),
        ("/cgi-bin/videoconfiguration.cgi", "ACTi", "camera"),
        ("CgiStart", "Panasonic", "camera"),
    ],
)
def test_a_maker_s_own_redirect_target_names_it(location: str, maker: str, device_type: str) -> None:
    device = _device(("http.location", location))
    assert (device.platform_vendor, device.device_type.value) == (maker, device_type)


def test_video_management_software_s_page_says_what_runs_not_who_built_the_box() -> None:
    # Milestone XProtect is software: its language page names the product, not the maker.
    device = _device(("http.location", "default-ru-RU.htm"))
    assert (device.platform_vendor, device.device_type.value) == (None, "nvr")
    assert any("Runs Milestone" in r for r in device.reasons)


def test_the_same_target_sent_as_an_absolute_url_names_the_maker_too() -> None:
    # A Location header may carry the scheme and address the device was reached on.
    assert _device(("http.location", "http://198.18.0.40/control/userimage.html")).platform_vendor == "Mobotix"


GENERIC = [
    ("http.title", "Network Video Recorder Login"),
    ("http.title", "WEB SERVICE"),
    ("http.server", "lighttpd/1.4.16"),
    ("http.server", "Boa/0.94.14rc21"),
    ("http.server", "Boa/0.94.14rc18-ipcam"),
    ("http.server", "GoAhead-Webs"),
    ("http.location", "/index.asp"),
    ("http.location", "/login.html"),
    ("http.location", "/index.html"),
]


@pytest.mark.parametrize(("field", "value"), GENERIC)
def test_generic_front_page_strings_never_name_a_maker_above_weak(field: str, value: str) -> None:
    result = match_observation(Observation(IP, "http", field, value, 80), DB)
    naming = [
        (m.fingerprint_id, m.strength)
        for m in result.matches
        if m.strength != "weak" and ({m.params.get("vendor"), m.params.get("platform_vendor")} - {None, "Generic"})
    ]
    assert naming == []


def test_a_generic_title_beside_a_maker_s_redirect_does_not_override_it() -> None:
    device = _device(("http.title", "Network Video Recorder Login"), ("http.location", "/csl/login"))
    assert device.platform_vendor == "ZKTeco"


@pytest.mark.parametrize(
    ("server", "model", "firmware"),
    [("Linux, STUNNEL/1.0, DIR-820LW Ver 2.00W", "DIR-820LW", "2.00W"), ("Linux, WEBACCESS/1.0, DIR-850L Ver 1.14WW", "DIR-850L", "1.14WW")],
)
def test_d_link_server_header_names_model_and_firmware(server: str, model: str, firmware: str) -> None:
    device = _device(("http.server", server))
    assert (device.vendor, device.model, device.firmware) == ("D-Link", model, firmware)


@pytest.mark.parametrize(
    ("field", "value", "maker", "model"),
    [
        # Rapid7 Recog xml/http_wwwauth.xml (Cisco IOS 12.x; Linksys WRT54G family)
        ("http.realm", "level_15 or view_access", "Cisco", None),
        ("http.realm", "WRT54GL", "Linksys", "WRT54GL"),
        # Rapid7 Recog xml/html_title.xml (Freebox OS)
        ("http.title", "Freebox OS :: Identification", "Freebox", None),
    ],
)
def test_network_gear_front_pages_name_their_maker(field: str, value: str, maker: str, model: str | None) -> None:
    device = _device((field, value))
    assert (device.platform_vendor, device.model) == (maker, model)

