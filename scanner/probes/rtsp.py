"""RTSP probe: ``OPTIONS`` and ``DESCRIBE`` without credentials, for the Server header, the
auth realm, the ``Public`` method list, and the session-level lines of a session description
(SDP ``s=``, ``i=``, ``a=tool:`` and the other session attributes) where a device describes its
stream without asking for a login.

Written by hand: no maintained Python RTSP client exposes the raw reply headers, and two
requests need no more than a socket. The reply headers are parsed by the standard library's
``http.client.parse_headers`` (RTSP/1.0 headers are HTTP/1.1 headers), behind a byte cap and a
deadline for the whole exchange. A DESCRIBE's session description is read up to its
Content-Length within the same cap; no SETUP or PLAY is ever sent, so no stream is opened.

Observation fields: ``rtsp.server``, ``rtsp.realm``, ``rtsp.public`` (the method list as sent),
``rtsp.sdp_session`` (``s=``), ``rtsp.sdp_info`` (session ``i=``), ``rtsp.sdp_tool`` (``a=tool:``),
``rtsp.sdp_attribute`` (every other session-level ``a=`` line, without the ``a=``: a server's
private attributes, such as ``packetization-supported:DH``, name its RTSP stack).
"""

from __future__ import annotations

import http.client
import io
import socket
import time

from ..models import AttemptStatus, Host, Observation, ProbeOutput
from .base import HostProbe, ProbeContext
from .http import extract_realms
from .ports import ports_for

MAX_REPLY = 16 * 1024
MAX_SDP_LINES = 64  # session-level lines read before the first media section
MAX_SDP_ATTRIBUTES = 16  # session-level a= lines kept as rtsp.sdp_attribute
SDP_FIELDS = {"s=": "rtsp.sdp_session", "i=": "rtsp.sdp_info", "a=tool:": "rtsp.sdp_tool"}
USER_AGENT = "cctv-scan/0.1"


class RtspReplyError(ValueError):
    """The peer's bytes are not an RTSP reply."""


def parse_reply(data: bytes) -> tuple[int, dict[str, str]]:
    """Status code and headers (lower-case names) of one RTSP reply (pure: no network)."""
    head, sep, _rest = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, _rest = data.partition(b"\n\n")
    status_line, _, header_block = head.partition(b"\n")
    parts = status_line.decode("latin-1").strip().split(" ", 2)
    # isascii: '²' and other digits int() refuses pass isdigit(); over 4 digits is no status code
    if len(parts) < 2 or not parts[0].startswith("RTSP/") or not (parts[1].isascii() and parts[1].isdigit()) or len(parts[1]) > 4:
        raise RtspReplyError(f"not an RTSP status line: {status_line[:60]!r}")
    try:
        message = http.client.parse_headers(io.BytesIO(header_block + b"\r\n\r\n"))
    except http.client.HTTPException as exc:  # over 100 headers, or a header line over 64 KiB
        raise RtspReplyError(f"RTSP headers refused: {type(exc).__name__}") from None
    headers: dict[str, str] = {}
    for name, value in message.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return int(parts[1]), headers


