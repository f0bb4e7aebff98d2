"""The scale lab: many devices in one namespace still look, on the wire, like separate hosts.

Each device answers ARP alone and with its own MAC, its TCP answers leave from its own MAC, its
services answer on its own address as its profile says, a multicast discovery probe reaches
each device exactly once, an mDNS answer comes from the advertising device's own address, and
the lab goes away on exit and on an exception."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from scanner.lab import _netns
from scanner.lab.catalog import load_profile
from scanner.lab.scale import ScaleLab, distinct_macs
from scanner.lab.state import state_path

from .conftest import in_scanner, needs_lab

N = 20


@pytest.fixture(scope="module")
def lab():
    with ScaleLab(N) as built:
        yield built


def test_repeated_profiles_keep_their_oui_and_never_share_a_mac():
    bases = ["24:48:45:3a:71:c4"] * 300 + ["24:48:45:3a:71:c5", "ac:cc:8e:ff:ff:ff", "ac:cc:8e:ff:ff:ff"]
    macs = distinct_macs(bases)
    assert len(set(macs)) == len(macs)
    assert macs[0] == "24:48:45:3a:71:c4" and macs[-2] == "ac:cc:8e:ff:ff:ff"
    assert all(m.startswith(b[:8]) for m, b in zip(macs, bases))


@pytest.mark.lab
@needs_lab
def test_every_device_answers_arp_alone_and_with_its_own_mac(lab):
    targets = [d.ip for d in lab.devices]
    out = in_scanner(lab, f"""
        import json
        from scapy.all import ARP, Ether, conf, srp
        conf.verb = 0
        ans, _ = srp([Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst=ip) for ip in {targets!r}],
                     iface="eth0", timeout=2, multi=True)
        print(json.dumps([[r[ARP].psrc, r[ARP].hwsrc] for _, r in ans]))
    """, timeout=60)
    answers = Counter(tuple(pair) for pair in json.loads(out))
    assert answers == Counter({(d.ip, d.mac): 1 for d in lab.devices})


@pytest.mark.lab
@needs_lab
def test_services_answer_on_each_address_as_the_profile_says_and_from_the_device_mac(lab):
    web = [d for d in lab.devices if "http" in load_profile(d.profile_name)["services"]]
    rtsp = [d for d in lab.devices if "rtsp" in load_profile(d.profile_name)["services"]]
    assert len(web) >= 10 and len(rtsp) >= 5
    http_ports = {d.ip: int(load_profile(d.profile_name)["services"]["http"].get("port", 80)) for d in web}
    rtsp_ports = {d.ip: int(load_profile(d.profile_name)["services"]["rtsp"].get("port", 554)) for d in rtsp}
    out = in_scanner(lab, f"""
        import json, socket
        from scapy.all import AsyncSniffer, Ether, IP, TCP
        sniffer = AsyncSniffer(iface="eth0", filter="tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)")
        sniffer.start()
        import time; time.sleep(0.5)
        def ask(ip, port, data):
            with socket.create_connection((ip, port), timeout=3) as s:
                s.sendall(data)
                buf = b""
                while b"\\r\\n\\r\\n" not in buf and len(buf) < 65536:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    buf += chunk
                return buf.split(b"\\r\\n\\r\\n")[0].decode("latin-1")
        http = {{ip: ask(ip, port, b"GET / HTTP/1.1\\r\\nHost: " + ip.encode() + b"\\r\\n\\r\\n")
                for ip, port in {http_ports!r}.items()}}
        rtsp = {{ip: ask(ip, port, b"OPTIONS rtsp://" + ip.encode() + b"/ RTSP/1.0\\r\\nCSeq: 7\\r\\n\\r\\n")
                for ip, port in {rtsp_ports!r}.items()}}
        time.sleep(0.5)
        frames = sniffer.stop()
        synack = sorted({{(p[IP].src, p[Ether].src) for p in frames if IP in p}})
        print(json.dumps({{"http": http, "rtsp": rtsp, "synack": synack}}))
    """, timeout=90)
    doc = json.loads(out)
    for dev in web:
        head = doc["http"][dev.ip]
        assert head.startswith("HTTP/1."), (dev.name, head)
        cfg = load_profile(dev.profile_name)["services"]["http"]
        server = next((v for k, v in cfg.get("headers") or [] if k.lower() == "server"), None)
        if server is not None:
            assert f"\r\nServer: {server}" in head, (dev.name, head)
    for dev in rtsp:
        head = doc["rtsp"][dev.ip]
        assert head.startswith("RTSP/1.0 ") and "\r\ncseq: 7" in head.lower(), (dev.name, head)
    macs = {d.ip: d.mac for d in lab.devices}
    synack = {tuple(pair) for pair in doc["synack"]}
    assert {ip for ip, _ in synack} == set(http_ports) | set(rtsp_ports)
    assert all(mac == macs[ip] for ip, mac in synack), sorted(synack)


@pytest.mark.lab
@needs_lab
def test_a_multicast_ws_discovery_probe_reaches_each_device_exactly_once(lab):
    expected = {d.ip for d in lab.devices if "wsd" in load_profile(d.profile_name)["services"]}
    assert len(expected) >= 10
    out = in_scanner(lab, """
        import json, socket, time
        probe = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"'
            ' xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"'
            ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">'
            '<s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>'
            '<a:MessageID>uuid:5ca1e000-0000-4000-8000-000000000001</a:MessageID>'
            '<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>'
            '<s:Body><d:Probe/></s:Body></s:Envelope>').encode()
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("%s"))
        s.bind(("%s", 0))
        s.sendto(probe, ("239.255.255.250", 3702))
        s.settimeout(0.2)
        senders, end = [], time.monotonic() + 3
        while time.monotonic() < end:
            try:
                data, addr = s.recvfrom(65536)
            except socket.timeout:
                continue
            if b"uuid:5ca1e000-0000-4000-8000-000000000001" in data and b"ProbeMatches" in data:
                senders.append(addr[0])
        print(json.dumps(senders))
    """ % (lab.scanner_ip, lab.scanner_ip), timeout=30)
    assert Counter(json.loads(out)) == Counter({ip: 1 for ip in expected})


@pytest.mark.lab
@needs_lab
def test_an_mdns_legacy_unicast_query_is_answered_by_each_advertising_device_from_its_own_address(lab):
    advertisers = [d for d in lab.devices if "mdns" in load_profile(d.profile_name)["services"]]
    assert len(advertisers) >= 2
    types = sorted({str(e["type"]).rstrip(".") + "." for d in advertisers
                    for e in load_profile(d.profile_name)["services"]["mdns"]["services"]})
    out = in_scanner(lab, """
        import json, socket, struct, time
        types = %r
        query = struct.pack("!6H", 0, 0, len(types), 0, 0, 0) + b"".join(
            b"".join(bytes([len(label)]) + label.encode() for label in t.rstrip(".").split(".")) + b"\\0"
            + struct.pack("!2H", 12, 1) for t in types)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(%r))
        s.bind((%r, 0))
        s.sendto(query, ("224.0.0.251", 5353))
        s.settimeout(0.2)
        senders, end = set(), time.monotonic() + 3
        while time.monotonic() < end:
            try:
                data, addr = s.recvfrom(65536)
            except socket.timeout:
                continue
            if len(data) > 12 and data[2] & 0x80 and struct.unpack("!H", data[6:8])[0] > 0:
                senders.add(addr[0])
        print(json.dumps(sorted(senders)))
    """ % (types, lab.scanner_ip, lab.scanner_ip), timeout=30)
    assert set(json.loads(out)) == {d.ip for d in advertisers}


@pytest.mark.lab
@needs_lab
def test_a_scale_lab_is_gone_after_an_exception_inside_it():
    with pytest.raises(RuntimeError, match="boom"):
        with ScaleLab(3, services={"http"}) as small:
            namespaces, lab_id = list(small.namespaces), small.lab_id
            pids = list(small.state.pids)
            assert len(pids) == 1 and all(_netns.pid_alive(p) for p in pids)
            assert set(namespaces) <= set(_netns.namespaces())
            raise RuntimeError("boom")
    assert not set(namespaces) & set(_netns.namespaces())
    assert not [p for p in pids if _netns.pid_alive(p)]
    assert not state_path(lab_id).exists()
