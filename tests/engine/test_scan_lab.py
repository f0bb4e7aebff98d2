"""The whole path, packet to verdict: `cctv-scan scan` run inside the lab's scanner namespace
against every lab profile, judged against what each profile says it must be identified as."""

from __future__ import annotations

import json
import sys

import pytest

from scanner.lab import Lab, list_profiles
from scanner.report import validate
from tests.lab.conftest import needs_lab

pytestmark = [pytest.mark.lab, needs_lab]

# Device types the lab's own real sources cannot establish (each reason stated). For these the
# scanner must say "unknown", never a wrong type.
TYPE_NOT_ESTABLISHED = {
    "dahua-nvr4108hs-4ks2": "no public capture shows a Dahua NVR's DHIP DeviceClass or another NVR-only signal",
    "uniview-ipc322lb-sf28-a": "the profile carries no HTTP/RTSP banner; ONVIF scopes do not tell a camera from an encoder",
    "xiongmai-nbd80x16s-kl": "Xiongmai's banners are shared by its cameras and recorders",
}


def scan_in(lab: Lab, tmp_path, *extra: str) -> dict:
    out = tmp_path / "scan.json"
    proc = lab.run(
        [sys.executable, "-m", "scanner", "scan", lab.subnet, "--json", str(out), "--quiet", "--timeout", "1.5", *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def full_scan(tmp_path_factory):
    with Lab() as lab:
        doc = scan_in(lab, tmp_path_factory.mktemp("scan"))
        devices = {d.ip: d for d in lab.devices}
    return doc, devices


def test_the_scan_document_is_valid_and_lists_every_lab_device(full_scan):
    doc, devices = full_scan
    assert validate(doc) == []
    assert {d["ip"] for d in doc["devices"]} == set(devices)
    assert doc["scan"]["complete"] is True
    assert {"arp", "ports", "http", "rtsp", "wsd", "sadp", "dhip", "onvif"} <= set(doc["scan"]["probes"])


@pytest.mark.parametrize("profile", [p.name for p in list_profiles()])
def test_each_profile_is_identified_as_it_must_be(full_scan, profile):
    doc, devices = full_scan
    lab_device = next(d for d in devices.values() if d.profile_name == profile)
    found = next(d for d in doc["devices"] if d["ip"] == lab_device.ip)
    want = lab_device.expected
    assert found["mac"] == lab_device.mac
    got = {k: found[k] for k in ("vendor", "platform_vendor", "classification")}
    assert got == {k: want.get(k) for k in got}, found["reasons"]
    if profile in TYPE_NOT_ESTABLISHED:
        assert found["device_type"] in (want["device_type"], "unknown")
    else:
        assert found["device_type"] == want["device_type"]
    assert found["reasons"], "every verdict says why"
    if found["classification"] != "unidentified":
        assert any(e["fingerprint"] for e in found["evidence"]), "a verdict rests on matched evidence"


def test_rebranded_devices_show_brand_and_real_maker_with_the_rebrand_explained(full_scan):
    doc, devices = full_scan
    rebrands = [d for d in devices.values() if d.expected.get("vendor") != d.expected.get("platform_vendor") and d.expected.get("platform_vendor") in ("Hikvision", "Dahua")]
    assert len(rebrands) >= 2
    for lab_device in rebrands:
        found = next(d for d in doc["devices"] if d["ip"] == lab_device.ip)
        assert found["classification"] == lab_device.expected["classification"], lab_device.name
        text = " ".join(found["reasons"] + found["conflicts"])
        assert lab_device.expected["platform_vendor"] in text and lab_device.expected["vendor"] in text


def test_non_prc_makers_are_never_restricted(full_scan):
    doc, _ = full_scan
    for d in doc["devices"]:
        if d["platform_vendor"] in ("Axis", "Bosch", "Hanwha"):
            assert d["classification"] == "clear", d


def test_without_raw_socket_rights_the_scan_says_so_and_still_finds_the_devices(tmp_path):
    with Lab(["hikvision-ds-2cd2143g2-i", "axis-p3245-lve"]) as lab:
        out = tmp_path / "scan.json"
        proc = lab.run(
            ["setpriv", "--inh-caps=-all", "--bounding-set=-net_raw", sys.executable, "-m", "scanner", "scan",
             lab.subnet, "--json", str(out), "--quiet", "--timeout", "1.0", "--probes", "arp,ports,http,rtsp"],
            capture_output=True, text=True, timeout=300,
        )
        expected = {d.ip: d.expected for d in lab.devices}
    assert proc.returncode == 0, proc.stderr
    assert "raw-socket" in proc.stderr
    doc = json.loads(out.read_text())
    assert any("arp" in w for w in doc["scan"]["warnings"])
    assert doc["scan"]["attempts"]["arp"].get("permission") == 1
    found = {d["ip"]: d for d in doc["devices"]}
    assert set(found) == set(expected)
    for ip, want in expected.items():
        assert found[ip]["platform_vendor"] == want["platform_vendor"]


def test_the_xiongmai_recorder_is_found_by_its_dvrip_search_reply(full_scan):
    doc, devices = full_scan
    assert "dvrip" in doc["scan"]["probes"]
    lab_device = next(d for d in devices.values() if d.profile_name == "xiongmai-nbd80x16s-kl")
    found = next(d for d in doc["devices"] if d["ip"] == lab_device.ip)
    dvrip = [e for e in found["evidence"] if e["fingerprint"] == "dvrip-other-function"]
    assert dvrip and dvrip[0]["value"] == "D=2019-02-28 17:30:58 V=92a9902100ec7c4"
    assert found["serial"] == "41e6853ada5e9323"


def test_the_dvrip_search_alone_names_the_xiongmai_platform(tmp_path):
    """Only ARP and the DVRIP search: the broadcast answer, heard on UDP 34569, names the device."""
    with Lab(["xiongmai-nbd80x16s-kl", "axis-p3245-lve"], services={"dvrip"}) as lab:
        doc = scan_in(lab, tmp_path, "--probes", "arp,dvrip")
        xm = lab.device("xiongmai-nbd80x16s-kl")
        axis = lab.device("axis-p3245-lve")
    found = {d["ip"]: d for d in doc["devices"]}
    assert found[xm.ip]["platform_vendor"] == "Xiongmai"
    assert found[xm.ip]["mac"] == xm.mac
    assert found[axis.ip]["platform_vendor"] != "Xiongmai"
    assert doc["scan"]["attempts"]["dvrip"].get("ok") == 1


def test_a_makers_private_control_port_is_kept_as_evidence(full_scan):
    """The port probe already connects to Dahua's 37777 and Xiongmai's 34567; a device listening
    there carries that as a weak platform witness (fingerprints/port_open.yaml) beside the rest."""
    doc, devices = full_scan
    want = {"dahua-ipc-hdw2431t-as-s2": "dahua-private-tcp-37777", "dahua-nvr4108hs-4ks2": "dahua-private-tcp-37777",
            "amcrest-ip2m-841": "dahua-private-tcp-37777", "xiongmai-nbd80x16s-kl": "xiongmai-netsurveillance-tcp-34567"}
    for profile, fingerprint in want.items():
        lab_device = next(d for d in devices.values() if d.profile_name == profile)
        found = next(d for d in doc["devices"] if d["ip"] == lab_device.ip)
        assert [e["value"] for e in found["evidence"] if e["fingerprint"] == fingerprint] == [fingerprint.split("-")[-1]], profile
    for d in doc["devices"]:  # no other device listens there, so no other device carries it
        if d["platform_vendor"] not in ("Dahua", "Xiongmai"):
            assert not any(e["fingerprint"] in want.values() for e in d["evidence"]), d["ip"]


def test_an_open_private_port_alone_is_a_lead_for_review_not_a_restriction(tmp_path):
    """Only the port probe against the Xiongmai recorder (its MAC is locally administered, so names
    no one): the open 34567 names the Xiongmai platform weakly, which sends it to review."""
    with Lab(["xiongmai-nbd80x16s-kl"], services={"tcp"}) as lab:
        doc = scan_in(lab, tmp_path, "--probes", "ports")
        xm = lab.device("xiongmai-nbd80x16s-kl")
    found = {d["ip"]: d for d in doc["devices"]}[xm.ip]
    assert found["open_ports"] == [34567]
    assert (found["platform_vendor"], found["classification"]) == ("Xiongmai", "review")
    assert [e["fingerprint"] for e in found["evidence"] if e["fingerprint"]] == ["xiongmai-netsurveillance-tcp-34567"]
