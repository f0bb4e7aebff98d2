"""The real-device corpus (tests/corpus/records/*.yaml) is well-formed, sourced and real-looking.

A record without an openable source, with a placeholder value, or with an expectation the
scorer cannot read would make the accuracy figures mean less than they say, so this refuses it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from scanner.identify.accuracy import CORPUS_PROTOCOLS, corpus_half, load_records

RECORDS = Path(__file__).with_name("records")
ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,100}$")
FIELD = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
DEVICE_TYPES = {"camera", "nvr", "dvr", "encoder", "intercom", "other", "unknown"}
# An address anyone can open: a URL, or a repository with a path and a commit.
ADDRESS = re.compile(r"https?://\S+|[\w.-]+/[\w.-]+\S*\s.*\b[0-9a-f]{7,40}\b|[\w.-]+/[\w.-]+@[0-9a-f]{7,40}")
# Values that only a person typing an example would produce.
PLACEHOLDER = re.compile(r"(\d)\1{7,}|ABCDE|\babc123\b|\bstuff\b|\bfoo(bar)?\b|\bx{4,}\b|lorem ipsum", re.IGNORECASE)


FIELD_TABLE = Path(__file__).parents[2] / "fingerprints" / "README.md"


def documented_fields() -> tuple[set[str], tuple[str, ...]]:
    """The observation fields the scanner emits, as the field table of fingerprints/README.md lists
    them: (exact names, prefixes of the `family.*` rows)."""
    exact, prefixes = set(), []
    for line in FIELD_TABLE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        for name in re.findall(r"`([a-z][a-z0-9_.]*\*?)`", line.split(" | ")[0]):
            if name.endswith(".*"):
                prefixes.append(name[:-1])
            else:
                exact.add(name)
    return exact, tuple(prefixes)


def test_every_observation_is_a_field_the_scanner_emits() -> None:
    # a record holding what no probe reads (an answer given only after a login) measures nothing
    exact, prefixes = documented_fields()
    assert "http.server" in exact and "sadp." in prefixes  # the table was read
    for r in load_records(RECORDS):
        for field_name, _ in r.observations:
            assert field_name in exact or field_name.startswith(prefixes), (
                f"{r.id}: {field_name} is not a field the scanner emits (fingerprints/README.md)")


COLLECTED = re.compile(r"20\d\d-[01]\d-[0-3]\d(?:T[0-2]\d:[0-5]\dZ)?")  # a day, or a day and UTC time for a second collection that day


def _raw_files() -> list[Path]:
    return sorted(RECORDS.glob("*.yaml"))


def test_every_file_is_a_list_of_mappings_with_the_known_keys() -> None:
    allowed = {"id", "protocol", "observations", "raw", "expected", "source", "note", "collected"}
    for path in _raw_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(data, list) and data, f"{path.name}: a corpus file is a non-empty YAML list"
        for i, raw in enumerate(data):
            assert isinstance(raw, dict), f"{path.name}[{i}] is not a mapping"
            extra = set(raw) - allowed
            assert not extra, f"{path.name}[{i}] has unknown keys {sorted(extra)}"
            assert set(raw.get("expected") or {}) <= {"maker", "brand", "device_type"}, f"{path.name}[{i}] expected keys"


def test_records_are_unique_typed_and_sourced() -> None:
    records = load_records(RECORDS)
    ids = Counter(r.id for r in records)
    assert not [i for i, n in ids.items() if n > 1], f"duplicate ids: {[i for i, n in ids.items() if n > 1]}"
    for r in records:
        where = f"{r.file} [{r.id}]"
        assert ID.match(r.id), f"{where}: id must be lower-case kebab"
        assert r.protocol in CORPUS_PROTOCOLS, f"{where}: protocol {r.protocol!r}"
        assert r.observations, f"{where}: no observations"
        for f, v in r.observations:
            assert FIELD.match(f), f"{where}: malformed field {f!r}"
            assert v.strip(), f"{where}: empty value for {f}"
        assert r.device_type in DEVICE_TYPES, f"{where}: device_type {r.device_type!r}"
        for name in (r.maker, r.brand):
            assert name is None or (isinstance(name, str) and name.strip()), f"{where}: maker/brand must be a name or null"
        assert ADDRESS.search(r.source), f"{where}: the source must carry an address (URL, or repository + path + commit)"
        assert "code index id" not in r.source.lower(), f"{where}: an index id is not an address anyone can open"
        assert not r.collected or COLLECTED.fullmatch(r.collected), f"{where}: collected is a date, YYYY-MM-DD, or YYYY-MM-DDTHH:MMZ"


def test_no_value_is_a_placeholder() -> None:
    for r in load_records(RECORDS):
        for f, v in r.observations:
            assert not PLACEHOLDER.search(v), f"{r.file} [{r.id}]: {f}={v!r} looks like a placeholder, not what a device sent"


def test_the_same_response_is_not_recorded_twice() -> None:
    seen: dict[tuple, str] = {}
    for r in load_records(RECORDS):
        key = tuple(sorted(r.observations))
        assert key not in seen, f"{r.id} repeats {seen[key]}"
        seen[key] = r.id


def test_the_split_is_fixed_and_near_half() -> None:
    # The split is a hash of the id: these two are pinned so a change of the rule is seen.
    assert [corpus_half(f"x-{i}") for i in range(8)] == ["seen", "blind", "blind", "blind", "seen", "seen", "seen", "blind"]
    records = load_records(RECORDS)
    if len(records) < 40:
        pytest.skip("too few records to judge the balance of the split")
    blind = sum(r.half == "blind" for r in records)
    assert 0.35 <= blind / len(records) <= 0.65, f"{blind} of {len(records)} records are blind"
