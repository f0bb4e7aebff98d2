"""The device's RTSP server: answers OPTIONS, DESCRIBE (and any method the profile lists) with
the device's own status, Server header and authentication realm. No media is streamed.

One thread per connection; a connection may carry several requests (RTSP clients reuse it).
Reads are capped (head 16 KiB, body drained up to 64 KiB), idle connections time out, and bytes
that are not RTSP get a 400 and a closed connection.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from typing import Any

from ._template import device_values, fill
from .base import DeviceContext

MAX_HEAD = 16 * 1024
MAX_BODY_DRAIN = 64 * 1024
IDLE_TIMEOUT = 10.0
MAX_REQUESTS_PER_CONNECTION = 32

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 451: "Parameter Not Understood", 454: "Session Not Found",
            461: "Unsupported transport", 501: "Not Implemented"}


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr: tuple[str, int], service: "RtspService") -> None:
        self.service = service
        super().__init__(addr, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(IDLE_TIMEOUT)
        buf = b""
        try:
            for _ in range(MAX_REQUESTS_PER_CONNECTION):
                split = _split_head(buf)
                while split is None:
                    if len(buf) > MAX_HEAD:
                        return
                    chunk = sock.recv(4096)
                    if not chunk:
                        return
                    buf += chunk
                    split = _split_head(buf)
                head, buf = split
                method, headers = _parse(head)
                buf = _skip_body(sock, headers, buf)
                reply, keep = self.server.service.answer(method, headers)
                sock.sendall(reply)
                if not keep:
                    return
        except (OSError, ValueError):
            return


def _split_head(buf: bytes) -> tuple[bytes, bytes] | None:
    """Split off one request head at the first blank line (CRLF or bare LF), if there is one."""
    ends = [(i, n) for i, n in ((buf.find(b"\r\n\r\n"), 4), (buf.find(b"\n\n"), 2)) if i >= 0]
    if not ends:
        return None
    i, n = min(ends)
    return buf[:i], buf[i + n:]


def _parse(head: bytes) -> tuple[str | None, dict[str, str]]:
    lines = head.decode("latin-1", "replace").replace("\r\n", "\n").split("\n")
    parts = lines[0].split()
    method = None
    if len(parts) == 3 and parts[2].upper().startswith("RTSP/") and parts[0].isalpha():
        method = parts[0].upper()
    headers: dict[str, str] = {}
    for line in lines[1:65]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()[:256]
    return method, headers


def _skip_body(sock: socket.socket, headers: dict[str, str], buf: bytes) -> bytes:
    try:
        length = max(0, int(headers.get("content-length", "0")))
    except ValueError:
        length = 0
    length = min(length, MAX_BODY_DRAIN)
    while len(buf) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf[length:]


class RtspService:
    def __init__(self, device: DeviceContext, cfg: dict[str, Any]) -> None:
        self.methods: dict[str, dict[str, Any]] = {str(k).upper(): v for k, v in (cfg.get("methods") or {}).items()}
        self.default = cfg.get("default") or {"status": 405, "headers": [["CSeq", "{cseq}"]]}
        self.values = device_values(device.ip, device.mac)
        self._server = _Server((device.ip, int(cfg.get("port", 554))), self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="rtsp", daemon=True)
        self._thread.start()

    def answer(self, method: str | None, headers: dict[str, str]) -> tuple[bytes, bool]:
        cseq = "".join(ch for ch in headers.get("cseq", "0") if ch.isdigit())[:10] or "0"
        if method is None:
            return f"RTSP/1.0 400 Bad Request\r\nCSeq: {cseq}\r\n\r\n".encode(), False
        entry = self.methods.get(method, self.default)
        status = int(entry.get("status", 200))
        reason = entry.get("reason") or _REASONS.get(status, "Unknown")
        body = fill(str(entry.get("body", "")), self.values).encode("utf-8")
        values = dict(self.values, cseq=cseq, content_length=str(len(body)))
        pairs = [(str(n), fill(str(v), values)) for n, v in entry.get("headers") or []]
        if not any(n.lower() == "cseq" for n, _ in pairs):
            pairs.insert(0, ("CSeq", cseq))
        if body and not any(n.lower() == "content-length" for n, _ in pairs):
            pairs.append(("Content-Length", str(len(body))))
        lines = [f"RTSP/1.0 {status} {reason}"] + [f"{n}: {v}" for n, v in pairs]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body, True

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def start(device: DeviceContext, config: dict[str, Any]) -> RtspService:
    return RtspService(device, config)
