"""Dahua DHIP discovery responder for the lab (UDP 37810, multicast group 239.255.255.251).

Dahua's ConfigTool and other clients send a 32-byte DHIP header followed by JSON::

    20 00 00 00  'DHIP'  <session u32 LE>  <request id u32 LE>
    <body length u32 LE>  00 00 00 00  <body length u32 LE>  00 00 00 00
    { "method" : "DHDiscover.search", "params" : { "mac" : "", "uni" : 1 } }\\n

and Dahua-platform devices answer with the same framing around
``{"mac": ..., "method": "client.notifyDevInfo", "params": {"deviceInfo": {...}}}`` followed
by ``\\n\\0``; both length fields count everything after the header. Layout and real replies:
github.com/Haicam/Haicam golang/libs/onvif/haicam_test/discoverytest.go (IPC-HDW1431T1-S4
reply and the header bytes), Rapid7's LOREX_DISCOVER.rb helper (a Lorex W461ASC reply, Vendor
"Lorex"), and a reflector write-up quoting an IPC-HDW5421S reply. A client that names a MAC
in ``params.mac`` gets an answer only from that device.

The deviceInfo object comes from the profile, in the order real devices send it, with the
device's own address and MAC filled in. The JSON parse is capped by the datagram cap; any
malformed frame is dropped.

Config (``profile["services"]["dhip"]``):
    device_info: ordered mapping sent as params.deviceInfo (strings may use {ip} {mac} ...);
                 IPv4Address.IPAddress defaults to the device address
    port:        UDP port (default 37810)
    group:       multicast group (default 239.255.255.251)
    source:      where the values come from (documentation only)
"""

from __future__ import annotations

import json
import struct
from typing import Any

from scanner.lab.services._udp import MAX_DATAGRAM, UdpResponder, fill
from scanner.lab.services.base import DeviceContext

PORT = 37810
GROUP = "239.255.255.251"
MAGIC = b"\x20\x00\x00\x00DHIP"
HEADER = struct.Struct("<8sIIIIII")  # magic, session, request id, length, 0, length, 0


def frame(body: bytes, session: int = 0, request_id: int = 0) -> bytes:
    return HEADER.pack(MAGIC, session, request_id, len(body), 0, len(body), 0) + body


def parse_request(data: bytes) -> dict[str, Any] | None:
    """The JSON body of a DHIP frame, or None when ``data`` is not a well-formed one."""
    if len(data) < HEADER.size or not data.startswith(MAGIC):
        return None
    _, _session, _request, length, _, _length2, _ = HEADER.unpack_from(data)
    body = data[HEADER.size :]
    if length > MAX_DATAGRAM or length > len(body):
        return None
    text = body[:length].rstrip(b"\x00\r\n ").decode("utf-8", errors="strict")
    message = json.loads(text)
    return message if isinstance(message, dict) else None


class DhipService:
    def __init__(self, device: DeviceContext, config: dict[str, Any]) -> None:
        self.device = device
        self.config = config
        self._responder = UdpResponder("dhip", device, int(config.get("port", PORT)),
                                       config.get("group", GROUP), self._reply)

    def device_info(self) -> dict[str, Any]:
        info: dict[str, Any] = dict(fill(self.config.get("device_info") or {}, self.device))
        ipv4 = dict(info.get("IPv4Address") or {})
        ipv4.setdefault("IPAddress", self.device.ip)
        info["IPv4Address"] = ipv4
        return info

    def _reply(self, data: bytes, sender: tuple[str, int]) -> bytes | None:
        request = parse_request(data)
        if request is None or request.get("method") != "DHDiscover.search":
            return None
        params = request.get("params")
        wanted = params.get("mac", "") if isinstance(params, dict) else ""
        mine = self.device.mac.lower()
        if isinstance(wanted, str) and wanted and wanted.lower().replace("-", ":") != mine:
            return None
        answer = {
            "mac": mine,
            "method": "client.notifyDevInfo",
            "params": {"deviceInfo": self.device_info()},
        }
        body = json.dumps(answer, separators=(",", ":")).encode("utf-8") + b"\n\x00"
        return frame(body)

    def close(self) -> None:
        self._responder.close()


def start(device: DeviceContext, config: dict[str, Any]) -> DhipService:
    return DhipService(device, config)
