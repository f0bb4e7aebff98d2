"""WS-Discovery (ONVIF): multicast Probe to 239.255.255.250:3702, and a unicast Probe to each
live host for cameras across a VLAN boundary where multicast never arrives.

Two probes per round: one typed ``dn:NetworkVideoTransmitter`` (the form ONVIF Device Manager
sends, per the Wireshark dump in ZoneMinder issue #1644) and one with no Types (devices that
answer only an untyped probe, e.g. TP-Link VIGI in andreikop/python-ws-discovery issue #56).

Observation fields (all with port 3702):
- ``wsd.endpoint``  the EndpointReference Address (urn:uuid:...)
- ``wsd.types``     the Types list as sent
- ``wsd.scope``     one observation per Scope URI, as sent
- ``wsd.xaddr``     one per http(s) XAddr (ONVIF device service URL)
- derived from ``onvif://www.onvif.org/<key>/<value>`` scopes, URL-decoded:
  ``wsd.name``, ``wsd.hardware``, ``wsd.mac``, ``wsd.location``, ``wsd.profile``, ``wsd.type``,
  ``wsd.manufacturer``, ``wsd.firmware``, ``wsd.serial`` (the last three are vendor extensions
  some firmwares add; ONVIF Core 7.3.2.2 defines Profile, location, hardware and name)
- ``wsd.fault``     the reason text of a SOAP Fault a device sent instead of a match
"""

from __future__ import annotations

import uuid
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from ..models import AttemptStatus, Host, Observation, ProbeOutput
from ._discovery import multicast_discover, unicast_ask
from ._parsing import MalformedReply, clip, local, parse_xml
from .base import DiscoveryProbe, HostProbe, Probe, ProbeContext

PORT = 3702
GROUP = "239.255.255.250"
MAX_SCOPES = 64
MAX_XADDRS = 8
MAX_MATCHES = 16  # ProbeMatch/Hello elements read from one datagram
DERIVED = {
    "name": "wsd.name",
    "hardware": "wsd.hardware",
    "mac": "wsd.mac",
    "location": "wsd.location",
    "profile": "wsd.profile",
    "type": "wsd.type",
    "manufacturer": "wsd.manufacturer",
    "mfr": "wsd.manufacturer",
    "firmware": "wsd.firmware",
    "serial": "wsd.serial",
}
_ONVIF_SCOPE = "onvif://www.onvif.org/"


def probe_message(types: str | None, message_id: str | None = None) -> bytes:
    """A WS-Discovery 2005/04 Probe; ``types`` None means an untyped probe."""
    mid = message_id or f"uuid:{uuid.uuid4()}"
    body = f'<d:Probe><d:Types>{types}</d:Types></d:Probe>' if types else "<d:Probe/>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"'
        ' xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing"'
        ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"'
        ' xmlns:dn="http://www.onvif.org/ver10/network/wsdl">'
        "<e:Header>"
        f"<w:MessageID>{mid}</w:MessageID>"
        "<w:To e:mustUnderstand=\"true\">urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To>"
        "<w:Action e:mustUnderstand=\"true\">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action>"
        f"</e:Header><e:Body>{body}</e:Body></e:Envelope>"
    ).encode()


def _child_text(node: Element, name: str) -> str:
    for child in node.iter():
        if local(child.tag) == name and child.text:
            return child.text.strip()
    return ""


def _scope_observations(ip: str, scopes: list[str], probe: str) -> list[Observation]:
    out: list[Observation] = []
    for scope in scopes:
        out.append(Observation(ip, probe, "wsd.scope", clip(scope), PORT))
        if not scope.lower().startswith(_ONVIF_SCOPE):
            continue
        key, _, rest = scope[len(_ONVIF_SCOPE):].partition("/")
        field = DERIVED.get(key.lower())
        if field is None and key.lower() != "location":
            # one level down, where some makers keep their own keys: 'acc/mfr/FLIR%20Systems'
            key, _, rest = rest.partition("/")
            field = DERIVED.get(key.lower()) if key.lower() not in ("location", "type", "profile") else None
        value = clip(unquote(rest).strip())
        if field and value:
            out.append(Observation(ip, probe, field, value, PORT))
    return out


