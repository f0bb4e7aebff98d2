"""Split one reassembled HTTP or RTSP byte stream into its messages (start line, headers,
body), for streams the passive reader has seen go by.

Written by hand around the standard library's ``http.client.parse_headers`` (the same header
parser the active RTSP probe uses): ``http.client`` itself only reads responses from a socket
it drives. Bodies are framed by Content-Length or chunked encoding, never read past the stream
or ``MAX_BODY``; a message whose header block is cut off ends the split.
"""

from __future__ import annotations

import http.client
import io
from dataclasses import dataclass

MAX_HEAD = 32 * 1024
MAX_BODY = 64 * 1024
MAX_MESSAGES = 64
NO_BODY_STATUS = {204, 304}


@dataclass(frozen=True, slots=True)
class Message:
    start: str  # "GET /path HTTP/1.1" or "HTTP/1.1 200 OK"
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes
    complete: bool  # the whole body was present in the stream

    @property
    def is_response(self) -> bool:
        return self.start.startswith(("HTTP/", "RTSP/"))

    @property
    def status(self) -> int | None:
        parts = self.start.split(" ", 2)
        return int(parts[1]) if self.is_response and len(parts) > 1 and _number(parts[1]) else None

    @property
    def method(self) -> str | None:
        return None if self.is_response else self.start.split(" ", 1)[0]

    @property
    def target(self) -> str | None:
        parts = self.start.split(" ")
        return parts[1] if not self.is_response and len(parts) >= 2 else None


def split(stream: bytes, *, head_method: bool = False) -> list[Message]:
    messages: list[Message] = []
    i = 0
    while i < len(stream) and len(messages) < MAX_MESSAGES:
        end = stream.find(b"\r\n\r\n", i, i + MAX_HEAD)
        sep = 4
        if end < 0:
            end, sep = stream.find(b"\n\n", i, i + MAX_HEAD), 2
        if end < 0:
            break  # header block cut off
        head = stream[i:end]
        line, _, block = head.partition(b"\n")
        start = line.decode("latin-1").strip()
        try:
            parsed = http.client.parse_headers(io.BytesIO(block + b"\r\n\r\n"))
        except (http.client.HTTPException, ValueError):
            break
        headers: dict[str, str] = {}
        for name, value in parsed.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else str(value)
        i = end + sep
        msg_is_response = start.startswith(("HTTP/", "RTSP/"))
        status = start.split(" ", 2)[1] if msg_is_response and len(start.split(" ")) > 1 else ""
        length_text = headers.get("content-length", "").strip()
        if msg_is_response and (head_method or status.startswith("1") or _number(status) and int(status) in NO_BODY_STATUS):
            body, complete = b"", True
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body, used, complete = _dechunk(stream, i)
            i += used
        elif length_text.isascii() and length_text.isdigit():
            length = int(length_text) if len(length_text) <= 18 else 10**18  # past any stream we keep
            body = stream[i : i + min(length, MAX_BODY)]
            complete = len(stream) - i >= length
            i += length
        elif msg_is_response and not start.startswith("RTSP/"):
            body, complete = stream[i : i + MAX_BODY], False  # delimited by the connection's end
            i = len(stream)
        else:
            body, complete = b"", True
        messages.append(Message(start[:1024], headers, body, complete))
    return messages


def _number(text: str, digits: int = 4) -> bool:
    """ASCII digits only, at most ``digits`` of them: str.isdigit() also accepts '²' and other
    characters int() refuses, and int() refuses more than 4300 digits."""
    return 0 < len(text) <= digits and text.isascii() and text.isdigit()


_HEX_DIGITS = b"0123456789abcdefABCDEF"


def _dechunk(stream: bytes, i: int) -> tuple[bytes, int, bool]:
    body = bytearray()
    start = i
    while len(body) < MAX_BODY:
        eol = stream.find(b"\r\n", i, i + 64)
        if eol < 0:
            return bytes(body), len(stream) - start, False
        size_text = stream[i:eol].split(b";", 1)[0].strip()
        if not size_text or size_text.strip(_HEX_DIGITS):  # int(x, 16) also takes "-6", "+5", "1_0": a
            return bytes(body), len(stream) - start, False  # negative size stepped back and looped forever
        size = int(size_text, 16)
        i = eol + 2
        if size == 0:
            trailer_end = stream.find(b"\r\n", i)
            return bytes(body), (trailer_end + 2 if trailer_end >= 0 else len(stream)) - start, True
        body += stream[i : i + size]
        if len(stream) < i + size:
            return bytes(body), len(stream) - start, False
        i += size + 2
    return bytes(body[:MAX_BODY]), len(stream) - start, False
