"""The resolver for maker-declaring fields, on a database with *no* fingerprint files: only the
registry (vendors.yaml) speaks, so every maker named here was named by an alias, a model grammar,
an OEM table or the IEEE registry. Every value was sent by a real device; its source is beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.identify import build_identity, classify, load_policy, match_observation
from scanner.identify import ieee
from scanner.identify.oui import lookup
from scanner.identify.resolver import FIELD_ROLES, clean_org
from scanner.models import Classification, DeviceType, Observation

BESDER = "KostasEreksonas/Besder-6024PB-XMA501-ip-camera-security-investigation README.md @ bf343b23d48d18648af2f1bad78e780c99c4085a"
AXIS_ROOT = "FantasticFiasco/axis-discovery-ssdp-js test/root-descriptions/RootDescription.mock.ts @ 8c583f66a43de1cbc47d32d4bafee38fd831fb99"
FLIR_SCOPES = "vicmaeg/onvif-discovery OnvifDiscovery.Tests/Resources/ScopesTestData.json @ bf0d1532a685d06198a120668ffd7e0506c104b3"
HAICAM = "Haicam/Haicam golang/discovery.go @ 307e0a3735f0df74237b5e903be7edfe3341c6d1 (ProbeMatch of a DS-2CD2385G1-I)"
COGINI = "cogini/onvif test/discovery_test.exs @ 45cac62027ef886e72cb489434f6a809d08186c7 (Hello of a Dahua IPC-HFW2228M-I1-V2)"
RVS_MOCKS = "RiftValleySoftware/RVS_ONVIF RVS_ONVIF/GenericTests/Mocks/{} @ 953b2d5b857fe0353a78f47f444b09983d5cf669"

# (field, value a device sent, the maker it names, source)
REAL = [
    ("onvif.manufacturer", "Milesight Technology Co.,Ltd.", "Milesight", "https://github.com/evercam/ex_nvr/issues/272 (the vendor as the camera reports it)"),
    ("onvif.manufacturer", "HIKVISION", "Hikvision", "https://github.com/evercam/evercam-server/issues/10 (GetDeviceInformation of a DS-2DF7286-A)"),
    ("onvif.model", "DS-2DF7286-A", "Hikvision", "https://github.com/evercam/evercam-server/issues/10"),
    ("onvif.model", "XM530_50X50-WG_8M", "Xiongmai", BESDER + " line 269"),
    ("onvif.model", "MS-C8165-PE", "Milesight", "gBillal/ex_onvif test/fixtures/get_device_information.xml @ ea2b652bedd2a03d7fe6c310b3b76104cc7a2ab5"),
    ("onvif.manufacturer", "REOLINK", "Reolink", "AlterMundi/sai-cam docs/REOLINK_P320_ONVIF_CAPABILITIES.md @ 88613bf (REOLINK P320)"),
    ("wsd.scope", "onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I", "Hikvision", HAICAM),
    ("wsd.scope", "onvif://www.onvif.org/hardware/DS-2CD2385G1-I", "Hikvision", HAICAM),
    ("wsd.scope", "onvif://www.onvif.org/name/Dahua", "Dahua", COGINI),
    ("wsd.scope", "onvif://www.onvif.org/name/Amcrest", "Amcrest", "snow-tree/camera-probe README.md @ 1004629b172e1433105c1ca6c900c2140fb06c92 (an Amcrest IP2M-8200)"),
    ("wsd.scope", "onvif://www.onvif.org/hardware/IPC-HFW2228M-I1-V2", "Dahua", COGINI),
    ("wsd.scope", "onvif://www.onvif.org/name/VIGI-C350", "TP-Link", "https://github.com/andreikop/python-ws-discovery/issues/56 (wsdiscover output of VIGI cameras)"),
    ("upnp.manufacturer", "AXIS", "Axis", AXIS_ROOT),
    ("upnp.model_name", "AXIS M1014", "Axis", AXIS_ROOT),
    ("upnp.model_description", "AXIS M1014 Fixed Network Camera", "Axis", AXIS_ROOT),
    ("upnp.friendly_name", "AXIS M1014 - ACCC8E270AD8", "Axis", AXIS_ROOT),
    ("upnp.manufacturer_url", "http://www.axis.com/", "Axis", AXIS_ROOT),
    ("sadp.device_description", "DS-2CD2432F-IW", "Hikvision", "http://sergei.nz/reverse-engineering-hikvision-sadp-tool/"),
    ("dhip.vendor", "Lorex", "Lorex", "Rapid7 LOREX_DISCOVER.rb DHIP reply of a Lorex 2K camera (fingerprints/dhip.yaml)"),
    ("ssdp.server", "Linux/3.8.8, UPnP/1.0, ZheJiang Dahua Technology CO.,LTD. Upnp SDK", "Dahua", "https://github.com/home-assistant/core/issues/46822"),
    ("tls.subject", "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN", "Hikvision", "Rapid7 Recog xml/x509_subjects.xml (HIKVISION DVR)"),
    ("tls.issuer", "OU=NVR,O=ZheJiang Dahua Technology CO.\\,LTD.,L=Hangzhou,ST=Zhejiang,C=CN,CN=NVR", "Dahua", "https://github.com/rroller/dahua/issues/647"),
    ("dhcp.vendor_class", "AXIS,Network Camera,P3343,5.20.3", "Axis", "Rapid7 Recog xml/dhcp_vendor_class.xml (Axis Network Camera)"),
    ("http.title", "Sony Network Camera", "Sony", "Rapid7 Recog xml/html_title.xml (Sony Network Camera)"),
    # a maker's key one level down in the ONVIF scope namespace
    ("wsd.scope", "onvif://www.onvif.org/acc/mfr/FLIR%20Systems", "FLIR", FLIR_SCOPES + " (FLIR Ariel CM-3102-11-I)"),
    # the same scopes read over ONVIF GetScopes; the maker's name run into a camel-case word
    ("onvif.scope", "onvif://www.onvif.org/name/PelcoCameraSide", "Pelco", RVS_MOCKS.format("PelcoIMP3211ESCameraMock.swift")),
]


@pytest.fixture
def registry_only(db_factory):  # type: ignore[no-untyped-def]
    return db_factory({})


def _obs(field: str, value: str, probe: str | None = None) -> Observation:
    return Observation("198.18.0.40", probe or field.split(".")[0], field, value)


def _makers(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.params[k] for m in result.matches for k in ("vendor", "platform_vendor") if k in m.params}


@pytest.mark.parametrize(("field", "value", "maker", "source"), REAL, ids=[f"{f}:{v[:30]}" for f, v, _, _ in REAL])
def test_each_maker_declaring_field_names_the_maker_through_the_registry(registry_only, field, value, maker, source) -> None:  # type: ignore[no-untyped-def]
    assert registry_only.files == ()  # no fingerprint file: the registry alone speaks
    assert source  # every value names where it was published
    result = match_observation(_obs(field, value), registry_only)
    assert maker in _makers(result), [(m.fingerprint_id, m.params) for m in result.matches]
    ids = {m.fingerprint_id for m in result.matches}
    assert any(i.startswith(("alias:", "model:", "oem:")) for i in ids)


def test_every_field_the_brief_lists_has_a_role() -> None:
    listed = [
        "onvif.manufacturer", "onvif.model", "onvif.hardware", "onvif.firmware", "wsd.name", "wsd.hardware",
        "wsd.manufacturer", "wsd.scope", "upnp.manufacturer", "upnp.model_name", "upnp.model_number",
        "upnp.manufacturer_url", "upnp.friendly_name", "mdns.name", "mdns.hostname", "mdns.txt", "ssdp.server",
        "http.server", "tls.subject", "tls.issuer", "dhcp.vendor_class", "dhcp.hostname", "http.title", "snmp.sys_descr",
    ]
    assert [f for f in listed if f not in FIELD_ROLES] == []


def test_an_exact_manufacturer_is_strong_and_an_alias_in_free_text_is_weaker(registry_only) -> None:  # type: ignore[no-untyped-def]
    (exact,) = match_observation(_obs("onvif.manufacturer", "HIKVISION"), registry_only).matches
    assert (exact.fingerprint_id, exact.strength) == ("alias:Hikvision", "strong")
    (title,) = match_observation(_obs("http.title", "Sony Network Camera"), registry_only).matches
    assert (title.fingerprint_id, title.strength) == ("alias:Sony", "medium")  # leads the title
    server = match_observation(_obs("ssdp.server", "Linux/3.8.8, UPnP/1.0, ZheJiang Dahua Technology CO.,LTD. Upnp SDK"), registry_only)
    assert {(m.fingerprint_id, m.strength) for m in server.matches} == {("alias:Dahua", "weak")}


def test_a_generic_manufacturer_says_nothing_and_the_model_grammar_names_the_platform(registry_only) -> None:  # type: ignore[no-untyped-def]
    # Besder 6024PB-XMA501 GetDeviceInformation (BESDER, lines 268-269): Manufacturer H264, Model XM530_50X50-WG_8M
    results = [match_observation(_obs("onvif.manufacturer", "H264", "onvif"), registry_only),
               match_observation(_obs("onvif.model", "XM530_50X50-WG_8M", "onvif"), registry_only)]
    (generic,) = results[0].matches
    assert generic.fingerprint_id == "generic" and generic.params == {}
    (grammar,) = results[1].matches
    assert grammar.fingerprint_id == "model:xiongmai-xm5-board"
    assert grammar.params == {"platform_vendor": "Xiongmai", "model": "XM530_50X50-WG_8M", "device_type": "camera"}
    ident = build_identity(results, registry_only)
    assert (ident.platform_vendor, ident.model, ident.device_type) == ("Xiongmai", "XM530_50X50-WG_8M", DeviceType.CAMERA)
    assert any("H264" in g for g in ident.generic) and any("Generic values" in e for e in ident.explanation)
    # One medium witness naming a PRC platform maker: review with the reason, never clear.
    uk = classify(ident, load_policy("uk-sensitive-sites", registry_only), registry_only.vendors)
    assert uk.classification is Classification.REVIEW and "Not enough evidence to restrict (medium evidence from 1 probe" in uk.reasons[0]
    us = classify(ident, load_policy("us-ndaa", registry_only), registry_only.vendors)
    assert us.classification is Classification.REVIEW and "Xiongmai" in us.reasons[0]


def test_a_brand_yields_its_platform_through_the_registry(registry_only) -> None:  # type: ignore[no-untyped-def]
    # 0C:A6:4C Hangzhou Ezviz Software Co.,Ltd. (IEEE MA-L in aiooui 0.1.11, assigned after netaddr's 2024 copy)
    ident = build_identity([match_observation(_obs("arp.mac", "0c:a6:4c:12:34:56", "arp"), registry_only)], registry_only)
    assert (ident.vendor, ident.platform_vendor) == ("EZVIZ", "Hikvision")
    assert ident.platform_inferred is not None and ident.platform_inferred.to == "Hikvision"
    # Lorex was sold in 2022: the registry gives it no platform, so none is inferred.
    ident = build_identity([match_observation(_obs("dhip.vendor", "Lorex"), registry_only)], registry_only)
    assert (ident.vendor, ident.platform_vendor) == ("Lorex", None)


def test_a_mac_inside_a_serial_is_looked_up_below_the_devices_own_mac(registry_only) -> None:  # type: ignore[no-untyped-def]
    # AXIS M1014 root description (AXIS_ROOT): serialNumber ACCC8E270AD8 is the camera's MAC
    result = match_observation(_obs("upnp.serial", "ACCC8E270AD8", "ssdp"), registry_only)
    (m,) = result.matches
    assert (m.fingerprint_id, m.strength, m.params) == ("mac-in-field", "weak", {"platform_vendor": "Axis"})
    assert "ac:cc:8e:27:0a:d8" in m.note
    own = match_observation(_obs("arp.mac", "ac:cc:8e:27:0a:d8", "arp"), registry_only).matches[0]
    assert own.strength == "medium"  # the device's own MAC outweighs a MAC quoted in a field


def test_hex_runs_that_cannot_be_a_devices_mac_are_ignored(registry_only) -> None:  # type: ignore[no-untyped-def]
    for value in ("111111111111", "020000000001", "ffffffffffff"):  # one digit; locally administered; broadcast
        assert match_observation(_obs("upnp.serial", value, "ssdp"), registry_only).matches == ()


def test_an_ieee_organisation_no_entry_names_is_a_weak_brand_never_restricted(registry_only) -> None:  # type: ignore[no-untyped-def]
    # 0C:C4:7A is registered to Super Micro Computer, Inc. (IEEE MA-L, as shipped by aiooui and netaddr);
    # the lab's linux-debian-apache profile carries it.
    result = match_observation(_obs("arp.mac", "0c:c4:7a:52:9e:13", "arp"), registry_only)
    (m,) = result.matches
    assert (m.fingerprint_id, m.strength, m.params) == ("ieee-org", "weak", {"vendor": "Super Micro Computer"})
    ident = build_identity([result], registry_only)
    assert ident.vendor == "Super Micro Computer" and ident.fallback_brand and not ident.enough_to_restrict
    for policy in ("uk-sensitive-sites", "us-ndaa"):
        v = classify(ident, load_policy(policy, registry_only), registry_only.vendors)
        assert v.classification is not Classification.RESTRICTED


EYEPLUS = "https://github.com/home-assistant/core/issues/63399 (GetDeviceInformation of an EYEPLUS camera)"


def test_a_declared_manufacturer_the_registry_does_not_know_names_the_maker_weakly(db_factory) -> None:  # type: ignore[no-untyped-def]
    # The device's own word for its maker (EYEPLUS_DEV model beside it), read by a registry without
    # the EYEPLUS entry (vendors.yaml has one since the h2-registry wave; see the test below).
    from identify_fixtures import vendors_doc

    doc = vendors_doc()
    doc["vendors"] = [v for v in doc["vendors"] if v["name"] != "EYEPLUS"]
    registry_only = db_factory({}, vendors=doc)
    results = [match_observation(_obs("onvif.manufacturer", "EYEPLUS"), registry_only), match_observation(_obs("onvif.model", "EYEPLUS_DEV"), registry_only)]
    (m,) = results[0].matches
    assert (m.fingerprint_id, m.strength, m.params) == ("declared-maker", "weak", {"vendor": "EYEPLUS"})
    ident = build_identity(results, registry_only)
    assert (ident.vendor, ident.platform_vendor) == ("EYEPLUS", "EYEPLUS")
    assert ident.declared_unknown and ident.fallback_brand and not ident.enough_to_restrict
    assert any("declares its manufacturer as EYEPLUS" in line for line in ident.explanation)
    camera = build_identity([*results, match_observation(_obs("wsd.type", "Network_Video_Transmitter", "wsd"), registry_only)], registry_only)
    for policy in ("uk-sensitive-sites", "us-ndaa"):
        v = classify(ident, load_policy(policy, registry_only), registry_only.vendors)
        assert v.classification is Classification.UNIDENTIFIED and "EYEPLUS" in v.reasons[0]
        assert classify(camera, load_policy(policy, registry_only), registry_only.vendors).classification is not Classification.RESTRICTED
    # The declared word outranks the IEEE registrant of the MAC (0C:C4:7A Super Micro Computer), and a
    # registry maker anywhere outranks both.
    mac = match_observation(_obs("arp.mac", "0c:c4:7a:52:9e:13", "arp"), registry_only)
    assert build_identity([mac, *results], registry_only).vendor == "EYEPLUS"
    hik = match_observation(_obs("onvif.model", "DS-2DF7286-A"), registry_only)
    ident = build_identity([mac, *results, hik], registry_only)
    assert (ident.platform_vendor, ident.declared_unknown) == ("Hikvision", False)


def test_a_declared_manufacturer_the_registry_knows_by_name_is_strong_and_never_cleared(registry_only) -> None:  # type: ignore[no-untyped-def]
    # The same answer (EYEPLUS) once the registry has the maker, with no source for where it is
    # organised (prc_organised null): named strongly through its alias, sent to review.
    results = [match_observation(_obs("onvif.manufacturer", "EYEPLUS"), registry_only), match_observation(_obs("onvif.model", "EYEPLUS_DEV"), registry_only)]
    (m,) = results[0].matches
    assert (m.fingerprint_id, m.strength) == ("alias:EYEPLUS", "strong")
    ident = build_identity(results, registry_only)
    assert ident.vendor == "EYEPLUS" and not ident.declared_unknown
    for policy in ("uk-sensitive-sites", "us-ndaa"):
        assert classify(ident, load_policy(policy, registry_only), registry_only.vendors).classification is Classification.REVIEW


def test_a_value_that_cannot_be_a_company_is_not_declared_a_maker(registry_only) -> None:  # type: ignore[no-untyped-def]
    # values real devices sent in these fields: a hardware id (Besder, BESDER line 270), a Gwell serial
    for value in ("00001", "15070713", "http://www.onvif.org", "H"):
        assert all(m.fingerprint_id != "declared-maker" for m in match_observation(_obs("onvif.manufacturer", value), registry_only).matches), value


def test_company_suffixes_are_cleaned_from_an_ieee_organisation() -> None:
    assert clean_org("Super Micro Computer, Inc.") == "Super Micro Computer"
    assert clean_org("Hangzhou Ezviz Software Co.,Ltd.") == "Hangzhou Ezviz Software"
    assert clean_org("Zhejiang Uniview Technologies Co.,Ltd.") == "Zhejiang Uniview Technologies"


def test_a_post_2024_oui_is_named_from_the_newest_registry_copy(registry_only) -> None:  # type: ignore[no-untyped-def]
    # 00:BC:99 Hangzhou Hikvision Digital Technology Co.,Ltd.: in aiooui 0.1.11 (2026), not in netaddr 1.3.0 (2024)
    r = lookup("00:bc:99:12:34:56", registry_only)
    assert (r.vendor, r.org) == ("Hikvision", "Hangzhou Hikvision Digital Technology Co.,Ltd.")
    assert "aiooui" in r.via


def test_small_blocks_name_their_holder_before_the_24_bit_parent() -> None:
    # MA-S 8C:1F:64:FF:C Invendis Technologies India Pvt Ltd (Wireshark manuf shipped in scapy.libs.manuf);
    # its 24-bit parent 8C:1F:64 is the IEEE Registration Authority.
    reg = ieee.lookup("8C1F64FFC012")
    assert reg is not None and (reg.prefix, reg.org) == ("8C1F64FFC", "Invendis Technologies India Pvt Ltd")


# Rows of the real IEEE registries, in IEEE's CSV format (Registry,Assignment,Organization Name,
# Organization Address). The organisation names are those the installed packages ship for these
# prefixes: BC5E33 and 00BC99 (aiooui 0.1.11 oui.data), 8C1F64FFC (scapy.libs.manuf, from IEEE oui36.csv).
OUI_CSV = (
    "Registry,Assignment,Organization Name,Organization Address\r\n"
    'MA-L,BC5E33,"Hangzhou Hikvision Digital Technology Co.,Ltd.","No.555 Qianmo Road Hangzhou Zhejiang CN 310052 "\r\n'
    'MA-L,00BC99,"Hangzhou Hikvision Digital Technology Co.,Ltd.","No.555 Qianmo Road Hangzhou Zhejiang CN 310052 "\r\n'
)
OUI36_CSV = (
    "Registry,Assignment,Organization Name,Organization Address\r\n"
    "MA-S,8C1F64FFC,Invendis Technologies India Pvt Ltd,Bangalore Karnataka IN 560001 \r\n"
)


def test_oui_update_loads_a_users_ieee_csv_and_uses_it_first(tmp_path: Path, monkeypatch, registry_only) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    data = tmp_path / "data"
    monkeypatch.setenv("CCTV_SCAN_DATA", str(data))
    ieee.clear_cache()
    try:
        csv_path = tmp_path / "oui.csv"
        csv_path.write_text(OUI_CSV, encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "scanner", "oui", "update", str(csv_path)],
                              capture_output=True, text=True, timeout=120, env={**__import__("os").environ, "CCTV_SCAN_DATA": str(data)})
        assert proc.returncode == 0, proc.stderr
        assert "loaded 2 MA-L assignments" in proc.stdout
        assert (data / "ieee" / "MA-L.tsv").is_file()
        (tmp_path / "oui36.csv").write_text(OUI36_CSV, encoding="utf-8")
        kind, count, _ = ieee.install_csv(tmp_path / "oui36.csv")
        assert (kind, count) == ("MA-S", 1)
        r = lookup("bc:5e:33:01:02:03", registry_only)
        assert r.vendor == "Hikvision" and "oui update" in r.via
        assert "oui update" in ieee.lookup("8C1F64FFC012").source  # type: ignore[union-attr]
        bad = tmp_path / "notes.txt"
        bad.write_text("hello\n", encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "scanner", "oui", "update", str(bad)],
                              capture_output=True, text=True, timeout=120, env={**__import__("os").environ, "CCTV_SCAN_DATA": str(data)})
        assert proc.returncode == 2 and "not an IEEE registry CSV" in proc.stderr
    finally:
        monkeypatch.delenv("CCTV_SCAN_DATA")
        ieee.clear_cache()


def test_a_wrong_row_in_an_ieee_csv_is_refused_with_its_line() -> None:
    with pytest.raises(ieee.RegistryFileError, match="line 2"):
        ieee.parse_csv(b"Registry,Assignment,Organization Name,Organization Address\nMA-L,XYZ,Foo,Bar\n")


def test_the_transmitter_type_alone_does_not_make_a_camera(registry_only) -> None:  # type: ignore[no-untyped-def]
    # Types of the lab's Uniview camera and of NVRs alike (scanner/lab/profiles): no type from them.
    ident = build_identity([match_observation(_obs("wsd.types", "dn:NetworkVideoTransmitter tds:Device", "wsd"), registry_only)], registry_only)
    assert ident.device_type is DeviceType.UNKNOWN  # NVRs announce the transmitter type too


def test_a_source_needs_an_address_anyone_can_open() -> None:
    from scanner.identify._check import placeholder_reason, source_address_problem

    assert source_address_problem("https://github.com/home-assistant/core/issues/46822") is None
    assert source_address_problem(f"{BESDER} line 268") is None
    assert "code-index" in (source_address_problem("GitHub code index id 17213345945 (RTSP client comment)") or "")
    assert "no address" in (source_address_problem("Rapid7 Recog xml/http_servers.xml") or "")
    # Placeholders the audit found (issue 15 item 4) against real values
    for invented in ("Synology/DSM/stuff", "Ser=ABCDE12345;", "Serial Number: abc123", "SERIALNUMBER=111111111111111111"):
        assert placeholder_reason(invented), invented
    for real in ("XM530_50X50-WG_8M", "DS-2CD2432F-IW", "2.800.030000000.3.R", "ACCC8E270AD8"):
        assert placeholder_reason(real) is None, real


# (field, value a device sent, the maker its MAC's prefix names, source)
STATED_MACS = [
    ("onvif.mac", "AC:CC:8E:BE:CC:EA", "Axis", RVS_MOCKS.format("AxisM5525ECameraMock.swift") + " (GetNetworkInterfaces)"),
    ("wsd.scope", "onvif://www.onvif.org/acc/mac/00-1b-d8-60-1f-8d", "FLIR", FLIR_SCOPES),
    ("wsd.endpoint", "uuid:B926EB6A-CB4B-54DB-3130-0023CDE05FA7", "TP-Link",
     "https://github.com/evercam/evercam-discovery-java/issues/32 (ProbeMatch of a TP-Link TL-SC3130G)"),
    ("rtsp.sdp_session", "68D79AE46148_0", "Ubiquiti",
     "scottlamb/retina src/client/testdata/ubiquiti_sdp.txt @ 6972ac4261ce7bf5b585da9051606c7b5c0ab82c"),
    # mDNS TXT entries whose key says the value is the MAC
    ("mdns.txt", "macaddress=ACCC8E7662A5", "Axis",
     "nyu-mlab/device-identification testing/device.csv @ fe086ad16b916f774cf6427f46c1ec8d263a8190 (_axis-video._tcp TXT)"),
    ("mdns.txt", "mac=9c:8e:cd:0f:0b:1c", "Amcrest",
     "SeryioGonzalez/onvif_scripts traces/onvif_device_restart.pcap @ 0a2da14636c755df65b86e1b64108decabf24f3d (_http._tcp TXT)"),
]


@pytest.mark.parametrize(("field", "value", "maker", "source"), STATED_MACS, ids=[f for f, *_ in STATED_MACS])
def test_a_mac_a_device_states_in_a_protocol_names_its_maker_weakly(registry_only, field, value, maker, source) -> None:  # type: ignore[no-untyped-def]
    assert source
    result = match_observation(_obs(field, value), registry_only)
    by_mac = [m for m in result.matches if m.fingerprint_id.startswith("mac-in-field")]
    assert [m.params.get("platform_vendor") for m in by_mac] == [maker], [(m.fingerprint_id, m.params) for m in result.matches]
    assert by_mac[0].strength == "weak"


def test_an_mdns_txt_entry_is_read_as_a_mac_only_when_its_key_says_mac(registry_only) -> None:  # type: ignore[no-untyped-def]
    # HomeKit's 'id=' is a device id written like a MAC (a Logitech Circle 2 sent this one,
    # nyu-mlab/device-identification testing/device.csv @ fe086ad16b916f774cf6427f46c1ec8d263a8190):
    # it names nobody, nor does the same run under a key that is not a MAC's, nor a bare value.
    for value in ("id=E7:7D:DC:51:CD:EE", "serial=ACCC8E7662A5", "ACCC8E7662A5", "macaddress"):
        found = match_observation(_obs("mdns.txt", value), registry_only).matches
        assert [m for m in found if m.fingerprint_id.startswith("mac-in-field")] == [], value
    # the key is matched whole and in any case
    axis = match_observation(_obs("mdns.txt", "MACAddress=ACCC8E7662A5"), registry_only).matches
    assert [m.params.get("platform_vendor") for m in axis if m.fingerprint_id == "mac-in-field"] == ["Axis"]


def test_a_uuid_ending_in_an_unlisted_organisations_prefix_names_nobody(registry_only) -> None:  # type: ignore[no-untyped-def]
    # The node of a version-4 UUID is random; a prefix some IEEE organisation holds (here one no
    # vendors.yaml entry names) must not become a brand, as it would in a realm or a serial.
    # (0C:C4:7A, Super Micro Computer; 00:04:7D, used here before, is now oui.yaml's Pelco block)
    org = lookup("0c:c4:7a:00:00:01", registry_only)
    assert org.org is not None and org.vendor is None
    endpoint = "urn:uuid:5f1c8e2a-9b3d-4c7e-8f10-0cc47a123456"
    assert [m for m in match_observation(_obs("wsd.endpoint", endpoint), registry_only).matches] == []
    # the same prefix inside a realm is the weak IEEE-organisation brand
    realm = match_observation(_obs("rtsp.realm", "0cc47a123456"), registry_only).matches
    assert [m.fingerprint_id for m in realm] == ["mac-in-field:ieee-org"]


def test_a_location_scope_names_no_maker_whatever_words_it_holds(registry_only) -> None:  # type: ignore[no-untyped-def]
    scope = "onvif://www.onvif.org/location/name/Hikvision"  # a place someone typed, not a maker's key
    assert match_observation(_obs("wsd.scope", scope), registry_only).matches == ()


def test_an_ieee_organisation_names_a_maker_only_on_word_boundaries() -> None:
    # Organisation names as the IEEE MA-L registry spells them (aiooui 0.1.11's copy).
    from scanner.identify.fingerprints import load_database

    vdb = load_database().vendors
    assert vdb.by_ieee_org("Liaoning IK'SONYA Science and Technology Co., Ltd.") is None  # not Sony
    assert vdb.by_ieee_org("Xacti Corporation") is None  # not ACTi
    assert vdb.by_ieee_org("Sony Imaging Products & Solutions Inc.") == "Sony"
    # the registrant's own typo glues a word on; a long name still reads as the maker
    assert vdb.by_ieee_org("ZHEJIANG DAHUA TECHNOLOGYCO.,LTD") == "Dahua"
    assert vdb.by_ieee_org("HANWHA VISION VIETNAM COMPANY LIMITED") == "Hanwha"


def test_sadp_oem_info_is_read_as_a_maker_field_and_its_na_names_nothing(registry_only) -> None:  # type: ignore[no-untyped-def]
    # the SADP probe names OEMInfo 'sadp.oem_info' (scanner/probes/_parsing.py); a Hikvision DVR's
    # ProbeMatch sends N/A there (https://www.mhzhuji.com/zhuji_info_958/, corpus discovery.yaml)
    assert FIELD_ROLES["sadp.oem_info"] == FIELD_ROLES["sadp.vendor"]
    result = match_observation(Observation("198.18.0.9", "sadp", "sadp.oem_info", "N/A"), registry_only)
    assert [m.fingerprint_id for m in result.matches] == []


def test_a_maker_declared_by_its_legal_or_ieee_name_is_heard(registry_only) -> None:  # type: ignore[no-untyped-def]
    # The registry's own data, not device answers: each device maker's legal name and IEEE
    # registrant name, sent whole as the ONVIF Manufacturer, resolves to that maker (the longest
    # spelling wins, so a brand's full name is not read as the parent's alias inside it).
    vdb = registry_only.vendors
    checked = 0
    for v in vdb.vendors.values():
        if not v.is_device_maker:
            continue
        for name in (v.legal_name, *v.ieee_names):
            if len(name.strip()) < 6:
                continue
            result = match_observation(_obs("onvif.manufacturer", name), registry_only)
            assert v.name in _makers(result), (v.name, name, [(m.fingerprint_id, m.params) for m in result.matches])
            checked += 1
    assert checked > 200


def test_a_piece_of_a_name_split_at_camel_case_is_not_another_name(db_factory) -> None:  # type: ignore[no-untyped-def]
    # 'RaySharp' is how Raysharp writes its own name (raysharp.cn); read whole it is Raysharp's,
    # and its camel-case half 'Sharp' is not the Japanese maker Sharp. A name that only the split
    # reveals is still heard ('PelcoCameraSide', a Pelco camera's ONVIF name scope).
    db = db_factory({})
    for field in ("http.server", "onvif.manufacturer", "mdns.name"):
        assert _makers(match_observation(_obs(field, "RaySharp"), db)) == {"Raysharp"}
    assert _makers(match_observation(_obs("onvif.scope", "onvif://www.onvif.org/name/PelcoCameraSide"), db)) == {"Pelco"}
