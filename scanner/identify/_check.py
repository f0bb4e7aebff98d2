"""The rules of the fingerprint self-test (see fingerprints/README.md), one function per rule.

Each rule yields ``Problem``s naming the file and fingerprint at fault, so ``fingerprints check``
and the parametrized test can say exactly what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..models import Observation
from .fingerprints import MAX_EXAMPLES, PARAM_NAMES, VENDOR_PARAMS, Fingerprint, FingerprintDB, Problem
from .vendors import VendorDB

# An example is what a device sent. These shapes are what a person types when inventing one.
_PLACEHOLDER = (
    # (not the decimals of a number: an SDP "range:npt=0.000000-" is how a server writes zero)
    (re.compile(r"(?<![0-9A-Za-z])(?<!\d\.)([0-9A-Za-z])\1{5,}(?![0-9A-Za-z])"), "a run of one character"),
    (re.compile(r"(\d)\1{8,}"), "a run of one digit"),
    (re.compile(r"(?<![A-Za-z])ABC(?:DE?)?(?![a-z])"), "'ABC'"),
    (re.compile(r"(?i)(?<![a-z])stuff(?![a-z])"), "'stuff'"),
    (re.compile(r"(?i)abc123|123456789|(?<![0-9A-Za-z])12345(?![0-9])"), "a counting sequence"),
)
# A source anyone can open: a URL, or repository + path + commit (40 or at least 7 hex digits).
_URL = re.compile(r"https?://[^\s)]+")
_REPO_PATH_COMMIT = re.compile(r"[\w.-]+/[\w.-]+\s+\S*[\w-]+\.\w+.*?(?:@|commit\s*)\s*[0-9a-f]{7,40}\b", re.S)
_UNOPENABLE = re.compile(r"code index id \d+", re.I)


def run_checks(db: FingerprintDB, *, check_ieee: bool = True) -> list[Problem]:
    problems: list[Problem] = []
    problems += _check_fingerprints(db)
    problems += _check_shadowing(db)
    problems += _check_unique(db)
    problems += _check_vendors(db, check_ieee=check_ieee)
    problems += _check_oui(db)
    problems += _check_policies(db)
    problems += _check_registry(db)
    problems += _check_cross_maker(db)
    problems += _check_placeholders(db)
    problems += check_sources(db)
    return problems


def data_rule_problems(db: FingerprintDB) -> list[Problem]:
    """The problems of the rules on the data itself: sources without an address, invented-looking
    examples, one maker's alias, grammar or fingerprint matching another maker's example."""
    return [*_check_cross_maker(db), *_check_placeholders(db), *check_sources(db)]


def placeholder_reason(value: str) -> str | None:
    """Why an example looks invented (a shape only a placeholder produces), or None."""
    for pattern, what in _PLACEHOLDER:
        if pattern.search(value):
            return what
    return None


def source_address_problem(source: str) -> str | None:
    """Why a source cannot be opened by a reader, or None if it carries an address."""
    text = " ".join(source.split())
    if _UNOPENABLE.search(text):
        return "cites a code-index id nobody can open: give repository + path + commit or a URL"
    if _URL.search(text) or _REPO_PATH_COMMIT.search(text):
        return None
    return "has no address: give a URL, or repository + path + commit"


def _check_registry(db: FingerprintDB) -> Iterator[Problem]:
    """Every alias resolves to its own vendor; every model grammar matches its examples."""
    from . import resolver

    vdb = db.vendors
    for v in vdb.vendors.values():
        if not v.is_device_maker:
            continue
        for alias in dict.fromkeys((v.name, *v.aliases)):
            got = {r.params.get("vendor") or r.params.get("platform_vendor") for r in resolver.resolve(Observation("", "", "onvif.manufacturer", alias), vdb) if r.fingerprint_id.startswith("alias:")}
            if got != {v.name}:
                yield Problem("vendors.yaml", f"{v.name}: alias {alias!r} resolves to {sorted(x for x in got if x) or 'nothing'}")
        for g in v.models:
            if not g.examples:
                yield Problem("vendors.yaml", f"{v.name}: model grammar {g.id} has no examples")
            if g.platform is not None:
                maker = vdb.get(g.platform)
                if maker is None or not maker.is_device_maker:
                    yield Problem("vendors.yaml", f"{v.name}: model grammar {g.id} platform {g.platform!r} is not a registry maker")
                elif v.relation_to(g.platform) is None:
                    yield Problem("vendors.yaml", f"{v.name}: model grammar {g.id} names platform {g.platform} but {v.name} has no relation to it")
            for i, example in enumerate(g.examples, 1):
                if g.regex.search(example) is None:
                    yield Problem("vendors.yaml", f"{v.name}: model grammar {g.id} example {i} ({_short(example)}) does not match its own pattern")


def _examples_by_maker(db: FingerprintDB) -> Iterator[tuple[str, str, str, str]]:
    """(maker, example, where, field) for every grammar example and every fingerprint example
    whose fingerprint concludes a maker."""
    for v in db.vendors.vendors.values():
        for g in v.models:
            for example in g.examples:
                yield v.name, example, f"model grammar {g.id}", ""
    for f in db.files:
        for fp in f.fingerprints:
            for example in fp.examples:
                got = fp.match(example.value) or {}
                for key in VENDOR_PARAMS:
                    name = fp.params.get(key) or db.vendors.canonical(got.get(key, "")) if (fp.params.get(key) or got.get(key)) else None
                    if name:
                        yield name, example.value, f"{f.name} [{fp.id}]", f.matches[0] if f.matches else ""


def _related(vdb: VendorDB, a: str, b: str) -> bool:
    if a == b:
        return True
    va, vb = vdb.get(a), vdb.get(b)
    for x, y in ((va, b), (vb, a)):
        if x is not None and (x.relation_to(y) is not None or x.platform == y or x.parent == y):
            return True
    pa, pb = (va.platform if va else None), (vb.platform if vb else None)
    return pa is not None and pa == pb


def _check_cross_maker(db: FingerprintDB) -> Iterator[Problem]:
    """No alias or grammar of one maker, and no fingerprint of one maker, matches an example of
    another (unrelated) maker."""
    from . import resolver

    vdb = db.vendors
    grammars = [g for v in vdb.vendors.values() for g in v.models]
    aliases = resolver.compiled_aliases(vdb)
    seen: set[tuple[str, str, str]] = set()
    for maker, example, where, field_name in _examples_by_maker(db):
        value = example[: resolver.MAX_RESOLVE_CHARS]
        for g in grammars:
            if not _related(vdb, g.vendor, maker) and g.regex.search(value) and (g.id, example, maker) not in seen:
                seen.add((g.id, example, maker))
                yield Problem("vendors.yaml", f"{g.vendor}: model grammar {g.id} matches {_short(example)}, an example of {maker} ({where})")
        for alias in aliases:
            if not _related(vdb, alias.vendor, maker) and alias.regex.search(value) and (alias.text, example, maker) not in seen:
                seen.add((alias.text, example, maker))
                yield Problem("vendors.yaml", f"{alias.vendor}: alias {alias.text!r} matches {_short(example)}, an example of {maker} ({where})")
        if not field_name:
            continue
        for f in db.files_for(field_name):
            for fp in f.fingerprints:
                names = {fp.params.get(k) for k in VENDOR_PARAMS} - {None}
                if not names or any(_related(vdb, n, maker) for n in names if n):
                    continue
                if fp.match(value) is not None and (fp.id, example, maker) not in seen:
                    seen.add((fp.id, example, maker))
                    yield Problem(f.name, f"matches {_short(example)}, an example of {maker} ({where})", fp.id)


def _check_placeholders(db: FingerprintDB) -> Iterator[Problem]:
    for f in db.files:
        for fp in f.fingerprints:
            for i, example in enumerate(fp.examples, 1):
                why = placeholder_reason(example.value)
                if why:
                    yield Problem(f.name, f"example {i} ({_short(example.value)}) looks invented ({why}): use what a device sent", fp.id)
    for v in db.vendors.vendors.values():
        for g in v.models:
            for i, example in enumerate(g.examples, 1):
                why = placeholder_reason(example)
                if why:
                    yield Problem("vendors.yaml", f"{v.name}: model grammar {g.id} example {i} ({_short(example)}) looks invented ({why})")


def check_sources(db: FingerprintDB) -> Iterator[Problem]:
    """Every fingerprint, model grammar and OEM model source carries an address a reader can open."""
    for f in db.files:
        for fp in f.fingerprints:
            why = source_address_problem(fp.source)
            if why:
                yield Problem(f.name, f"source {why}", fp.id)
    for v in db.vendors.vendors.values():
        for g in v.models:
            why = source_address_problem(g.source)
            if why:
                yield Problem("vendors.yaml", f"{v.name}: model grammar {g.id} source {why}")
        for o in v.oem_models:
            why = source_address_problem(o.source)
            if why:
                yield Problem("vendors.yaml", f"{v.name}: OEM model {o.model} source {why}")


def _check_fingerprints(db: FingerprintDB) -> Iterator[Problem]:
    for f in db.files:
        for fp in f.fingerprints:
            yield from check_fingerprint(db, fp)


def check_fingerprint(db: FingerprintDB, fp: Fingerprint) -> Iterator[Problem]:
    """Every rule that concerns one fingerprint alone (used per fingerprint by the tests)."""
    name, fid = fp.file, fp.id
    if not 1 <= len(fp.examples) <= MAX_EXAMPLES:
        yield Problem(name, f"has {len(fp.examples)} examples; 1 to {MAX_EXAMPLES} real examples are required", fid)
    if not fp.source.strip() or fp.source.strip().upper().startswith("TODO"):
        yield Problem(name, "has no source: name where its real examples came from", fid)
    if fp.confirm_only and fp.strength != "weak":
        yield Problem(name, f"is confirm_only but {fp.strength}: a shared signal that never names a maker alone is weak", fid)
    groups = set(fp.regex.groupindex)
    for bad in sorted(groups - PARAM_NAMES):
        yield Problem(name, f"named group {bad!r} is not an allowed param ({', '.join(sorted(PARAM_NAMES))})", fid)
    for both in sorted(groups & set(fp.params)):
        yield Problem(name, f"param {both!r} is both a constant and a capture group", fid)
    for key in VENDOR_PARAMS:
        value = fp.params.get(key)
        if value is not None and value not in db.vendors:
            yield Problem(name, f"{key} {value!r} is not a vendors.yaml name", fid)
    for i, example in enumerate(fp.examples, 1):
        got = fp.match(example.value)
        if got is None:
            yield Problem(name, f"example {i} ({_short(example.value)}) does not match its own pattern", fid)
            continue
        expected = {k: str(v) for k, v in example.params.items()}
        if got != expected:
            yield Problem(name, f"example {i} ({_short(example.value)}) extracts {got}, the example states {expected}", fid)
        for key in VENDOR_PARAMS:
            if key in got and db.vendors.canonical(got[key]) is None:
                yield Problem(
                    name, f"example {i} captures {key} {got[key]!r}, neither a vendors.yaml name nor an alias", fid
                )
        for key in set(example.params) - groups:
            yield Problem(name, f"example {i} states param {key!r} but the pattern has no such group", fid)


def _check_shadowing(db: FingerprintDB) -> Iterator[Problem]:
    """First match wins within a file, so no earlier fingerprint may match a later one's example."""
    for f in db.files:
        for j, later in enumerate(f.fingerprints):
            for i, example in enumerate(later.examples, 1):
                for earlier in f.fingerprints[:j]:
                    if earlier.match(example.value) is not None:
                        yield Problem(
                            f.name,
                            f"example {i} ({_short(example.value)}) is swallowed by earlier fingerprint {earlier.id!r}",
                            later.id,
                        )
                        break


