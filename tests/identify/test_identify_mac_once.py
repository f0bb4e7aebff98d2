"""The device's MAC is one witness, however many probes quote it (identity.py ``witness_source``),
in the confidence of a verdict as in the evidence rule's count.

A Dahua camera whose network card carries another maker's IEEE block (a maker the registry does
not relate to Dahua: an OEM relation nobody has documented yet) was left at ``review`` by a live
scan and ``restricted`` offline: ARP and the DHIP reply both quote the MAC, and the confidence
summed that maker's weight once per probe, so the disagreeing card outweighed four strong DHIP
fields. Found by identifying seen-half DHIP and SADP replies with the first IEEE block of every
registry maker quoted in ARP and in the reply (168 makers moved the verdict to ``review``; a
component maker's block, a Wi-Fi module's, never did: it names no device maker).

The DHIP fields are a real camera's (seen-half record dhip-dahua-ipc-hdw1431t1-s4-private-haicam:
Haicam/Haicam golang/discovery.go @307e0a3735f0df74237b5e903be7edfe3341c6d1, comment at the end of
dahuaProbe). The other MACs sit in IEEE blocks (00-00-0C Cisco; 28-F3-66 Shenzhen Bilian
Electronic, the Wi-Fi module of seen-half record mac-hikvision-i61dr-hikvision-next-36); their
pairing with this camera is the test's own.
"""

from __future__ import annotations

import pytest
from identify_fixtures import REPO_DB
from identify_fixtures import identify_alone as _verdict

from scanner.identify import load_database
from scanner.models import Classification

DHIP_CAMERA = (
    ("dhip.device_class", "IPC"),
    ("dhip.device_type", "IPC-HDW1431T1-S4"),
    ("dhip.machine_name", "6C01E93PAG69A7D"),
    ("dhip.manufacturer", "Private"),
    ("dhip.serial_no", "6C01E93PAG69A7D"),
    ("dhip.vendor", "Private"),
    ("dhip.version", "2.800.0000000.13.R"),
)
OTHER_MAKERS_MAC = "00:00:0c:87:42:7a"
MODULE_MAC = "28:f3:66:52:03:5d"


@pytest.fixture(scope="module")
def db():  # type: ignore[no-untyped-def]
    return load_database(REPO_DB)


@pytest.mark.parametrize("where", ["dhip", "arp", "both"])
def test_another_makers_mac_does_not_outweigh_the_firmware(db, where) -> None:  # type: ignore[no-untyped-def]
    macs = {"arp": [("arp.mac", OTHER_MAKERS_MAC)], "dhip": [("dhip.mac", OTHER_MAKERS_MAC)]}
    extra = macs["arp"] + macs["dhip"] if where == "both" else macs[where]
    ident, verdict = _verdict(db, *DHIP_CAMERA, *extra)
    assert ident.platform_vendor == "Dahua"
    assert any("Cisco" in c for c in ident.conflicts), ident.conflicts  # the disagreement is shown
    assert verdict.classification is Classification.RESTRICTED, verdict.reasons


def test_the_mac_weighs_once_whichever_probes_quote_it(db) -> None:  # type: ignore[no-untyped-def]
    # ARP (the device's own MAC, medium) and the DHIP reply's mac field (weak) are one witness:
    # quoting it a second time adds nothing to the weight against the firmware
    arp, _ = _verdict(db, *DHIP_CAMERA, ("arp.mac", OTHER_MAKERS_MAC))
    both, _ = _verdict(db, *DHIP_CAMERA, ("arp.mac", OTHER_MAKERS_MAC), ("dhip.mac", OTHER_MAKERS_MAC))
    assert both.confidence == arp.confidence > 0


def test_a_module_makers_mac_names_no_maker_against_the_firmware(db) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = _verdict(db, *DHIP_CAMERA, ("arp.mac", MODULE_MAC), ("dhip.mac", MODULE_MAC))
    assert (ident.platform_vendor, ident.conflicts) == ("Dahua", ())
    assert "Bilian" in (ident.oui_vendor or "")  # the card's registrant stays on the device's record
    assert verdict.classification is Classification.RESTRICTED


def test_without_the_firmware_the_mac_restricts_nothing(db) -> None:  # type: ignore[no-untyped-def]
    for mac in (OTHER_MAKERS_MAC, MODULE_MAC):
        ident, verdict = _verdict(db, ("arp.mac", mac), ("dhip.mac", mac))
        assert ident.platform_vendor != "Dahua"
        assert verdict.classification is not Classification.RESTRICTED


def test_the_order_of_observations_does_not_choose_the_maker(db) -> None:  # type: ignore[no-untyped-def]
    # A strong OUI (Hikvision's own block, 00-BC-99, vendors.yaml oui_strength) against strong
    # DHIP fields: equal weight. ARP answers first in a live scan and comes last in a record or a
    # capture; the tie goes to what the firmware said, whichever came first (identity.py _Votes.top).
    hikvision_mac = "00:bc:99:87:42:7a"
    first, _ = _verdict(db, ("arp.mac", hikvision_mac), *DHIP_CAMERA)
    last, _ = _verdict(db, *DHIP_CAMERA, ("arp.mac", hikvision_mac))
    assert first.platform_vendor == last.platform_vendor == "Dahua"
    assert any("Hikvision" in c for c in first.conflicts)


def test_a_disagreement_among_makers_the_policy_all_covers_still_restricts(db) -> None:  # type: ignore[no-untyped-def]
    # Dahua's firmware against Hikvision's own block: equal weight, low confidence in which of the
    # two built it, but the policy covers both, so the device is covered whichever it is
    ident, verdict = _verdict(db, ("arp.mac", "00:bc:99:87:42:7a"), *DHIP_CAMERA, ("dhip.mac", "00:bc:99:87:42:7a"))
    assert ident.confidence < 0.3 and set(ident.candidates) == {"Hikvision", "Dahua"}
    assert verdict.classification is Classification.RESTRICTED
    assert "covers every one they name" in verdict.reasons[-1]


def test_a_disagreement_with_a_maker_the_policy_does_not_cover_stays_review(db) -> None:  # type: ignore[no-untyped-def]
    # a Dahua RTSP answer (lal auth_test.go @e0a5c4dd57e92025a7c4061b8a632083860aa228: Server and
    # method list, corroborating) on a device whose card is in Axis's block AC-CC-8E (the test's pairing)
    ident, verdict = _verdict(
        db,
        ("rtsp.server", "Rtsp Server/3.0"),
        ("rtsp.public", "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, SET_PARAMETER, GET_PARAMETER, ANNOUNCE"),
        ("arp.mac", "ac:cc:8e:12:34:56"),
    )
    assert ident.platform_vendor == "Dahua" and "Axis" in ident.candidates and ident.confidence < 0.3
    assert verdict.classification is Classification.REVIEW
