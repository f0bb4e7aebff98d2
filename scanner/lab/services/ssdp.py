"""SSDP responder and UPnP device description for the lab (UDP 1900, group 239.255.255.250).

A control point multicasts ``M-SEARCH * HTTP/1.1`` with ``MAN: "ssdp:discover"`` and an ``ST``
(``ssdp:all``, ``upnp:rootdevice``, ``uuid:…``, a device or service type). The device answers
the sender, unicast, with ``HTTP/1.1 200 OK`` carrying ST, USN, SERVER (the device's real
server string), CACHE-CONTROL, EXT and LOCATION, the URL of its device description; for
``ssdp:all`` it sends one answer per advertised target (UPnP Device Architecture 1.0, 1.3.2).
The description XML (``urn:schemas-upnp-org:device-1-0``: friendlyName, manufacturer,
modelName, modelNumber, serialNumber, UDN, ...) is served by this module's own small HTTP
listener. On start the device multicasts ``NOTIFY ssdp:alive`` for each target, and
``ssdp:byebye`` on close.

Requests are parsed as text with a size cap; a datagram that is not an M-SEARCH is ignored.

Config (``profile["services"]["ssdp"]``):
    server:           SERVER header (the real device's string)
    uuid:             UDN without "uuid:" (strings may use {mac_hex} ...); default from the MAC
    device_type:      e.g. urn:schemas-upnp-org:device:Basic:1
    service_types:    optional list of service type URNs also answered and listed
    http_port:        port of the description listener (default 49152)
    location_path:    path of the description (default /description.xml)
    max_age:          CACHE-CONTROL max-age (default 1800)
    description:      ordered mapping of <device> elements (friendlyName, manufacturer,
                      manufacturerURL, modelDescription, modelName, modelNumber, modelURL,
                      serialNumber, presentationURL ...); deviceType and UDN are added
    http_server:      Server header of the description listener (default: ``server``)
    notify:           send NOTIFY alive on start and byebye on close (default true)
    source:           where the values come from (documentation only)
"""

from __future__ import annotations

import hashlib
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

from scanner.lab.services._udp import UdpResponder, fill
from scanner.lab.services.base import DeviceContext

log = logging.getLogger(__name__)

PORT = 1900
GROUP = "239.255.255.250"


