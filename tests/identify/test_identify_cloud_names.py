"""A device's cloud names (passive mode: the names it asks DNS for, the TLS server name it asks
for) are read by fingerprints/cloud_name.yaml: weak, because the maker's app asks for them too;
the DNS and TLS names of one connection are one witness (identity.witness_source); and a name a
source does not show the device itself asking for only confirms.

Values are the examples of fingerprints/cloud_name.yaml (their sources are there) and a seen-half
corpus record's RTSP realm.
"""

from __future__ import annotations

import pytest
from identify_fixtures import REPO_DB
from identify_fixtures import identify_alone as _verdict

from scanner.identify import load_database
from scanner.models import Classification

# an EZVIZ DB1 doorbell (a re-badged Hikvision) resolving its registration host, then naming it in TLS
EZVIZ_DEVICE_HOST = "litedev.ezvizlife.com"
# an older Hikvision DVR's RTSP realm (record rtsp-hikvision-oem-dvr-embedded-net-dvr-realm-ivms666): one medium witness
HIKVISION_DVR_REALM = ("rtsp.realm", "Embedded Net DVR")


@pytest.fixture(scope="module")
def db():  # type: ignore[no-untyped-def]
    return load_database(REPO_DB)


def test_a_cloud_name_alone_names_the_maker_weakly_and_never_restricts(db) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = _verdict(db, ("dns.query", EZVIZ_DEVICE_HOST))
    assert (ident.platform_vendor, ident.support_strength) == ("Hikvision", "weak")
    assert verdict.classification is Classification.REVIEW


def test_the_dns_and_tls_names_of_one_connection_are_one_witness(db) -> None:  # type: ignore[no-untyped-def]
    ident, verdict = _verdict(db, ("dns.query", EZVIZ_DEVICE_HOST), ("tls.sni", EZVIZ_DEVICE_HOST))
    assert (ident.platform_vendor, ident.support_probes) == ("Hikvision", 1)
    assert verdict.classification is Classification.REVIEW


def test_a_cloud_name_with_another_probe_naming_the_same_maker_restricts(db) -> None:  # type: ignore[no-untyped-def]
    ident, alone = _verdict(db, HIKVISION_DVR_REALM)
    assert (ident.platform_vendor, alone.classification) == ("Hikvision", Classification.REVIEW)
    ident, verdict = _verdict(db, HIKVISION_DVR_REALM, ("dns.query", EZVIZ_DEVICE_HOST))
    assert (ident.platform_vendor, ident.support_probes) == ("Hikvision", 2)
    assert verdict.classification is Classification.RESTRICTED


@pytest.mark.parametrize("name", ["fw.ring.com", "p2p.amcrestview.com", "registration.arloxcld.com"])
def test_a_name_no_source_shows_a_device_asking_for_only_confirms(db, name: str) -> None:  # type: ignore[no-untyped-def]
    ident, _ = _verdict(db, ("dns.query", name))
    assert ident.platform_vendor is None and ident.vendor is None


def test_names_of_other_domains_and_lookalikes_are_not_read(db) -> None:  # type: ignore[no-untyped-def]
    # the pattern is anchored on the registered domain: a name that only contains it is no match
    for name in ("ezvizlife.com.example.net", "notreolink.com", "command.verkada.com"):
        ident, _ = _verdict(db, ("dns.query", name))
        assert ident.platform_vendor is None, name


def test_names_no_fingerprint_reads_are_kept_out_of_the_evidence(db) -> None:  # type: ignore[no-untyped-def]
    # A device's other look-ups are its browsing, not evidence: only the maker's cloud name is shown
    # (a phone's or PC's names would otherwise fill its report and the inventory)
    ident, _ = _verdict(
        db, ("dns.query", EZVIZ_DEVICE_HOST), ("dns.query", "cctv-scan.test"), ("tls.sni", "cloud.cctv-scan.test"),
        ("dhcp.hostname", "cctv-scan-test-host"),
    )
    assert [(e.field, e.value) for e in ident.evidence if e.field in ("dns.query", "tls.sni")] == [("dns.query", EZVIZ_DEVICE_HOST)]
    assert any(e.field == "dhcp.hostname" for e in ident.evidence)  # other unmatched fields stay, as before
