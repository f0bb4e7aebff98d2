"""The discovery probes. Each is one module behind the interface in ``base``; adding a probe is
writing its module and adding its class to ``ALL_PROBES``."""

from __future__ import annotations

from .arp import ArpProbe
from .base import DiscoveryProbe, HostProbe, Probe, ProbeContext
from .http import HttpProbe
from .ports import PortProbe
from .rtsp import RtspProbe

ALL_PROBES: list[type[Probe]] = [
    ArpProbe,
    PortProbe,
    HttpProbe,
    RtspProbe,
]


def probe_names() -> list[str]:
    return [p.name for p in ALL_PROBES]


__all__ = ["ALL_PROBES", "DiscoveryProbe", "HostProbe", "Probe", "ProbeContext", "probe_names"]
