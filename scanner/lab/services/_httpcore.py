"""A small HTTP/1.x server that answers each path exactly as a device profile says.

Written by hand rather than on ``http.server.BaseHTTPRequestHandler`` because real devices'
answers must go out byte for byte: header order and spelling (``CONTENT-LENGTH``), duplicate
headers, no ``Server`` header at all, HTTP/1.0 status lines. The standard handler adds its own
``Server`` and ``Date`` headers and normalises the rest.

Each connection gets one request and one response, then is closed. Reads are capped (head
16 KiB, body read up to 256 KiB) and time out, so no client can hold a thread for long or
make it crash. A POST to a path where the device's ONVIF service mounted itself (profiles with
``onvif.listen: false``, because real devices serve ONVIF on their web port) is handed to that
endpoint; every other request gets the profile's answer for its path.
"""

from __future__ import annotations

import http
import socket
import socketserver
import ssl
import threading
from typing import Any

from ._template import device_values, fill
from .base import DeviceContext

MAX_HEAD = 16 * 1024
MAX_BODY_READ = 256 * 1024
IO_TIMEOUT = 5.0

_DEFAULT_404 = {"status": 404, "headers": [["Content-Type", "text/html"], ["Content-Length", "{content_length}"]],
                "body": ""}


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr: tuple[str, int], responder: "Responder", tls: ssl.SSLContext | None) -> None:
        self.responder = responder
        self.tls = tls
        super().__init__(addr, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:  # never print tracebacks for bad clients
        pass


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(IO_TIMEOUT)
        try:
            if self.server.tls is not None:
                sock = self.server.tls.wrap_socket(sock, server_side=True)
            head, rest = _read_head(sock)
            if head is None:
                return
            method, target, _ = _request_line(head)
            if method is None:
                sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            headers = _headers(head)
            body = _read_body(sock, headers, rest)
            sock.sendall(self.server.responder.respond(method, target, headers, body))
        except (OSError, ssl.SSLError, ValueError):
            return
        finally:
            try:
                sock.close()
            except OSError:
                pass


def _read_head(sock: socket.socket) -> tuple[bytes | None, bytes]:
    buf = b""
    while b"\r\n\r\n" not in buf and b"\n\n" not in buf:
        if len(buf) > MAX_HEAD:
            return None, b""
        chunk = sock.recv(4096)
        if not chunk:
            return (buf or None), b""
        buf += chunk
    sep = b"\r\n\r\n" if b"\r\n\r\n" in buf else b"\n\n"
    head, _, rest = buf.partition(sep)
    return head, rest


def _request_line(head: bytes) -> tuple[str | None, str, str]:
    line = head.split(b"\n", 1)[0].strip().decode("latin-1", "replace")
    parts = line.split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/") or not parts[0].isalpha():
        return None, "", ""
    return parts[0].upper(), parts[1], parts[2]


def _headers(head: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in head.split(b"\n")[1:101]:
        name, sep, value = raw.decode("latin-1", "replace").partition(":")
        if sep:
            out[name.strip().lower()] = value.strip()[:1024]
    return out


def _read_body(sock: socket.socket, headers: dict[str, str], rest: bytes) -> bytes:
    try:
        length = max(0, int(headers.get("content-length", "0")))
    except ValueError:
        length = 0
    want = min(length, MAX_BODY_READ + 1)
    body = rest[:want]
    while len(body) < want:
        chunk = sock.recv(min(65536, want - len(body)))
        if not chunk:
            break
        body += chunk
    return body


class Responder:
    """Turns a (method, target) into the exact response bytes the profile describes."""

    def __init__(self, cfg: dict[str, Any], device: DeviceContext, port: int = 80) -> None:
        self.ip, self.port = device.ip, port
        self.protocol = str(cfg.get("protocol", "HTTP/1.1"))
        self.common = [list(h) for h in cfg.get("headers") or []]
        self.routes: dict[str, dict[str, Any]] = dict(cfg.get("routes") or {})
        self.default = cfg.get("default") or _DEFAULT_404
        self.values = device_values(device.ip, device.mac)

    def route_for(self, target: str) -> dict[str, Any]:
        path = target.split("#", 1)[0]
        entry = self.routes.get(path) or self.routes.get(path.split("?", 1)[0])
        for _ in range(4):  # follow same_as links, bounded
            if entry is None or "same_as" not in entry:
                break
            entry = self.routes.get(entry["same_as"])
        return entry if entry is not None else self.default

    def respond(self, method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
        if method == "POST":
            from . import onvif  # lazy: the mount table lives in the same device process

            endpoint = onvif.mounted(self.ip, self.port, target)
            if endpoint is not None:
                status, reply_headers, reply = endpoint.handle(body, headers or {})
                return self._compose(method, status, None, list(reply_headers.items()), reply)
        entry = self.route_for(target)
        payload = fill(str(entry.get("body", "")), self.values).encode("utf-8")
        return self._compose(method, int(entry.get("status", 200)), entry.get("reason"),
                             [list(h) for h in entry.get("headers") or []], payload,
                             length_header=not entry.get("no_content_length"))

    def _compose(self, method: str, status: int, reason: str | None, route_headers: list[Any], body: bytes,
                 length_header: bool = True) -> bytes:
        values = dict(self.values, content_length=str(len(body)))
        headers = [(str(n), fill(str(v), values)) for n, v in self.common + route_headers]
        if length_header and not any(n.lower() == "content-length" for n, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        lines = [f"{self.protocol} {status} {reason or _reason(status)}"] + [f"{n}: {v}" for n, v in headers]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        return head if method == "HEAD" else head + body


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class HttpService:
    """A running HTTP(S) server bound to the device address; ``close()`` stops it."""

    def __init__(self, device: DeviceContext, cfg: dict[str, Any], port: int, tls: ssl.SSLContext | None) -> None:
        self._server = _Server((device.ip, port), Responder(cfg, device, port), tls)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"http-{port}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
