"""Combine one device's matches into one identity: who it presents as, who really built it.

``vendor`` is the brand the device presents; ``platform_vendor`` the company whose firmware or
hardware it runs (OUI registrant, firmware web server, discovery protocol). Votes are weighted by
fingerprint strength and counted once per probe, so two banners from one HTTP reply do not count
as two independent probes. Confidence rises with independent agreeing probes and falls with
unexplained disagreement. Disagreements are kept as sentences: a brand on the web page that
differs from the maker the OUI or firmware names is the rebrand signal, and is stated as such.
One exception runs the other way: when the maker the model names is a documented *former
subsidiary* of the company the device names (i-PRO, Panasonic's security business until 2019), the
device's firmware predates the separation and the company it names built it.

Within one probe, the witnesses are also kept apart by fingerprint, field and value: two
different fingerprints that name the same maker from two different fields carrying different
values of one response (Dahua's ``Rtsp Server/3.0`` banner and its method list; its ``DH`` SDP
attribute and its ``Media Server`` session name) are two facts about the firmware, not one banner
read twice. With one of them medium or stronger they *corroborate* each other (see
``Identity.enough_to_restrict``). One value read by two fingerprints, one text repeated in two
fields (a self-signed certificate's subject and issuer) or one fingerprint matching two fields
stays one witness.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ..models import DeviceType, Evidence
from .fingerprints import FingerprintDB
from . import resolver
from .matcher import MAC_FIELD, Match, MatchResult
from .vendors import Relation, Vendor, VendorDB

WEIGHTS = {"strong": 3.0, "medium": 2.0, "weak": 1.0}
INFERENCE_FACTOR = {"documented": 0.8, "reported": 0.5, "suspected": 0.3}
DERIVED_PROBE = "identify"  # evidence lines we derive ourselves; re-identification skips them
_ATTRS = ("model", "firmware", "serial", "device_type", "hostname")
# Protocol fields that *are* an attribute by the protocol's own definition (ONVIF
# GetDeviceInformation, UPnP device description, SADP and DHIP replies, the ONVIF hardware
# scope). Used only when no fingerprint matched the observation, at the weight of a weak match,
# so a fingerprint that knows a value is a placeholder always wins.
DIRECT_FIELDS = {
    "onvif.model": "model",
    "onvif.firmware": "firmware",
    "onvif.serial": "serial",
    "upnp.model_name": "model",
    "upnp.serial": "serial",
    "sadp.device_description": "model",
    "sadp.device_sn": "serial",
    "sadp.software_version": "firmware",
    "dhip.device_type": "model",
    "dhip.serial_no": "serial",
    "dhip.version": "firmware",
    "dvrip.net_common.sn": "serial",
    "dvrip.net_common.version": "firmware",
    "dvrip.net_common.host_name": "hostname",
    "wsd.hardware": "model",
    "dhcp.hostname": "hostname",
    "mdns.hostname": "hostname",
}
DIRECT_WEIGHT = WEIGHTS["weak"]
# Fingerprint ids whose vendor is only a fallback: an IEEE organisation no registry entry names
# says whose label the network card carries, so it becomes the brand only when nothing else
# names a maker or brand (and then at weak strength; it can never restrict a device alone).
FALLBACK_IDS = ("ieee-org", "mac-in-field:ieee-org")
# A manufacturer the device states in a maker field (ONVIF Manufacturer, UPnP manufacturer, a
# SADP/DHIP vendor) that no registry entry names: the device's own word for who made it, so it
# names maker and brand when nothing else does, ahead of a MAC's IEEE registrant; at weak strength
# and, like the IEEE fallback, never enough to restrict (its ownership is unknown).
DECLARED_IDS = (resolver.DECLARED_ID,)


@dataclass(frozen=True, slots=True)
class Identity:
    vendor: str | None = None
    platform_vendor: str | None = None
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None
    device_type: DeviceType = DeviceType.UNKNOWN
    hostname: str | None = None
    confidence: float = 0.0
    oui_vendor: str | None = None
    platform_inferred: Relation | None = None  # set when the platform came from vendors.yaml, not the wire
    software_only: bool = False  # only server software / generic signals, no device maker
    software: str | None = None  # the server software seen (Apache, nginx): never a maker
    explanation: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    unexplained_conflicts: int = 0
    unknown_vendors: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()  # every maker or brand any witness named
    evidence: tuple[Evidence, ...] = ()
    support_strength: str | None = None  # the strongest witness for the maker (strong|medium|weak)
    support_probes: int = 0  # independent probes whose witnesses agree with the maker
    # the most witnesses agreeing with the maker inside one probe that are independent of each
    # other (different fingerprints, fields and values), when one of them is medium or stronger;
    # 0 when no probe has two such witnesses (see _corroborating)
    support_fields: int = 0
    generic: tuple[str, ...] = ()  # 'onvif.manufacturer H264': values recognised as naming no maker
    fallback_brand: bool = False  # the brand is only a fallback: a MAC's IEEE registrant or a declared unknown maker
    declared_unknown: bool = False  # that fallback is a manufacturer the device declared (see DECLARED_IDS)

    @property
    def enough_to_restrict(self) -> bool:
        """The evidence rule for ``restricted`` (README, 'Verdicts'): one strong witness, or two
        or more independent probes agreeing, or, within one probe, a medium (or stronger) witness
        corroborated by a second, independent field of the same response. One medium witness
        alone is a lead, not a finding."""
        return not self.fallback_brand and (
            self.support_strength == "strong" or self.support_probes >= 2 or self.support_fields >= 2
        )

    def support_text(self) -> str:
        if self.support_strength is None:
            return "no witness"
        probes = "probe" if self.support_probes == 1 else "independent probes"
        text = f"{self.support_strength} evidence from {self.support_probes} {probes}"
        if self.support_fields >= 2:
            text += f", {self.support_fields} independent fields of one response agreeing"
        return text


@dataclass(frozen=True, slots=True)
class _Witness:
    """One fingerprint's conclusion from one field's value (for telling corroboration apart)."""

    fingerprint: str
    field: str
    value: str
    weight: float


class _Votes:
    """value -> probe -> (best weight, witness text); value -> witness source -> best weight, for
    counting independent witnesses (see ``witness_source``); and value -> probe -> every witness,
    for telling corroborating fields of one response apart (see ``_corroborating``)."""

    def __init__(self) -> None:
        self.by_value: dict[str, dict[str, tuple[float, str]]] = defaultdict(dict)
        self.by_source: dict[str, dict[str, float]] = defaultdict(dict)
        self.witnessed: dict[str, dict[str, list[_Witness]]] = defaultdict(lambda: defaultdict(list))
        # value -> probe -> best weight, apart for what was read from the device's MAC and for
        # everything else, so the confidence can count the MAC once (see ``per_probe_once``)
        self.mac_by_probe: dict[str, dict[str, float]] = defaultdict(dict)
        self.rest_by_probe: dict[str, dict[str, float]] = defaultdict(dict)
        # values some field held as written (a model the device sent), not derived from it (the
        # platform's model that an OEM table maps a brand's model to)
        self.verbatim: set[str] = set()

    def add(
        self, value: str, probe: str, weight: float, witness: str, source: str | None = None, seen: _Witness | None = None,
        verbatim: bool = False,
    ) -> None:
        if verbatim:
            self.verbatim.add(value)
        current = self.by_value[value].get(probe)
        if current is None or weight > current[0]:
            self.by_value[value][probe] = (weight, witness)
        key = source or probe
        self.by_source[value][key] = max(self.by_source[value].get(key, 0.0), weight)
        split = self.mac_by_probe if source == MAC_SOURCE else self.rest_by_probe
        split[value][probe] = max(split[value].get(probe, 0.0), weight)
        if seen is not None:
            self.witnessed[value][probe].append(seen)

    def per_probe_once(self, value: str) -> dict[str, float]:
        """probe -> best weight for ``value``, with the device's MAC counted in one probe only (the
        one that read it most strongly): ARP and a DHIP reply quoting the same MAC are one witness
        (``witness_source``), not one per probe. A MAC and a banner of the same probe still weigh
        as that probe's strongest witness, as before."""
        weights = dict(self.rest_by_probe.get(value, {}))
        macs = self.mac_by_probe.get(value, {})
        if macs:
            probe = max(macs, key=lambda p: (macs[p], p))
            weights[probe] = max(weights.get(probe, 0.0), macs[probe])
        return weights

    def score(self, value: str) -> float:
        return sum(self.per_probe_once(value).values())

    def fields(self, value: str) -> int:
        """How many distinct fields name ``value`` (each field once, whatever probe read it)."""
        return len({w.field for ws in self.witnessed.get(value, {}).values() for w in ws})

    def top(self) -> str | None:
        """The value with the most weight; on a tie, the one with more weight from what the device's
        software said (banners, discovery replies, model names) than from its MAC's registrant
        (which says whose card it is, not whose firmware runs on it); then the one more fields
        name (a DHIP reply whose Vendor and Version name one maker and whose model name another:
        two fields against one); then a value the device sent as written over one derived from it
        (an Amcrest AD410 is shown as AD410, not as the Dahua model an OEM table maps it to); then,
        of one value spelt in two cases, the spelling with more capitals (a model an mDNS host name
        gives as 'dcs-935l' and its instance name as 'DCS-935L'); only then the first named, in
        the canonical order ``build_identity`` reads observations in, never the order they came."""
        if not self.by_value:
            return None
        order = list(self.by_value)
        return max(order, key=lambda v: (self.score(v), sum(self.rest_by_probe.get(v, {}).values()), self.fields(v),
                                         v in self.verbatim, self._best_spelling(v, order), -order.index(v)))

    @staticmethod
    def _best_spelling(value: str, values: list[str]) -> bool:
        capitals = sum(c.isupper() for c in value)
        return not any(o != value and o.casefold() == value.casefold() and sum(c.isupper() for c in o) > capitals
                       for o in values)

    def witnesses(self, value: str) -> str:
        return ", ".join(sorted({w for _, w in self.by_value.get(value, {}).values()}))

    def values(self) -> list[str]:
        return list(self.by_value)


