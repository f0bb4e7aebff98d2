"""PRC makers with few proven signals (prc-gaps-a): values their devices or their firmware send,
fed through match_observation/build_identity on the repository database. Each must name its maker
and nothing else's maker. Sources are beside the values (and in the fingerprints' `source`).
"""

from __future__ import annotations

import pytest
from identify_fixtures import REPO_DB

from scanner.identify import build_identity, load_database, match_observation
from scanner.models import DeviceType, Observation

DB = load_database(REPO_DB)

MS_NVR = "keep-sharing/nvr src/libs/poe/poe.c @a1bc2854d7621d1f24656c6c46b0eeb354d722ff"
MS_HTTP = "keep-sharing/nvr src/libs/msrtsp/media-server/librtsp/source/server/rtsp-server-extratask.c @a1bc2854d7621d1f24656c6c46b0eeb354d722ff"
SRS_SIP = "ossrs/srs-sip pkg/service/device.go @f62b72b6e3b2ef7c23fd52debfe590ad08c5387b"

# (protocol, field, value, maker (platform), brand or None (only the platform is named), device type or None, source)
CASES = [
    ("http", "http.server", "Milesight HTTP Server", "Milesight", None, None, MS_HTTP),
    ("onvif", "onvif.model", "MS-N5008-UPC", "Milesight", "Milesight", DeviceType.NVR, MS_NVR),
    ("onvif", "onvif.model", "MS-N7048-PG", "Milesight", "Milesight", DeviceType.NVR, MS_NVR),
    ("onvif", "onvif.model", "MS-N1008-UNPC", "Milesight", "Milesight", DeviceType.NVR, MS_NVR),
    ("onvif", "onvif.model", "HIC6622-IR@X33-VF", "Uniview", "Uniview", DeviceType.CAMERA, SRS_SIP),
    ("wsd", "wsd.hardware", "HIC6622-IR@X33-VF", "Uniview", "Uniview", DeviceType.CAMERA, SRS_SIP),
]


def _makers(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {v for m in result.matches for v in (m.params.get("platform_vendor"), m.params.get("vendor")) if v}


@pytest.mark.parametrize(("protocol", "field", "value", "maker", "brand", "device_type", "source"), CASES, ids=[c[2] + "@" + c[1] for c in CASES])
def test_real_value_names_its_maker_and_no_other(protocol, field, value, maker, brand, device_type, source) -> None:  # type: ignore[no-untyped-def]
    assert source
    result = match_observation(Observation("198.18.0.61", protocol, field, value), DB)
    assert result.matches, f"nothing reads {value!r}"
    assert _makers(result) == {maker} | ({brand} if brand else set()), [(m.fingerprint_id, m.params) for m in result.matches]
    ident = build_identity([result], DB)
    assert ident.platform_vendor == maker
    if brand:
        assert ident.vendor == brand
    if device_type is not None:
        assert ident.device_type is device_type
    assert set(ident.candidates) <= {maker, brand} - {None}


def test_milesight_http_server_is_a_strong_fingerprint() -> None:
    result = match_observation(Observation("198.18.0.61", "http", "http.server", "Milesight HTTP Server"), DB)
    assert "milesight-http-server" in {m.fingerprint_id for m in result.matches}
    ident = build_identity([result], DB)
    assert ident.support_strength == "strong"


@pytest.mark.parametrize(
    "value",
    [
        # other makers' model numbers that begin alike must not be read as Milesight or Uniview
        "MS-C8165-PE",  # a Milesight camera (gBillal/ex_onvif fixture): camera grammar, not the NVR one
        "IPC2122LB-SF28K-A",  # a Uniview IPC (bluenviron/gortsplib fixture)
        "DS-2CD2432F-IW",  # Hikvision (sergei.nz SADP reply)
        "IPC-HFW1431S1-S4",  # Dahua (rroller/dahua#333)
    ],
)
def test_new_grammars_do_not_claim_other_models(value) -> None:  # type: ignore[no-untyped-def]
    result = match_observation(Observation("198.18.0.61", "onvif", "onvif.model", value), DB)
    ids = {m.fingerprint_id for m in result.matches}
    assert "model:milesight-nvr" not in ids and "model:uniview-hic-ptz" not in ids
