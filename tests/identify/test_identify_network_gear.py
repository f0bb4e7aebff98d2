"""A PRC maker's network equipment read over SNMP is named, but a surveillance-equipment policy
does not restrict it as a camera: Huawei's VRP (the routers' and switches' operating system) says
what kind of equipment answered, where Huawei's enterprise number alone (any product line, its
cameras included) does not.

Values are real walks: LibreNMS tests/snmpsim vrp_4.snmprec (a Huawei S2700-9TP-EI-AC switch) as
copied in subrataghosh24online-coder/twentyfouronline @9c1ba6460e3d48b7002b5221ebe78815cc8e0fde.
"""

from __future__ import annotations

import pytest
from identify_fixtures import REPO_DB
from identify_fixtures import identify_alone as _verdict

from scanner.identify import classify, load_database, load_policy
from scanner.models import Classification, DeviceType

S2700 = (
    ("snmp.sys_descr", "S2700-9TP-EI-AC Huawei Versatile Routing Platform Software VRP (R) software,Version 5.70 "
                       "(S2700 V100R006C05) Copyright (C) 2003-2013 Huawei Technologies Co., Ltd."),
    ("snmp.sys_object_id", "1.3.6.1.4.1.2011.2.23.114"),
)


@pytest.fixture(scope="module")
def db():  # type: ignore[no-untyped-def]
    return load_database(REPO_DB)


def test_a_huawei_switch_is_named_and_sent_to_review_as_other_equipment(db) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = _verdict(db, *S2700)
    assert (ident.platform_vendor, ident.device_type) == ("Huawei", DeviceType.OTHER)
    assert verdict.classification is Classification.REVIEW
    assert "not visual surveillance equipment" in verdict.reasons[0]


def test_the_enterprise_number_alone_names_huawei_but_not_the_kind_of_equipment(db) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = _verdict(db, S2700[1])
    assert (ident.platform_vendor, ident.device_type) == ("Huawei", DeviceType.UNKNOWN)
    # a device of unknown type from a covered maker: the policy's device types include 'unknown'
    assert verdict.classification is Classification.RESTRICTED


def test_the_us_policy_covers_the_switch(db) -> None:  # type: ignore[no-untyped-def]
    # section 889 covers Huawei's telecommunications equipment, switches included
    ident, _ = _verdict(db, *S2700)
    verdict = classify(ident, load_policy("us-ndaa", db), db.vendors)
    assert verdict.classification is Classification.RESTRICTED