def build_identity(results: Sequence[MatchResult], db: FingerprintDB) -> Identity:
    vdb = db.vendors
    brand, platform, software, fallback, declared = _Votes(), _Votes(), _Votes(), _Votes(), _Votes()
    generic: list[str] = []
    attrs = {a: _Votes() for a in _ATTRS}
    evidence: list[Evidence] = []
    unknown: list[str] = []
    confirming: list[Match] = []
    oui_vendor = None
    for result in results:
        evidence.extend(_evidence(result))  # shown in the order heard
    # Counted in one canonical order, whatever order the observations came in (ARP answers first in
    # a scan and last in a capture; a reply's keys come in the device's order): what a device said
    # decides its identity, not when it was heard. Within a field, the order the device gave is kept.
    for result in sorted(results, key=lambda r: (r.observation.probe, r.observation.field)):
        direct = DIRECT_FIELDS.get(result.observation.field)
        if direct and not result.matches and result.observation.value.strip():
            o = result.observation
            attrs[direct].add(o.value.strip()[:128], o.probe, DIRECT_WEIGHT, f"{o.field} (protocol field)", verbatim=True)
        for m in result.matches:
            unknown.extend(m.unknown_vendors)
            if m.confirm_only:
                confirming.append(m)
                continue
            if m.fingerprint_id == "generic":
                generic.append(f"{m.observation.field} {m.observation.value.strip()[:60]!r}")
            weight, probe, witness = WEIGHTS.get(m.strength, 1.0), m.observation.probe, _witness(m)
            if m.fingerprint_id in FALLBACK_IDS:
                fallback.add(m.params["vendor"], probe, weight, witness)
                continue
            if m.fingerprint_id in DECLARED_IDS:
                declared.add(m.params["vendor"], probe, weight, witness)
                continue
            _vote(m, vdb, brand, platform, software, attrs, corroborates=True)
        if result.observation.field == MAC_FIELD:
            named = [m.params["platform_vendor"] for m in result.matches if "platform_vendor" in m.params]
            oui_vendor = named[0] if named else (result.oui_org or oui_vendor)
    # A confirm-only signal (a method list several makers' firmware sends) adds its weight to a
    # maker or brand other evidence already names, and is left out otherwise: it never names one.
    named_by_others = set(brand.by_value) | set(platform.by_value) | set(software.by_value)
    named_by_others |= {b.platform for b in map(vdb.get, brand.by_value) if b is not None and b.platform}
    for m in confirming:
        names = [m.params[k] for k in ("vendor", "platform_vendor") if k in m.params]
        if names and all(n in named_by_others for n in names):
            _vote(m, vdb, brand, platform, software, attrs)

    the_brand, the_platform = brand.top(), platform.top()
    explanation: list[str] = []
    conflicts: list[str] = []
    unexplained = 0
    inferred: Relation | None = None
    software_only = False

    # Disagreement among brands, and among platforms.
    for votes, what in ((brand, "brand"), (platform, "maker")):
        top = votes.top()
        for other in votes.values():
            if other == top:
                continue
            rel = _related(vdb, other, top)
            text = f"{what} disagrees: {votes.witnesses(top)} say {top}; {votes.witnesses(other)} say {other}"
            if rel:
                conflicts.append(f"{text} (explained: {rel})")
            else:
                conflicts.append(text)
                unexplained += 1

    # The rebrand signal: the brand presented is not the maker the firmware/hardware names.
    if the_brand and the_platform and the_brand != the_platform:
        rel = _related(vdb, the_brand, the_platform)
        sentence = (
            f"rebrand signal: presents as {the_brand} ({brand.witnesses(the_brand)}), but "
            f"{platform.witnesses(the_platform)} say {the_platform} built it"
        )
        if rel:
            conflicts.append(f"{sentence}; {rel}")
        else:
            b = vdb.get(the_brand)
            if b is not None and b.kind == "maker":
                conflicts.append(f"{sentence}; no known relation between them")
                unexplained += 1
            else:
                conflicts.append(f"{sentence}; no documented relation, the firmware/hardware evidence decides")
        # A model family that has since passed to a former subsidiary (Panasonic's WV- cameras, now
        # i-PRO's) on a device whose own word is still the parent's name: firmware from before the
        # separation, so the parent built it.
        p, b = vdb.get(the_platform), vdb.get(the_brand)
        former = p.relation_to(the_brand) if p is not None else None
        if (former is not None and former.type == "former-subsidiary" and former.strength == "documented"
                and b is not None and b.kind == "maker"):
            conflicts.append(
                f"{the_platform} was {the_brand}'s business until {former.until or 'its separation'}; the device "
                f"still names {the_brand}, so {the_brand} built it (source: {former.source})"
            )
            the_platform = the_brand

    # Fill the gaps: a brand alone implies its platform (vendors.yaml), a maker alone its brand.
    if the_platform is None and the_brand is not None:
        b = vdb.get(the_brand)
        if b is not None and b.platform:
            the_platform = b.platform
            inferred = b.relation_to(b.platform) if b.platform != b.name else None
            if inferred is not None:
                explanation.append(
                    f"Platform {the_platform} inferred from the brand alone: {inferred.describe(the_brand)} "
                    f"(source: {inferred.source})"
                )
                evidence.append(
                    Evidence(
                        probe=DERIVED_PROBE,
                        field="vendors.platform",
                        value=the_brand,
                        fingerprint=f"vendors:{the_brand}",
                        concludes={"platform_vendor": the_platform, "strength": inferred.strength, "source": inferred.source},
                    )
                )
        elif b is not None and b.kind == "maker":
            the_platform = the_brand
    if the_brand is None and the_platform is not None:
        the_brand = the_platform
        explanation.append(f"No brand shown; presents as its maker {the_platform}")
    if the_brand is None and the_platform is None and declared.top() is not None:
        the_brand = the_platform = declared.top()
        brand = platform = fallback = declared
        explanation.append(
            f"It declares its manufacturer as {the_brand} ({declared.witnesses(the_brand)}), which is not in the "
            "vendor database: the device's own word, weak evidence; its ownership is unknown"
        )
    if the_brand is None and the_platform is None and fallback.top() is not None:
        the_brand = fallback.top()
        brand = fallback
        explanation.append(
            f"Only the IEEE registrant of its MAC names it: {the_brand} ({fallback.witnesses(the_brand)}), "
            "which is not in the vendor database; weak evidence of who made the device"
        )
    if the_brand is None and the_platform is None and software.top() is not None:
        software_only = True  # the software is said in the verdict; it is not the device's maker
        top = software.top()
        if (sv := vdb.get(top)) is not None and sv.kind == "component":
            explanation.append(f"Its network module is {top}'s ({software.witnesses(top)}), which does not name the maker")
        else:
            explanation.append(f"Runs {top} ({software.witnesses(top)}), which does not name the maker")

    if the_platform:
        explanation.insert(0, f"Maker {the_platform}: {_support_text(platform, brand, software, the_platform)}")

    if generic:
        explanation.append(f"Generic values that name no maker: {'; '.join(dict.fromkeys(generic))}")
    scored = the_brand if brand is fallback else the_platform  # a fallback brand is scored as what it is: weak
    confidence = _confidence(vdb, brand, platform, software, scored, inferred, software_only)
    best, probes = _support(vdb, brand, platform, software, the_platform or the_brand, software_only)
    fields = 0 if brand is fallback else _corroborating(vdb, brand, platform, software, the_platform or the_brand, software_only)
    values = {a: attrs[a].top() for a in _ATTRS}
    device_type = DeviceType(values["device_type"]) if values["device_type"] in DeviceType._value2member_map_ else DeviceType.UNKNOWN
    return Identity(
        vendor=the_brand,
        platform_vendor=the_platform,
        model=values["model"],
        firmware=values["firmware"],
        serial=values["serial"],
        device_type=device_type,
        hostname=values["hostname"],
        confidence=confidence,
        oui_vendor=oui_vendor,
        platform_inferred=inferred,
        software_only=software_only,
        software=software.top(),
        explanation=tuple(explanation),
        conflicts=tuple(conflicts),
        unexplained_conflicts=unexplained,
        unknown_vendors=tuple(dict.fromkeys(unknown)),
        candidates=tuple(dict.fromkeys([*platform.values(), *brand.values()])),
        evidence=tuple(evidence),
        support_strength=best,
        support_probes=probes,
        support_fields=fields,
        generic=tuple(dict.fromkeys(generic)),
        fallback_brand=brand is fallback,
        declared_unknown=brand is declared,
    )