def default_uuid(device: DeviceContext) -> str:
    digest = hashlib.md5(device.name.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{device.mac.replace(':', '').lower()}"


def parse_msearch(data: bytes) -> dict[str, str] | None:
    """Headers (lower-case names) of an M-SEARCH request, or None."""
    text = data.decode("latin-1")
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    if not lines or not lines[0].upper().startswith("M-SEARCH "):
        return None
    headers: dict[str, str] = {}
    for line in lines[1:64]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    if headers.get("man", "").strip('"').lower() != "ssdp:discover":
        return None
    return headers


class SsdpService:
    def __init__(self, device: DeviceContext, config: dict[str, Any]) -> None:
        self.device = device
        self.config = config
        self.server: str = fill(config.get("server", "Linux/3.0, UPnP/1.0, Portable SDK for UPnP devices/1.6.6"), device)
        self.uuid: str = fill(config.get("uuid") or default_uuid(device), device)
        self.device_type: str = config.get("device_type", "urn:schemas-upnp-org:device:Basic:1")
        self.service_types: list[str] = list(config.get("service_types") or [])
        self.http_port = int(config.get("http_port", 49152))
        self.path: str = config.get("location_path", "/description.xml")
        self.location = f"http://{device.ip}:{self.http_port}{self.path}"
        self._http = _DescriptionServer((device.ip, self.http_port), _handler(self))
        self._http_thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.2},
                                             name="lab-ssdp-http", daemon=True)
        self._http_thread.start()
        self._responder = UdpResponder("ssdp", device, PORT, GROUP, self._reply)
        if config.get("notify", True):
            for target, usn in self.targets():
                self._responder.send(self._notify(target, usn, "ssdp:alive"), (GROUP, PORT))

    def targets(self) -> list[tuple[str, str]]:
        udn = f"uuid:{self.uuid}"
        out = [("upnp:rootdevice", f"{udn}::upnp:rootdevice"), (udn, udn),
               (self.device_type, f"{udn}::{self.device_type}")]
        out += [(st, f"{udn}::{st}") for st in self.service_types]
        return out

    def description(self) -> bytes:
        fields = dict(fill(self.config.get("description") or {}, self.device))
        body = [f"<deviceType>{escape(self.device_type)}</deviceType>"]
        body += [f"<{k}>{escape(str(v))}</{k}>" for k, v in fields.items() if k not in ("deviceType", "UDN")]
        body.append(f"<UDN>uuid:{escape(self.uuid)}</UDN>")
        if self.service_types:
            services = "".join(
                f"<service><serviceType>{escape(st)}</serviceType>"
                f"<serviceId>urn:upnp-org:serviceId:{escape(st.split(':')[-2])}</serviceId>"
                f"<SCPDURL>/{escape(st.split(':')[-2])}.xml</SCPDURL>"
                f"<controlURL>/{escape(st.split(':')[-2])}/control</controlURL>"
                f"<eventSubURL>/{escape(st.split(':')[-2])}/event</eventSubURL></service>"
                for st in self.service_types)
            body.append(f"<serviceList>{services}</serviceList>")
        return ('<?xml version="1.0"?>\n<root xmlns="urn:schemas-upnp-org:device-1-0">'
                "<specVersion><major>1</major><minor>0</minor></specVersion>"
                f"<device>{''.join(body)}</device></root>\n").encode("utf-8")

    def _response(self, target: str, usn: str) -> bytes:
        return ("HTTP/1.1 200 OK\r\n"
                f"CACHE-CONTROL: max-age={int(self.config.get('max_age', 1800))}\r\n"
                "EXT:\r\n"
                f"LOCATION: {self.location}\r\n"
                f"SERVER: {self.server}\r\n"
                f"ST: {target}\r\n"
                f"USN: {usn}\r\n"
                "\r\n").encode("utf-8")

    def _notify(self, target: str, usn: str, nts: str) -> bytes:
        lines = ["NOTIFY * HTTP/1.1", f"HOST: {GROUP}:{PORT}"]
        if nts == "ssdp:alive":
            lines += [f"CACHE-CONTROL: max-age={int(self.config.get('max_age', 1800))}",
                      f"LOCATION: {self.location}", f"SERVER: {self.server}"]
        lines += [f"NT: {target}", f"NTS: {nts}", f"USN: {usn}", "", ""]
        return "\r\n".join(lines).encode("utf-8")

    def _reply(self, data: bytes, sender: tuple[str, int]) -> list[bytes] | None:
        headers = parse_msearch(data)
        if headers is None:
            return None
        st = headers.get("st", "")
        if st == "ssdp:all":
            return [self._response(target, usn) for target, usn in self.targets()]
        for target, usn in self.targets():
            if st == target:
                return [self._response(target, usn)]
        return None

    def close(self) -> None:
        if self.config.get("notify", True):
            for target, usn in self.targets():
                self._responder.send(self._notify(target, usn, "ssdp:byebye"), (GROUP, PORT))
        self._responder.close()
        self._http.shutdown()
        self._http.server_close()
        self._http_thread.join(timeout=2)


class _DescriptionServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("ssdp http: connection from %s ended badly", client_address, exc_info=True)


def _handler(service: SsdpService) -> type[BaseHTTPRequestHandler]:
    server_header = fill(service.config.get("http_server") or service.server, service.device)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 5.0

        def version_string(self) -> str:
            return server_header

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("ssdp http %s: " + format, self.client_address[0], *args)

        def do_GET(self) -> None:
            if self.path.split("?")[0] == service.path:
                status, ctype, body = 200, 'text/xml; charset="utf-8"', service.description()
            else:
                status, ctype, body = 404, "text/plain", b"Not Found"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def start(device: DeviceContext, config: dict[str, Any]) -> SsdpService:
    return SsdpService(device, config)
