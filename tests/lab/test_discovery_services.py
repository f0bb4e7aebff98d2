"""The lab's discovery services answer real protocol requests across a veth link.

Each test module run builds its own pair of network namespaces joined by a veth pair
(198.18.x.0/24, no route anywhere else), runs the services in a separate device process
inside the device namespace (as the lab's device process does), and talks to them from the
client namespace with plain sockets, struct, json and XML (onvif-zeep for ONVIF). Every
service also gets garbage, truncated frames and an entity bomb, and must still answer a
valid request afterwards.

The profile values below come from real device replies: SADP from a DS-2CD2385G1-I and DHIP
from an IPC-HDW1431T1-S4 (both pasted in github.com/Haicam/Haicam
golang/libs/onvif/haicam_test/discoverytest.go), GetDeviceInformation from a DS-2DF7286-A
(github.com/evercam/evercam-server/issues/10).
"""

from __future__ import annotations

import base64
import ctypes
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from xml.etree import ElementTree as ET

import pytest

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[2]
CLONE_NEWNET = 0x40000000
T = TypeVar("T")

if os.geteuid() != 0 or shutil.which("ip") is None:
    pytest.skip("needs root and iproute2 for network namespaces", allow_module_level=True)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Probe><Uuid>&lol9;</Uuid><Types>inquiry</Types></Probe>"""

GARBAGE = [
    b"\x00",
    b"\xff" * 7,
    bytes(random.Random(7).getrandbits(8) for _ in range(1400)),
    b"<Probe><Uuid>",
    b"<?xml version='1.0'?><Probe><Types>inquiry</Types>" + b"<a>" * 3000,
    b"\x20\x00\x00\x00DHIP" + b"\x00" * 8,
    b"\x20\x00\x00\x00DHIP" + struct.pack("<IIIIII", 0, 0, 0xFFFFFFFF, 0, 0xFFFFFFFF, 0) + b"{",
    b"\x20\x00\x00\x00DHIP" + struct.pack("<IIIIII", 0, 0, 5, 0, 5, 0) + b"[[[[[",
    b"M-SEARCH * HTTP/1.1\r\n" + b"X: " + b"a" * 5000 + b"\r\n\r\n",
    b"M-SEARCH",
    BILLION_LAUGHS,
]

DEVICE_MAC = "58:50:ed:1f:e3:85"
CREDENTIALS = {"username": "admin", "password": "Lab-Only-Pass1"}

SADP = {
    "fields": {
        "DeviceType": 141945,
        "DeviceDescription": "DS-2CD2385G1-I",
        "DeviceSN": "DS-2CD2385G1-I20200414AAWRE33842150",
        "CommandPort": 8000,
        "HttpPort": 80,
        "MAC": "{mac_dash}",
        "IPv4Address": "{ip}",
        "IPv4SubnetMask": "255.255.255.0",
        "IPv4Gateway": "0.0.0.0",
        "DHCP": False,
        "SoftwareVersion": "V5.6.2build 190701",
        "DSPVersion": "V7.3 build 190626",
        "Activated": True,
        "DetailOEMCode": 1,
    }
}
DHIP = {
    "device_info": {
        "AlarmInputChannels": 0,
        "DeviceClass": "IPC",
        "DeviceType": "IPC-HDW1431T1-S4",
        "HttpPort": 80,
        "IPv4Address": {"DefaultGateway": "0.0.0.0", "DhcpEnable": False, "IPAddress": "{ip}",
                        "SubnetMask": "255.255.255.0"},
        "MachineName": "6C01E93PAG69A7D",
        "Manufacturer": "Private",
        "Port": 37777,
        "SerialNo": "6C01E93PAG69A7D",
        "Vendor": "Private",
        "Version": "2.800.0000000.13.R",
    }
}
WSD = {
    "types": ["dn:NetworkVideoTransmitter", "tds:Device"],
    "scopes": [
        "onvif://www.onvif.org/type/video_encoder",
        "onvif://www.onvif.org/Profile/Streaming",
        "onvif://www.onvif.org/hardware/DS-2CD2385G1-I",
        "onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I",
        "onvif://www.onvif.org/location/city/hangzhou",
        "onvif://www.onvif.org/MAC/{mac}",
    ],
    "xaddrs": ["http://{ip}:8899/onvif/device_service"],
    "endpoint": "urn:uuid:a4a8b0a1-5d1c-11b2-8000-{mac_hex}",
}
ONVIF = {
    "port": 8899,
    "device_information": {
        "Manufacturer": "HIKVISION",
        "Model": "DS-2DF7286-A",
        "FirmwareVersion": "V5.1.8 build 140616",
        "SerialNumber": "DS-2DF7286-A20140705CCWR471699220B",
        "HardwareId": "88",
    },
}
ONVIF_OPEN = {**ONVIF, "port": 8900, "device_info_without_auth": True}
SSDP = {
    "server": "Linux/3.0, UPnP/1.0, Portable SDK for UPnP devices/1.6.6",
    "uuid": "2b4a6f3e-1dd2-11b2-b7f6-{mac_hex}",
    "device_type": "urn:schemas-upnp-org:device:Basic:1",
    "http_port": 49152,
    "description": {
        "friendlyName": "DS-2CD2385G1-I - {MAC_HEX}",
        "manufacturer": "Hikvision",
        "modelName": "DS-2CD2385G1-I",
        "modelNumber": "DS-2CD2385G1-I",
        "serialNumber": "DS-2CD2385G1-I20200414AAWRE33842150",
    },
}
MDNS = {
    "hostname": "axis-{mac_hex}",
    "services": [
        {"type": "_axis-video._tcp.local.", "name": "AXIS P3245-LVE - {MAC_HEX}", "port": 80,
         "txt": {"macaddress": "{MAC_HEX}"}},
        {"type": "_http._tcp.local.", "name": "AXIS P3245-LVE - {MAC_HEX}", "port": 80, "txt": {}},
    ],
}

RUNNER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from importlib import import_module
from scanner.lab.services.base import DeviceContext
spec = json.loads(sys.argv[2])
running = []
for one in spec.get("devices") or [spec]:
    device = DeviceContext(**one["device"])
    running += [import_module("scanner.lab.services." + m).start(device, cfg) for m, cfg in one["services"]]
print("ready", flush=True)
sys.stdin.read()
for service in running:
    service.close()
print("closed", flush=True)
"""