MAC_SOURCE = "mac"


# Fields that are another form of the same bytes as a field the probe also observes: Shodan's
# favicon hash and the md5 of the same icon are one witness, never two fields corroborating.
SAME_BYTES = {"http.favicon_mmh3": "http.favicon"}


CLOUD_NAME_FIELDS = frozenset({"dns.query", "tls.sni"})
CLOUD_SOURCE = "cloud-name"


def witness_source(m: Match) -> str:
    """The independent witness a match is, for the evidence rule's count: its probe, except that
    everything read from the device's MAC (the ARP table, a MAC quoted in a Digest realm, a serial
    or a discovery reply) is one witness, the MAC's IEEE registrant, however many probes quote it.
    Without this the same MAC seen by ARP and in an RTSP realm would count as two probes agreeing.
    Likewise the cloud names a device asks for, by DNS or in a TLS ClientHello (passive mode), are
    one witness: the same connection to the maker's cloud, looked up and then opened."""
    if m.observation.field == MAC_FIELD or m.fingerprint_id.startswith("mac-in-field"):
        return MAC_SOURCE
    if m.observation.field in CLOUD_NAME_FIELDS:
        return CLOUD_SOURCE
    return m.observation.probe


def _vote(
    m: Match,
    vdb: VendorDB,
    brand: _Votes,
    platform: _Votes,
    software: _Votes,
    attrs: dict[str, _Votes],
    corroborates: bool = False,
) -> None:
    """Count one match's maker, brand, software and attributes, at its strength, for its probe.
    ``corroborates``: the match may also stand as an independent field of its response (a
    confirm-only signal never does: it only adds weight to what others name)."""
    weight, probe, witness = WEIGHTS.get(m.strength, 1.0), m.observation.probe, _witness(m)
    source = witness_source(m)
    # a serial a fingerprint read out of the value is what the witness says: the same serial quoted in
    # an mDNS name, its host name and a TXT entry is one fact, not three fields agreeing
    serial = m.params.get("serial")
    said = f"serial:{serial.casefold()}" if serial else " ".join(m.observation.value.split()).casefold()
    field = SAME_BYTES.get(m.observation.field, m.observation.field)
    seen = _Witness(m.fingerprint_id, field, said, weight) if corroborates else None
    for key in ("vendor", "platform_vendor"):
        name = m.params.get(key)
        if name is None:
            continue
        v = vdb.get(name)
        if v is not None and not v.is_device_maker:
            software.add(name, probe, weight, witness, source, seen)
        elif key == "vendor" or (v is not None and source == MAC_SOURCE and _labels_others(v)):
            # A brand's registered OUI says whose label the NIC carries, not who built it: read
            # from the ARP table or quoted in a realm or a serial alike. So does the OUI of a maker
            # that also sells another maker's devices under its name (Intelbras, Honeywell): on a
            # device whose firmware names that other maker, the OUI is the label.
            brand.add(name, probe, weight, witness, source, seen)
        else:
            platform.add(name, probe, weight, witness, source, seen)
    for a in _ATTRS:
        if a in m.params:
            attrs[a].add(m.params[a], probe, weight, witness, verbatim=m.params[a].casefold() in m.observation.value.casefold())


