"""The contract between a lab device process and the services it runs.

Each service module in this package (``http``, ``https``, ``rtsp``, ``onvif``, ``wsd``,
``sadp``, ``dhip``, ``dvrip``, ``mdns``, ``ssdp``, ``tcp``) exposes::

    def start(device: DeviceContext, config: dict) -> Service

``config`` is ``profile["services"][<module name>]`` from the device's profile file. ``start``
binds its sockets inside the device's network namespace (the device process already runs
there), starts its own thread(s), and returns at once with an object whose ``close()`` stops
them. A service must survive any bytes a client sends: cap reads, time out, never crash.

The lab is the other side of the wire: nothing here imports the scanner's probes, parsers or
fingerprints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class DeviceContext:
    name: str  # profile name, e.g. "hikvision-ds-2cd2143g2-i"
    ip: str  # the device's IPv4 address in the lab
    mac: str  # its MAC, "aa:bb:cc:dd:ee:ff"
    iface: str  # its interface name inside its namespace
    profile: dict[str, Any] = field(default_factory=dict)  # the whole profile document


class Service(Protocol):
    def close(self) -> None: ...
