"""mDNS / DNS-SD advertisement for the lab, through python-zeroconf.

The device announces, on its own address only (``Zeroconf(interfaces=[ip])``), the service
instances its profile lists: an Axis camera ``_axis-video._tcp`` with a ``macaddress`` TXT key,
a printer ``_ipp._tcp`` / ``_printer._tcp`` / ``_pdl-datastream._tcp`` with its ``ty``,
``product``, ``usb_MFG``, ``usb_MDL`` keys, ``_http._tcp`` for a web UI, and so on; each with
an A record for the device's ``<hostname>.local.``. python-zeroconf answers queries (QM and
QU) and handles probing, announcing and goodbye packets, so this module only turns profile
data into ``ServiceInfo`` records. Registration (which probes for about a second) runs in a
background thread so ``start`` returns at once.

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
from typing import Any

from zeroconf import IPVersion, ServiceInfo, Zeroconf

from scanner.lab.services._udp import fill
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
        self.registered = threading.Event()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._register, name="lab-mdns", daemon=True)
        self._thread.start()

    def _register(self) -> None:
        for info in self.infos:
            if self._closing.is_set():
                return
            try:
                self.zeroconf.register_service(info, allow_name_change=False)
            except Exception:
                log.warning("mdns: could not register %s", info.name, exc_info=True)
        self.registered.set()

    def close(self) -> None:
        self._closing.set()
        self._thread.join(timeout=5)
        try:
            self.zeroconf.unregister_all_services()
        except Exception:
            log.debug("mdns: unregister failed", exc_info=True)
        self.zeroconf.close()


def start(device: DeviceContext, config: dict[str, Any]) -> MdnsService:
    return MdnsService(device, config)
