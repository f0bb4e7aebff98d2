"""WS-Discovery (2005/04) responder for the lab: UDP 3702, multicast group 239.255.255.250.

ONVIF clients multicast a SOAP 1.2 ``Probe`` (optionally with ``d:Types`` such as
``dn:NetworkVideoTransmitter`` or ``tds:Device`` and ``d:Scopes``); a device whose types and
scopes match answers the sender, unicast, with ``ProbeMatches``: ``wsa:RelatesTo`` = the
probe's MessageID, the device's EndpointReference (``urn:uuid:…``), Types, Scopes (ONVIF
``onvif://www.onvif.org/...`` URIs with name, hardware, location, profile, and on some makers
a MAC or serial), XAddrs and MetadataVersion. Unicast probes to the device address are
answered the same way. On start the device multicasts a ``Hello`` and on close a ``Bye``, as
ONVIF Core (WS-Discovery clause) asks of a device joining and leaving the network.

Real devices wait a random 0-500 ms before answering a multicast probe; the lab answers at
once. Matching follows WS-Discovery: every probe type (resolved QName) must be one of the device's,
and every probe scope must prefix-match (RFC 3986 segments) one of the device's scopes.

The probe is parsed with lxml with entity resolution, DTD loading and network access off, and
any document carrying a DTD is dropped, so entity bombs cost nothing.

Config (``profile["services"]["wsd"]``):
    types:            list of prefixed QNames, e.g. ["dn:NetworkVideoTransmitter", "tds:Device"]
                      (prefixes dn, tdn, tds known; more via ``namespaces``)
    namespaces:       optional {prefix: namespace URI} for other type prefixes
    scopes:           list of scope URIs (strings may use {ip} {MAC_HEX} {mac_hex} ...)
    xaddrs:           list of service addresses, default ["http://{ip}/onvif/device_service"]
    endpoint:         EndpointReference address, default urn:uuid derived from the MAC
    metadata_version: int, default 1
    hello:            send Hello on start / Bye on close (default true)
    source:           where the values come from (documentation only)
"""

from __future__ import annotations

import hashlib
import time
import uuid as uuidlib
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from scanner.lab.services._udp import UdpResponder, fill
from scanner.lab.services.base import DeviceContext

PORT = 3702
GROUP = "239.255.255.250"
NS_D = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
NS_WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
KNOWN_PREFIXES = {
    "dn": "http://www.onvif.org/ver10/network/wsdl",
    "tdn": "http://www.onvif.org/ver10/network/wsdl",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
}
ACTION_PROBE = NS_D + "/Probe"
ANONYMOUS = NS_WSA + "/role/anonymous"

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
)


def default_endpoint(device: DeviceContext) -> str:
    digest = hashlib.sha1(device.name.encode()).hexdigest()
    mac = device.mac.lower().replace(":", "")
    return f"urn:uuid:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{mac}"


def parse_probe(data: bytes) -> tuple[str, set[tuple[str, str]], list[str]] | None:
    """(MessageID, requested types as (ns, local), requested scopes) of a Probe, else None."""
    root = etree.fromstring(data, _PARSER)
    if root.getroottree().docinfo.internalDTD is not None:
        return None
    body = next((c for c in root if etree.QName(c).localname == "Body"), None)
    header = next((c for c in root if etree.QName(c).localname == "Header"), None)
    if body is None:
        return None
    probe = body.find(f"{{{NS_D}}}Probe")
    if probe is None:
        return None
    message_id = ""
    if header is not None:
        found = header.find(f"{{{NS_WSA}}}MessageID")
        message_id = (found.text or "").strip() if found is not None else ""
    wanted: set[tuple[str, str]] = set()
    types_el = probe.find(f"{{{NS_D}}}Types")
    if types_el is not None and types_el.text:
        for qname in types_el.text.split():
            prefix, _, local = qname.rpartition(":")
            wanted.add((types_el.nsmap.get(prefix or None, "") or "", local))
    scopes_el = probe.find(f"{{{NS_D}}}Scopes")
    scopes = scopes_el.text.split() if scopes_el is not None and scopes_el.text else []
    return message_id, wanted, scopes


def scope_matches(probe_scope: str, device_scope: str) -> bool:
    """RFC 3986 prefix match as WS-Discovery defines it (whole path segments, no case on host)."""
    p, d = probe_scope.rstrip("/"), device_scope.rstrip("/")
    if p.lower() == d.lower():
        return True
    return d.lower().startswith(p.lower() + "/")


