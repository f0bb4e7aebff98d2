"""ONVIF device service: GetSystemDateAndTime and an unauthenticated GetDeviceInformation on
every in-scope XAddr WS-Discovery found for the host and on ``/onvif/device_service`` of its
open web ports; with credentials the user supplied (``--credentials``), GetDeviceInformation,
GetNetworkInterfaces and GetScopes behind a WS-UsernameToken digest.

zeep (with the WSDLs onvif-zeep ships) only *builds* the requests: the WSDLs load from local
files (a transport that refuses any http(s) load), with strict settings, ``xml_huge_tree``
off, DTDs and entities forbidden. A device's answer never reaches zeep or lxml: it is read
with a byte cap and a deadline and parsed here with defusedxml. A refusal (HTTP 401 or a
NotAuthorized fault) is recorded once and not retried without credentials.

Observation fields (port of the device service): ``onvif.manufacturer``, ``onvif.model``,
``onvif.firmware``, ``onvif.serial``, ``onvif.hardware`` (GetDeviceInformation),
``onvif.utc_time`` (GetSystemDateAndTime), ``onvif.mac``, ``onvif.interface``
(GetNetworkInterfaces), ``onvif.scope`` (GetScopes), ``onvif.xaddr`` (the URL that answered), and
``onvif.namespace``: each XML namespace an answer declares that no standard defines (a firmware
declares its maker's own, ``http://www.hikvision.com/2011/event/topics``, in every envelope, the
GetSystemDateAndTime answer and a NotAuthorized fault included, so a device that refuses
GetDeviceInformation without credentials still says whose firmware it runs); ``onvif.prefixes``,
the namespace prefixes the answer's Envelope declares, in their order (the SOAP stack's table).
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import os
import re
import threading
import time
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from ..models import AttemptStatus, Host, Observation, ProbeOutput
from ._http import FetchError, request_capped
from ._parsing import MalformedReply, child_fields, clip, declared_namespaces, local, parse_xml, root_prefixes
from .base import HostProbe, ProbeContext
from .ports import port_table

MAX_RESPONSE = 256 * 1024
MAX_TARGETS = 4
MAX_OBSERVATIONS = 64  # from one answer (a device may repeat an element)
DEVICE_NS = "http://www.onvif.org/ver10/device/wsdl"
DEVICE_INFO = {
    "Manufacturer": "onvif.manufacturer",
    "Model": "onvif.model",
    "FirmwareVersion": "onvif.firmware",
    "SerialNumber": "onvif.serial",
    "HardwareId": "onvif.hardware",
}


class SoapFault(Exception):
    def __init__(self, reason: str, refused: bool) -> None:
        super().__init__(reason)
        self.refused = refused


# --- pure parsing -------------------------------------------------------------------------


def _body(data: bytes) -> Element:
    root = parse_xml(data, MAX_RESPONSE)
    if local(root.tag) != "Envelope":
        raise MalformedReply(f"not a SOAP envelope (root element {local(root.tag)!r})")
    body = next((c for c in root if local(c.tag) == "Body"), None)
    if body is None:
        raise MalformedReply("SOAP envelope without a Body")
    fault = next((n for n in body.iter() if local(n.tag) == "Fault"), None)
    if fault is not None:
        texts = [clip(n.text) for n in fault.iter() if n.text and n.text.strip() and local(n.tag) in ("Value", "Text", "faultstring", "faultcode")]
        reason = "; ".join(texts)[:300] or "SOAP Fault"
        refused = any(k in reason.lower() for k in ("notauthorized", "not authorized", "unauthorized", "authority failure", "sender not authorized"))
        raise SoapFault(reason, refused)
    return body


def _find(body: Element, name: str) -> Element:
    node = next((n for n in body.iter() if local(n.tag) == name), None)
    if node is None:
        raise MalformedReply(f"no {name} in the answer")
    return node


def parse_device_information(data: bytes, ip: str, port: int | None = None) -> list[Observation]:
    resp = _find(_body(data), "GetDeviceInformationResponse")
    return child_fields(resp, DEVICE_INFO, ip, "onvif", port, MAX_OBSERVATIONS)


def device_utc(data: bytes) -> dt.datetime | None:
    resp = _find(_body(data), "GetSystemDateAndTimeResponse")
    utc = next((n for n in resp.iter() if local(n.tag) == "UTCDateTime"), None)
    if utc is None:
        return None
    parts = {local(n.tag): (n.text or "").strip() for n in utc.iter()}
    try:
        return dt.datetime(int(parts["Year"]), int(parts["Month"]), int(parts["Day"]), int(parts["Hour"]),
                           int(parts["Minute"]), int(parts["Second"]), tzinfo=dt.timezone.utc)
    except (KeyError, ValueError, OverflowError):  # OverflowError: a year beyond a C long
        raise MalformedReply("UTCDateTime is not a valid date and time") from None


def parse_system_date_and_time(data: bytes, ip: str, port: int | None = None) -> list[Observation]:
    when = device_utc(data)
    return [Observation(ip, "onvif", "onvif.utc_time", when.strftime("%Y-%m-%dT%H:%M:%SZ"), port)] if when else []


def parse_network_interfaces(data: bytes, ip: str, port: int | None = None) -> list[Observation]:
    resp = _find(_body(data), "GetNetworkInterfacesResponse")
    out = []
    for node in resp.iter():
        name = local(node.tag)
        if name == "HwAddress" and node.text and node.text.strip():
            out.append(Observation(ip, "onvif", "onvif.mac", clip(node.text), port))
        elif name == "Name" and node.text and node.text.strip():
            out.append(Observation(ip, "onvif", "onvif.interface", clip(node.text), port))
    return out[:32]


def parse_scopes(data: bytes, ip: str, port: int | None = None) -> list[Observation]:
    resp = _find(_body(data), "GetScopesResponse")
    items = [n.text.strip() for n in resp.iter() if local(n.tag) == "ScopeItem" and n.text and n.text.strip()]
    return [Observation(ip, "onvif", "onvif.scope", clip(s), port) for s in items[:MAX_OBSERVATIONS]]


# Namespaces of the standards an ONVIF answer is written in (SOAP, WS-*, XML Schema, gSOAP's
# xmime/xop helpers): every maker's firmware declares them, so they say nothing.
_STANDARD_NS = re.compile(
    r"^(?:https?://(?:[a-z0-9-]+\.)*(?:w3\.org|oasis-open\.org|xmlsoap\.org|tempuri\.org|"
    r"docs\.oasis-open\.org)(?:/|$)|urn:)",
    re.IGNORECASE,
)
# ONVIF's own namespaces are ver10/ver20 plus one of the services the ONVIF specifications define
# (and the topic set and error namespaces). A firmware that puts its own extension under onvif.org
# (a Uniview-built terminal's 'http://www.onvif.org/ver10/plus/wsdl') is not standard, so it is kept.
_ONVIF_SERVICES = (
    "schema|device|media|media2|events|ptz|imaging|analytics|analyticsdevice|deviceio|recording|search|"
    "replay|receiver|display|topics|error|network|storage|advancedsecurity|accesscontrol|doorcontrol|"
    "accessrules|credential|schedule|thermal|provisioning|uplink|actionengine|pacs|appmgmt|"
    "authenticationbehavior|security|radiometry"
)
_ONVIF_NS = re.compile(r"^https?://(?:[a-z0-9-]+\.)*onvif\.org(?:/|$)", re.IGNORECASE)
_ONVIF_STANDARD_PATH = re.compile(
    rf"^https?://[^/]+/?$|^https?://[^/]+/(?:onvif/)?ver\d+/(?:{_ONVIF_SERVICES})(?:[/.#]|$)", re.IGNORECASE
)


def _standard(uri: str) -> bool:
    if _STANDARD_NS.match(uri):
        return True
    return bool(_ONVIF_NS.match(uri)) and bool(_ONVIF_STANDARD_PATH.match(uri))


MAX_NAMESPACE_OBSERVATIONS = 16


MIN_PREFIXES = 6  # fewer declarations than this ("SOAP-ENV,SOAP-ENC,tt,tds") are anyone's


def parse_namespaces(data: bytes, ip: str, port: int | None = None) -> list[Observation]:
    """``onvif.namespace`` for each non-standard namespace an ONVIF answer (or fault) declares,
    and ``onvif.prefixes``: the prefixes its Envelope declares, in order, comma-joined (the SOAP
    stack's own namespace table: Hikvision's writes ``env,soapenc,xsi,xs,tt,tds,...`` where gSOAP's
    writes ``SOAP-ENV,SOAP-ENC,xsi,xsd,...``), when there are at least ``MIN_PREFIXES``."""
    own = [uri for uri in declared_namespaces(data) if not _standard(uri)]
    out = [Observation(ip, "onvif", "onvif.namespace", uri, port) for uri in own[:MAX_NAMESPACE_OBSERVATIONS]]
    prefixes = root_prefixes(data)
    if len(prefixes) >= MIN_PREFIXES:
        out.append(Observation(ip, "onvif", "onvif.prefixes", clip(",".join(prefixes)), port))
    return out


def _namespaces_or_none(data: bytes, ip: str, port: int | None) -> list[Observation]:
    try:
        return parse_namespaces(data, ip, port) if data.strip() else []
    except MalformedReply:
        return []  # the operation's own parser says why the answer is malformed


PARSERS = {
    "GetSystemDateAndTime": parse_system_date_and_time,
    "GetDeviceInformation": parse_device_information,
    "GetNetworkInterfaces": parse_network_interfaces,
    "GetScopes": parse_scopes,
}


# --- requests built by zeep -----------------------------------------------------------------


def _wsdl_path() -> str:
    import onvif  # onvif-zeep ships its WSDLs next to the package

    path = os.path.join(os.path.dirname(os.path.dirname(onvif.__file__)), "wsdl", "devicemgmt.wsdl")
    if not os.path.isfile(path):
        raise FileNotFoundError("onvif-zeep's devicemgmt.wsdl is not installed")
    return path


_CLIENT_LOCK = threading.Lock()


def _client():
    """The one zeep client, built once: 64 probe threads racing an unlocked cache each built
    their own (about 15 MB and 0.15 s of CPU apiece)."""
    with _CLIENT_LOCK:
        return _build_client()


@functools.lru_cache(maxsize=1)
def _build_client():
    from zeep import Client, Settings
    from zeep.transports import Transport

    class LocalOnlyTransport(Transport):
        """Loads WSDL/XSD from local files only; never fetches anything over the network."""

        def load(self, url):  # type: ignore[override]
            if urlsplit(str(url)).scheme not in ("", "file"):
                raise ValueError("refusing to fetch a remote schema")
            return super().load(url)

    settings = Settings(strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    return Client(_wsdl_path(), transport=LocalOnlyTransport(cache=None), settings=settings)


def build_request(operation: str, url: str, credential=None, clock_offset: dt.timedelta = dt.timedelta(0)) -> bytes:
    from zeep.wsdl.utils import etree_to_string
    from zeep.wsse.username import UsernameToken

    client = _client()
    service = client.create_service(f"{{{DEVICE_NS}}}DeviceBinding", url)
    envelope = client.create_message(service, operation)
    if credential is not None:
        created = dt.datetime.now(dt.timezone.utc) + clock_offset
        token = UsernameToken(credential.username, credential.password, use_digest=True, created=created, zulu_timestamp=True)
        envelope, _ = token.apply(envelope, {})
    return etree_to_string(envelope)


# --- the probe ------------------------------------------------------------------------------


def onvif_ports() -> tuple[set[int], set[int]]:
    """(plain, TLS) ports where a device service may listen: the web ports of
    ``fingerprints/ports.yaml`` and the ports it marks ``onvif: true`` (makers' own, with sources).
    In port order, so a maker's own port (Reolink's 8000, also Hikvision's SDK port) is tried only
    after every lower one failed to answer."""
    table = port_table()
    plain = {int(p["port"]) for p in table if p["service"] == "http" or p.get("onvif")}
    return plain, {int(p["port"]) for p in table if p["service"] == "https"}


def device_service_urls(ctx: ProbeContext, host: Host) -> list[str]:
    """In-scope XAddrs remembered for this host, then /onvif/device_service on open web ports."""
    urls: list[str] = []
    for url in sorted(ctx.wsd_xaddrs.get(host.ip, ())):
        parts = urlsplit(url)
        try:
            ipaddress.IPv4Address(parts.hostname or "")
        except ValueError:
            continue
        if parts.scheme in ("http", "https") and parts.hostname == host.ip and ctx.scope.contains(host.ip):
            urls.append(url)
    ports = ctx.open_ports.get(host.ip, set())
    plain, tls = onvif_ports()
    for port in sorted(ports):
        if port in plain:
            urls.append(f"http://{host.ip}{'' if port == 80 else f':{port}'}/onvif/device_service")
        elif port in tls:
            urls.append(f"https://{host.ip}{'' if port == 443 else f':{port}'}/onvif/device_service")
    return list(dict.fromkeys(urls))[:MAX_TARGETS]


def remember_xaddrs(ctx: ProbeContext, observations: list[Observation]) -> None:
    """Keep the XAddrs WS-Discovery saw on the context so the ONVIF probe can use them."""
    for o in observations:
        if o.field == "wsd.xaddr":
            ctx.wsd_xaddrs.setdefault(o.ip, set()).add(o.value)


class OnvifProbe(HostProbe):
    name = "onvif"
    description = "ONVIF device service: date/time, device information (and more with credentials)"
    stage = 2

    def _call(self, ctx: ProbeContext, url: str, operation: str, ip: str, port: int | None, credential=None,
              offset: dt.timedelta = dt.timedelta(0)) -> tuple[str, list[Observation], bytes]:
        """('ok' | 'refused' | 'absent' | 'failed:<reason>', observations, body)."""
        body = build_request(operation, url, credential, offset)
        ctx.wait_turn(1)
        headers = {
            "Content-Type": f'application/soap+xml; charset=utf-8; action="{DEVICE_NS}/{operation}"',
            "User-Agent": "cctv-scan",
        }
        got = request_capped("POST", url, timeout=ctx.timeout, cap=MAX_RESPONSE, headers=headers, data=body)
        if got.truncated:
            return f"too_large:answer larger than {MAX_RESPONSE} bytes", [], b""
        if got.status == 401:
            return "refused", [], b""
        if got.status in (404, 405, 501):
            return "absent", [], b""
        own = _namespaces_or_none(got.body, ip, port)  # a fault's envelope declares them too
        try:
            return "ok", PARSERS[operation](got.body, ip, port) + own, got.body
        except SoapFault as fault:
            return ("refused" if fault.refused else f"failed:SOAP Fault: {fault}"), own, b""
        except MalformedReply as exc:
            return f"malformed:{exc}", [], b""

    def probe(self, ctx: ProbeContext, host: Host) -> ProbeOutput:
        out = ProbeOutput()
        if not ctx.scope.contains(host.ip):
            return out
        credential = None
        if ctx.credentials is not None and hasattr(ctx.credentials, "for_host"):
            credential = ctx.credentials.for_host(host.ip)
        for url in device_service_urls(ctx, host):
            started = time.monotonic()
            port = urlsplit(url).port or (443 if url.startswith("https") else 80)
            try:
                answered = self._session(ctx, url, host.ip, port, credential, out, started)
            except FetchError as exc:
                status = AttemptStatus.TIMEOUT if exc.timeout else AttemptStatus.UNREACHABLE
                out.attempts.append(self.attempt(url, status, str(exc), started))
                continue
            except MalformedReply as exc:
                out.attempts.append(self.attempt(url, AttemptStatus.MALFORMED, str(exc), started))
                continue
            except Exception as exc:  # zeep or a parser bug: recorded, never fatal
                out.attempts.append(self.attempt(url, AttemptStatus.ERROR, f"bug: {type(exc).__name__}", started))
                continue
            if answered:
                break
        return out

    def _record_failure(self, out: ProbeOutput, url: str, op: str, status: str, started: float) -> None:
        kind, _, reason = status.partition(":")
        code = {"too_large": AttemptStatus.TOO_LARGE, "malformed": AttemptStatus.MALFORMED}.get(kind, AttemptStatus.ERROR)
        out.attempts.append(self.attempt(url, code, f"{op}: {reason}", started))

    def _session(self, ctx, url, ip, port, credential, out: ProbeOutput, started: float) -> bool:
        # every call's observations go through _extend_new: each answer (and each fault) declares
        # the same namespaces, which are one observation each, not one per answer
        status, obs, body = self._call(ctx, url, "GetSystemDateAndTime", ip, port)
        if status == "absent":
            out.attempts.append(self.attempt(url, AttemptStatus.NO_REPLY, "no ONVIF device service here", started))
            return False
        offset = dt.timedelta(0)
        _extend_new(out, obs)
        if status == "ok":
            out.observations.append(Observation(ip, "onvif", "onvif.xaddr", clip(url), port))
            when = device_utc(body)
            if when:
                offset = when - dt.datetime.now(dt.timezone.utc)
        elif status != "refused":
            self._record_failure(out, url, "GetSystemDateAndTime", status, started)
        status, obs, _ = self._call(ctx, url, "GetDeviceInformation", ip, port)
        have_info = status == "ok"
        _extend_new(out, obs)
        if status == "refused":
            out.attempts.append(self.attempt(url, AttemptStatus.AUTH_REQUIRED, "GetDeviceInformation refused without credentials", started))
        elif status not in ("ok", "absent"):
            self._record_failure(out, url, "GetDeviceInformation", status, started)
        if credential is not None:
            operations = ["GetNetworkInterfaces", "GetScopes"] if have_info else ["GetDeviceInformation", "GetNetworkInterfaces", "GetScopes"]
            for op in operations:
                status, obs, _ = self._call(ctx, url, op, ip, port, credential, offset)
                _extend_new(out, obs)
                if status == "refused":
                    out.attempts.append(self.attempt(url, AttemptStatus.REFUSED, f"{op}: the supplied credentials were refused", started))
                    break
                if status not in ("ok", "absent"):
                    self._record_failure(out, url, op, status, started)
        answered = bool(out.observations)
        if answered:
            out.attempts.append(self.attempt(url, AttemptStatus.OK, "", started))
        return answered


_ONCE = ("onvif.namespace", "onvif.prefixes")


def _extend_new(out: ProbeOutput, observations: list[Observation]) -> None:
    """Add observations, leaving out a namespace (or prefix list) already recorded for this device service."""
    have = {(o.field, o.value) for o in out.observations if o.field in _ONCE}
    for o in observations:
        if o.field in _ONCE:
            if (o.field, o.value) in have:
                continue
            have.add((o.field, o.value))
        out.observations.append(o)
