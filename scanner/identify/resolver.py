"""Resolve maker-declaring fields through the maker registry (``fingerprints/vendors.yaml``).

Fingerprint files match banners that *imply* a maker; this module reads the fields in which a
device *declares* one (ONVIF Manufacturer, UPnP manufacturer, a WS-Discovery name scope, an mDNS
instance name, ...) and looks what they say up in the registry: every vendor's canonical name,
aliases, legal name and IEEE registrant names (case-insensitive, on word boundaries, longest
first), every model grammar, the OEM model
tables, and the values that name no maker (``generic_values``). It yields the matcher's ``Match``
objects, so evidence rows say which alias or grammar matched (``alias:<name>``,
``model:<grammar id>``, ``oem:<brand>``, ``generic``) and at what strength.

Which field plays which role is the table ``FIELD_ROLES`` below, in code rather than in
``fingerprints/``: a role is a fact about a protocol (ONVIF defines ``Manufacturer`` as the maker,
UPnP ``modelNumber`` as a model) and about which observation fields our own probes emit, not
knowledge of any maker, so it changes with the probe code, not with the market. The makers,
spellings and model grammars it resolves against are data, in ``vendors.yaml``.

Strength rules (stated once, here and in fingerprints/README.md):
- a ``maker`` field whose whole value is an alias: strong; an alias inside it: medium;
- a WS-Discovery/ONVIF ``name`` scope whose whole value is an alias (``name/Dahua``): strong, as the
  device's own declaration; an alias leading it (``name/HIKVISION DS-2CD...``): medium;
- an alias inside a ``model`` field, or at the start of a free-text field: medium;
- an alias elsewhere in free text (a title, a server banner, a host name): weak, and only for
  aliases of four characters or more ('LTS' inside 'Ubuntu 22.04 LTS' is not the LTS brand);
- a model grammar: the strength its entry says (it is anchored on token boundaries);
- an OEM model table entry: medium (the table's source names the platform model);
- a MAC inside another field: one step below the same MAC read from the ARP table (see ``macs_in``
  and ``matcher.mac_in_field_strength``): weak, or medium in Hikvision's and Dahua's blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..models import Observation
from .vendors import ModelGrammar, Vendor, VendorDB

MAKER, MODEL, TEXT, URL, SCOPE, DN = "maker", "model", "text", "url", "scope", "dn"

# observation field -> role. A field name ending in ``.*`` covers a family (SADP and DHIP fields
# differ by firmware; any of them may carry a vendor, model or OEM name).
FIELD_ROLES: dict[str, str] = {
    "onvif.manufacturer": MAKER,
    "onvif.model": MODEL,
    "onvif.hardware": MODEL,
    "onvif.firmware": TEXT,
    "wsd.manufacturer": MAKER,
    "wsd.name": TEXT,
    "wsd.hardware": MODEL,
    "wsd.scope": SCOPE,
    "onvif.scope": SCOPE,  # the same scopes, read over ONVIF GetScopes
    "upnp.manufacturer": MAKER,
    "upnp.model_name": MODEL,
    "upnp.model_number": MODEL,
    "upnp.model_description": TEXT,
    "upnp.manufacturer_url": URL,
    "upnp.friendly_name": TEXT,
    "mdns.name": TEXT,
    "mdns.hostname": TEXT,
    "mdns.txt": TEXT,
    "sadp.device_type": MODEL,
    "sadp.device_description": MODEL,
    "sadp.oem": MAKER,
    "sadp.oem_info": MAKER,  # the name the SADP probe gives OEMInfo (scanner/probes/_parsing.py)
    "sadp.vendor": MAKER,
    "sadp.manufacturer": MAKER,
    "dhip.device_type": MODEL,
    "dhip.device_class": MODEL,
    "dhip.vendor": MAKER,
    "dhip.oem": MAKER,
    "dhip.manufacturer": MAKER,
    "dvrip.net_common.host_name": TEXT,
    "ssdp.server": TEXT,
    "http.server": TEXT,
    "rtsp.server": TEXT,
    "http.realm": TEXT,
    "rtsp.realm": TEXT,
    "rtsp.sdp_session": TEXT,
    "rtsp.sdp_info": TEXT,
    "rtsp.sdp_tool": TEXT,
    "tls.subject": DN,
    "tls.issuer": DN,
    "dhcp.vendor_class": TEXT,
    "dhcp.hostname": TEXT,
    "http.title": TEXT,
    "snmp.sys_descr": TEXT,
}
# Fields a device's own MAC may appear in (a Digest realm, a host name, a serial, an SSID).
MAC_FIELDS = frozenset(
    {
        "http.realm", "rtsp.realm", "dhcp.hostname", "mdns.hostname", "mdns.name", "onvif.serial",
        "upnp.serial", "sadp.device_sn", "dhip.serial_no", "wsd.serial", "wsd.name", "wifi.ssid",
        "upnp.friendly_name", "snmp.sys_name",
        # the MAC a device states in an application protocol (ONVIF GetNetworkInterfaces, a
        # WS-Discovery mac scope, SADP/DHIP discovery), and UniFi's SDP session name '<MAC>_<n>'
        "onvif.mac", "wsd.mac", "sadp.mac", "dhip.mac", "dvrip.net_common.mac", "rtsp.sdp_session",
        # identifiers that often end in the MAC (a UUID's node field): counted only when the
        # prefix is a registry maker's, see REGISTRY_ONLY_MAC_FIELDS
        "wsd.endpoint", "wsd.scope", "onvif.scope", "upnp.udn", "ssdp.usn",
    }
)
# In these a 12-hex run is as often random (a version-4 UUID) as a MAC: about 1% of random
# prefixes are assigned to some IEEE organisation, far fewer to a maker in vendors.yaml, so only
# a registry maker's prefix is taken (never the IEEE-organisation fallback brand).
REGISTRY_ONLY_MAC_FIELDS = frozenset({"wsd.endpoint", "wsd.scope", "onvif.scope", "upnp.udn", "ssdp.usn"})
# mDNS TXT entries whose key says the value is the device's MAC: Axis's '_axis-video._tcp' sends
# 'macaddress=ACCC8E7662A5' (IoT Inspector), Amcrest's '_http._tcp' 'mac=9c:8e:cd:0f:0b:1c'
# (onvif-scripts capture). Never every TXT key: HomeKit's 'id=E7:7D:DC:51:CD:EE' is a random
# device id written like a MAC (HAP specification, 'Device ID'), and it would name a stranger.
_TXT_MAC_KEY = re.compile(r"(?:mac|mac_?addr(?:ess)?|hw_?addr(?:ess)?|eth_?addr|ethernet_?mac|wlan_?mac|wifi_?mac)", re.I)
# Device classes the protocols themselves define (ONVIF device types in WS-Discovery Types and
# type scopes, the UPnP standard DigitalSecurityCamera device): field -> (pattern, device type).
# A recorder that announces itself as storage is an NVR before any banner says so. The
# transmitter type (NetworkVideoTransmitter, video_encoder) says nothing: NVRs and DVRs announce
# it too (the lab's Dahua NVR4108HS and Xiongmai DVR do). Weak, so a model grammar outvotes it.
PROTOCOL_TYPES: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "wsd.types": ((re.compile(r"NetworkVideoStorage", re.I), "nvr"),),
    "wsd.type": ((re.compile(r"Network_?Video_?Storage", re.I), "nvr"),),
    "upnp.device_type": ((re.compile(r":device:DigitalSecurityCamera:", re.I), "camera"),),
}
MAX_RESOLVE_CHARS = 1024  # declared names are short; a device must not choose how long we look
_WORD = r"(?<![0-9A-Za-z]){}(?![0-9A-Za-z])"
_DN_PART = re.compile(r"(?:^|[,/])\s*(O|CN|OU)\s*=\s*([^,/]+)", re.IGNORECASE)
# 'onvif://www.onvif.org/name/<maker> <model>', and the same keys one level down, where some
# makers put their own scopes ('onvif://www.onvif.org/acc/mfr/FLIR%20Systems'); never under
# 'location/' (a place, whatever words it holds).
_ONVIF_SCOPE = re.compile(
    r"onvif://www\.onvif\.org/(?:(?!location/)[^/]+/)?(name|hardware|mfr|manufacturer|model)/(.+)", re.IGNORECASE
)
_MAC_RUN = re.compile(r"(?<![0-9A-Fa-f])([0-9A-Fa-f]{12}|(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2})(?![0-9A-Fa-f])")


@dataclass(frozen=True, slots=True)
class Resolved:
    """One conclusion the resolver drew from one field (turned into a ``Match`` by the matcher)."""

    fingerprint_id: str
    strength: str
    params: dict[str, str]
    note: str


def role_of(field_name: str) -> str | None:
    return FIELD_ROLES.get(field_name)


@dataclass(frozen=True, slots=True)
class _Alias:
    text: str
    vendor: str
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class _Compiled:
    vdb: VendorDB
    aliases: tuple[_Alias, ...]
    grammars: tuple[ModelGrammar, ...]
    # Every alias in one alternation, longest first, so a value is read once whatever the size
    # of the registry; the matched text (case-folded) names the alias's vendor.
    any_alias: re.Pattern[str]
    by_text: dict[str, _Alias]


_CACHE: dict[int, _Compiled] = {}


def _compiled(vdb: VendorDB) -> _Compiled:
    """The registry's aliases and grammars, compiled once per loaded database (VendorDB holds
    dicts, so it cannot be an lru_cache key; the entry keeps the database alive with its id)."""
    hit = _CACHE.get(id(vdb))
    if hit is None or hit.vdb is not vdb:
        if len(_CACHE) > 8:
            _CACHE.clear()
        aliases = _build_aliases(vdb)
        by_text: dict[str, _Alias] = {}
        for a in aliases:
            by_text.setdefault(a.text.strip().casefold(), a)
        alternation = "|".join(re.escape(a.text.strip()) for a in aliases) or r"(?!x)x"
        hit = _Compiled(
            vdb, aliases, tuple(g for v in vdb.vendors.values() for g in v.models),
            re.compile(_WORD.format(f"(?:{alternation})"), re.IGNORECASE), by_text,
        )
        _CACHE[id(vdb)] = hit
    return hit


def _aliases(vdb: VendorDB) -> tuple[_Alias, ...]:
    return _compiled(vdb).aliases


def compiled_aliases(vdb: VendorDB) -> tuple[_Alias, ...]:
    """Every device maker's and brand's alias as the resolver matches it (for the self-test)."""
    return _aliases(vdb)


def _grammars(vdb: VendorDB) -> tuple[ModelGrammar, ...]:
    return _compiled(vdb).grammars


def _build_aliases(vdb: VendorDB) -> tuple[_Alias, ...]:
    """Every device maker's and brand's name, aliases, legal name and IEEE registrant names, longest
    first."""
    out = []
    for v in vdb.vendors.values():
        if not v.is_device_maker:
            continue
        # A device may declare its maker by the company's full name or by the name it holds its
        # IEEE block under ('Shanghai Xiaoyi Technology Co., Ltd.', 'Bird Home Automation'):
        # those are spellings of the maker too (long, so they never hide in a word).
        formal = tuple(n for n in (v.legal_name, *v.ieee_names) if len(n.strip()) >= 6)
        for text in dict.fromkeys((v.name, *v.aliases, *formal)):
            if len(text.strip()) < 2:
                continue
            out.append(_Alias(text, v.name, re.compile(_WORD.format(re.escape(text.strip())), re.IGNORECASE)))
    out.sort(key=lambda a: -len(a.text))
    return tuple(out)


def is_generic(vdb: VendorDB, value: str) -> bool:
    return value.strip().casefold() in vdb.generic_values


def protocol_type(obs: Observation) -> Resolved | None:
    """The device type a protocol field announces by the protocol's own definition, if any."""
    value = (obs.value or "")[:MAX_RESOLVE_CHARS]
    for pattern, device_type in PROTOCOL_TYPES.get(obs.field, ()):
        if pattern.search(value):
            return Resolved(f"protocol-type:{obs.field}", "weak", {"device_type": device_type}, f"the protocol's own device class: {device_type}")
    return None


