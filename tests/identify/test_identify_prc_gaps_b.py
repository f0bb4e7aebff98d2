"""prc-gaps-b: what real devices of the remaining PRC makers sent, through the repository database.

Only two signals with an openable source were found in this round (the searched notes in
vendors.yaml say where the rest was looked for):

- Kedacom's web server answers ``Server: KEDACOM-Webs`` (urbanadventurer/WhatWeb
  plugins/kedacom-truesens.rb @660f0f466335a2a290a2425a24322256240eb36f, a banner the plugin
  author counted 6,435 times on Shodan): it names Kedacom, strongly, and nobody else.
- HiSilicon's camera SDK answers RTSP with ``WWW-Authenticate: Basic realm="Hisilicon"``
  (marcosjom/sys-nbframework-src src/net/NBRtspClientConn.c @590fb14ce03d170f08bfa09fe7bc0e5a5cdd593a,
  an RTSP client's comment listing what its devices sent). The SDK is the chip vendor's reference
  firmware that many camera makers ship: it is named as software (vendors.yaml kind software, like
  a web server) and never as the device's maker, nor does it say camera or recorder.
"""

from __future__ import annotations

import pytest
from identify_fixtures import REPO_DB

from scanner.identify import build_identity, load_database, match_observation
from scanner.models import DeviceType, Observation

WHATWEB_KEDACOM = "urbanadventurer/WhatWeb plugins/kedacom-truesens.rb @660f0f466335a2a290a2425a24322256240eb36f"
NBFRAMEWORK = "marcosjom/sys-nbframework-src src/net/NBRtspClientConn.c @590fb14ce03d170f08bfa09fe7bc0e5a5cdd593a"


@pytest.fixture(scope="module")
def db():  # type: ignore[no-untyped-def]
    return load_database(REPO_DB)


def _obs(field: str, value: str, ip: str = "198.18.0.52") -> Observation:
    return Observation(ip, field.split(".")[0], field, value)


def _named(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {name for m in result.matches for name in (m.params.get("vendor"), m.params.get("platform_vendor")) if name}


def test_kedacom_webs_names_kedacom_strongly_and_no_other_maker(db) -> None:  # type: ignore[no-untyped-def]
    assert WHATWEB_KEDACOM
    result = match_observation(_obs("http.server", "KEDACOM-Webs"), db)
    assert {m.fingerprint_id for m in result.matches} == {"kedacom-webs"}
    assert _named(result) == {"Kedacom"}
    ident = build_identity([result], db)
    assert (ident.vendor, ident.platform_vendor) == ("Kedacom", "Kedacom")
    assert ident.support_strength == "strong" and ident.enough_to_restrict
    assert set(ident.candidates) <= {"Kedacom"}


@pytest.mark.parametrize(
    "banner",
    [
        # Hikvision's Webs builds (rapid7/recog xml/http_servers.xml @14fa1a7211e7fb5707c7a1b421a07d6c2cf4eec5;
        # nmap nmap-service-probes @db4aefddfa348ec815ffa83a109c97e05db88766): other makers' Webs servers
        "DNVRS-Webs",
        "App-webs/",
        "Hikvision-Webs",
    ],
)
def test_other_webs_servers_are_not_read_as_kedacom(db, banner) -> None:  # type: ignore[no-untyped-def]
    result = match_observation(_obs("http.server", banner), db)
    assert "kedacom-webs" not in {m.fingerprint_id for m in result.matches}
    assert "Kedacom" not in _named(result)


def test_hisilicon_sdk_realm_names_the_sdk_as_software_and_no_maker(db) -> None:  # type: ignore[no-untyped-def]
    assert NBFRAMEWORK
    result = match_observation(_obs("rtsp.realm", "Hisilicon"), db)
    assert {m.fingerprint_id for m in result.matches} == {"hisilicon-sdk-rtsp-realm"}
    assert _named(result) == {"HiSilicon"}
    assert db.vendors.get("HiSilicon").kind == "software"
    ident = build_identity([result], db)
    assert ident.vendor is None and ident.platform_vendor is None
    assert ident.software_only and ident.software == "HiSilicon"
    # the source does not say camera or recorder (lab profile uniview-rtsp-mac-realm)
    assert ident.device_type is DeviceType.UNKNOWN
    assert not ident.enough_to_restrict
    assert "Huawei" not in ident.candidates  # HiSilicon's parent is not the device's maker either


def test_hisilicon_sdk_realm_and_server_together_still_name_no_maker(db) -> None:  # type: ignore[no-untyped-def]
    # The SDK's realm beside its own RTSP Server banner ("Hisilicon Streaming Media Server/1.0.0(Dec
    # 23 2014)", a Foscam C1's OPTIONS answer in https://github.com/luisiam/homebridge-foscamcamera/issues/6):
    # two signals of one chip vendor's firmware are still no maker.
    results = [
        match_observation(_obs("rtsp.realm", "Hisilicon"), db),
        match_observation(_obs("rtsp.server", "Hisilicon Streaming Media Server/1.0.0(Dec 23 2014)"), db),
    ]
    assert all(_named(r) <= {"HiSilicon"} for r in results)
    ident = build_identity(results, db)
    assert ident.vendor is None and ident.platform_vendor is None
    assert ident.device_type is DeviceType.CAMERA


def test_hisilicon_sdk_realm_beside_the_makers_mac_leaves_the_maker_alone(db) -> None:  # type: ignore[no-untyped-def]
    # The same source's device: a Digest realm that is its MAC (OUI 48-EA-63, Zhejiang Uniview)
    # and the Basic realm "Hisilicon" (lab profile uniview-rtsp-mac-realm). The SDK is said as
    # software; the maker stays the MAC's, with no conflict and no second candidate.
    ip = "198.18.0.27"
    results = [
        match_observation(_obs("rtsp.realm", "48ea63c2402b", ip), db),
        match_observation(_obs("rtsp.realm", "Hisilicon", ip), db),
        match_observation(_obs("arp.mac", "48:ea:63:c2:40:2b", ip), db),
    ]
    ident = build_identity(results, db)
    assert (ident.vendor, ident.platform_vendor) == ("Uniview", "Uniview")
    assert ident.software == "HiSilicon" and not ident.software_only
    assert set(ident.candidates) == {"Uniview"} and not ident.conflicts


@pytest.mark.parametrize(
    "realm",
    [
        "IP Camera(21388)",  # Hikvision, ngraziano/SharpRTSP RTSPClient.cs @d8fe7c8eb6255c27b9530c71f4766e70c44d741f
        "iPOLiS",  # Hanwha, https://github.com/Ullaakut/cameradar/issues/199
        "TP-Link IP-Camera",  # TP-Link, https://github.com/koush/scrypted/issues/441
        "BC Streaming Media",  # Reolink, https://github.com/AlexxIT/Blog/issues/5
    ],
)
def test_other_makers_realms_are_not_read_as_the_hisilicon_sdk(db, realm) -> None:  # type: ignore[no-untyped-def]
    result = match_observation(_obs("rtsp.realm", realm), db)
    assert "hisilicon-sdk-rtsp-realm" not in {m.fingerprint_id for m in result.matches}
