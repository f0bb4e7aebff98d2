"""ONVIF device service for the lab: SOAP 1.2 over HTTP at /onvif/device_service.

Answers the device-management calls a scanner makes, the way real cameras do:

- without login (ONVIF Core "PRE_AUTH" operations): ``GetSystemDateAndTime``,
  ``GetCapabilities``, ``GetServices``, ``GetHostname``;
- behind a WS-Security UsernameToken: ``GetDeviceInformation`` (Manufacturer, Model,
  FirmwareVersion, SerialNumber, HardwareId), ``GetScopes``, ``GetNetworkInterfaces``.
  PasswordDigest is Base64(SHA1(nonce + created + password)) checked against
  ``profile["credentials"]``; PasswordText is accepted too. A missing or wrong token gets a
  SOAP 1.2 Fault ``env:Sender`` / ``ter:NotAuthorized`` (the message clients report as
  "Sender not authorized", github.com/agsh/onvif/issues/184; that GetDeviceInformation is not
  PRE_AUTH: github.com/agsh/onvif/issues/210). Some cameras do answer GetDeviceInformation
  without login (github.com/agsh/onvif/issues/94: a camera with a password set that answers
  "all (or most) getXXX calls" unauthenticated; issues/184: "depends on cam realization");
  ``device_info_without_auth`` models those.
- anything else: Fault ``env:Receiver`` / ``ter:ActionNotSupported``; XML that is not a SOAP
  envelope: ``env:Sender`` / ``ter:WellFormed``.

Requests are read with a byte cap and a socket timeout and parsed by defusedxml (no DTD, no
entities). onvif-zeep's requests (``Content-Type: application/soap+xml; action="..."``, tds/tt
namespaces, wsse UsernameToken with digest) are what it was tested with.

When the device's web server already owns the ONVIF port (Hikvision, Dahua, Axis serve ONVIF
on port 80 next to the web UI), the profile sets ``listen: false``: ``start`` then registers the
endpoint instead of binding, and the http service hands each POST to
``http_response(local_addr, method, target, body)``, which returns the whole response when an
endpoint is mounted there (``mounted(ip, port, path)`` / ``Endpoint.handle`` are the parts).

Config (``profile["services"]["onvif"]``):
    port:                     TCP port of the own listener (default 80)
    path:                     service path (default /onvif/device_service)
    listen:                   run an own HTTP listener (default true)
    server:                   HTTP Server header of the own listener (default "gSOAP/2.8")
    device_information:       {Manufacturer, Model, FirmwareVersion, SerialNumber, HardwareId}
    device_info_without_auth: answer GetDeviceInformation without login (default false)
    scopes:                   GetScopes list (default: the wsd section's scopes)
    hostname:                 GetHostname answer (default: the profile name)
    unauthorized_status:      HTTP status sent with the NotAuthorized fault (default 400)
    namespaces:               {prefix: URI} the firmware declares on every envelope besides the
                              standard ones (its maker's own, e.g. Hikvision's event topics)
    recorded:                 {Operation: {status, body}}: a real device's whole answer to that
                              operation, served as published whatever the request carries
                              (scanner.lab.replay serves corpus records this way)
    namespace_table:          {prefix: URI}, in order: the whole declaration list a firmware's SOAP
                              stack writes on its Envelope (replaces the lab's own four and
                              ``namespaces``; env, tds, tt and ter are added at the end if absent)
    source:                   where the values come from (documentation only)
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import logging
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

import defusedxml.ElementTree as DET

from scanner.lab.services._udp import fill
from scanner.lab.services.base import DeviceContext

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
READ_TIMEOUT = 5.0
NS_ENV = "http://www.w3.org/2003/05/soap-envelope"
NS_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
NS_WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
NS_TDS = "http://www.onvif.org/ver10/device/wsdl"
NS_TT = "http://www.onvif.org/ver10/schema"
NS_TER = "http://www.onvif.org/ver10/error"
PRE_AUTH = {"GetSystemDateAndTime", "GetCapabilities", "GetServices", "GetHostname"}
CONTENT_TYPE = "application/soap+xml; charset=utf-8"


def credentials(profile: Mapping[str, Any]) -> dict[str, str]:
    """username -> password from ``profile["credentials"]`` in any of its plain shapes."""
    raw = profile.get("credentials") or {}
    items = raw if isinstance(raw, list) else [raw]
    out: dict[str, str] = {}
    for item in items:
        if not isinstance(item, Mapping):
            continue
        if "username" in item:
            out[str(item["username"])] = str(item.get("password", ""))
        else:
            out.update({str(k): str(v) for k, v in item.items() if isinstance(v, (str, int))})
    return out


def password_digest(nonce: bytes, created: str, password: str) -> str:
    return base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()


_BASE = {"env": NS_ENV, "tds": NS_TDS, "tt": NS_TT, "ter": NS_TER}


def envelope(body: str, namespaces: Mapping[str, str] | None = None, table: Mapping[str, str] | None = None) -> bytes:
    """A SOAP 1.2 envelope; ``namespaces`` (prefix -> URI) are declared on it as well, as gSOAP-based
    firmware declares its maker's own namespaces on every answer, faults included. ``table``, when
    given, is the firmware's whole declaration list in its order, written instead."""
    if table:
        declared = dict(table)
        for prefix, uri in _BASE.items():
            declared.setdefault(prefix, uri)
    else:
        declared = {**_BASE, **(namespaces or {})}
    attrs = "".join(f' xmlns:{prefix}="{escape(uri, {chr(34): "&quot;"})}"' for prefix, uri in declared.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<env:Envelope{attrs}><env:Body>{body}</env:Body></env:Envelope>'
    ).encode("utf-8")


