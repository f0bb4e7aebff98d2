"""Offline re-identification round trip, and the CLI commands run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from identify_fixtures import HTTP_SERVER, MAC_HIKVISION, REAL_FILES, make_database, structural, vendors_doc

from scanner.identify import build_devices, check_database, identify_document, load_database
from scanner.identify.suggest import suggest
from scanner.models import Classification, Host, Observation, ScanDocument, ScanInfo

ROOT = Path(__file__).resolve().parents[2]


def _document(db) -> ScanDocument:  # type: ignore[no-untyped-def]
    observations = [
        Observation("198.18.0.20", "http", "http.server", "App-webs/", 80),
        Observation("198.18.0.20", "http", "http.title", "Web Service", 80),
        Observation("198.18.0.30", "onvif", "onvif.manufacturer", "Zhejiang Uniview Technologies Co., Ltd.", 80),
        Observation("198.18.0.30", "rtsp", "rtsp.server", "Rtsp Server/3.0", 554),
    ]
    hosts = [Host("198.18.0.20", MAC_HIKVISION, "arp"), Host("198.18.0.30", None, "arp")]
    devices = build_devices(observations, hosts, db=db)
    info = ScanInfo(started="2024-01-01T00:00:00Z", finished="2024-01-01T00:01:00Z", scope=("198.18.0.0/24",), probes=("arp", "http"))
    return ScanDocument(scan=info, devices=tuple(devices))


def test_a_saved_scan_re_identifies_to_the_same_result_through_json(mini_db) -> None:  # type: ignore[no-untyped-def]
    doc = _document(mini_db)
    reloaded = ScanDocument.from_dict(json.loads(json.dumps(doc.to_dict())))
    again = identify_document(reloaded, "uk-sensitive-sites", db=mini_db)
    assert [(d.ip, d.vendor, d.platform_vendor, d.classification, d.confidence) for d in again.devices] == [
        (d.ip, d.vendor, d.platform_vendor, d.classification, d.confidence) for d in doc.devices
    ]
    assert again.scan.policy == "uk-sensitive-sites"


def test_a_database_update_applies_to_yesterdays_scan(db_factory) -> None:  # type: ignore[no-untyped-def]
    # Yesterday's registry did not know Uniview (nor its Uniarch brand): its ONVIF Manufacturer
    # named a maker nobody had entered. Today's registry does; re-identifying the saved scan
    # offline must name it without touching the network.
    older_vendors = vendors_doc()
    older_vendors["vendors"] = [v for v in older_vendors["vendors"] if v["name"] not in ("Uniview", "Uniarch")]
    older = db_factory(REAL_FILES, vendors=older_vendors)
    doc = _document(older)
    uniview = next(d for d in doc.devices if d.ip == "198.18.0.30")
    assert uniview.classification is Classification.UNIDENTIFIED
    newer = db_factory(REAL_FILES)
    updated = identify_document(doc, "uk-sensitive-sites", db=newer)
    uniview = next(d for d in updated.devices if d.ip == "198.18.0.30")
    assert (uniview.vendor, uniview.classification) == ("Uniview", Classification.RESTRICTED)
    (row,) = [e for e in uniview.evidence if e.field == "onvif.manufacturer"]
    assert row.fingerprint == "alias:Uniview" and row.concludes == {"vendor": "Uniview", "note": row.concludes["note"]}


def test_suggestions_become_valid_fingerprints_once_a_source_is_filled(mini_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = suggest(_document(mini_db))
    entries = yaml.safe_load(text)
    values = {e["examples"][0]["value"] for e in entries}
    assert "Rtsp Server/3.0" in values and "App-webs/" not in values
    rtsp = [e for e in entries if e["examples"][0]["value"] == "Rtsp Server/3.0"]
    rtsp[0]["source"] = "nmap script output of a real camera pasted in a GitHub project (RTSP: Rtsp Server/3.0)"
    rtsp[0]["description"] = "RTSP server 3.0 (white-label cameras)"
    doc = {"matches": "rtsp.server", "description": "RTSP Server header", "fingerprints": rtsp}
    root = make_database(tmp_path / "db", {"rtsp_server.yaml": doc, "http_server.yaml": HTTP_SERVER})
    assert structural(check_database(load_database(root))) == []


def test_an_unfilled_suggestion_fails_the_check(mini_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    entries = yaml.safe_load(suggest(_document(mini_db)))
    doc = {"matches": "rtsp.server", "description": "RTSP", "fingerprints": [e for e in entries if e["examples"][0]["value"] == "Rtsp Server/3.0"]}
    root = make_database(tmp_path / "db", {"rtsp_server.yaml": doc})
    assert any("has no source" in str(p) for p in check_database(load_database(root)))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_cli_check_exits_1_naming_the_failing_fingerprint(tmp_path: Path) -> None:
    good = make_database(tmp_path / "good")
    ok = _cli("fingerprints", "check", "--database", str(good))
    # The fixtures' sources carry no address yet (see identify_fixtures.structural): that is all it reports.
    assert ok.returncode in (0, 1) and structural(line for line in ok.stdout.splitlines() if "FAIL" in line) == []
    broken = dict(REAL_FILES)
    server = json.loads(json.dumps(HTTP_SERVER))
    server["fingerprints"][1]["examples"] = [{"value": "Apache"}]
    broken["http_server.yaml"] = server
    bad = _cli("fingerprints", "check", "--database", str(make_database(tmp_path / "bad", broken)))
    assert bad.returncode == 1
    assert "hikvision-app-webs" in bad.stdout and "does not match" in bad.stdout


def test_cli_identify_writes_a_re_identified_document(mini_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps(_document(mini_db).to_dict()), encoding="utf-8")
    out = tmp_path / "out.json"
    result = _cli("identify", str(scan), "--policy", "us-ndaa", "--json", str(out), "--database", str(mini_db.root))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["scan"]["policy"] == "us-ndaa"
    hik = next(d for d in data["devices"] if d["ip"] == "198.18.0.20")
    assert hik["classification"] == "restricted" and hik["platform_vendor"] == "Hikvision"
    suggest_run = _cli("fingerprints", "suggest", str(scan))
    assert suggest_run.returncode == 0 and "Rtsp Server/3.0" in suggest_run.stdout
    assert _cli("identify", str(tmp_path / "missing.json")).returncode == 2


def test_with_a_database_only_fields_a_fingerprint_file_matches_are_suggested(mini_db) -> None:  # type: ignore[no-untyped-def]
    doc = _document(mini_db)
    everything = yaml.safe_load(suggest(doc))
    text = suggest(doc, mini_db)
    kept = yaml.safe_load(text) or []
    assert kept and all(mini_db.files_for(field_of(e)) for e in kept)
    dropped = {field_of(e) for e in everything} - {field_of(e) for e in kept}
    if dropped:
        assert "# not suggested:" in text and all(f in text for f in dropped)


def field_of(entry: dict) -> str:  # type: ignore[type-arg]
    # "todo-<field with dashes>-<slug>": recover the field from the description instead
    return entry["description"].split("what sends ", 1)[1].split(" ", 1)[0]
