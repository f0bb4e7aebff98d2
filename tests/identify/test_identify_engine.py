"""Matcher, identity and classifier on real banners (database built from them in a tmp dir)."""

from __future__ import annotations

from pathlib import Path

import pytest
from identify_fixtures import MAC_AMCREST, MAC_AXIS, MAC_BROTHER, MAC_DAHUA, MAC_HIKVISION, MAC_IC_REALTIME, MAC_LOCAL, MAC_LOREX

from scanner.identify import PolicyError, build_devices, build_identity, load_database, load_policy, match_observation
from scanner.identify.classify import classify
from scanner.identify.matcher import MAX_VALUE_CHARS
from scanner.models import Classification, DeviceType, Host, Observation

IP = "198.18.0.10"


def obs(field: str, value: str, probe: str | None = None, port: int | None = None) -> Observation:
    return Observation(ip=IP, probe=probe or field.split(".")[0], field=field, value=value, port=port)


def identify(db, *observations: Observation):  # type: ignore[no-untyped-def]
    return build_identity([match_observation(o, db) for o in observations], db)


def verdict(db, policy: str, *observations: Observation):  # type: ignore[no-untyped-def]
    ident = identify(db, *observations)
    return ident, classify(ident, load_policy(policy, db), db.vendors)


# ---------------------------------------------------------------- matcher
def test_a_file_matches_only_its_own_field(mini_db) -> None:  # type: ignore[no-untyped-def]
    # rtsp.user_agent is read by no fingerprint file and by no resolver role
    assert match_observation(obs("rtsp.user_agent", "Dahua Rtsp Server"), mini_db).matches == ()
    (m,) = match_observation(obs("rtsp.server", "Dahua Rtsp Server"), mini_db).matches
    assert (m.fingerprint_id, m.params) == ("dahua-rtsp-server", {"platform_vendor": "Dahua", "device_type": "camera"})


def test_captured_params_join_the_constants(mini_db) -> None:  # type: ignore[no-untyped-def]
    (m,) = match_observation(obs("http.realm", "Login to 4H01D66PAJ2FA64"), mini_db).matches
    assert m.params == {"platform_vendor": "Dahua", "serial": "4H01D66PAJ2FA64"}


def test_values_are_cut_to_the_size_cap_before_matching(mini_db) -> None:  # type: ignore[no-untyped-def]
    padded = "x" * MAX_VALUE_CHARS + "nginx/0.8.53"
    assert match_observation(obs("http.server", "nginx/0.8.53"), mini_db).matches
    assert match_observation(obs("http.server", padded), mini_db).matches == ()


def test_mac_goes_through_the_ieee_registry_to_a_canonical_vendor(mini_db) -> None:  # type: ignore[no-untyped-def]
    result = match_observation(obs("arp.mac", MAC_HIKVISION.upper().replace(":", "-")), mini_db)
    (m,) = result.matches
    assert m.params == {"platform_vendor": "Hikvision"}
    assert result.oui_org == "Hangzhou Hikvision Digital Technology Co.,Ltd."


def test_locally_administered_and_garbage_macs_give_no_vendor_and_say_why(mini_db) -> None:  # type: ignore[no-untyped-def]
    local = match_observation(obs("arp.mac", MAC_LOCAL), mini_db)
    assert local.matches == () and "locally administered" in local.note
    junk = match_observation(obs("arp.mac", "zz:not:a:mac"), mini_db)
    assert junk.matches == () and junk.note == "not a MAC address"


def test_oui_yaml_override_wins_over_the_registry(db_factory) -> None:  # type: ignore[no-untyped-def]
    db = db_factory(oui={"overrides": [{"prefix": "00-40-8C", "platform_vendor": "Bosch", "source": "test override"}]})
    (m,) = match_observation(obs("arp.mac", MAC_AXIS), db).matches
    assert (m.fingerprint_id, m.params) == ("oui-override", {"platform_vendor": "Bosch"})


# ---------------------------------------------------------------- identity
def test_independent_agreeing_probes_raise_confidence(mini_db) -> None:  # type: ignore[no-untyped-def]
    one = identify(mini_db, obs("http.realm", "Login to 4H01D66PAJ2FA64"))
    three = identify(
        mini_db,
        obs("http.realm", "Login to 4H01D66PAJ2FA64"),
        obs("rtsp.server", "Dahua Rtsp Server"),
        obs("arp.mac", MAC_DAHUA, probe="arp"),
    )
    assert one.platform_vendor == three.platform_vendor == "Dahua"
    assert 0 < one.confidence < three.confidence
    assert three.serial == "4H01D66PAJ2FA64" and three.device_type is DeviceType.CAMERA


