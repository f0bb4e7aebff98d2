"""Match observations against the fingerprint database.

Each fingerprint file says which observation field it matches; within a file the first matching
fingerprint wins (the self-test guarantees no earlier entry swallows a later one's example).
Values are cut to ``MAX_VALUE_CHARS`` before any regex runs: a device chooses what it sends, so
it must not choose how long we spend matching. ``arp.mac`` goes to the OUI lookup instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..models import Observation
from . import oui
from .fingerprints import VENDOR_PARAMS, FingerprintDB

MAX_VALUE_CHARS = 16 * 1024
MAC_FIELD = "arp.mac"
OUI_STRENGTH = "medium"


@dataclass(frozen=True, slots=True)
class Match:
    """What one observation concluded through one fingerprint (or the OUI registry)."""

    observation: Observation
    fingerprint_id: str
    strength: str  # strong | medium | weak
    params: dict[str, str] = field(default_factory=dict)  # constants + captures, vendor names canonical
    unknown_vendors: tuple[str, ...] = ()  # captured vendor names vendors.yaml does not know
    note: str = ""


@dataclass(frozen=True, slots=True)
class MatchResult:
    observation: Observation
    matches: tuple[Match, ...]
    note: str = ""  # why nothing matched, where that is worth saying (e.g. locally administered MAC)
    oui_org: str | None = None  # IEEE organisation name, for arp.mac observations


def match_observation(obs: Observation, db: FingerprintDB) -> MatchResult:
    if obs.field == MAC_FIELD:
        return _match_mac(obs, db)
    value = obs.value[:MAX_VALUE_CHARS] if obs.value else ""
    if not value:
        return MatchResult(obs, ())
    found = []
    for f in db.files_for(obs.field):
        for fp in f.fingerprints:
            captured = fp.match(value)
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
            found.append(Match(obs, fp.id, fp.strength, params, tuple(unknown)))
            break  # first match wins within a file
    return MatchResult(obs, tuple(found))


def match_all(observations: Iterable[Observation], db: FingerprintDB) -> list[MatchResult]:
    return [match_observation(o, db) for o in observations]


def _match_mac(obs: Observation, db: FingerprintDB) -> MatchResult:
    result = oui.lookup(obs.value, db)
    if result.vendor is None:
        note = result.via if result.org is None else f"IEEE registry: {result.org} (not a vendors.yaml maker)"
        return MatchResult(obs, (), note, result.org)
    fid = "oui-override" if result.via.startswith("oui.yaml") else "ieee-oui"
    note = f"{result.via}: {result.org}" if result.org else result.via
    match = Match(obs, fid, OUI_STRENGTH, {"platform_vendor": result.vendor}, (), note)
    return MatchResult(obs, (match,), "", result.org)
