"""RTSP answers alone: which ones name Hikvision's or Dahua's platform strongly enough to restrict.

A camera often shows nothing but its RTSP server. The rule (classify.py): ``restricted`` needs one
strong witness or two independent probes; an RTSP answer is one probe, so only a strong RTSP
signal restricts by itself, and a medium or weak one leaves the device for review (never clear).
Method lists several makers' firmware shares are confirm-only: they name nobody alone. Generic
servers (LIVE555, GStreamer, Wowza) never name a camera maker.

Every value is what a real device sent; the source is named beside it.
"""

from __future__ import annotations

import pytest
from identify_fixtures import REPO_DB

from scanner.identify import build_identity, load_database, load_policy, match_observation
from scanner.identify.classify import classify
from scanner.models import Classification, Observation

IP = "198.18.0.21"


@pytest.fixture(scope="module")
def db():  # type: ignore[no-untyped-def]
    return load_database(REPO_DB)


def _identify(db, *observations: tuple[str, str]):  # type: ignore[no-untyped-def]
    found = [Observation(ip=IP, probe=f.split(".")[0], field=f, value=v, port=554) for f, v in observations]
    results = [match_observation(o, db) for o in found]
    ident = build_identity(results, db)
    return results, ident, classify(ident, load_policy("uk-sensitive-sites", db), db.vendors)


STRONG = [
    # Dahua firmware's newer realm: "Login to " and a 32-hex hash (xisobreaker/rtsp-stream-service
    # README.md @752255b619daccaabe81d00357ca73378e083536, a device on /cam/realmonitor)
    pytest.param("rtsp.realm", "Login to edbba66a86f75696d122e195153df0a2", "Dahua", id="dahua-login-to-hash"),
    # Dahua's serial realm (scottlamb/retina issue 62)
    pytest.param("rtsp.realm", "Login to 4K01FD2PAJ6E3FF", "Dahua", id="dahua-login-to-serial"),
    # Recog xml/rtsp_servers.xml (Dahua IP Camera)
    pytest.param("rtsp.server", "Dahua Rtsp Server", "Dahua", id="dahua-rtsp-server"),
    # xingshuangs/iot-communication RtspMessageResponse.java (Hikvision camera realm)
    pytest.param("rtsp.realm", "IP Camera(D2959)", "Hikvision", id="hikvision-ip-camera-realm"),
    # nmap nmap-service-probes, Hikvision DVR rtspd
    pytest.param("rtsp.realm", "Hikvision", "Hikvision", id="hikvision-dvr-realm"),
    # cfeeling/lal pkg/sdp/sdp_test.go TestCase7
    pytest.param("rtsp.sdp_session", "HIK Media Server V3.4.106", "Hikvision", id="hik-media-server-sdp"),
]


@pytest.mark.parametrize(("field", "value", "maker"), STRONG)
def test_one_strong_rtsp_signal_names_the_platform_and_restricts(db, field, value, maker) -> None:  # type: ignore[no-untyped-def]
    _, ident, verdict = _identify(db, (field, value))
    assert ident.platform_vendor == maker and ident.support_strength == "strong"
    assert verdict.classification is Classification.RESTRICTED


LEADS = [
    # lal pkg/rtsp/auth_test.go @e0a5c4dd57e92025a7c4061b8a632083860aa228: a plain name and version
    pytest.param([("rtsp.server", "Rtsp Server/3.0")], "Dahua", id="rtsp-server-3"),
    # retina dahua_describe_h265_pcma.txt: a private SDP attribute another stack can imitate, alone
    pytest.param([("rtsp.sdp_attribute", "packetization-supported:DH")], "Dahua", id="dahua-sdp-attribute"),
    # go2rtc issue 2232: a Hikvision DS-2CD1148-I/B whose realm is its MAC (Hikvision's B4:A3:82)
    pytest.param([("rtsp.realm", "b4a38201a73f")], "Hikvision", id="hikvision-mac-realm"),
    # nmap nmap-service-probes, Dahua IP camera rtspd: Basic realm "device"
    pytest.param([("rtsp.realm", "device")], "Dahua", id="dahua-device-realm"),
]


@pytest.mark.parametrize(("observations", "maker"), LEADS)
def test_a_medium_or_weak_rtsp_signal_is_a_lead_for_review_never_restricted_never_clear(db, observations, maker) -> None:  # type: ignore[no-untyped-def]
    _, ident, verdict = _identify(db, *observations)
    assert ident.platform_vendor == maker and ident.support_strength in ("medium", "weak")
    assert verdict.classification is Classification.REVIEW