def test_two_signals_from_one_probe_count_once(mini_db) -> None:  # type: ignore[no-untyped-def]
    single = identify(mini_db, obs("http.server", "App-webs/", probe="http"))
    same_probe = identify(mini_db, obs("http.server", "App-webs/", probe="http"), obs("http.server", "DNVRS-Webs", probe="http"))
    assert single.confidence == same_probe.confidence


def test_conflict_lowers_confidence_and_is_recorded(mini_db) -> None:  # type: ignore[no-untyped-def]
    clean = identify(mini_db, obs("http.realm", "Login to 4H01D66PAJ2FA64"), obs("rtsp.server", "Dahua Rtsp Server"))
    conflicted = identify(
        mini_db,
        obs("http.realm", "Login to 4H01D66PAJ2FA64"),
        obs("rtsp.server", "Dahua Rtsp Server"),
        obs("arp.mac", MAC_AXIS, probe="arp"),
    )
    assert conflicted.platform_vendor == "Dahua"
    assert conflicted.confidence < clean.confidence
    assert any("ieee-oui (arp.mac) say Axis" in c for c in conflicted.conflicts)
    assert conflicted.unexplained_conflicts == 1


def test_rebrand_is_explained_brand_as_vendor_maker_as_platform(mini_db) -> None:  # type: ignore[no-untyped-def]
    # A Lorex NR900 DVR: Lorex OUI on the NIC, Dahua's 'Login to <serial>' realm in the firmware.
    ident = identify(mini_db, obs("arp.mac", MAC_LOREX, probe="arp"), obs("http.realm", "Login to ND011811000000"))
    assert (ident.vendor, ident.platform_vendor, ident.oui_vendor) == ("Lorex", "Dahua", "Lorex")
    (rebrand,) = [c for c in ident.conflicts if c.startswith("rebrand signal")]
    assert "presents as Lorex" in rebrand and "say Dahua built it" in rebrand
    assert "former subsidiary of Dahua" in rebrand
    assert ident.unexplained_conflicts == 0


def test_a_brand_seen_alone_implies_its_platform_from_vendors_yaml(mini_db) -> None:  # type: ignore[no-untyped-def]
    ident = identify(mini_db, obs("arp.mac", "9c:8e:cd:00:00:01", probe="arp"))  # Amcrest Technologies OUI
    assert ident.vendor == "Amcrest" and ident.platform_vendor == "Dahua"
    assert ident.platform_inferred is not None and ident.platform_inferred.strength == "documented"
    assert any(e.fingerprint == "vendors:Amcrest" for e in ident.evidence)


def test_evidence_keeps_observations_that_matched_nothing(mini_db) -> None:  # type: ignore[no-untyped-def]
    ident = identify(mini_db, obs("http.server", "App-webs/"), obs("http.title", "Web Service"))
    lines = {(e.field, e.value, e.fingerprint) for e in ident.evidence}
    assert ("http.server", "App-webs/", "hikvision-app-webs") in lines
    assert ("http.title", "Web Service", None) in lines


# ---------------------------------------------------------------- classifier
def test_uk_hikvision_firmware_is_restricted_with_the_law_and_statement_named(mini_db) -> None:  # type: ignore[no-untyped-def]
    ident, v = verdict(mini_db, "uk-sensitive-sites", obs("http.server", "App-webs/"), obs("arp.mac", MAC_HIKVISION, probe="arp"))
    assert v.classification is Classification.RESTRICTED
    # First reason: one short sentence a removal officer reads in a terminal (maker, policy).
    first, legal = v.reasons[0], v.reasons[1]
    assert first == "Made by Hikvision: organised in the PRC, covered by the UK statement of 24 Nov 2022 (sensitive sites)."
    # Second reason: the legal citation, the policy's full title and the source.
    assert "National Intelligence Law (Art. 7)" in legal and "24 November 2022" in legal and "(source: PRC National Intelligence Law" in legal


def test_uk_rebranded_dahua_is_restricted_and_says_sold_as(mini_db) -> None:  # type: ignore[no-untyped-def]
    _, v = verdict(mini_db, "uk-sensitive-sites", obs("arp.mac", MAC_LOREX, probe="arp"), obs("http.realm", "Login to ND011811000000"))
    assert v.classification is Classification.RESTRICTED
    assert v.reasons[0].startswith("Sold as Lorex, made by Dahua (rebrand")
    assert "covered by the UK statement of 24 Nov 2022" in v.reasons[0]
    assert "Dahua" in v.reasons[1] and "National Intelligence Law (Art. 7)" in v.reasons[1] and "source:" in v.reasons[1]


