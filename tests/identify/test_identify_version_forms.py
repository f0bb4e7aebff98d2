"""Makers' own firmware-version forms name the platform when the manufacturer and model fields do not,
and no other maker's real firmware string or serial is read as that maker's form."""

from __future__ import annotations

import pytest

from scanner.identify import load_database
from tests.identify.identify_fixtures import identify_alone

DB = load_database()

# GetDeviceInformation FirmwareVersion of a Tapo C200 (edgexfoundry/device-onvif-camera
# doc/postman/onvif_camera_with_edgex_postman_collection.json @3bef71a458050caad0e348ab590f9730d3645923,
# seen corpus record onvif-tp-link-c200-devinfo-edgex).
TP_LINK_FIRMWARE = "1.1.16 Build 211209 Rel.37726n(4555)"

# Other makers' real values: fingerprint examples and seen-half corpus records.
OTHER_MAKERS = [
    ("onvif.firmware", "V5.5.61 build 180718", "Hikvision"),  # DS-2CD2143G0-I (RVS_ONVIF mock, seen record)
    ("onvif.firmware", "V5.1.8 build 140616", "Hikvision"),  # DS-2DF7286-A (evercam-server#10)
    ("onvif.firmware", "2.400.0000.16.R, Build Date 2017-08-31", "Dahua"),  # HelperX helper_ONVIF.md
    ("onvif.firmware", "V5.00.R02.00030747.10010.349f17..ONVIF 16.12", "Xiongmai"),  # Besder XM530 write-up
    ("onvif.firmware", "v3.1.0.3646_2406143592", "Reolink"),  # REOLINK P320 (sai-cam)
    ("onvif.firmware", "QPTS-B2209.3.15.CENB02LJ01.200628", "Uniview"),  # OET-213H-NB (seen record)
    ("onvif.firmware", "5.55.1.2", "Axis"),  # Axis Q6045-E (seen record)
    ("onvif.firmware", "10.12.153", "Axis"),  # Axis Q3819-PVE (seen record)
    ("onvif.firmware", "7.70.0126", "Bosch"),  # FLEXIDOME IP starlight 8000i (seen record)
    ("onvif.firmware", "01.16.42-20180912", "Pelco"),  # IMP321-1ES (seen record)
    ("onvif.firmware", "2.9.0.4.9340-A0.0", "Pelco"),  # D6230L (seen record)
    ("onvif.firmware", "13.01.00.44", "Gwell"),  # Yoosee-platform camera (seen record)
    ("onvif.firmware", "Illustra.SS016.05.00.02.0006", "Illustra"),  # Illustra Pro3 (seen record)
]


def test_tp_link_build_rel_form_names_tp_link_when_nothing_else_does() -> None:
    ident, _ = identify_alone(
        DB, ("onvif.manufacturer", "General"), ("onvif.model", "IP Camera"), ("onvif.firmware", TP_LINK_FIRMWARE)
    )
    assert ident.platform_vendor == "TP-Link"


def test_tp_link_form_extracts_the_version() -> None:
    from scanner.identify import match_observation
    from scanner.models import Observation

    found = match_observation(
        Observation(ip="198.18.0.20", probe="onvif", field="onvif.firmware", value=TP_LINK_FIRMWARE), DB
    )
    assert any(
        m.fingerprint_id == "onvif-firmware-tp-link-build-rel" and m.params.get("firmware") == "1.1.16 Build 211209 Rel.37726n"
        for m in found.matches
    )


@pytest.mark.parametrize("field,value,maker", OTHER_MAKERS, ids=[v for _, v, _ in OTHER_MAKERS])
def test_other_makers_values_are_not_read_as_tp_link(field: str, value: str, maker: str) -> None:
    ident, _ = identify_alone(DB, (field, value))
    assert ident.platform_vendor != "TP-Link"
    assert ident.platform_vendor in (maker, None)


def test_hikvision_dvr_v3_software_version_in_sadp_names_hikvision() -> None:
    # SADP reply of a DS-7804HQH-K1 DVR (https://www.mhzhuji.com/zhuji_info_958/, seen record
    # sadp-hikvision-ds-7804hqh-k1-mhzhuji): the older V3 firmware line keeps the "Vx.y.zbuild yymmdd" form.
    ident, _ = identify_alone(DB, ("sadp.software_version", "V3.5.38build 191215"))
    assert ident.platform_vendor == "Hikvision"