def test_the_mac_in_a_hikvision_realm_is_looked_up_in_the_ieee_registry(db) -> None:  # type: ignore[no-untyped-def]
    (result,), ident, _ = _identify(db, ("rtsp.realm", "b4a38201a73f"))
    (m,) = result.matches
    # one step below the same MAC read from the ARP table, which is strong in Hikvision's blocks
    # (vendors.yaml oui_strength): medium, a lead that a second field of the answer can corroborate
    assert (m.fingerprint_id, m.strength, m.params) == ("mac-in-field", "medium", {"platform_vendor": "Hikvision"})
    assert "b4:a3:82:01:a7:3f" in m.note
    (arp,), _, _ = _identify(db, ("arp.mac", "b4:a3:82:01:a7:3f"))
    assert arp.matches[0].strength == "strong"


def test_a_mac_in_a_realm_of_a_maker_whose_own_mac_is_medium_is_weak(db) -> None:  # type: ignore[no-untyped-def]
    # a Uniview IPC2122LB-SF28K-A's realm (C4:79:05 is Zhejiang Uniview; mediamtx issue 4660)
    (result,), ident, verdict = _identify(db, ("rtsp.realm", "c4790503a344"))
    (m,) = result.matches
    assert (m.fingerprint_id, m.strength, m.params) == ("mac-in-field", "weak", {"platform_vendor": "Uniview"})
    (arp,), _, _ = _identify(db, ("arp.mac", "c4:79:05:03:a3:44"))
    assert arp.matches[0].strength == "medium"


# Hikvision's camera list (nmap, Hikvision 7513 POE IP camera); Eyenix's SoC SDK sends it too
HIKVISION_IPC_PUBLIC = "OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER"
# nmap, Hikvision DVR rtspd: the six core methods any minimal server lists
HIKVISION_DVR_PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, PAUSE"


@pytest.mark.parametrize("public", [HIKVISION_IPC_PUBLIC, HIKVISION_DVR_PUBLIC])
def test_a_shared_method_list_names_nobody_alone(db, public) -> None:  # type: ignore[no-untyped-def]
    (result,), ident, verdict = _identify(db, ("rtsp.public", public))
    assert [m.confirm_only for m in result.matches] == [True]
    assert "never names one alone" in result.matches[0].note
    assert (ident.vendor, ident.platform_vendor) == (None, None)
    assert verdict.classification is not Classification.RESTRICTED


def test_a_shared_method_list_confirms_the_maker_another_probe_names(db) -> None:  # type: ignore[no-untyped-def]
    # The bare "Webs" Server header of a Hikvision DVR (nmap, seen record
    # nmap-http-server-hikvision-webs-dvr): one weak witness is a lead; the RTSP server's
    # Hikvision list is a second, independent one.
    _, alone, alone_verdict = _identify(db, ("http.server", "Webs"))
    assert alone.platform_vendor == "Hikvision" and alone_verdict.classification is Classification.REVIEW
    _, ident, verdict = _identify(db, ("http.server", "Webs"), ("rtsp.public", HIKVISION_IPC_PUBLIC))
    assert ident.platform_vendor == "Hikvision" and ident.support_probes == 2
    assert verdict.classification is Classification.RESTRICTED


def test_a_hikvision_block_mac_alone_restricts_and_a_module_makers_does_not(db) -> None:  # type: ignore[no-untyped-def]
    # The MAC of the go2rtc 2232 camera (Hikvision's B4:A3:82): Hikvision's IEEE blocks are on
    # devices it builds (vendors.yaml oui_strength, with its reason), so its own MAC is a strong
    # witness. The control: a Texas Instruments Wi-Fi module's MAC in a Blink camera (seen record
    # mac-blink-indoor-camera-f4b85eff2b1b-tj-oconnor) names no maker of the camera.
    (result,), ident, verdict = _identify(db, ("arp.mac", "b4:a3:82:01:a7:3f"))
    assert [(m.fingerprint_id, m.strength) for m in result.matches] == [("ieee-oui", "strong")]
    assert "strong: " in result.matches[0].note and "device it built" in result.matches[0].note
    assert ident.platform_vendor == "Hikvision" and verdict.classification is Classification.RESTRICTED
    _, blink, blink_verdict = _identify(db, ("arp.mac", "f4:b8:5e:ff:2b:1b"))
    assert blink.platform_vendor is None and blink_verdict.classification is not Classification.RESTRICTED


def test_a_shared_method_list_never_sides_with_a_maker_nothing_else_names(db) -> None:  # type: ignore[no-untyped-def]
    # An Axis realm (SharpRTSP RTSPClient.cs) beside Hikvision's camera list: the list does not
    # become a Hikvision witness against the realm.
    _, ident, verdict = _identify(db, ("rtsp.realm", "AXIS_WS_ACCC8E3A0A8F"), ("rtsp.public", HIKVISION_IPC_PUBLIC))
    assert ident.platform_vendor == "Axis" and "Hikvision" not in ident.candidates
    assert verdict.classification is Classification.CLEAR


