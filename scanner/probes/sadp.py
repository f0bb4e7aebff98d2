"""Hikvision SADP (Search Active Devices Protocol): the XML ``inquiry`` Probe to UDP 37020,
sent to the multicast group 239.255.255.250 and to the subnet broadcast address.

The probe text and the reply layout are those seen on the wire between Hikvision's SADPTool and
a DS-2CD2432F-IW (capture published at http://sergei.nz/reverse-engineering-hikvision-sadp-tool/).
Devices answer the sender and some also multicast the answer to 239.255.255.250:37020, so the
probe listens on 37020 in the group as well as on its own port.

Every child of ``<ProbeMatch>`` becomes ``sadp.<snake_case>``: ``sadp.device_type``,
``sadp.device_description`` (model), ``sadp.device_sn``, ``sadp.mac``, ``sadp.software_version``,
``sadp.dsp_version``, ``sadp.oem_info``, ``sadp.ipv4_address``, ``sadp.http_port``,
``sadp.command_port``, ``sadp.activated``, ... (all with port 37020). ``Uuid`` (an echo of ours)
and ``Salt`` (a password-reset secret) are not recorded.
"""

from __future__ import annotations

import uuid

from ..models import Observation, ProbeOutput
from ._discovery import multicast_discover
from ._parsing import MalformedReply, clip, local, parse_xml, snake
from .base import DiscoveryProbe, ProbeContext

PORT = 37020
GROUP = "239.255.255.250"
MAX_FIELDS = 128
SKIP = {"uuid", "salt"}


def inquiry(probe_uuid: str | None = None) -> bytes:
    pid = (probe_uuid or str(uuid.uuid4())).upper()
    return f'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>{pid}</Uuid><Types>inquiry</Types></Probe>'.encode()


def parse(data: bytes, ip: str) -> list[Observation]:
    """Observations from one SADP datagram sent by ``ip``. A ``<Probe>`` (ours or another
    client's) is not a reply and gives none; anything else that is not a ProbeMatch raises."""
    root = parse_xml(data)
    name = local(root.tag)
    if name == "Probe":
        return []
    if name != "ProbeMatch":
        raise MalformedReply(f"not a SADP ProbeMatch (root element {name!r})")
    out: list[Observation] = []
    for child in list(root)[:MAX_FIELDS]:
        key = snake(local(child.tag))
        if not key or key in SKIP or len(child):
            continue
        value = clip(child.text or "")
        if value:
            out.append(Observation(ip, "sadp", f"sadp.{key}", value, PORT))
    if not out:
        raise MalformedReply("SADP ProbeMatch with no fields")
    return out


class SadpProbe(DiscoveryProbe):
    name = "sadp"
    description = "Hikvision SADP inquiry (UDP 37020, multicast and broadcast)"

    def discover(self, ctx: ProbeContext) -> ProbeOutput:
        def sends(addr):
            payload = inquiry()
            return [(payload, (GROUP, PORT)), (payload, (addr.broadcast, PORT))]

        return multicast_discover(
            self, ctx, sends, parse, mac_fields=("sadp.mac",), listen_port=PORT, join_group=GROUP,
            broadcast=True, retries=1,
        )