class WsdService:
    def __init__(self, device: DeviceContext, config: dict[str, Any]) -> None:
        self.device = device
        self.config = config
        self.namespaces = {**KNOWN_PREFIXES, **(config.get("namespaces") or {})}
        self.types: list[str] = list(config.get("types") or ["dn:NetworkVideoTransmitter"])
        self.scopes: list[str] = list(fill(config.get("scopes") or [], device))
        xaddrs = config.get("xaddrs") or ["http://{ip}/onvif/device_service"]
        self.xaddrs: list[str] = list(fill(xaddrs, device))
        self.endpoint: str = fill(config.get("endpoint") or default_endpoint(device), device)
        self.metadata_version = int(config.get("metadata_version", 1))
        self.instance_id = int(time.time())
        self.message_number = 0
        self._responder = UdpResponder("wsd", device, int(config.get("port", PORT)), GROUP, self._reply)
        if config.get("hello", True):
            self._responder.send(self._announce("Hello"), (GROUP, PORT))

    def resolved_types(self) -> set[tuple[str, str]]:
        out = set()
        for qname in self.types:
            prefix, _, local = qname.rpartition(":")
            out.add((self.namespaces.get(prefix, ""), local))
        return out

    def matches(self, wanted: set[tuple[str, str]], scopes: list[str]) -> bool:
        if not wanted <= self.resolved_types():
            return False
        return all(any(scope_matches(s, mine) for mine in self.scopes) for s in scopes)

    def _envelope(self, action: str, header_extra: str, body: str) -> bytes:
        self.message_number += 1
        prefixes = {q.rpartition(":")[0] for q in self.types if ":" in q}
        ns_decl = "".join(
            f' xmlns:{p}="{escape(self.namespaces[p])}"' for p in sorted(prefixes) if p in self.namespaces
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"'
            f' xmlns:wsa="{NS_WSA}" xmlns:d="{NS_D}"{ns_decl}>'
            "<SOAP-ENV:Header>"
            f"<wsa:MessageID>urn:uuid:{uuidlib.uuid4()}</wsa:MessageID>"
            f"{header_extra}"
            f"<wsa:Action>{NS_D}/{action}</wsa:Action>"
            f'<d:AppSequence InstanceId="{self.instance_id}" MessageNumber="{self.message_number}"/>'
            "</SOAP-ENV:Header>"
            f"<SOAP-ENV:Body>{body}</SOAP-ENV:Body>"
            "</SOAP-ENV:Envelope>"
        ).encode("utf-8")

    def _match_body(self) -> str:
        return (
            f"<wsa:EndpointReference><wsa:Address>{escape(self.endpoint)}</wsa:Address>"
            "</wsa:EndpointReference>"
            f"<d:Types>{escape(' '.join(self.types))}</d:Types>"
            f"<d:Scopes>{escape(' '.join(self.scopes))}</d:Scopes>"
            f"<d:XAddrs>{escape(' '.join(self.xaddrs))}</d:XAddrs>"
            f"<d:MetadataVersion>{self.metadata_version}</d:MetadataVersion>"
        )

    def probe_matches(self, relates_to: str) -> bytes:
        header = (
            f"<wsa:RelatesTo>{escape(relates_to)}</wsa:RelatesTo>"
            f"<wsa:To>{ANONYMOUS}</wsa:To>"
        )
        body = f"<d:ProbeMatches><d:ProbeMatch>{self._match_body()}</d:ProbeMatch></d:ProbeMatches>"
        return self._envelope("ProbeMatches", header, body)

    def _announce(self, kind: str) -> bytes:
        header = "<wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>"
        if kind == "Bye":
            body = (
                f"<d:Bye><wsa:EndpointReference><wsa:Address>{escape(self.endpoint)}"
                "</wsa:Address></wsa:EndpointReference></d:Bye>"
            )
        else:
            body = f"<d:Hello>{self._match_body()}</d:Hello>"
        return self._envelope(kind, header, body)

    def _reply(self, data: bytes, sender: tuple[str, int]) -> bytes | None:
        if b"Probe" not in data:
            return None
        probe = parse_probe(data)
        if probe is None:
            return None
        message_id, wanted, scopes = probe
        if not self.matches(wanted, scopes):
            return None
        return self.probe_matches(message_id)

    def close(self) -> None:
        if self.config.get("hello", True):
            self._responder.send(self._announce("Bye"), (GROUP, PORT))
        self._responder.close()


def start(device: DeviceContext, config: dict[str, Any]) -> WsdService:
    return WsdService(device, config)