def fault(code: str, subcode: str, reason: str, detail: str = "", namespaces: Mapping[str, str] | None = None,
          table: Mapping[str, str] | None = None) -> bytes:
    detail_xml = f"<env:Detail><env:Text>{escape(detail)}</env:Text></env:Detail>" if detail else ""
    return envelope(
        "<env:Fault>"
        f"<env:Code><env:Value>env:{code}</env:Value>"
        f"<env:Subcode><env:Value>ter:{subcode}</env:Value></env:Subcode></env:Code>"
        f'<env:Reason><env:Text xml:lang="en">{escape(reason)}</env:Text></env:Reason>'
        f"{detail_xml}</env:Fault>",
        namespaces,
        table,
    )


class Endpoint:
    """The SOAP logic, independent of which HTTP server carries it."""

    def __init__(self, device: DeviceContext, config: dict[str, Any]) -> None:
        self.device = device
        self.config = config
        self.path: str = config.get("path", "/onvif/device_service")
        self.users = credentials(device.profile)
        info = fill(config.get("device_information") or {}, device)
        self.info = {k: str(info.get(k, "")) for k in
                     ("Manufacturer", "Model", "FirmwareVersion", "SerialNumber", "HardwareId")}
        self.namespaces: dict[str, str] = {str(k): str(v) for k, v in (config.get("namespaces") or {}).items()}
        self.table: dict[str, str] = {str(k): str(v) for k, v in (config.get("namespace_table") or {}).items()}
        wsd_scopes = ((device.profile.get("services") or {}).get("wsd") or {}).get("scopes") or []
        self.scopes: list[str] = list(fill(config.get("scopes") or wsd_scopes, device))

    # -- authentication ---------------------------------------------------------------------
    def authorized(self, root: Any) -> bool:
        token = root.find(f"{{{NS_ENV}}}Header/{{{NS_WSSE}}}Security/{{{NS_WSSE}}}UsernameToken")
        if token is None:
            return False
        user = (token.findtext(f"{{{NS_WSSE}}}Username") or "").strip()
        password_el = token.find(f"{{{NS_WSSE}}}Password")
        if user not in self.users or password_el is None:
            return False
        given = (password_el.text or "").strip()
        expected = self.users[user]
        if password_el.get("Type", "").endswith("#PasswordText"):
            return hmac.compare_digest(given.encode(), expected.encode())
        try:
            nonce = base64.b64decode(token.findtext(f"{{{NS_WSSE}}}Nonce") or "", validate=False)
        except (binascii.Error, ValueError):
            return False
        created = (token.findtext(f"{{{NS_WSU}}}Created") or "").strip()
        return hmac.compare_digest(given.encode(), password_digest(nonce, created, expected).encode())

    # -- the operations ---------------------------------------------------------------------
    def _xaddr(self, path: str = "") -> str:
        port = int(self.config.get("port", 80))
        host = self.device.ip if port == 80 else f"{self.device.ip}:{port}"
        return f"http://{host}{path or self.path}"

    def op_GetSystemDateAndTime(self) -> str:
        now = dt.datetime.now(dt.timezone.utc)

        def stamp(tag: str, t: dt.datetime) -> str:
            return (f"<tt:{tag}><tt:Time><tt:Hour>{t.hour}</tt:Hour><tt:Minute>{t.minute}</tt:Minute>"
                    f"<tt:Second>{t.second}</tt:Second></tt:Time><tt:Date><tt:Year>{t.year}</tt:Year>"
                    f"<tt:Month>{t.month}</tt:Month><tt:Day>{t.day}</tt:Day></tt:Date></tt:{tag}>")

        tz = escape(str(self.config.get("timezone", "CST-8")))
        return ("<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
                "<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
                f"<tt:TimeZone><tt:TZ>{tz}</tt:TZ></tt:TimeZone>"
                f"{stamp('UTCDateTime', now)}{stamp('LocalDateTime', now)}"
                "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>")

    def op_GetCapabilities(self) -> str:
        return ("<tds:GetCapabilitiesResponse><tds:Capabilities>"
                f"<tt:Device><tt:XAddr>{escape(self._xaddr())}</tt:XAddr>"
                "<tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration>"
                "<tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network>"
                "<tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>true</tt:DiscoveryBye>"
                "<tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup>"
                "<tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>"
                "<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>40</tt:Minor></tt:SupportedVersions>"
                "</tt:System>"
                "<tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>false</tt:TLS1.2>"
                "<tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration><tt:AccessPolicyConfig>false</tt:AccessPolicyConfig>"
                "<tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken>"
                "<tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken></tt:Security>"
                "</tt:Device>"
                "</tds:Capabilities></tds:GetCapabilitiesResponse>")

    def op_GetServices(self) -> str:
        return ("<tds:GetServicesResponse><tds:Service>"
                f"<tds:Namespace>{NS_TDS}</tds:Namespace><tds:XAddr>{escape(self._xaddr())}</tds:XAddr>"
                "<tds:Version><tt:Major>2</tt:Major><tt:Minor>40</tt:Minor></tds:Version>"
                "</tds:Service></tds:GetServicesResponse>")

    def op_GetHostname(self) -> str:
        name = escape(str(fill(self.config.get("hostname", self.device.name), self.device)))
        return ("<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP>"
                f"<tt:Name>{name}</tt:Name></tds:HostnameInformation></tds:GetHostnameResponse>")

    def op_GetDeviceInformation(self) -> str:
        fields = "".join(f"<tds:{k}>{escape(v)}</tds:{k}>" for k, v in self.info.items())
        return f"<tds:GetDeviceInformationResponse>{fields}</tds:GetDeviceInformationResponse>"

    def op_GetScopes(self) -> str:
        items = "".join(f"<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>{escape(s)}</tt:ScopeItem>"
                        "</tds:Scopes>" for s in self.scopes)
        return f"<tds:GetScopesResponse>{items}</tds:GetScopesResponse>"

    def op_GetNetworkInterfaces(self) -> str:
        return ("<tds:GetNetworkInterfacesResponse>"
                '<tds:NetworkInterfaces token="eth0"><tt:Enabled>true</tt:Enabled>'
                f"<tt:Info><tt:Name>eth0</tt:Name><tt:HwAddress>{escape(self.device.mac.lower())}</tt:HwAddress>"
                "<tt:MTU>1500</tt:MTU></tt:Info>"
                "<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config>"
                f"<tt:Manual><tt:Address>{escape(self.device.ip)}</tt:Address>"
                f"<tt:PrefixLength>{int(self.config.get('prefix_length', 24))}</tt:PrefixLength></tt:Manual>"
                "<tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4>"
                "</tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>")

    # -- dispatch ---------------------------------------------------------------------------
    def handle(self, body: bytes, headers: Mapping[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for one POSTed SOAP request."""
        # one request per connection, as gSOAP-based devices answer (hawkeye64/onvif-nvt#30:
        # "server: gSOAP", "content-type: application/soap+xml; charset=utf-8", "connection: close")
        reply_headers = {"Content-Type": CONTENT_TYPE, "Connection": "close"}
        if len(body) > MAX_BODY:
            return 413, reply_headers, fault("Sender", "WellFormed", "Request too large")
        try:
            root = DET.fromstring(body)
        except Exception:
            return 400, reply_headers, fault("Sender", "WellFormed", "Well-formed Error")
        body_el = root.find(f"{{{NS_ENV}}}Body")
        if root.tag != f"{{{NS_ENV}}}Envelope" or body_el is None or len(body_el) == 0:
            return 400, reply_headers, fault("Sender", "WellFormed", "Well-formed Error")
        operation = body_el[0].tag.rpartition("}")[2]
        recorded = (self.config.get("recorded") or {}).get(operation)
        if recorded is not None:
            return int(recorded.get("status", 200)), reply_headers, str(recorded["body"]).encode("utf-8")
        handler = getattr(self, f"op_{operation}", None)
        if handler is None or not body_el[0].tag.startswith(f"{{{NS_TDS}}}"):
            return 500, reply_headers, fault("Receiver", "ActionNotSupported", "Optional Action Not Implemented",
                                             namespaces=self.namespaces, table=self.table)
        needs_auth = operation not in PRE_AUTH and not (
            operation == "GetDeviceInformation" and self.config.get("device_info_without_auth"))
        if needs_auth and not self.authorized(root):
            status = int(self.config.get("unauthorized_status", 400))
            return status, reply_headers, fault(
                "Sender", "NotAuthorized", "Sender not Authorized",
                "The action requested requires authorization and the sender is not authorized", self.namespaces,
                self.table)
        return 200, reply_headers, envelope(handler(), self.namespaces, self.table)


def endpoint(device: DeviceContext, config: dict[str, Any]) -> Endpoint:
    return Endpoint(device, config)


_MOUNTS: dict[tuple[str, int, str], Endpoint] = {}
_MOUNTS_LOCK = threading.Lock()


def mounted(ip: str, port: int, path: str) -> Endpoint | None:
    """The ONVIF endpoint a ``listen: false`` profile mounted at ip:port/path, if any."""
    with _MOUNTS_LOCK:
        return _MOUNTS.get((ip, int(port), path.split("?", 1)[0]))


def http_response(local: tuple[str, int], method: str, target: str, body: bytes) -> bytes | None:
    """Whole HTTP response for a request the device's web server received, or None if no ONVIF
    endpoint is mounted at ``local`` (the server socket's address) and ``target``.

    For the http service: ``raw = onvif.http_response(sock.getsockname(), method, target, body)``
    with the request body read up to ``MAX_BODY``; send ``raw`` if it is not None.
    """
    ep = mounted(local[0], local[1], target)
    if ep is None or method != "POST":
        return None
    status, headers, payload = ep.handle(body)
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}"]
    server = ep.config.get("server")
    if server:
        lines.append(f"Server: {server}")
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += [f"Content-Length: {len(payload)}", "", ""]
    return "\r\n".join(lines).encode("latin-1") + payload


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 413: "Payload Too Large",
            500: "Internal Server Error"}


def _handler_class(ep: Endpoint, server_header: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = READ_TIMEOUT

        def version_string(self) -> str:
            return server_header

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("onvif %s: " + format, self.client_address[0], *args)

        def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            if self.path.split("?")[0] != ep.path:
                self._send(404, {"Content-Type": "text/plain"}, b"Not Found")
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self.close_connection = True
                self._send(411, {"Content-Type": "text/plain"}, b"Length Required")
                return
            if length < 0 or length > MAX_BODY:
                self.close_connection = True
                self._send(413, {"Content-Type": CONTENT_TYPE}, fault("Sender", "WellFormed", "Request too large"))
                return
            body = self.rfile.read(length)
            status, headers, reply = ep.handle(body, dict(self.headers.items()))
            self._send(status, headers, reply)

        def do_GET(self) -> None:
            self.close_connection = True
            self._send(405, {"Content-Type": "text/plain", "Allow": "POST"}, b"Method Not Allowed")

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 32

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("onvif: connection from %s ended badly", client_address, exc_info=True)


class OnvifService:
    def __init__(self, device: DeviceContext, config: dict[str, Any]) -> None:
        self.endpoint = Endpoint(device, config)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._mount_key = (device.ip, int(config.get("port", 80)), self.endpoint.path)
        if not config.get("listen", True):
            with _MOUNTS_LOCK:
                _MOUNTS[self._mount_key] = self.endpoint
        else:
            handler = _handler_class(self.endpoint, str(config.get("server", "gSOAP/2.8")))
            self._server = _Server((device.ip, int(config.get("port", 80))), handler)
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                            name="lab-onvif", daemon=True)
            self._thread.start()

    def close(self) -> None:
        with _MOUNTS_LOCK:
            if _MOUNTS.get(self._mount_key) is self.endpoint:
                del _MOUNTS[self._mount_key]
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)


def start(device: DeviceContext, config: dict[str, Any]) -> OnvifService:
    return OnvifService(device, config)
