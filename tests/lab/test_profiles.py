"""Every shipped profile is well formed, names a source for each banner, and has a real OUI."""

from __future__ import annotations

import copy

import netaddr
import pytest
import yaml

from scanner.lab.catalog import PROFILE_DIR, check_profile, list_profiles, load_profile, profile_names

ALL = profile_names()


def test_at_least_fourteen_profiles_ship_inside_the_package():
    assert len(ALL) >= 14
    assert PROFILE_DIR.parent.name == "lab" and PROFILE_DIR.parent.parent.name == "scanner"


@pytest.mark.parametrize("name", ALL)
def test_profile_loads_with_required_keys_and_sources(name):
    doc = load_profile(name)  # raises on any problem check_profile finds
    assert doc["name"] == name
    assert check_profile(doc, expected_name=name) == []


@pytest.mark.parametrize("name", ALL)
def test_profile_mac_has_a_registered_oui_or_is_locally_administered_with_a_reason(name):
    doc = load_profile(name)
    first = int(doc["mac"][:2], 16)
    if first & 0x02:
        assert "locally administered" in doc["mac_source"].lower()
    else:
        try:
            org = netaddr.EUI(doc["mac"]).oui.registration().org
        except netaddr.NotRegisteredError:  # only in the newer registry: the profile must say so
            org = _newer_registry_org(doc["mac"])
            assert "post-2024" in doc["mac_source"], doc["mac_source"]
        assert org, f"{doc['mac']} has no IEEE registration in netaddr's or aiooui's copy"


def _newer_registry_org(mac: str) -> str | None:
    """The organisation aiooui's newer IEEE MA-L copy names for ``mac`` (netaddr's is from 2024)."""
    import asyncio

    import aiooui

    async def lookup() -> str | None:
        await aiooui.async_load()
        return aiooui.get_vendor(mac)

    return asyncio.run(lookup())


def test_required_kinds_of_device_are_all_present():
    expected = [p.expected for p in list_profiles()]
    vendors = {e["vendor"] for e in expected}
    assert {"Hikvision", "Dahua", "EZVIZ", "Uniview", "Xiongmai", "Axis", "Hanwha", "Bosch", "Brother"} <= vendors
    types = {(e["platform_vendor"], e["device_type"]) for e in expected}
    assert ("Hikvision", "camera") in types and ("Hikvision", "nvr") in types
    assert ("Dahua", "camera") in types and ("Dahua", "nvr") in types
    rebrands = {e["platform_vendor"] for e in expected if e["vendor"] not in (e["platform_vendor"], None)}
    assert {"Hikvision", "Dahua"} <= rebrands  # one brand on each platform besides EZVIZ
    assert sum(1 for e in expected if e["device_type"] == "other") >= 2


def test_uk_policy_verdicts_follow_the_platform_maker():
    for p in list_profiles():
        e = p.expected
        if e["platform_vendor"] in ("Hikvision", "Dahua", "Xiongmai", "Uniview"):
            # restricted; review only where the profile says why (one medium witness, an inferred
            # platform), never clear
            assert e["classification"] == "restricted" or (
                e["classification"] == "review" and "review" in (PROFILE_DIR / f"{p.name}.yaml").read_text().split("classification: review")[0][-600:]
            ), p.name
        if e["platform_vendor"] in ("Axis", "Hanwha", "Bosch"):
            assert e["classification"] == "clear", p.name


def test_check_profile_flags_a_banner_without_source_and_a_bad_mac():
    doc = copy.deepcopy(yaml.safe_load((PROFILE_DIR / "hikvision-ds-2cd2143g2-i.yaml").read_text()))
    del doc["services"]["http"]["routes"]["/ISAPI/System/deviceInfo"]["source"]
    doc["mac"] = "01:00:5e:00:00:01"
    problems = check_profile(doc)
    assert any("/ISAPI/System/deviceInfo" in p and "no source" in p for p in problems)
    assert any("multicast" in p for p in problems)
