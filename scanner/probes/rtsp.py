"""RTSP probe: ``OPTIONS`` and ``DESCRIBE`` without credentials, for the Server header and the
auth realm.

Written by hand: no maintained Python RTSP client exposes the raw reply headers, and two
requests need no more than a socket. The reply headers are parsed by the standard library's
``http.client.parse_headers`` (RTSP/1.0 headers are HTTP/1.1 headers), behind a byte cap and a
deadline for the whole exchange. A DESCRIBE answered with a session description is not read
past the headers: no stream is ever opened.
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


def observations_from(ip: str, port: int, headers: dict[str, str]) -> list[Observation]:
    obs = []
    if headers.get("server"):
        obs.append(Observation(ip=ip, probe="rtsp", field="rtsp.server", value=headers["server"][:1024], port=port))
    for realm in extract_realms(headers.get("www-authenticate", "")):
        obs.append(Observation(ip=ip, probe="rtsp", field="rtsp.realm", value=realm, port=port))
    return obs


def exchange(ip: str, port: int, request: bytes, timeout: float) -> bytes:
    """Send one request, read until the end of the reply headers, the cap, or the deadline."""
    deadline = time.monotonic() + timeout * 2
    with socket.create_connection((ip, port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data and b"\n\n" not in data and len(data) < MAX_REPLY:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"reply incomplete after {timeout * 2:.1f}s")
            sock.settimeout(min(timeout, remaining))
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data[:MAX_REPLY]


class RtspProbe(HostProbe):
    name = "rtsp"
    description = "RTSP OPTIONS and DESCRIBE: Server header and auth realm"

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
                    status, headers = parse_reply(exchange(host.ip, port, request, ctx.timeout))
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
                for obs in observations_from(host.ip, port, headers):
                    if (obs.field, obs.value) not in seen:
                        seen.add((obs.field, obs.value))
                        out.observations.append(obs)
        return out
