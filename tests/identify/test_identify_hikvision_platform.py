"""Hikvision-platform values real devices sent, identified with the shipped database.

Every value is a device's own answer, sourced in fingerprints/ (rtsp_sdp.yaml, wsd_scope.yaml,
vendors.yaml) and in tests/corpus/records/hikvision-platform.yaml.
"""

from __future__ import annotations

import pytest

from scanner.identify import build_identity, load_database, load_policy, match_observation
from scanner.identify.classify import classify
from scanner.models import Classification, Observation

IP = "198.18.0.20"


@pytest.fixture(scope="module")
def db():  # type: ignore[no-untyped-def]
    return load_database()


def identify(db, *pairs: tuple[str, str]):  # type: ignore[no-untyped-def]
    observations = [Observation(ip=IP, probe=f.split(".")[0], field=f, value=v) for f, v in pairs]
    return build_identity([match_observation(o, db) for o in observations], db)


def test_hik_media_server_sdp_names_the_platform(db) -> None:  # type: ignore[no-untyped-def]
    # lal test data TestCase7 (a Hikvision NVR's playback DESCRIBE, lal issue #85)
    ident = identify(db, ("rtsp.sdp_session", "HIK Media Server V3.4.106"),
                     ("rtsp.sdp_info", "HIK Media Server Session Description : standard"))
    assert ident.platform_vendor == "Hikvision"
    verdict = classify(ident, load_policy("uk-sensitive-sites", db), db.vendors)
    assert verdict.classification == Classification.RESTRICTED


def test_a_generic_session_name_names_no_maker(db) -> None:  # type: ignore[no-untyped-def]
    # Hikvision cameras, Samsung/Hanwha and Y-CAM all send s=Media Presentation
    ident = identify(db, ("rtsp.sdp_session", "Media Presentation"))
    assert ident.platform_vendor is None and ident.vendor is None


def test_getscopes_answer_is_read_like_a_discovery_scope(db) -> None:  # type: ignore[no-untyped-def]
    # GetScopes of a DS-2DC4223IW-D (Allforgot/OnvifClient_gSOAP README.md)
    ident = identify(db, ("onvif.scope", "onvif://www.onvif.org/hardware/DS-2DC4223IW-D"),
                     ("onvif.scope", "onvif://www.onvif.org/name/HIKVISION%20DS-2DC4223IW-D"))
    assert (ident.vendor, ident.platform_vendor) == ("Hikvision", "Hikvision")
    assert ident.model == "DS-2DC4223IW-D"


@pytest.mark.parametrize("model", [
    "DS-2CD2T46G2-ISU/SL",       # turret: a series letter in the second place
    "DS-2CD2346G2-ISU/SL",
    "DS-2SE4C425MWG-E-26",       # speed dome
    "DS-2DC4223IW-D",            # mini PTZ
    "DS-7608NXI-I2/8P/S",        # AcuSense NVR
    "DS-7616NI-Q2/16P",
    "iDS-7208HQHI-M1(A)/S(C)",   # DVR with variant letters in parentheses
    "DS-KV8213-WME1(C)",         # door station
])
def test_hikvision_models_real_devices_sent_name_the_platform(db, model: str) -> None:  # type: ignore[no-untyped-def]
    # no fingerprint file reads a model field (the registry resolves onvif.model and upnp.model_name alike),
    # so the vendors.yaml model grammars alone decide
    ident = identify(db, ("upnp.model_name", model))
    assert ident.platform_vendor == "Hikvision", model


@pytest.mark.parametrize(("model", "brand"), [("DS-I400(C)", "HiWatch"), ("DS-N308(C)", "HiWatch"), ("CS-DB1C-A0-1E2W2FR", "EZVIZ")])
def test_hikvision_brand_models_name_brand_and_platform(db, model: str, brand: str) -> None:  # type: ignore[no-untyped-def]
    ident = identify(db, ("upnp.model_name", model))
    assert (ident.vendor, ident.platform_vendor) == (brand, "Hikvision")
