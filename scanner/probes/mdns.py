"""mDNS / DNS-SD: one query for the service types cameras, recorders and the hosts around them
advertise, sent to 224.0.0.251:5353 from the scan interface's address, answered as "legacy
unicast" (RFC 6762 section 6.7) to our ephemeral port. The same query asks for DNS-SD's service
enumeration name (``_services._dns-sd._udp.local.``, RFC 6763 section 9); a type a device lists
there that the first query did not ask for (D-Link cameras' ``_dhnap._tcp``) is asked for in a
second query, so a device's own names and TXT keys are read whatever type it files them under
(at most ``MAX_EXTRA_TYPES`` types, well-formed names only). Packets are built and parsed with
python-zeroconf's wire classes (DNSOutgoing / DNSIncoming), so no browser thread or cache runs
and every limit (deadline, per-source cap, scope) is the shared discovery loop's.

Observation fields (port 5353): ``mdns.service`` (service type, e.g. ``_axis-video._tcp``),
``mdns.name`` (instance name), ``mdns.txt`` (one ``key=value`` per TXT string),
``mdns.hostname`` (SRV target).
"""

from __future__ import annotations

import re

from zeroconf import DNSIncoming, DNSOutgoing, DNSPointer, DNSQuestion, DNSService, DNSText, const

from ..models import AttemptStatus, Observation, ProbeOutput
from ._discovery import dedupe, hosts_from, multicast_discover
from ._parsing import MalformedReply, clip
from .base import DiscoveryProbe, ProbeContext

PORT = 5353
GROUP = "224.0.0.251"
MAX_TXT = 32
MAX_OBSERVATIONS = 256  # from one response
SERVICES_META = "_services._dns-sd._udp.local."
MAX_EXTRA_TYPES = 16  # types learned by enumeration and asked for in the second query
_TYPE_NAME = re.compile(r"^_[A-Za-z0-9][A-Za-z0-9-]{0,62}\._(?:tcp|udp)\.local\.$")

# Service types asked for, each with where it is documented or seen.
SERVICE_TYPES: dict[str, str] = {
    "_axis-video._tcp.local.": "IANA service name registry (registered by Axis Communications)",
    "_http._tcp.local.": "RFC 6763 section 7 / IANA; web interfaces of cameras, NVRs, printers",
    "_https._tcp.local.": "IANA service name registry",
    "_rtsp._tcp.local.": "IANA service name registry (Real Time Streaming Protocol)",
    "_onvif._tcp.local.": "seen advertised by ONVIF gateways; not IANA-registered",
    "_ipp._tcp.local.": "IANA / Apple Bonjour Printing Specification",
    "_ipps._tcp.local.": "IANA / Apple Bonjour Printing Specification",
    "_printer._tcp.local.": "IANA (LPD) / Apple Bonjour Printing Specification",
    "_pdl-datastream._tcp.local.": "IANA / Apple Bonjour Printing Specification",
    "_hap._tcp.local.": "IANA (Apple HomeKit Accessory Protocol); HomeKit cameras",
    "_miio._udp.local.": "Xiaomi miIO devices, its cameras among them (python-miio miio/discovery.py @0e4510d browses it)",
    "_workstation._tcp.local.": "Avahi default service (Linux hosts)",
    "_device-info._tcp.local.": "Apple device-info TXT records (model=)",
    "_ssh._tcp.local.": "IANA; Linux servers",
    "_smb._tcp.local.": "IANA; file servers and NAS",
}


def query_packet(types: list[str] | None = None) -> bytes:
    out = DNSOutgoing(const._FLAGS_QR_QUERY, True)
    for name in types or [*SERVICE_TYPES, SERVICES_META]:
        out.add_question(DNSQuestion(name, const._TYPE_PTR, const._CLASS_IN))
    return out.packets()[0]


def _short(name: str) -> str:
    return name[:-len(".local.")] if name.endswith(".local.") else name.rstrip(".")


def _txt_pairs(text: bytes) -> list[str]:
    pairs, i = [], 0
    while i < len(text) and len(pairs) < MAX_TXT:
        n = text[i]
        item = text[i + 1 : i + 1 + n]
        i += 1 + n
        if item:
            pairs.append(clip(item.decode("utf-8", "replace")))
    return pairs


def parse(data: bytes, ip: str) -> list[Observation]:
    """Observations from one mDNS response sent by ``ip``. Queries (ours or another host's)
    give none; bytes that are not a DNS message raise MalformedReply."""
    if len(data) < 12:
        raise MalformedReply(f"DNS message of {len(data)} bytes is shorter than its header")
    try:
        msg = DNSIncoming(data)
    except Exception as exc:  # zeroconf's parser raising on hostile bytes
        raise MalformedReply(f"not a DNS message: {type(exc).__name__}") from None
    if not msg.valid:
        raise MalformedReply("not a valid DNS message")
    if msg.is_query():
        return []
    out: list[Observation] = []
    for rec in msg.answers():
        if isinstance(rec, DNSPointer) and rec.name.lower() == SERVICES_META:
            # service enumeration: the answer names a type the device advertises
            out.append(Observation(ip, "mdns", "mdns.service", clip(_short(rec.alias)), PORT))
        elif isinstance(rec, DNSPointer) and not rec.name.startswith("_services."):
            out.append(Observation(ip, "mdns", "mdns.service", clip(_short(rec.name)), PORT))
            instance = rec.alias[: -len(rec.name) - 1] if rec.alias.endswith("." + rec.name) else rec.alias
            out.append(Observation(ip, "mdns", "mdns.name", clip(instance), PORT))
        elif isinstance(rec, DNSService):
            out.append(Observation(ip, "mdns", "mdns.hostname", clip(_short(rec.server)), PORT))
        elif isinstance(rec, DNSText):
            out.extend(Observation(ip, "mdns", "mdns.txt", pair, PORT) for pair in _txt_pairs(rec.text))
    if not out and msg.num_answers + msg.num_additionals and not msg.answers():
        raise MalformedReply("DNS response whose records could not be parsed")
    return out[:MAX_OBSERVATIONS]


class MdnsProbe(DiscoveryProbe):
    name = "mdns"
    description = "mDNS/DNS-SD query for camera, recorder, printer and host service types"

    def discover(self, ctx: ProbeContext) -> ProbeOutput:
        packet = query_packet()
        out = multicast_discover(self, ctx, lambda addr: [(packet, (GROUP, PORT))], parse, retries=1)
        extra = extra_types(out.observations)
        if extra and not ctx.stop.is_set():
            second = query_packet(extra)
            more = multicast_discover(self, ctx, lambda addr: [(second, (GROUP, PORT))], parse, retries=1)
            out.observations = dedupe(out.observations + more.observations)
            out.hosts = hosts_from(out.observations, self.name, ())
            out.attempts += [a for a in more.attempts if a.status is not AttemptStatus.NO_REPLY]
        return out


def extra_types(observations: list[Observation]) -> list[str]:
    """Service types devices listed under DNS-SD enumeration that the first query did not ask for."""
    asked = {t.lower() for t in SERVICE_TYPES}
    out: list[str] = []
    for o in observations:
        name = o.value if o.value.endswith(".local.") else f"{o.value}.local."
        if o.field == "mdns.service" and _TYPE_NAME.match(name) and name.lower() not in asked and name not in out:
            out.append(name)
    return out[:MAX_EXTRA_TYPES]
