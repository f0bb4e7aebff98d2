"""The one call the scan engine makes: observations, hosts and attempts in, devices out.

Also ``identify_document``: a saved scan document keeps every observation as an evidence line
(matched or not), so identification and classification can be re-run offline with a newer
database or another policy, touching no network.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from ..models import Device, Host, Observation, ProbeAttempt, ScanDocument
from .classify import classify
from .fingerprints import FingerprintDB, load_database
from .identity import DERIVED_PROBE, build_identity
from .matcher import MAC_FIELD, MatchResult, match_memo
from .oui import normalise_mac
from .policy import DEFAULT_POLICY, Policy, load_policy

PORT_FIELD = "port.open"


@lru_cache(maxsize=1)
def _default_db() -> FingerprintDB:
    return load_database()


def build_devices(
    observations: Sequence[Observation],
    hosts: Sequence[Host],
    attempts: Sequence[ProbeAttempt] = (),
    *,
    db: FingerprintDB | None = None,
    policy: str | Path | Policy = DEFAULT_POLICY,
) -> list[Device]:
    """One ``Device`` per IP seen (in ``hosts`` or in ``observations``), identified and classified."""
    db = db if db is not None else _default_db()
    pol = policy if isinstance(policy, Policy) else load_policy(policy, db)
    per_ip: dict[str, list[Observation]] = {}
    seen: set[tuple[str, str, str, str, int | None]] = set()
    macs: dict[str, str] = {}

    def add(o: Observation) -> None:
        key = (o.ip, o.probe, o.field, o.value, o.port)
        if key not in seen:
            seen.add(key)
            per_ip.setdefault(o.ip, []).append(o)

    for host in hosts:
        per_ip.setdefault(host.ip, [])
    for o in observations:
        add(o)
        if o.field == MAC_FIELD and o.ip not in macs:
            macs[o.ip] = normalise_mac(o.value) or o.value
    for host in hosts:
        if host.mac and host.ip not in macs:
            macs[host.ip] = normalise_mac(host.mac) or host.mac
            add(Observation(ip=host.ip, probe=host.source or "arp", field=MAC_FIELD, value=host.mac))

    problems = _problems_by_ip(attempts)
    devices = []
    memo: dict[tuple[str, str], MatchResult] = {}
    for ip in sorted(per_ip, key=_ip_key):
        obs = per_ip[ip]
        identity = build_identity([match_memo(o, db, memo) for o in obs], db)
        verdict = classify(identity, pol, db.vendors)
        devices.append(
            Device(
                ip=ip,
                mac=macs.get(ip),
                vendor=identity.vendor,
                platform_vendor=identity.platform_vendor,
                model=identity.model,
                firmware=identity.firmware,
                serial=identity.serial,
                device_type=identity.device_type,
                classification=verdict.classification,
                confidence=identity.confidence,
                reasons=(*verdict.reasons, *identity.explanation),
                evidence=identity.evidence,
                oui_vendor=identity.oui_vendor,
                open_ports=_open_ports(obs),
                conflicts=identity.conflicts,
                problems=tuple(problems.get(ip, ())),
            )
        )
    return devices


def identify_document(
    doc: ScanDocument, policy: str | Path | Policy = DEFAULT_POLICY, *, db: FingerprintDB | None = None
) -> ScanDocument:
    """Re-run identification and classification on a saved scan, from its evidence lines."""
    db = db if db is not None else _default_db()
    pol = policy if isinstance(policy, Policy) else load_policy(policy, db)
    observations = [
        Observation(ip=d.ip, probe=e.probe, field=e.field, value=e.value, port=e.port)
        for d in doc.devices
        for e in d.evidence
        if e.probe != DERIVED_PROBE
    ]
    hosts = [Host(ip=d.ip, mac=d.mac, source="document") for d in doc.devices]
    old_problems = {d.ip: d.problems for d in doc.devices}
    devices = build_devices(observations, hosts, db=db, policy=pol)
    devices = [replace(d, problems=old_problems.get(d.ip, ())) for d in devices]
    return replace(doc, scan=replace(doc.scan, policy=pol.id), devices=tuple(devices))


def _open_ports(obs: Sequence[Observation]) -> tuple[int, ...]:
    ports = set()
    for o in obs:
        if o.field == PORT_FIELD:
            try:
                port = int(o.value)
            except ValueError:
                continue
            if 0 < port < 65536:
                ports.add(port)
    return tuple(sorted(ports))


def _problems_by_ip(attempts: Sequence[ProbeAttempt]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for a in attempts:
        if not a.failed:
            continue
        ip, port = _split_target(a.target)
        where = f" :{port}" if port is not None else ""
        line = f"{a.probe}{where} {a.status.value}"
        if a.elapsed:
            line += f" after {a.elapsed:.1f}s"
        if a.detail:
            line += f" ({a.detail[:200]})"
        out.setdefault(ip, []).append(line)
    return out


def _split_target(target: str) -> tuple[str, int | None]:
    """'198.18.0.5:8080' / '[fd00::1]:80' / '198.18.0.5' / 'http://198.18.0.5:8080/x' -> (ip, port)."""
    t = target.split("://", 1)[-1].split("/", 1)[0]
    if t.startswith("["):
        host, _, rest = t[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif t.count(":") == 1:
        host, _, port = t.partition(":")
    else:
        host, port = t, ""
    return host, int(port) if port.isdigit() else None


def _ip_key(ip: str) -> tuple[int, int, str]:
    try:
        addr = ipaddress.ip_address(ip)
        return (addr.version, int(addr), "")
    except ValueError:
        return (9, 0, ip)
