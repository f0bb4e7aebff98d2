"""The discovery probes inside the scan engine: a camera found only by WS-Discovery gets its
ONVIF device service asked at the XAddr it announced."""

from __future__ import annotations

from .test_onvif import BOSCH_DEVICE_INFO
from .test_wsdiscovery import DAHUA_HELLO
from .udp_lab import HttpServer, Responder, udp_pair  # noqa: F401  (fixture)

RUN = """
from scanner.engine.runner import ScanConfig, collect
from scanner.models import ProbeOutput
res = collect(ScanConfig(targets=[%r], probes=["wsd", "wsd-unicast", "onvif"], timeout=1.0, deadline=60))
out = res.output
"""


def test_onvif_follows_the_xaddr_ws_discovery_announced(udp_pair):
    # The real Hello, with its XAddr moved to the lab device (port 8899, a common ONVIF port).
    hello = DAHUA_HELLO.replace(b"http://192.168.1.45/onvif/device_service", f"http://{udp_pair.dev_ip}:8899/onvif/device_service".encode())
    with Responder(udp_pair, 3702, [hello], group="239.255.255.250"), HttpServer(udp_pair, 8899, BOSCH_DEVICE_INFO):
        out = udp_pair.run_probe(RUN % "198.18.77.0/24", timeout=60)
    got = {(o["probe"], o["field"], o["value"]) for o in out["observations"]}
    assert ("wsd", "wsd.hardware", "IPC-HFW2228M-I1-V2") in got
    # it answered the multicast Probe, so the unicast one is not sent again: a skip with the reason
    assert not any(o["probe"] == "wsd-unicast" for o in out["observations"])
    assert [(a["status"], a["detail"]) for a in out["attempts"] if a["probe"] == "wsd-unicast"] == [
        ("skipped", "answered the multicast Probe")]
    assert ("onvif", "onvif.manufacturer", "Bosch") in got
    # The device service answered GetSystemDateAndTime with the wrong document: recorded, not fatal.
    assert any(a["probe"] == "onvif" and a["status"] == "malformed" for a in out["attempts"])