def reply_body(data: bytes) -> bytes:
    """The body of one reply (what follows the blank line), cut to its Content-Length if given."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        head, found, body = data.partition(sep)
        if found:
            break
    else:
        return b""
    for line in head.split(b"\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return body[: int(value.strip())]
    return body


def sdp_lines(body: bytes) -> list[tuple[str, str]]:
    """(field, value) for the session-level ``s=``, ``i=``, ``a=tool:`` and other ``a=`` lines of
    an SDP (at most MAX_SDP_ATTRIBUTES of the last)."""
    out = []
    attributes = 0
    for raw in body.decode("utf-8", "replace").splitlines()[:MAX_SDP_LINES]:
        line = raw.strip()
        if line.startswith("m="):
            break  # media sections describe streams, not the device
        for prefix, field in SDP_FIELDS.items():
            if line.startswith(prefix) and line[len(prefix):].strip():
                out.append((field, line[len(prefix):].strip()[:512]))
                break
        else:
            if line.startswith("a=") and line[2:].strip() and attributes < MAX_SDP_ATTRIBUTES:
                attributes += 1
                out.append(("rtsp.sdp_attribute", line[2:].strip()[:512]))
    return out


def observations_from(ip: str, port: int, headers: dict[str, str], body: bytes = b"") -> list[Observation]:
    obs = []
    if headers.get("server"):
        obs.append(Observation(ip=ip, probe="rtsp", field="rtsp.server", value=headers["server"][:1024], port=port))
    for realm in extract_realms(headers.get("www-authenticate", "")):
        obs.append(Observation(ip=ip, probe="rtsp", field="rtsp.realm", value=realm, port=port))
    if headers.get("public"):
        obs.append(Observation(ip=ip, probe="rtsp", field="rtsp.public", value=headers["public"][:512], port=port))
    if body and "sdp" in headers.get("content-type", "application/sdp").lower():
        obs += [Observation(ip=ip, probe="rtsp", field=f, value=v, port=port) for f, v in sdp_lines(body)]
    return obs


def exchange(ip: str, port: int, request: bytes, timeout: float) -> bytes:
    """Send one request, read until the end of the reply (headers, then Content-Length bytes of
    body), the cap, or the deadline."""
    deadline = time.monotonic() + timeout * 2
    with socket.create_connection((ip, port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while not _complete(data) and len(data) < MAX_REPLY:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"reply incomplete after {timeout * 2:.1f}s")
            sock.settimeout(min(timeout, remaining))
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data[:MAX_REPLY]


def _complete(data: bytes) -> bool:
    for sep in (b"\r\n\r\n", b"\n\n"):
        head, found, body = data.partition(sep)
        if found:
            for line in head.split(b"\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length" and value.strip().isdigit():
                    return len(body) >= min(int(value.strip()), MAX_REPLY)
            return True
    return False


class RtspProbe(HostProbe):
    name = "rtsp"
    description = "RTSP OPTIONS and DESCRIBE: Server header, auth realm, Public methods, session description"

    def probe(self, ctx: ProbeContext, host: Host) -> ProbeOutput:
        out = ProbeOutput()
        for port in sorted(ports_for("rtsp") & ctx.open_ports.get(host.ip, set())):
            seen: set[tuple[str, str]] = set()
            for cseq, method in enumerate(("OPTIONS", "DESCRIBE"), start=1):
                started = time.monotonic()
                target = f"rtsp://{host.ip}:{port}/"
                request = (
                    f"{method} {target} RTSP/1.0\r\nCSeq: {cseq}\r\nUser-Agent: {USER_AGENT}\r\n"
                    + ("Accept: application/sdp\r\n" if method == "DESCRIBE" else "")
                    + "\r\n"
                ).encode()
                ctx.wait_turn()
                try:
                    reply = exchange(host.ip, port, request, ctx.timeout)
                    status, headers = parse_reply(reply)
                except (TimeoutError, socket.timeout) as exc:
                    out.attempts.append(self.attempt(f"{method} {target}", AttemptStatus.TIMEOUT, str(exc) or "timed out", started))
                    break
                except (RtspReplyError, http.client.HTTPException, UnicodeError) as exc:
                    out.attempts.append(self.attempt(f"{method} {target}", AttemptStatus.MALFORMED, str(exc)[:200], started))
                    break
                except OSError as exc:
                    out.attempts.append(self.attempt(f"{method} {target}", AttemptStatus.REFUSED, str(exc)[:200], started))
                    break
                out.attempts.append(self.attempt(f"{method} {target}", AttemptStatus.OK, f"RTSP {status}", started))
                for obs in observations_from(host.ip, port, headers, reply_body(reply) if status == 200 else b""):
                    if (obs.field, obs.value) not in seen:
                        seen.add((obs.field, obs.value))
                        out.observations.append(obs)
        return out
