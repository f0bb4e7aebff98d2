"""The banner corpus is well-formed: every entry names its field, value, source and expectation.

The corpus (tests/corpus/banners.yaml) feeds the README accuracy table; an entry without a
source or an expectation cannot be measured or checked, so this test refuses it.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

CORPUS = Path(__file__).with_name("banners.yaml")
FIELD = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
EXPECTED_KEYS = {"vendor", "platform_vendor", "device_type"}
DEVICE_TYPES = {"camera", "nvr", "dvr", "other", "unknown"}


def _entries() -> list[dict]:
    data = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    assert isinstance(data, list), "the corpus is a YAML list of observations"
    return data


def test_corpus_is_not_empty() -> None:
    assert len(_entries()) >= 30


def test_every_entry_has_field_value_source_and_expected() -> None:
    for i, entry in enumerate(_entries()):
        assert isinstance(entry, dict), f"entry {i} is not a mapping"
        missing = {"field", "value", "source", "expected"} - entry.keys()
        assert not missing, f"entry {i} ({entry.get('value')!r}) lacks {sorted(missing)}"
        assert FIELD.match(entry["field"]), f"entry {i} has a malformed field {entry['field']!r}"
        assert isinstance(entry["value"], str) and entry["value"], f"entry {i} has no value"
        assert isinstance(entry["source"], str) and entry["source"].strip(), f"entry {i} has no source"


def test_every_expectation_states_vendor_platform_and_device_type() -> None:
    for i, entry in enumerate(_entries()):
        expected = entry["expected"]
        assert isinstance(expected, dict), f"entry {i} expected is not a mapping"
        assert set(expected) == EXPECTED_KEYS, f"entry {i} expected keys {sorted(expected)}"
        assert expected["device_type"] in DEVICE_TYPES, f"entry {i} device_type {expected['device_type']!r}"
        for key in ("vendor", "platform_vendor"):
            assert expected[key] is None or (isinstance(expected[key], str) and expected[key]), (
                f"entry {i} {key} must be a name or null"
            )


def test_no_observation_is_listed_twice() -> None:
    seen: set[tuple[str, str]] = set()
    for entry in _entries():
        key = (entry["field"], entry["value"])
        assert key not in seen, f"duplicate corpus entry {key}"
        seen.add(key)
