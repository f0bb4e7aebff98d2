"""Serve the real-device corpus over real sockets: one lab device per corpus record.

``benchmarks/accuracy.py`` identifies each record of ``tests/corpus/records/`` offline, from the
observations the record lists. A user's scan never sees observations: it sees bytes, which the
probes must elicit (the right request, port, service type, multicast group) and parse. This module
turns a record back into what the device sent on the wire, as a lab profile (``scanner.lab``
profile format), so a scan of a lab of such devices measures the whole path from outside, the way
a new user's scan of those devices would.

What a record becomes:

- ``raw`` kept with the record (the whole reply as published) is served byte for byte where the
  lab service can: an HTTP or RTSP reply (status line, headers in their order, body), an ONVIF
  SOAP answer or fault (``recorded`` in the ONVIF service).
- Otherwise the reply is composed from the observations, each in the place its protocol puts it:
  ``http.server`` a ``Server`` header on every answer, ``http.realm`` a 401 with
  ``WWW-Authenticate``, ``http.title`` a ``<title>`` in the page, ``http.location`` a 302,
  ``http.marker`` the marker path's own answer; RTSP ``Server``/``Public`` in the OPTIONS reply, a
  realm in DESCRIBE's 401 or the SDP lines in its 200; ONVIF GetDeviceInformation fields and
  scopes; WS-Discovery types, scopes and XAddrs; mDNS instance, host name and TXT keys; SSDP
  ``SERVER``/``USN`` and the UPnP description's fields; a certificate with the recorded subject and
  issuer; SADP ProbeMatch, DHIP deviceInfo and DVRIP NetWork.NetCommon fields under their wire
  names (``wire_key``: ``sadp.device_sn`` is ``<DeviceSN>``); the record's MAC as the device's MAC.
- A record whose observations no lab service can send is not replayed, with the reason
  (``Replay.skipped``): a DHCP request (the scanner hears DHCP only in passive mode), an SNMP walk
  (the scanner asks only with the user's credentials), a favicon known only by its hash.
- A composed reply can differ from the device's in what the record did not keep (header order,
  the rest of a page); ``Replay.approximate`` says which fields were composed rather than served
  from the recorded bytes.

The device's MAC: the record's ``arp.mac``, or the hardware address its ONVIF
GetNetworkInterfaces answer, SADP ProbeMatch, DHIP or DVRIP search reply states (each is the
NIC's own); a MAC shown elsewhere (an mDNS
``mac=`` key, a serial) is not used, as it may not be the NIC's. Records without one
get a locally administered address (``02:..``), which the IEEE registry assigns to nobody, so it
adds no evidence.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Protocol
from urllib.parse import quote

import yaml

from scanner.lab.catalog import EXTRA_PROFILES_ENV
from scanner.lab.scale import ScaleLab
from scanner.lab.services.onvif import NS_ENV, NS_TDS, NS_TER, NS_TT


class Record(Protocol):
    """What this module reads of a corpus record (``scanner.identify.accuracy.Record`` has it; the
    lab imports nothing of the scanner side, so it names the shape, not the class)."""

    id: str
    protocol: str
    raw: str
    source: str
    observations: tuple[tuple[str, str], ...]

NOT_SERVED = {
    "snmp": "the scanner reads SNMP only with the user's credentials",
}
_CERT_KEYS = {"CN", "C", "ST", "L", "O", "OU", "emailAddress"}
_HTTP_REASON = re.compile(r"^(HTTP|RTSP)/\d\.\d\s+(\d{3})(?:\s+(.*))?$")
_WSD_TYPE_PREFIXES = {"dn", "tdn", "tds"}
_WSD_DERIVED_KEYS = ("wsd.type", "wsd.location", "wsd.hardware", "wsd.name", "wsd.manufacturer", "wsd.mac",
                     "wsd.firmware", "wsd.profile")


@dataclass
class Replay:
    """A record as a lab device: the profile, or why it cannot be served."""

    record: Record
    profile: dict[str, Any] | None = None
    skipped: str = ""
    approximate: list[str] = field(default_factory=list)
    dhcp: dict[str, Any] | None = None  # a DHCP client's options, heard by a passive read

    @property
    def served(self) -> bool:
        return self.profile is not None or self.dhcp is not None


def _values(record: Record, name: str) -> list[str]:
    return [v for f, v in record.observations if f == name]


def _first(record: Record, name: str) -> str | None:
    vals = _values(record, name)
    return vals[0] if vals else None


# Placeholders the lab fills in what it serves ({ip}, {nonce}, ...): a recorded value that happens to
# hold one is served filled, and the replay says so (Replay.approximate).
_FILLED = re.compile(r"\{(?:date|nonce|nonce_upper|ip|mac|mac_hex_upper|cseq|content_length)(?::[^{}]*)?\}")


def split_reply(raw: str) -> tuple[str, int, str | None, list[list[str]], str] | None:
    """(protocol, status, reason, [[name, value], ...], body) of a published HTTP/RTSP reply, or
    None when the text is not one (a session description alone, a request)."""
    text = raw.replace("\r\n", "\n")
    head, sep, body = text.partition("\n\n")
    lines = head.split("\n")
    m = _HTTP_REASON.match(lines[0].strip())
    if not m:
        return None
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon and name.strip() and " " not in name.strip():
            headers.append([name.strip(), value.strip()])
    return m.group(1), int(m.group(2)), m.group(3), headers, body if sep else ""


def _html(title: str | None, body: str | None) -> str:
    if body and title and title in body:
        return body
    page = f"<html><head><title>{title}</title></head><body></body></html>" if title else "<html></html>"
    return f"{body}\n{page}" if body else page


def _http(record: Record, source: str, approx: list[str]) -> dict[str, Any] | None:
    raw = split_reply(record.raw) if record.raw.strip() else None
    markers = _values(record, "http.marker")
    routes: dict[str, Any] = {}
    cfg: dict[str, Any] = {"port": 80}
    if raw is not None and not markers:
        _proto, status, reason, headers, body = raw
        headers = [[n, v] for n, v in headers if n.lower() not in ("content-length", "transfer-encoding")]
        headers.append(["Content-Length", "{content_length}"])
        routes["/"] = {"status": status, "headers": headers, "body": body, "source": source}
        if reason:
            routes["/"]["reason"] = reason
        cfg["routes"] = routes
        return cfg
    server = _first(record, "http.server")
    if server is not None:
        cfg["headers"] = [["Server", server]]
        cfg["headers_source"] = source
    realm, title = _first(record, "http.realm"), _first(record, "http.title")
    body, location = _first(record, "http.body"), _first(record, "http.location")
    for name in ("http.realm", "http.title", "http.body", "http.location", "http.server"):
        if _values(record, name):
            approx.append(name)
    page = _html(title, body) if (title or body) else ""
    root: dict[str, Any] = {"status": 200, "headers": [["Content-Type", "text/html"],
                                                       ["Content-Length", "{content_length}"]],
                            "body": page, "source": source}
    if location is not None:
        root["status"] = 302
        root["headers"].insert(0, ["Location", location])
    elif realm is not None:
        root["status"] = 401
        root["headers"].insert(0, ["WWW-Authenticate", f'Basic realm="{realm}"'])
    if realm is not None and location is not None:
        routes["/login"] = {"status": 401, "headers": [["WWW-Authenticate", f'Basic realm="{realm}"'],
                                                       ["Content-Length", "0"]], "body": "", "source": source}
    routes["/"] = root
    for marker in markers:
        m = re.match(r"^GET (\S+) (\d{3})\n\n(.*)$", marker, re.S)
        if m is None:
            continue
        approx.append("http.marker")
        routes[m.group(1)] = {"status": int(m.group(2)), "headers": [["Content-Length", "{content_length}"]],
                              "body": m.group(3), "source": source}
    cfg["routes"] = routes
    return cfg


def _rtsp(record: Record, source: str, approx: list[str]) -> dict[str, Any]:
    methods: dict[str, Any] = {}
    raw = split_reply(record.raw) if record.raw.strip() else None
    if raw is not None and raw[0] == "RTSP":
        _proto, status, reason, headers, body = raw
        headers = [[n, v] for n, v in headers if n.lower() not in ("cseq", "content-length")]
        headers = [["CSeq", "{cseq}"], *headers]
        if body.strip():
            headers.append(["Content-Length", "{content_length}"])
        entry = {"status": status, "headers": headers, "body": body, "source": source}
        if reason:
            entry["reason"] = reason
        sdp = "sdp" in " ".join(v for n, v in headers if n.lower() == "content-type").lower() or body.lstrip().startswith("v=0")
        if status == 200 and sdp:
            methods["DESCRIBE"] = entry
            methods["OPTIONS"] = {"status": 200, "headers": [["CSeq", "{cseq}"]], "source": source}
        elif status == 200:
            methods["OPTIONS"] = entry
        else:
            methods["OPTIONS"] = entry
            methods["DESCRIBE"] = entry
        return {"port": 554, "methods": methods}
    options_headers = [["CSeq", "{cseq}"]]
    server, public = _first(record, "rtsp.server"), _first(record, "rtsp.public")
    if server is not None:
        options_headers.append(["Server", server])
        approx.append("rtsp.server")
    if public is not None:
        options_headers.append(["Public", public])
        approx.append("rtsp.public")
    methods["OPTIONS"] = {"status": 200, "headers": options_headers, "source": source}
    realm = _first(record, "rtsp.realm")
    sdp_lines = []
    for fname, prefix in (("rtsp.sdp_session", "s="), ("rtsp.sdp_info", "i="), ("rtsp.sdp_tool", "a=tool:"),
                          ("rtsp.sdp_attribute", "a=")):
        sdp_lines += [prefix + v for v in _values(record, fname)]
    describe_headers = [["CSeq", "{cseq}"]] + ([["Server", server]] if server is not None else [])
    if realm is not None:
        approx.append("rtsp.realm")
        methods["DESCRIBE"] = {"status": 401, "source": source, "headers": describe_headers + [
            ["WWW-Authenticate", f'Digest realm="{realm}", nonce="{{nonce}}"']]}
    elif sdp_lines:
        approx.append("rtsp.sdp")
        body = "v=0\r\no=- 0 0 IN IP4 {ip}\r\n" + "\r\n".join(sdp_lines) + "\r\nt=0 0\r\n"
        methods["DESCRIBE"] = {"status": 200, "source": source, "headers": describe_headers + [
            ["Content-Type", "application/sdp"], ["Content-Length", "{content_length}"]], "body": body}
    return {"port": 554, "methods": methods}


_ONVIF_OPS = {
    "GetDeviceInformationResponse": "GetDeviceInformation", "GetScopesResponse": "GetScopes",
    "GetSystemDateAndTimeResponse": "GetSystemDateAndTime",
    "GetNetworkInterfacesResponse": "GetNetworkInterfaces",
}


_ONVIF_ASKED_WITHOUT_CREDENTIALS = {"GetSystemDateAndTime", "GetDeviceInformation"}


def _onvif(record: Record, source: str, approx: list[str]) -> dict[str, Any]:
    cfg: dict[str, Any] = {"port": 80, "device_info_without_auth": True, "source": source}
    raw = record.raw.strip()
    if raw.startswith("<") or raw.startswith("HTTP/"):
        body = raw.split("\n\n", 1)[1] if raw.startswith("HTTP/") and "\n\n" in raw else raw
        ops = [op for tag, op in _ONVIF_OPS.items() if re.search(rf"<(?:\w+:)?{tag}\b", body)]
        if not ops and re.search(r"<(?:\w+:)?Fault\b", body):
            ops = ["GetDeviceInformation"]
        if ops:
            cfg["recorded"] = {op: {"status": 200 if "Fault" not in body else 400, "body": body} for op in ops}
            namespaces = _values(record, "onvif.namespace")
            if namespaces and not set(ops) & _ONVIF_ASKED_WITHOUT_CREDENTIALS:
                # the scanner asks GetScopes and GetNetworkInterfaces only with credentials, so the
                # recorded answer is never fetched; the firmware's own namespaces, which it declares
                # on every envelope (scanner/probes/onvif.py), go on the lab's other answers instead
                cfg["namespaces"] = {f"ns{i}": uri for i, uri in enumerate(namespaces)}
                approx.append("onvif.namespace (declared on the answers the scanner asks without credentials)")
            return cfg
    info_fields = {"Manufacturer": "onvif.manufacturer", "Model": "onvif.model", "FirmwareVersion": "onvif.firmware",
                   "SerialNumber": "onvif.serial", "HardwareId": "onvif.hardware"}
    info = {k: _first(record, f) for k, f in info_fields.items()}
    if any(v is not None for v in info.values()):
        cfg["device_information"] = {k: (v or "") for k, v in info.items()}
        approx.append("onvif.device_information")
    else:
        cfg["device_info_without_auth"] = False
    scopes = _values(record, "onvif.scope")
    if scopes:
        cfg["scopes"] = scopes
        approx.append("onvif.scope")
    namespaces = _values(record, "onvif.namespace")
    table = _prefix_table(_first(record, "onvif.prefixes") or "", namespaces)
    if table:
        # the firmware's declaration list, in its order (what onvif.prefixes records); the URIs of
        # the recorded prefixes are not recorded, so the firmware's own namespaces follow them
        cfg["namespace_table"] = table
        approx.append("onvif.prefixes (in the recorded order; the recorded namespaces declared after them)")
    elif namespaces:
        cfg["namespaces"] = {f"ns{i}": uri for i, uri in enumerate(namespaces)}
        approx.append("onvif.namespace")
    return cfg


# URIs of the prefixes the lab's own answer bodies use; any other recorded prefix gets a urn:, which
# the ONVIF probe counts as a standard namespace (it says nothing, as the real one did not either).
_PREFIX_URIS = {"env": NS_ENV, "SOAP-ENV": NS_ENV, "s": NS_ENV, "tds": NS_TDS, "tt": NS_TT, "ter": NS_TER}
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# The length at which the probes clip a value (scanner/probes/_parsing.py MAX_VALUE_CHARS; the lab
# imports nothing of the scanner's probes, so tests/corpus/test_replay.py checks the two agree).
CLIPPED_AT = 512


def _prefix_table(prefixes: str, namespaces: list[str]) -> dict[str, str]:
    """``{prefix: URI}`` in the recorded order, then ``ns<i>`` for each recorded namespace. A list the
    record clipped ends in a cut prefix: the cut one is left out."""
    names = [p for p in prefixes.split(",") if _NCNAME.fullmatch(p)]
    if len(prefixes) >= CLIPPED_AT and names:
        names = names[:-1]  # the probe clipped the list, maybe mid-name
    table = {p: _PREFIX_URIS.get(p, f"urn:cctv-scan:replay:{p}") for p in dict.fromkeys(names)}
    if not table:
        return {}
    for i, uri in enumerate(namespaces):
        table[f"ns{i}"] = uri
    return table


def _wsd(record: Record, source: str, approx: list[str]) -> dict[str, Any]:
    types = []
    for value in _values(record, "wsd.types"):
        for qname in value.split():
            prefix = qname.rpartition(":")[0]
            if prefix in _WSD_TYPE_PREFIXES:
                types.append(qname)
            else:
                approx.append(f"wsd.types {qname!r} (unknown prefix)")
    scopes = _values(record, "wsd.scope")
    if not scopes:
        # a record that kept only the fields a tool derived from the scopes ('name' -> IPCamera):
        # the scopes are rebuilt from them in ONVIF's form
        for fname in _WSD_DERIVED_KEYS:
            scopes += [f"onvif://www.onvif.org/{fname.split('.', 1)[1]}/{quote(v, safe='/')}" for v in _values(record, fname)]
        if scopes:
            approx.append("wsd.scope (rebuilt from derived fields)")
    cfg: dict[str, Any] = {"types": types or ["dn:NetworkVideoTransmitter"], "scopes": scopes, "source": source}
    if not types:
        approx.append("wsd.types")
    xaddrs = _values(record, "wsd.xaddr")
    if xaddrs:
        cfg["xaddrs"] = [x for v in xaddrs for x in v.split()]
    endpoint = _first(record, "wsd.endpoint")
    if endpoint:
        cfg["endpoint"] = endpoint
    return cfg


def _mdns(record: Record, source: str, approx: list[str]) -> dict[str, Any] | None:
    types = [t if t.endswith(".local.") else t.rstrip(".") + ".local." for t in _values(record, "mdns.service")
             if t.startswith("_")]
    names = _values(record, "mdns.name")
    hostname = _first(record, "mdns.hostname")
    txt: dict[str, str] = {}
    for item in _values(record, "mdns.txt"):
        key, _eq, value = item.partition("=")
        if key and key not in txt:
            txt[key] = value
    if not types and not names and not hostname:
        return None
    host = (hostname or (names[0] if names else "device")).removesuffix(".").removesuffix(".local")
    instance = next((n for n in names if not n.endswith(".local.") and not n.endswith(".local")), None) or host
    services = [{"type": t, "name": instance, "port": 80, "txt": dict(txt) if i == 0 else {}} for i, t in enumerate(types or ["_http._tcp.local."])]
    if not types:
        approx.append("mdns.service")
    approx.append("mdns")
    return {"hostname": host, "services": services, "source": source}


def _ssdp(record: Record, source: str, approx: list[str]) -> dict[str, Any]:
    cfg: dict[str, Any] = {"server": _first(record, "ssdp.server") or "", "source": source}
    usn = _first(record, "ssdp.usn") or _first(record, "upnp.udn")
    if usn:
        cfg["uuid"] = usn.split("::", 1)[0].removeprefix("uuid:")
    description = {}
    for tag, fname in (("friendlyName", "upnp.friendly_name"), ("manufacturer", "upnp.manufacturer"),
                       ("manufacturerURL", "upnp.manufacturer_url"), ("modelDescription", "upnp.model_description"),
                       ("modelName", "upnp.model_name"), ("modelNumber", "upnp.model_number"),
                       ("serialNumber", "upnp.serial")):
        value = _first(record, fname)
        if value is not None:
            description[tag] = value
    if description:
        cfg["description"] = description
    device_type = _first(record, "upnp.device_type")
    if device_type:
        cfg["device_type"] = device_type
    approx.append(record.protocol)
    return cfg


def _dn(value: str) -> dict[str, str] | None:
    parts = re.split(r"(?<!\\),", value)
    out: dict[str, str] = {}
    for part in parts:
        key, eq, val = part.partition("=")
        key = key.strip()
        if not eq or key not in _CERT_KEYS or key in out:
            return None
        out[key] = val.replace("\\,", ",").strip()
    return out or None


def _tls(record: Record, source: str, approx: list[str]) -> dict[str, Any] | None:
    subject = _dn(_first(record, "tls.subject") or "") if _values(record, "tls.subject") else None
    issuer = _dn(_first(record, "tls.issuer") or "") if _values(record, "tls.issuer") else None
    if subject is None and issuer is None:
        return None
    cert: dict[str, Any] = {"subject": subject or {"CN": "{ip}"}, "source": source}
    if issuer is not None:
        cert["issuer"] = issuer
    approx.append("tls (attribute order as recorded, other certificate fields generated)")
    return {"port": 443, "certificate": cert,
            "routes": {"/": {"status": 200, "headers": [["Content-Length", "0"]], "body": "", "source": source}}}


# Observation keys are the wire keys in snake case (DeviceSN -> device_sn); composing a reply
# turns them back. Words that the protocols write in capitals (SADP's DeviceSN and MAC, DHIP's
# IPAddress, DVRIP's TCPPort) come back in capitals; any other word is capitalised.
_WIRE_WORDS = {"sn": "SN", "mac": "MAC", "ipv4": "IPv4", "ipv6": "IPv6", "ip": "IP", "oem": "OEM", "dsp": "DSP",
               "sdk": "SDK", "id": "ID", "tcp": "TCP", "udp": "UDP", "ssl": "SSL", "uuid": "UUID"}


def wire_key(name: str) -> str:
    """``device_sn`` -> ``DeviceSN``, ``ipv4_subnet_mask`` -> ``IPv4SubnetMask``."""
    return "".join(_WIRE_WORDS.get(part, part.capitalize()) for part in name.split("_"))


def _wire_value(name: str, value: str) -> Any:
    # ports and counts travel as JSON numbers in DHIP and DVRIP replies
    return int(value) if value.isdigit() and len(value) < 10 and name.endswith(("port", "channels")) else value


def _sadp(record: Record, source: str, approx: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for fname, value in record.observations:
        key = fname.partition(".")[2]
        if not fname.startswith("sadp.") or key in ("types", "mac", "ipv4_address", "uuid"):
            continue  # the lab echoes Types and the inquiry's Uuid, and states its own MAC and address
        fields.setdefault(wire_key(key), value)
    approx.append("sadp (ProbeMatch composed from the recorded fields, in their order)")
    return {"fields": fields, "source": source}


def _dhip(record: Record, source: str, approx: list[str]) -> dict[str, Any]:
    info: dict[str, Any] = {}
    for fname, value in record.observations:
        if not fname.startswith("dhip.") or fname in ("dhip.mac", "dhip.find") or fname.startswith("dhip.ipv4_address."):
            continue  # the top-level mac is the device's own; the lab states its own address
        parts = fname.split(".")[1:]
        slot = info
        for part in parts[:-1]:
            slot = slot.setdefault(wire_key(part), {})
            if not isinstance(slot, dict):
                break
        else:
            slot.setdefault(wire_key(parts[-1]), _wire_value(parts[-1], value))
    find = _first(record, "dhip.find")
    if find is not None:
        info["Find"] = find
    approx.append("dhip (deviceInfo composed from the recorded fields)")
    return {"device_info": info, "source": source}


def _dvrip(record: Record, source: str, approx: list[str]) -> dict[str, Any]:
    common: dict[str, Any] = {}
    for fname, value in record.observations:
        if fname.startswith("dvrip.net_common."):
            key = fname[len("dvrip.net_common."):]
            if key in ("mac", "host_ip", "submask", "gate_way"):
                continue  # the device's own, filled by the lab
            common.setdefault(wire_key(key), _wire_value(key, value))
    common["MAC"] = "{mac}"
    approx.append("dvrip (NetWork.NetCommon composed from the recorded fields)")
    if _values(record, "dvrip.search_type"):
        approx.append("not served: dvrip.search_type (the device's own search message)")
    return {"net_common": common, "source": source}



def _dhcp(record: Record, index: int) -> dict[str, Any] | None:
    client: dict[str, Any] = {"mac": _mac(record) or local_mac(index)}
    for fname, key in (("dhcp.hostname", "hostname"), ("dhcp.vendor_class", "vendor_class"),
                       ("dhcp.param_list", "param_list")):
        value = _first(record, fname)
        if value is not None:
            client[key] = value
    if len(client) == 1:
        return None
    if "param_list" in client:
        codes = [c.strip() for c in client["param_list"].split(",")]
        if not all(c.isdigit() and int(c) < 256 for c in codes):
            return None
        client["param_list"] = [int(c) for c in codes]
    return client


def dhcp_frames(client: dict[str, Any], ip: str, server: tuple[str, str], xid: int) -> list[Any]:
    """A client's DHCPDISCOVER carrying the recorded options (12 host name, 60 vendor class, 55
    parameter list, in that order), and the server's DHCPACK leasing ``ip`` to it: what a
    listener on the segment hears when the device joins (RFC 2131, 2132). Built with scapy."""
    from scapy.layers.dhcp import BOOTP, DHCP
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether

    chaddr = bytes.fromhex(client["mac"].replace(":", "")) + bytes(10)
    options: list[Any] = [("message-type", "discover")]
    if "hostname" in client:
        options.append(("hostname", client["hostname"].encode("utf-8")))
    if "vendor_class" in client:
        options.append(("vendor_class_id", client["vendor_class"].encode("utf-8")))
    if "param_list" in client:
        options.append(("param_req_list", client["param_list"]))
    discover = (Ether(src=client["mac"], dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255")
                / UDP(sport=68, dport=67) / BOOTP(op=1, chaddr=chaddr, xid=xid, flags=0x8000) / DHCP(options=[*options, "end"]))
    server_ip, server_mac = server
    ack = (Ether(src=server_mac, dst=client["mac"]) / IP(src=server_ip, dst=ip) / UDP(sport=67, dport=68)
           / BOOTP(op=2, chaddr=chaddr, xid=xid, yiaddr=ip, siaddr=server_ip)
           / DHCP(options=[("message-type", "ack"), ("server_id", server_ip), ("lease_time", 86400), "end"]))
    return [discover, ack]

def local_mac(index: int) -> str:
    """A locally administered unicast MAC for device ``index`` (no IEEE assignee)."""
    return "02:00:%02x:%02x:%02x:%02x" % ((index >> 24) & 255, (index >> 16) & 255, (index >> 8) & 255, index & 255)


def _mac(record: Record) -> str | None:
    # the NIC's own: ARP, and what ONVIF, SADP, DHIP and DVRIP answers state as the device's MAC
    value = next((v for name in ("arp.mac", "onvif.mac", "sadp.mac", "dhip.mac", "dvrip.net_common.mac")
                  for v in _values(record, name)), None)
    if value is None:
        return None
    digits = re.sub(r"[^0-9A-Fa-f]", "", value).lower()
    if len(digits) != 12 or int(digits[:2], 16) & 1:
        return None
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2))


def replay(record: Record, index: int, expected: dict[str, Any]) -> Replay:
    """The lab profile that serves ``record`` (named ``r<index>``), or why it cannot."""
    out = Replay(record)
    if record.protocol in NOT_SERVED:
        out.skipped = NOT_SERVED[record.protocol]
        return out
    if record.protocol == "dhcp":
        out.dhcp = _dhcp(record, index)
        if out.dhcp is None:
            out.skipped = "a DHCP record without a host name, vendor class or parameter list"
        return out
    source = f"replay of corpus record {record.id} ({record.source.strip()[:300]})"
    services: dict[str, Any] = {}
    fields = {f for f, _v in record.observations}
    if fields & {"http.server", "http.realm", "http.title", "http.body", "http.location", "http.marker"}:
        cfg = _http(record, source, out.approximate)
        if cfg:
            services["http"] = cfg
    if any(f.startswith("rtsp.") for f in fields):
        services["rtsp"] = _rtsp(record, source, out.approximate)
    if any(f.startswith("onvif.") for f in fields):
        services["onvif"] = _onvif(record, source, out.approximate)
    if any(f.startswith("wsd.") for f in fields):
        services["wsd"] = _wsd(record, source, out.approximate)
    elif _values(record, "onvif.scope"):
        # GetScopes needs a login; the same scopes are what an ONVIF device announces in
        # WS-Discovery (ONVIF Core, discovery clause), which a scan hears without one
        services["wsd"] = {"types": ["dn:NetworkVideoTransmitter"], "scopes": _values(record, "onvif.scope"),
                           "source": source}
        out.approximate.append("onvif.scope announced over WS-Discovery")
    if any(f.startswith("mdns.") for f in fields):
        cfg = _mdns(record, source, out.approximate)
        if cfg:
            services["mdns"] = cfg
    if any(f.startswith(("ssdp.", "upnp.")) for f in fields):
        services["ssdp"] = _ssdp(record, source, out.approximate)
    if any(f.startswith("tls.") for f in fields):
        cfg = _tls(record, source, out.approximate)
        if cfg is None:
            out.skipped = "certificate names with attributes the lab cannot write"
            return out
        services["https"] = cfg
    for proto, compose in (("sadp", _sadp), ("dhip", _dhip), ("dvrip", _dvrip)):
        if any(f.startswith(proto + ".") for f in fields):
            services[proto] = compose(record, source, out.approximate)
    if any(_FILLED.search(v) for _f, v in record.observations) or _FILLED.search(record.raw):
        out.approximate.append("a recorded value holds a lab placeholder, filled when served")
    mac = _mac(record)
    unserved = sorted(f for f in fields if f in ("http.favicon", "http.favicon_mmh3"))
    if not services and mac is None:
        out.skipped = f"only {', '.join(unserved) or 'fields no lab service sends'}"
        return out
    if unserved:
        out.approximate.append(f"not served: {', '.join(unserved)}")
    if "onvif" in services and "http" in services:
        services["onvif"]["listen"] = False  # the device's web server owns port 80, as real cameras do
    out.profile = {
        "name": f"r{index:05d}",
        "description": record.id,
        "mac": mac or local_mac(index),
        "mac_source": "the record's arp.mac (or the interface MAC its ONVIF, SADP, DHIP or DVRIP answer states)" if mac else "locally administered (no IEEE assignee): the record shows no MAC",
        "expected": expected,
        "services": services,
    }
    return out


def replays(records: Iterable[Record], expectations: Iterable[dict[str, Any]]) -> list[Replay]:
    return [replay(r, i, e) for i, (r, e) in enumerate(zip(records, expectations))]


def profile_yaml(profile: dict[str, Any]) -> str:
    """A replay profile as the YAML file the lab reads, every mapping in the order composed: a
    namespace table and the fields of a SADP or DHIP reply are sent in that order."""
    return yaml.safe_dump(profile, allow_unicode=True, sort_keys=False)


def scan_replays(replays: list[Replay], policy: str, batch: int = 240, timeout: float = 1.5,
                 cwd: str | None = None) -> dict[str, dict[str, Any]]:
    """Serve the replays' profiles in scale labs of ``batch`` devices; scan each lab; the scan
    document's device entry per record id (empty when the scan did not list the device). Each lab
    is a scale lab (``scanner.lab.scale``) in ``198.18.(16+n).0/24``: network namespaces, no route
    out; the scan is ``python -m scanner scan`` run in the lab's scanner namespace, as a user runs
    it (the lab imports nothing of the scanner)."""
    found: dict[str, dict[str, Any]] = {}
    batch = max(1, min(batch, 245))  # one /24 per lab
    served = [r for r in replays if r.profile is not None]
    with tempfile.TemporaryDirectory(prefix="replay-") as tmp:
        for r in served:
            (Path(tmp) / f"{r.profile['name']}.yaml").write_text(profile_yaml(r.profile), encoding="utf-8")
        old = os.environ.get(EXTRA_PROFILES_ENV)
        os.environ[EXTRA_PROFILES_ENV] = tmp
        try:
            for n, start in enumerate(range(0, len(served), batch)):
                group = served[start:start + batch]
                names = [r.profile["name"] for r in group]
                subnet = f"198.18.{16 + n}.0/24"
                started = time.monotonic()
                with ScaleLab(len(names), names, subnet=subnet) as lab:
                    out = Path(tmp) / f"scan-{n}.json"
                    cmd = [sys.executable, "-m", "scanner", "scan", lab.subnet, "--json", str(out), "--quiet",
                           "--timeout", str(timeout), "--policy", policy]
                    proc = lab.run(cmd, capture_output=True, text=True, timeout=1800, cwd=cwd)
                    if proc.returncode != 0:
                        raise RuntimeError(f"scan of replay lab {n} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
                    doc = json.loads(out.read_text(encoding="utf-8"))
                    by_ip = {d["ip"]: d for d in doc["devices"]}
                    by_name = {d.profile_name: d.ip for d in lab.devices}
                for r in group:
                    found[r.record.id] = by_ip.get(by_name[r.profile["name"]], {})
                print(f"replay lab {n}: {len(group)} devices scanned in {time.monotonic() - started:.0f} s",
                      file=sys.stderr, flush=True)
        finally:
            if old is None:
                os.environ.pop(EXTRA_PROFILES_ENV, None)
            else:
                os.environ[EXTRA_PROFILES_ENV] = old
    return found


def scan_passive(replays: list[Replay], policy: str, subnet: str = "198.18.64.0/22",
                 cwd: str | None = None) -> dict[str, dict[str, Any]]:
    """The DHCP replays as one capture file (each client's DISCOVER and the server's ACK), read
    by ``python -m scanner pcap`` as a user reads a capture: the passive document's device entry
    per record id. Nothing is sent anywhere: the frames go only into the file."""
    import ipaddress

    from scapy.utils import wrpcap

    clients = [r for r in replays if r.dhcp is not None]
    hosts = ipaddress.ip_network(subnet).hosts()
    server = (str(next(hosts)), "02:ff:00:00:00:01")
    found: dict[str, dict[str, Any]] = {}
    if not clients:
        return found
    address = {r.record.id: str(next(hosts)) for r in clients}
    frames = [f for n, r in enumerate(clients) for f in dhcp_frames(r.dhcp, address[r.record.id], server, 0x5e000000 + n)]
    with tempfile.TemporaryDirectory(prefix="replay-dhcp-") as tmp:
        capture, out = Path(tmp) / "dhcp.pcap", Path(tmp) / "dhcp.json"
        wrpcap(str(capture), frames)
        proc = subprocess.run([sys.executable, "-m", "scanner", "pcap", str(capture), "--json", str(out), "--quiet",
                               "--policy", policy], capture_output=True, text=True, timeout=600, cwd=cwd)
        if proc.returncode != 0:
            raise RuntimeError(f"passive read of the DHCP replay failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        by_mac = {str(d.get("mac") or "").lower(): d for d in json.loads(out.read_text(encoding="utf-8"))["devices"]}
    for r in clients:
        found[r.record.id] = by_mac.get(r.dhcp["mac"].lower(), {})
    return found
