"""Dahua discovery (DHIP): ``DHDiscover.search`` JSON behind the 32-byte DHIP header, to UDP
37810 on the multicast group 239.255.255.251 and the subnet broadcast address.

Header layout (little-endian): bytes 0-3 ``20 00 00 00`` (header length 32), 4-7 ``DHIP``,
8-15 session and request ids (zero in a search), 16-19 JSON length, 20-23 zero, 24-27 JSON
length again, 28-31 zero. Sources: the layout used by julienblitte/UniversalScanner
(UniversalScanner/Dahua2.cs) and the field probe of an Intelbras SS 3530 MF FACE W recorded in
a public implementation plan (its reply's declared length covered a trailing "\\n\\0"). The
reply JSON is ``client.notifyDevInfo`` as shown in Phenomite/AMP-Research
"DVR IP Camera port 37810/README.md" (a real IPC-HDW5421S answer).

Each ``params.deviceInfo`` entry becomes ``dhip.<snake_case>``: ``dhip.vendor``,
``dhip.manufacturer``, ``dhip.device_type``, ``dhip.device_class``, ``dhip.serial_no``,
``dhip.machine_name``, ``dhip.version``, ``dhip.http_port``, ``dhip.port``, ...; nested objects
are flattened with dots (``dhip.ipv4_address.ip_address``); the top-level ``mac`` is
``dhip.mac``. All with port 37810.

The older UDP 5050 form is not sent: its layout is documented (UniversalScanner Dahua1.cs) but
no capture of a real device's reply could be found to test a parser against.
"""

from __future__ import annotations

import json
import struct

from ..models import Observation, ProbeOutput
from ._discovery import multicast_discover
from ._parsing import MalformedReply, clip, snake
from .base import DiscoveryProbe, ProbeContext

PORT = 37810
GROUP = "239.255.255.251"
MAGIC = b"DHIP"
HEADER = 32
MAX_JSON = 64 * 1024
MAX_FIELDS = 128


def search_packet() -> bytes:
    body = json.dumps({"method": "DHDiscover.search", "params": {"mac": "", "uni": 1}}, separators=(",", ":")).encode()
    header = struct.pack("<I4s8sIIII", HEADER, MAGIC, b"\0" * 8, len(body), 0, len(body), 0)
    return header + body


def _scalar(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return clip(value)


def _flatten(prefix: str, obj: dict, out: list[tuple[str, str]], depth: int = 0) -> None:
    for key, value in obj.items():
        if len(out) >= MAX_FIELDS:
            return
        name = f"{prefix}.{snake(str(key))}"
        if isinstance(value, dict) and depth < 2:
            _flatten(name, value, out, depth + 1)
        elif isinstance(value, list):
            items = [s for s in (_scalar(v) for v in value[:16]) if s]
            if items:
                out.append((name, clip(",".join(items))))
        else:
            text = _scalar(value)
            if text:
                out.append((name, text))


def parse(data: bytes, ip: str) -> list[Observation]:
    """Observations from one DHIP datagram sent by ``ip``. Our own search (or another
    client's) gives none; a bad header, length, JSON or shape raises MalformedReply."""
    if len(data) < HEADER:
        raise MalformedReply(f"DHIP datagram of {len(data)} bytes is shorter than the 32-byte header")
    if data[4:8] != MAGIC:
        raise MalformedReply("no DHIP magic at bytes 4-7")
    declared = struct.unpack_from("<I", data, 16)[0]
    body = data[HEADER:]
    if declared > len(body):
        raise MalformedReply(f"DHIP header declares {declared} bytes of JSON, datagram carries {len(body)}")
    if declared > MAX_JSON:
        raise MalformedReply(f"DHIP JSON of {declared} bytes exceeds the cap")
    text = body[:declared].rstrip(b"\0\r\n\t ")
    try:
        msg = json.loads(text.decode("utf-8"))
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer over int()'s digit limit
        raise MalformedReply(f"DHIP body is not JSON: {exc}") from None
    except RecursionError:
        raise MalformedReply("DHIP JSON nested too deeply") from None
    if not isinstance(msg, dict):
        raise MalformedReply(f"DHIP JSON is a {type(msg).__name__}, not an object")
    if msg.get("method") == "DHDiscover.search":
        return []
    params = msg.get("params")
    info = params.get("deviceInfo") if isinstance(params, dict) else None
    if not isinstance(info, dict):
        raise MalformedReply("DHIP reply without a params.deviceInfo object")
    pairs: list[tuple[str, str]] = []
    mac = _scalar(msg.get("mac"))
    if mac:
        pairs.append(("dhip.mac", mac))
    _flatten("dhip", info, pairs)
    return [Observation(ip, "dhip", f, v, PORT) for f, v in pairs]


class DhipProbe(DiscoveryProbe):
    name = "dhip"
    description = "Dahua DHIP discovery (UDP 37810, DHDiscover.search, multicast and broadcast)"

    def discover(self, ctx: ProbeContext) -> ProbeOutput:
        def sends(addr):
            packet = search_packet()
            return [(packet, (GROUP, PORT)), (packet, (addr.broadcast, PORT))]

        return multicast_discover(self, ctx, sends, parse, mac_fields=("dhip.mac",), broadcast=True, retries=1)
