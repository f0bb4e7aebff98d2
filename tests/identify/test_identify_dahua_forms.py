"""Dahua's firmware-version and serial forms name the Dahua platform when the manufacturer and
model fields say nothing (a Dahua OEM camera answering "General" / "IP Camera")."""

from __future__ import annotations

import pytest

from scanner.identify import load_database
from scanner.models import Classification
from tests.identify.identify_fixtures import identify_alone

DB = load_database()
# GetDeviceInformation of a real Dahua-OEM camera (lankahsu520/HelperX helper_ONVIF.md
# @02c1deb964036fd2f1cd0de4ebfd09e1bb2f149f; its MAC is in Zhejiang Dahua Technology's block).
GENERIC = (("onvif.manufacturer", "General"), ("onvif.model", "IP Camera"), ("onvif.hardware", "1.00"))
FIRMWARE = ("onvif.firmware", "2.400.0000.16.R, Build Date 2017-08-31")
SERIAL = ("onvif.serial", "2L066D7PAG00031")


def test_firmware_and_serial_forms_together_restrict_a_camera_that_names_no_maker() -> None:
    ident, verdict = identify_alone(DB, *GENERIC, FIRMWARE, SERIAL)
    assert ident.platform_vendor == "Dahua" and ident.support_fields == 2
    assert verdict.classification is Classification.RESTRICTED


@pytest.mark.parametrize("one", [FIRMWARE, SERIAL], ids=["firmware", "serial"])
def test_either_form_alone_is_a_lead_for_review(one) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = identify_alone(DB, *GENERIC, one)
    assert ident.platform_vendor == "Dahua"
    assert verdict.classification is Classification.REVIEW


@pytest.mark.parametrize(
    "field,value",
    [
        # other makers' real firmware strings and serials (fingerprint examples and seen corpus records)
        ("onvif.firmware", "V5.5.61 build 180718"),  # Hikvision DS-2CD2143G0-I (RVS_ONVIF mock)
        ("onvif.firmware", "5.55.1.2"),  # Axis Q6045-E
        ("onvif.firmware", "V5.00.R02.00030747.10010.349f17..ONVIF 16.12"),  # Xiongmai XM530
        ("onvif.firmware", "QPTS-B2209.3.15.CENB02LJ01.200628"),  # Uniview thermal
        ("onvif.serial", "DS-2CD2143G0-I20180829AAWRC46851082"),  # Hikvision
        ("onvif.serial", "210235C4CC3208000045"),  # Uniview
        ("onvif.serial", "044518807925140011"),  # Bosch
    ],
)
def test_other_makers_forms_are_not_read_as_dahua(field: str, value: str) -> None:
    ident, _ = identify_alone(DB, (field, value))
    assert ident.platform_vendor != "Dahua"