def resolve(obs: Observation, vdb: VendorDB) -> list[Resolved]:
    """What a maker-declaring field says about maker, brand, model and device type."""
    typed = protocol_type(obs)
    if typed is not None:
        return [typed]
    role = role_of(obs.field)
    value = (obs.value or "")[:MAX_RESOLVE_CHARS].strip()
    if role is None or not value:
        return []
    if role == SCOPE:
        m = _ONVIF_SCOPE.match(unquote(value))
        if m is None:
            host = _hostname(value)
            if not host or host.endswith("onvif.org"):
                return []  # location, type and profile scopes name no maker (wsd_scope.yaml reads them)
            # A vendor-specific scope (flir://www.flir.com/security/): its domain names the maker.
            return _resolve_text(vdb, " ".join(_domain_labels(host)), "url")
        kind, rest = m.group(1).casefold(), unquote(m.group(2)).strip().strip("/")
        role = {"name": TEXT, "hardware": MODEL, "model": MODEL}.get(kind, MAKER)
        value = rest
        if role == TEXT:
            role = "lead"  # a name scope is '<maker> <model>' by ONVIF convention: alias first is medium
    if role == URL:
        host = _hostname(value if "//" in value else f"//{value}")
        labels = _domain_labels(host)
        return _resolve_text(vdb, " ".join(labels), "url") if labels else []
    if role == DN:
        out: list[Resolved] = []
        for key, part in _DN_PART.findall(value):
            out += _resolve_text(vdb, part.strip(), "dn-o" if key.upper() == "O" else TEXT)
        return _dedupe(out)
    if is_generic(vdb, value):
        return [Resolved("generic", "weak", {}, f"generic value {value[:60]!r}: names no maker")]
    found = _resolve_text(vdb, value, role)
    if role == MAKER and not found:
        declared = declared_maker(value)
        if declared is not None:
            found = [
                Resolved(
                    DECLARED_ID, "weak", {"vendor": declared},
                    f"the device declares its manufacturer as {declared!r}, which the vendor database does not know",
                )
            ]
    return found


