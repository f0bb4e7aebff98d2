"""Model numbers of non-PRC camera makers name their maker through the registry's model grammars
(vendors.yaml), and never a PRC maker: a removal team must not be sent to an Axis or a Bosch.

The database here has no fingerprint files (``db_factory({})``), so only vendors.yaml and oui.yaml
speak. Every value was published as what a real device reported or as the maker's model number;
its source is beside it. Several are not examples of any grammar, so the grammars' shapes are
tested, not only their example lists.
"""

from __future__ import annotations

import pytest

from scanner.identify import build_identity, classify, load_policy, match_observation
from scanner.models import Classification, Observation

CAMIO = "CamioCam/rtsp cameras/paths.csv @ 0afd84dac22afc604275492bcf9fd58482d77251 line {}"
RECOG = "rapid7/recog xml/{} @ 14fa1a7211e7fb5707c7a1b421a07d6c2cf4eec5 line {}"
NMAP = "https://github.com/nmap/nmap/blob/db4aefddfa348ec815ffa83a109c97e05db88766/nmap-service-probes line {}"
UIPROTECT = "uilibs/uiprotect tests/sample_data/sample_bootstrap.json @ 506380e93364547b8523451be3f7f538a3c15a57 line {}"
KANE = "Kane610/axis tests/parameters/test_brand.py @ 79a90b42c839c4bce81faac297b0ed78cfeb64cb line {}"

