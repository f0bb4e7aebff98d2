"""DHCP (RFC 2131/2132) client options a device reveals about itself: host name (option 12),
vendor class identifier (option 60) and parameter request list (option 55).

Written by hand: the BOOTP header is a fixed 236 bytes followed by the magic cookie and a
type-length-value option list, a dozen lines with ``struct``; every length is checked against
the bytes present, so a cut or hostile packet yields what was readable and no exception.
"""

from __future__ import annotations

from dataclasses import dataclass

from .frames import mac_text

MAGIC_COOKIE = b"\x63\x82\x53\x63"
OPT_HOSTNAME, OPT_PARAM_LIST, OPT_VENDOR_CLASS, OPT_MSG_TYPE, OPT_REQUESTED_IP = 12, 55, 60, 53, 50
BOOTREQUEST = 1
MAX_TEXT = 256


@dataclass(frozen=True, slots=True)
class DhcpClient:
    """What one client message (DISCOVER, REQUEST, INFORM) says about the client."""

    mac: str
    ip: str | None  # ciaddr or the requested address, when the client has or asks for one
    hostname: str | None
    vendor_class: str | None
    param_list: str | None  # comma-separated option numbers, in the client's order
    message_type: int | None


def _text(raw: bytes) -> str | None:
    text = raw.rstrip(b"\0").decode("utf-8", "replace").strip()
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:MAX_TEXT] or None


def _ip(raw: bytes) -> str | None:
    return ".".join(str(b) for b in raw) if len(raw) == 4 and raw != b"\0\0\0\0" else None


def parse_client(payload: bytes) -> DhcpClient | None:
    """The client facts of one BOOTREQUEST, or ``None`` when it is not one (a reply, or junk)."""
    if len(payload) < 240 or payload[0] != BOOTREQUEST or payload[236:240] != MAGIC_COOKIE:
        return None
    hlen = payload[2]
    if payload[1] != 1 or hlen != 6:  # Ethernet hardware addresses only
        return None
    options: dict[int, bytes] = {}
    i = 240
    while i < len(payload):
        code = payload[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        if i + 1 >= len(payload):
            break
        length = payload[i + 1]
        value = payload[i + 2 : i + 2 + length]
        if len(value) < length:
            break  # cut by the snap length: keep what came before
        options[code] = options.get(code, b"") + value  # RFC 3396: repeated options concatenate
        i += 2 + length
    return DhcpClient(
        mac=mac_text(payload[28:34]),
        ip=_ip(payload[12:16]) or _ip(options.get(OPT_REQUESTED_IP, b"")),
        hostname=_text(options[OPT_HOSTNAME]) if OPT_HOSTNAME in options else None,
        vendor_class=_text(options[OPT_VENDOR_CLASS]) if OPT_VENDOR_CLASS in options else None,
        param_list=",".join(str(b) for b in options[OPT_PARAM_LIST]) if options.get(OPT_PARAM_LIST) else None,
        message_type=options[OPT_MSG_TYPE][0] if options.get(OPT_MSG_TYPE) else None,
    )


def parse_lease(payload: bytes) -> tuple[str, str] | None:
    """(client MAC, leased address) of a server's DHCPACK, which ties a MAC to its address."""
    if len(payload) < 240 or payload[0] != 2 or payload[2] != 6 or payload[236:240] != MAGIC_COOKIE:
        return None
    ip = _ip(payload[16:20])
    i, msg_type = 240, None
    while i + 2 <= len(payload) and payload[i] != 255:
        if payload[i] == 0:
            i += 1
            continue
        if payload[i] == OPT_MSG_TYPE and payload[i + 1] >= 1 and i + 2 < len(payload):
            msg_type = payload[i + 2]
        i += 2 + payload[i + 1]
    return (mac_text(payload[28:34]), ip) if ip and msg_type == 5 else None
