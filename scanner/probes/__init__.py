"""The discovery probes. Each is one module behind the interface in ``base``; adding a probe is
writing its module and adding its class to ``ALL_PROBES``."""

from __future__ import annotations

from .arp import ArpProbe
from .base import DiscoveryProbe, HostProbe, Probe, ProbeContext
from .dhip import DhipProbe
from .dvrip_search import DvripSearchProbe
from .http import HttpProbe
from .mdns import MdnsProbe
from .onvif import OnvifProbe
from .ports import PortProbe
from .rtsp import RtspProbe
from .sadp import SadpProbe
from .snmp import SnmpProbe
from .ssdp import SsdpProbe
from .wsdiscovery import WsDiscoveryProbe, WsDiscoveryUnicastProbe

ALL_PROBES: list[type[Probe]] = [
    ArpProbe,
    PortProbe,
    HttpProbe,
    RtspProbe,
    WsDiscoveryProbe,
    SadpProbe,
    DhipProbe,
    DvripSearchProbe,
    MdnsProbe,
    SsdpProbe,
    WsDiscoveryUnicastProbe,
    OnvifProbe,
    SnmpProbe,
]


def probe_names() -> list[str]:
    return [p.name for p in ALL_PROBES]


__all__ = ["ALL_PROBES", "DiscoveryProbe", "HostProbe", "Probe", "ProbeContext", "probe_names"]
