"""A model family that has since passed to a former subsidiary, on a device that still names the
parent: Panasonic's WV- cameras are i-PRO's today, but a WV- camera whose firmware says Panasonic
was built before the 2019 separation, by Panasonic (the i-PRO entry's documented relation)."""

from __future__ import annotations

from scanner.identify import load_database
from tests.identify.identify_fixtures import identify_alone

DB = load_database()
# UPnP description of a Panasonic WV-SC385 quoted in matrix-comsec-pvt-ltd/ipvs-nvrx
# src/Application/CameraInterface/CameraSearch.c @737a133d5450e91cf73b9b6901b1f85d9a76091e
WV_SC385 = (("upnp.manufacturer", "Panasonic"), ("upnp.model_number", "WV-SC385"))


def test_a_wv_camera_that_names_panasonic_is_panasonics() -> None:
    ident, _ = identify_alone(DB, *WV_SC385)
    assert (ident.vendor, ident.platform_vendor) == ("Panasonic", "Panasonic")
    assert any("i-PRO was Panasonic's business until 2019" in c for c in ident.conflicts)


def test_a_wv_model_alone_or_under_i_pro_is_i_pros() -> None:
    # i-PRO's own WV-S4150 (a user's camera, https://github.com/ch-bas/cctv-camera-database/issues/345,
    # the example of the ipro-wv-variant grammar)
    alone, _ = identify_alone(DB, ("onvif.model", "WV-S4150"))
    named, _ = identify_alone(DB, ("onvif.manufacturer", "i-PRO Co., Ltd."), ("onvif.model", "WV-S4150"))
    assert alone.platform_vendor == named.platform_vendor == "i-PRO"


def test_the_rule_needs_the_parent_to_be_named_not_only_related() -> None:
    # a brand that is no former parent of the model's maker does not take the platform over
    ident, _ = identify_alone(DB, ("upnp.manufacturer", "AXIS"), ("upnp.model_number", "WV-SC385"))
    assert ident.platform_vendor == "i-PRO"
