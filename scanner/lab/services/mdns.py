"""mDNS / DNS-SD advertisement for the lab, through python-zeroconf.

The device announces, on its own address only (``Zeroconf(interfaces=[ip])``), the service
instances its profile lists: an Axis camera ``_axis-video._tcp`` with a ``macaddress`` TXT key,
a printer ``_ipp._tcp`` / ``_printer._tcp`` / ``_pdl-datastream._tcp`` with its ``ty``,
``product``, ``usb_MFG``, ``usb_MDL`` keys, ``_http._tcp`` for a web UI, and so on; each with
an A record for the device's ``<hostname>.local.``. python-zeroconf answers queries (QM and
QU) and handles probing, announcing and goodbye packets, so this module only turns profile
data into ``ServiceInfo`` records. Registration (which probes the link for a second or two)
runs in one background thread per service, so ``start`` returns at once; the device process
waits on ``wait_ready`` before it says READY, so a lab is never "up" with half its names.

Config (``profile["services"]["mdns"]``):
    hostname: host label without ".local." (strings may use {MAC_HEX} {mac_hex} ...)
    services: list of {type: "_axis-video._tcp.local.", name: instance name, port: int,
              txt: {key: value}} (strings may use the device tokens)
    source:   where the names and TXT keys come from (documentation only)
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

from zeroconf import IPVersion, ServiceInfo, Zeroconf

from scanner.lab.services._udp import IP_MULTICAST_ALL, fill
from scanner.lab.services.base import DeviceContext

log = logging.getLogger(__name__)


def service_infos(device: DeviceContext, config: dict[str, Any]) -> list[ServiceInfo]:
    cfg = fill(config, device)
    host = str(cfg.get("hostname") or device.name).rstrip(".")
    server = host if host.endswith(".local") else f"{host}.local"
    infos = []
    for entry in cfg.get("services") or []:
        stype = str(entry["type"])
        stype = stype if stype.endswith(".") else stype + "."
        txt = {str(k): ("" if v is None else str(v)) for k, v in (entry.get("txt") or {}).items()}
        infos.append(ServiceInfo(
            stype,
            f"{entry['name']}.{stype}",
            port=int(entry.get("port", 0)),
            properties=txt,
            server=server + ".",
            addresses=[socket.inet_aton(device.ip)],
        ))
    return infos


class MdnsService:
    def __init__(self, device: DeviceContext, config: dict[str, Any]) -> None:
        self.infos = service_infos(device, config)
        self.zeroconf = Zeroconf(interfaces=[device.ip], ip_version=IPVersion.V4Only)
        _hear_own_interface_only(self.zeroconf, device.iface)
        self._closing = threading.Event()
        # Each registration probes the link for ~2 s before announcing: run them side by side.
        self._threads = [
            threading.Thread(target=self._register, args=(info,), name="lab-mdns", daemon=True) for info in self.infos
        ]
        for thread in self._threads:
            thread.start()

    def _register(self, info: ServiceInfo) -> None:
        if self._closing.is_set():
            return
        try:
            self.zeroconf.register_service(info, allow_name_change=False)
        except Exception:
            log.warning("mdns: could not register %s", info.name, exc_info=True)

    def wait_ready(self, timeout: float) -> None:
        """Return once every service is registered (answerable), or after ``timeout``."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        self._closing.set()
        for thread in self._threads:
            thread.join(timeout=5)
        try:
            self.zeroconf.unregister_all_services()
        except Exception:
            log.debug("mdns: unregister failed", exc_info=True)
        self.zeroconf.close()


def _hear_own_interface_only(zc: Zeroconf, iface: str) -> None:
    """Make zeroconf's sockets those of a host with this one interface. Many devices share one
    namespace in ``ScaleLab``, each with a listen socket on 0.0.0.0:5353: ``IP_MULTICAST_ALL=0``
    keeps each from hearing the queries that arrive on the other devices' interfaces, and
    ``SO_BINDTODEVICE`` makes a legacy-unicast answer (sent from that wildcard socket) leave
    from this device's interface and address, not from whichever the routing table picks."""
    engine = getattr(zc, "engine", None)  # python-zeroconf offers no public handle on its sockets
    socks = [getattr(r, "sock", None) for r in getattr(engine, "readers", [])]
    socks.append(getattr(engine, "_listen_socket", None))
    for sock in socks:
        if sock is None or not hasattr(sock, "setsockopt"):
            continue
        try:
            sock.setsockopt(socket.IPPROTO_IP, IP_MULTICAST_ALL, 0)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
        except OSError:
            log.warning("mdns: cannot tie the sockets to %s", iface, exc_info=True)


def start(device: DeviceContext, config: dict[str, Any]) -> MdnsService:
    return MdnsService(device, config)
