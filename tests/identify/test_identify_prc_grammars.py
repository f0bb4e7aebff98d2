"""Model grammars of the PRC makers and their brands (vendors.yaml ``models:``), on a database with
*no* fingerprint files: a model number alone, sent behind a generic manufacturer (``H264``, as the
Besder camera in BESDER sent it), must name the maker, the brand and the device type through the
registry. Every model value below was reported for a real device; its source is beside it.
"""

from __future__ import annotations

import pytest

from scanner.identify import build_identity, match_observation
from scanner.models import DeviceType, Observation

BESDER = "KostasEreksonas/Besder-6024PB-XMA501-ip-camera-security-investigation README.md line 268 @ bf343b23d48d18648af2f1bad78e780c99c4085a"
HN = "https://github.com/maciej-or/hikvision_next/"
RD = "https://github.com/rroller/dahua/"
KEDA = "chenshangquan/RK100 30-rkapp/RkcLib/include/mspsearch/devtrackconst.h @ ae8c94042adc8bb13894a27a2f90cf41a38b7f4f"
HAOHE = "haohedev/VideoSurveillanceSystem README.md @ a7950531b1b03566e0e9fb6889670adb6881a24a (verified devices)"
SUNELL = "definedsoft/Code-for-IPC-NVR '2.6.1.5.1(NVR)Get_channel_device_information.py' @ 95e452f91a64b5d4db9f2d06dcda6ffd6dcd92c7"

C, N, D, E = DeviceType.CAMERA, DeviceType.NVR, DeviceType.DVR, DeviceType.ENCODER

# (model as reported, brand the device presents, maker/platform (None: the registry gives the brand
#  no platform), device type, source)
REAL = [
    # Hikvision and its brands
    ("DS-2SC3Q140MY-TE", "Hikvision", "Hikvision", C, HN + "issues/100 (ISAPI deviceInfo model)"),
    ("DS-7616NXI-K2(D)", "Hikvision", "Hikvision", N, HN + "issues/340 (the user's NVR)"),
    ("DS-2DE4A425IW-DE(S6)", "Hikvision", "Hikvision", C, "https://github.com/bitfocus/companion-module-requests/issues/1067"),
    ("DS-8832N-K8", "Hikvision", "Hikvision", N, HAOHE),
    ("DS-7816H-SNH", "Hikvision", "Hikvision", D, HAOHE),
    ("DS-7804HW-E1/M", "Hikvision", "Hikvision", D, HAOHE),
    ("CS-CV206", "EZVIZ", "Hikvision", C, "https://github.com/home-assistant/core/issues/32944"),
    ("CS-H6c-R101-1G2WF", "EZVIZ", "Hikvision", C, "https://github.com/RenierM26/pyEzvizApi/issues/274"),
    ("HWN-2408MH-8P", "HiWatch", "Hikvision", N, HN + "issues/246"),
    ("HWP-N2404IH-DE3(F)", "HiWatch", "Hikvision", C, HN + "pull/107 (comment of 2023-09-15)"),
    ("HM-TD1228-7", "Hikmicro", "Hikmicro", C, HN + "issues/340"),
    ("I91BM", "Annke", None, C, HN + "pull/107"),
    # Dahua and its brands
    ("NVR2X-4KS3", "Dahua", "Dahua", N, RD + "issues/9 (getSystemInfo updateSerial)"),
    ("IPC-HFW1431S1-S4", "Dahua", "Dahua", C, RD + "issues/333"),
    ("IPC-B54IR-ASE-2.8MM-S3", "Dahua", "Dahua", C, "https://github.com/badbread/crumbvms/issues/182 (EmpireTech/Dahua)"),
    ("IPC-Color4K-T", "Dahua", "Dahua", C, RD + "issues/321"),
    ("IPC-S42F", "Imou", "Dahua", C, RD + "issues/169"),
    ("IPC-A42-B", "Imou", "Dahua", C, RD + "issues/169"),
    ("AD410", "Amcrest", "Dahua", C, "https://github.com/homebridge-plugins/homebridge-camera-ffmpeg/issues/1317"),
    ("IP2M-841B-V3", "Amcrest", "Dahua", C, "https://github.com/tchellomello/python-amcrest/issues/170"),
    ("LNE9252B", "Lorex", None, C, RD + "issues/195"),
    ("E893DD", "Lorex", None, C, RD + "issues/326"),
    ("N843A8", "Lorex", "Dahua", N, RD + "issues/303"),  # the line's grammar names its platform
    ("LNK7108A", "Lorex", None, N, "https://github.com/kushagharahi/homebridge-dahua-alerts/issues/25"),
    # other PRC makers
    ("IPC-D122-PF28", "Uniview", "Uniview", C, "https://github.com/OpenIPC/wiki/pull/204"),
    ("IPC8232SWC-WE", "Uniview", "Uniview", C, "https://github.com/OpenIPC/builder/pull/37"),
    ("SN-IPR8056DQAN-VZ2.7-12-23", "Sunell", "Sunell", C, SUNELL),
    ("SN-TPC2553DRT-F3.5-23", "Sunell", "Sunell", C, SUNELL),
    ("KDM2510-D04F", "Kedacom", "Kedacom", E, KEDA),
    ("NVR2820E-16", "Kedacom", "Kedacom", N, KEDA),
    ("SVR2916-D04E-N", "Kedacom", "Kedacom", N, KEDA),
    ("XM530_50X50-WG_8M", "Xiongmai", "Xiongmai", C, BESDER),
    ("XM530_R80X30-PQ_8M", "Xiongmai", "Xiongmai", C, "https://github.com/OpenIPC/coupler/issues/31 (Hardware field)"),
    ("XM530_80X40_8M", "Xiongmai", "Xiongmai", C, "https://github.com/OpenIPC/coupler/issues/34 (Platform)"),
    ("HI3518EV300_50H20L", "Xiongmai", "Xiongmai", C, "https://github.com/OpenIPC/coupler/pull/14"),
    # PRC ties: Reolink (Hong Kong, built in Shenzhen), Swann (Infinova), Wyze, eufy (Anker)
    ("RLC-420-5MP", "Reolink", "Reolink", C, "https://github.com/home-assistant/home-assistant.io/pull/25551"),
    ("E1 Zoom", "Reolink", "Reolink", C, "https://github.com/home-assistant/core/issues/93708"),
    ("IPC_515BSD6", "Reolink", "Reolink", C, "https://github.com/home-assistant/core/issues/87669"),
    ("DVR8-4575", "Swann", None, D, "https://github.com/homebridge-plugins/homebridge-camera-ffmpeg/issues/1504"),
    ("NHD-818", "Swann", None, C, "https://github.com/thirtythreeforty/neolink/issues/250"),
    ("HL_CAM3P", "Wyze", None, C, "https://github.com/jfarmer08/homebridge-wyze-smart-home/issues/128"),
    ("T8419", "Eufy", None, C, "https://github.com/fuatakgun/eufy_security/issues/1270"),
]


