"""A maker that also sells another maker's devices under its own name (an OEM customer: Intelbras,
Honeywell) puts its own IEEE block on them. On a device whose firmware names the platform maker,
that OUI is the label, not the builder: the device is presented as the OEM customer and made by
the platform maker, as for a brand's OUI (identity.py ``_labels_others``).

The DHIP fields are a real recorder's (seen-half record dhip-general-bcs-xvr0401-shadowserver-
intelmq: certtools/intelmq intelmq/tests/bots/parsers/shadowserver/testdata/scan_dvr_dhcpdiscover.csv
@366cfe727f29514ab73ff814ca69de980f2c049c). The MACs sit in blocks the IEEE registry assigns to
the OEM customers (00-1A-3F Intelbras, 00-0A-13 Honeywell Video Systems); their last three octets
are the test's own. Found by serving such a device in the lab: the scan named Intelbras as maker
and left the DHIP recorder at review.
"""

from __future__ import annotations

import pytest
from identify_fixtures import REPO_DB
from identify_fixtures import identify_alone as _verdict

from scanner.identify import load_database
from scanner.models import Classification

DHIP_RECORDER = (
    ("dhip.vendor", "General"),
    ("dhip.device_class", "HCVR"),
    ("dhip.device_type", "BCS-XVR0401-IV"),
    ("dhip.version", "4.000.0000002.11"),
    ("dhip.serial_no", "5L034FAPAZA0E30"),
    ("dhip.machine_name", "XVR"),
    ("dhip.manufacturer", "General"),
)


@pytest.fixture(scope="module")
def db():  # type: ignore[no-untyped-def]
    return load_database(REPO_DB)


@pytest.mark.parametrize(
    ("mac", "label"),
    [("00:1a:3f:5c:02:11", "Intelbras"), ("00:0a:13:5c:02:11", "Honeywell")],
)
@pytest.mark.parametrize("where", ["arp", "dhip", "both"])
def test_an_oem_customers_oui_on_a_dahua_recorder_is_the_label(db, mac, label, where) -> None:  # type: ignore[no-untyped-def]
    assert db.vendors.get(label).relation_to("Dahua").type == "oem-customer"
    macs = {"arp": [("arp.mac", mac)], "dhip": [("dhip.mac", mac)]}
    extra = macs["arp"] + macs["dhip"] if where == "both" else macs[where]
    ident, verdict = _verdict(db, *DHIP_RECORDER, *extra)
    assert (ident.vendor, ident.platform_vendor) == (label, "Dahua")
    assert verdict.classification is Classification.RESTRICTED


def test_the_oui_alone_still_names_the_oem_customer(db) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = _verdict(db, ("arp.mac", "00:1a:3f:5c:02:11"))
    assert (ident.vendor, ident.platform_vendor) == ("Intelbras", "Intelbras")
    assert verdict.classification is not Classification.RESTRICTED