DECLARED_ID = "declared-maker"
_DECLARED_MAX = 48
_LETTERS = re.compile(r"[A-Za-z\u00c0-\uffff]")
_HEXISH = re.compile(r"^[0-9A-Fa-f:._-]+$")


def declared_maker(value: str) -> str | None:
    """A manufacturer a device states that no registry entry names, cleaned of company suffixes,
    or ``None`` when the value cannot be a company name (too long, no letters, a hex or number
    run, a URL, a path). It becomes a weak fallback (identity.py): the device's own word, kept
    below every registry maker and never enough to restrict."""
    text = " ".join(value.split())
    if not 2 <= len(text) <= _DECLARED_MAX or len(_LETTERS.findall(text)) < 2:
        return None
    if _HEXISH.match(text) or "/" in text or "://" in text or "=" in text or "<" in text:
        return None
    cleaned = clean_org(text)
    return cleaned if len(cleaned) >= 2 else None


def _hostname(url: str) -> str:
    """The host of a URL a device sent, or '' when it has none or is malformed ('http://[x/':
    urlsplit raises ValueError on a broken IPv6 literal, and a device chooses what it sends)."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _domain_labels(host: str) -> list[str]:
    """'www.hikvision.com' -> ['hikvision']: the labels of a domain that can name a company."""
    return [x for x in host.split(".") if x and x not in ("www", "com", "cn", "net", "org", "co", "de", "uk", "us")]


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _resolve_text(vdb: VendorDB, value: str, role: str, within: tuple[str, ...] = ()) -> list[Resolved]:
    """``within``: names already read whole from the value before it was split at camel case; a
    piece of one of them is not another name ('Sharp' in 'RaySharp' is Raysharp's, not Sharp's)."""
    out: list[Resolved] = []
    compiled = _compiled(vdb)
    if role in (TEXT, "lead") and _CAMEL.search(value):
        # 'PelcoCameraSide', 'AxisNetworkCamera': names run together in camel case are read as
        # words too (the original value is read as well, so 'HiLook' still matches whole)
        whole = tuple(m.group(0).casefold() for m in compiled.any_alias.finditer(value))
        out += [r for r in _resolve_text(vdb, _CAMEL.sub(" ", value), role, whole) if r.fingerprint_id.startswith("alias:")]
    for m in compiled.any_alias.finditer(value):
        alias = compiled.by_text.get(m.group(0).casefold())
        if alias is None:
            continue
        if any(m.group(0).casefold().replace(" ", "") in w.replace(" ", "") for w in within):
            continue
        lead = value[: m.start()].strip() == ""
        if role == TEXT and not lead and len(alias.text.strip()) < 4:
            continue  # 'LTS' inside 'Ubuntu 22.04 LTS': a short alias deep in free text is noise
        whole = m.start() == 0 and m.end() == len(value.rstrip(" .,"))
        if role == MAKER:
            strength = "strong" if whole or _only_suffix(value[m.end():]) else "medium"
        elif role == "lead" and whole:
            strength = "strong"  # a name scope that is exactly a maker's name: the device's own declaration
        elif role in (MODEL, "lead", "dn-o", "url"):
            strength = "medium"
        else:
            strength = "medium" if lead else "weak"
        v = vdb.get(alias.vendor)
        assert v is not None
        out.append(Resolved(f"alias:{alias.vendor}", strength, _vendor_params(v), f"alias {alias.text!r} in {role} field"))
    for g in _grammars(vdb):
        m = g.regex.search(value)
        if m is None:
            continue
        v = vdb.get(g.vendor)
        assert v is not None
        params = _vendor_params(v, platform_proven=True)
        if g.platform:  # a model line another maker builds for this brand (the grammar's source says so)
            params = {"vendor": v.name, "platform_vendor": g.platform}
        params["model"] = m.group(0).strip()[:128]
        if g.device_type:
            params["device_type"] = g.device_type
        out.append(Resolved(f"model:{g.id}", g.strength, params, f"model grammar {g.id} of {g.vendor}"))
    if role in (MODEL, "lead"):
        out += _oem(vdb, value)
    return _dedupe(out)


def _vendor_params(v: Vendor, *, platform_proven: bool = False) -> dict[str, str]:
    """A maker's name is its platform; a brand is what the device presents as (its platform comes
    from the registry's relations in identity.py), unless a model grammar proves the platform."""
    if v.kind == "brand":
        params = {"vendor": v.name}
        if platform_proven and v.platform and v.platform != v.name:
            params["platform_vendor"] = v.platform
        return params
    return {"vendor": v.name} if not platform_proven else {"platform_vendor": v.name}