def _labels_others(v: Vendor) -> bool:
    """A brand, or a maker that is an OEM customer of another maker."""
    return v.kind == "brand" or any(r.type == "oem-customer" for r in v.relations)


def _related(vdb: VendorDB, a: str, b: str | None) -> str | None:
    """A sentence relating two vendors if vendors.yaml knows how they are related."""
    if b is None:
        return None
    va, vb = vdb.get(a), vdb.get(b)
    for x, y, name in ((va, b, a), (vb, a, b)):
        if x is None:
            continue
        rel = x.relation_to(y)
        if rel is not None:
            return f"{rel.describe(name)} (source: {rel.source})"
        if x.platform == y:
            return f"{name} devices run on {y}'s platform"
    return None


def _consistent(vdb: VendorDB, name: str, platform: str) -> bool:
    if name == platform:
        return True
    v = vdb.get(name)
    if v is None or v.kind != "maker":
        return True  # a brand or unknown name can sit on anyone's platform
    return _related(vdb, name, platform) is not None


def _confidence(
    vdb: VendorDB, brand: _Votes, platform: _Votes, software: _Votes, maker: str | None, inferred: Relation | None, software_only: bool
) -> float:
    if maker is None:
        return 0.0
    support: dict[str, float] = {}
    against: dict[str, float] = {}
    pools = (software,) if software_only else (platform, brand)
    for votes in pools:
        for value in votes.by_value:
            ok = value == maker if votes is software else _consistent(vdb, value, maker)
            target = support if ok else against
            for probe, weight in votes.per_probe_once(value).items():
                target[probe] = max(target.get(probe, 0.0), weight)
    s, o = sum(support.values()), sum(against.values())
    if s == 0:
        return 0.0
    value = (1 - math.exp(-s / 4)) * s / (s + o)
    if inferred is not None:
        value *= INFERENCE_FACTOR.get(inferred.strength, 0.3)
    return round(value, 2)


