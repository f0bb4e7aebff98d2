"""SSDP/UPnP: an M-SEARCH to 239.255.255.250:1900, then the UPnP device description each
in-scope responder points to with LOCATION (capped, timed out, never off-scope, no redirects),
parsed with defusedxml.

Observation fields: from the M-SEARCH answer (port 1900) ``ssdp.server``, ``ssdp.location``,
``ssdp.st``, ``ssdp.usn``; from the description's root ``<device>`` (port of LOCATION)
``upnp.manufacturer``, ``upnp.model_name``, ``upnp.model_number``, ``upnp.serial``,
``upnp.friendly_name``, ``upnp.model_description``, ``upnp.manufacturer_url``,
``upnp.device_type``, ``upnp.udn``.
"""

from __future__ import annotations

import ipaddress
import time
from urllib.parse import urlsplit

from ..models import AttemptStatus, Observation, ProbeOutput
from ._discovery import multicast_discover
from ._http import FetchError, get_capped
from ._parsing import MalformedReply, child_fields, clip, local, parse_xml
from .base import DiscoveryProbe, ProbeContext

PORT = 1900
GROUP = "239.255.255.250"
MAX_DESCRIPTION = 128 * 1024
MAX_FETCHES = 64
MAX_DESCRIPTION_FIELDS = 64  # observations from one description (a device may repeat an element)
HEADERS = {"server": "ssdp.server", "location": "ssdp.location", "st": "ssdp.st", "nt": "ssdp.st", "usn": "ssdp.usn"}
DESCRIPTION_FIELDS = {
    "manufacturer": "upnp.manufacturer",
    "modelName": "upnp.model_name",
    "modelNumber": "upnp.model_number",
    "serialNumber": "upnp.serial",
    "friendlyName": "upnp.friendly_name",
    "modelDescription": "upnp.model_description",
    "manufacturerURL": "upnp.manufacturer_url",
    "deviceType": "upnp.device_type",
    "UDN": "upnp.udn",
}


def msearch(st: str) -> bytes:
    return (
        "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
        f"MX: 1\r\nST: {st}\r\nUSER-AGENT: cctv-scan\r\n\r\n"
    ).encode()


def parse(data: bytes, ip: str) -> list[Observation]:
    """Observations from one SSDP datagram (an M-SEARCH answer or a NOTIFY) sent by ``ip``."""
    text = data[:8192].decode("latin-1")
    lines = text.replace("\r\n", "\n").split("\n")
    start = lines[0].strip().upper()
    if start.startswith("M-SEARCH"):
        return []
    if not (start.startswith("HTTP/1.") or start.startswith("NOTIFY ")):
        raise MalformedReply(f"not an SSDP message (first line {clip(lines[0], 60)!r})")
    out: list[Observation] = []
    for line in lines[1:64]:
        if not line.strip():
            break
        name, sep, value = line.partition(":")
        field = HEADERS.get(name.strip().lower())
        if sep and field and value.strip():
            out.append(Observation(ip, "ssdp", field, clip(value.strip()), PORT))
    if not out:
        raise MalformedReply("SSDP message without SERVER, LOCATION, ST or USN")
    return out


def parse_description(data: bytes, ip: str, port: int | None = None) -> list[Observation]:
    """Observations from a UPnP device description document served by ``ip``."""
    root = parse_xml(data, MAX_DESCRIPTION)
    if local(root.tag) != "root":
        raise MalformedReply(f"not a UPnP description (root element {local(root.tag)!r})")
    device = next((c for c in root if local(c.tag) == "device"), None)
    if device is None:
        raise MalformedReply("UPnP description without a device element")
    return child_fields(device, DESCRIPTION_FIELDS, ip, "ssdp", port, MAX_DESCRIPTION_FIELDS)


def location_target(url: str, ctx: ProbeContext) -> tuple[str, int] | None:
    """(host, port) of a LOCATION we may fetch: http(s), an IPv4 literal inside the scope."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        ipaddress.IPv4Address(host)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not ctx.scope.contains(host):
        return None
    return host, port


class SsdpProbe(DiscoveryProbe):
    name = "ssdp"
    description = "SSDP M-SEARCH and UPnP device description"

    def discover(self, ctx: ProbeContext) -> ProbeOutput:
        out = multicast_discover(
            self, ctx, lambda addr: [(msearch("ssdp:all"), (GROUP, PORT)), (msearch("upnp:rootdevice"), (GROUP, PORT))],
            parse, retries=1,
        )
        locations = list(dict.fromkeys(o.value for o in out.observations if o.field == "ssdp.location"))
        for url in locations[:MAX_FETCHES]:
            target = location_target(url, ctx)
            started = time.monotonic()
            if target is None:
                out.attempts.append(self.attempt(url[:200], AttemptStatus.SKIPPED, "LOCATION outside scope or not http(s) to an address", started))
                continue
            host, port = target
            ctx.wait_turn(1)
            try:
                got = get_capped(url, timeout=ctx.timeout, cap=MAX_DESCRIPTION)
            except FetchError as exc:
                status = AttemptStatus.TIMEOUT if exc.timeout else AttemptStatus.UNREACHABLE
                out.attempts.append(self.attempt(host, status, f"description: {exc}", started))
                continue
            if got.truncated:
                out.attempts.append(self.attempt(host, AttemptStatus.TOO_LARGE, f"description larger than {MAX_DESCRIPTION} bytes", started))
                continue
            if got.status != 200:
                out.attempts.append(self.attempt(host, AttemptStatus.ERROR, f"description: HTTP {got.status}", started))
                continue
            try:
                out.observations.extend(parse_description(got.body, host, port))
            except MalformedReply as exc:
                out.attempts.append(self.attempt(host, AttemptStatus.MALFORMED, f"description: {exc}", started))
        return out
