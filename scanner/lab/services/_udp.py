"""Shared plumbing for the lab's UDP discovery responders (wsd, sadp, dhip, ssdp).

Each responder is one UDP socket bound to the discovery port on the device's namespace,
joined to the protocol's multicast group on the device's own address, and one thread that
reads datagrams, hands each to a pure ``reply(data, sender)`` function and sends what it
returns back to the sender (unicast, as real devices do). A datagram larger than the cap is
dropped unread; any exception the reply function raises is logged and the loop goes on, so no
packet can kill the responder.

Also here: ``fill``, the tiny template step that puts the device's own address and MAC into
profile strings (``{ip}``, ``{mac}``, ``{MAC}``, ``{mac_dash}``, ``{mac_hex}``, ``{MAC_HEX}`` =
``{mac_hex_upper}``, and the profile's ``{serial}``, ``{model}``, ``{firmware}``), so one profile
file serves whatever address the lab hands the device and names its serial once.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
from collections.abc import Callable
from typing import Any

from scanner.lab.services.base import DeviceContext

log = logging.getLogger(__name__)

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


def multicast_socket(device: DeviceContext, port: int, group: str | None) -> socket.socket:
    """A UDP socket on ``port`` that receives unicast to the device and ``group`` traffic."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # INADDR_ANY: inside the device's namespace the device address is the only one, and a
    # socket bound to the unicast address would not see multicast datagrams.
    sock.bind(("", port))
    if group:
        mreq = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(device.ip))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(device.ip))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    sock.settimeout(POLL_SECONDS)
    return sock


class UdpResponder:
    """One socket, one thread: read, ask ``reply``, answer the sender; ``close()`` stops it."""

    def __init__(self, name: str, sock: socket.socket, reply: Reply) -> None:
        self.name = name
        self.sock = sock
        self._reply = reply
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lab-{name}", daemon=True)
        self._thread.start()

    def send(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            self.sock.sendto(data, addr)
        except OSError as exc:
            log.debug("%s: send to %s failed: %s", self.name, addr, exc)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, sender = self.sock.recvfrom(MAX_DATAGRAM + 1)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            if not data or len(data) > MAX_DATAGRAM:
                continue
            try:
                answer = self._reply(data, sender)
            except Exception:  # a bad packet must never end the responder
                log.debug("%s: request from %s not answered", self.name, sender, exc_info=True)
                continue
            if answer is None:
                continue
            for datagram in answer if isinstance(answer, list) else [answer]:
                self.send(datagram, sender)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        try:
            self.sock.close()
        except OSError:
            pass
