"""Location from switch tables (no network): access ports, uplinks, LLDP, recorders; SNMP
credentials files; version 1 scan documents still read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scanner.credentials import CredentialsError
from scanner.errors import ScopeError
from scanner.locate import check_switches, load_snmp_credentials, locate_devices
from scanner.locate.snmp import FdbEntry, LldpNeighbour, SnmpAuth, SwitchTables
from scanner.models import SCHEMA_VERSION, Device, DeviceType, Location, ScanDocument, ScanInfo
from scanner.report import dump, load
from scanner.report.people import rows_from_document, table_row
from scanner.scope import parse_scope


def _switch(name: str, address: str, fdb: list[tuple[str, int]], lldp: dict[int, str] | None = None) -> SwitchTables:
    ports = {p for _, p in fdb} | set(lldp or {})
    return SwitchTables(
        address=address, sys_name=name, answered=True,
        fdb=[FdbEntry(mac, port, 10) for mac, port in fdb],
        port_ifindex={p: 100 + p for p in ports},
        if_name={100 + p: f"ge-0/0/{p}" for p in ports},
        if_alias={100 + p: f"alias {p}" for p in ports},
        lldp={p: LldpNeighbour(p, n, "ge-0/0/48", True) for p, n in (lldp or {}).items()},
    )


CAM = "aa:00:00:00:00:01"
CAM2 = "aa:00:00:00:00:02"
NVR = "aa:00:00:00:00:03"


def test_access_port_wins_over_the_uplink_it_is_also_seen_on() -> None:
    edge = _switch("edge-2f", "10.0.0.2", [(CAM, 5)])
    core = _switch("core", "10.0.0.1", [(CAM, 48)], lldp={48: "edge-2f"})
    [dev] = locate_devices([Device(ip="10.0.1.5", mac=CAM.upper())], [core, edge])
    assert dev.location == Location("edge-2f", "10.0.0.2", "ge-0/0/5", "alias 5", 10, "port", None)


def test_only_on_an_lldp_uplink_is_behind_uplink() -> None:
    core = _switch("core", "10.0.0.1", [(CAM, 48)], lldp={48: "edge-3f"})
    [dev] = locate_devices([Device(ip="10.0.1.5", mac=CAM)], [core])
    assert dev.location is not None and dev.location.certainty == "behind_uplink"
    assert dev.location.uplink == "behind uplink ge-0/0/48 to edge-3f (ge-0/0/48)"


def test_a_port_with_many_macs_is_an_uplink() -> None:
    macs = [f"bb:00:00:00:00:{i:02x}" for i in range(12)]
    sw = _switch("sw", "10.0.0.1", [(m, 7) for m in macs] + [(CAM, 3)])
    devs = locate_devices([Device(ip="10.0.1.5", mac=macs[0]), Device(ip="10.0.1.6", mac=CAM)], [sw])
    assert devs[0].location.certainty == "behind_uplink" and "13" not in devs[0].location.uplink
    assert devs[0].location.uplink == "behind uplink ge-0/0/7 (12 MACs)"
    assert devs[1].location.certainty == "port" and devs[1].location.port == "ge-0/0/3"


def test_cameras_on_an_nvr_poe_port_are_behind_the_nvr() -> None:
    sw = _switch("sw", "10.0.0.1", [(NVR, 4), (CAM, 4), (CAM2, 4)])
    devs = locate_devices([Device(ip="10.0.1.2", mac=NVR, device_type=DeviceType.NVR),
                           Device(ip="10.0.1.3", mac=CAM), Device(ip="10.0.1.4", mac=CAM2)], [sw])
    assert devs[0].location.certainty == "port"
    assert [d.location.uplink for d in devs[1:]] == ["behind recorder 10.0.1.2 on ge-0/0/4"] * 2


def test_unknown_mac_and_no_mac_get_no_location() -> None:
    sw = _switch("sw", "10.0.0.1", [(CAM, 1)])
    devs = locate_devices([Device(ip="10.0.1.2", mac=CAM2), Device(ip="10.0.1.3")], [sw])
    assert [d.location for d in devs] == [None, None]


def test_switches_obey_scope_rules() -> None:
    scope = parse_scope(["10.0.0.0/16"], ["10.0.9.0/24"])
    assert check_switches(["10.0.0.1", "10.0.0.1", "192.168.5.1"], scope) == ["10.0.0.1", "192.168.5.1"]
    with pytest.raises(ScopeError, match="excluded"):
        check_switches(["10.0.9.1"], scope)
    with pytest.raises(ScopeError, match="public"):
        check_switches(["8.8.8.8"], scope)
    with pytest.raises(ScopeError, match="not an IPv4"):
        check_switches(["switch.example"], scope)


def _write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    p = tmp_path / "snmp.yaml"
    p.write_text(text)
    os.chmod(p, mode)
    return p


def test_snmp_credentials_v2c_and_v3_and_secrets_hidden(tmp_path: Path) -> None:
    p = _write(tmp_path, 'default: {community: "s3cret-community"}\nhosts:\n  10.0.0.0/24: {user: loc, auth_protocol: sha256, '
                         'auth_key: "authkey-secret", priv_protocol: aes, priv_key: "privkey-secret"}\n')
    creds = load_snmp_credentials(p)
    v3 = creds.for_host("10.0.0.7")
    assert v3.version == "3" and v3.user == "loc" and v3.auth_protocol == "sha256"
    assert creds.for_host("10.9.0.1").community == "s3cret-community"
    for text in (repr(creds), repr(v3), str(v3), repr(creds.for_host("10.9.0.1"))):
        for secret in ("s3cret-community", "authkey-secret", "privkey-secret", "loc,", "'loc'"):
            assert secret not in text


@pytest.mark.parametrize("text, mode, message", [
    ('default: {community: "c"}\n', 0o644, "mode 0644"),
    ("default: [1, 2]\n", 0o600, "must be a mapping"),
    ('default: {user: u, auth_key: "short"}\n', 0o600, "at least 8"),
    ('default: {user: u, priv_key: "privkey-secret"}\n', 0o600, "needs an auth_key"),
    ('default: {user: u, auth_protocol: rot13, auth_key: "12345678"}\n', 0o600, "unknown auth_protocol"),
    ('default: {nothing: "x-secret-x"}\n', 0o600, "needs a community"),
])
def test_bad_snmp_credentials_refused_without_echoing_them(tmp_path: Path, text: str, mode: int, message: str) -> None:
    with pytest.raises(CredentialsError, match=message) as info:
        load_snmp_credentials(_write(tmp_path, text, mode))
    assert "secret" not in str(info.value) and "12345678" not in str(info.value)


def test_version_1_documents_still_read_and_are_written_as_the_current_version(tmp_path: Path) -> None:
    info = ScanInfo(started="2026-01-01T00:00:00+00:00", finished="2026-01-01T00:01:00+00:00", scope=("10.0.0.0/24",), probes=("arp",))
    v1 = ScanDocument(scan=info, devices=(Device(ip="10.0.0.5", mac=CAM),)).to_dict()
    v1["schema_version"] = 1
    for d in v1["devices"]:
        del d["location"]
    (tmp_path / "v1.json").write_text(json.dumps(v1))
    doc = load(tmp_path / "v1.json")
    assert doc.devices[0].location is None and doc.schema_version == SCHEMA_VERSION
    located = ScanDocument(scan=info, devices=(Device(ip="10.0.0.5", mac=CAM, location=Location("sw", "10.0.0.1", "ge-0/0/5", "=HYPERLINK(1)", 10)),))
    dump(located, tmp_path / "v2.json")
    again = load(tmp_path / "v2.json")
    assert again.devices[0].location == located.devices[0].location
    [row] = rows_from_document(again)
    assert row["switch_port"] == 'sw (10.0.0.1) ge-0/0/5 "=HYPERLINK(1)"'
    assert 'sw (10.0.0.1) ge-0/0/5 "=HYPERLINK(1)"' in table_row(row)


def test_snmp_auth_builds_pysnmp_objects() -> None:
    assert type(SnmpAuth(community="c").hlapi()).__name__ == "CommunityData"
    assert type(SnmpAuth(version="3", user="u", auth_key="12345678", priv_key="87654321").hlapi()).__name__ == "UsmUserData"
