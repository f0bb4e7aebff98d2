"""Each self-test rule fails on a database broken in exactly that way, naming file and fingerprint."""

from __future__ import annotations

import copy

import pytest

from scanner.errors import FingerprintError
from scanner.identify import check_database, load_database

from identify_fixtures import HTTP_REALM, HTTP_SERVER, REAL_FILES, make_database, vendors_doc, structural


def _problems(db_factory, files=None, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(p) for p in check_database(db_factory(files, **kw))]


def _with(name: str, doc: dict) -> dict:
    files = dict(REAL_FILES)
    files[name] = doc
    return files


def test_the_real_example_database_is_clean(mini_db) -> None:  # type: ignore[no-untyped-def]
    assert structural(check_database(mini_db)) == []


def test_a_fingerprint_without_examples_fails(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_SERVER)
    doc["fingerprints"][1]["examples"] = []
    assert any("http_server.yaml [hikvision-app-webs]: has 0 examples" in p for p in _problems(db_factory, _with("http_server.yaml", doc)))


def test_more_than_twenty_examples_fails(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_SERVER)
    doc["fingerprints"][1]["examples"] = [{"value": "App-webs/"}] * 21
    assert any("[hikvision-app-webs]: has 21 examples" in p for p in _problems(db_factory, _with("http_server.yaml", doc)))


def test_a_confirm_only_fingerprint_that_is_not_weak_fails(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_SERVER)
    doc["fingerprints"][1]["confirm_only"] = True  # App-webs is strong in the real file
    problems = _problems(db_factory, _with("http_server.yaml", doc))
    assert any("[hikvision-app-webs]: is confirm_only but strong" in p for p in problems), problems


def test_a_todo_source_fails(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_SERVER)
    doc["fingerprints"][1]["source"] = "TODO: where did this come from"
    assert any("[hikvision-app-webs]: has no source" in p for p in _problems(db_factory, _with("http_server.yaml", doc)))


def test_a_missing_source_is_a_schema_error_naming_the_fingerprint(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_SERVER)
    del doc["fingerprints"][1]["source"]
    problems = _problems(db_factory, _with("http_server.yaml", doc))
    assert any(p.startswith("http_server.yaml [hikvision-app-webs]: fingerprints[1]") and "'source' is a required property" in p for p in problems)


def test_an_example_its_own_pattern_does_not_match_fails(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_SERVER)
    doc["fingerprints"][1]["examples"].append({"value": "App-webs/2.0"})
    assert any("[hikvision-app-webs]: example 2 ('App-webs/2.0') does not match" in p for p in _problems(db_factory, _with("http_server.yaml", doc)))


def test_an_example_extracting_other_params_than_stated_fails(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_REALM)
    doc["fingerprints"][0]["examples"][0]["params"] = {"serial": "ND0118"}
    assert any("[dahua-login-to-serial]: example 1" in p and "extracts {'serial': 'ND011811000000'}" in p for p in _problems(db_factory, _with("http_realm.yaml", doc)))


def test_an_example_stating_a_param_the_pattern_cannot_capture_fails(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_SERVER)
    doc["fingerprints"][1]["examples"][0]["params"] = {"model": "x"}
    assert any("states param 'model' but the pattern has no such group" in p for p in _problems(db_factory, _with("http_server.yaml", doc)))


def test_an_earlier_fingerprint_swallowing_a_later_example_fails(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_SERVER)
    greedy = {
        "id": "anything-webs",
        "description": "greedy",
        "pattern": "webs",
        "flags": ["ignorecase"],
        "strength": "weak",
        "source": "Rapid7 Recog xml/http_servers.xml",
        "examples": [{"value": "DNVRS-Webs"}],
    }
    doc["fingerprints"].insert(0, greedy)
    problems = _problems(db_factory, _with("http_server.yaml", doc))
    assert any("[hikvision-app-webs]: example 1 ('App-webs/') is swallowed by earlier fingerprint 'anything-webs'" in p for p in problems)


def test_duplicate_ids_across_files_fail(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_REALM)
    doc["fingerprints"][1]["id"] = "hikvision-app-webs"
    assert any("[hikvision-app-webs]: id is also used in" in p for p in _problems(db_factory, _with("http_realm.yaml", doc)))


def test_duplicate_descriptions_in_a_file_fail(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_SERVER)
    doc["fingerprints"][1]["description"] = doc["fingerprints"][0]["description"]
    assert any("is used twice in this file" in p for p in _problems(db_factory, _with("http_server.yaml", doc)))


def test_a_vendor_name_outside_vendors_yaml_fails(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_SERVER)
    doc["fingerprints"][1]["params"] = {"platform_vendor": "HikVision Inc"}
    assert any("platform_vendor 'HikVision Inc' is not a vendors.yaml name" in p for p in _problems(db_factory, _with("http_server.yaml", doc)))


