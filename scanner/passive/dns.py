"""The names a LAN device asks its DNS server for (RFC 1035 queries, UDP to port 53).

A camera that resolves its maker's cloud (a P2P relay, a push or update server) names that maker
even when it announces nothing else and wears another brand; ``fingerprints/cloud_name.yaml``
reads these names (``dns.query``) and the TLS server names devices ask for (``tls.sni``).

Written by hand, not with scapy's ``DNS`` layer: only the question section of a query is read
(a 12-byte header, then length-prefixed labels), a few lines with strict limits, while scapy
would build a full packet object per frame and decode answer sections nobody needs. A query's
question never uses compression pointers, so one is a malformed packet here, as is any label or
name over the RFC limits; a cut or hostile packet yields the names read before the fault and
never an exception.
"""

from __future__ import annotations

import re

HEADER = 12
MAX_QUESTIONS = 4  # real stub resolvers ask one; a packet claiming hundreds is not read past this
MAX_LABEL, MAX_NAME = 63, 253
# Names that stay on the LAN or are reverse look-ups: they say nothing about a maker's cloud.
LOCAL_SUFFIXES = (".local", ".arpa", ".lan", ".home", ".localdomain", ".internal")
_HOSTNAME = re.compile(r"^(?=.{3,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)+$")


def query_names(payload: bytes) -> list[str]:
    """The names a DNS query asks for, lower-case without the trailing dot; [] for a response, a
    malformed packet, or names that stay on the LAN (``LOCAL_SUFFIXES``, single labels)."""
    if len(payload) < HEADER:
        return []
    flags = int.from_bytes(payload[2:4], "big")
    if flags & 0x8000 or (flags >> 11) & 0xF != 0:  # a response, or not a standard query
        return []
    qdcount = int.from_bytes(payload[4:6], "big")
    names: list[str] = []
    at = HEADER
    for _ in range(min(qdcount, MAX_QUESTIONS)):
        labels: list[str] = []
        total = 0
        while True:
            if at >= len(payload):
                return names
            length = payload[at]
            at += 1
            if length == 0:
                break
            if length > MAX_LABEL or at + length > len(payload):
                return names  # a compression pointer (0xC0..) or a label cut short: stop here
            total += length + 1
            if total > MAX_NAME + 1:
                return names
            labels.append(payload[at : at + length].decode("ascii", "replace").lower())
            at += length
        at += 4  # QTYPE, QCLASS
        name = ".".join(labels)
        if _HOSTNAME.match(name) and not name.endswith(LOCAL_SUFFIXES):
            names.append(name)
    return names
