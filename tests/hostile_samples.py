"""Real sample bytes for the hostile-input tests, gathered from where the other tests keep them:
the device replies quoted (with their sources) in tests/probes, and the frames of the lab
recording pcaps/demo-scan.pcap (the lab's devices answer with recorded real device responses;
see pcaps/README.md). Nothing here is invented: every sample is one of those, as found.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from scanner.passive.capture import CaptureStats, read_capture
from scanner.passive.frames import PROTO_TCP, PROTO_UDP, decode
from scanner.passive.tcpflows import FlowTable
from tests.probes.servers import AXIS_REALM_HEADER, DAHUA_REALM_HEADER
from tests.probes.test_dhip import INTELBRAS_SS3530_JSON, IPC_HDW5421S_JSON, framed
from tests.probes.test_mdns import ROBOROCK_BAD_COMPRESSION, SHELLY_PRO_4PM
from tests.probes.test_onvif import BOSCH_DATE_TIME, BOSCH_DEVICE_INFO
from tests.probes.test_rtsp_probe import DAHUA_OPTIONS_REPLY
from tests.probes.test_sadp import DS_2CD2432F_IW, EZVIZ_C6TC
from tests.probes.test_ssdp import AXIS_DESCRIPTION, AXIS_MSEARCH
from tests.probes.test_wsdiscovery import DAHUA_HELLO, WSDD_HOST_MATCH

ROOT = Path(__file__).resolve().parents[1]
DEMO_PCAP = ROOT / "pcaps" / "demo-scan.pcap"
UDP_PORTS = {"mdns": 5353, "ssdp": 1900, "wsd": 3702, "sadp": 37020, "dhip": 37810}

__all__ = [
    "AXIS_DESCRIPTION",
    "AXIS_MSEARCH",
    "AXIS_REALM_HEADER",
    "BOSCH_DATE_TIME",
    "BOSCH_DEVICE_INFO",
    "DAHUA_HELLO",
    "DAHUA_OPTIONS_REPLY",
    "DAHUA_REALM_HEADER",
    "DS_2CD2432F_IW",
    "EZVIZ_C6TC",
    "INTELBRAS_SS3530_JSON",
    "IPC_HDW5421S_JSON",
    "ROBOROCK_BAD_COMPRESSION",
    "SHELLY_PRO_4PM",
    "WSDD_HOST_MATCH",
    "dahua_nvr_certificate",
    "demo_frames",
    "framed",
    "tcp_streams",
    "tls12_certificate_stream",
    "udp_payloads",
]


@cache
def demo_frames() -> tuple[tuple[int, bytes], ...]:
    """(link type, frame bytes) of every frame in the lab recording."""
    return tuple((r.linktype, r.data) for r in read_capture(DEMO_PCAP, CaptureStats(str(DEMO_PCAP))))


@cache
def udp_payloads(protocol: str, limit: int = 6) -> tuple[bytes, ...]:
    """Up to ``limit`` distinct datagrams of one discovery protocol sent by a lab device
    (our scanner's own queries from 198.18.0.2 are left out)."""
    port = UDP_PORTS[protocol]
    seen: dict[bytes, None] = {}
    for linktype, data in demo_frames():
        f = decode(linktype, data)
        if f and f.proto == PROTO_UDP and f.sport == port and f.src_ip != "198.18.0.2" and f.payload:
            seen.setdefault(f.payload, None)
    return tuple(list(seen)[:limit])


@cache
def tcp_streams(port: int, direction: str = "to_client", limit: int = 6) -> tuple[bytes, ...]:
    """Up to ``limit`` distinct reassembled streams of TCP connections to ``port``."""
    table = FlowTable()
    convs = []
    for linktype, data in demo_frames():
        f = decode(linktype, data)
        if f and f.proto == PROTO_TCP:
            convs += table.add(f)
    convs += table.flush()
    seen: dict[bytes, None] = {}
    for c in convs:
        stream = getattr(c, direction)
        if c.server[1] == port and stream:
            seen.setdefault(stream, None)
    return tuple(list(seen)[:limit])


@cache
def dahua_nvr_certificate() -> bytes:
    """DER of a certificate carrying the subject and issuer a real Dahua NVR presented
    (rroller/dahua#647, as recorded in scanner/lab/profiles/dahua-nvr4108hs-4ks2.yaml), built as
    the lab's HTTPS service builds it. The lab serves it over TLS 1.3, where it is encrypted, so
    the recording cannot supply it."""
    import datetime

    import yaml
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from scanner.lab.services._template import device_values
    from scanner.lab.services.https import _name

    profile = yaml.safe_load((ROOT / "scanner/lab/profiles/dahua-nvr4108hs-4ks2.yaml").read_text())
    cfg = profile["services"]["https"]["certificate"]
    values = device_values("198.18.0.15", profile["mac"])
    subject, issuer = _name(cfg["subject"], values), _name(cfg["issuer"], values)
    key = ec.derive_private_key(1, ec.SECP256R1())  # fixed key: the same DER on every run
    when = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
            .serial_number(1).not_valid_before(when).not_valid_after(when + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


def tls12_certificate_stream(der: bytes) -> bytes:
    """A server's TLS 1.2 handshake record holding one Certificate message (RFC 5246 7.4.2)."""
    chain = len(der).to_bytes(3, "big") + der
    message = b"\x0b" + (len(chain) + 3).to_bytes(3, "big") + len(chain).to_bytes(3, "big") + chain
    return b"\x16\x03\x03" + len(message).to_bytes(2, "big") + message
