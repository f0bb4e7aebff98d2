"""The rules of the fingerprint self-test (see fingerprints/README.md), one function per rule.

Each rule yields ``Problem``s naming the file and fingerprint at fault, so ``fingerprints check``
and the parametrized test can say exactly what to fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from .fingerprints import MAX_EXAMPLES, PARAM_NAMES, VENDOR_PARAMS, Fingerprint, FingerprintDB, Problem


def run_checks(db: FingerprintDB, *, check_ieee: bool = True) -> list[Problem]:
    problems: list[Problem] = []
    problems += _check_fingerprints(db)
    problems += _check_shadowing(db)
    problems += _check_unique(db)
    problems += _check_vendors(db, check_ieee=check_ieee)
    problems += _check_oui(db)
    problems += _check_policies(db)
    return problems


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
        if not v.prc_organised and v.country == "CN":
            yield Problem("vendors.yaml", f"{v.name}: country CN but prc_organised is false")
    if check_ieee:
        from .oui import ieee_organisations

        orgs = [o.casefold() for o in ieee_organisations()]
        for v in vdb.vendors.values():
            for needle in v.ieee_names:
                if not any(needle.casefold() in o for o in orgs):
                    yield Problem("vendors.yaml", f"{v.name}: ieee_name {needle!r} matches no IEEE registry organisation")


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
