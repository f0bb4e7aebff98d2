"""Real traffic for passive tests, made in a test namespace pair (tests/netns.py) and recorded
by tcpdump: real clients (the active probes' own HTTP and RTSP code, Python's TLS client,
busybox udhcpc) talk to small servers replaying header lines real devices sent.

Header sources: HTTP Server and RTSP Server values are Rapid7 Recog examples (as in
fingerprints/); the realms are the real Axis and Dahua replies quoted in tests/probes/servers.py;
the DHCP vendor class is a Recog example of an Axis camera (fingerprints/dhcp_vendor_class.yaml).
The TLS certificate is this test's own self-signed one (it names no device).
"""

from __future__ import annotations

import datetime
import json
import signal
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

from tests.netns import NetPair, run_in, start_in
from tests.probes import servers
from tests.probes.test_ssdp import AXIS_DESCRIPTION, AXIS_MSEARCH

AXIS_HTTP_SERVER = "Linux/4.9.94-axis5, UPnP/1.0, Portable SDK for UPnP devices/1.6.22"
DAHUA_RTSP_SERVER = "Dahua Rtsp Server"
AXIS_VENDOR_CLASS = "AXIS,Network Camera,P3343,5.20.3"
DHCP_HOSTNAME = "axis-p3343"
SNI = "camera.cctv-scan.test"
DNS_NAME = "cloud.cctv-scan.test"  # the test's own name, as SNI: it names no device
DNS_LOCAL_NAME = "nvr.lan"  # a LAN name: read, and not kept
TITLE_BODY = b"<html><head><title>AXIS</title></head><body></body></html>"


def veth_of(ns: str) -> str:
    out = subprocess.run(["ip", "-n", ns, "-j", "link"], capture_output=True, text=True, check=True).stdout
    return next(l["ifname"] for l in json.loads(out) if l["ifname"] != "lo")


def mac_of(ns: str) -> str:
    out = subprocess.run(["ip", "-n", ns, "-j", "link"], capture_output=True, text=True, check=True).stdout
    return next(l["address"] for l in json.loads(out) if l["ifname"] != "lo")


def _self_signed(directory: Path) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "198.18.254.2"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cctv-scan passive test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def tls_server(ip: str, port: int, cert: str, key: str) -> None:
    import socket

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.2: the certificate crosses the wire in clear
    ctx.load_cert_chain(cert, key)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((ip, port))
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        try:
            with ctx.wrap_socket(conn, server_side=True) as tconn:
                tconn.recv(1024)
                tconn.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
        except (OSError, ssl.SSLError):
            pass


def _clients(ip: str) -> list:
    """Run in the listener's namespace: the active probes' own clients, then a TLS client."""
    from scanner.models import Host
    from scanner.probes.base import ProbeContext
    from scanner.probes.http import HttpProbe
    from scanner.probes.rtsp import RtspProbe
    from scanner.scope import parse_scope

    ctx = ProbeContext(scope=parse_scope([ip]), timeout=2.0)
    ctx.open_ports[ip] = {80, 554}
    out = []
    for probe in (HttpProbe(), RtspProbe()):
        out.extend(probe.probe(ctx, Host(ip=ip)).observations)
    from scanner.probes.http import fetch

    fetch(f"http://{ip}/rootdesc1.xml", 2.0, 65536)  # as the SSDP probe fetches a LOCATION
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname, client.verify_mode = False, ssl.CERT_NONE
    import socket

    with socket.create_connection((ip, 443), timeout=3) as raw, client.wrap_socket(raw, server_hostname=SNI) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        conn.recv(1024)
    return out


def record_exchange(path: Path) -> list:
    """Make the traffic in a fresh namespace pair while tcpdump records it into ``path``;
    return the observations the active probes made from the same exchange."""
    with NetPair() as pair, tempfile.TemporaryDirectory() as tmp:
        cert, key = _self_signed(Path(tmp))
        procs = [
            start_in(pair.b, servers.http_server, pair.b_ip, 80, {
                "/": (200, [("Server", AXIS_HTTP_SERVER), ("Content-Type", "text/html")], TITLE_BODY),
                "/rootdesc1.xml": (200, [("Content-Type", "text/xml")], AXIS_DESCRIPTION),
            }),
            start_in(pair.b, servers.rtsp_server, pair.b_ip, 554, DAHUA_RTSP_SERVER, servers.DAHUA_REALM_HEADER),
            start_in(pair.b, tls_server, pair.b_ip, 443, cert, key),
        ]
        dump = subprocess.Popen(["ip", "netns", "exec", pair.a, "tcpdump", "-i", veth_of(pair.a), "-s", "0", "-U", "--immediate-mode", "-w", str(path)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(1.0)
            announce_dhcp(pair.b)
            resolve(pair.b, pair.a_ip, DNS_NAME, DNS_LOCAL_NAME)
            active = run_in(pair.a, _clients, pair.b_ip)
            time.sleep(0.5)
        finally:
            dump.send_signal(signal.SIGINT)
            dump.wait(10)
            for p in procs:
                p.kill()
        return active


def announce_dhcp(ns: str) -> None:
    """busybox udhcpc sends real DHCPDISCOVERs with the given vendor class and host name; no
    server answers (none runs in the pair), no script runs, the address stays as it is."""
    subprocess.run(["ip", "netns", "exec", ns, "busybox", "udhcpc", "-i", veth_of(ns), "-n", "-q", "-t", "2", "-T", "1",
                    "-A", "1", "-s", "/bin/true", "-V", AXIS_VENDOR_CLASS, "-x", f"hostname:{DHCP_HOSTNAME}"],
                   capture_output=True, timeout=20)


def resolve(ns: str, server: str, *names: str) -> None:
    """busybox nslookup sends real DNS queries for ``names`` to ``server``, where nothing listens
    (the ICMP refusal ends each lookup at once): a device asking for its cloud's address."""
    for name in names:
        subprocess.run(["ip", "netns", "exec", ns, "busybox", "nslookup", name, server], capture_output=True, timeout=20)


def announce_arp(ns: str, ip: str) -> None:
    """Gratuitous ARP (busybox arping -U): the device announces its own address."""
    subprocess.run(["ip", "netns", "exec", ns, "busybox", "arping", "-U", "-c", "2", "-I", veth_of(ns), ip],
                   capture_output=True, timeout=20)


def announce_ssdp(ns: str, ip: str) -> None:
    """The real Axis M1014 SSDP answer (tests/probes/test_ssdp.py), sent from port 1900 to the
    SSDP group as devices do when they announce."""

    def send() -> None:
        import socket

        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ip))
        sock.bind((ip, 1900))
        for _ in range(2):
            sock.sendto(AXIS_MSEARCH + b"\r\n", ("239.255.255.250", 1900))
            time.sleep(0.2)
        sock.close()

    run_in(ns, send)


def tx_packets(ns: str) -> int:
    out = subprocess.run(["ip", "-n", ns, "-s", "-j", "link", "show", "dev", veth_of(ns)], capture_output=True, text=True, check=True).stdout
    return int(json.loads(out)[0]["stats64"]["tx"]["packets"])


def quiet_ipv6(ns: str) -> None:
    """Stop the kernel's own IPv6 chatter (router solicitations, MLD reports) on the link."""
    subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"], check=True, capture_output=True)
    subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", f"net.ipv6.conf.{veth_of(ns)}.disable_ipv6=1"], check=True, capture_output=True)