# (field, value, maker, source)
NON_PRC = [
    # Axis
    ("upnp.model_name", "AXIS M1014", "Axis", "FantasticFiasco/axis-discovery-ssdp-js test/root-descriptions/RootDescription.mock.ts @ 8c583f66a43de1cbc47d32d4bafee38fd831fb99"),
    ("upnp.model_description", "AXIS M3024-L Network Camera", "Axis", KANE.format(20)),
    ("onvif.model", "P3228-LVE", "Axis", "https://github.com/home-assistant/core/issues/51157"),
    ("onvif.model", "M3024-LVE", "Axis", CAMIO.format(11)),
    ("http.title", "The AXIS 200+ Home Page", "Axis", NMAP.format(7881)),
    # a SIP User-Agent (no resolver field reads SIP, so it is read here as a free-text description)
    ("upnp.model_description", "AXIS C8033 Network Audio Bridge", "Axis", RECOG.format("sip_user_agents.xml", 112)),
    # Bosch
    ("onvif.model", "TINYON IP 2000 WI", "Bosch", "https://github.com/homebridge-plugins/homebridge-camera-ffmpeg/issues/1248"),
    ("onvif.model", "DINION IP starlight 6000 HD", "Bosch", "edgexfoundry/device-onvif-camera doc/openapi/v3/device-onvif-camera.yaml @ 3bef71a458050caad0e348ab590f9730d3645923"),
    ("onvif.model", "AUTODOME IP starlight 7000i", "Bosch", "https://github.com/ch-bas/cctv-camera-database/pull/369"),
    ("onvif.hardware", "NUC-52051-F0", "Bosch", "https://github.com/CamioCam/rtsp/issues/146"),
    # Hanwha (Samsung Techwin, Wisenet)
    ("onvif.model", "XNP-6550RH", "Hanwha", "https://github.com/blakeblackshear/frigate/pull/10030"),
    ("onvif.model", "QNP-6250R", "Hanwha", "https://github.com/ch-bas/cctv-camera-database/issues/293"),
    ("onvif.model", "SNH-V6410BN", "Hanwha", CAMIO.format(23)),
    ("onvif.model", "SNH-E6440BN", "Hanwha", CAMIO.format(23)),
    ("onvif.model", "PNM-9000VQ", "Hanwha", "https://github.com/ch-bas/cctv-camera-database/pull/188"),
    # Avigilon (Motorola Solutions)
    ("wsd.hardware", "2.0-H3M-DO1", "Avigilon", "vicmaeg/onvif-discovery OnvifDiscovery.Tests/Resources/ScopesTestData.json @ bf0d1532a685d06198a120668ffd7e0506c104b3"),
    ("onvif.model", "3.0W-H3-DO1-IR", "Avigilon", CAMIO.format(30)),
    ("onvif.model", "5.0C-H5A-DO2", "Avigilon", "https://github.com/ch-bas/cctv-camera-database/pull/277"),
    ("onvif.model", "ENC-4P-H264", "Avigilon", "https://github.com/CamioCam/rtsp/issues/84"),
    # i-PRO and Panasonic
    ("onvif.model", "WV-S4150", "i-PRO", "https://github.com/ch-bas/cctv-camera-database/issues/345"),
    ("onvif.model", "WV-S61301-Z1", "i-PRO", "https://github.com/ch-bas/cctv-camera-database/pull/271"),
    ("onvif.model", "BL-C230", "Panasonic", CAMIO.format(2)),
    ("onvif.model", "BB-HCM531A", "Panasonic", CAMIO.format(3)),
    # Sony
    ("onvif.model", "SNC-EM632R", "Sony", "https://github.com/CamioCam/rtsp/issues/154"),
    ("onvif.model", "SNC-CH140", "Sony", "https://github.com/bluecherrydvr/bluecherry-apps/issues/146"),
    # Vivotek
    ("onvif.model", "IB8369", "Vivotek", "https://github.com/ioBroker/ioBroker.cameras/issues/211"),
    ("onvif.model", "IB9381", "Vivotek", "https://github.com/ioBroker/ioBroker.cameras/issues/211"),
    ("onvif.model", "CC8130", "Vivotek", CAMIO.format(40)),
    # Mobotix
    ("onvif.model", "p26B-AU-6D", "Mobotix", "https://github.com/homebridge-plugins/homebridge-camera-ffmpeg/issues/1337"),
    # Pelco (Motorola Solutions)
    ("onvif.model", "IMP321-1ES", "Pelco", "RiftValleySoftware/RVS_ONVIF RVS_ONVIF/GenericTests/Mocks/PelcoIMP3211ESCameraMock.swift @ 953b2d5b857fe0353a78f47f444b09983d5cf669"),
    ("onvif.model", "IDE10DN", "Pelco", NMAP.format(12359)),
    ("onvif.mac", "00:04:7d:36:a5:4e", "Pelco", "RiftValleySoftware/RVS_ONVIF RVS_ONVIF/GenericTests/Mocks/PelcoIMP3211ESCameraMock.swift @ 953b2d5b857fe0353a78f47f444b09983d5cf669"),
    # Ubiquiti UniFi Protect
    ("onvif.model", "UVC G4 Bullet", "Ubiquiti", UIPROTECT.format(1521)),
    ("onvif.model", "UVC G4 Instant", "Ubiquiti", UIPROTECT.format(5634)),
    # Canon, GeoVision, IQinVision, Arecont
    ("snmp.sys_descr", "Canon Network Camera VB-C60", "Canon", RECOG.format("snmp_sysdescr.xml", 1450)),
    ("wsd.hardware", "GV-VS2400", "GeoVision", CAMIO.format(66)),
    ("http.title", "IQeye703 IQEYE011750: Live Images", "IQinVision", RECOG.format("html_title.xml", 2747)),
    ("onvif.model", "AV12186DN", "Arecont Vision", "https://github.com/CamioCam/rtsp/issues/56"),
    ("onvif.model", "AV20185DN", "Arecont Vision", "https://github.com/CamioCam/rtsp/issues/56"),
    # Illustra (Johnson Controls): IP5M-<2 digits><3 letters> has the shape of Amcrest's IP<n>M- cameras (h3-models3)
    ("onvif.model", "IP5M-20FFQ", "Illustra", "ch-bas/cctv-camera-database cameras/illustra/ip5m-20ffq.json @ 15107b7eb6c8c95fe5420a580b6f1dcd5a3d1d5e"),
    ("onvif.model", "IPS02-D12-OI04", "Illustra", "ch-bas/cctv-camera-database cameras/illustra/ips02-d12-oi04.json @ 4c6b701bef2ba8c1534f37553157f6cdcd701847"),
    # Bosch, Vivotek, Axis, Sony, Pelco part numbers the h3-models3 grammars read (maker datasheets, as transcribed there)
    ("onvif.model", "MIC-7522-Z30B", "Bosch", "ch-bas/cctv-camera-database cameras/bosch/mic-7522-z30b.json @ 03acd96f9906e6710927aafc9a061d3364478ba7"),
    ("onvif.model", "FD816B-HF2", "Vivotek", "ch-bas/cctv-camera-database cameras/vivotek/fd816b-hf2.json @ 0eed4114d533df90f1159bb77d113a04b5814ce3"),
    ("onvif.model", "FA3105-L", "Axis", "ch-bas/cctv-camera-database cameras/axis/fa3105-l.json @ 154fd4116f11f9d76f2a27734e576718ef2f61e0"),
    ("onvif.model", "SNC-EMX30R", "Sony", "ch-bas/cctv-camera-database cameras/sony/sony-snc-emx30r.json @ 29d4f77dcdce30c68110bf9ebb1041a8f4929144"),
    ("onvif.model", "HCP-6320HA", "Hanwha", "ch-bas/cctv-camera-database cameras/hanwha/hcp-6320ha.json @ 6733ba0986775233c9fd03016340182969cc8d70"),
]