# -- the namespace pair ------------------------------------------------------------------------

def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


class NetPair:
    def __init__(self) -> None:
        tag = f"{os.getpid() % 10000}{random.randrange(16**3):03x}"
        self.dev_ns, self.cli_ns = f"dsd{tag}", f"dsc{tag}"
        self.subnet = random.randrange(100, 250)
        self.dev_ip, self.cli_ip = f"198.18.{self.subnet}.2", f"198.18.{self.subnet}.1"
        self.dev_if, self.cli_if = f"vd{tag}", f"vc{tag}"

    def up(self) -> None:
        _ip("netns", "add", self.dev_ns)
        _ip("netns", "add", self.cli_ns)
        _ip("link", "add", self.dev_if, "type", "veth", "peer", "name", self.cli_if)
        for ns, ifname, addr, mac in ((self.dev_ns, self.dev_if, self.dev_ip, DEVICE_MAC),
                                      (self.cli_ns, self.cli_if, self.cli_ip, None)):
            _ip("link", "set", ifname, "netns", ns)
            if mac:
                _ip("-n", ns, "link", "set", ifname, "address", mac)
            _ip("-n", ns, "addr", "add", f"{addr}/24", "dev", ifname)
            _ip("-n", ns, "link", "set", ifname, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
            # multicast stays on the link; there is no default route and none is added
            _ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", ifname)

    def down(self) -> None:
        for ns in (self.dev_ns, self.cli_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)

    def in_client(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` in a fresh thread that has entered the client namespace."""
        box: dict[str, Any] = {}

        def target() -> None:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open(f"/var/run/netns/{self.cli_ns}", os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    box["error"] = OSError(ctypes.get_errno(), "setns failed")
                    return
            finally:
                os.close(fd)
            try:
                box["value"] = fn()
            except BaseException as exc:  # handed back to the test thread
                box["error"] = exc

        thread = threading.Thread(target=target)
        thread.start()
        thread.join(60)
        if "error" in box:
            raise box["error"]
        return box["value"]

    def udp_socket(self, bind_port: int = 0) -> socket.socket:
        def make() -> socket.socket:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((self.cli_ip, bind_port) if bind_port == 0 else ("", bind_port))
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(self.cli_ip))
            s.settimeout(2.0)
            return s

        return self.in_client(make)


@contextmanager
def _spawn(net: NetPair, device: dict, services: list[tuple[str, dict]]) -> Iterator[subprocess.Popen]:
    """Run the services in a device process inside the device namespace until the block ends."""
    spec = {"device": {"ip": net.dev_ip, "iface": net.dev_if, **device}, "services": services}
    proc = subprocess.Popen(
        ["ip", "netns", "exec", net.dev_ns, sys.executable, "-c", RUNNER, str(ROOT), json.dumps(spec)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "ready", proc.stderr.read()
        yield proc
    finally:
        if proc.poll() is None:
            proc.stdin.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def device_process(net: NetPair, services: list[tuple[str, dict]]) -> Iterator[subprocess.Popen]:
    device = {"name": "lab-test-device", "mac": DEVICE_MAC,
              "profile": {"credentials": CREDENTIALS, "services": dict(services)}}
    with _spawn(net, device, services) as proc:
        yield proc


@pytest.fixture(scope="module")
def net() -> Iterator[NetPair]:
    pair = NetPair()
    try:
        pair.up()
        yield pair
    finally:
        pair.down()


@pytest.fixture(scope="module")
def device(net: NetPair) -> Iterator[subprocess.Popen]:
    services = [("sadp", SADP), ("dhip", DHIP), ("wsd", WSD), ("onvif", ONVIF), ("onvif", ONVIF_OPEN),
                ("ssdp", SSDP), ("mdns", MDNS)]
    with device_process(net, services) as proc:
        yield proc


def exchange(sock: socket.socket, payload: bytes, dest: tuple[str, int], want: int = 1,
             wait: float = 2.0) -> list[tuple[bytes, tuple[str, int]]]:
    sock.sendto(payload, dest)
    replies = []
    deadline = time.monotonic() + wait
    while len(replies) < want and time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            replies.append(sock.recvfrom(65535))
        except TimeoutError:
            break
    return replies


def flood(net: NetPair, port: int, group: str) -> None:
    sock = net.udp_socket()
    try:
        for junk in GARBAGE:
            for dest in ((group, port), (net.dev_ip, port)):
                sock.sendto(junk, dest)
    finally:
        sock.close()


# -- SADP -------------------------------------------------------------------------------------

def sadp_probe(probe_uuid: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>{probe_uuid}</Uuid>'
            "<Types>inquiry</Types></Probe>").encode()


def test_sadp_inquiry_multicast_gets_probematch_with_profile_fields(net, device):
    sock = net.udp_socket()
    probe_uuid = str(uuid.uuid4()).upper()
    replies = exchange(sock, sadp_probe(probe_uuid), ("239.255.255.250", 37020))
    sock.close()
    assert len(replies) == 1
    data, sender = replies[0]
    assert sender[0] == net.dev_ip
    root = ET.fromstring(data)
    assert root.tag == "ProbeMatch"
    assert root.findtext("Uuid") == probe_uuid
    assert root.findtext("Types") == "inquiry"
    assert root.findtext("DeviceSN") == "DS-2CD2385G1-I20200414AAWRE33842150"
    assert root.findtext("DeviceDescription") == "DS-2CD2385G1-I"
    assert root.findtext("MAC") == "58-50-ed-1f-e3-85"
    assert root.findtext("IPv4Address") == net.dev_ip
    assert root.findtext("DHCP") == "false"
    assert root.findtext("Activated") == "true"
    assert [c.tag for c in root][:4] == ["Uuid", "Types", "DeviceType", "DeviceDescription"]


def test_sadp_ignores_non_inquiry_and_survives_garbage(net, device):
    sock = net.udp_socket()
    update = b"<?xml version='1.0'?><Probe><Uuid>1</Uuid><Types>update</Types></Probe>"
    assert exchange(sock, update, (net.dev_ip, 37020), wait=0.5) == []
    flood(net, 37020, "239.255.255.250")
    replies = exchange(sock, sadp_probe("ABC"), (net.dev_ip, 37020))
    sock.close()
    assert len(replies) == 1 and ET.fromstring(replies[0][0]).findtext("Uuid") == "ABC"
    assert device.poll() is None


# -- DHIP -------------------------------------------------------------------------------------

def dhip_frame(body: bytes, session: int = 0, request: int = 0) -> bytes:
    return b"\x20\x00\x00\x00DHIP" + struct.pack("<IIIIII", session, request, len(body), 0, len(body), 0) + body


SEARCH = b'{ "method" : "DHDiscover.search", "params" : { "mac" : "", "uni" : 1 } }\n'


def test_dhip_search_multicast_gets_notifydevinfo_in_dhip_frame(net, device):
    sock = net.udp_socket()
    replies = exchange(sock, dhip_frame(SEARCH), ("239.255.255.251", 37810))
    sock.close()
    assert len(replies) == 1
    data, sender = replies[0]
    assert sender[0] == net.dev_ip
    assert data[:8] == b"\x20\x00\x00\x00DHIP"
    _session, _request, length, zero, length2, _ = struct.unpack_from("<IIIIII", data, 8)
    assert length == length2 == len(data) - 32 and zero == 0
    body = data[32:]
    assert body.endswith(b"\n\x00")
    message = json.loads(body[:-2])
    assert message["method"] == "client.notifyDevInfo"
    assert message["mac"] == DEVICE_MAC
    info = message["params"]["deviceInfo"]
    assert info["DeviceType"] == "IPC-HDW1431T1-S4"
    assert info["SerialNo"] == "6C01E93PAG69A7D"
    assert info["DeviceClass"] == "IPC"
    assert info["IPv4Address"]["IPAddress"] == net.dev_ip
    assert info["Port"] == 37777


def test_dhip_search_for_another_mac_gets_no_answer(net, device):
    sock = net.udp_socket()
    other = b'{"method":"DHDiscover.search","params":{"mac":"3c:ef:8c:00:00:01"}}'
    mine = json.dumps({"method": "DHDiscover.search", "params": {"mac": DEVICE_MAC}}).encode()
    assert exchange(sock, dhip_frame(other), (net.dev_ip, 37810), wait=0.5) == []
    assert len(exchange(sock, dhip_frame(mine), (net.dev_ip, 37810))) == 1
    sock.close()


def test_dhip_survives_garbage_and_still_answers(net, device):
    flood(net, 37810, "239.255.255.251")
    sock = net.udp_socket()
    replies = exchange(sock, dhip_frame(SEARCH), (net.dev_ip, 37810))
    sock.close()
    assert len(replies) == 1 and b"client.notifyDevInfo" in replies[0][0]
    assert device.poll() is None


# -- DVRIP (Xiongmai device search) ------------------------------------------------------------

# A Besder camera's NetWork.NetCommon reply (sol-vin/xiongmai-investigational-journey
# src/commands/network.cr @ 8454f6fe2ee09beb538d568b86b445eae7ad8bc0), address fields left to the
# device.
DVRIP = {"net_common": {"ChannelNum": 1, "DeviceType": 1, "GateWay": None, "HostIP": None, "HostName": "LocalHost",
                        "MAC": "{mac}", "OtherFunction": "D=2019-02-28 17:30:58 V=92a9902100ec7c4",
                        "SN": "41e6853ada5e9323", "Submask": None, "TCPPort": 34567}}
DVRIP_SEARCH = struct.pack("<BBHIIHHI", 0xFF, 0, 0, 0, 0, 0, 1530, 0)


def dvrip_replies(net: NetPair, dest: str, payloads: list[bytes] = (), wait: float = 1.5) -> list[tuple[bytes, tuple[str, int]]]:
    """Send the search (after ``payloads``) from UDP 34569, as clients do, and collect what the
    device sends back: its answers come by broadcast to 34569."""
    sock = net.udp_socket(bind_port=34569)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    try:
        for junk in payloads:
            sock.sendto(junk, (dest, 34569))
        sock.sendto(DVRIP_SEARCH, (dest, 34569))
        got, deadline = [], time.monotonic() + wait
        while time.monotonic() < deadline:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                data, sender = sock.recvfrom(65535)
            except TimeoutError:
                break
            if sender[0] == net.dev_ip:
                got.append((data, sender))
        return got
    finally:
        sock.close()


def test_dvrip_search_by_broadcast_or_unicast_gets_one_broadcast_net_common_reply(net):
    with device_process(net, [("dvrip", DVRIP)]) as proc:
        for dest in (f"198.18.{net.subnet}.255", net.dev_ip):
            replies = dvrip_replies(net, dest)
            assert len(replies) == 1, dest
            data, sender = replies[0]
            assert sender == (net.dev_ip, 34569)
            head, version, _, _, _, _, message, length = struct.unpack_from("<BBHIIHHI", data)
            assert (head, message, length) == (0xFF, 1531, len(data) - 20)
            assert data.endswith(b"\n\x00")
            common = json.loads(data[20:-2])["NetWork.NetCommon"]
            assert common["HostIP"] == "0x%08X" % struct.unpack("<I", socket.inet_aton(net.dev_ip))[0]
            assert common["Submask"] == "0x00FFFFFF"
            assert common["MAC"] == DEVICE_MAC and common["SN"] == "41e6853ada5e9323"
            assert list(common)[:3] == ["ChannelNum", "DeviceType", "GateWay"]  # the profile's order
        junk = [*GARBAGE, struct.pack("<BBHIIHHI", 0xFF, 0, 0, 0, 0, 0, 1531, 0xFFFFFFFF) + b"{"]
        assert len(dvrip_replies(net, net.dev_ip, junk)) == 1
        assert proc.poll() is None


# -- WS-Discovery -----------------------------------------------------------------------------

def wsd_probe(message_id: str, types: str | None, scopes: str | None = None) -> bytes:
    types_xml = f"<d:Types>{types}</d:Types>" if types is not None else ""
    scopes_xml = f"<d:Scopes>{scopes}</d:Scopes>" if scopes is not None else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"'
        ' xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"'
        ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"'
        ' xmlns:dn="http://www.onvif.org/ver10/network/wsdl"'
        ' xmlns:tds="http://www.onvif.org/ver10/device/wsdl">'
        "<s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>"
        f"<a:MessageID>{message_id}</a:MessageID>"
        "<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>"
        f"<s:Body><d:Probe>{types_xml}{scopes_xml}</d:Probe></s:Body></s:Envelope>"
    ).encode()


NS = {"s": "http://www.w3.org/2003/05/soap-envelope", "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
      "d": "http://schemas.xmlsoap.org/ws/2005/04/discovery"}


@pytest.mark.parametrize("types", [None, "dn:NetworkVideoTransmitter", "tds:Device",
                                   "dn:NetworkVideoTransmitter tds:Device"])
def test_wsd_probe_gets_probematches_related_to_its_message_id(net, device, types):
    sock = net.udp_socket()
    message_id = f"uuid:{uuid.uuid4()}"
    replies = exchange(sock, wsd_probe(message_id, types), ("239.255.255.250", 3702))
    sock.close()
    assert len(replies) == 1
    data, sender = replies[0]
    assert sender[0] == net.dev_ip
    root = ET.fromstring(data)
    assert root.findtext("s:Header/a:RelatesTo", namespaces=NS) == message_id
    assert root.findtext("s:Header/a:Action", namespaces=NS).endswith("/discovery/ProbeMatches")
    match = root.find("s:Body/d:ProbeMatches/d:ProbeMatch", NS)
    assert match.findtext("a:EndpointReference/a:Address", namespaces=NS) == \
        "urn:uuid:a4a8b0a1-5d1c-11b2-8000-5850ed1fe385"
    assert match.findtext("d:Types", namespaces=NS).split() == ["dn:NetworkVideoTransmitter", "tds:Device"]
    scopes = match.findtext("d:Scopes", namespaces=NS).split()
    assert "onvif://www.onvif.org/hardware/DS-2CD2385G1-I" in scopes
    assert "onvif://www.onvif.org/MAC/58:50:ed:1f:e3:85" in scopes
    assert match.findtext("d:XAddrs", namespaces=NS) == f"http://{net.dev_ip}:8899/onvif/device_service"
    assert match.findtext("d:MetadataVersion", namespaces=NS) == "1"


def test_wsd_unicast_probe_with_matching_scope_is_answered(net, device):
    sock = net.udp_socket()
    replies = exchange(sock, wsd_probe("uuid:1", None, "onvif://www.onvif.org/hardware"), (net.dev_ip, 3702))
    sock.close()
    assert len(replies) == 1


@pytest.mark.parametrize("types,scopes", [("dn:Printer", None), (None, "onvif://www.onvif.org/name/AXIS"),
                                          (None, "onvif://www.onvif.org/hard")])
def test_wsd_probe_that_does_not_match_gets_no_answer(net, device, types, scopes):
    sock = net.udp_socket()
    assert exchange(sock, wsd_probe("uuid:2", types, scopes), (net.dev_ip, 3702), wait=0.5) == []
    sock.close()


def test_wsd_survives_garbage_and_billion_laughs(net, device):
    flood(net, 3702, "239.255.255.250")
    bomb = BILLION_LAUGHS.replace(b"<Probe><Uuid>&lol9;</Uuid><Types>inquiry</Types></Probe>",
                                  wsd_probe("&lol9;", None).split(b"?>", 1)[1])
    sock = net.udp_socket()
    assert exchange(sock, bomb, (net.dev_ip, 3702), wait=0.5) == []
    replies = exchange(sock, wsd_probe("uuid:after", None), (net.dev_ip, 3702))
    sock.close()
    assert len(replies) == 1
    assert device.poll() is None


# -- ONVIF device service ---------------------------------------------------------------------

def test_onvif_zeep_reads_time_without_login_and_device_information_with_login(net, device):
    from onvif import ONVIFCamera

    def talk() -> tuple[Any, Any, Any, Any]:
        cam = ONVIFCamera(net.dev_ip, 8899, CREDENTIALS["username"], CREDENTIALS["password"])
        mgmt = cam.devicemgmt
        return (mgmt.GetSystemDateAndTime(), mgmt.GetDeviceInformation(), mgmt.GetScopes(),
                mgmt.GetNetworkInterfaces())

    when, info, scopes, interfaces = net.in_client(talk)
    assert when.UTCDateTime.Date.Year == dt.datetime.now(dt.timezone.utc).year
    assert info.Manufacturer == "HIKVISION"
    assert info.Model == "DS-2DF7286-A"
    assert info.SerialNumber == "DS-2DF7286-A20140705CCWR471699220B"
    assert info.FirmwareVersion == "V5.1.8 build 140616"
    assert info.HardwareId == "88"
    assert "onvif://www.onvif.org/hardware/DS-2CD2385G1-I" in [s.ScopeItem for s in scopes]
    assert interfaces[0].Info.HwAddress == DEVICE_MAC
    assert interfaces[0].IPv4.Config.Manual[0].Address == net.dev_ip


def test_onvif_zeep_with_wrong_password_gets_not_authorized(net, device):
    from onvif import ONVIFCamera
    from onvif.exceptions import ONVIFError

    def talk() -> Any:
        return ONVIFCamera(net.dev_ip, 8899, "admin", "wrong").devicemgmt.GetDeviceInformation()

    with pytest.raises(ONVIFError, match="not Authorized"):
        net.in_client(talk)


def soap(operation: str, header: str = "") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
            f"<s:Header>{header}</s:Header><s:Body>"
            f'<tds:{operation} xmlns:tds="http://www.onvif.org/ver10/device/wsdl"/>'
            "</s:Body></s:Envelope>").encode()


def username_token(user: str, password: str) -> str:
    nonce = os.urandom(16)
    created = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()
    return ('<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"'
            ' xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">'
            f"<wsse:UsernameToken><wsse:Username>{user}</wsse:Username>"
            '<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-username-token-profile-1.0#PasswordDigest">'
            f"{digest}</wsse:Password>"
            '<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-soap-message-security-1.0#Base64Binary">'
            f"{base64.b64encode(nonce).decode()}</wsse:Nonce><wsu:Created>{created}</wsu:Created>"
            "</wsse:UsernameToken></wsse:Security>")


def http_post(net: NetPair, port: int, body: bytes, declared: int | None = None) -> tuple[int, bytes]:
    def talk() -> tuple[int, bytes]:
        with socket.create_connection((net.dev_ip, port), timeout=5) as conn:
            length = len(body) if declared is None else declared
            conn.sendall(f"POST /onvif/device_service HTTP/1.1\r\nHost: {net.dev_ip}\r\n"
                         "Content-Type: application/soap+xml; charset=utf-8\r\n"
                         f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode() + body)
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        head, _, payload = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), payload

    return net.in_client(talk)


def fault_subcode(payload: bytes) -> str:
    root = ET.fromstring(payload)
    return root.findtext(".//s:Fault/s:Code/s:Subcode/s:Value", namespaces=NS)


def test_onvif_raw_soap_without_token_gets_not_authorized_fault_and_time_without_token(net, device):
    status, payload = http_post(net, 8899, soap("GetDeviceInformation"))
    assert status == 400 and fault_subcode(payload) == "ter:NotAuthorized"
    status, payload = http_post(net, 8899, soap("GetDeviceInformation", username_token("admin", "nope")))
    assert status == 400 and fault_subcode(payload) == "ter:NotAuthorized"
    status, payload = http_post(net, 8899, soap("GetDeviceInformation", username_token(CREDENTIALS["username"], CREDENTIALS["password"])))
    assert status == 200 and b"DS-2DF7286-A20140705CCWR471699220B" in payload
    status, payload = http_post(net, 8899, soap("GetSystemDateAndTime"))
    assert status == 200 and b"UTCDateTime" in payload


def test_onvif_profile_option_answers_device_information_without_login(net, device):
    status, payload = http_post(net, 8900, soap("GetDeviceInformation"))
    assert status == 200 and b"<tds:Manufacturer>HIKVISION</tds:Manufacturer>" in payload
    status, payload = http_post(net, 8900, soap("GetScopes"))
    assert status == 400 and fault_subcode(payload) == "ter:NotAuthorized"


def test_onvif_survives_bad_requests_and_still_answers(net, device):
    status, payload = http_post(net, 8899, BILLION_LAUGHS)
    assert status == 400 and fault_subcode(payload) == "ter:WellFormed"
    assert http_post(net, 8899, b"\xff\xfe garbage")[0] == 400
    assert http_post(net, 8899, soap("SetSystemFactoryDefault"))[0] == 500
    assert http_post(net, 8899, b"x", declared=50_000_000)[0] == 413

    def half_request() -> None:
        with socket.create_connection((net.dev_ip, 8899), timeout=5) as conn:
            conn.sendall(b"POST /onvif/device_service HTTP/1.1\r\nContent-Len")

    net.in_client(half_request)
    status, payload = http_post(net, 8899, soap("GetSystemDateAndTime"))
    assert status == 200 and b"GetSystemDateAndTimeResponse" in payload


# -- SSDP -------------------------------------------------------------------------------------

def msearch(st: str) -> bytes:
    return (f'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\n'
            f"ST: {st}\r\n\r\n").encode()


def ssdp_headers(data: bytes) -> dict[str, str]:
    lines = data.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 200 OK"
    return {k.strip().upper(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}


def test_ssdp_msearch_rootdevice_points_at_a_description_with_the_profile_identity(net, device):
    sock = net.udp_socket()
    replies = exchange(sock, msearch("upnp:rootdevice"), ("239.255.255.250", 1900))
    sock.close()
    assert len(replies) == 1
    headers = ssdp_headers(replies[0][0])
    assert headers["ST"] == "upnp:rootdevice"
    assert headers["USN"] == "uuid:2b4a6f3e-1dd2-11b2-b7f6-5850ed1fe385::upnp:rootdevice"
    assert headers["SERVER"] == SSDP["server"]
    assert headers["LOCATION"] == f"http://{net.dev_ip}:49152/description.xml"

    def fetch() -> bytes:
        import requests
        return requests.get(headers["LOCATION"], timeout=5).content

    root = ET.fromstring(net.in_client(fetch))
    ns = {"u": "urn:schemas-upnp-org:device-1-0"}
    assert root.findtext("u:device/u:manufacturer", namespaces=ns) == "Hikvision"
    assert root.findtext("u:device/u:modelName", namespaces=ns) == "DS-2CD2385G1-I"
    assert root.findtext("u:device/u:serialNumber", namespaces=ns) == "DS-2CD2385G1-I20200414AAWRE33842150"
    assert root.findtext("u:device/u:friendlyName", namespaces=ns) == "DS-2CD2385G1-I - 5850ED1FE385"
    assert root.findtext("u:device/u:UDN", namespaces=ns) == "uuid:2b4a6f3e-1dd2-11b2-b7f6-5850ed1fe385"


def test_ssdp_all_gets_one_answer_per_target_and_other_types_none(net, device):
    sock = net.udp_socket()
    replies = exchange(sock, msearch("ssdp:all"), (net.dev_ip, 1900), want=3)
    assert sorted(ssdp_headers(d)["ST"] for d, _ in replies) == sorted(
        ["upnp:rootdevice", "uuid:2b4a6f3e-1dd2-11b2-b7f6-5850ed1fe385", "urn:schemas-upnp-org:device:Basic:1"])
    assert exchange(sock, msearch("urn:schemas-upnp-org:device:MediaRenderer:1"), (net.dev_ip, 1900),
                    wait=0.5) == []
    sock.close()


def test_ssdp_survives_garbage_and_still_answers(net, device):
    flood(net, 1900, "239.255.255.250")
    sock = net.udp_socket()
    replies = exchange(sock, msearch("urn:schemas-upnp-org:device:Basic:1"), (net.dev_ip, 1900))
    sock.close()
    assert len(replies) == 1
    assert device.poll() is None


# -- mDNS -------------------------------------------------------------------------------------

def test_mdns_answers_axis_video_query_with_macaddress_txt(net, device):
    from zeroconf import DNSIncoming, DNSOutgoing, DNSQuestion, const

    query = DNSOutgoing(const._FLAGS_QR_QUERY)
    query.add_question(DNSQuestion("_axis-video._tcp.local.", const._TYPE_PTR, const._CLASS_IN))
    packet = query.packets()[0]
    sock = net.udp_socket()
    answers: list[Any] = []
    deadline = time.monotonic() + 8  # the device probes its names for about a second first
    while time.monotonic() < deadline and not answers:
        # sent from a port other than 5353: a "legacy unicast" query, answered to this port
        for data, _ in exchange(sock, packet, ("224.0.0.251", 5353), wait=0.7):
            answers += DNSIncoming(data).answers()
    sock.close()
    by_type = {type(a).__name__: a for a in answers}
    assert by_type["DNSPointer"].alias == "AXIS P3245-LVE - 5850ED1FE385._axis-video._tcp.local."
    assert by_type["DNSText"].text == b"\x17macaddress=5850ED1FE385"
    assert by_type["DNSService"].port == 80
    assert by_type["DNSService"].server == "axis-5850ed1fe385.local."
    assert socket.inet_ntoa(by_type["DNSAddress"].address) == net.dev_ip


def test_mdns_survives_garbage_and_still_answers(net, device):
    from zeroconf import DNSIncoming, DNSOutgoing, DNSQuestion, const

    flood(net, 5353, "224.0.0.251")
    query = DNSOutgoing(const._FLAGS_QR_QUERY)
    query.add_question(DNSQuestion("_axis-video._tcp.local.", const._TYPE_PTR, const._CLASS_IN))
    sock = net.udp_socket()
    replies = exchange(sock, query.packets()[0], ("224.0.0.251", 5353), wait=1.0)
    sock.close()
    assert device.poll() is None
    pointers = [a for data, _ in replies for a in DNSIncoming(data).answers() if type(a).__name__ == "DNSPointer"]
    assert [p.alias for p in pointers] == ["AXIS P3245-LVE - 5850ED1FE385._axis-video._tcp.local."]


# -- lifecycle --------------------------------------------------------------------------------

def test_device_announces_wsd_hello_and_ssdp_notify_on_start_and_closes_cleanly(net):
    listeners = {}
    for port, group in ((3702, "239.255.255.250"), (1900, "239.255.255.250")):
        def make(port: int = port, group: str = group) -> socket.socket:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("", port))
            mreq = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(net.cli_ip))
            s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
            s.settimeout(3)
            return s
        listeners[port] = net.in_client(make)
    try:
        with device_process(net, [("wsd", WSD), ("ssdp", {**SSDP, "http_port": 49153})]) as proc:
            hello, _ = listeners[3702].recvfrom(65535)
            notify, _ = listeners[1900].recvfrom(65535)
            proc.stdin.close()
            assert proc.stdout.readline().strip() == "closed"
            proc.wait(timeout=10)
        assert b"/discovery/Hello" in hello and b"a4a8b0a1-5d1c-11b2-8000-5850ed1fe385" in hello
        assert notify.startswith(b"NOTIFY * HTTP/1.1\r\n") and b"NTS: ssdp:alive" in notify
        assert proc.returncode == 0
    finally:
        for s in listeners.values():
            s.close()


# -- the real profiles ------------------------------------------------------------------------

PROFILE_DIR = ROOT / "scanner" / "lab" / "profiles"
MINE = ("sadp", "dhip", "dvrip", "wsd", "onvif", "mdns", "ssdp")


def _profiles_with_discovery() -> list[Path]:
    import yaml

    return [p for p in sorted(PROFILE_DIR.glob("*.yaml"))
            if set((yaml.safe_load(p.read_text()).get("services") or {})) & set(MINE)]


@pytest.fixture(scope="module")
def net2() -> Iterator[NetPair]:
    pair = NetPair()
    try:
        pair.up()
        yield pair
    finally:
        pair.down()


@contextmanager
def profile_device(net: NetPair, profile: dict) -> Iterator[subprocess.Popen]:
    services = [(name, cfg) for name, cfg in profile["services"].items() if name in MINE]
    with _spawn(net, {"name": profile["name"], "mac": profile["mac"], "profile": profile}, services) as proc:
        yield proc


@pytest.mark.parametrize("path", _profiles_with_discovery(), ids=lambda p: p.stem)
def test_each_profile_answers_discovery_with_its_own_identity(net2, path):
    import yaml

    profile = yaml.safe_load(path.read_text())
    services = profile["services"]
    model, serial = str(profile.get("model", "")), str(profile.get("serial", ""))
    with profile_device(net2, profile) as proc:
        sock = net2.udp_socket()
        try:
            if "sadp" in services:
                replies = exchange(sock, sadp_probe("P1"), ("239.255.255.250", 37020))
                root = ET.fromstring(replies[0][0])
                assert root.findtext("MAC") == profile["mac"].replace(":", "-")
                assert root.findtext("IPv4Address") == net2.dev_ip
                assert serial and serial in root.findtext("DeviceSN")
            if "dhip" in services:
                replies = exchange(sock, dhip_frame(SEARCH), ("239.255.255.251", 37810))
                info = json.loads(replies[0][0][32:-2])["params"]["deviceInfo"]
                assert info["SerialNo"] == serial
                assert model.endswith(info["DeviceType"])
                assert info["IPv4Address"]["IPAddress"] == net2.dev_ip
            if "wsd" in services:
                replies = exchange(sock, wsd_probe("uuid:p", "dn:NetworkVideoTransmitter"), ("239.255.255.250", 3702))
                match = ET.fromstring(replies[0][0]).find("s:Body/d:ProbeMatches/d:ProbeMatch", NS)
                scopes = match.findtext("d:Scopes", namespaces=NS).split()
                configured = services["wsd"]["scopes"]
                assert len(scopes) == len(configured)
                assert [s.split("/")[3] for s in scopes] == [c.split("/")[3] for c in configured]
                assert "{" not in " ".join(scopes)  # every token was filled
                assert net2.dev_ip in match.findtext("d:XAddrs", namespaces=NS)
            onvif_cfg = services.get("onvif") or {}
            if "onvif" in services:  # the SOAP answer itself, as the web server would carry it
                from scanner.lab.services import base, onvif

                ctx = base.DeviceContext(name=profile["name"], ip=net2.dev_ip, mac=profile["mac"],
                                         iface="eth0", profile=profile)
                creds = profile["credentials"]
                status, _, payload = onvif.endpoint(ctx, onvif_cfg).handle(
                    soap("GetDeviceInformation", username_token(creds["username"], creds["password"])))
                assert status == 200 and b"{" not in payload  # every token was filled
                if onvif_cfg.get("device_information"):
                    assert f"<tds:Model>{model}</tds:Model>".encode() in payload
            if onvif_cfg.get("listen", True) and "onvif" in services:
                status, payload = http_post(net2, int(onvif_cfg.get("port", 80)), soap("GetSystemDateAndTime"))
                assert status == 200 and b"UTCDateTime" in payload
            if "dvrip" in services:
                [(data, _)] = dvrip_replies(net2, net2.dev_ip)
                assert json.loads(data[20:-2])["NetWork.NetCommon"]["MAC"] == profile["mac"]
            if "ssdp" in services:
                replies = exchange(sock, msearch("upnp:rootdevice"), ("239.255.255.250", 1900))
                assert ssdp_headers(replies[0][0])["LOCATION"].startswith(f"http://{net2.dev_ip}:")
            if "mdns" in services:
                from zeroconf import DNSIncoming, DNSOutgoing, DNSQuestion, const

                stype = services["mdns"]["services"][0]["type"]
                query = DNSOutgoing(const._FLAGS_QR_QUERY)
                query.add_question(DNSQuestion(stype, const._TYPE_PTR, const._CLASS_IN))
                answers: list[Any] = []
                deadline = time.monotonic() + 8
                while time.monotonic() < deadline and not answers:
                    for data, _ in exchange(sock, query.packets()[0], ("224.0.0.251", 5353), wait=0.7):
                        answers += [a for a in DNSIncoming(data).answers() if type(a).__name__ == "DNSPointer"]
                assert answers and answers[0].alias.endswith("." + stype)
        finally:
            sock.close()
        assert proc.poll() is None


def test_two_devices_sharing_a_namespace_each_answer_from_their_own_address(net):
    second_ip = f"198.18.{net.subnet}.3"
    _ip("-n", net.dev_ns, "addr", "add", f"{second_ip}/24", "dev", net.dev_if)
    other_sadp = {"fields": {**SADP["fields"], "DeviceSN": "DS-2CD2385G1-I20200414AAWRE00000002"}}
    spec = {"devices": [
        {"device": {"name": "one", "ip": net.dev_ip, "mac": DEVICE_MAC, "iface": net.dev_if, "profile": {}},
         "services": [["sadp", SADP]]},
        {"device": {"name": "two", "ip": second_ip, "mac": "58:50:ed:1f:e3:86", "iface": net.dev_if,
                    "profile": {}},
         "services": [["sadp", other_sadp]]},
    ]}
    proc = subprocess.Popen(
        ["ip", "netns", "exec", net.dev_ns, sys.executable, "-c", RUNNER, str(ROOT), json.dumps(spec)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        sock = net.udp_socket()
        # the module's device process also answers SADP on dev_ip; only the new pair is counted
        multicast = exchange(sock, sadp_probe("M"), ("239.255.255.250", 37020), want=3)
        by_ip: dict[str, set[str]] = {}
        for data, sender in multicast:
            by_ip.setdefault(sender[0], set()).add(ET.fromstring(data).findtext("DeviceSN"))
        assert "DS-2CD2385G1-I20200414AAWRE00000002" in by_ip[second_ip]
        assert by_ip[second_ip] == {"DS-2CD2385G1-I20200414AAWRE00000002"}
        unicast = exchange(sock, sadp_probe("U"), (second_ip, 37020))
        sock.close()
        assert [ET.fromstring(d).findtext("MAC") for d, _ in unicast] == ["58-50-ed-1f-e3-86"]
        assert unicast[0][1][0] == second_ip
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
        _ip("-n", net.dev_ns, "addr", "del", f"{second_ip}/24", "dev", net.dev_if)


def test_onvif_mounted_behind_the_web_server_answers_through_http_response():
    from scanner.lab.services import base, onvif

    dev = base.DeviceContext(name="m", ip="198.18.254.9", mac=DEVICE_MAC, iface="eth0",
                             profile={"credentials": CREDENTIALS})
    service = onvif.start(dev, {**ONVIF, "port": 80, "listen": False})
    try:
        assert onvif.http_response(("198.18.254.9", 80), "GET", "/onvif/device_service", b"") is None
        assert onvif.http_response(("198.18.254.9", 80), "POST", "/other", b"") is None
        raw = onvif.http_response(("198.18.254.9", 80), "POST", "/onvif/device_service",
                                  soap("GetDeviceInformation", username_token("admin", "Lab-Only-Pass1")))
        head, _, payload = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK") and b"Content-Length: %d" % len(payload) in head
        assert b"<tds:Model>DS-2DF7286-A</tds:Model>" in payload
        raw = onvif.http_response(("198.18.254.9", 80), "POST", "/onvif/device_service", BILLION_LAUGHS)
        assert raw.startswith(b"HTTP/1.1 400 ")
    finally:
        service.close()
    assert onvif.http_response(("198.18.254.9", 80), "POST", "/onvif/device_service", b"") is None
