"""The module makers entered in vendors.yaml as `kind: component` (h4-components): a camera's MAC
from a Wi-Fi module maker's IEEE block names neither maker nor brand and says whose module it is.
MACs from seen-half corpus records (tests/corpus/records/pcaps-wave3.yaml, mac-wave5.yaml)."""

from __future__ import annotations

import pytest

from scanner.models import Classification

from identify_fixtures import identify_alone, vendors_doc

CASES = [
    # YI 1080p (denisgolyanov/mudproject), a Bilian Wi-Fi module
    ("0c:8c:24:0b:39:7b", "Shenzhen Bilian Electronic"),
    # Ring Video Doorbell 2 (tj-oconnor/IoT-Dataset), a Texas Instruments module
    ("90:e2:02:30:80:a8", "Texas Instruments"),
    # Zmodo doorbell (NEU-SNS/intl-iot Mon(IoT)r US list), an RF-Link module
    ("7c:c7:09:56:6e:48", "Shenzhen RF-Link"),
]


@pytest.mark.parametrize(("mac", "module_maker"), CASES)
def test_a_module_makers_block_on_a_camera_names_only_the_module(db_factory, mac: str, module_maker: str) -> None:  # type: ignore[no-untyped-def]
    doc = vendors_doc()
    assert next(v for v in doc["vendors"] if v["name"] == module_maker)["kind"] == "component"
    ident, verdict = identify_alone(db_factory(vendors=doc), ("arp.mac", mac))
    assert (ident.vendor, ident.platform_vendor) == (None, None)
    assert verdict.classification is Classification.UNIDENTIFIED
    assert any(f"network module ({module_maker})" in r for r in verdict.reasons), verdict.reasons