def _support(
    vdb: VendorDB, brand: _Votes, platform: _Votes, software: _Votes, maker: str | None, software_only: bool
) -> tuple[str | None, int]:
    """The strongest witness for the maker and how many independent witnesses (probes, the MAC
    counted once: ``witness_source``) agree with it."""
    if maker is None:
        return None, 0
    per_probe: dict[str, float] = {}
    for votes in (software,) if software_only else (platform, brand):
        for value, sources in votes.by_source.items():
            ok = value == maker if votes is software else (value == maker or _related(vdb, value, maker) is not None)
            if not ok:
                continue
            for source, weight in sources.items():
                per_probe[source] = max(per_probe.get(source, 0.0), weight)
    if not per_probe:
        return None, 0
    best = max(per_probe.values())
    name = next(k for k, w in WEIGHTS.items() if w == best) if best in WEIGHTS.values() else "weak"
    return name, len(per_probe)


def _corroborating(
    vdb: VendorDB, brand: _Votes, platform: _Votes, software: _Votes, maker: str | None, software_only: bool
) -> int:
    """The largest set of mutually independent witnesses for the maker inside one probe, when it
    holds two or more and one is medium or stronger; else 0.

    Independent: each pair differs in fingerprint, in field and in value. One banner read by an
    alias and a grammar, the same MAC in a serial and a mac field, one text in a certificate's
    subject and issuer, or one serial quoted in several fields (an mDNS name, its host, a TXT
    entry), count once. Witnesses for the maker's related brands count, as in
    ``_support``; software (Apache, nginx) never names a maker and never corroborates one."""
    if maker is None or software_only:
        return 0
    by_probe: dict[str, list[_Witness]] = defaultdict(list)
    for votes in (platform, brand):
        for value, probes in votes.witnessed.items():
            if value == maker or _related(vdb, value, maker) is not None:
                for probe, ws in probes.items():
                    by_probe[probe].extend(ws)
    best = 0
    for ws in by_probe.values():
        chosen: list[_Witness] = []
        for w in sorted(ws, key=lambda w: -w.weight):  # greedy, strongest first
            if all(w.fingerprint != c.fingerprint and w.field != c.field and w.value != c.value for c in chosen):
                chosen.append(w)
        if len(chosen) >= 2 and chosen[0].weight >= WEIGHTS["medium"]:
            best = max(best, len(chosen))
    return best


def _support_text(platform: _Votes, brand: _Votes, software: _Votes, maker: str) -> str:
    witnesses: list[str] = []
    for votes in (platform, brand, software):
        for w in votes.witnesses(maker).split(", "):
            if w and w not in witnesses:
                witnesses.append(w)
    return ", ".join(witnesses) or "inferred"


def _witness(m: Match) -> str:
    return f"{m.fingerprint_id} ({m.observation.field})"


def _evidence(result: MatchResult) -> list[Evidence]:
    o = result.observation
    if not result.matches and o.field in CLOUD_NAME_FIELDS:
        # The names a device asks DNS or TLS for that no fingerprint reads are its browsing, not
        # evidence: kept out of every report and the inventory (only a maker's cloud name is shown).
        return []
    if not result.matches:
        concludes = {"note": result.note} if result.note else {}
        return [Evidence(probe=o.probe, field=o.field, value=o.value, fingerprint=None, port=o.port, concludes=concludes)]
    out = []
    for m in result.matches:
        concludes = dict(m.params)
        if m.note:
            concludes["note"] = m.note
        out.append(Evidence(probe=o.probe, field=o.field, value=o.value, fingerprint=m.fingerprint_id, port=o.port, concludes=concludes))
    return out