def _check_unique(db: FingerprintDB) -> Iterator[Problem]:
    seen_ids: dict[str, str] = {}
    for f in db.files:
        seen_desc: set[str] = set()
        for fp in f.fingerprints:
            if fp.id in seen_ids:
                yield Problem(f.name, f"id is also used in {seen_ids[fp.id]}", fp.id)
            seen_ids.setdefault(fp.id, f.name)
            if fp.description.casefold() in seen_desc:
                yield Problem(f.name, f"description {fp.description!r} is used twice in this file", fp.id)
            seen_desc.add(fp.description.casefold())


def _check_vendors(db: FingerprintDB, *, check_ieee: bool) -> Iterator[Problem]:
    vdb = db.vendors
    for name in vdb.duplicate_names:
        yield Problem("vendors.yaml", f"{name}: two entries carry this name (only the first would be used): merge them")
    owner: dict[str, str] = {}
    for v in vdb.vendors.values():
        for alias in (v.name, *v.aliases):
            other = owner.setdefault(alias.casefold(), v.name)
            if other != v.name:
                yield Problem("vendors.yaml", f"{v.name}: alias {alias!r} also belongs to {other}")
        for rel in v.relations:
            if rel.to not in vdb:
                yield Problem("vendors.yaml", f"{v.name}: relation to unknown vendor {rel.to!r}")
        if v.platform is not None:
            if v.platform not in vdb:
                yield Problem("vendors.yaml", f"{v.name}: platform {v.platform!r} is not a vendors.yaml name")
            elif v.platform != v.name and v.relation_to(v.platform) is None:
                yield Problem("vendors.yaml", f"{v.name}: platform {v.platform} needs a relation entry saying why")
        for list_id in v.standing:
            if list_id not in vdb.lists:
                yield Problem("vendors.yaml", f"{v.name}: standing on unknown list {list_id!r}")
        if v.prc_organised is False and v.country == "CN":
            yield Problem("vendors.yaml", f"{v.name}: country CN but prc_organised is false")
        if v.oui_strength and v.oui_strength != "medium" and not v.oui_reason.strip():
            yield Problem("vendors.yaml", f"{v.name}: oui_strength {v.oui_strength} without an oui_reason saying why its blocks name the maker")
        if v.oui_strength and not v.ieee_names:
            yield Problem("vendors.yaml", f"{v.name}: oui_strength without ieee_names (no IEEE block is known to be its)")
        if v.ownership_unknown and not v.searched.strip():
            yield Problem("vendors.yaml", f"{v.name}: prc_organised is unknown (null) without a 'searched' note saying where it was looked for")
        if v.ownership_unknown and v.country == "CN":
            yield Problem("vendors.yaml", f"{v.name}: country CN but prc_organised is unknown (null)")
    if check_ieee:
        from .oui import ieee_organisations

        orgs = [o.casefold() for o in ieee_organisations()]
        for v in vdb.vendors.values():
            for needle in v.ieee_names:
                hits = sum(needle.casefold() in o for o in orgs)
                if not hits:
                    yield Problem("vendors.yaml", f"{v.name}: ieee_name {needle!r} matches no IEEE registry organisation")
                elif hits > MAX_IEEE_NAME_HITS:
                    # an unquoted YAML list ('Cohu, Inc., Electronics Division') splits into 'Inc.'
                    yield Problem("vendors.yaml", f"{v.name}: ieee_name {needle!r} matches {hits} IEEE registry organisations "
                                  f"(more than {MAX_IEEE_NAME_HITS}: too common to name one company)")


MAX_IEEE_NAME_HITS = 64  # the most any real entry matches is 32 (Panasonic's companies)


def _check_oui(db: FingerprintDB) -> Iterator[Problem]:
    for o in db.oui_overrides:
        if o.platform_vendor not in db.vendors:
            yield Problem("oui.yaml", f"{o.prefix}: {o.platform_vendor!r} is not a vendors.yaml name")


def _check_policies(db: FingerprintDB) -> Iterator[Problem]:
    from .policy import PolicyError, load_policy_file

    if not db.policies_dir.is_dir():
        return
    for path in sorted(db.policies_dir.glob("*.yaml")):
        try:
            load_policy_file(path, db)
        except PolicyError as exc:
            yield Problem(f"policies/{path.name}", str(exc))


def _short(value: str, limit: int = 60) -> str:
    text = value if len(value) <= limit else value[: limit - 3] + "..."
    return repr(text)
