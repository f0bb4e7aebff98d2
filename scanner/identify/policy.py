"""Classification policies: which companies a policy covers, and what sends a device to review.

A policy is data (``fingerprints/policies/<id>.yaml`` or a user's own YAML file), validated by
``schema/policy.schema.json``. Its rules refer only to facts in vendors.yaml (where a company is
organised, its standing on named lists, its relations), so the policy file itself names no maker
unless it wants to (``covers.vendors``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import CctvScanError
from ._schema import YamlError, read_yaml, schema_errors
from .fingerprints import FingerprintDB
from .vendors import Vendor, VendorDB

DEFAULT_POLICY = "uk-sensitive-sites"
_COVERING = ("named", "subsidiary-or-affiliate", "covered-by-law")


class PolicyError(CctvScanError):
    """A policy could not be found, read or validated."""


@dataclass(frozen=True, slots=True)
class Coverage:
    """Why a policy covers one company: a few words for the first reason, the full sentence
    (the legal citation) for the second, and its source."""

    vendor: str
    short: str  # "organised in the PRC", "named on NDAA section 889"
    sentence: str
    source: str


# the visual surveillance kinds, and devices whose kind is unknown
DEFAULT_DEVICE_TYPES = ("camera", "nvr", "dvr", "encoder", "intercom", "unknown")


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    title: str
    source: str
    description: str = ""
    cover_prc_organised: bool = False
    cover_lists: tuple[str, ...] = ()
    cover_vendors: tuple[str, ...] = ()
    cover_related: tuple[str, ...] = ()
    review_prc_organised: bool = False
    review_prc_ties: bool = False
    review_relations: tuple[str, ...] = ()
    review_unknown_vendor: bool = True
    review_video_without_maker: bool = True
    min_confidence: float = 0.3
    device_types: tuple[str, ...] = DEFAULT_DEVICE_TYPES
    short: str = ""  # a few words for the first reason; the title when not given

    @property
    def name(self) -> str:
        return self.short or self.title

    def coverage(self, name: str | None, vdb: VendorDB, _depth: int = 0) -> Coverage | None:
        """Why this policy covers company ``name``, or None if it does not."""
        v = vdb.get(name)
        if v is None:
            return None
        if name in self.cover_vendors:
            return Coverage(v.name, "named by the policy", f"{v.display} is named by the policy {self.title}", self.source)
        if self.cover_prc_organised and v.prc_organised:
            return Coverage(
                v.name,
                "organised in the PRC",
                f"{v.display} is organised in the People's Republic of China, so the PRC National "
                f"Intelligence Law (Art. 7) applies to it",
                f"PRC National Intelligence Law (2017) Art. 7; {v.source}",
            )
        for list_id in self.cover_lists:
            standing = v.standing.get(list_id)
            doc = vdb.lists.get(list_id)
            if standing is not None and doc is not None and standing.status in _COVERING:
                if standing.status == "named":
                    short, how = f"named on {doc.name}", "named on"
                else:
                    short, how = f"an affiliate under {doc.name}", "covered, as a subsidiary or affiliate, by"
                return Coverage(v.name, short, f"{v.display} is {how} {doc.cite()}", standing.source)
        if _depth == 0:
            for rel in v.relations:
                if rel.type in self.cover_related and rel.strength == "documented":
                    parent = self.coverage(rel.to, vdb, _depth=1)
                    if parent is not None:
                        return Coverage(
                            v.name,
                            f"{rel.type} of {rel.to}, {parent.short}",
                            f"{rel.describe(v.name)}, and {parent.sentence}",
                            f"{rel.source}; {parent.source}",
                        )
        return None

    def covered_relation(self, v: Vendor, vdb: VendorDB) -> tuple[str, str] | None:
        """A review-worthy relation of ``v`` to a covered company: (sentence, source)."""
        for rel in v.relations:
            if rel.type in self.review_relations and self.coverage(rel.to, vdb) is not None:
                return rel.describe(v.name), rel.source
        return None


def load_policy(policy: str | Path, db: FingerprintDB) -> Policy:
    """A built-in policy by id (``uk-sensitive-sites``, ``us-ndaa``) or a YAML file by path."""
    if isinstance(policy, Path) or str(policy).endswith((".yaml", ".yml")) or "/" in str(policy):
        return load_policy_file(Path(policy), db)
    path = db.policies_dir / f"{policy}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in db.policies_dir.glob("*.yaml")) if db.policies_dir.is_dir() else []
        raise PolicyError(f"unknown policy {policy!r}; built-in policies: {', '.join(known) or 'none'}")
    return load_policy_file(path, db)


def load_policy_file(path: Path, db: FingerprintDB) -> Policy:
    try:
        doc = read_yaml(path)
    except YamlError as exc:
        raise PolicyError(f"policy {path}: {exc}") from exc
    errors = schema_errors(doc, db.schema_dir / "policy.schema.json")
    if errors:
        raise PolicyError(f"policy {path} is invalid: " + "; ".join(errors))
    covers, review = doc.get("covers", {}), doc.get("review", {})
    for list_id in covers.get("lists", ()):
        if list_id not in db.vendors.lists:
            raise PolicyError(f"policy {path}: list {list_id!r} is not defined in vendors.yaml")
    for name in covers.get("vendors", ()):
        if name not in db.vendors:
            raise PolicyError(f"policy {path}: vendor {name!r} is not a vendors.yaml name")
    return Policy(
        id=doc["id"],
        title=doc["title"],
        short=doc.get("short", ""),
        source=doc["source"],
        description=doc.get("description", ""),
        cover_prc_organised=bool(covers.get("prc_organised", False)),
        cover_lists=tuple(covers.get("lists", ())),
        cover_vendors=tuple(covers.get("vendors", ())),
        cover_related=tuple(covers.get("related", ())),
        review_prc_organised=bool(review.get("prc_organised", False)),
        review_prc_ties=bool(review.get("prc_ties", False)),
        review_relations=tuple(review.get("relations", ())),
        review_unknown_vendor=bool(review.get("unknown_vendor", True)),
        review_video_without_maker=bool(review.get("video_device_without_maker", True)),
        min_confidence=float(review.get("min_confidence", 0.3)),
        device_types=tuple(doc.get("device_types", DEFAULT_DEVICE_TYPES)),
    )
