"""Turn captured frames into the observations, hosts and attempt records the active probes
produce, so passive mode feeds the same identification.

One ``Collector`` per run: ``feed`` each frame (from a file or a live interface), then
``result``. What each protocol yields:

- ARP: ``arp.mac`` for the sender, and a host.
- DHCP client messages: ``dhcp.hostname``, ``dhcp.vendor_class``, ``dhcp.param_list``; a
  server's DHCPACK ties the client's MAC to its address.
- DNS queries (UDP to 53) from a LAN device: ``dns.query``, each name it asks for (``dns``),
  at most MAX_DNS_NAMES_PER_HOST a device, none for a LAN resolver (a host other LAN hosts send
  queries to: it forwards theirs); a maker's cloud name names the maker
  (``fingerprints/cloud_name.yaml``, which reads ``tls.sni`` too).
- UDP discovery (mDNS, SSDP, WS-Discovery, SADP, DHIP): the discovery probes' own parsers
  (see ``discovery``); layer-2 SADP (ethertype 0x8033) by ``sadp_l2``.
- TCP: streams reassembled per connection (``tcpflows``, capped); HTTP responses through the
  active HTTP probe's ``parse_response`` (with the request's path, so marker paths and the
  favicon come out as in a scan; the page "/" redirects to is read as the front page, as the
  active probe reads it: ``frontpage``), UPnP descriptions through the SSDP probe's parser, RTSP
  replies through the RTSP probe's parser, TLS ClientHello SNI (``tls.sni``, for the client)
  and TLS 1.2 server certificates (``tls.subject``, ``tls.issuer``); a SYN-ACK is ``port.open``.
  Request headers give ``http.user_agent`` / ``rtsp.user_agent`` for the client.

Which hosts are devices: every unicast source MAC seen with an IPv4 address inside the
capture's local subnets (``scope`` when given; else every address that is not globally
routable: the private, shared, link-local and benchmark ranges, where ARP, DHCP and broadcasts
put LAN hosts; a LAN numbered with public addresses needs ``scope``, so that no public address
is ever listed as a device unasked). Hosts
outside are not devices: each LAN device that opened a TCP connection to one carries a
``passive.talks_to`` observation (address:port, the TLS name it asked for, the certificate
subject the server sent), and the run's warnings hold a one-line summary. One device per MAC:
a MAC seen with several local addresses is reported under the last one, the others become
``passive.previous_address`` observations on it.

Observations are attributed to the sender's IPv4 address; a sender without one yet (a DHCP
DISCOVER from 0.0.0.0, an IPv6-only announcement) is held by MAC and attributed once the MAC
is seen with an address. Identical observations are kept once, and their number is capped, so
memory stays bounded on any capture.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..models import AttemptStatus, Host, Observation, ProbeAttempt
from ..probes.http import Fetched, certificate_names, favicon_observations, parse_response, redirect_targets
from ..probes.rtsp import RtspReplyError, observations_from, parse_reply
from . import dhcp, discovery, dns, messages, sadp_l2, tls
from .frontpage import FrontPages, is_redirect
from .frames import ETH_ARP, ETH_SADP, PROTO_TCP, PROTO_UDP, SUPPORTED_LINKTYPES, TCP_ACK, TCP_SYN, Frame, decode, mac_text
from .tcpflows import Conversation, FlowTable

MAX_OBSERVATIONS = 200_000
MAX_HELD_BY_MAC = 10_000
MAX_FRAME_SOURCES = 65_536  # distinct (MAC, IPv4) pairs remembered from frame headers
MAX_CONTACTS = 65_536  # distinct (client, server, port) TCP contacts remembered
MAX_ADDRESSES_PER_MAC = 16
MAX_DNS_NAMES_PER_HOST = 64  # distinct names kept per device: a PC resolves thousands, a camera a handful
MAX_DNS_HOSTS = 65_536
PRIVATE_NETS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "198.18.0.0/15", "100.64.0.0/10"))
DHCP_PORTS = {67, 68}
DNS_PORT = 53


@dataclass
class PassiveResult:
    observations: list[Observation]
    hosts: list[Host]
    attempts: list[ProbeAttempt]
    warnings: list[str]
    counts: Counter


@dataclass
class _Malformed:
    count: int = 0
    first: str = ""
    status: AttemptStatus = AttemptStatus.MALFORMED


class Collector:
    def __init__(self, marker_paths: tuple[str, ...] = (), scope: Sequence[str] = ()) -> None:
        self.marker_paths = set(marker_paths)
        self.scope = tuple(ipaddress.ip_network(n, strict=False) for n in scope)
        self.addresses_of_mac: dict[str, list[str]] = {}  # local addresses in first-seen order
        self.contacts: dict[tuple[str, str, int], str] = {}  # (client, server, port) -> TLS name
        self.contacts_dropped = 0
        self.flows = FlowTable()
        self.front_pages = FrontPages()
        self.obs: dict[Observation, None] = {}
        self.held: dict[str, dict[Observation, None]] = {}  # by MAC, until it shows an address
        self.mac_of: dict[str, str] = {}
        self.ipv4_of_mac: dict[str, str] = {}
        self.counts: Counter = Counter()
        self.unread: Counter = Counter()  # discovery datagrams whose parser is not available
        self.malformed: dict[tuple[str, str], _Malformed] = {}
        self.dropped = 0
        self.dns_names: dict[str, set[str]] = {}  # source address -> names it asked for (capped)
        self.dns_servers: set[str] = set()  # LAN hosts other LAN hosts send queries to (resolvers)

    # -- input ---------------------------------------------------------------------------
    def feed(self, linktype: int, data: bytes) -> None:
        self.counts["packets"] += 1
        if linktype not in SUPPORTED_LINKTYPES:
            self.counts["unsupported_linktype"] += 1
            return
        try:
            frame = decode(linktype, data)
        except Exception as exc:  # noqa: BLE001 - a frame we cannot decode must not end the run
            self._malformed("frame", "capture", f"undecodable frame: {type(exc).__name__}: {exc}")
            return
        if frame is None:
            return
        if frame.cut:
            self.counts["cut"] += 1
        if frame.src_mac and frame.src_ip and not int(frame.src_mac[:2], 16) & 1:
            self._source(frame.src_mac, frame.src_ip)
        if frame.ethertype == ETH_ARP:
            self._arp(frame)
        elif frame.ethertype == ETH_SADP:
            self._sadp_l2(frame)
        elif frame.proto == PROTO_UDP:
            self._learn_link_local(frame)
            self._udp(frame)
        elif frame.proto == PROTO_TCP:
            if frame.flags & TCP_SYN and frame.flags & TCP_ACK and frame.src_ip:
                self._add(Observation(frame.src_ip, "ports", "port.open", str(frame.sport), frame.sport))
                self._contact(frame.dst_ip or "", frame.src_ip, frame.sport)
            for conv in self.flows.add(frame):
                self._conversation(conv)

    # -- protocols -----------------------------------------------------------------------
    def _arp(self, frame: Frame) -> None:
        p = frame.payload
        if len(p) < 28 or p[0:2] != b"\x00\x01" or p[2:4] != b"\x08\x00" or p[4] != 6 or p[5] != 4:
            return
        mac, ip = mac_text(p[8:14]), ".".join(str(b) for b in p[14:18])
        self.counts["arp"] += 1
        if ip != "0.0.0.0" and mac != "00:00:00:00:00:00":
            self._learn(mac, ip)
            self._add(Observation(ip, "arp", "arp.mac", mac))

    def _sadp_l2(self, frame: Frame) -> None:
        self.counts["sadp_l2"] += 1
        ip, mac, observations = sadp_l2.parse(frame.payload)
        mac = mac or frame.src_mac
        if ip and mac:
            self._learn(mac, ip)
        for o in observations:
            self._add(o, mac=mac)

    def _udp(self, frame: Frame) -> None:
        src = frame.src_ip or ""
        if frame.sport in DHCP_PORTS and frame.dport in DHCP_PORTS:
            self._dhcp(frame)
            return
        if frame.dport == DNS_PORT:
            self._dns(frame)
            return
        proto = discovery.protocol_for(frame.sport, frame.dport)
        if proto is None or not frame.payload:
            return
        self.counts[proto.name] += 1
        parser = discovery.load(proto.module, proto.function)
        if parser is None:
            self.unread[proto.name] += 1
            return
        try:
            observations = parser(frame.payload, src)
        except ValueError as exc:
            self._malformed(proto.name, src, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a parser bug must not end the run
            self._malformed(proto.name, src, f"bug in cctv-scan: {type(exc).__name__}: {exc}", AttemptStatus.ERROR)
            return
        for o in observations:
            self._add(o, mac=frame.src_mac)

    def _dns(self, frame: Frame) -> None:
        """A device's DNS query: each name it asks for is ``dns.query`` (cloud_name.yaml reads the
        makers' cloud names), at most MAX_DNS_NAMES_PER_HOST distinct names per device."""
        src = frame.src_ip or ""
        if not src or src == "0.0.0.0" or not self.is_local(src):
            return
        self.counts["dns"] += 1
        dst = frame.dst_ip or ""
        if dst and self.is_local(dst) and len(self.dns_servers) < 1024:
            self.dns_servers.add(dst)
        asked = self.dns_names.get(src)
        if asked is None:
            if len(self.dns_names) >= MAX_DNS_HOSTS:
                return
            asked = self.dns_names.setdefault(src, set())
        for name in dns.query_names(frame.payload):
            if name in asked:
                continue
            if len(asked) >= MAX_DNS_NAMES_PER_HOST:
                self.counts["dns_names_dropped"] += 1
                continue
            asked.add(name)
            self._add(Observation(src, "dns", "dns.query", name, DNS_PORT), mac=frame.src_mac)

    def _dhcp(self, frame: Frame) -> None:
        self.counts["dhcp"] += 1
        lease = dhcp.parse_lease(frame.payload)
        if lease:
            self._learn(*lease)
            return
        client = dhcp.parse_client(frame.payload)
        if client is None:
            return
        ip = client.ip if client.ip and frame.src_ip not in (None, "0.0.0.0") else None
        if ip:
            self._learn(client.mac, ip)
        for name, value in (("dhcp.hostname", client.hostname), ("dhcp.vendor_class", client.vendor_class),
                            ("dhcp.param_list", client.param_list)):
            if value:
                self._add(Observation(ip or "0.0.0.0", "dhcp", name, value, 67), mac=client.mac)

    def _conversation(self, conv: Conversation) -> None:
        sip, sport = conv.server
        try:
            if conv.to_client.startswith(b"HTTP/") or conv.to_server.startswith((b"GET ", b"HEAD ", b"POST ")):
                self._http(conv)
            elif conv.to_client.startswith(b"RTSP/") or b" RTSP/1.0\r\n" in conv.to_server[:512]:
                self._rtsp(conv)
            elif tls.looks_like_tls(conv.to_server) or tls.looks_like_tls(conv.to_client):
                self._tls(conv)
        except Exception as exc:  # noqa: BLE001 - hostile bytes must not end the run
            self._malformed("tcp", f"{sip}:{sport}", f"bug in cctv-scan: {type(exc).__name__}: {exc}", AttemptStatus.ERROR)

    def _http(self, conv: Conversation) -> None:
        (cip, _), (sip, sport) = conv.client, conv.server
        self.counts["http"] += 1
        requests = [m for m in messages.split(conv.to_server) if not m.is_response]
        for r in requests:
            if r.headers.get("user-agent"):
                self._add(Observation(cip, "http", "http.user_agent", r.headers["user-agent"][:512]))
        head_first = bool(requests) and requests[0].method == "HEAD"
        for i, resp in enumerate(messages.split(conv.to_client, head_method=head_first)):
            if not resp.is_response or resp.status is None:
                continue
            path = (requests[i].target if i < len(requests) else None) or "/"
            path = path.split("?", 1)[0]
            fetched = Fetched(f"http://{sip}:{sport}{path}", resp.status, resp.headers, resp.body, not resp.complete)
            if path == "/favicon.ico":
                if resp.status == 200 and resp.body and resp.complete:
                    for o in favicon_observations(sip, sport, resp.body):
                        self._add(o)
                continue
            if is_redirect(fetched) and (path == "/" or (sip, sport, path) in self.front_pages.targets):
                for target in redirect_targets(fetched):  # a hop of the front page's redirect chain
                    self._add(Observation(sip, "http", "http.location", target, sport))
            for page in self.front_pages.response((sip, sport), path, fetched):
                for o in parse_response(sip, sport, page):
                    self._add(o)
            if path != "/" or is_redirect(fetched):
                if path in self.marker_paths and resp.status != 404:  # as the active probe: a 404 marks nothing
                    for o in parse_response(sip, sport, fetched, marker_path=path):
                        self._add(o)
                server = resp.headers.get("server")
                if server:
                    self._add(Observation(sip, "http", "http.server", server[:4096], sport))
                for o in parse_response(sip, sport, fetched, marker_path=path):
                    if o.field == "http.realm":
                        self._add(o)
            if b"urn:schemas-upnp-org:device" in resp.body[:4096]:
                self._upnp(sip, sport, resp.body)
            if b"GetDeviceInformationResponse" in resp.body[:8192]:
                self._onvif(sip, sport, resp.body)
            elif b"GetSystemDateAndTimeResponse" in resp.body[:8192]:
                self._onvif(sip, sport, resp.body, device_information=False)

    def _onvif(self, ip: str, port: int, body: bytes, *, device_information: bool = True) -> None:
        """An ONVIF answer seen on the wire (GetDeviceInformation, or GetSystemDateAndTime for the
        namespaces its envelope declares), read by the active probe's parsers."""
        from ..probes.onvif import parse_device_information, parse_namespaces

        try:
            for o in parse_device_information(body, ip, port) if device_information else []:
                self._add(o)
            for o in parse_namespaces(body, ip, port):
                self._add(o)
        except ValueError as exc:
            what = "GetDeviceInformation" if device_information else "GetSystemDateAndTime"
            self._malformed("onvif", f"{ip}:{port}", f"{what}: {exc}")

    def _upnp(self, ip: str, port: int, body: bytes) -> None:
        parser = discovery.load(*discovery.UPNP_DESCRIPTION)
        if parser is None:
            self.unread["upnp"] += 1
            return
        try:
            for o in parser(body, ip, port):
                self._add(o)
        except ValueError as exc:
            self._malformed("ssdp", f"{ip}:{port}", f"UPnP description: {exc}")

    def _rtsp(self, conv: Conversation) -> None:
        (cip, _), (sip, sport) = conv.client, conv.server
        self.counts["rtsp"] += 1
        for r in messages.split(conv.to_server):
            if not r.is_response and r.headers.get("user-agent"):
                self._add(Observation(cip, "rtsp", "rtsp.user_agent", r.headers["user-agent"][:512]))
        for resp in messages.split(conv.to_client):
            if not resp.start.startswith("RTSP/"):
                break  # interleaved media follows the replies
            head = (resp.start + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in resp.headers.items()) + "\r\n").encode("latin-1", "replace")
            try:
                _status, headers = parse_reply(head)
            except RtspReplyError as exc:
                self._malformed("rtsp", f"{sip}:{sport}", str(exc))
                continue
            for o in observations_from(sip, sport, headers, resp.body if _status == 200 else b""):
                self._add(o)

    def _tls(self, conv: Conversation) -> None:
        (cip, _), (sip, sport) = conv.client, conv.server
        self.counts["tls"] += 1
        hello = tls.parse_stream(conv.to_server)
        if hello.server_name:
            self._add(Observation(cip, "tls", "tls.sni", hello.server_name))
            self._contact(cip, sip, sport, hello.server_name[:255])
        server = tls.parse_stream(conv.to_client)
        if server.certificates:
            try:
                subject, issuer = certificate_names(server.certificates[0])
            except ValueError as exc:
                self._malformed("tls", f"{sip}:{sport}", f"TLS certificate: {exc}")
                return
            for name, value in (("tls.subject", subject), ("tls.issuer", issuer)):
                if value:
                    self._add(Observation(sip, "http", name, value[:1024], sport))

    # -- bookkeeping ---------------------------------------------------------------------
    def _learn_link_local(self, frame: Frame) -> None:
        """A multicast or broadcast datagram is never routed: its source MAC is the sender's."""
        if frame.src_mac and frame.src_ip and frame.dst_ip and frame.src_ip != "0.0.0.0":
            if frame.dst_ip == "255.255.255.255" or _multicast(frame.dst_ip):
                if ":" not in frame.src_ip:
                    self._learn(frame.src_mac, frame.src_ip)

    def _source(self, mac: str, ip: str) -> None:
        """A unicast source MAC seen with an IPv4 address (whether it is local is decided at the end)."""
        if ":" in ip or ip == "0.0.0.0":
            return
        addresses = self.addresses_of_mac.get(mac)
        if addresses is None:
            if len(self.addresses_of_mac) >= MAX_FRAME_SOURCES:
                return
            addresses = self.addresses_of_mac[mac] = []
        if ip in addresses:
            if addresses[-1] != ip:  # back to an earlier address: it is the current one again
                addresses.remove(ip)
                addresses.append(ip)
        elif len(addresses) < MAX_ADDRESSES_PER_MAC:
            addresses.append(ip)

    def _contact(self, client: str, server: str, port: int, name: str = "") -> None:
        key = (client, server, port)
        if key in self.contacts:
            if name and not self.contacts[key]:
                self.contacts[key] = name
        elif len(self.contacts) < MAX_CONTACTS:
            self.contacts[key] = name
        else:
            self.contacts_dropped += 1

    def _learn(self, mac: str, ip: str) -> None:
        if ":" in ip or ip == "0.0.0.0":
            return
        self._source(mac, ip)
        self.mac_of[ip] = mac
        if mac not in self.ipv4_of_mac:
            self.ipv4_of_mac[mac] = ip
            for o in self.held.pop(mac, {}):
                self._add(_moved(o, ip))

    def _add(self, o: Observation, mac: str | None = None) -> None:
        if o.ip in ("0.0.0.0", "") or ":" in o.ip:
            ipv4 = self.ipv4_of_mac.get(mac or "")
            if ipv4:
                o = _moved(o, ipv4)
            elif mac:
                if mac in self.held or len(self.held) < MAX_HELD_BY_MAC:
                    held = self.held.setdefault(mac, {})
                    if len(held) < 256:
                        held[o] = None
                return
            elif o.ip in ("0.0.0.0", ""):
                return
        if o in self.obs:
            return
        if len(self.obs) >= MAX_OBSERVATIONS:
            self.dropped += 1
            return
        self.obs[o] = None

    def _malformed(self, probe: str, target: str, detail: str, status: AttemptStatus = AttemptStatus.MALFORMED) -> None:
        entry = self.malformed.setdefault((probe, target), _Malformed(status=status))
        entry.count += 1
        if not entry.first:
            entry.first = detail[:300]
        self.counts["malformed"] += 1

    # -- output --------------------------------------------------------------------------
    def result(self) -> PassiveResult:
        for conv in self.flows.flush():
            self._conversation(conv)
        unplaced = {mac: held for mac, held in self.held.items() if mac not in self.ipv4_of_mac}
        for held in unplaced.values():  # IPv6-only senders keep their IPv6 address
            for o in held:
                if o.ip not in ("0.0.0.0", ""):
                    self._add(o)
        lost = [o for held in unplaced.values() for o in held if o.ip in ("0.0.0.0", "")]
        # A LAN resolver forwards every client's questions upstream: the names it asks for are
        # its clients', not its own, so they are not kept for it.
        kept = [o for o in self.obs if not (o.field == "dns.query" and o.ip in self.dns_servers)]
        observations, hosts, offsite = self._devices(kept)
        attempts = [
            ProbeAttempt(probe, target, m.status, f"{m.count} malformed message(s); first: {m.first}")
            for (probe, target), m in self.malformed.items()
        ]
        warnings = []
        if self.unread:
            names = ", ".join(f"{n} ({c})" for n, c in sorted(self.unread.items()))
            warnings.append(f"datagrams seen but not read (this build has no parser for them yet): {names}")
        if lost:
            macs = sorted({mac for mac, held in unplaced.items() if any(o in lost for o in held)})
            warnings.append(
                f"{len(lost)} observation(s) from {len(macs)} device(s) never seen with an address "
                f"(MAC {', '.join(macs[:5])}{' ...' if len(macs) > 5 else ''}) are not reported"
            )
        if offsite:
            warnings.append(offsite)
        if self.dropped:
            warnings.append(f"{self.dropped} distinct observation(s) beyond the cap of {MAX_OBSERVATIONS} were dropped")
        if self.flows.evicted:
            warnings.append(f"{self.flows.evicted} TCP connection(s) were read early because more than {self.flows.max_flows} were open at once")
        return PassiveResult(observations, sorted(hosts, key=_ip_key), attempts, warnings, self.counts)

    def is_local(self, ip: str) -> bool:
        """Inside the capture's local subnets: ``scope`` if stated, else not globally routable."""
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        if addr.is_multicast or addr.is_unspecified or str(addr) == "255.255.255.255":
            return False
        if self.scope:
            return any(addr in net for net in self.scope if net.version == addr.version)
        if addr.version == 6:
            return addr.is_link_local or addr.is_private
        return any(addr in net for net in PRIVATE_NETS) or (addr.is_private and not addr.is_loopback)

    def _devices(self, observations: list[Observation]) -> tuple[list[Observation], list[Host], str]:
        """LAN hosts only, one per MAC; off-site hosts become talks-to evidence on their LAN peers."""
        current: dict[str, str] = {}  # any local address of a MAC -> the address it is reported under
        mac_of_ip: dict[str, str] = {}
        nows = {}
        for mac, addresses in self.addresses_of_mac.items():
            local = [a for a in addresses if self.is_local(a)]
            if local:
                nows[mac] = (local, local[-1])  # reported under the latest address
        taken = {now for _, now in nows.values()}
        for mac, (local, now) in nows.items():
            for a in local:
                if a != now and a in taken:
                    continue  # another device's own address: a stray frame does not merge the two
                current[a] = now
                mac_of_ip.setdefault(a, mac)
        for ip, mac in self.mac_of.items():  # ARP and DHCP bindings are the surest
            mac_of_ip[ip] = mac
        subjects: dict[str, str] = {}
        out: list[Observation] = []
        seen: set[Observation] = set()

        def keep(o: Observation) -> None:
            if o not in seen:
                seen.add(o)
                out.append(o)

        for o in observations:
            if o.field == "tls.subject" and not self.is_local(o.ip):
                subjects.setdefault(o.ip, o.value)
            if not self.is_local(o.ip):
                continue
            ip = current.get(o.ip, o.ip)
            keep(o if ip == o.ip else _moved(o, ip))
        for mac, addresses in self.addresses_of_mac.items():
            local = [a for a in addresses if self.is_local(a)]
            now = local[-1] if local else ""
            for old in local:
                if old != now:
                    keep(Observation(now, "passive", "passive.previous_address", old))
        remote: set[str] = set()
        talkers: set[str] = set()
        for (client, server, port), name in self.contacts.items():
            if not client or not self.is_local(client) or self.is_local(server):
                continue
            remote.add(server)
            ip = current.get(client, client)
            talkers.add(ip)
            value = f"{server}:{port}"
            if name:
                value += f" tls.sni={name}"
            if server in subjects:
                value += f" tls.subject={subjects[server]}"
            keep(Observation(ip, "passive", "passive.talks_to", value[:1024], port))
        hosts: dict[str, Host] = {}
        for ip in {current.get(a, a) for a in current} | {o.ip for o in out}:
            hosts[ip] = Host(ip=ip, mac=mac_of_ip.get(ip), source="passive")
        summary = ""
        if remote:
            summary = (f"{len(remote)} off-site address(es) outside the local subnets were talked to by "
                       f"{len(talkers)} LAN device(s); they are listed as passive.talks_to on those devices, not as devices")
            if self.contacts_dropped:
                summary += f" ({self.contacts_dropped} further contact(s) beyond the cap of {MAX_CONTACTS} not kept)"
        return out, list(hosts.values()), summary


def _moved(o: Observation, ip: str) -> Observation:
    return Observation(ip, o.probe, o.field, o.value, o.port)


def _multicast(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_multicast
    except ValueError:
        return False


def _ip_key(host: Host) -> tuple:
    try:
        addr = ipaddress.ip_address(host.ip)
        return (addr.version, int(addr))
    except ValueError:
        return (9, 0)
