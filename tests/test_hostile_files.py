"""Hostile input for the readers of files and values that are not packets: a scan document
(``report.load``), the fingerprint matcher (values a device chose: huge, binary, unicode-heavy),
scope files and credentials files. Each returns normally or raises its documented error
(ValueError, ScopeError, CredentialsError), under a work budget counted in lines of scanner
code; inputs over a reader's size cap are refused before they are parsed."""

from __future__ import annotations

import json
import os

import pytest
import yaml

from scanner.credentials import CredentialsError, load_credentials
from scanner.errors import ScopeError
from scanner.identify import load_database
from scanner.identify.matcher import MAX_VALUE_CHARS, match_observation
from scanner.models import Observation, ScanDocument
from scanner.passive.run import document, read_files
from scanner.report import dump, load
from scanner.targets import (
    MAX_SCOPE_FILE_BYTES,
    parse_scope_file,
    read_scope_file,
    resolve_scope,
)
from tests.hostile import TEN_MB, deep_json, mutations, outcome
from tests.hostile_samples import ROOT

# --- scan documents -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_document(tmp_path_factory) -> bytes:
    """The scan document passive mode writes for a lab capture (pcaps/, real lab traffic)."""
    run = read_files([ROOT / "pcaps" / "hikvision-ds-2cd2143g2-i.pcap"])
    path = tmp_path_factory.mktemp("doc") / "scan.json"
    dump(document(run), path)
    return path.read_bytes()


def _load(data: bytes, tmp_path) -> ScanDocument:
    path = tmp_path / "doc.json"
    path.write_bytes(data)
    return load(path)


def test_scan_document_loader_survives_damaged_real_documents(real_document, tmp_path):
    assert _load(real_document, tmp_path).devices
    loaded = refused = 0
    for data in mutations(real_document, 41, count=400):
        doc, error = outcome(_load, data, tmp_path, allowed=(ValueError,))
        if error is None:
            assert isinstance(doc, ScanDocument)
            loaded += 1
        else:
            assert str(error)
            refused += 1
    assert loaded > 5 and refused > 100  # both paths exercised (how many load depends on the document's length)


@pytest.mark.parametrize("data", [
    b"", b"[]", b"1", b'"scan"', b"null", b"true", b"\xff\xfe{}", deep_json(), b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    b'{"schema_version": 1, "scan": ' + deep_json(50_000) + b"}", b'{"schema_version": ' + b"9" * 5000 + b"}",
    b'{"schema_version": 1, "scan": {}, "devices": "' + b"x" * TEN_MB + b'"}', b"[" * 990 + b"]" * 990,
    b'{"schema_version": 1, "scan": {"started": NaN}}',
], ids=lambda d: f"{len(d)}:{d[:24]!r}")
def test_scan_document_that_is_not_one_is_a_value_error(data, tmp_path):
    _, error = outcome(_load, data, tmp_path, allowed=(ValueError,))
    assert isinstance(error, ValueError)


def test_scan_document_nested_too_deeply_is_a_value_error_not_a_recursion_error(tmp_path):
    with pytest.raises(ValueError, match="nested too deeply"):
        _load(deep_json(), tmp_path)


def test_scan_document_with_a_mistyped_device_field_is_a_value_error(real_document, tmp_path):
    data = json.loads(real_document)
    for key, bad in (("evidence", [{"probe": "x"}]), ("device_type", "toaster"), ("open_ports", [["a"]]), ("ip", 7)):
        broken = json.loads(real_document)
        broken["devices"][0][key] = bad
        outcome(_load, json.dumps(broken).encode(), tmp_path, allowed=(ValueError,))
    assert data["devices"]


# --- the fingerprint matcher ------------------------------------------------------------------


@pytest.fixture(scope="module")
def db():
    return load_database()


def _corpus_values() -> list[tuple[str, str]]:
    from scanner.identify.accuracy import load_records

    records = load_records(ROOT / "tests" / "corpus" / "records")
    return [obs for r in records for obs in r.observations]


def _check(result, obs) -> None:
    assert result.observation is obs
    for m in result.matches:
        assert all(len(v) <= 200 for v in m.params.values())
        assert all(len(v) <= 80 for v in m.unknown_vendors)


