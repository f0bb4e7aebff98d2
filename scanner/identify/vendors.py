"""The vendor database (``fingerprints/vendors.yaml``) as typed objects.

It is the controlled vocabulary every fingerprint uses, and the facts policies decide on: where a
company is organised, who owns it, how it relates to Hikvision or Dahua, and its standing on the
lists (UK statement of 24 Nov 2022, NDAA s.889, FCC Covered List, Entity List).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ListDoc:
    id: str
    title: str
    issuer: str
    date: str
    source: str
    reference: str = ""
    summary: str = ""
    short: str = ""  # a few words for the one-line reason ("NDAA section 889")

    @property
    def name(self) -> str:
        return self.short or self.title

    def cite(self) -> str:
        ref = f" ({self.reference})" if self.reference else ""
        return f"{self.title}{ref}, {self.issuer}, {self.date}"


@dataclass(frozen=True, slots=True)
class Relation:
    to: str
    type: str  # subsidiary | brand | affiliate | joint-venture | former-subsidiary | oem-customer | owner
    strength: str  # documented | reported | suspected
    source: str
    since: str = ""
    until: str = ""
    note: str = ""

    def describe(self, name: str) -> str:
        """'LTS is a reported OEM customer of Hikvision' style phrase."""
        kind = {
            "subsidiary": "a subsidiary of",
            "brand": "a brand of",
            "affiliate": "an affiliate of",
            "joint-venture": "a joint venture of",
            "former-subsidiary": "a former subsidiary of",
            "oem-customer": "an OEM customer of",
            "owner": "the owner of",
        }[self.type]
        when = ""
        if self.since and self.until:
            when = f" ({self.since} to {self.until})"
        elif self.since:
            when = f" (since {self.since})"
        elif self.until:
            when = f" (until {self.until})"
        return f"{name} is {kind} {self.to}{when} [{self.strength}]"


@dataclass(frozen=True, slots=True)
class Standing:
    status: str  # named | subsidiary-or-affiliate | covered-by-law | not-named | removed | disputed
    source: str
    since: str = ""
    until: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class ModelGrammar:
    """A pattern of the model numbers one maker or brand uses (``models`` in vendors.yaml)."""

    id: str
    vendor: str  # the vendors.yaml name the grammar belongs to
    pattern: str
    strength: str  # strong | medium | weak
    source: str
    examples: tuple[str, ...]
    regex: re.Pattern[str]
    device_type: str | None = None
    description: str = ""
    note: str = ""
    # the maker that builds this model line, for a brand that sells several makers' devices
    # (Lorex's NR recorders are Dahua builds, its FLIR-era DVRs are not); None: the brand's platform
    platform: str | None = None


@dataclass(frozen=True, slots=True)
class OemModel:
    model: str  # the brand's model number
    platform_model: str  # the platform maker's model it is, per the source
    source: str


@dataclass(frozen=True, slots=True)
class Vendor:
    name: str
    kind: str  # maker | brand | software | component | generic
    country: str
    prc_organised: bool | None  # None: no source establishes where it is organised
    source: str
    legal_name: str = ""
    category: str = ""
    prc_ties: str = ""
    parent: str | None = None
    ownership: str = ""
    platform: str | None = None
    ieee_names: tuple[str, ...] = ()
    oui_strength: str | None = None  # strength of a device's own MAC in its blocks (None: the default)
    oui_reason: str = ""
    aliases: tuple[str, ...] = ()
    relations: tuple[Relation, ...] = ()
    standing: dict[str, Standing] = field(default_factory=dict)
    notes: str = ""
    models: tuple[ModelGrammar, ...] = ()
    oem_models: tuple[OemModel, ...] = ()
    searched: str = ""

    @property
    def display(self) -> str:
        return f"{self.name} ({self.legal_name})" if self.legal_name and self.legal_name != self.name else self.name

    def relation_to(self, other: str) -> Relation | None:
        for rel in self.relations:
            if rel.to == other:
                return rel
        return None

    @property
    def ownership_unknown(self) -> bool:
        """No source establishes where the company is organised: a name devices send, known, but
        whose ownership the registry cannot state (never cleared, see classify)."""
        return self.prc_organised is None

    @property
    def is_device_maker(self) -> bool:
        return self.kind in ("maker", "brand")


@dataclass(frozen=True, slots=True)
class VendorDB:
    vendors: dict[str, Vendor]
    lists: dict[str, ListDoc]
    generic_values: tuple[str, ...] = ()  # values that name no maker (H264, IPCAM), case-folded
    _aliases: dict[str, str] = field(default_factory=dict, repr=False)
    # names given to more than one entry (only the first is used; the self-test fails on any)
    duplicate_names: tuple[str, ...] = ()

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> VendorDB:
        lists = {key: ListDoc(id=key, **value) for key, value in (doc.get("lists") or {}).items()}
        vendors: dict[str, Vendor] = {}
        aliases: dict[str, str] = {}
        duplicates: list[str] = []
        for raw in doc.get("vendors") or []:
            v = dict(raw)
            v["ieee_names"] = tuple(v.get("ieee_names", ()))
            v["aliases"] = tuple(v.get("aliases", ()))
            v["relations"] = tuple(Relation(**r) for r in v.get("relations", ()))
            v["standing"] = {k: Standing(**s) for k, s in (v.get("standing") or {}).items()}
            v["models"] = tuple(
                ModelGrammar(
                    id=m["id"], vendor=v["name"], pattern=m["pattern"], strength=m["strength"], source=m["source"],
                    examples=tuple(str(e) for e in m["examples"]), regex=re.compile(m["pattern"], re.IGNORECASE),
                    device_type=m.get("device_type"), description=m.get("description", ""), note=m.get("note", ""),
                    platform=m.get("platform"),
                )
                for m in v.get("models", ())
            )
            v["oem_models"] = tuple(OemModel(**o) for o in v.get("oem_models", ()))
            vendor = Vendor(**v)
            if vendor.name in vendors:
                duplicates.append(vendor.name)
            vendors.setdefault(vendor.name, vendor)
            for alias in (vendor.name, *vendor.aliases):
                aliases.setdefault(alias.casefold(), vendor.name)
        generic = tuple(str(g["value"]).strip().casefold() for g in doc.get("generic_values") or ())
        return cls(vendors=vendors, lists=lists, generic_values=generic, _aliases=aliases, duplicate_names=tuple(duplicates))

    def __contains__(self, name: object) -> bool:
        return name in self.vendors

    def get(self, name: str | None) -> Vendor | None:
        return self.vendors.get(name) if name else None

    def canonical(self, name: str) -> str | None:
        """The canonical name for a name or alias a device sent (case-insensitive), or None."""
        return self._aliases.get(name.strip().casefold())

    def by_ieee_org(self, org: str) -> str | None:
        """The vendor whose ``ieee_names`` substring matches the IEEE organisation name.
        The longest matching substring wins ('Prama Hikvision India' over 'Hikvision')."""
        folded = org.casefold()
        best: tuple[int, str] | None = None
        for vendor in self.vendors.values():
            for needle in vendor.ieee_names:
                at = folded.find(needle.casefold())
                # at a word's start, and not running on into a longer word ('Sony' is not in
                # "IK'SONYA"); a registrant's own typo may glue the next word on ('DAHUA
                # TECHNOLOGYCO.,LTD'), so only a letter continuing a name of four or fewer fails
                while at != -1 and not _word_at(folded, at, len(needle)):
                    at = folded.find(needle.casefold(), at + 1)
                if at != -1 and (best is None or len(needle) > best[0]):
                    best = (len(needle), vendor.name)
        return best[1] if best else None


def _word_at(text: str, at: int, length: int) -> bool:
    """``text[at:at+length]`` starts a word and, for a short name, also ends one."""
    if at > 0 and text[at - 1].isalnum():
        return False
    end = at + length
    return length > 4 or end >= len(text) or not text[end].isalnum()
