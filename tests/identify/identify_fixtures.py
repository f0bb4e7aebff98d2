"""Small fingerprint databases built in a tmp dir from real banners, for the identify tests.

Every example value below was sent by a real device; its source is in the comment beside it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from scanner.identify import build_identity, default_database_path, load_policy, match_observation
from scanner.identify.classify import classify
from scanner.models import Observation

REPO_DB = default_database_path()

# Real MAC prefixes (IEEE OUI registry, as shipped with netaddr).
MAC_HIKVISION = "0c:75:d2:12:34:56"  # 0C75D2 Hangzhou Hikvision Digital Technology Co.,Ltd.
MAC_DAHUA = "74:c9:29:12:34:56"  # 74C929 Zhejiang Dahua Technology Co., Ltd.
MAC_AXIS = "00:40:8c:ef:08:1c"  # 00408C Axis Communications AB
MAC_LOREX = "00:1f:54:12:34:56"  # 001F54 Lorex Technology Inc.
MAC_AMCREST = "9c:8e:cd:00:00:01"  # 9C8ECD Amcrest Technologies
MAC_LTS = "14:2f:fd:00:00:01"  # 142FFD LT SECURITY INC
MAC_IC_REALTIME = "20:de:88:00:00:01"  # 20DE88 IC Realtime LLC (a Dahua OEM by trade reports only)
MAC_BROTHER = "3c:2a:f4:12:34:56"  # 3C2AF4 Brother Industries, LTD.
MAC_LOCAL = "02:42:c6:12:00:05"  # locally administered: no maker

HTTP_SERVER = {
    "matches": "http.server",
    "description": "HTTP Server response header",
    "fingerprints": [
        {
            "id": "hikvision-webs",
            "description": "Hikvision embedded web server (DNVRS/DVRDVS/Hikvision-Webs)",
            "pattern": "^(?:Hikvision|DNVRS|DVRDVS)-Webs$",
            "strength": "strong",
            "params": {"platform_vendor": "Hikvision"},
            # Rapid7 Recog xml/http_servers.xml examples; DNVRS-Webs also in nmap script output
            # pasted in the Nmapoutputbrowser README (http-server-header: DNVRS-Webs).
            "source": "Rapid7 Recog xml/http_servers.xml",
            "examples": [{"value": "DNVRS-Webs"}, {"value": "DVRDVS-Webs"}, {"value": "Hikvision-Webs"}],
        },
        {
            "id": "hikvision-app-webs",
            "description": "Hikvision App-webs server (newer cameras and NVRs)",
            "pattern": "^App-webs/?$",
            "strength": "strong",
            "params": {"platform_vendor": "Hikvision"},
            # 'Server: App-webs/' is the Shodan query a public Hikvision exposure script uses to
            # find real devices (GitHub, shodan dork list: "Server: App-webs/").
            "source": "Shodan dork 'Server: App-webs/' used in public Hikvision exposure scripts",
            "examples": [{"value": "App-webs/"}],
        },
        {
            "id": "nginx",
            "description": "nginx web server",
            "pattern": "^nginx(?:/[\\d.]+)?",
            "strength": "weak",
            "params": {"vendor": "nginx"},
            "source": "Rapid7 Recog xml/http_servers.xml",
            "examples": [{"value": "nginx/0.8.53"}],
        },
    ],
}

HTTP_REALM = {
    "matches": "http.realm",
    "description": "HTTP WWW-Authenticate realm",
    "fingerprints": [
        {
            "id": "dahua-login-to-serial",
            "description": "Dahua firmware realm 'Login to <serial>'",
            "pattern": "^Login to (?P<serial>[0-9A-Z]{8,20})$",
            "strength": "strong",
            "params": {"platform_vendor": "Dahua"},
            # ND011811000000: Recog xml/http_wwwauth.xml (Lorex NR900 DVR, a Dahua OEM);
            # 4H01D66PAJ2FA64: RTSP digest header captured from a Dahua camera, pasted in a
            # public Dahua digest script on GitHub; 2J01018PAA00813: ONVIF client code comment
            # quoting a device's WWW-Authenticate header.
            "source": "Rapid7 Recog xml/http_wwwauth.xml; GitHub code comments quoting real Dahua headers",
            "examples": [
                {"value": "Login to ND011811000000", "params": {"serial": "ND011811000000"}},
                {"value": "Login to 4H01D66PAJ2FA64", "params": {"serial": "4H01D66PAJ2FA64"}},
                {"value": "Login to 2J01018PAA00813", "params": {"serial": "2J01018PAA00813"}},
            ],
        },
        {
            "id": "axis-realm-mac",
            "description": "Axis camera realm AXIS_<MAC>",
            "pattern": "^AXIS_(?P<serial>[0-9A-F]{12})$",
            "strength": "strong",
            "params": {"vendor": "Axis", "platform_vendor": "Axis", "device_type": "camera"},
            # Header quoted in an iOS camera client's source comment:
            # WWW-Authenticate: Digest realm="AXIS_00408CEF081C"
            "source": "GitHub iOS camera client source comment quoting an Axis WWW-Authenticate header",
            "examples": [{"value": "AXIS_00408CEF081C", "params": {"serial": "00408CEF081C"}}],
        },
    ],
}

RTSP_SERVER = {
    "matches": "rtsp.server",
    "description": "RTSP Server header",
    "fingerprints": [
        {
            "id": "dahua-rtsp-server",
            "description": "Dahua RTSP server",
            "pattern": "^Dahua Rtsp Server$",
            "strength": "strong",
            "params": {"platform_vendor": "Dahua", "device_type": "camera"},
            "source": "Rapid7 Recog xml/rtsp_servers.xml",
            "examples": [{"value": "Dahua Rtsp Server"}],
        }
    ],
}

HTTP_TITLE = {
    "matches": "http.title",
    "description": "HTML title",
    "fingerprints": [
        {
            "id": "brother-printer-title",
            "description": "Brother printer web page",
            "pattern": "^Brother (?P<model>[A-Z]{2,4}-[A-Z0-9]+) series$",
            "strength": "strong",
            "params": {"vendor": "Brother", "platform_vendor": "Brother", "device_type": "other"},
            "source": "Rapid7 Recog xml/html_title.xml",
            "examples": [{"value": "Brother MFC-L5900DW series", "params": {"model": "MFC-L5900DW"}}],
        }
    ],
}

REAL_FILES = {
    "http_server.yaml": HTTP_SERVER,
    "http_realm.yaml": HTTP_REALM,
    "rtsp_server.yaml": RTSP_SERVER,
    "http_title.yaml": HTTP_TITLE,
}


def make_database(root: Path, files: dict[str, object] | None = None, *, vendors: object | None = None, oui: object | None = None) -> Path:
    """A database directory: the repo's schema/, policies/, vendors.yaml and oui.yaml, plus ``files``."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO_DB / "schema", root / "schema")
    shutil.copytree(REPO_DB / "policies", root / "policies")
    if vendors is None:
        shutil.copy(REPO_DB / "vendors.yaml", root / "vendors.yaml")
    else:
        (root / "vendors.yaml").write_text(yaml.safe_dump(vendors, sort_keys=False), encoding="utf-8")
    if oui is None:
        shutil.copy(REPO_DB / "oui.yaml", root / "oui.yaml")
    else:
        (root / "oui.yaml").write_text(yaml.safe_dump(oui, sort_keys=False), encoding="utf-8")
    for name, doc in (REAL_FILES if files is None else files).items():
        text = doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def vendors_doc() -> dict:
    return yaml.safe_load((REPO_DB / "vendors.yaml").read_text(encoding="utf-8"))


def structural(problems) -> list[str]:  # type: ignore[no-untyped-def]
    """Problems other than a source without an address. The fixtures above name their sources as
    the fingerprint files did before addresses were required (issue 15 item 5); until they carry
    repository + path + commit, the tests that need a clean fixture database leave that one rule
    out (test_identify_selftest and test_identify_resolver test the rule itself)."""
    return [str(p) for p in problems if "source has no address" not in str(p)]


def identify_alone(db, *observations: tuple[str, str], ip: str = "198.18.0.20"):  # type: ignore[no-untyped-def]
    """(identity, verdict under uk-sensitive-sites) of one device seen only through these
    (field, value) pairs, each observed by the probe its field names."""
    found = [Observation(ip=ip, probe=f.split(".")[0], field=f, value=v) for f, v in observations]
    ident = build_identity([match_observation(o, db) for o in found], db)
    return ident, classify(ident, load_policy("uk-sensitive-sites", db), db.vendors)
