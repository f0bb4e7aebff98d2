"""Xiongmai DVRIP / NetSurveillance ("Sofia") device search: message 1530 to UDP 34569 by
subnet broadcast; Xiongmai-platform cameras and recorders answer with message 1531, a
``NetWork.NetCommon`` JSON object.

Frame (little-endian), 20 bytes then the body: byte 0 ``0xFF``, byte 1 version, 2-3 reserved,
4-7 session id, 8-11 sequence number, 12-13 packet counters, 14-15 message id, 16-19 body
length; the body is JSON, usually followed by ``\\n\\0`` inside the declared length. The search
request has an empty body. Sources for the layout and the ids: onexay/sofia-go
sofia/message.go (IPSEARCH_REQ 1530, IPSEARCH_RSP 1531, 20-byte header, 2-byte trailer), the
search loop of NeiroNx/python-dvr DeviceManager.py (header fields, request to
255.255.255.255:34569 from a socket bound to 34569).

Devices answer by broadcast to port 34569 even when asked directly (sol-vin/
xiongmai-investigational-journey src/commands/network.cr; the Besder 6024PB-XMA501 capture in
KostasEreksonas/Besder-6024PB-XMA501-ip-camera-security-investigation README.md shows the
camera broadcasting from 34569), so the probe listens on 34569 on the wildcard address and
keeps only in-scope senders. Real replies: onexay/sofia-go sofia/discovery.go (a factory-reset
IPC_6a6b), sol-vin's network.cr (a Besder camera), the Besder README.

Every entry of the reply's ``NetWork.NetCommon`` object becomes
``dvrip.net_common.<snake_case>``: ``host_name``, ``mac``, ``sn``, ``version``, ``build_date``,
``device_type``, ``channel_num``, ``tcp_port``, ``udp_port``, ``http_port``, ``ssl_port``,
``mon_mode``, ``other_function``, ...; ``HostIP``, ``GateWay`` and ``Submask`` (sent as
``0x`` + 8 hex digits, bytes in little-endian order) are written as dotted quads. A top-level
``SearchType`` (the Besder camera's own search message) is ``dvrip.search_type``. All with port
34569. The body is also accepted without the 20-byte frame, as the Besder README shows it.
"""

from __future__ import annotations

import json
import re
import struct

from ..models import Observation, ProbeOutput
from ._discovery import multicast_discover
from ._parsing import MalformedReply, clip, snake
from .base import DiscoveryProbe, ProbeContext

PORT = 34569
SEARCH_REQUEST = 1530
SEARCH_REPLY = 1531
IP_SET = (1532, 1533)  # a client setting a device's address (its body carries a password hash): not read
HEADER = struct.Struct("<BBHIIHHI")  # 0xFF, version, reserved, session, sequence, counters, message id, length
HEAD_FLAG = 0xFF
MAX_JSON = 16 * 1024  # real replies are under 1 KiB
MAX_FIELDS = 64
SECTION = "NetWork.NetCommon"
_HEX_ADDR = re.compile(r"^0x[0-9a-fA-F]{8}$")
ADDRESS_KEYS = {"HostIP", "GateWay", "Gateway", "Submask"}


def search_packet() -> bytes:
    return HEADER.pack(HEAD_FLAG, 0, 0, 0, 0, 0, SEARCH_REQUEST, 0)


def hex_address(value: str) -> str | None:
    """'0x6700A8C0' (little-endian bytes) -> '192.168.0.103'; None when not that form."""
    if not _HEX_ADDR.match(value):
        return None
    return ".".join(str(b) for b in struct.pack("<I", int(value[2:], 16)))


def _scalar(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return clip(value)


def _body(data: bytes) -> bytes | None:
    """The JSON body of one datagram, or None for a request (ours or another client's)."""
    if data[:1] == bytes([HEAD_FLAG]):
        if len(data) < HEADER.size:
            raise MalformedReply(f"DVRIP datagram of {len(data)} bytes is shorter than the 20-byte header")
        *_, message, declared = HEADER.unpack_from(data)
        if message == SEARCH_REQUEST or message in IP_SET:
            return None
        if message != SEARCH_REPLY:
            raise MalformedReply(f"DVRIP message {message} is not a search reply (1531)")
        body = data[HEADER.size :]
        if declared > MAX_JSON:
            raise MalformedReply(f"DVRIP body of {declared} bytes exceeds the cap")
        if declared > len(body):
            raise MalformedReply(f"DVRIP header declares {declared} bytes of body, datagram carries {len(body)}")
        return body[:declared]
    if data.lstrip()[:1] == b"{":
        if len(data) > MAX_JSON:
            raise MalformedReply(f"DVRIP body of {len(data)} bytes exceeds the cap")
        return data
    raise MalformedReply("neither a DVRIP frame (0xFF) nor a JSON body")


def parse(data: bytes, ip: str) -> list[Observation]:
    """Observations from one DVRIP search datagram sent by ``ip``. A search request gives none;
    a bad frame, length, JSON or shape raises MalformedReply."""
    body = _body(data)
    if body is None:
        return []
    text = body.replace(b"\0", b"").strip()
    if not text:
        raise MalformedReply("DVRIP search reply with an empty body")
    try:
        msg = json.loads(text.decode("utf-8"))
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer over int()'s digit limit
        raise MalformedReply(f"DVRIP body is not JSON: {exc}") from None
    except RecursionError:
        raise MalformedReply("DVRIP JSON nested too deeply") from None
    if not isinstance(msg, dict):
        raise MalformedReply(f"DVRIP JSON is a {type(msg).__name__}, not an object")
    common = msg.get(SECTION)
    if not isinstance(common, dict):
        raise MalformedReply(f"DVRIP reply without a {SECTION} object")
    pairs: list[tuple[str, str]] = []
    for key, value in list(common.items())[:MAX_FIELDS]:
        name = snake(str(key))
        text_value = _scalar(value)
        if not name or not text_value:
            continue
        if key in ADDRESS_KEYS:
            text_value = hex_address(text_value) or text_value
        pairs.append((f"dvrip.net_common.{name}", text_value))
    search_type = _scalar(msg.get("SearchType"))
    if search_type:
        pairs.append(("dvrip.search_type", search_type))
    if not pairs:
        raise MalformedReply(f"DVRIP {SECTION} object with no fields")
    return [Observation(ip, "dvrip", f, v, PORT) for f, v in pairs]


class DvripSearchProbe(DiscoveryProbe):
    name = "dvrip"
    description = "Xiongmai DVRIP/NetSurveillance device search (UDP 34569, message 1530, broadcast)"

    def discover(self, ctx: ProbeContext) -> ProbeOutput:
        def sends(addr):
            return [(search_packet(), (addr.broadcast, PORT))]

        return multicast_discover(
            self, ctx, sends, parse, mac_fields=("dvrip.net_common.mac",), listen_port=PORT,
            broadcast=True, bind_any=True, retries=1,
        )
