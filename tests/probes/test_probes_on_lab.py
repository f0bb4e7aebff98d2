"""Every discovery probe against the lab: `cctv-scan scan --probes ...` run inside the lab's
scanner namespace finds each device that speaks the probe's protocol, with the values the
device's profile makes it send; a camera behind a multicast filter is found by unicast
WS-Discovery alone; credentials the user supplies are used and never leak.

Expected values come from the lab profiles, with the lab's own token filling ({model},
{serial}, {ip} ...): the profiles are the other side of the wire, so the scanner's parsers are
judged against what the devices were made to say.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.lab import Lab, LabDevice, load_profile, profile_names
from scanner.lab.services._udp import fill
from scanner.lab.services.base import DeviceContext
from tests.lab.conftest import needs_lab

pytestmark = [pytest.mark.lab, needs_lab]

DISCOVERY_PROBES = "arp,ports,wsd,sadp,dhip,mdns,ssdp,onvif"
ROOT = Path(__file__).resolve().parents[2]


def services_of(name: str) -> dict[str, Any]:
    return load_profile(name).get("services") or {}


def with_service(service: str) -> list[str]:
    return [n for n in profile_names() if service in services_of(n)]


def filled(device: LabDevice, value: Any) -> Any:
    """``value`` (a piece of the device's profile) with the lab's tokens filled for ``device``."""
    ctx = DeviceContext(name=device.name, ip=device.ip, mac=device.mac, iface="eth0", profile=load_profile(device.profile_name))
    return fill(value, ctx)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


# The scan runs with every logger at DEBUG into a file, so "never in the logs" covers the
# libraries (zeep, urllib3, zeroconf) as well as our own code.
LOGGED_SCAN = """
import logging, runpy, sys
logging.basicConfig(level=logging.DEBUG, filename=sys.argv[1], force=True)
sys.argv = ["cctv-scan", *sys.argv[2:]]
runpy.run_module("scanner", run_name="__main__")
"""


def run_scan(lab: Lab, out_dir: Path, *args: str) -> dict[str, Any]:
    """Scan the lab from its scanner namespace; the document plus stdout, stderr and the log."""
    doc_path, log_path = out_dir / "scan.json", out_dir / "scan.log"
    proc = lab.run(
        [sys.executable, "-c", LOGGED_SCAN, str(log_path), "scan", lab.subnet, "--json", str(doc_path),
         "--timeout", "1.0", *args],
        capture_output=True, text=True, timeout=120, env=child_env(), cwd=str(ROOT),
    )
    assert proc.returncode == 0, proc.stderr
    return {
        "doc": json.loads(doc_path.read_text()),
        "raw": doc_path.read_text(),
        "stdout": proc.stdout,
        "stderr": proc.stderr,
        "log": log_path.read_text() if log_path.exists() else "",
    }


MDNS_READY = """
import socket, sys, time
from zeroconf import DNSIncoming, DNSOutgoing, DNSPointer, DNSQuestion, const
want = {tuple(w.split("|")) for w in sys.argv[1:]}
query = DNSOutgoing(const._FLAGS_QR_QUERY)
for t in {w[1] for w in want}:
    query.add_question(DNSQuestion(t, const._TYPE_PTR, const._CLASS_IN))
packet = query.packets()[0]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(0.3)
seen = set()
end = time.monotonic() + 20
while want - seen and time.monotonic() < end:
    sock.sendto(packet, ("224.0.0.251", 5353))
    try:
        while True:
            data, (ip, _) = sock.recvfrom(9000)
            seen |= {(ip, r.name) for r in DNSIncoming(data).answers() if isinstance(r, DNSPointer)}
    except socket.timeout:
        pass
print(sorted(want - seen))
sys.exit(1 if want - seen else 0)
"""


def wait_for_mdns(lab: Lab) -> None:
    """A lab device registers its mDNS names one after another, probing each for about a second
    (as a real responder does after boot); wait until every advertised service answers."""
    want = []
    for d in lab.devices:
        for svc in (services_of(d.profile_name).get("mdns") or {}).get("services") or []:
            stype = svc["type"] if svc["type"].endswith(".") else svc["type"] + "."
            want.append(f"{d.ip}|{stype}")
    proc = lab.run([sys.executable, "-c", textwrap.dedent(MDNS_READY), *want], capture_output=True, text=True, timeout=40)
    assert proc.returncode == 0, f"mDNS services never answered: {proc.stdout} {proc.stderr}"


def credentials_file(path: Path, devices: list[LabDevice]) -> dict[str, tuple[str, str]]:
    """A 0600 credentials file with each ONVIF device's own credentials (from its profile)."""
    hosts, secrets = {}, {}
    for d in devices:
        creds = load_profile(d.profile_name).get("credentials")
        if "onvif" in services_of(d.profile_name) and isinstance(creds, dict):
            hosts[d.ip] = {"username": str(creds["username"]), "password": str(creds["password"])}
            secrets[d.ip] = (str(creds["username"]), str(creds["password"]))
    path.write_text(yaml.safe_dump({"hosts": hosts}))
    path.chmod(0o600)
    return secrets


# The scan document keeps attempts only as counts per probe and status; the ONVIF attempts per
# device come from the engine itself, run (without credentials) in the scanner namespace.
ANONYMOUS_ONVIF = """
import json, sys
from scanner.engine.runner import ScanConfig, collect
res = collect(ScanConfig(targets=[sys.argv[1]], probes=["arp", "ports", "onvif"], timeout=1.0, deadline=60))
print(json.dumps({
    "attempts": [[a.probe, a.target, a.status.value, a.detail] for a in res.output.attempts],
    "observations": [[o.ip, o.probe, o.field, o.value] for o in res.output.observations],
}))
"""


def start_onvif_without_credentials(lab: Lab) -> subprocess.Popen:
    return lab.popen([sys.executable, "-c", ANONYMOUS_ONVIF, lab.subnet], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True, env=child_env(), cwd=str(ROOT))


def finish(proc: subprocess.Popen) -> dict[str, Any]:
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    return json.loads(stdout)


@pytest.fixture(scope="module")
def lab_scan(tmp_path_factory):
    """One lab of every profile; one scan with every discovery probe and a credentials file."""
    tmp = tmp_path_factory.mktemp("probes-on-lab")
    with Lab() as lab:
        secrets = credentials_file(tmp / "credentials.yaml", list(lab.devices))
        anonymous = start_onvif_without_credentials(lab)  # runs while the mDNS names settle
        try:
            wait_for_mdns(lab)
        finally:
            result_anonymous = finish(anonymous)
        result = run_scan(lab, tmp, "--probes", DISCOVERY_PROBES, "--credentials", str(tmp / "credentials.yaml"))
        result["anonymous"] = result_anonymous
        devices = {d.profile_name: d for d in lab.devices}
    result["devices"] = devices
    result["secrets"] = secrets
    result["by_ip"] = {d["ip"]: d for d in result["doc"]["devices"]}
    return result


def seen(result: dict[str, Any], device: LabDevice, probe: str) -> dict[str, list[str]]:
    """field -> values the named probe reported for the device (from the scan document)."""
    found = result["by_ip"].get(device.ip)
    assert found is not None, f"{device.profile_name} ({device.ip}) is not in the scan document"
    out: dict[str, list[str]] = defaultdict(list)
    lines = set()  # an observation two fingerprints (or a fingerprint and the registry) read is one value
    for e in found["evidence"]:
        key = (e["field"], e["value"], e.get("port"))
        if e["probe"] == probe and key not in lines:
            lines.add(key)
            out[e["field"]].append(e["value"])
    return out


@pytest.mark.parametrize("profile", with_service("wsd"))
def test_ws_discovery_finds_every_wsd_device_with_its_scopes_types_and_xaddrs(lab_scan, profile):
    device = lab_scan["devices"][profile]
    wsd = filled(device, services_of(profile)["wsd"])
    got = seen(lab_scan, device, "wsd")
    assert set(got["wsd.scope"]) == set(wsd["scopes"])
    assert set(got["wsd.xaddr"]) == set(wsd["xaddrs"])
    assert got["wsd.types"] == [" ".join(wsd["types"])]
    assert len(got["wsd.endpoint"]) == 1 and got["wsd.endpoint"][0].startswith("urn:uuid:")
    hardware = [s.rsplit("/", 1)[1] for s in wsd["scopes"] if "/hardware/" in s]
    assert got["wsd.hardware"] == hardware


@pytest.mark.parametrize("profile", with_service("sadp"))
def test_sadp_finds_every_hikvision_platform_device_with_serial_and_model(lab_scan, profile):
    device = lab_scan["devices"][profile]
    fields = filled(device, services_of(profile)["sadp"]["fields"])
    got = seen(lab_scan, device, "sadp")
    assert got["sadp.device_sn"] == [fields["DeviceSN"]]
    assert got["sadp.device_description"] == [fields["DeviceDescription"]]
    assert got["sadp.software_version"] == [fields["SoftwareVersion"]]
    assert got["sadp.mac"] == [device.mac.replace(":", "-")]


@pytest.mark.parametrize("profile", with_service("dhip"))
def test_dahua_discovery_finds_every_dhip_device_with_serial_vendor_and_type(lab_scan, profile):
    device = lab_scan["devices"][profile]
    info = filled(device, services_of(profile)["dhip"]["device_info"])
    got = seen(lab_scan, device, "dhip")
    assert got["dhip.serial_no"] == [info["SerialNo"]]
    assert got["dhip.device_type"] == [info["DeviceType"]]
    assert got["dhip.device_class"] == [info["DeviceClass"]]
    assert got["dhip.vendor"] == [info["Vendor"]]
    assert got["dhip.version"] == [info["Version"]]
    assert got["dhip.mac"] == [device.mac]


@pytest.mark.parametrize("profile", with_service("mdns"))
def test_mdns_finds_every_advertised_service_type_with_its_txt_records(lab_scan, profile):
    device = lab_scan["devices"][profile]
    mdns = filled(device, services_of(profile)["mdns"])
    got = seen(lab_scan, device, "mdns")
    assert got["mdns.hostname"] == [mdns["hostname"]]
    assert set(got["mdns.service"]) == {s["type"].removesuffix(".").removesuffix(".local") for s in mdns["services"]}
    assert set(got["mdns.name"]) == {s["name"] for s in mdns["services"]}
    txt = {f"{k}={v}" for s in mdns["services"] for k, v in (s.get("txt") or {}).items()}
    assert set(got["mdns.txt"]) == txt


@pytest.mark.parametrize("profile", with_service("ssdp"))
def test_ssdp_finds_every_upnp_device_and_reads_its_description(lab_scan, profile):
    device = lab_scan["devices"][profile]
    ssdp = filled(device, services_of(profile)["ssdp"])
    desc = ssdp["description"]
    got = seen(lab_scan, device, "ssdp")
    assert got["ssdp.location"] == [f"http://{device.ip}:{ssdp['http_port']}{ssdp['location_path']}"]
    assert got["upnp.manufacturer"] == [desc["manufacturer"]]
    assert got["upnp.model_name"] == [desc["modelName"]]
    assert got["upnp.model_number"] == [desc["modelNumber"]]
    assert got["upnp.serial"] == [desc["serialNumber"]]
    assert got["upnp.device_type"] == [ssdp["device_type"]]
    assert got["upnp.udn"] == [f"uuid:{ssdp['uuid']}"]


def needs_login(profile: str) -> bool:
    return not services_of(profile)["onvif"].get("device_info_without_auth")


def device_service_url(device: LabDevice) -> str:
    port = int(services_of(device.profile_name)["onvif"].get("port", 80))
    return f"http://{device.ip}{'' if port == 80 else f':{port}'}/onvif/device_service"


@pytest.mark.parametrize("profile", with_service("onvif"))
def test_onvif_answers_date_and_time_and_refuses_device_information_without_login(lab_scan, profile):
    device = lab_scan["devices"][profile]
    url = device_service_url(device)
    got = seen(lab_scan, device, "onvif")
    assert len(got["onvif.utc_time"]) == 1 and got["onvif.utc_time"][0].endswith("Z")
    assert got["onvif.xaddr"] == [url]
    # without credentials: the clock answers, device information is refused, and that is recorded
    anonymous = lab_scan["anonymous"]
    fields = {f for ip, probe, f, _ in anonymous["observations"] if ip == device.ip and probe == "onvif"}
    refusals = [a for a in anonymous["attempts"]
                if a[0] == "onvif" and a[1] == url and a[2] == "auth_required" and "GetDeviceInformation" in a[3]]
    assert "onvif.utc_time" in fields
    if needs_login(profile):
        assert len(refusals) == 1, anonymous["attempts"]
        assert not fields & {"onvif.manufacturer", "onvif.model", "onvif.serial", "onvif.firmware"}
    else:
        assert not refusals


@pytest.mark.parametrize("profile", [p for p in with_service("onvif") if services_of(p)["onvif"].get("namespaces")])
def test_onvif_gives_the_namespaces_the_firmware_declares_even_when_it_refuses(lab_scan, profile):
    device = lab_scan["devices"][profile]
    declared = list(services_of(profile)["onvif"]["namespaces"].values())
    assert seen(lab_scan, device, "onvif")["onvif.namespace"] == declared
    anonymous = {v for ip, probe, f, v in lab_scan["anonymous"]["observations"]
                 if ip == device.ip and probe == "onvif" and f == "onvif.namespace"}
    assert anonymous == set(declared)


@pytest.mark.parametrize("profile", [p for p in with_service("onvif") if services_of(p)["onvif"].get("namespace_table")])
def test_onvif_gives_the_prefix_table_of_the_firmwares_soap_stack_in_order(lab_scan, profile):
    device = lab_scan["devices"][profile]
    table = ",".join(services_of(profile)["onvif"]["namespace_table"])
    assert seen(lab_scan, device, "onvif")["onvif.prefixes"] == [table]
    anonymous = [v for ip, probe, f, v in lab_scan["anonymous"]["observations"]
                 if ip == device.ip and probe == "onvif" and f == "onvif.prefixes"]
    assert anonymous == [table]  # once, though every answer and the refusal declare it


def test_the_scan_document_counts_one_refusal_per_onvif_device_that_needs_login(lab_scan):
    counts = lab_scan["doc"]["scan"]["attempts"]["onvif"]
    assert counts.get("auth_required") == len([p for p in with_service("onvif") if needs_login(p)])
    assert "refused" not in counts, "the supplied credentials were accepted everywhere"


@pytest.mark.parametrize("profile", with_service("onvif"))
def test_onvif_with_the_users_credentials_reads_device_information_interfaces_and_scopes(lab_scan, profile):
    device = lab_scan["devices"][profile]
    onvif = filled(device, services_of(profile)["onvif"])
    got = seen(lab_scan, device, "onvif")
    info = onvif.get("device_information") or {}
    for key, field in (("Manufacturer", "onvif.manufacturer"), ("Model", "onvif.model"),
                       ("FirmwareVersion", "onvif.firmware"), ("SerialNumber", "onvif.serial")):
        assert got[field] == ([str(info[key])] if info.get(key) else []), field
    assert got["onvif.mac"] == [device.mac]
    assert got["onvif.interface"] == ["eth0"]
    scopes = onvif.get("scopes") or filled(device, (services_of(profile).get("wsd") or {}).get("scopes", []))
    assert set(got["onvif.scope"]) == set(scopes)
    assert not [p for p in lab_scan["by_ip"][device.ip]["problems"] if "supplied credentials were refused" in p]


def test_most_onvif_devices_gave_their_device_information_with_credentials(lab_scan):
    # Guards the parametrized test above against passing on profiles that set no values.
    with_info = [p for p in with_service("onvif") if seen(lab_scan, lab_scan["devices"][p], "onvif")["onvif.serial"]]
    assert len(with_info) >= 8


def test_the_credentials_never_appear_in_the_document_stdout_stderr_or_logs(lab_scan):
    assert lab_scan["secrets"], "the credentials file holds the ONVIF devices' credentials"
    assert lab_scan["log"], "the scan wrote a debug log"
    assert lab_scan["stdout"].strip(), "the table was rendered"
    outputs = {name: lab_scan[name] for name in ("raw", "stdout", "stderr", "log")}
    for user, password in set(lab_scan["secrets"].values()):
        forms = [password, f"{user}:{password}", base64.b64encode(f"{user}:{password}".encode()).decode()]
        for name, text in outputs.items():
            for form in forms:
                assert form not in text, f"a credential appears in the scan's {name}"
    assert "credentials.yaml" not in lab_scan["raw"]


# -- unicast WS-Discovery across a multicast filter ---------------------------------------------

HIDDEN, VISIBLE = "uniview-ipc322lb-sf28-a", "hikvision-ds-2cd2143g2-i"


def test_a_camera_whose_multicast_is_filtered_is_found_by_unicast_ws_discovery_only(tmp_path):
    with Lab([HIDDEN, VISIBLE], block_multicast={HIDDEN}) as lab:
        result = run_scan(lab, tmp_path, "--probes", "arp,wsd,wsd-unicast", "--quiet")
        result["by_ip"] = {d["ip"]: d for d in result["doc"]["devices"]}
        devices = {d.profile_name: d for d in lab.devices}
    hidden, visible = devices[HIDDEN], devices[VISIBLE]
    wsd_scopes = filled(hidden, services_of(HIDDEN)["wsd"]["scopes"])

    assert seen(result, hidden, "wsd") == {}, "multicast WS-Discovery must not reach the filtered camera"
    unicast = seen(result, hidden, "wsd-unicast")
    assert set(unicast["wsd.scope"]) == set(wsd_scopes)
    assert unicast["wsd.hardware"] == [load_profile(HIDDEN)["model"]]
    assert unicast["wsd.xaddr"] == [f"http://{hidden.ip}/onvif/device_service"]
    # the control: the camera without a filter answers the multicast probe in the same scan
    assert seen(result, visible, "wsd")["wsd.hardware"] == [load_profile(VISIBLE)["model"]]


# Makers' own ONVIF ports (fingerprints/ports.yaml gives the sources): Foscam 888, TP-Link Tapo
# 2020, Reolink 8000. The camera here is the VStarcam profile with its device service moved to
# each port (a lab choice: the path under test is the port, not the maker), without WS-Discovery,
# so only the port probe can lead the ONVIF probe there.
ONVIF_PORT_PROFILE = "vstarcam-hi3518ev100"


@pytest.mark.parametrize("port", [888, 2020, 8000])
def test_onvif_is_read_on_the_ports_makers_move_it_to(tmp_path, port):
    overrides = {ONVIF_PORT_PROFILE: {"services.onvif.port": port}}
    with Lab([ONVIF_PORT_PROFILE], overrides=overrides) as lab:
        result = run_scan(lab, tmp_path, "--probes", "arp,ports,onvif", "--quiet")
        result["by_ip"] = {d["ip"]: d for d in result["doc"]["devices"]}
        device = lab.devices[0]
    onvif = seen(result, device, "onvif")
    assert onvif["onvif.manufacturer"] == ["Vstarcam"]
    assert onvif["onvif.xaddr"] == [f"http://{device.ip}:{port}/onvif/device_service"]
    found = result["by_ip"][device.ip]
    assert found["vendor"] == "VStarcam"
