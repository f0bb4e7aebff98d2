"""The corpus served over real sockets (``scanner.lab.replay``) and scanned from outside.

Offline, a record is identified from the observations it lists; a user's scan sees only bytes, which
the probes must ask for and parse. These tests serve real records as lab devices, scan them with
the command a user runs, and check that the scan names what offline identification names: a
difference is a probe that does not ask, or a parser that reads differently (a marker path sent
without its query string, a certificate name read in the other attribute order, an mDNS service
type never asked for were all found this way)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.identify import load_database, load_policy
from scanner.identify.accuracy import corpus_half, load_records, record_cases
from scanner.lab.catalog import check_profile
from scanner.lab.replay import dhcp_frames, profile_yaml, replay, replays, scan_passive, scan_replays, split_reply, wire_key
from scanner.probes._parsing import snake

from tests.conftest import needs_netns as needs_lab

RECORDS = Path(__file__).with_name("records")
POLICY = "uk-sensitive-sites"

# Seen-half records, one or two per path from the wire to the verdict.
SAMPLE = (
    "http-dahua-nvr2x-4ks3-getsysteminfo-rroller-9",  # marker path with a query string
    "recog-http-realm-hikvision-hikvision",  # a recorded HTTP reply served byte for byte
    "recog-tls-subject-cisco-ip-phone-temporary-default-cert",  # subject in OpenSSL's order
    "tls-dahua-nvr-ca-issuer-rroller-647",  # issuer of a factory certificate authority
    "mdns-dlink-dcs-935l-dhnap-iot-sentinel",  # a service type heard only by enumeration
    "mdns-hikvision-ds-2cd3345-i-iotinspector-sbb50170f3e",
    "onvif-pelco-imp321-1es-scopes-rvs-onvif",  # GetScopes, announced over WS-Discovery
    "onvif-hikvision-ds-2cd2143g0-i-devinfo-rvs-onvif",  # a recorded SOAP answer
    "onvif-axis-m5525-e-netif-rvs-onvif",  # the MAC an ONVIF answer states
    "onvif-hikvision-ds-2df7276-ael-analytics-envelope-onvif-nvt",  # a SOAP stack's prefixes, in order
    "wsd-herospeed-ipcamera-zoneminder-1645",
    "wsd-amcrest-ip2m-841b-camera-probe-spec",
    "rtsp-dahua-describe-h265-pcma-retina",  # a recorded RTSP reply
    "rtsp-hikvision-intercom-outdoor-station-realm-hikvision-addons-162",
    "mac-hikvision-ds-2cd2366g2-isu-sl-hikvision-next-58",
    "ssdp-dlink-dcs-935l-rootdevice-iot-sentinel",
    "upnp-axis-m1014-accc8e270ad8-axis-discovery-ssdp-js",
    "sadp-hikvision-ds-7804hqh-k1-mhzhuji",  # SADP ProbeMatch composed from the recorded fields
    "dhip-dahua-ipc-hdw1431t1-s4-private-haicam",  # DHIP deviceInfo likewise
)
# Seen-half DHCP records, heard by a passive read of a capture of the client's DISCOVER.
DHCP_SAMPLE = (
    "dhcp-amcrest-amc0152a-iotinspector-s02d95799d2",  # host name only
    "dhcp-ring-ringpro-dc-iotinspector-s82475f4562",
)


@pytest.fixture(scope="module")
def corpus():
    return load_records(RECORDS)


def _expectations(records, offline=None):
    """What each lab device is judged against: the record's expectation, and the verdict offline
    identification gives (the lab's profile format wants a classification)."""
    classes = [c.classification for c in offline] if offline else ["unidentified"] * len(records)
    return [{"vendor": r.brand or r.maker, "platform_vendor": r.maker, "device_type": "unknown",
             "classification": c} for r, c in zip(records, classes)]


def test_every_record_is_served_as_a_valid_profile_or_skipped_with_a_reason(corpus):
    plan = replays(corpus, _expectations(corpus))
    served = [p for p in plan if p.served]
    assert len(served) > len(corpus) // 2
    for p in plan:
        if not p.served:
            assert p.skipped, p.record.id
        elif p.profile is not None:
            assert check_profile(p.profile, p.profile["name"]) == [], p.record.id
        else:
            assert p.record.protocol == "dhcp" and set(p.dhcp) - {"mac"}, p.record.id
    # the protocols the lab can speak are all served
    assert {p.record.protocol for p in served} >= {"http", "rtsp", "onvif", "wsd", "mdns", "ssdp", "upnp", "tls", "mac",
                                                   "sadp", "dhip", "dvrip", "dhcp"}
    assert {p.record.protocol for p in plan if not p.served} <= {"snmp", "http", "tls", "mdns"}


def test_a_recorded_reply_is_served_as_recorded(corpus):
    rec = next(r for r in corpus if r.id == "rtsp-dahua-describe-h265-pcma-retina")
    proto, status, _reason, headers, body = split_reply(rec.raw)
    out = replay(rec, 0, _expectations([rec])[0])
    describe = out.profile["services"]["rtsp"]["methods"]["DESCRIBE"]
    assert proto == "RTSP" and status == describe["status"] == 200
    # what the device said is what the lab will say, header by header in the device's order; only
    # the sequence number and the length are the lab's own
    mine = ("cseq", "content-length")
    assert [h for h in describe["headers"] if h[0].lower() not in mine] == [h for h in headers if h[0].lower() not in mine]
    assert describe["body"] == body and "s=Media Server" in body
    assert not [a for a in out.approximate if a.startswith("rtsp")]


def test_composed_replies_use_keys_the_probes_read_back_as_the_recorded_fields(corpus):
    # SADP, DHIP and DVRIP replies are composed under wire names (DeviceSN, IPAddress, TCPPort);
    # the probes turn wire names into fields with snake(): the round trip must give the field back
    names = {f.split(".")[-1] for r in corpus if r.protocol in ("sadp", "dhip", "dvrip") for f, _v in r.observations}
    assert {"device_sn", "device_description", "serial_no", "tcp_port", "ip_address"} <= names
    assert {n: snake(wire_key(n)) for n in names} == {n: n for n in names}
    assert wire_key("device_sn") == "DeviceSN" and wire_key("ipv4_address") == "IPv4Address"


def test_an_answer_the_scanner_asks_only_with_credentials_lends_its_namespaces_to_the_others(corpus):
    # GetNetworkInterfaces and GetScopes are asked only with credentials, so their recorded answer
    # is never fetched; the firmware declares its own namespaces on every envelope, so the lab's
    # GetSystemDateAndTime answer and faults carry them (seen-half records)
    for rid in ("onvif-axis-m5525-e-netif-rvs-onvif", "onvif-hikvision-ds-2df7276-ael-scopes-onvif-nvt"):
        rec = next(r for r in corpus if r.id == rid)
        out = replay(rec, 0, _expectations([rec])[0])
        onvif = out.profile["services"]["onvif"]
        recorded = [v for f, v in rec.observations if f == "onvif.namespace"]
        assert recorded and sorted(onvif["namespaces"].values()) == sorted(recorded), rid
        assert set(onvif["recorded"]) <= {"GetNetworkInterfaces", "GetScopes"}
        assert any(a.startswith("onvif.namespace") for a in out.approximate)
    # an answer the scanner asks for anyway is served as recorded, nothing added
    rec = next(r for r in corpus if r.id == "onvif-hikvision-ds-2cd2143g0-i-devinfo-rvs-onvif")
    onvif = replay(rec, 0, _expectations([rec])[0]).profile["services"]["onvif"]
    assert "GetDeviceInformation" in onvif["recorded"] and "namespaces" not in onvif


def test_an_envelope_is_composed_with_the_recorded_prefixes_in_their_order(corpus):
    # onvif.prefixes is the firmware's declaration list in order (Hikvision's SOAP stack writes
    # env,soapenc,xsi,xs,...); the lab declares that list, then the recorded namespaces. The
    # profile reaches the lab as YAML, which must not sort it (it did, and Hikvision envelopes were
    # read live as some other stack's)
    import yaml

    rec = next(r for r in corpus if r.id == "onvif-hikvision-ds-2df7276-ael-analytics-envelope-onvif-nvt")
    prefixes = [p for p in dict(rec.observations)["onvif.prefixes"].split(",") if p]
    profile = replay(rec, 0, _expectations([rec])[0]).profile
    table = profile["services"]["onvif"]["namespace_table"]
    assert list(table)[: len(prefixes)] == prefixes
    recorded = [v for f, v in rec.observations if f == "onvif.namespace"]
    assert list(table.values())[len(prefixes):] == recorded
    assert list(yaml.safe_load(profile_yaml(profile))["services"]["onvif"]["namespace_table"]) == list(table)
    # a list the probe clipped loses its last, maybe cut, prefix; the lab's cap is the probes'
    from scanner.lab.replay import CLIPPED_AT
    from scanner.probes._parsing import MAX_VALUE_CHARS

    assert CLIPPED_AT == MAX_VALUE_CHARS


def test_a_record_without_a_mac_gets_one_no_registry_assigns():
    from scanner.lab.replay import local_mac

    mac = local_mac(7)
    assert int(mac[:2], 16) & 0b10 and not int(mac[:2], 16) & 1


def test_the_sample_is_seen_half_and_identified_offline(corpus):
    by_id = {r.id: r for r in corpus}
    assert set(SAMPLE) <= set(by_id)
    assert all(corpus_half(i) == "seen" for i in SAMPLE)


@pytest.mark.lab
@needs_lab
def test_a_scan_from_outside_names_what_offline_identification_names(corpus):
    records, offline = _identified_offline(corpus, SAMPLE)
    plan = replays(records, _expectations(records, offline))
    assert all(p.profile is not None for p in plan), [p.skipped for p in plan if p.profile is None]
    live = scan_replays(plan, POLICY, timeout=1.5)
    assert _verdicts(records, live) == _offline_verdicts(records, offline)


def test_a_dhcp_record_becomes_the_discover_a_listener_hears(corpus):
    from scanner.passive.dhcp import parse_client

    rec = next(r for r in corpus if r.protocol == "dhcp" and {f for f, _ in r.observations} >= {"dhcp.vendor_class", "dhcp.param_list"})
    out = replay(rec, 3, {})
    discover, ack = dhcp_frames(out.dhcp, "198.18.64.9", ("198.18.64.1", "02:ff:00:00:00:01"), 7)
    client = parse_client(bytes(discover["BOOTP"]))
    assert client is not None and client.mac == out.dhcp["mac"]
    assert (client.vendor_class, client.param_list) == (dict(rec.observations)["dhcp.vendor_class"], dict(rec.observations)["dhcp.param_list"])
    assert ack["BOOTP"].yiaddr == "198.18.64.9"


def test_a_passive_read_of_the_dhcp_replays_names_what_offline_identification_names(corpus):
    records, offline = _identified_offline(corpus, DHCP_SAMPLE)
    live = scan_passive(replays(records, _expectations(records, offline)), POLICY)
    assert _verdicts(records, live) == _offline_verdicts(records, offline)


def _identified_offline(corpus, ids):
    """The records named by ``ids`` and their offline cases. Each is chosen so that offline
    identification names its maker: equality with the scan then means the scan named it too,
    not that both named nothing."""
    db = load_database()
    records = [r for r in corpus if r.id in ids]
    offline = record_cases(records, db, load_policy(POLICY, db))
    assert [(c.got_platform or None) for c in offline] == [r.maker for r in records]
    return records, offline


def _verdicts(records, documents):
    return {r.id: (documents[r.id].get("vendor"), documents[r.id].get("platform_vendor"),
                   documents[r.id].get("classification")) for r in records}


def _offline_verdicts(records, offline):
    return {r.id: (c.got_vendor, c.got_platform, c.classification) for r, c in zip(records, offline)}
