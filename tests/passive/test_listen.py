"""``listen`` on a live interface inside a test namespace pair, while the other side announces
itself with real announcement bytes (busybox udhcpc DHCPDISCOVERs, a gratuitous ARP, a real
Axis SSDP message): it identifies what it heard and sends nothing, which the listener
interface's transmit counter proves."""

from __future__ import annotations

import threading
import time

import pytest

from tests.netns import NetPair, run_in
from tests.passive import traffic

LISTEN_SECONDS = 6.0


def _listen(interface: str, seconds: float) -> list:
    from scanner.passive import listen

    run = listen(interface, seconds)
    return [(o.ip, o.field, o.value) for o in run.result.observations], run.errors


@pytest.fixture
def pair():
    import os
    import shutil

    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("busybox"):
        pytest.skip("needs root, iproute2 and busybox")
    with NetPair() as p:
        traffic.quiet_ipv6(p.a)
        traffic.quiet_ipv6(p.b)
        time.sleep(0.5)
        yield p


def test_listen_identifies_announcements_and_sends_nothing(pair):
    def announce() -> None:
        time.sleep(1.5)
        traffic.announce_arp(pair.b, pair.b_ip)
        traffic.announce_ssdp(pair.b, pair.b_ip)
        traffic.announce_dhcp(pair.b)

    before = traffic.tx_packets(pair.a)
    talker = threading.Thread(target=announce)
    talker.start()
    seen, errors = run_in(pair.a, _listen, traffic.veth_of(pair.a), LISTEN_SECONDS, timeout=LISTEN_SECONDS + 30)
    talker.join(30)
    after = traffic.tx_packets(pair.a)

    assert not errors
    assert after == before, f"the listener's interface sent {after - before} packet(s)"
    device = pair.b_ip
    assert (device, "arp.mac", traffic.mac_of(pair.b)) in seen
    assert (device, "dhcp.vendor_class", traffic.AXIS_VENDOR_CLASS) in seen
    assert (device, "ssdp.server", "Linux/2.6.35, UPnP/1.0, Portable SDK for UPnP devices/1.6.18") in seen


def test_tx_counter_does_count_what_the_listener_namespace_sends(pair):
    """The proof above can fail: a packet sent from the listener's namespace moves the counter."""
    before = traffic.tx_packets(pair.a)
    traffic.announce_arp(pair.a, pair.a_ip)
    assert traffic.tx_packets(pair.a) > before


VIDEO_PACKETS = 200_000
VIDEO_PER_ANNOUNCEMENT = 1000


def _flood(ip: str) -> int:
    """Video-sized multicast datagrams as fast as one core sends them, one real Axis SSDP
    announcement after every VIDEO_PER_ANNOUNCEMENT of them; returns how many announcements."""
    import socket

    from tests.probes.test_ssdp import AXIS_MSEARCH

    video = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    video.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ip))
    video.bind((ip, 50000))
    ssdp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ssdp.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ip))
    ssdp.bind((ip, 1900))
    payload = bytes([0x80, 96]) + bytes(1398)
    sent = 0
    for i in range(VIDEO_PACKETS):
        while True:
            try:
                video.sendto(payload, ("239.1.1.1", 5004))
                break
            except BlockingIOError:
                continue
        if i % VIDEO_PER_ANNOUNCEMENT == 0:
            ssdp.sendto(AXIS_MSEARCH + b"\r\n", ("239.255.255.250", 1900))
            sent += 1
    return sent


def test_listen_sees_every_announcement_inside_a_video_flood(pair):
    """The kernel filter keeps the video out of Python, so no announcement is lost behind it."""
    from scanner.passive import listen

    sent: list[int] = []

    def flood() -> None:
        time.sleep(1.5)
        sent.append(run_in(pair.b, _flood, pair.b_ip, timeout=60))

    def _listen_counts(interface: str, seconds: float):
        run = listen(interface, seconds)
        return dict(run.result.counts), run.errors

    talker = threading.Thread(target=flood)
    talker.start()
    counts, errors = run_in(pair.a, _listen_counts, traffic.veth_of(pair.a), 12.0, timeout=60)
    talker.join(60)
    assert not errors
    assert sent and sent[0] == VIDEO_PACKETS // VIDEO_PER_ANNOUNCEMENT
    assert counts.get("ssdp") == sent[0], f"{counts.get('ssdp')} of {sent[0]} announcements seen"
    assert counts["packets"] < VIDEO_PACKETS // 10  # the video never reached Python