def _oem(vdb: VendorDB, value: str) -> list[Resolved]:
    folded = value.casefold()
    out = []
    for v in vdb.vendors.values():
        for o in v.oem_models:
            if o.model.casefold() == folded and v.platform:
                out.append(
                    Resolved(
                        f"oem:{v.name}",
                        "medium",
                        {"vendor": v.name, "platform_vendor": v.platform, "model": o.platform_model},
                        f"{v.name} {o.model} is {v.platform} {o.platform_model} (source: {o.source})",
                    )
                )
    return out


_SUFFIX = re.compile(
    r"^[\s,.]*(co\.?|company|corp\.?|corporation|inc\.?|ltd\.?|limited|llc|gmbh|s\.?a\.?|ag|"
    r"technology|technologies|tech|digital|electronics?|international|group|&|,|\.|\s)*$",
    re.IGNORECASE,
)


def _only_suffix(rest: str) -> bool:
    return bool(_SUFFIX.match(rest))


def clean_org(org: str) -> str:
    """'Shenzhen Foo Technology Co.,Ltd.' -> 'Shenzhen Foo Technology': a brand name from an IEEE org."""
    text = org.strip()
    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"[\s,.]*(co\.?,?\s*ltd\.?|co\.?|ltd\.?|limited|inc\.?|llc|corp\.?|corporation|gmbh|s\.?a\.?|ag|plc|l\.?t\.?d)[\s,.]*$", "", text, flags=re.IGNORECASE).strip(" ,.")
    return text or org.strip()


