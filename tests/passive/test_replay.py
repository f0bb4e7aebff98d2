"""A real exchange recorded by tcpdump gives, read passively, the observations the active
probes made from the same exchange, plus what only a listener sees (DHCP, SNI, certificate)."""

from __future__ import annotations

from scanner.passive import read_files
from scanner.passive.capture import CaptureStats, read_capture
from tests.passive import traffic


def _passive(path):
    run = read_files([path])
    return run, {(o.ip, o.field, o.value) for o in run.result.observations}


def test_passive_reading_yields_every_observation_the_active_probes_made(exchange):
    path, active = exchange
    _run, seen = _passive(path)
    assert active, "the active probes saw nothing: the test exchange is broken"
    missing = {(o.ip, o.field, o.value) for o in active} - seen
    assert not missing


def test_dhcp_options_are_attributed_to_the_device_by_its_mac(exchange):
    path, _ = exchange
    run, seen = _passive(path)
    device = "198.18.254.2"  # the DISCOVERs come from 0.0.0.0: only the MAC ties them to the device
    assert (device, "dhcp.vendor_class", traffic.AXIS_VENDOR_CLASS) in seen
    assert (device, "dhcp.hostname", traffic.DHCP_HOSTNAME) in seen
    assert any(ip == device and f == "dhcp.param_list" for ip, f, _ in seen)
    host = next(h for h in run.result.hosts if h.ip == device)
    assert host.mac and (device, "arp.mac", host.mac) in seen


def test_tls_server_name_goes_to_the_client_and_certificate_to_the_server(exchange):
    path, _ = exchange
    _run, seen = _passive(path)
    assert ("198.18.254.1", "tls.sni", traffic.SNI) in seen
    assert ("198.18.254.2", "tls.subject", "O=cctv-scan passive test,CN=198.18.254.2") in seen


def test_dns_query_names_go_to_the_device_that_asked_and_lan_names_are_dropped(exchange):
    path, _ = exchange
    run, seen = _passive(path)
    queries = {(ip, v) for ip, f, v in seen if f == "dns.query"}
    assert queries == {("198.18.254.2", traffic.DNS_NAME)}
    assert run.result.counts["dns"] >= 2  # both lookups were read; the .lan one is not kept


def test_open_ports_come_from_syn_ack(exchange):
    path, _ = exchange
    _run, seen = _passive(path)
    assert {("198.18.254.2", "port.open", p) for p in ("80", "554", "443")} <= seen


def test_clean_capture_reads_to_its_end_without_warnings(exchange):
    path, _ = exchange
    stats = CaptureStats(str(path))
    count = sum(1 for _ in read_capture(path, stats))
    assert count == stats.packets > 20 and stats.problem is None and stats.position == stats.size
    run = read_files([path])
    assert run.complete and not run.errors and not run.warnings


def test_upnp_description_seen_in_an_http_response_is_parsed(exchange):
    path, _ = exchange
    _run, seen = _passive(path)
    assert ("198.18.254.2", "upnp.manufacturer", "AXIS") in seen
    assert ("198.18.254.2", "upnp.model_name", "AXIS M1014") in seen
