"""Write each real capture's ``.expect.yaml`` from the dataset's own labels, never from
cctv-scan's output.

Source: ntop/nDPI's regression captures (``tests/cfgs/default/pcap/``) and nDPI's own result
files for them (``tests/cfgs/default/result/<name>.out``), which label every flow with the
protocol nDPI recognised. An expected device is a non-global address that is an endpoint of a
labelled flow and sends at least one frame in the (trimmed) capture; its MAC is that frame's
source MAC as ``tcpdump -e`` prints it. ``maker`` is the IEEE MA-L registry's organisation for
the MAC's OUI (netaddr's copy of the registry), where it names a maker of end devices; chip and
module makers (Espressif) are left out, since they do not make the device.

    python pcaps/real/make_expect.py /work/.mirror/ntop+nDPI/repo
"""

from __future__ import annotations

import ipaddress
import re
import subprocess
import sys
from pathlib import Path

import netaddr
import yaml

HERE = Path(__file__).resolve().parent
LICENCE = "LGPL-3.0 (the ntop/nDPI repository's licence, COPYING; the captures carry no other)"
MODULE_MAKERS = {"Espressif Inc.", "Tuya Smart Inc."}  # vendors.yaml kind component
REWRITTEN_MACS = {"ndpi-xiaomi.pcap"}  # MACs of the form 00:0N:00:..: rewritten, their OUI names nobody
SHORT = {"Google, Inc.": "Google", "Apple, Inc.": "Apple", "Sonos, Inc.": "Sonos", "Nest Labs Inc.": "Nest",
         "Tuya Smart Inc.": "Tuya", "Belkin International Inc.": "Belkin", "Dell Inc.": "Dell",
         "LG Electronics (Mobile Communications)": "LG", "ASUSTek COMPUTER INC.": "ASUS",
         "ICP Electronics Inc.": "ICP Electronics"}
CAPTURES = {  # file here: (file in nDPI, frames kept, what the dataset says the capture is)
    "ndpi-TivoDVR.pcap": ("TivoDVR.pcap", "all 2", "TiVo DVR announcing itself (TiVoConnect beacon, UDP 2190) from a public address"),
    "ndpi-alexa-app.pcap": ("alexa-app.pcapng", "first 300 of 2,936 (tcpdump -c 300)", "Amazon Alexa app traffic (TLS.Amazon, HTTP.Amazon)"),
    "ndpi-nest_log_sink.pcap": ("nest_log_sink.pcap", "first 200 of 1,046 (tcpdump -c 200)", "a Nest device sending logs to its cloud (NestLogSink)"),
    "ndpi-rtsp_setup_http.pcapng": ("rtsp_setup_http.pcapng", "all 1", "an RTSP SETUP to a media server on 8554"),
    "ndpi-sonos.pcapng": ("sonos.pcapng", "all 61", "Sonos speaker traffic (TLS.Sonos on 1443, Sonos on UDP 7080)"),
    "ndpi-ssdp-m-search-ua.pcap": ("ssdp-m-search-ua.pcap", "all 4", "SSDP M-SEARCH with a user agent"),
    "ndpi-ssdp-m-search.pcap": ("ssdp-m-search.pcap", "all 19", "SSDP-style search broadcasts (UDP 32412)"),
    "ndpi-tplink_shp.pcap": ("tplink_shp.pcap", "all 251", "TP-Link Smart Home Protocol broadcasts (UDP 9999)"),
    "ndpi-tuya_lp.pcap": ("tuya_lp.pcap", "all 98", "Tuya local-protocol device broadcasts (UDP 6667)"),
    "ndpi-upnp.pcap": ("upnp.pcap", "all 14", "WS-Discovery multicasts (UDP 3702, IPv4 and IPv6)"),
    "ndpi-xiaomi.pcap": ("xiaomi.pcap", "all 52", "Xiaomi devices talking to their cloud (TCP 5222, HTTP)"),
}
FLOW = re.compile(r"^\s*\d+\s+(TCP|UDP)\s+\[?([0-9a-f.:]+?)\]?:(\d+)\s+(?:<->|->)\s+\[?([0-9a-f.:]+?)\]?:(\d+)\s+\[proto: [\d.]+/([^\]]+)\]")
FRAME = re.compile(r"^\S+\s+(?:\S+\s+)?([0-9a-f:]{17}) > .*?, ethertype IPv4 \(0x0800\), length \d+: (\d+\.\d+\.\d+\.\d+)\.\d+ >")


def main(ndpi: Path) -> None:
    commit = subprocess.run(["git", "-C", str(ndpi), "log", "-1", "--format=%H"], capture_output=True, text=True, check=True).stdout.strip()
    for name, (source, frames, about) in CAPTURES.items():
        out = subprocess.run(["git", "-C", str(ndpi), "show", f"HEAD:tests/cfgs/default/result/{source}.out"],
                             capture_output=True, text=True, check=True).stdout
        labelled, labels, public = set(), {}, set()
        for line in out.splitlines():
            m = FLOW.match(line)
            if not m:
                continue
            for ip in (m.group(2), m.group(4)):
                addr = ipaddress.ip_address(ip)
                if addr.is_multicast or addr.is_unspecified or ip == "255.255.255.255" or ip.endswith(".255"):
                    continue
                (public if addr.is_global else labelled).add(ip)
                labels.setdefault(ip, set()).add(m.group(6))
        dump = subprocess.run(["tcpdump", "-nn", "-e", "-r", str(HERE / name)], capture_output=True, text=True).stdout
        senders: dict[str, str] = {}
        for line in dump.splitlines():
            m = FRAME.match(line)
            if m and m.group(2) in labelled:
                senders.setdefault(m.group(2), m.group(1))
        devices = []
        for ip in sorted(senders, key=lambda a: ipaddress.ip_address(a)):
            mac = senders[ip]
            entry = {"ip": ip, "mac": mac, "labels": sorted(labels[ip])}
            try:
                org = netaddr.EUI(mac).oui.registration().org
            except (netaddr.NotRegisteredError, IndexError):
                org = None
            if org and org not in MODULE_MAKERS and name not in REWRITTEN_MACS:
                entry["maker"] = SHORT.get(org, org)
                entry["maker_source"] = f"IEEE MA-L registry: {mac[:8].upper()} {org}"
            devices.append(entry)
        doc = {
            "capture": name,
            "source": f"ntop/nDPI tests/cfgs/default/pcap/{source} at commit {commit}",
            "labels_from": f"ntop/nDPI tests/cfgs/default/result/{source}.out at commit {commit}",
            "licence": LICENCE,
            "frames": frames,
            "about": about,
            "devices": devices,
            "not_devices": sorted(public, key=lambda a: ipaddress.ip_address(a)),
        }
        header = (f"# What `cctv-scan pcap pcaps/real/{name}` must find. Written by pcaps/real/make_expect.py from\n"
                  "# nDPI's own flow labels and the frames' headers (tcpdump -e), never from cctv-scan's output.\n")
        (HERE / name.rsplit(".", 1)[0]).with_suffix(".expect.yaml").write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