def _dedupe(found: list[Resolved]) -> list[Resolved]:
    seen: dict[tuple[str, tuple[tuple[str, str], ...]], Resolved] = {}
    order = {"strong": 3, "medium": 2, "weak": 1}
    for r in found:
        key = (r.fingerprint_id, tuple(sorted((k, v) for k, v in r.params.items() if k != "model")))
        if key not in seen or order[r.strength] > order[seen[key].strength]:
            seen[key] = r
    return list(seen.values())


def macs_in(obs: Observation) -> list[str]:
    """12-hex-digit runs in a field a device's own MAC may appear in, normalised (aa:bb:..)."""
    if not obs.value:
        return []
    if obs.field == "mdns.txt":
        key = obs.value.split("=", 1)[0].strip()
        if "=" not in obs.value or not _TXT_MAC_KEY.fullmatch(key):
            return []
    elif obs.field not in MAC_FIELDS:
        return []
    out = []
    for m in _MAC_RUN.finditer(obs.value[:MAX_RESOLVE_CHARS]):
        digits = re.sub(r"[^0-9A-Fa-f]", "", m.group(1)).lower()
        if len(set(digits)) <= 2:
            continue  # 000000000000, 111111111111, ababab...: not an address anyone was assigned
        out.append(":".join(digits[i : i + 2] for i in range(0, 12, 2)))
    return list(dict.fromkeys(out))
