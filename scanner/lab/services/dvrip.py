"""Xiongmai DVRIP ("Sofia") device-search responder for the lab (UDP 34569).

A client broadcasts a 20-byte frame with message id 1530 and no body::

    ff 00 00 00  <session u32 LE>  <sequence u32 LE>  00 00  fa 05  00 00 00 00

and Xiongmai-platform devices answer with message 1531 whose body is
``{"NetWork.NetCommon": {...}, "Ret": 100, "SessionID": "0x00000000"}`` followed by ``\\n\\0``,
the length field counting the body with its terminator. The answer goes to the broadcast
address, port 34569, even when the request came by unicast, as real devices do. Sources:
onexay/sofia-go sofia/message.go (ids 1530/1531, 20-byte header, 2-byte trailer) and
sofia/discovery.go (a real broadcast reply), sol-vin/xiongmai-investigational-journey
src/commands/network.cr ("if this command is sent directly to the camera ... it will still
respond to broadcast", and a real reply), NeiroNx/python-dvr DeviceManager.py (client side).

The NetWork.NetCommon object comes from the profile, in the order real devices send it, with
the device's own MAC (``{mac}``) and, where the profile leaves them null, its own ``HostIP``,
``Submask`` and ``GateWay`` (``0x`` + 8 hex digits, bytes little-endian; the gateway is the
subnet's first address, the lab having none).

Config (``profile["services"]["dvrip"]``):
    net_common: ordered mapping sent as NetWork.NetCommon (strings may use {ip} {mac} ...)
    port:       UDP port (default 34569)
    source:     where the values come from (documentation only)
"""

from __future__ import annotations

import ipaddress
import json
import socket
import struct
import subprocess
from typing import Any

from scanner.lab.services._udp import UdpResponder, fill
from scanner.lab.services.base import DeviceContext

PORT = 34569
SEARCH_REQUEST = 1530
SEARCH_REPLY = 1531
HEADER = struct.Struct("<BBHIIHHI")  # 0xFF, version, reserved, session, sequence, counters, message id, length


def frame(message: int, body: bytes = b"", version: int = 1) -> bytes:
    return HEADER.pack(0xFF, version, 0, 0, 0, 0, message, len(body)) + body


def is_search(data: bytes) -> bool:
    """True for a well-formed DVRIP search request (message 1530)."""
    if len(data) < HEADER.size or data[0] != 0xFF:
        return False
    *_, message, _length = HEADER.unpack_from(data)
    return message == SEARCH_REQUEST


def hex_address(address: str) -> str:
    """'192.168.0.103' -> '0x6700A8C0' (the address's bytes read as a little-endian number)."""
    return "0x%08X" % struct.unpack("<I", socket.inet_aton(address))[0]


def interface_network(device: DeviceContext) -> ipaddress.IPv4Interface:
    """The device address with its prefix, as configured on its interface (a /24 if unknown)."""
    try:
        out = subprocess.run(["ip", "-j", "-4", "addr", "show", "dev", device.iface],
                             capture_output=True, text=True, timeout=5, check=True).stdout
        for link in json.loads(out):
            for info in link.get("addr_info", []):
                if info.get("local") == device.ip:
                    return ipaddress.IPv4Interface(f"{device.ip}/{info['prefixlen']}")
    except (OSError, ValueError, KeyError, subprocess.SubprocessError):
        pass
    return ipaddress.IPv4Interface(f"{device.ip}/24")


def net_common(device: DeviceContext, config: dict[str, Any], network: ipaddress.IPv4Interface) -> dict[str, Any]:
    values: dict[str, Any] = dict(fill(config.get("net_common") or {}, device))
    first = network.network.network_address + 1 if network.network.prefixlen < 31 else network.ip
    filled = {"GateWay": hex_address(str(first)), "HostIP": hex_address(device.ip),
              "Submask": hex_address(str(network.netmask))}
    for key, value in filled.items():
        if key in values and values[key] is None:  # null in the profile: this device's own value
            values[key] = value
    return values


def reply(device: DeviceContext, config: dict[str, Any], network: ipaddress.IPv4Interface) -> bytes:
    answer = {"NetWork.NetCommon": net_common(device, config, network), "Ret": 100, "SessionID": "0x00000000"}
    body = json.dumps(answer, indent="\t", separators=(",", " : ")).encode("utf-8") + b"\n\x00"
    return frame(SEARCH_REPLY, body)


class DvripService:
    """The shared UDP responder (``_udp.UdpResponder``) in its broadcast form: one socket on the
    device's address (unicast requests, and every answer leaves from it) and one on the subnet's
    broadcast address (each device in a namespace gets its own copy of a broadcast request);
    answers go to the broadcast address, port 34569."""

    def __init__(self, device: DeviceContext, config: dict[str, Any]) -> None:
        self.device = device
        self.config = config
        self.port = int(config.get("port", PORT))
        self.network = interface_network(device)
        self.broadcast = str(self.network.network.broadcast_address)
        self._responder = UdpResponder("dvrip", device, self.port, None, self._reply, broadcast=self.broadcast)

    def _reply(self, data: bytes, sender: tuple[str, int]) -> bytes | None:
        if not is_search(data):
            return None  # our own broadcast answers come back here too
        return reply(self.device, self.config, self.network)

    def close(self) -> None:
        self._responder.close()


def start(device: DeviceContext, config: dict[str, Any]) -> DvripService:
    return DvripService(device, config)
