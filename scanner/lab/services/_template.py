"""Fill the placeholders a profile writes in header values and bodies.

Profiles copy real responses; the parts that change per device or per request are written as
placeholders: ``{date}`` (RFC 1123), ``{date:<strftime format>}`` (a device's own date style),
``{nonce}`` / ``{nonce_upper}`` (32 fresh hex digits), ``{ip}``, ``{mac}``, ``{mac_hex_upper}``
(``ACCC8E494578``), ``{cseq}`` (echo of the request's CSeq) and ``{content_length}``.
Unknown names are left as written.
"""

from __future__ import annotations

import email.utils
import re
import secrets
import time
from typing import Mapping

_PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::([^{}]*))?\}")


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace the placeholders in ``text``; ``values`` supplies per-request ones (cseq, ip...)."""

    def one(match: re.Match[str]) -> str:
        name, arg = match.group(1), match.group(2)
        if name == "date":
            if arg:
                return time.strftime(arg, time.gmtime())
            return email.utils.formatdate(usegmt=True)
        if name == "nonce":
            return secrets.token_hex(16)
        if name == "nonce_upper":
            return secrets.token_hex(16).upper()
        if name in values:
            return values[name]
        return match.group(0)

    return _PLACEHOLDER.sub(one, text)


def device_values(ip: str, mac: str) -> dict[str, str]:
    return {"ip": ip, "mac": mac, "mac_hex_upper": mac.replace(":", "").upper()}