def test_matcher_survives_damaged_real_banners(db):
    values = _corpus_values()
    assert len(values) > 30
    matched = 0
    for n, (field, value) in enumerate(values[:: max(1, len(values) // 120)][:120]):
        for data in mutations(value.encode("utf-8"), 50 + n, count=20, cuts=6):
            for text in (data.decode("utf-8", "replace"), data.decode("latin-1")):
                obs = Observation("198.18.77.2", "test", field, text)
                result, _ = outcome(match_observation, obs, db, allowed=())
                _check(result, obs)
                matched += bool(result.matches)
    assert matched > 100


UNICODE_HEAVY = [
    "\u0301" * 50_000,  # combining accents with nothing to combine with
    "\u202e" + "Hikvision" * 1000,  # right-to-left override
    "\U0001f4f7" * 20_000,  # emoji, astral plane
    "\ud800\udfff" * 10_000,  # lone surrogates (a str can hold them; UTF-8 cannot)
    "ｈｉｋｖｉｓｉｏｎ" * 2000,  # full-width letters
    "\0" * 100_000,
    "".join(chr(c) for c in range(0x20, 0x3000)) * 3,
]


@pytest.mark.parametrize("value", UNICODE_HEAVY + ["DNVRS-Webs " * 1_000_000, "a" * TEN_MB, "(" * 100_000 + "Dahua"],
                         ids=lambda v: f"{len(v)}:{v[:8]!r}")
def test_matcher_reads_only_the_capped_prefix_of_huge_or_unicode_heavy_values(db, value):
    fields = sorted({f for fp_file in db.files for f in fp_file.matches if "*" not in f})
    assert len(fields) > 10
    for field in fields:
        obs = Observation("198.18.77.2", "test", field, value)
        result, _ = outcome(match_observation, obs, db, allowed=())
        _check(result, obs)
        capped, _ = outcome(match_observation, Observation("198.18.77.2", "test", field, value[:MAX_VALUE_CHARS]), db, allowed=())
        assert [m.fingerprint_id for m in result.matches] == [m.fingerprint_id for m in capped.matches]


def test_mac_observations_of_any_shape_go_to_the_oui_lookup_without_raising(db):
    for data in list(mutations(b"c0:56:e3:fe:42:92", 60, count=200)) + [b"\xff" * TEN_MB, b":" * 100_000]:
        obs = Observation("198.18.77.2", "arp", "arp.mac", data.decode("latin-1"))
        result, _ = outcome(match_observation, obs, db, allowed=())
        _check(result, obs)


# --- scope files ------------------------------------------------------------------------------

SCOPE_BUDGET = 8 * MAX_SCOPE_FILE_BYTES
SCOPE_FILE = b"# lab\n198.18.0.0/24\n198.18.1.7\n!198.18.0.1\nexclude 198.18.0.128/25\n"


def test_scope_file_reader_survives_damaged_scope_files(tmp_path):
    parsed = refused = 0
    for n, data in enumerate(list(mutations(SCOPE_FILE, 70, count=300)) + [
        b"\0" * TEN_MB, b"\n" * (1024 * 1024), b"198.18.0.1\n" * 90_000, b"1" * 5000, b"\xff\xfe1\0.\0", "１９８.18.0.1".encode(),
        b"198.18.0.0/" + b"9" * 5000, b"!" * 1000, b"exclude\texclude 198.18.0.1",
    ]):
        path = tmp_path / f"scope-{n}"
        path.write_bytes(data)
        # The 1 MiB cap bounds the work: a few lines of code per line of the file at most.
        _listed, error = outcome(read_scope_file, path, allowed=(ScopeError,), budget=SCOPE_BUDGET)
        if error is None:
            parsed += 1
            if len(data) < 4096:
                outcome(resolve_scope, (), allowed=(ScopeError,), scope_file=path)
        else:
            assert str(error)
            refused += 1
        text = data.decode("utf-8", "replace")[: MAX_SCOPE_FILE_BYTES + 1]
        outcome(parse_scope_file, text, allowed=(ScopeError,), budget=SCOPE_BUDGET)
    assert parsed > 30 and refused > 30


# --- credentials files ------------------------------------------------------------------------

CREDENTIALS = b"""default:
  username: admin
  password: "x"
hosts:
  198.18.0.10: {username: operator, password: "y"}
  198.18.0.0/28: {username: admin, password: "z"}
"""

YAML_BOMB = b"a: &a [" + b",".join([b'"lol"'] * 9) + b"]\n" + b"".join(
    b"%s: &%s [%s]\n" % (bytes([c]), bytes([c]), b",".join([b"*" + bytes([c - 1])] * 9)) for c in range(ord("b"), ord("j"))
) + b"default: *i\n"


def _credentials(data: bytes, tmp_path):
    path = tmp_path / "credentials.yaml"
    path.write_bytes(data)
    os.chmod(path, 0o600)
    return load_credentials(path)


def test_credentials_reader_survives_damaged_files(tmp_path):
    loaded = refused = 0
    for data in mutations(CREDENTIALS, 80, count=250):
        creds, error = outcome(_credentials, data, tmp_path, allowed=(CredentialsError,))
        if error is None:
            loaded += 1
            assert creds.default is not None or creds.hosts
        else:
            assert b'"x"' not in str(error).encode() and "password" not in str(error).lower().replace("a password", "")
            refused += 1
    assert loaded > 5 and refused > 50


@pytest.mark.parametrize("data", [
    YAML_BOMB, b"[" * 100_000, b"{a: " * 50_000, b"default: !!python/object/apply:os.system ['true']\n",
    b"- " * 100_000 + b"x", b"\0" * 100, b"", b"x" * TEN_MB, b"default:\n  username: " + b"a" * TEN_MB + b"\n",
    b"hosts:\n" + b"".join(b"  198.18.%d.%d: {username: u, password: p}\n" % (i // 256, i % 256) for i in range(20000)),
], ids=lambda d: f"{len(d)}:{d[:16]!r}")
def test_hostile_credentials_files_are_a_credentials_error(data, tmp_path):
    _, error = outcome(_credentials, data, tmp_path, allowed=(CredentialsError,))
    assert isinstance(error, CredentialsError)
