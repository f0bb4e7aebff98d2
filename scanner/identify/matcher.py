"""Match observations against the fingerprint database.

Each fingerprint file says which observation field it matches; within a file the first matching
fingerprint wins (the self-test guarantees no earlier entry swallows a later one's example).
Values are cut to ``MAX_VALUE_CHARS`` before any regex runs: a device chooses what it sends, so
it must not choose how long we spend matching. ``arp.mac`` goes to the OUI lookup instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ..models import Observation
from . import oui, resolver
from .fingerprints import VENDOR_PARAMS, FingerprintDB
from .vendors import Vendor

MAX_VALUE_CHARS = 16 * 1024
MAC_FIELD = "arp.mac"
OUI_STRENGTH = "medium"
MAC_IN_FIELD_STRENGTH = "weak"  # a MAC inside a realm, host name or serial: below the device's own
IEEE_ORG_STRENGTH = "weak"  # an IEEE organisation no registry entry names, taken as the brand
CONFIRM_ONLY_NOTE = "shared by several makers' firmware: confirms a maker other evidence names, never names one alone"


@dataclass(frozen=True, slots=True)
class Match:
    """What one observation concluded through one fingerprint (or the OUI registry)."""

    observation: Observation
    fingerprint_id: str
    strength: str  # strong | medium | weak
    params: dict[str, str] = field(default_factory=dict)  # constants + captures, vendor names canonical
    unknown_vendors: tuple[str, ...] = ()  # captured vendor names vendors.yaml does not know
    note: str = ""
    confirm_only: bool = False  # counted only for a maker other evidence names (identity.py)


@dataclass(frozen=True, slots=True)
class MatchResult:
    observation: Observation
    matches: tuple[Match, ...]
    note: str = ""  # why nothing matched, where that is worth saying (e.g. locally administered MAC)
    oui_org: str | None = None  # IEEE organisation name, for arp.mac observations


DN_FIELDS = frozenset({"tls.subject", "tls.issuer"})
_DN_SPLIT = re.compile(r"(?<!\\),")


def reversed_dn(value: str) -> str:
    """'CN=x,O=y' -> 'O=y,CN=x': the same name with its attributes in the other order (commas
    escaped inside a value, 'Co.\\,Ltd.', stay where they are)."""
    return ",".join(reversed(_DN_SPLIT.split(value)))


def match_observation(obs: Observation, db: FingerprintDB) -> MatchResult:
    if obs.field == MAC_FIELD:
        return _match_mac(obs, db)
    value = obs.value[:MAX_VALUE_CHARS] if obs.value else ""
    if not value:
        return MatchResult(obs, ())
    found = []
    # A distinguished name's attribute order depends on the tool that wrote it: RFC 4514 (our
    # probe, Python's cryptography) lists the certificate's RDNs last first, OpenSSL's one-line
    # form first first. A fingerprint written from either reading matches both.
    readings = (value, reversed_dn(value)) if obs.field in DN_FIELDS else (value,)
    for f in db.files_for(obs.field):
        for fp in f.fingerprints:
            captured = next((c for c in map(fp.match, readings) if c is not None), None)
            if captured is None:
                continue
            params = dict(fp.params)
            unknown = []
            for key, raw in captured.items():
                if key in VENDOR_PARAMS:
                    canonical = db.vendors.canonical(raw)
                    if canonical is None:
                        unknown.append(raw[:80])
                        params[key] = raw[:80]
                    else:
                        params[key] = canonical
                else:
                    params[key] = raw[:200]
            note = CONFIRM_ONLY_NOTE if fp.confirm_only else ""
            found.append(Match(obs, fp.id, fp.strength, params, tuple(unknown), note, fp.confirm_only))
            break  # first match wins within a file
    found += _resolved(obs, db, found)
    return MatchResult(obs, tuple(found))


def _resolved(obs: Observation, db: FingerprintDB, found: list[Match]) -> list[Match]:
    """The registry resolver's conclusions (aliases, model grammars, OEM tables, generic values)
    and any MAC inside the field, leaving out what a fingerprint already concluded."""
    have = {v for m in found for k, v in m.params.items() if k in VENDOR_PARAMS}
    # 'Microsoft' in 'Microsoft-IIS/8.0': where a fingerprint read the value as a piece of software,
    # the software's maker named in it made the software, not the device (vendors.yaml: parent)
    software_makers = {
        v.parent for v in map(db.vendors.get, have) if v is not None and not v.is_device_maker and v.parent
    }
    out = []
    for r in resolver.resolve(obs, db.vendors):
        if r.fingerprint_id == "generic" and found:
            continue  # a fingerprint knew the value; it says more than 'generic'
        concluded = {v for k, v in r.params.items() if k in VENDOR_PARAMS}
        if concluded and concluded <= software_makers and r.fingerprint_id.startswith("alias:"):
            continue
        if concluded and concluded <= have and "model" not in r.params:
            continue
        out.append(Match(obs, r.fingerprint_id, r.strength, dict(r.params), (), r.note))
    for mac in resolver.macs_in(obs):
        result = oui.lookup(mac, db)
        if result.org is None and result.vendor is None:
            continue
        if result.vendor is None and obs.field in resolver.REGISTRY_ONLY_MAC_FIELDS:
            continue
        strength = MAC_IN_FIELD_STRENGTH
        if result.vendor is not None:
            params = {"platform_vendor": result.vendor}
            fid = "mac-in-field"
            strength = mac_in_field_strength(db.vendors.get(result.vendor))
        else:
            assert result.org is not None
            params = {"vendor": resolver.clean_org(result.org)}
            fid = "mac-in-field:ieee-org"
        note = f"MAC {mac} inside {obs.field}: {result.via}" + (f", {result.org}" if result.org else "")
        out.append(Match(obs, fid, strength, params, (), note))
    return out


_BELOW = {"strong": "medium", "medium": "weak", "weak": "weak"}


def mac_in_field_strength(vendor: Vendor | None) -> str:
    """A MAC quoted inside another field weighs one step below the same MAC read from the ARP
    table (issue 9: 'weighted below the device's own MAC'): medium in the blocks of a maker whose
    own MAC is strong (Hikvision and Dahua, ``oui_strength``), weak in everyone else's."""
    own = (vendor.oui_strength if vendor is not None else None) or "medium"
    return _BELOW.get(own, MAC_IN_FIELD_STRENGTH)


def match_all(observations: Iterable[Observation], db: FingerprintDB) -> list[MatchResult]:
    return [match_observation(o, db) for o in observations]


def match_memo(obs: Observation, db: FingerprintDB, memo: dict[tuple[str, str], MatchResult]) -> MatchResult:
    """``match_observation``, reusing the result of an earlier observation with the same field
    and value (a site of a thousand cameras of a few models sends the same banners a thousand
    times); what a match concludes depends on nothing else."""
    key = (obs.field, obs.value)
    hit = memo.get(key)
    if hit is None:
        hit = memo[key] = match_observation(obs, db)
    if hit.observation is obs:
        return hit
    return replace(hit, observation=obs, matches=tuple(replace(m, observation=obs) for m in hit.matches))


def _match_mac(obs: Observation, db: FingerprintDB) -> MatchResult:
    result = oui.lookup(obs.value, db)
    if result.vendor is None:
        if result.org is None:
            return MatchResult(obs, (), result.via, None)
        # An organisation no registry entry names is still the brand on the NIC, at weak strength.
        brand = resolver.clean_org(result.org)
        note = f"IEEE registry: {result.org} (not a vendors.yaml maker; taken as the brand {brand!r})"
        match = Match(obs, "ieee-org", IEEE_ORG_STRENGTH, {"vendor": brand}, (), note)
        return MatchResult(obs, (match,), "", result.org)
    fid = "oui-override" if result.via.startswith("oui.yaml") else "ieee-oui"
    note = f"{result.via}: {result.org}" if result.org else result.via
    strength = OUI_STRENGTH
    vendor = db.vendors.get(result.vendor)
    if fid == "ieee-oui" and vendor is not None and vendor.oui_strength:
        # a maker whose blocks are on its own devices only (vendors.yaml oui_reason says why)
        strength = vendor.oui_strength
        if strength != OUI_STRENGTH:
            note += f" ({strength}: {vendor.oui_reason})"
    match = Match(obs, fid, strength, {"platform_vendor": result.vendor}, (), note)
    return MatchResult(obs, (match,), "", result.org)