# Model numbers of PRC makers (and their brands) that real users reported: no non-PRC grammar may
# claim any of them.
PRC_MODELS = [
    ("DS-2CD2032-I", CAMIO.format(16)),
    ("DS-2CD4A26FWD-IZHS/P", CAMIO.format(16)),
    ("DS-2CD2543G0-IS", "https://github.com/aws-quickstart/quickstart-onica-connected-camera/issues/10"),
    ("DS-7108NI-Q1-M", "https://github.com/maciej-or/hikvision_next/issues/127"),
    ("HWP-N2404IH-DE3(F)", "https://github.com/maciej-or/hikvision_next/pull/107"),
    ("DH-SDT7425-4P-AD3E-PV-i", "https://github.com/ch-bas/cctv-camera-database/issues/11"),
    ("SD22404DB-GNY", "https://github.com/ch-bas/cctv-camera-database/issues/281"),
    ("IPC-HDW3549HP-AS-PV", "https://github.com/rroller/dahua/issues/56"),
    ("HFW2449S-S-IL", "https://github.com/rroller/dahua/pull/517"),
    ("DH-XVR5116HS-X", "https://github.com/rroller/dahua/issues/309"),
    ("DH-P5D-5F-PV", "https://github.com/home-assistant/core/issues/175333"),
    ("IPC-B54IR-ASE-2.8MM-S3", "https://github.com/badbread/crumbvms/issues/182"),
    ("IPC-A42-B", "https://github.com/eavanvalkenburg/pysiaalarm/issues/33"),
    ("IPC-B469HAD-LUF", "https://github.com/ch-bas/cctv-camera-database/pull/317"),
    ("NVR380-64R", CAMIO.format(59)),
    ("LNK7108A", "https://github.com/kushagharahi/homebridge-dahua-alerts/issues/25"),
    ("XM530_50X50-WG_8M", "KostasEreksonas/Besder-6024PB-XMA501-ip-camera-security-investigation README.md @ bf343b23d48d18648af2f1bad78e780c99c4085a line 269"),
    ("TL-IPC55AE", "https://github.com/home-assistant/core/issues/135055"),
]


@pytest.fixture
def registry_only(db_factory):  # type: ignore[no-untyped-def]
    return db_factory({})


def _obs(field: str, value: str) -> Observation:
    return Observation("198.18.0.41", field.split(".")[0], field, value)


def _prc_side(vdb, v) -> bool:  # type: ignore[no-untyped-def]
    """PRC-organised, or a brand on a PRC maker's platform or related to one (Lorex, Dahua's until
    2022 and a reported OEM customer since): its grammars may rightly claim a PRC-platform model."""
    related = [v.platform] if v.platform else []
    related += [r.to for r in v.relations]
    return v.prc_organised or any((p := vdb.get(n)) is not None and p.prc_organised for n in related)


def _makers(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.params[k] for m in result.matches for k in ("vendor", "platform_vendor") if k in m.params}


@pytest.mark.parametrize(("field", "value", "maker", "source"), NON_PRC, ids=[f"{m}:{v[:30]}" for _, v, m, _ in NON_PRC])
def test_a_non_prc_model_names_its_maker_and_no_prc_maker(registry_only, field, value, maker, source) -> None:  # type: ignore[no-untyped-def]
    assert source
    vdb = registry_only.vendors
    result = match_observation(_obs(field, value), registry_only)
    named = _makers(result)
    assert maker in named, [(m.fingerprint_id, m.params) for m in result.matches]
    assert not [n for n in named if (v := vdb.get(n)) is not None and v.prc_organised], named
    ident = build_identity([result], registry_only)
    assert maker in (ident.vendor, ident.platform_vendor)
    for policy in ("uk-sensitive-sites", "us-ndaa"):
        verdict = classify(ident, load_policy(policy, registry_only), vdb)
        assert verdict.classification is not Classification.RESTRICTED


def test_a_model_grammar_names_the_platform_and_device_type(registry_only) -> None:  # type: ignore[no-untyped-def]
    (m,) = match_observation(_obs("onvif.model", "QNP-6250R"), registry_only).matches
    assert m.fingerprint_id == "model:hanwha-wisenet-series-letter" and m.strength == "strong"
    assert m.params == {"platform_vendor": "Hanwha", "model": "QNP-6250R", "device_type": "camera"}
    # a name with the maker in it: the alias and the named-model grammar agree
    result = match_observation(_obs("upnp.model_description", "AXIS M3024-L Network Camera"), registry_only)
    ids = {x.fingerprint_id for x in result.matches}
    assert {"alias:Axis", "model:axis-named-model"} <= ids
    # a door station is Axis, but not a camera (its SIP User-Agent, RECOG sip_user_agents.xml line 100)
    (door,) = [m for m in match_observation(_obs("upnp.model_description", "AXIS A8105-E Network Video Door Station"), registry_only).matches if m.fingerprint_id.startswith("model:")]
    assert door.params["platform_vendor"] == "Axis" and door.params["device_type"] == "other"


@pytest.mark.parametrize(("model", "source"), PRC_MODELS, ids=[m for m, _ in PRC_MODELS])
def test_no_non_prc_grammar_claims_a_prc_model(registry_only, model, source) -> None:  # type: ignore[no-untyped-def]
    assert source
    vdb = registry_only.vendors
    claims = [g.id for v in vdb.vendors.values() if not _prc_side(vdb, v) for g in v.models if g.regex.search(model)]
    assert claims == []


def test_no_non_prc_grammar_matches_an_example_of_a_prc_grammar(registry_only) -> None:  # type: ignore[no-untyped-def]
    vdb = registry_only.vendors
    prc_examples = [e for v in vdb.vendors.values() if v.prc_organised for g in v.models for e in g.examples]
    assert len(prc_examples) > 50
    hits = [(g.id, e) for v in vdb.vendors.values() if not _prc_side(vdb, v) for g in v.models for e in prc_examples if g.regex.search(e)]
    assert hits == []
