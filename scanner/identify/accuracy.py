"""Identification accuracy: how often vendor and platform_vendor come out right, and whether a
device that no covered company made is ever wrongly marked ``restricted``.

Two sets of cases are scored the same way:

- the lab: a scan document of the emulated devices, judged against each profile's ``expected``
  (``benchmarks/accuracy.py`` builds the lab and scans it inside its scanner namespace);
- the real-device corpus (``tests/corpus/records/``): each record (one response) identified alone,
  offline, as ``cctv-scan identify`` would.

Scoring rules. *Identified*: the scanner named a value. *Right*: the value named equals the
expected one, where "nothing" is right when nothing is expected. *Right when identified*: of the
values named, the share that are the expected one. An expectation without a
brand (``vendor: null``) expects the maker as the brand, because an identity presents a device
that shows no brand as its maker. *Wrongly restricted*: the verdict is ``restricted`` while the
expected identity is not one the policy covers (for the lab, while the profile expects another
verdict). *Non-PRC makers*: cases whose expected maker is in vendors.yaml and not organised in the
PRC; a ``restricted`` verdict on any of them is the error a removal team must never see.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..models import Classification, Host, Observation
from ._schema import read_yaml
from .classify import classify
from .devices import build_devices
from .fingerprints import FingerprintDB
from .identity import build_identity
from .matcher import match_observation
from .policy import Policy
from .vendors import VendorDB

CORPUS_IP = "198.18.0.10"  # an address in the benchmark range; nothing is sent to it


@dataclass(frozen=True, slots=True)
class Case:
    """One device or observation: what was expected and what the scanner concluded."""

    name: str
    expected_vendor: str | None
    expected_platform: str | None
    got_vendor: str | None
    got_platform: str | None
    classification: str
    restricted_is_wrong: bool  # the expected identity is not covered (or another verdict is expected)
    non_prc_maker: bool  # the expected maker is known and not organised in the PRC
    hd_platform: bool = False  # built on Hikvision's or Dahua's platform (maker is either, or their subsidiary)
    # the source names neither maker nor brand: a ``restricted`` verdict cannot be shown wrong (or
    # right), so it is counted apart (Score.unknown_restricted), not as wrongly restricted
    maker_unknown: bool = False


@dataclass(frozen=True, slots=True)
class FieldScore:
    identified: int
    right: int
    identified_right: int = 0  # named a value, and the right one


@dataclass(frozen=True, slots=True)
class Score:
    cases: int
    vendor: FieldScore
    platform_vendor: FieldScore
    wrongly_restricted: int
    non_prc_cases: int
    non_prc_restricted: int
    wrong: tuple[str, ...]  # one line per case where vendor or platform_vendor is wrong
    hd_cases: int = 0  # Hikvision- or Dahua-platform cases
    hd_restricted: int = 0  # ... of them restricted
    unknown_restricted: int = 0  # restricted where the source names no maker (Case.maker_unknown)


def score(cases: Sequence[Case]) -> Score:
    wrong = []
    for c in cases:
        if (c.got_vendor, c.got_platform) != (c.expected_vendor, c.expected_platform):
            wrong.append(
                f"{c.name}: expected {c.expected_vendor}/{c.expected_platform}, "
                f"got {c.got_vendor}/{c.got_platform} ({c.classification})"
            )
    restricted = [c for c in cases if c.classification == Classification.RESTRICTED.value]
    return Score(
        cases=len(cases),
        vendor=FieldScore(
            identified=sum(c.got_vendor is not None for c in cases),
            right=sum(c.got_vendor == c.expected_vendor for c in cases),
            identified_right=sum(c.got_vendor is not None and c.got_vendor == c.expected_vendor for c in cases),
        ),
        platform_vendor=FieldScore(
            identified=sum(c.got_platform is not None for c in cases),
            right=sum(c.got_platform == c.expected_platform for c in cases),
            identified_right=sum(c.got_platform is not None and c.got_platform == c.expected_platform for c in cases),
        ),
        wrongly_restricted=sum(c.restricted_is_wrong and not c.maker_unknown for c in restricted),
        non_prc_cases=sum(c.non_prc_maker for c in cases),
        non_prc_restricted=sum(c.non_prc_maker for c in restricted),
        wrong=tuple(wrong),
        hd_cases=sum(c.hd_platform for c in cases),
        hd_restricted=sum(c.hd_platform for c in restricted),
        unknown_restricted=sum(c.maker_unknown for c in restricted),
    )


def _non_prc(vdb: VendorDB, maker: str | None) -> bool:
    v = vdb.get(maker)
    return v is not None and v.prc_organised is False


HD_PLATFORMS = ("Hikvision", "Dahua")


def _hd_platform(vdb: VendorDB, maker: str | None) -> bool:
    """Hikvision or Dahua, or a company vendors.yaml says is their subsidiary or brand."""
    if maker is None:
        return False
    if maker in HD_PLATFORMS:
        return True
    v = vdb.get(maker)
    return v is not None and any(
        r.to in HD_PLATFORMS and r.type in ("subsidiary", "brand") and not r.until for r in v.relations
    )


def _covered(policy: Policy, vdb: VendorDB, *names: str | None) -> bool:
    return any(n is not None and policy.coverage(n, vdb) is not None for n in names)


def load_corpus(path: Path) -> list[dict[str, Any]]:
    data = read_yaml(path)  # a key written twice is an error, not a silent overwrite
    if not isinstance(data, list):
        raise ValueError(f"{path}: the corpus is a YAML list of observations")
    return data


CORPUS_PROTOCOLS = ("onvif", "wsd", "rtsp", "http", "tls", "mdns", "ssdp", "upnp", "sadp", "dhip", "dhcp", "dvrip", "snmp", "mac")
_SPLIT_SALT = b"cctv-scan corpus split 1\0"


def corpus_half(record_id: str) -> str:
    """'seen' or 'blind': a fixed hash of the record's id, so the split never depends on content
    or on what the scanner does with it."""
    return "blind" if hashlib.sha256(_SPLIT_SALT + record_id.encode("utf-8")).digest()[0] & 1 else "seen"


@dataclass(frozen=True, slots=True)
class Record:
    """One response a real device sent (tests/corpus/records/*.yaml)."""

    id: str
    protocol: str
    observations: tuple[tuple[str, str], ...]  # (field, value) as sent
    maker: str | None
    brand: str | None
    device_type: str
    source: str
    file: str
    raw: str = ""
    note: str = ""
    # the day the record was collected, for records added after fingerprints were last written
    # from the seen half: their blind half was never looked at by anyone writing knowledge
    collected: str = ""

    @property
    def half(self) -> str:
        return corpus_half(self.id)


def load_records(directory: Path) -> list[Record]:
    """Every record in ``directory/*.yaml``, in file then list order."""
    records = []
    for path in sorted(directory.glob("*.yaml")):
        data = read_yaml(path) or []  # a key written twice is an error
        if not isinstance(data, list):
            raise ValueError(f"{path}: a corpus file is a YAML list of records")
        for raw in data:
            expected = raw.get("expected") or {}
            records.append(
                Record(
                    id=str(raw["id"]),
                    protocol=str(raw["protocol"]),
                    observations=tuple((str(o["field"]), str(o["value"])) for o in raw.get("observations") or ()),
                    maker=expected.get("maker"),
                    brand=expected.get("brand"),
                    device_type=str(expected.get("device_type", "unknown")),
                    source=str(raw.get("source", "")),
                    file=path.name,
                    raw=str(raw.get("raw") or ""),
                    note=str(raw.get("note") or ""),
                    collected=str(raw.get("collected") or ""),
                )
            )
    return records


def independent_of_examples(record: Record, db: FingerprintDB) -> bool:
    """True when no value of the record is, letter for letter, an example of a fingerprint for
    its field: such a record measures identification, not the self-test again. (Some corpus
    records come from the same public collections, Recog and nmap, that fingerprints were
    written from years ago; they are scored, and reported apart.)"""
    return not any(
        ex.value == value for field, value in record.observations for f in db.files_for(field)
        for fp in f.fingerprints for ex in fp.examples
    )


def declares_maker(record: Record) -> bool:
    """True when a record holds a field whose protocol defines it as a maker, a model, a scope,
    a manufacturer URL or a certificate name, or an mDNS name (resolver roles other than free
    text): the devices issue 9's goal is stated for."""
    from .resolver import FIELD_ROLES, TEXT

    return any(
        (FIELD_ROLES.get(f) not in (None, TEXT) or f.startswith("mdns.")) and v.strip()
        for f, v in record.observations
    )


def expected_name(vdb: VendorDB, name: str | None) -> str | None:
    """The registry's canonical name for a maker or brand a record expects. A collector writes the
    name the source uses; where that is a registry alias ('Hik Vision', a company's short name),
    the scanner's answer is the canonical name, and the two must compare equal. A name the
    registry does not know is kept as written."""
    if name is None or name in vdb:
        return name
    return vdb.canonical(name) or name


def record_cases(records: Iterable[Record], db: FingerprintDB, policy: Policy) -> list[Case]:
    """Identify each record as one device made of its observations, offline, and pair it with
    its expectation."""
    cases = []
    for r in records:
        obs = [Observation(ip=CORPUS_IP, probe=f.split(".", 1)[0], field=f, value=v) for f, v in r.observations]
        identity = build_identity([match_observation(o, db) for o in obs], db)
        verdict = classify(identity, policy, db.vendors)
        maker = expected_name(db.vendors, r.maker)
        brand = expected_name(db.vendors, r.brand) or maker
        cases.append(
            Case(
                name=f"{r.id} [{r.protocol}] " + "; ".join(f"{f}={v[:40]!r}" for f, v in r.observations[:3]),
                expected_vendor=brand,
                expected_platform=maker,
                got_vendor=identity.vendor,
                got_platform=identity.platform_vendor,
                classification=verdict.classification.value,
                restricted_is_wrong=not _covered(policy, db.vendors, maker, brand),
                non_prc_maker=_non_prc(db.vendors, maker),
                hd_platform=_hd_platform(db.vendors, maker),
                maker_unknown=r.maker is None and r.brand is None,
            )
        )
    return cases


def render_corpus_table(rows: Sequence[tuple[str, str, Score]]) -> str:
    """A Markdown table, one row per (half, protocol): maker named and right, brand right, the
    Hikvision/Dahua-platform devices restricted, the wrongly restricted (a maker or brand the source
    names that the policy does not cover), and apart, those restricted where the source names none."""
    lines = [
        "| half | protocol | records | maker named | maker right | brand right | Hikvision/Dahua platform restricted | wrongly restricted | restricted, non-PRC maker | restricted, source names no maker |",
        "|---|---|---:|---|---|---|---|---|---|---:|",
    ]
    for half, protocol, s in rows:
        lines.append(
            f"| {half} | {protocol} | {s.cases} | {_share(s.platform_vendor.identified, s.cases)} "
            f"| {_share(s.platform_vendor.right, s.cases)} | {_share(s.vendor.right, s.cases)} "
            f"| {_share(s.hd_restricted, s.hd_cases)} | {_share(s.wrongly_restricted, s.cases)} "
            f"| {s.non_prc_restricted} of {s.non_prc_cases} | {s.unknown_restricted} |"
        )
    return "\n".join(lines)


def corpus_cases(entries: Iterable[Mapping[str, Any]], db: FingerprintDB, policy: Policy) -> list[Case]:
    """Identify each corpus observation alone and pair it with its expectation."""
    cases = []
    for i, entry in enumerate(entries):
        field, value, expected = entry["field"], entry["value"], entry["expected"]
        obs = Observation(ip=CORPUS_IP, probe=field.split(".", 1)[0], field=field, value=value)
        identity = build_identity([match_observation(obs, db)], db)
        verdict = classify(identity, policy, db.vendors)
        maker = expected.get("platform_vendor")
        brand = expected.get("vendor") or maker
        cases.append(
            Case(
                name=f"corpus[{i}] {field}={value[:40]!r}",
                expected_vendor=brand,
                expected_platform=maker,
                got_vendor=identity.vendor,
                got_platform=identity.platform_vendor,
                classification=verdict.classification.value,
                restricted_is_wrong=not _covered(policy, db.vendors, maker, brand),
                non_prc_maker=_non_prc(db.vendors, maker),
            )
        )
    return cases


def lab_cases(devices: Iterable[Mapping[str, Any]], expected: Mapping[str, tuple[str, Mapping[str, Any]]], vdb: VendorDB) -> list[Case]:
    """Pair each scanned device (scan-document dicts) with its profile's expectation.

    ``expected`` maps an IP to (profile name, the profile's ``expected`` mapping). A profile the
    scan did not report counts as found with nothing identified.
    """
    found = {d["ip"]: d for d in devices}
    cases = []
    for ip, (profile, want) in sorted(expected.items()):
        d = found.get(ip, {})
        maker = want.get("platform_vendor")
        cases.append(
            Case(
                name=f"lab {profile}",
                expected_vendor=want.get("vendor") or maker,
                expected_platform=maker,
                got_vendor=d.get("vendor"),
                got_platform=d.get("platform_vendor"),
                classification=d.get("classification", Classification.UNIDENTIFIED.value),
                restricted_is_wrong=want.get("classification") != Classification.RESTRICTED.value,
                non_prc_maker=_non_prc(vdb, maker),
                hd_platform=_hd_platform(vdb, maker),
            )
        )
    return cases


def _share(n: int, total: int) -> str:
    return f"{n}/{total} ({100 * n / total:.0f}%)" if total else "0/0"


def render_table(rows: Sequence[tuple[str, Score]]) -> str:
    """A Markdown table, one row per (case set, field)."""
    lines = [
        "| cases | field | identified | right | right when identified | wrongly restricted | restricted, non-PRC maker |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, s in rows:
        for field, fs in (("vendor", s.vendor), ("platform_vendor", s.platform_vendor)):
            lines.append(
                f"| {label} ({s.cases}) | {field} | {_share(fs.identified, s.cases)} | {_share(fs.right, s.cases)} "
                f"| {_share(fs.identified_right, fs.identified)} "
                f"| {_share(s.wrongly_restricted, s.cases)} | {s.non_prc_restricted} of {s.non_prc_cases} |"
            )
    return "\n".join(lines)


def is_verbatim_example(evidence: Mapping[str, Any], db: FingerprintDB) -> bool:
    """True when a matched evidence line's value is, letter for letter, one of the examples of
    the fingerprint that matched it: the lab confirming the database with its own examples."""
    fid = evidence.get("fingerprint")
    if not fid:
        return False
    fp = db.fingerprint(fid)
    return fp is not None and any(e.value == evidence.get("value") for e in fp.examples)


def verbatim_share(devices: Iterable[Mapping[str, Any]], db: FingerprintDB) -> tuple[int, int]:
    """(matched evidence lines whose value is a fingerprint's own example, matched lines)."""
    matched = [e for d in devices for e in d.get("evidence", ()) if e.get("fingerprint") and e.get("probe") != "identify"]
    return sum(is_verbatim_example(e, db) for e in matched), len(matched)


def without_verbatim(devices: Sequence[Mapping[str, Any]], db: FingerprintDB, policy: Policy) -> list[dict[str, Any]]:
    """The devices identified again with every verbatim-example observation left out, as if
    the lab had sent values the fingerprints were not written from."""
    observations = [
        Observation(ip=d["ip"], probe=e["probe"], field=e["field"], value=e["value"], port=e.get("port"))
        for d in devices
        for e in d.get("evidence", ())
        if e.get("probe") != "identify" and not is_verbatim_example(e, db)
    ]
    hosts = [Host(ip=d["ip"], mac=d.get("mac"), source="document") for d in devices]
    return [
        {"ip": d.ip, "vendor": d.vendor, "platform_vendor": d.platform_vendor, "classification": d.classification.value}
        for d in build_devices(observations, hosts, db=db, policy=policy)
    ]
