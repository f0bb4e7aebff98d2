"""Small, strict helpers shared by the discovery parsers: hostile-safe XML, field-name
normalisation, MAC normalisation, value clipping.

XML goes through defusedxml with DTDs, entities and external references all refused, so a
"billion laughs" or an external entity is a MalformedReply, never an expansion or a fetch.
"""

from __future__ import annotations

import io
import re
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse

from ..models import Observation

MAX_XML_BYTES = 256 * 1024
MAX_VALUE_CHARS = 512


class MalformedReply(ValueError):
    """A device's bytes could not be parsed; the message is the reason recorded."""


def parse_xml(data: bytes, max_bytes: int = MAX_XML_BYTES) -> Element:
    if len(data) > max_bytes:
        raise MalformedReply(f"XML of {len(data)} bytes exceeds the {max_bytes}-byte cap")
    if not data.strip():
        raise MalformedReply("empty reply")
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise MalformedReply(f"XML refused ({type(exc).__name__}): DTDs and entities are not accepted") from None
    except ParseError as exc:
        raise MalformedReply(f"invalid XML: {exc}") from None
    except (ValueError, UnicodeError, LookupError) as exc:  # LookupError: an unknown declared encoding
        raise MalformedReply(f"invalid XML: {exc}") from None


MAX_NAMESPACES = 256  # a gSOAP envelope declares 40 to 60, its maker's own last


def declared_namespaces(data: bytes, max_bytes: int = MAX_XML_BYTES) -> list[str]:
    """Every namespace URI the document declares (``xmlns:x="..."``), in order, once each, at most
    ``MAX_NAMESPACES``: the same defusedxml reader with the same refusals as ``parse_xml`` (the
    declarations are parser events; ElementTree's tree keeps only the namespaces tags use)."""
    if len(data) > max_bytes:
        raise MalformedReply(f"XML of {len(data)} bytes exceeds the {max_bytes}-byte cap")
    out: dict[str, None] = {}
    try:
        for _event, (_prefix, uri) in iterparse(io.BytesIO(data), events=("start-ns",), forbid_dtd=True,
                                                 forbid_entities=True, forbid_external=True):
            if len(out) >= MAX_NAMESPACES:
                break
            out.setdefault(clip(uri), None)
    except DefusedXmlException as exc:
        raise MalformedReply(f"XML refused ({type(exc).__name__}): DTDs and entities are not accepted") from None
    except (ParseError, ValueError, UnicodeError, LookupError) as exc:
        raise MalformedReply(f"invalid XML: {exc}") from None
    return [uri for uri in out if uri]


MAX_PREFIXES = 64  # prefixes recorded from the root element's declarations
MAX_PREFIX_CHARS = 32


def root_prefixes(data: bytes, max_bytes: int = MAX_XML_BYTES) -> list[str]:
    """The namespace prefixes the document's root element declares, in the order written
    (``xmlns:env`` ... -> ``env``; a default namespace is ``""``), at most ``MAX_PREFIXES``: the
    order is the firmware's SOAP stack's own (gSOAP writes its namespace table in order). Same
    defusedxml reader and refusals as ``declared_namespaces``; reading stops at the root element."""
    if len(data) > max_bytes:
        raise MalformedReply(f"XML of {len(data)} bytes exceeds the {max_bytes}-byte cap")
    out: list[str] = []
    try:
        for event, item in iterparse(io.BytesIO(data), events=("start-ns", "start"), forbid_dtd=True,
                                     forbid_entities=True, forbid_external=True):
            if event == "start":
                break
            if len(out) < MAX_PREFIXES:
                out.append(clip(item[0] or "")[:MAX_PREFIX_CHARS])
    except DefusedXmlException as exc:
        raise MalformedReply(f"XML refused ({type(exc).__name__}): DTDs and entities are not accepted") from None
    except (ParseError, ValueError, UnicodeError, LookupError) as exc:
        raise MalformedReply(f"invalid XML: {exc}") from None
    return out


def local(tag: str) -> str:
    """Element tag without its namespace: '{ns}Scopes' -> 'Scopes'."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


_ACRONYM_WORD = re.compile(r"([A-Z]+)([A-Z][a-z])")
_LOWER_UPPER = re.compile(r"([a-z0-9])([A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def snake(name: str) -> str:
    """Vendor field names to observation keys: DeviceSN -> device_sn, IPv4Address ->
    ipv4_address, OEMInfo -> oem_info, SDKOverTLSPort -> sdk_over_tls_port."""
    text = name.replace("IPv4", "Ipv4").replace("IPv6", "Ipv6")
    text = _ACRONYM_WORD.sub(r"\1_\2", text)
    text = _LOWER_UPPER.sub(r"\1_\2", text)
    return _NON_WORD.sub("_", text.lower()).strip("_")[:64]


_HEX12 = re.compile(r"^[0-9a-f]{12}$")


def norm_mac(text: str | None) -> str | None:
    """'c0-56-e3-fe-42-92', 'C0:56:E3:FE:42:92', 'c056e3fe4292' -> 'c0:56:e3:fe:42:92'.
    Zero, broadcast and anything that is not 48 bits give None."""
    if not text:
        return None
    hexes = re.sub(r"[^0-9a-fA-F]", "", text).lower()
    if not _HEX12.match(hexes) or hexes in ("000000000000", "ffffffffffff"):
        return None
    if len(re.sub(r"[0-9a-fA-F]", "", text.strip())) not in (0, 5):
        return None
    return ":".join(hexes[i : i + 2] for i in range(0, 12, 2))


def clip(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """A device-supplied value as a printable string of at most ``limit`` characters."""
    text = str(value)
    text = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return text[:limit]


def child_fields(parent: Element, fields: dict[str, str], ip: str, probe: str, port: int | None, limit: int) -> list[Observation]:
    """One observation per child element whose local name ``fields`` maps to a field, with a
    non-empty (clipped) text; at most ``limit`` of them."""
    out: list[Observation] = []
    for child in parent:
        if len(out) >= limit:
            break
        field = fields.get(local(child.tag))
        value = clip(child.text or "")
        if field and value:
            out.append(Observation(ip, probe, field, value, port))
    return out
