"""Small servers for probe tests, each run inside a test namespace (tests/netns.py).

The well-behaved ones replay header lines that real devices sent (source beside each); the
hostile ones do what a broken or malicious device does: flood, stall, drip, send garbage.
"""

from __future__ import annotations

import socket
import threading
import time

# Real replies, quoted in the comments of a public RTSP client (RTSPClient.m) from the devices
# its author tested: an Axis camera and a Dahua camera.
AXIS_REALM_HEADER = 'Digest realm="AXIS_00408CEF081C", nonce="00054cecY7165349339ae05f7017797d6b0aaad38f6ff45", stale=FALSE'
DAHUA_REALM_HEADER = 'Digest realm="Login to 4K049EBPAG1D7E7", nonce="de4ccb15804565dc8a4fa5b115695f4f"'


def _listen(ip: str, port: int) -> socket.socket:
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((ip, port))
    srv.listen(64)
    return srv


def _serve(ip: str, port: int, handle) -> None:
    srv = _listen(ip, port)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=_guard, args=(handle, conn), daemon=True).start()


def _guard(handle, conn: socket.socket) -> None:
    try:
        conn.settimeout(30)
        handle(conn)
    except OSError:
        pass
    finally:
        conn.close()


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def http_server(ip: str, port: int, routes: dict[str, tuple[int, list[tuple[str, str]], bytes]]) -> None:
    def handle(conn: socket.socket) -> None:
        request = _read_request(conn)
        path = request.split(b" ")[1].decode() if request.count(b" ") >= 2 else "/"
        status, headers, body = routes.get(path, (404, [], b"not found"))
        head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
        head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        conn.sendall(head.encode() + body)

    _serve(ip, port, handle)


def flood_server(ip: str, port: int, megabytes: int) -> None:
    """Claims a normal page, then sends ``megabytes`` MB of body."""

    def handle(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><title>x</title>")
        block = b"A" * 65536
        for _ in range(megabytes * 16):
            conn.sendall(block)

    _serve(ip, port, handle)


def silent_server(ip: str, port: int) -> None:
    """Accepts the connection and never says a word."""

    def handle(conn: socket.socket) -> None:
        time.sleep(60)

    _serve(ip, port, handle)


def drip_server(ip: str, port: int) -> None:
    """Sends a header line one byte every 0.5 s, forever."""

    def handle(conn: socket.socket) -> None:
        _read_request(conn)
        for byte in b"HTTP/1.1 200 OK\r\nServer: " + b"x" * 10000:
            conn.sendall(bytes([byte]))
            time.sleep(0.5)

    _serve(ip, port, handle)


def garbage_server(ip: str, port: int, payload: bytes) -> None:
    """Answers any request with ``payload`` and closes."""

    def handle(conn: socket.socket) -> None:
        conn.recv(4096)
        conn.sendall(payload)

    _serve(ip, port, handle)


def rtsp_server(ip: str, port: int, server: str, www_authenticate: str, sdp: str = "") -> None:
    """OPTIONS answered with Server and Public; DESCRIBE with a 401 challenge, or with ``sdp``
    as the session description when one is given (a camera that lets anyone describe its stream)."""
    def handle(conn: socket.socket) -> None:
        while True:
            request = _read_request(conn)
            if not request:
                return
            cseq = "1"
            for line in request.split(b"\r\n"):
                if line.lower().startswith(b"cseq:"):
                    cseq = line.split(b":", 1)[1].strip().decode()
            if request.startswith(b"OPTIONS"):
                reply = f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nServer: {server}\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n\r\n"
            elif sdp:
                body = sdp.replace("\n", "\r\n")
                reply = (f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nContent-Type: application/sdp\r\n"
                         f"Content-Length: {len(body.encode())}\r\n\r\n{body}")
            else:
                reply = f"RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\nWWW-Authenticate: {www_authenticate}\r\n\r\n"
            conn.sendall(reply.encode())

    _serve(ip, port, handle)