def parse(data: bytes, ip: str, probe: str = "wsd") -> list[Observation]:
    """Observations from one WS-Discovery datagram (ProbeMatches or Hello) sent by ``ip``.

    Our own Probe or another client's is not a reply and gives no observation. Raises
    MalformedReply for bytes that are not a SOAP envelope."""
    root = parse_xml(data)
    if local(root.tag) != "Envelope":
        raise MalformedReply(f"not a SOAP envelope (root element {local(root.tag)!r})")
    body = next((c for c in root if local(c.tag) == "Body"), None)
    if body is None:
        raise MalformedReply("SOAP envelope without a Body")
    out: list[Observation] = []
    matches = [n for n in body.iter() if local(n.tag) in ("ProbeMatch", "Hello")][:MAX_MATCHES]
    for match in matches:
        endpoint = ""
        for node in match.iter():
            if local(node.tag) == "EndpointReference":
                endpoint = _child_text(node, "Address")
                break
        if endpoint:
            out.append(Observation(ip, probe, "wsd.endpoint", clip(endpoint), PORT))
        types = " ".join(_child_text(match, "Types").split())
        if types:
            out.append(Observation(ip, probe, "wsd.types", clip(types), PORT))
        scopes = _child_text(match, "Scopes").split()[:MAX_SCOPES]
        out.extend(_scope_observations(ip, scopes, probe))
        for xaddr in _child_text(match, "XAddrs").split()[:MAX_XADDRS]:
            if xaddr.lower().startswith(("http://", "https://")):
                out.append(Observation(ip, probe, "wsd.xaddr", clip(xaddr), PORT))
    if not matches:
        fault = next((n for n in body.iter() if local(n.tag) == "Fault"), None)
        if fault is not None:
            reason = _child_text(fault, "Text") or _child_text(fault, "faultstring") or "SOAP Fault"
            out.append(Observation(ip, probe, "wsd.fault", clip(reason), PORT))
        elif not any(local(n.tag) in ("Probe", "Resolve", "Bye", "ResolveMatches") for n in body.iter()):
            raise MalformedReply("SOAP envelope with neither ProbeMatch nor Hello")
    return out


class Reassembler:
    """Joins a reply a device split across datagrams: an XML fragment from one address is kept
    (capped) and retried with that address's next datagram."""

    MAX_PENDING = 64 * 1024

    def __init__(self, probe: str = "wsd") -> None:
        self.probe = probe
        self.pending: dict[str, bytes] = {}

    def __call__(self, data: bytes, ip: str) -> list[Observation]:
        head = self.pending.pop(ip, b"")
        if head:
            joined = head + data
            try:
                return parse(joined, ip, self.probe)
            except MalformedReply:
                try:  # a whole reply after a fragment that never completed: the reply wins
                    return parse(data, ip, self.probe)
                except MalformedReply:
                    pass
                if len(joined) <= self.MAX_PENDING and not data.lstrip().startswith(b"<?xml"):
                    self.pending[ip] = joined
                    return []
                # The fragment never completed: fall through and parse this datagram alone.
        try:
            return parse(data, ip, self.probe)
        except MalformedReply:
            if len(data) <= self.MAX_PENDING and data.lstrip().startswith(b"<") and b"Envelope>" not in data[-64:]:
                self.pending[ip] = data
                return []
            raise

    def leftovers(self) -> dict[str, bytes]:
        return dict(self.pending)


def _probes() -> list[bytes]:
    return [probe_message("dn:NetworkVideoTransmitter"), probe_message(None)]


def _finish(probe: Probe, out: ProbeOutput, reasm: Reassembler, ctx: ProbeContext) -> ProbeOutput:
    from .onvif import remember_xaddrs

    remember_xaddrs(ctx, out.observations)
    if probe.name == "wsd":
        ctx.wsd_answered.update(o.ip for o in out.observations)
    for ip, data in reasm.leftovers().items():
        try:
            parse(data, ip)
        except MalformedReply as exc:
            out.attempts.append(probe.attempt(ip, AttemptStatus.MALFORMED, f"incomplete reply: {exc}"))
    return out


class WsDiscoveryProbe(DiscoveryProbe):
    name = "wsd"
    description = "WS-Discovery multicast Probe (ONVIF NetworkVideoTransmitter and untyped)"

    def discover(self, ctx: ProbeContext) -> ProbeOutput:
        reasm = Reassembler()
        out = multicast_discover(
            self,
            ctx,
            lambda addr: [(p, (GROUP, PORT)) for p in _probes()],
            reasm,
            mac_fields=("wsd.mac",),
            retries=1,
        )
        return _finish(self, out, reasm, ctx)


class WsDiscoveryUnicastProbe(HostProbe):
    name = "wsd-unicast"
    description = ("WS-Discovery Probe sent to each live host that did not answer the multicast one "
                   "(finds cameras multicast cannot reach, and those whose answer was lost)")
    stage = 1

    def probe(self, ctx: ProbeContext, host: Host) -> ProbeOutput:
        if host.ip in ctx.wsd_answered:
            return ProbeOutput(attempts=[self.attempt(host.ip, AttemptStatus.SKIPPED, "answered the multicast Probe")])
        reasm = Reassembler(self.name)
        out = unicast_ask(self, ctx, host.ip, PORT, _probes(), reasm, retries=1)
        return _finish(self, out, reasm, ctx)
