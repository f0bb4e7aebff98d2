"""Shared plumbing for the lab's UDP discovery responders (wsd, sadp, dhip, ssdp, mdns, dvrip).

Each responder listens on the discovery port at the device's own address and on the protocol's
multicast group (joined on the device's address), with one thread that reads datagrams, hands
each to a pure ``reply(data, sender)`` function and sends what it returns back to the sender,
unicast and from the device's address, as real devices do. A datagram larger than the cap is
dropped unread; any exception the reply function raises is logged and the loop goes on, so no
packet can kill the responder.

Also here: ``fill``, the tiny template step that puts the device's own address and MAC into
profile strings (``{ip}``, ``{mac}``, ``{MAC}``, ``{mac_dash}``, ``{mac_hex}``, ``{MAC_HEX}`` =
``{mac_hex_upper}``, and the profile's ``{serial}``, ``{model}``, ``{firmware}``), so one profile
file serves whatever address the lab hands the device and names its serial once.
"""

from __future__ import annotations

import logging
import selectors
import socket
import struct
import threading
from collections.abc import Callable
from typing import Any

from scanner.lab.services.base import DeviceContext

log = logging.getLogger(__name__)

# Linux's IP_MULTICAST_ALL (not exported by Python's socket module): 0 = a socket hears a group
# only on the interfaces it joined it on. The default (1) hands every socket bound to the port a
# copy of the group's traffic from every interface, one per device in a many-device namespace.
IP_MULTICAST_ALL = getattr(socket, "IP_MULTICAST_ALL", 49)

MAX_DATAGRAM = 16 * 1024  # no discovery request a real client sends comes near this
POLL_SECONDS = 0.3

Reply = Callable[[bytes, tuple[str, int]], "bytes | list[bytes] | None"]


def tokens(device: DeviceContext) -> dict[str, str]:
    mac = device.mac.lower()
    return {
        "{ip}": device.ip,
        "{mac}": mac,
        "{MAC}": mac.upper(),
        "{mac_dash}": mac.replace(":", "-"),
        "{mac_hex}": mac.replace(":", ""),
        "{MAC_HEX}": mac.replace(":", "").upper(),
        "{mac_hex_upper}": mac.replace(":", "").upper(),
        "{name}": device.name,
        "{serial}": str(device.profile.get("serial", "")),
        "{model}": str(device.profile.get("model", "")),
        "{firmware}": str(device.profile.get("firmware", "")),
    }


def fill(value: Any, device: DeviceContext) -> Any:
    """Replace the device tokens in every string inside ``value`` (dicts and lists walked)."""
    if isinstance(value, str):
        for token, real in tokens(device).items():
            value = value.replace(token, real)
        return value
    if isinstance(value, dict):
        return {k: fill(v, device) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, device) for v in value]
    return value


def _udp_socket(device: DeviceContext) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(device.ip))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    sock.setblocking(False)
    return sock


class UdpResponder:
    """Answer one UDP port for one device; ``close()`` stops it.

    Two sockets, because one namespace may hold several lab devices (several addresses): one
    bound to the device's own address (unicast requests, and every answer goes out from it, so
    the source address is the device's), one bound to the multicast group and joined on the
    device's address (each device in the namespace gets its own copy of a multicast request).
    A thread waits on both, hands each datagram to ``reply(data, sender)`` and sends what it
    returns back to the sender.
    """

    def __init__(
        self, name: str, device: DeviceContext, port: int, group: str | None, reply: Reply, *, broadcast: str | None = None
    ) -> None:
        self.name = name
        self._reply = reply
        self._stop = threading.Event()
        # ``broadcast``: the subnet's broadcast address, for protocols whose devices hear requests
        # there and answer there, not to the sender (Xiongmai's DVRIP search)
        self._answer_to = (broadcast, port) if broadcast else None
        self.unicast = _udp_socket(device)
        if broadcast:
            self.unicast.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        self.unicast.bind((device.ip, port))
        self._socks = [self.unicast]
        if broadcast and broadcast != device.ip:
            listener = _udp_socket(device)
            listener.bind((broadcast, port))
            self._socks.append(listener)
        if group:
            member = _udp_socket(device)
            member.setsockopt(socket.IPPROTO_IP, IP_MULTICAST_ALL, 0)
            member.bind((group, port))
            mreq = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(device.ip))
            member.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
            self._socks.append(member)
        self._selector = selectors.DefaultSelector()
        for sock in self._socks:
            self._selector.register(sock, selectors.EVENT_READ)
        self._thread = threading.Thread(target=self._run, name=f"lab-{name}", daemon=True)
        self._thread.start()

    def send(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            self.unicast.sendto(data, addr)
        except OSError as exc:
            log.debug("%s: send to %s failed: %s", self.name, addr, exc)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ready = self._selector.select(POLL_SECONDS)
            except (OSError, ValueError):
                return
            for key, _ in ready:
                try:
                    data, sender = key.fileobj.recvfrom(MAX_DATAGRAM + 1)  # type: ignore[union-attr]
                except OSError:
                    continue
                self._answer(data, sender)

    def _answer(self, data: bytes, sender: tuple[str, int]) -> None:
        if not data or len(data) > MAX_DATAGRAM:
            return
        try:
            answer = self._reply(data, sender)
        except Exception:  # a bad packet must never end the responder
            log.debug("%s: request from %s not answered", self.name, sender, exc_info=True)
            return
        if answer is None:
            return
        for datagram in answer if isinstance(answer, list) else [answer]:
            self.send(datagram, self._answer_to or sender)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._selector.close()
        for sock in self._socks:
            try:
                sock.close()
            except OSError:
                pass