@pytest.fixture(scope="module")
def registry_only(tmp_path_factory):  # type: ignore[no-untyped-def]
    from identify_fixtures import make_database

    from scanner.identify import load_database

    return load_database(make_database(tmp_path_factory.mktemp("db"), {}), strict=False)


def _obs(field: str, value: str) -> Observation:
    return Observation("198.18.0.41", "onvif", field, value)


@pytest.mark.parametrize(("model", "brand", "maker", "device_type", "source"), REAL, ids=[r[0] for r in REAL])
def test_a_model_number_behind_a_generic_manufacturer_names_the_maker(registry_only, model, brand, maker, device_type, source) -> None:  # type: ignore[no-untyped-def]
    assert registry_only.files == () and source
    results = [match_observation(_obs("onvif.manufacturer", "H264"), registry_only), match_observation(_obs("onvif.model", model), registry_only)]
    assert [m.fingerprint_id for m in results[0].matches] == ["generic"]
    grammars = [m for m in results[1].matches if m.fingerprint_id.startswith("model:")]
    assert grammars, f"no grammar reads {model!r}"
    ident = build_identity(results, registry_only)
    assert (ident.vendor, ident.platform_vendor) == (brand, maker), [(m.fingerprint_id, m.params) for m in results[1].matches]
    assert ident.model == model
    assert ident.device_type is device_type


@pytest.mark.parametrize("model", [m for m, *_ in REAL])
def test_one_maker_reads_each_model(registry_only, model) -> None:  # type: ignore[no-untyped-def]
    # No two makers' grammars claim the same real model number (fingerprints check proves it on the
    # grammars' examples; here on the values above, some of which no grammar lists).
    result = match_observation(_obs("onvif.model", model), registry_only)
    makers = {m.params.get("platform_vendor") or m.params.get("vendor") for m in result.matches if m.fingerprint_id.startswith("model:")}
    assert len(makers) == 1, makers


def test_kedacom_recorders_are_not_read_as_dahua_but_dahuas_still_are(registry_only) -> None:  # type: ignore[no-untyped-def]
    # Kedacom's NVR2820 family shares Dahua's NVR<digit><3 digits> shape; Dahua's 2-series is NVR21xx/22xx.
    keda = match_observation(_obs("onvif.model", "NVR2820E-16"), registry_only)
    assert {m.fingerprint_id for m in keda.matches} == {"model:kedacom-svr-nvr"}
    # a user's DHI-NVR5208-8P-4KS2 (https://github.com/rroller/dahua/issues/155)
    dahua = match_observation(_obs("onvif.model", "DHI-NVR5208-8P-4KS2"), registry_only)
    ids = {m.fingerprint_id for m in dahua.matches}
    assert "model:dahua-nvr" in ids and not any("kedacom" in i for i in ids)


def test_hilook_and_uniview_ipc_shapes_stay_apart(registry_only) -> None:  # type: ignore[no-untyped-def]
    # HiLook IPC-B140H-M (henry-spanka/node-red-contrib-hikvision#18) against Uniview IPC-D122-PF28
    # (OpenIPC/wiki#204): both IPC-<letter><3 digits>, told apart by what follows the digits.
    hilook = build_identity([match_observation(_obs("onvif.model", "IPC-B140H-M"), registry_only)], registry_only)
    uniview = build_identity([match_observation(_obs("onvif.model", "IPC-D122-PF28"), registry_only)], registry_only)
    assert (hilook.vendor, hilook.platform_vendor) == ("HiLook", "Hikvision")
    assert (uniview.vendor, uniview.platform_vendor) == ("Uniview", "Uniview")


def test_the_empiretech_alias_names_the_loryta_brand(registry_only) -> None:  # type: ignore[no-untyped-def]
    # "EmpireTech/Dahua" is the make a user gave for an IPC-B54IR (https://github.com/badbread/crumbvms/issues/182)
    result = match_observation(_obs("onvif.manufacturer", "EmpireTech"), registry_only)
    assert {m.fingerprint_id for m in result.matches} == {"alias:Loryta"}