FIRST_REASON_CASES = {
    "hikvision-uk": ("uk-sensitive-sites", [("http.server", "App-webs/", "http"), ("arp.mac", MAC_HIKVISION, "arp")], "Hikvision", "restricted"),
    "hikvision-us": ("us-ndaa", [("http.server", "App-webs/", "http")], "Hikvision", "restricted"),
    "lorex-rebrand": ("uk-sensitive-sites", [("arp.mac", MAC_LOREX, "arp"), ("http.realm", "Login to ND011811000000", "http")], "Dahua", "restricted"),
    "ic-realtime-brand-only": ("uk-sensitive-sites", [("arp.mac", MAC_IC_REALTIME, "arp")], "IC Realtime", "review"),
    "amcrest-name-scope": ("uk-sensitive-sites", [("wsd.scope", "onvif://www.onvif.org/name/Amcrest", "wsd")], "Amcrest", "restricted"),
    "uniview-us": ("us-ndaa", [("arp.mac", "6c:f1:7e:00:00:01", "arp")], "Uniview", "review"),
    "axis": ("uk-sensitive-sites", [("arp.mac", MAC_AXIS, "arp")], "Axis", "clear"),
}


@pytest.mark.parametrize("case", list(FIRST_REASON_CASES))
def test_the_first_reason_is_one_short_sentence_and_the_sources_follow(mini_db, case: str) -> None:  # type: ignore[no-untyped-def]
    policy, seen, maker, verdict_value = FIRST_REASON_CASES[case]
    _, v = verdict(mini_db, policy, *(obs(f, value, probe=probe) for f, value, probe in seen))
    assert v.classification.value == verdict_value
    first, rest = v.reasons[0], v.reasons[1:]
    assert first.endswith(".") and ". " not in first and "source" not in first, first
    assert len(first) <= 140, f"{len(first)} characters: {first}"  # one line of a report
    assert maker in first
    assert rest and all("source:" in r for r in rest), "every sentence after the first names its source"


def test_brand_only_with_a_reported_oem_relation_is_review_not_restricted(mini_db) -> None:  # type: ignore[no-untyped-def]
    # IC Realtime: a Dahua OEM by trade reports only (vendors.yaml), so its MAC alone is a lead
    # (LTS was the example here until one of its own firmware files showed a Hikvision build)
    _, v = verdict(mini_db, "uk-sensitive-sites", obs("arp.mac", MAC_IC_REALTIME, probe="arp"))
    assert v.classification is Classification.REVIEW
    assert "not confirmed on the wire" in v.reasons[0]


def test_brand_with_a_documented_oem_relation_is_restricted(mini_db) -> None:  # type: ignore[no-untyped-def]
    # Amcrest: its own firmware files are Dahua builds (vendors.yaml), so a device that names only
    # the brand (an Amcrest IP2M-8200's WS-Discovery name scope, snow-tree/camera-probe README) is
    # restricted as a Dahua OEM, the relation and its source cited; its MAC alone is still one
    # medium witness: review, for that reason only
    ident, v = verdict(mini_db, "uk-sensitive-sites", obs("wsd.scope", "onvif://www.onvif.org/name/Amcrest"))
    assert ident.vendor == "Amcrest" and ident.platform_vendor == "Dahua"
    assert ident.platform_inferred is not None and ident.platform_inferred.strength == "documented"
    assert v.classification is Classification.RESTRICTED
    assert v.reasons[0].startswith("Sold as Amcrest, a Dahua oem-customer")
    assert "amcrest-compatible-finder" in v.reasons[1]
    _, alone = verdict(mini_db, "uk-sensitive-sites", obs("arp.mac", MAC_AMCREST, probe="arp"))
    assert alone.classification is Classification.REVIEW
    assert alone.reasons[0].startswith("Not enough evidence to restrict")


