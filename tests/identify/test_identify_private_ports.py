"""An open private control port (fingerprints/port_open.yaml) as evidence: Dahua's 37777 and
Xiongmai's 34567 are weak platform witnesses. Alone they are a lead (review, never restricted);
beside a medium witness from another probe they are that second probe agreeing."""

from __future__ import annotations

from scanner.identify import load_database
from scanner.models import Classification
from tests.identify.identify_fixtures import identify_alone

DB = load_database()
# The FirmwareVersion a real Dahua-OEM camera sent over ONVIF (lankahsu520/HelperX helper_ONVIF.md,
# the example of onvif-firmware-dahua-baseline): a medium Dahua-platform witness on its own.
DAHUA_FIRMWARE = ("onvif.firmware", "2.400.0000.16.R, Build Date 2017-08-31")


def test_an_open_37777_alone_names_the_dahua_platform_weakly_and_sends_the_device_to_review() -> None:
    ident, verdict = identify_alone(DB, ("port.open", "37777"), ("port.open", "80"))
    assert (ident.platform_vendor, ident.support_strength) == ("Dahua", "weak")
    assert verdict.classification is Classification.REVIEW


def test_a_medium_dahua_witness_is_review_alone_and_restricted_with_the_port_agreeing() -> None:
    alone, v_alone = identify_alone(DB, DAHUA_FIRMWARE)
    both, v_both = identify_alone(DB, DAHUA_FIRMWARE, ("port.open", "37777"))
    assert alone.platform_vendor == both.platform_vendor == "Dahua"
    assert v_alone.classification is Classification.REVIEW
    assert both.support_probes == 2 and v_both.classification is Classification.RESTRICTED


def test_a_port_of_another_platform_is_a_conflict_not_a_confirmation() -> None:
    ident, verdict = identify_alone(DB, DAHUA_FIRMWARE, ("port.open", "34567"))
    assert ident.platform_vendor == "Dahua"
    assert verdict.classification is Classification.REVIEW


def test_ports_every_maker_uses_name_no_one() -> None:
    for port in ("80", "443", "554", "8000", "8080", "9000"):
        ident, _ = identify_alone(DB, ("port.open", port))
        assert ident.platform_vendor is None and ident.vendor is None, port
