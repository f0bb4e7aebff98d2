"""Hikvision SADP responder for the lab (UDP 37020, multicast group 239.255.255.250).

A SADP client (Hikvision's SADPTool, iVMS, third-party scanners) multicasts an XML inquiry::

    <?xml version="1.0" encoding="utf-8"?><Probe><Uuid>…</Uuid><Types>inquiry</Types></Probe>

and every Hikvision-platform device on the link answers with a ``<ProbeMatch>`` document: the
Uuid echoed, ``<Types>inquiry</Types>``, then its identity (DeviceType, DeviceDescription,
DeviceSN, MAC with dashes, addresses, ports, versions, activation state, OEM fields). The
fields and their order come from the profile (``config["fields"]``), copied from real replies
with their source named there; one real reply, from a DS-2CD2385G1-I, is pasted in a comment
of github.com/Haicam/Haicam (Go discovery code, "hikvisionProbe").

Only the read-only ``inquiry`` is answered; the SADP write commands (activate, modify network
parameters, reset password) are ignored, as a lab device never takes writes. The request is
parsed with defusedxml (no DTDs, no entities), so a billion-laughs probe is just dropped.

Config (``profile["services"]["sadp"]``):
    fields:  ordered mapping of ProbeMatch element name -> value (str/int/bool); strings may
             use {ip} {mac_dash} {MAC_HEX} ...; MAC and IPv4Address are added from the device
             if the profile leaves them out
    port:    UDP port (default 37020)
    group:   multicast group (default 239.255.255.250)
    source:  where the field values come from (documentation only)
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

import defusedxml.ElementTree as DET

from scanner.lab.services._udp import UdpResponder, fill
from scanner.lab.services.base import DeviceContext

PORT = 37020
GROUP = "239.255.255.250"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def probe_uuid(data: bytes) -> str | None:
    """The Uuid of a SADP inquiry, or None if ``data`` is not one."""
    root = DET.fromstring(data.strip(b"\x00 \r\n\t"))
    if root.tag != "Probe":
        return None
    types = (root.findtext("Types") or "").strip().lower()
    if types != "inquiry":
        return None
    return (root.findtext("Uuid") or "").strip()


def probe_match(device: DeviceContext, config: dict[str, Any], uuid: str) -> bytes:
    fields: dict[str, Any] = dict(fill(config.get("fields") or {}, device))
    fields.setdefault("MAC", device.mac.lower().replace(":", "-"))
    fields.setdefault("IPv4Address", device.ip)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<ProbeMatch>",
        f"<Uuid>{escape(uuid)}</Uuid>",
        "<Types>inquiry</Types>",
    ]
    for name, value in fields.items():
        if name in ("Uuid", "Types"):
            continue
        parts.append(f"<{name}>{escape(_text(value))}</{name}>")
    parts.append("</ProbeMatch>")
    return "\n".join(parts).encode("utf-8")


class SadpService:
    def __init__(self, device: DeviceContext, config: dict[str, Any]) -> None:
        self.device = device
        self.config = config
        self._responder = UdpResponder("sadp", device, int(config.get("port", PORT)),
                                       config.get("group", GROUP), self._reply)

    def _reply(self, data: bytes, sender: tuple[str, int]) -> bytes | None:
        if b"<" not in data[:64]:
            return None
        uuid = probe_uuid(data)
        if uuid is None:
            return None
        return probe_match(self.device, self.config, uuid)

    def close(self) -> None:
        self._responder.close()


def start(device: DeviceContext, config: dict[str, Any]) -> SadpService:
    return SadpService(device, config)