def test_uk_covers_every_prc_maker_but_us_only_reviews_the_unnamed_ones(mini_db) -> None:  # type: ignore[no-untyped-def]
    uniview = obs("arp.mac", "6c:f1:7e:00:00:01", probe="arp")  # 6CF17E Zhejiang Uniview Technologies
    # The legal name as Uniview's ONVIF devices report it (the IEEE registry spelling, see vendors.yaml)
    declared = obs("onvif.manufacturer", "Zhejiang Uniview Technologies Co., Ltd.", probe="onvif")
    ident = identify(mini_db, uniview)
    assert ident.platform_vendor == "Uniview"
    _, uk = verdict(mini_db, "uk-sensitive-sites", uniview, declared)
    _, us = verdict(mini_db, "us-ndaa", uniview, declared)
    assert uk.classification is Classification.RESTRICTED
    assert us.classification is Classification.REVIEW
    assert us.reasons[0] == "Made by Uniview: not covered by US NDAA FY2019 section 889, but needs review."
    assert "organised in the PRC but is not covered under US NDAA" in us.reasons[1] and "source:" in us.reasons[1]


def test_us_policy_restricts_the_section_889_companies(mini_db) -> None:  # type: ignore[no-untyped-def]
    _, v = verdict(mini_db, "us-ndaa", obs("rtsp.server", "Dahua Rtsp Server"), obs("arp.mac", MAC_DAHUA, probe="arp"))
    assert v.classification is Classification.RESTRICTED and "section 889" in v.reasons[0]


@pytest.mark.parametrize("policy", ["uk-sensitive-sites", "us-ndaa"])
@pytest.mark.parametrize("mac", [MAC_AXIS, "00:01:31:00:00:01", "00:09:18:00:00:01"], ids=["axis", "bosch", "hanwha"])
def test_axis_bosch_hanwha_are_never_restricted(mini_db, policy: str, mac: str) -> None:  # type: ignore[no-untyped-def]
    ident, v = verdict(mini_db, policy, obs("arp.mac", mac, probe="arp"))
    assert ident.platform_vendor in ("Axis", "Bosch", "Hanwha")
    assert v.classification is Classification.CLEAR


def test_a_printer_identified_as_such_is_clear(mini_db) -> None:  # type: ignore[no-untyped-def]
    ident, v = verdict(mini_db, "uk-sensitive-sites", obs("http.title", "Brother MFC-L5900DW series"), obs("arp.mac", MAC_BROTHER, probe="arp"))
    assert (ident.vendor, ident.model, ident.device_type) == ("Brother", "MFC-L5900DW", DeviceType.OTHER)
    assert v.classification is Classification.CLEAR and "non-surveillance" in v.reasons[0]


def test_generic_server_software_alone_does_not_identify_a_maker(mini_db) -> None:  # type: ignore[no-untyped-def]
    _, v = verdict(mini_db, "uk-sensitive-sites", obs("http.server", "nginx/0.8.53"))
    assert v.classification is Classification.UNIDENTIFIED and "nginx" in v.reasons[0]


def test_a_web_server_known_only_by_its_software_names_no_maker(mini_db) -> None:  # type: ignore[no-untyped-def]
    # A server banner says what runs there, not who made the box: no vendor, unidentified.
    ident, v = verdict(mini_db, "uk-sensitive-sites", obs("http.server", "nginx/0.8.53"))
    assert (ident.vendor, ident.platform_vendor, ident.software) == (None, None, "nginx")
    assert v.classification is Classification.UNIDENTIFIED and "nginx" in v.reasons[0]


