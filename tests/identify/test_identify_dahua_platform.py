"""Dahua-platform devices are named from what real ones send, with the shipped database.

Every value here is a seen-half record of tests/corpus/records/dahua-platform.yaml (its source is
named there): a device that shows only one of these signals is still found to be Dahua's.
"""

from __future__ import annotations

import pytest
from identify_fixtures import REPO_DB
from identify_fixtures import identify_alone as _verdict

from scanner.identify import http_marker_paths, load_database
from scanner.models import Classification

# Start of the GET / body of a Q-See NVR (Dahua OEM), VirusFriendly/Krunstkammer
# nmap-signatures/tcp85-Qsee-NVR.sf @98ae4d21de8c8e12e401fd631d9b94050b820f00
QSEE_BODY = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"> '
    "<html> <head> <title>WEB SERVICE</title> "
    '<script type="text/javascript" src="jsBase/lib/jquery.js"></script> '
    '<script type="text/javascript" src="debug/testPage.js"></script> '
    '<script type="text/javascript" src="jsBase/widget/js/jquery.ui.core.js"></script>'
)


@pytest.fixture(scope="module")
def db():  # type: ignore[no-untyped-def]
    return load_database(REPO_DB)


@pytest.mark.parametrize(
    "observations",
    [
        pytest.param([("http.body", QSEE_BODY)], id="jsBase web client body"),
        pytest.param([("http.marker", "GET /cgi-bin/magicBox.cgi?action=getMachineName 200\n\nname=NVR")], id="magicBox answer"),
        pytest.param([("snmp.sys_object_id", "1.3.6.1.4.1.1004849.3.2.10")], id="SNMP enterprise 1004849"),
        pytest.param([("http.favicon", "a437e84d20c9cf7442fffab49e0f07e7")], id="web favicon"),
    ],
)
def test_one_strong_dahua_signal_names_the_platform_and_restricts(db, observations) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = _verdict(db, *observations)
    assert ident.platform_vendor == "Dahua"
    assert verdict.classification is Classification.RESTRICTED


def test_an_open_rtsp_describe_names_dahua_from_its_private_sdp_attributes(db) -> None:  # type: ignore[no-untyped-def]
    # scottlamb/retina src/client/testdata/dahua_describe_h265_pcma.txt: session lines only, no Server header
    ident, verdict = _verdict(
        db,
        ("rtsp.sdp_session", "Media Server"),
        ("rtsp.sdp_attribute", "control:*"),
        ("rtsp.sdp_attribute", "packetization-supported:DH"),
        ("rtsp.sdp_attribute", "rtppayload-supported:DH"),
    )
    assert ident.platform_vendor == "Dahua"
    assert verdict.classification is not Classification.CLEAR


def test_an_amcrest_serial_realm_names_the_brand_and_dahua_platform(db) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = _verdict(db, ("rtsp.realm", "Login to AMC0007RVY5EQ6DV29"))
    assert (ident.vendor, ident.platform_vendor, ident.serial) == ("Amcrest", "Dahua", "AMC0007RVY5EQ6DV29")
    assert verdict.classification is Classification.RESTRICTED


def test_the_http_probe_asks_the_dahua_device_information_path(db) -> None:  # type: ignore[no-untyped-def]
    # A Dahua web server that shows no realm on its front page answers this read-only GET with
    # its "Login to <serial>" challenge, or (old firmware) with the key=value lines themselves.
    assert "/cgi-bin/magicBox.cgi?action=getSystemInfo" in http_marker_paths(db)