def test_a_captured_vendor_name_must_be_a_known_alias(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = {
        "matches": "onvif.manufacturer",
        "description": "ONVIF manufacturer",
        "fingerprints": [
            {
                "id": "onvif-manufacturer",
                "description": "any manufacturer",
                "pattern": "^(?P<vendor>.+)$",
                "strength": "medium",
                "source": "ONVIF Device Management spec, GetDeviceInformation",
                "examples": [{"value": "Acme Widgets", "params": {"vendor": "Acme Widgets"}}],
            }
        ],
    }
    assert any("captures vendor 'Acme Widgets', neither a vendors.yaml name nor an alias" in p for p in _problems(db_factory, _with("onvif.yaml", doc)))


def test_a_named_group_outside_the_allowed_names_fails(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_REALM)
    doc["fingerprints"][0]["pattern"] = "^Login to (?P<sn>[0-9A-Z]{8,20})$"
    doc["fingerprints"][0]["examples"] = [{"value": "Login to ND011811000000"}]
    assert any("named group 'sn' is not an allowed param" in p for p in _problems(db_factory, _with("http_realm.yaml", doc)))


def test_a_pattern_that_does_not_compile_is_named(db_factory) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_SERVER)
    doc["fingerprints"][1]["pattern"] = "^App-webs/(?$"
    assert any(p.startswith("http_server.yaml [hikvision-app-webs]: pattern does not compile") for p in _problems(db_factory, _with("http_server.yaml", doc)))


def test_invalid_yaml_is_named_and_other_files_still_load(db_factory) -> None:  # type: ignore[no-untyped-def]
    files = dict(REAL_FILES)
    files["broken.yaml"] = "matches: [http.server\nfingerprints: {"
    db = db_factory(files)
    assert any(str(p).startswith("broken.yaml: invalid YAML") for p in db.problems)
    assert db.fingerprint("dahua-login-to-serial") is not None


def test_strict_loading_raises_listing_the_problems(tmp_path) -> None:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(HTTP_SERVER)
    doc["fingerprints"][0]["strength"] = "certain"
    root = make_database(tmp_path / "db", _with("http_server.yaml", doc))
    with pytest.raises(FingerprintError, match=r"http_server.yaml \[hikvision-webs\]"):
        load_database(root)


def test_vendor_relations_platforms_and_ieee_names_are_checked(db_factory) -> None:  # type: ignore[no-untyped-def]
    vendors = vendors_doc()
    lts = next(v for v in vendors["vendors"] if v["name"] == "LTS")
    lts["relations"][0]["to"] = "Hikvison"
    axis = next(v for v in vendors["vendors"] if v["name"] == "Axis")
    axis["ieee_names"] = ["Axis Communications", "Axxis Kommunikation"]
    # an unquoted YAML list split a registrant's name: 'Inc.' is in thousands of organisations
    cohu = next(v for v in vendors["vendors"] if v["name"] == "Cohu Electronics")
    cohu["ieee_names"] = ["Cohu", "Inc."]
    problems = _problems(db_factory, vendors=vendors)
    assert any(p.startswith("vendors.yaml: Cohu Electronics: ieee_name 'Inc.' matches ") and "too common" in p for p in problems), problems
    assert not any("ieee_name 'Cohu'" in p for p in problems)
    assert "vendors.yaml: LTS: relation to unknown vendor 'Hikvison'" in problems
    assert "vendors.yaml: LTS: platform Hikvision needs a relation entry saying why" in problems
    assert "vendors.yaml: Axis: ieee_name 'Axxis Kommunikation' matches no IEEE registry organisation" in problems


def test_an_alias_claimed_by_two_vendors_fails(db_factory) -> None:  # type: ignore[no-untyped-def]
    vendors = vendors_doc()
    next(v for v in vendors["vendors"] if v["name"] == "Amcrest")["aliases"].append("Dahua Technology")
    assert any("alias 'Dahua Technology' also belongs to Dahua" in p for p in _problems(db_factory, vendors=vendors))


def test_a_vendor_entered_twice_fails(db_factory) -> None:  # type: ignore[no-untyped-def]
    # two branches each adding the same maker merge without a conflict; the second entry would be
    # dropped silently at load, with its sources and aliases
    vendors = vendors_doc()
    vendors["vendors"].append(dict(next(v for v in vendors["vendors"] if v["name"] == "Amcrest")))
    assert any("Amcrest: two entries carry this name" in p for p in _problems(db_factory, vendors=vendors))


def test_an_oui_override_to_an_unknown_vendor_fails(db_factory) -> None:  # type: ignore[no-untyped-def]
    oui = {"overrides": [{"prefix": "00:1F:54", "platform_vendor": "Nobody", "source": "test"}]}
    assert "oui.yaml: 001F54: 'Nobody' is not a vendors.yaml name" in _problems(db_factory, oui=oui)


def test_a_policy_naming_an_unknown_list_fails(db_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = db_factory()
    (db.policies_dir / "bad.yaml").write_text(
        "id: bad\ntitle: bad\nsource: none\ncovers: {lists: [no_such_list]}\n", encoding="utf-8"
    )
    assert any(str(p).startswith("policies/bad.yaml:") and "no_such_list" in str(p) for p in check_database(db))


def test_a_key_written_twice_in_one_mapping_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a vendor entry with two 'models:' keys: plain YAML keeps the second list and drops the first
    from scanner.identify._schema import YamlError, read_yaml

    twice = tmp_path / "vendors.yaml"
    twice.write_text("vendors:\n  - name: Panasonic\n    models: [a]\n    models: [b]\n", encoding="utf-8")
    with pytest.raises(YamlError, match="written twice"):
        read_yaml(twice)
    once = tmp_path / "ok.yaml"
    once.write_text("vendors:\n  - name: Panasonic\n    models: [a, b]\n", encoding="utf-8")
    assert read_yaml(once) == {"vendors": [{"name": "Panasonic", "models": ["a", "b"]}]}