GENERIC = [
    # retina issue 17 (a Reolink camera's LIVE555 server): realm and a=tool of LIVE555
    pytest.param([("rtsp.realm", "LIVE555 Streaming Media")], id="live555-realm"),
    pytest.param([("rtsp.sdp_tool", "LIVE555 Streaming Media v2013.04.08")], id="live555-tool"),
    # LIVE555's method list, from the same Reolink camera in cameradar issue 213
    pytest.param([("rtsp.public", "OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER")],
                 id="live555-public"),
    # Recog xml/rtsp_servers.xml: GStreamer's and Wowza's server headers
    pytest.param([("rtsp.server", "GStreamer RTSP server")], id="gstreamer-server"),
    pytest.param([("rtsp.server", "Wowza Streaming Engine 4.7.7 build20181108145350")], id="wowza-server"),
]


@pytest.mark.parametrize("observations", GENERIC)
def test_a_generic_rtsp_server_names_no_camera_maker(db, observations) -> None:  # type: ignore[no-untyped-def]
    _, ident, verdict = _identify(db, *observations)
    assert ident.platform_vendor is None and ident.vendor is None
    assert verdict.classification is not Classification.RESTRICTED


def test_the_same_mac_in_the_arp_table_and_in_the_realm_is_one_witness_not_two(db) -> None:  # type: ignore[no-untyped-def]
    # go2rtc issue 2232: the camera's realm is its own MAC. Read again from the ARP table it is the
    # same fact (who registered the network card), so it must not count as two probes agreeing.
    _, ident, verdict = _identify(db, ("rtsp.realm", "b4a38201a73f"), ("arp.mac", "b4:a3:82:01:a7:3f"))
    assert ident.platform_vendor == "Hikvision" and ident.support_probes == 1
    # restricted by the ARP MAC alone (Hikvision's blocks are strong witnesses), not by agreement
    assert ident.support_strength == "strong" and verdict.classification is Classification.RESTRICTED
    # A maker whose blocks are a medium witness: the lab's Uniview camera, realm 48ea63c2402b
    # (scanner/lab/profiles/uniview-rtsp-mac-realm.yaml): one witness, so review
    _, ident, verdict = _identify(db, ("rtsp.realm", "48ea63c2402b"), ("arp.mac", "48:ea:63:c2:40:2b"))
    assert ident.platform_vendor == "Uniview" and ident.support_probes == 1
    assert verdict.classification is Classification.REVIEW
    # A strong RTSP signal beside it still restricts on its own.
    _, ident, verdict = _identify(db, ("rtsp.realm", "IP Camera(D2959)"), ("arp.mac", "b4:a3:82:01:a7:3f"))
    assert ident.support_probes == 2 and verdict.classification is Classification.RESTRICTED


def test_a_brands_mac_in_a_realm_names_the_brand_and_its_platform_as_the_arp_table_does(db) -> None:  # type: ignore[no-untyped-def]
    # https://github.com/bluenviron/mediamtx/issues/1631: an EZVIZ camera's DESCRIBE 401 with realm
    # "588fcf7a1dc6", its MAC in Hangzhou Ezviz Software's block 58:8F:CF, and Hikvision's camera
    # method list. EZVIZ is a brand: its OUI names the label on the card, the platform follows
    # from the registry, exactly as when the MAC is read from the ARP table.
    _, by_realm, _ = _identify(db, ("rtsp.realm", "588fcf7a1dc6"))
    _, by_arp, _ = _identify(db, ("arp.mac", "58:8f:cf:7a:1d:c6"))
    assert (by_realm.vendor, by_realm.platform_vendor) == (by_arp.vendor, by_arp.platform_vendor) == ("EZVIZ", "Hikvision")
    # Hikvision's shared method list now confirms the platform the brand implies.
    _, ident, verdict = _identify(db, ("rtsp.realm", "588fcf7a1dc6"), ("rtsp.public", HIKVISION_IPC_PUBLIC))
    assert (ident.vendor, ident.platform_vendor) == ("EZVIZ", "Hikvision")
    assert verdict.classification is Classification.REVIEW  # a MAC and a shared list: a lead, not a finding


def test_two_independent_fields_of_one_dahua_describe_corroborate_and_restrict(db) -> None:  # type: ignore[no-untyped-def]
    # retina dahua_describe_h265_pcma.txt: the session name and the private attribute are two facts
    # about the firmware, from two fields of one answer (identity.py, "corroborate")
    _, ident, verdict = _identify(db, ("rtsp.sdp_session", "Media Server"), ("rtsp.sdp_attribute", "packetization-supported:DH"))
    assert ident.platform_vendor == "Dahua" and ident.support_fields >= 2
    assert verdict.classification is Classification.RESTRICTED
