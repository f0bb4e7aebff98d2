"""ARP sweep: who is alive on the local link, and with which MAC.

Sends one ARP who-has per in-scope address (scapy ``srp``, rate-limited) on the interface the
kernel routes the scope through, and records every reply from an in-scope address. ARP never
crosses a router, so a scope that is not on a connected subnet yields nothing here (the port
probe then finds hosts). Without raw-socket rights it falls back to the kernel's ARP cache
(``/proc/net/arp``) and records why.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..models import AttemptStatus, Host, Observation, ProbeOutput
from .base import DiscoveryProbe, ProbeContext

ARP_CACHE = Path("/proc/net/arp")
MAX_ARP_CACHE_BYTES = 1024 * 1024


def parse_arp_cache(text: str) -> list[tuple[str, str]]:
    """(ip, mac) pairs from the text of /proc/net/arp, skipping incomplete entries."""
    pairs = []
    for line in text.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 4 and cols[3] != "00:00:00:00:00:00" and cols[2] != "0x0":
            pairs.append((cols[0], cols[3].lower()))
    return pairs


class ArpProbe(DiscoveryProbe):
    name = "arp"
    description = "ARP sweep of the in-scope addresses on the local link (kernel cache without root)"
    needs_root = True

    def discover(self, ctx: ProbeContext) -> ProbeOutput:
        out = ProbeOutput()
        started = time.monotonic()
        target = ",".join(ctx.scope.describe())
        if not ctx.is_root:
            out.attempts.append(
                self.attempt(target, AttemptStatus.PERMISSION, "raw sockets need root: used the kernel ARP cache", started)
            )
            text = ARP_CACHE.read_text()[:MAX_ARP_CACHE_BYTES] if ARP_CACHE.exists() else ""
            pairs = [(ip, mac) for ip, mac in parse_arp_cache(text) if ip in ctx.scope]
        else:
            pairs = self._sweep(ctx, out, started, target)
        for ip, mac in pairs:
            out.hosts.append(Host(ip=ip, mac=mac, source=self.name))
            out.observations.append(Observation(ip=ip, probe=self.name, field="arp.mac", value=mac))
        return out

    def _sweep(self, ctx: ProbeContext, out: ProbeOutput, started: float, target: str) -> list[tuple[str, str]]:
        from scapy.config import conf
        from scapy.layers.l2 import ARP, Ether
        from scapy.sendrecv import srp

        conf.verb = 0
        by_iface: dict[str, list[str]] = {}
        for ip in ctx.scope.addresses():
            iface, _addr, gateway = conf.route.route(ip, verbose=0)  # no route: said once by the engine
            if ctx.interfaces and iface not in ctx.interfaces:
                continue
            if gateway not in ("0.0.0.0", None) or iface in ("lo", None):
                continue  # not on a connected subnet: ARP cannot reach it
            by_iface.setdefault(iface, []).append(ip)
        if not by_iface:
            out.attempts.append(self.attempt(target, AttemptStatus.SKIPPED, "no in-scope address is on a connected subnet", started))
            return []
        found: dict[str, str] = {}
        for iface, ips in by_iface.items():
            try:
                answered, _ = srp(
                    [Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst=ip) for ip in ips],
                    iface=iface,
                    timeout=max(ctx.timeout / 2, 0.5),  # two rounds share the window, as the UDP probes' retries do
                    inter=1.0 / ctx.limiter.rate if ctx.limiter else 0.0005,
                    retry=1,
                    verbose=False,
                )
            except PermissionError as exc:
                out.attempts.append(self.attempt(iface, AttemptStatus.PERMISSION, str(exc), started))
                continue
            except OSError as exc:
                out.attempts.append(self.attempt(iface, AttemptStatus.ERROR, f"ARP sweep failed: {exc}", started))
                continue
            for _sent, reply in answered:
                ip, mac = reply[ARP].psrc, reply[ARP].hwsrc.lower()
                if ip in ctx.scope and ip not in found:
                    found[ip] = mac
            out.attempts.append(self.attempt(iface, AttemptStatus.OK, f"{len(ips)} asked, {len(answered)} answered", started))
        return sorted(found.items(), key=lambda p: tuple(int(x) for x in p[0].split(".")))
