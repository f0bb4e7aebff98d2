"""Encoders and video intercoms are device types of their own (scan schema 3): a model grammar
that says so is heard, the verdict treats them as visual surveillance equipment under the UK
policy, and a scan document holding them is written, validated and read back. The model numbers
are what real devices reported (sources beside them); the database is the repository's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from identify_fixtures import REPO_DB, identify_alone

from scanner.identify import load_database, load_policy
from scanner.models import SCHEMA_VERSION, Classification, Device, DeviceType, ScanDocument, ScanInfo
from scanner.report import dump, load
from scanner.report.json_doc import validate


@pytest.fixture(scope="module")
def db():  # type: ignore[no-untyped-def]
    return load_database(REPO_DB)


REAL = [
    # ISAPI deviceInfo of an outdoor door station, https://github.com/maciej-or/hikvision_next/issues/196
    ("DS-KV8213-WME1(C)", "Hikvision", DeviceType.INTERCOM, Classification.RESTRICTED),
    # a user's door station in https://github.com/rroller/dahua/issues/344
    ("DHI-VTO2111D-P-S2", "Dahua", DeviceType.INTERCOM, Classification.RESTRICTED),
    # the KDM encoder line in chenshangquan/RK100 30-rkapp/RkcLib/include/mspsearch/devtrackconst.h
    # @ ae8c94042adc8bb13894a27a2f90cf41a38b7f4f; the grammar is medium, one medium witness is a lead
    ("KDM2510-D04F", "Kedacom", DeviceType.ENCODER, Classification.REVIEW),
]


@pytest.mark.parametrize(("model", "maker", "device_type", "verdict_expected"), REAL, ids=[r[0] for r in REAL])
def test_an_encoder_or_intercom_model_names_its_type_and_is_in_the_uk_policys_scope(db, model, maker, device_type, verdict_expected) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = identify_alone(db, ("onvif.manufacturer", "H264"), ("onvif.model", model))
    assert (ident.platform_vendor, ident.device_type) == (maker, device_type)
    assert device_type.value in load_policy("uk-sensitive-sites", db).device_types
    # judged as surveillance equipment of a PRC maker, by the strength of its witness; never
    # set aside as "not visual surveillance equipment" (which 'other' equipment is)
    assert verdict.classification is verdict_expected, verdict.reasons
    assert "not visual surveillance equipment" not in " ".join(verdict.reasons)


def test_a_document_with_the_new_types_is_valid_and_reads_back(tmp_path: Path) -> None:
    info = ScanInfo(started="2026-01-01T00:00:00+00:00", finished="2026-01-01T00:01:00+00:00", scope=("10.0.0.0/24",), probes=("onvif",))
    doc = ScanDocument(scan=info, devices=(
        Device(ip="10.0.0.5", device_type=DeviceType.ENCODER), Device(ip="10.0.0.6", device_type=DeviceType.INTERCOM),
    ))
    assert doc.to_dict()["schema_version"] == SCHEMA_VERSION == 3
    dump(doc, tmp_path / "scan.json")
    back = load(tmp_path / "scan.json")
    assert [d.device_type for d in back.devices] == [DeviceType.ENCODER, DeviceType.INTERCOM]
    bad = json.loads((tmp_path / "scan.json").read_text())
    bad["devices"][0]["device_type"] = "doorbell"
    assert any("device_type" in p for p in validate(bad))