def test_a_user_policy_file_is_applied(mini_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "entity-list.yaml"
    path.write_text(
        "id: entity-list-only\ntitle: our Entity List rule\nsource: BIS Entity List\n"
        "covers: {lists: [entity_list]}\nreview: {unknown_vendor: false}\n",
        encoding="utf-8",
    )
    _, hik = verdict(mini_db, str(path), obs("http.server", "App-webs/"))
    _, uniview = verdict(
        mini_db, str(path), obs("arp.mac", "6c:f1:7e:00:00:01", probe="arp"),
        obs("onvif.manufacturer", "Zhejiang Uniview Technologies Co., Ltd.", probe="onvif"),
    )
    assert hik.classification is Classification.RESTRICTED and "Entity List" in hik.reasons[0]
    assert uniview.classification is Classification.CLEAR


def test_one_medium_witness_of_a_covered_maker_is_review_not_restricted(mini_db) -> None:  # type: ignore[no-untyped-def]
    # The evidence rule: restricted needs one strong witness or two independent probes agreeing.
    uniview = obs("arp.mac", "6c:f1:7e:00:00:01", probe="arp")
    ident, v = verdict(mini_db, "uk-sensitive-sites", uniview)
    assert (ident.platform_vendor, ident.support_strength, ident.support_probes) == ("Uniview", "medium", 1)
    assert v.classification is Classification.REVIEW and "Not enough evidence to restrict" in v.reasons[0]


def test_a_prc_maker_named_by_one_medium_witness_is_never_clear(mini_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "entity-list.yaml"
    path.write_text(
        "id: entity-list-only\ntitle: our Entity List rule\nsource: BIS Entity List\n"
        "covers: {lists: [entity_list]}\nreview: {unknown_vendor: false}\n",
        encoding="utf-8",
    )
    _, v = verdict(mini_db, str(path), obs("arp.mac", "6c:f1:7e:00:00:01", probe="arp"))
    assert v.classification is Classification.REVIEW
    assert "organised in the PRC and is named only by medium evidence from 1 probe" in v.reasons[1]


def test_an_invalid_user_policy_is_refused(mini_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.yaml"
    path.write_text("id: Bad Policy\ntitle: x\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="is invalid"):
        load_policy(path, mini_db)
    with pytest.raises(PolicyError, match="unknown policy"):
        load_policy("no-such-policy", mini_db)


# ---------------------------------------------------------------- build_devices
def test_build_devices_gives_one_device_per_ip_with_ports_problems_and_mac(mini_db) -> None:  # type: ignore[no-untyped-def]
    from scanner.models import AttemptStatus, ProbeAttempt

    observations = [
        Observation("198.18.0.20", "http", "http.server", "App-webs/", 80),
        Observation("198.18.0.20", "ports", "port.open", "80"),
        Observation("198.18.0.20", "ports", "port.open", "554"),
    ]
    hosts = [Host("198.18.0.20", MAC_HIKVISION, "arp"), Host("198.18.0.3", MAC_LOCAL, "arp")]
    attempts = [
        ProbeAttempt("http", "198.18.0.20:8080", AttemptStatus.TIMEOUT, elapsed=2.0),
        ProbeAttempt("http", "198.18.0.20:80", AttemptStatus.OK),
        ProbeAttempt("rtsp", "198.18.0.3", AttemptStatus.REFUSED, "connection refused"),
    ]
    devices = build_devices(observations, hosts, attempts, db=mini_db)
    assert [d.ip for d in devices] == ["198.18.0.3", "198.18.0.20"]
    unknown, hik = devices
    assert hik.open_ports == (80, 554) and hik.mac == MAC_HIKVISION and hik.oui_vendor == "Hikvision"
    assert hik.problems == ("http :8080 timeout after 2.0s",)
    assert hik.classification is Classification.RESTRICTED
    assert unknown.classification is Classification.UNIDENTIFIED
    assert unknown.problems == ("rtsp refused (connection refused)",)


def test_protocol_fields_give_model_serial_and_firmware_when_no_fingerprint_knows_them(mini_db) -> None:  # type: ignore[no-untyped-def]
    # DHIP deviceInfo of a real IPC-HDW5421S (AMP-Research write-up, as in tests/probes/test_dhip.py)
    ident, _ = verdict(
        mini_db,
        "uk-sensitive-sites",
        obs("dhip.device_type", "IPC-HDW5421S", probe="dhip"),
        obs("dhip.serial_no", "1F006E4PAX00075", probe="dhip"),
        obs("dhip.version", "2.400.0.8", probe="dhip"),
    )
    assert (ident.model, ident.serial, ident.firmware) == ("IPC-HDW5421S", "1F006E4PAX00075", "2.400.0.8")


def test_two_hashes_of_one_favicon_are_one_witness() -> None:
    # The HTTP probe observes the md5 (Recog's form) and Shodan's mmh3 of the same /favicon.ico; a
    # Dahua icon (camera-honeypot's copy of Dahua's web root, favicon.yaml / favicon_mmh3.yaml)
    # matched in both forms is one field of the response, not two fields corroborating each other.
    db = load_database()
    icon = [obs("http.favicon", "bd9e17c46bbbc18af2a2bd718dddad0e", port=80),
            obs("http.favicon_mmh3", "2019488876", port=80)]
    ident = identify(db, *icon)
    assert ident.platform_vendor == "Dahua"
    assert {e.field for e in ident.evidence if e.fingerprint} == {"http.favicon", "http.favicon_mmh3"}
    assert ident.support_fields == 0 and ident.support_probes == 1
    # a second, independent field of the same response (a Dahua realm) does corroborate it
    realm = obs("http.realm", "Login to 4K049EBPAG1D7E7", port=80)
    assert identify(db, *icon, realm).support_fields == 2
