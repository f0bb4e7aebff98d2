"""Where is it: each device's switch port, from the switches' own tables (SNMP, LLDP).

``--switch HOST`` (repeatable) names the switches to read and ``--snmp-credentials FILE`` how
(a YAML file, mode 0600, like ``--credentials``)::

    default:                      # any switch or host without its own entry
      community: "..."            # SNMPv2c
    hosts:                        # per address or CIDR; the most specific match wins
      10.20.0.1:
        user: locator             # SNMPv3 (USM)
        auth_protocol: sha256     # md5 sha sha224 sha256 sha384 sha512
        auth_key: "..."
        priv_protocol: aes        # des 3des aes aes192 aes256
        priv_key: "..."

Secrets never appear in a repr, a log line, a warning, a report or an exception message.
Switches obey the scope rules: an address, not public unless ``--allow-public``, never one an
``--exclude`` names. Nothing is sent to any switch unless ``--switch`` names it.

How a MAC becomes a location: a port is an *uplink* when an LLDP neighbour sits on it or it
carries more than ``UPLINK_MACS`` MACs. A MAC seen on an access port of any named switch is
on that port (``certainty: port``); a MAC seen only on uplinks is ``behind_uplink`` (the first
uplink's name and LLDP neighbour are given, so the next switch to read is known). Several
devices on one access port with an NVR or DVR among them: the others are behind that recorder
(its own PoE ports).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ..credentials import CredentialsError, read_private_yaml
from ..errors import ScopeError
from ..models import Device, DeviceType, Location
from ..scope import Scope, parse_scope
from .snmp import AUTH_PROTOCOLS, PRIV_PROTOCOLS, SnmpAuth, SwitchTables, read_switch, read_system

UPLINK_MACS = 8  # more MACs than this behind one port: an uplink, not a device's own port


@dataclass(frozen=True)
class SnmpCredentials:
    default: SnmpAuth | None = None
    hosts: tuple[tuple[ipaddress.IPv4Network, SnmpAuth], ...] = ()

    def for_host(self, ip: str) -> SnmpAuth | None:
        try:
            addr = ipaddress.IPv4Address(ip)
        except ValueError:
            return None
        matches = [(net.prefixlen, auth) for net, auth in self.hosts if addr in net]
        return max(matches, key=lambda m: m[0])[1] if matches else self.default

    def __repr__(self) -> str:
        return f"SnmpCredentials(default={'set' if self.default else 'none'}, hosts={len(self.hosts)})"


def _auth(raw: object, where: str, path: str) -> SnmpAuth:
    if not isinstance(raw, dict):
        raise CredentialsError(f"{path}: {where} must be a mapping (community, or user with keys)")
    strings = {k: v for k, v in raw.items() if isinstance(v, str)}
    if set(raw) - set(strings) - {"version"}:
        raise CredentialsError(f"{path}: {where}: every value must be a string")
    if "community" in strings and "user" not in strings:
        return SnmpAuth(version="2c", community=strings["community"])
    if "user" in strings:
        auth_p, priv_p = strings.get("auth_protocol", "sha").lower(), strings.get("priv_protocol", "aes").lower()
        if auth_p not in AUTH_PROTOCOLS or priv_p not in PRIV_PROTOCOLS:
            raise CredentialsError(f"{path}: {where}: unknown auth_protocol or priv_protocol")
        if strings.get("priv_key") and not strings.get("auth_key"):
            raise CredentialsError(f"{path}: {where}: a priv_key needs an auth_key (SNMPv3 authPriv)")
        for key in ("auth_key", "priv_key"):
            if strings.get(key) and len(strings[key]) < 8:
                raise CredentialsError(f"{path}: {where}: {key} must be at least 8 characters (RFC 3414)")
        return SnmpAuth(version="3", user=strings["user"], auth_protocol=auth_p, auth_key=strings.get("auth_key", ""),
                        priv_protocol=priv_p, priv_key=strings.get("priv_key", ""))
    raise CredentialsError(f"{path}: {where} needs a community (v2c) or a user (v3)")


def load_snmp_credentials(path: str | os.PathLike[str]) -> SnmpCredentials:
    data = read_private_yaml(path, "SNMP credentials")
    p = str(path)
    if not isinstance(data, dict):
        raise CredentialsError(f"SNMP credentials file {p} must be a mapping with 'default' and/or 'hosts'")
    default = _auth(data["default"], "'default'", p) if data.get("default") is not None else None
    hosts = []
    raw_hosts = data.get("hosts") or {}
    if not isinstance(raw_hosts, dict):
        raise CredentialsError(f"{p}: 'hosts' must be a mapping of address or CIDR to SNMP credentials")
    for key, raw in raw_hosts.items():
        try:
            net = ipaddress.IPv4Network(str(key), strict=False)
        except ValueError:
            raise CredentialsError(f"{p}: host key {str(key)[:40]!r} is not an IPv4 address or CIDR") from None
        hosts.append((net, _auth(raw, f"host {net}", p)))
    if default is None and not hosts:
        raise CredentialsError(f"SNMP credentials file {p} defines no credentials")
    return SnmpCredentials(default=default, hosts=tuple(hosts))


def check_switches(switches: Sequence[str], scope: Scope | None = None, *, allow_public: bool = False) -> list[str]:
    """The switch addresses, each checked against the scope rules (ScopeError if one fails)."""
    checked: list[str] = []
    for raw in switches:
        text = raw.strip()
        try:
            addr = ipaddress.IPv4Address(text)
        except ValueError:
            raise ScopeError(f"--switch {text[:60]!r} is not an IPv4 address") from None
        parse_scope([text], allow_public=allow_public, max_addresses=1)  # public, loopback, multicast refused
        if scope is not None and any(addr in net for net in scope.excludes):
            raise ScopeError(f"switch {addr} is excluded from the scope (--exclude); it will not be read")
        if str(addr) not in checked:
            checked.append(str(addr))
    return checked


def read_switches(switches: Sequence[str], creds: SnmpCredentials, *, timeout: float = 2.0,
                  budget: float = 30.0, max_rows: int = 20_000, port: int = 161) -> tuple[list[SwitchTables], list[str]]:
    """Read each switch; returns the tables and warning lines (no secret in any of them)."""
    tables: list[SwitchTables] = []
    warnings: list[str] = []
    for address in switches:
        auth = creds.for_host(address)
        if auth is None:
            warnings.append(f"switch {address}: no SNMP credentials for it in the --snmp-credentials file; not read")
            continue
        t = read_switch(address, auth, timeout=timeout, budget=budget, max_rows=max_rows, port=port)
        tables.append(t)
        if not t.answered:
            warnings.append(f"switch {address}: no SNMP answer (wrong community/user, or not an SNMP agent)")
        elif not t.fdb:
            warnings.append(f"switch {t.name} ({address}): no forwarding table (dot1qTpFdbTable, dot1dTpFdbTable)")
        warnings.extend(f"switch {t.name} ({address}): {p}" for p in t.problems)
    return tables, warnings


def _norm_mac(mac: str | None) -> str | None:
    if not mac:
        return None
    hexdigits = "".join(ch for ch in mac.lower() if ch in "0123456789abcdef")
    return ":".join(hexdigits[i:i + 2] for i in range(0, 12, 2)) if len(hexdigits) == 12 else None


def locate_devices(devices: Iterable[Device], tables: Sequence[SwitchTables], *, uplink_macs: int = UPLINK_MACS) -> list[Device]:
    """Each device with its ``location`` set where a switch table names its MAC."""
    devices = list(devices)
    # (switch, bridge port) -> MACs seen there
    per_port: dict[tuple[int, int], set[str]] = {}
    seen: dict[str, list[tuple[int, int, int | None]]] = {}
    for si, t in enumerate(tables):
        for e in t.fdb:
            per_port.setdefault((si, e.bridge_port), set()).add(e.mac)
            seen.setdefault(e.mac, []).append((si, e.bridge_port, e.vlan))

    def is_uplink(si: int, port: int) -> bool:
        return port in tables[si].lldp or len(per_port.get((si, port), ())) > uplink_macs

    recorders = {_norm_mac(d.mac): d for d in devices if d.device_type in (DeviceType.NVR, DeviceType.DVR) and _norm_mac(d.mac)}
    out: list[Device] = []
    for dev in devices:
        mac = _norm_mac(dev.mac)
        places = seen.get(mac or "", [])
        if not places:
            out.append(dev)
            continue
        access = [p for p in places if not is_uplink(p[0], p[1])]
        si, port, vlan = (access or places)[0]
        t = tables[si]
        name, alias = t.port_name(port), t.port_alias(port)
        if access:
            shared = [recorders[m] for m in per_port[(si, port)] if m in recorders and m != mac]
            if shared:
                loc = Location(t.name, t.address, name, alias, vlan, "behind_uplink",
                               f"behind recorder {shared[0].ip} on {name}")
            else:
                loc = Location(t.name, t.address, name, alias, vlan, "port", None)
        else:
            nb = t.lldp.get(port)
            via = f"{name} to {nb.sys_name or 'an LLDP neighbour'}" + (f" ({nb.port_id})" if nb and nb.port_id else "") if nb \
                else f"{name} ({len(per_port[(si, port)])} MACs)"
            loc = Location(t.name, t.address, name, alias, vlan, "behind_uplink", f"behind uplink {via}")
        out.append(replace(dev, location=loc))
    return out


def system_observations(ip: str, creds: SnmpCredentials, *, timeout: float = 2.0) -> list[tuple[str, str]]:
    """``[("snmp.sys_descr", ...), ("snmp.sys_object_id", ...)]`` for a host with credentials."""
    auth = creds.for_host(ip)
    if auth is None:
        return []
    got = read_system(ip, auth, timeout=timeout)
    if got is None:
        return []
    descr, oid = got
    return [(f, v) for f, v in (("snmp.sys_descr", descr), ("snmp.sys_object_id", oid)) if v]


__all__ = ["SnmpCredentials", "UPLINK_MACS", "check_switches", "load_snmp_credentials", "locate_devices",
           "read_switches", "system_observations"]
