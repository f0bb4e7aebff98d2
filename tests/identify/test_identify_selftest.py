"""The fingerprint self-test over the real database in fingerprints/.

Parametrized per fingerprint, so a failure names the fingerprint at fault. This is the test that
enforces "every fingerprint has a real example that proves it".
"""

from __future__ import annotations

import pytest

from scanner.identify import check_database, load_database
from scanner.identify._check import (
    check_fingerprint,
    check_sources,
    data_rule_problems,
    placeholder_reason,
    source_address_problem,
)

from identify_fixtures import REPO_DB

_DB = load_database(REPO_DB, strict=False)
_FINGERPRINTS = [fp for f in _DB.files for fp in f.fingerprints]


def test_real_database_loads_without_schema_or_regex_problems() -> None:
    assert [str(p) for p in _DB.problems] == []


@pytest.mark.parametrize("fingerprint", _FINGERPRINTS, ids=[f"{fp.file}:{fp.id}" for fp in _FINGERPRINTS])
def test_fingerprint_proves_itself_on_its_real_examples(fingerprint) -> None:  # type: ignore[no-untyped-def]
    assert [str(p) for p in check_fingerprint(_DB, fingerprint)] == []


def test_real_database_passes_every_database_wide_rule() -> None:
    """Shadowing, unique ids/descriptions, vendor vocabulary, IEEE names, policies, aliases and
    model grammars proven on their examples. The rules on the data itself (addresses of sources,
    invented-looking examples, one maker's pattern matching another's example) are the next test."""
    new = {str(p) for p in data_rule_problems(_DB)}
    assert [str(p) for p in check_database(_DB) if str(p) not in new] == []


def test_real_database_passes_the_data_rules() -> None:
    """Every source carries an address, no example looks invented, no maker's alias, grammar or
    fingerprint matches another maker's example."""
    assert [str(p) for p in data_rule_problems(_DB)] == []


def test_the_data_rules_find_the_defects_the_audit_named() -> None:
    """The rules cannot pass vacuously: the defects issue 15 named (since fixed in the data) are
    found when put back."""
    assert placeholder_reason("Synology/DSM/stuff") and placeholder_reason("SERIALNUMBER=111111111111111111")
    assert placeholder_reason("Ser=ABCDE12345") and placeholder_reason("abc123")
    assert source_address_problem("GitHub code index id 46057221933")
    assert source_address_problem("Rapid7 Recog xml/http_servers.xml")
    assert source_address_problem("rapid7/recog xml/http_servers.xml @14fa1a7211e7fb5707c7a1b421a07d6c2cf4eec5") is None
    assert source_address_problem("https://github.com/evercam/evercam-server/issues/10") is None


def test_vendors_yaml_holds_every_canonical_name_the_fingerprint_authors_use() -> None:
    required = (
        "Hikvision EZVIZ HiLook HiWatch Hikmicro Prama LTS Annke Dahua Imou Lorex Amcrest "
        "Uniview Uniarch Tiandy TVT Xiongmai Milesight Sunell Kedacom Jovision Huawei Hytera ZTE "
        "Reolink Foscam TP-Link Axis Bosch Hanwha Avigilon Mobotix Vivotek Sony Panasonic i-PRO Pelco "
        "Ubiquiti Honeywell Canon HP Brother Epson Synology Apple Google Microsoft Linux Apache nginx Generic"
    ).split() + ["IC Realtime", "Intelbras", "Loryta"]
    assert sorted(set(required) - set(_DB.vendors.vendors)) == []


def test_every_prc_maker_in_vendors_yaml_says_so_and_non_prc_makers_do_not() -> None:
    v = _DB.vendors
    for name in ("Hikvision", "Dahua", "Uniview", "Tiandy", "Xiongmai", "Huawei", "Hytera", "ZTE", "Kedacom"):
        assert v.get(name).prc_organised, name  # type: ignore[union-attr]
    for name in ("Axis", "Bosch", "Hanwha", "Avigilon", "Mobotix", "Vivotek", "Pelco", "Ubiquiti"):
        assert not v.get(name).prc_organised, name  # type: ignore[union-attr]
