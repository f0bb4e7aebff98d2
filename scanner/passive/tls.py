"""What a TLS handshake shows in clear: the server name a client asks for (ClientHello SNI,
RFC 6066) and the server's certificate (TLS 1.2 and earlier; TLS 1.3 encrypts it).

Written by hand: only the record layer (RFC 5246 section 6.2) and two handshake messages are
read, from one direction of a reassembled TCP stream; a full TLS library would want to take
part in the handshake. Every length is checked against the bytes present and the stream is
capped, so a cut or hostile stream yields what was readable and no exception.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

CONTENT_CHANGE_CIPHER_SPEC, CONTENT_ALERT, CONTENT_HANDSHAKE, CONTENT_APPDATA = 20, 21, 22, 23
HS_CLIENT_HELLO, HS_SERVER_HELLO, HS_CERTIFICATE = 1, 2, 11
EXT_SERVER_NAME = 0
MAX_HANDSHAKE = 64 * 1024


@dataclass(slots=True)
class Handshake:
    server_name: str | None = None
    certificates: list[bytes] = field(default_factory=list)  # DER, leaf first
    is_tls: bool = False


def looks_like_tls(data: bytes) -> bool:
    """A TLS record header: handshake content type, version 3.x, plausible length."""
    return len(data) >= 5 and data[0] == CONTENT_HANDSHAKE and data[1] == 3 and data[2] <= 4


def _handshake_bytes(stream: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i + 5 <= len(stream) and len(out) < MAX_HANDSHAKE:
        ctype, major, _minor, length = stream[i], stream[i + 1], stream[i + 2], struct.unpack_from("!H", stream, i + 3)[0]
        if major != 3 or ctype not in (CONTENT_CHANGE_CIPHER_SPEC, CONTENT_ALERT, CONTENT_HANDSHAKE, CONTENT_APPDATA):
            break
        if ctype != CONTENT_HANDSHAKE:
            break  # from here on the handshake is encrypted
        out += stream[i + 5 : i + 5 + length]
        i += 5 + length
    return bytes(out[:MAX_HANDSHAKE])


def parse_stream(stream: bytes) -> Handshake:
    """Read the clear handshake messages at the start of one direction of a TLS connection."""
    result = Handshake(is_tls=looks_like_tls(stream))
    if not result.is_tls:
        return result
    data = _handshake_bytes(stream)
    i = 0
    while i + 4 <= len(data):
        kind = data[i]
        length = int.from_bytes(data[i + 1 : i + 4], "big")
        body = data[i + 4 : i + 4 + length]
        if kind == HS_CLIENT_HELLO:
            result.server_name = _sni(body)
        elif kind == HS_CERTIFICATE:
            result.certificates = _certificates(body)
        if len(body) < length:
            break
        i += 4 + length
    return result


def _sni(body: bytes) -> str | None:
    try:
        i = 2 + 32  # client_version, random
        i += 1 + body[i]  # session id
        i += 2 + struct.unpack_from("!H", body, i)[0]  # cipher suites
        i += 1 + body[i]  # compression methods
        end = i + 2 + struct.unpack_from("!H", body, i)[0]
        i += 2
        while i + 4 <= min(end, len(body)):
            ext, elen = struct.unpack_from("!HH", body, i)
            if ext == EXT_SERVER_NAME:
                ext_body = body[i + 4 : i + 4 + elen]
                j = 2  # server_name_list length
                while j + 3 <= len(ext_body):
                    name_type, nlen = ext_body[j], struct.unpack_from("!H", ext_body, j + 1)[0]
                    if name_type == 0:
                        name = ext_body[j + 3 : j + 3 + nlen].decode("ascii", "replace")
                        return name[:255] or None
                    j += 3 + nlen
            i += 4 + elen
    except (IndexError, struct.error):
        return None
    return None


def _certificates(body: bytes) -> list[bytes]:
    certs = []
    if len(body) < 3:
        return certs
    total = int.from_bytes(body[0:3], "big")
    i, end = 3, min(3 + total, len(body))
    while i + 3 <= end and len(certs) < 10:
        clen = int.from_bytes(body[i : i + 3], "big")
        cert = body[i + 3 : i + 3 + clen]
        if len(cert) < clen:
            break
        certs.append(cert)
        i += 3 + clen
    return certs
