"""A lab of many devices (tens to a full /24) that stays cheap to build: ``ScaleLab(n)``.

One namespace and one Python process per device (``Lab``) costs about a second and 30 MB per
device; at 250 devices that is minutes and gigabytes. Here every device lives in one
"devices" namespace instead::

    cctvlab-<id>-sw   switch namespace: bridge br0 with two ports (p0 scanner, p1 devices)
    cctvlab-<id>-sc   scanner namespace: eth0 at .2 of the subnet
    cctvlab-<id>-dv   devices namespace: eth0 (no address) is the parent of one macvlan per
                      device, v0, v1, ..., each with the device's own MAC and address

The macvlans are in ``private`` mode: each one receives what the switch sends to its MAC plus
every broadcast and multicast frame (so ARP who-has and discovery probes reach every device),
and devices do not hear one another (no start-up storm of 250 Hellos reaching 250 devices).
Per device, the kernel must behave as a separate host would:

- ARP: ``arp_ignore=1`` (answer a who-has only on the interface holding the address, with that
  interface's MAC) and ``arp_announce=2`` (ask with the address of the outgoing interface).
- Routing: addresses are added without a prefix route; each device has its own routing table
  (the subnet and multicast on its macvlan, source its address) chosen by a rule on the source
  address and one on the outgoing interface (sockets tied to it with ``SO_BINDTODEVICE``), so
  every answer leaves from the device's own interface with its own MAC. ``rp_filter=0``.
- ICMP: ``icmp_ratelimit=0``; a closed UDP port answers "port unreachable" as a host of its own
  would, instead of 250 devices sharing one kernel's per-destination budget of about one a second.
- Multicast: each discovery responder joins its group on its own address; the lab's UDP and
  mDNS responders set ``IP_MULTICAST_ALL=0`` so a socket hears a group only on the interface it
  joined (otherwise every socket would get one copy per macvlan).

Broadcast delivery: the kernel queues each broadcast frame reaching the macvlans' parent
(``bcqueuelen``, default 1,000 frames) and copies it to every macvlan from a work queue, so an
ARP sweep costs the lab O(devices) per frame; at 1,000 devices and 2,000 frames/s the default
queue overflows and who-has frames are dropped before any device sees them. The queue is
sized at four frames per device (at least 1,000), so a sweep's burst waits instead.

Neighbour table: the kernel's ARP table is shared by every namespace and its limits can be
set only in the root namespace; a lab of n devices needs about 2n entries (see ``_neigh``).
While a ScaleLab lives it raises ``net.ipv4.neigh.default.gc_thresh1/2/3`` (never lowers them),
prints the change on stderr, and the last lab out puts the values found before back. The
scanner does not depend on this for the hosts its ARP sweep found (it gives the kernel their
MACs itself; see ``scanner.probes.neighbours``).

A few device processes (``per_process`` devices each, ``python -m scanner.lab.device`` with one
``--device`` per device) serve all services. The device list (``devices``), ``scanner_ns``,
``subnet``, ``run``/``popen``, the state file, ``lab_down`` cleanup and teardown on exit or
signal are those of ``Lab``, which this class extends. Repeated profiles keep their maker's OUI
and get a distinct NIC part (the last three octets).
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from typing import Any

from ..errors import LabError
from . import _neigh, _netns
from .catalog import load_profile, profile_names
from .lab import _PACKAGE_PARENT, FIRST_DEVICE_HOST, LAB_RANGE, MULTICAST, SCANNER_HOST, Lab, _scanner_mac, new_lab_id
from .state import NS_PREFIX, LabDevice, check_lab_id, log_dir, write_state

PER_PROCESS = 25
SCALE_READY_TIMEOUT = 180.0
_TABLE_BASE = 1000  # device i: routing table 1000 + i, rule priorities 1000 + 2i and 1000 + 2i + 1
_KERNEL_SYSCTLS = (
    "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.default.arp_ignore=1",
    "net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.default.arp_announce=2",
    "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
    "net.ipv4.igmp_max_memberships=1024",
    "net.ipv4.icmp_ratelimit=0",  # one kernel answers for all: no shared ICMP budget across devices
)


def distinct_macs(base_macs: list[str]) -> list[str]:
    """One MAC per device: the profile's own for its first copy, then the same OUI with another
    NIC part (stepped by 0x010101 from the profile's), never repeating a MAC in the lab."""
    used: set[str] = set()
    copies: dict[str, int] = {}
    out = []
    for base in base_macs:
        octets = base.lower().split(":")
        oui, nic = octets[:3], int("".join(octets[3:]), 16)
        k = copies.get(base, 0)
        copies[base] = k + 1
        candidate = (nic + k * 0x010101) % 0x1000000
        while True:
            mac = ":".join(oui + [f"{(candidate >> s) & 0xFF:02x}" for s in (16, 8, 0)])
            if mac not in used:
                break
            candidate = (candidate + 1) % 0x1000000
        used.add(mac)
        out.append(mac)
    return out


class ScaleLab(Lab):
    """``n`` emulated devices (the profiles repeated in turn) in one devices namespace.

    ``with ScaleLab(250) as lab: lab.run([...])``. Devices get addresses from ``.10`` upwards,
    or from ``.3`` when that many do not fit above ``.10`` (250 devices on a /24).
    """

    def __init__(
        self,
        n: int,
        profiles: list[str] | None = None,
        *,
        lab_id: str | None = None,
        subnet: str = "198.18.0.0/24",
        services: set[str] | None = None,
        per_process: int = PER_PROCESS,
        ready_timeout: float = SCALE_READY_TIMEOUT,
    ) -> None:
        if n < 1:
            raise LabError("a scale lab needs at least one device")
        self.lab_id = check_lab_id(lab_id) if lab_id else new_lab_id()
        net = ipaddress.ip_network(subnet, strict=True)
        if not isinstance(net, ipaddress.IPv4Network) or not net.subnet_of(LAB_RANGE):
            raise LabError(f"lab subnet {subnet} must lie inside {LAB_RANGE} (reserved for benchmark labs)")
        usable = net.num_addresses - 2
        first = FIRST_DEVICE_HOST if usable >= FIRST_DEVICE_HOST - 1 + n else SCANNER_HOST + 1
        if usable < first - 1 + n:
            raise LabError(f"subnet {subnet} is too small for {n} devices")
        names = list(profiles) if profiles else profile_names()
        if not names:
            raise LabError("no profiles given and none shipped")
        self.subnet, self._net = str(net), net
        self._profiles = {name: load_profile(name) for name in dict.fromkeys(names)}
        self.switch_ns = f"{NS_PREFIX}{self.lab_id}-sw"
        self.scanner_ns = f"{NS_PREFIX}{self.lab_id}-sc"
        self.devices_ns = f"{NS_PREFIX}{self.lab_id}-dv"
        self.scanner_ip = str(net.network_address + SCANNER_HOST)
        chosen = [names[i % len(names)] for i in range(n)]
        macs = distinct_macs([self._profiles[name]["mac"] for name in chosen])
        self.devices = []
        seen: dict[str, int] = {}
        for i, (name, mac) in enumerate(zip(chosen, macs)):
            seen[name] = seen.get(name, 0) + 1
            self.devices.append(LabDevice(
                name=name if seen[name] == 1 else f"{name}-{seen[name]}", profile_name=name,
                ip=str(net.network_address + first + i), mac=mac, namespace=self.devices_ns,
                expected=dict(self._profiles[name]["expected"]),
            ))
        self.block_multicast = frozenset()
        self.services = set(services) if services is not None else None
        self.per_process = max(1, per_process)
        self.overrides = {}
        self._init_runtime(False, ready_timeout)

    @property
    def namespaces(self) -> list[str]:
        return [self.switch_ns, self.scanner_ns, self.devices_ns]

    def interface_of(self, index: int) -> str:
        """The macvlan of device ``index`` inside the devices namespace."""
        return f"v{index}"

    def _create_network(self) -> None:
        for ns in self.namespaces:
            _netns.add(ns)
            _netns.exec_in(ns, ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                                "net.ipv6.conf.default.disable_ipv6=1"])
        self._raise_neighbour_limits()
        _netns.exec_in(self.devices_ns, ["sysctl", "-q", "-w", *_KERNEL_SYSCTLS])
        _netns.batch(self.switch_ns, [
            "link set lo up",
            "link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0",
            "link set br0 up",
            f"link add p0 type veth peer name eth0 netns {self.scanner_ns}",
            f"link add p1 type veth peer name eth0 netns {self.devices_ns}",
            "link set p0 master br0", "link set p0 up", "link set p1 master br0", "link set p1 up",
        ])
        _netns.batch(self.scanner_ns, [
            "link set lo up", f"link set eth0 address {_scanner_mac(self.lab_id)}",
            f"addr add {self.scanner_ip}/{self.prefixlen} dev eth0", "link set eth0 up",
            f"route add {MULTICAST} dev eth0",
        ])
        cmds = ["link set lo up", "link set eth0 up"]
        bcq = max(1000, 4 * len(self.devices))  # see the class docstring: broadcasts queue for every macvlan
        for i, dev in enumerate(self.devices):
            v, table = self.interface_of(i), _TABLE_BASE + i
            cmds += [
                f"link add link eth0 name {v} address {dev.mac} type macvlan mode private bcqueuelen {bcq}",
                f"addr add {dev.ip}/{self.prefixlen} dev {v} noprefixroute",
                f"link set {v} up",
                f"route add {self.subnet} dev {v} src {dev.ip} table {table}",
                f"route add {MULTICAST} dev {v} table {table}",
                f"rule add from {dev.ip} lookup {table} pref {_TABLE_BASE + 2 * i}",
                f"rule add oif {v} lookup {table} pref {_TABLE_BASE + 2 * i + 1}",
            ]
        first = self.interface_of(0)  # for sockets bound to no address (none of the responders)
        cmds += [f"route add {self.subnet} dev {first}", f"route add {MULTICAST} dev {first}"]
        _netns.batch(self.devices_ns, cmds)

    def _raise_neighbour_limits(self) -> None:
        if not _neigh.reachable():
            if len(self.devices) > 250:
                print(f"ScaleLab {self.lab_id}: the neighbour-table thresholds live in the root network namespace, "
                      "which this process cannot see; they are left as they are", file=sys.stderr)
            return
        before = _neigh.current()
        after = _neigh.raise_for(self.lab_id, self.namespaces, len(self.devices))
        self._neigh_held = True
        if after != before:
            keys = "/".join(_neigh.KEYS)
            print(f"ScaleLab {self.lab_id}: net.ipv4.neigh.default.{keys} raised from "
                  f"{'/'.join(str(before[k]) for k in _neigh.KEYS)} to {'/'.join(str(after[k]) for k in _neigh.KEYS)} "
                  f"for {len(self.devices)} devices; restored when the last lab is down", file=sys.stderr)

    def close(self) -> None:
        try:
            super().close()
        finally:
            if getattr(self, "_neigh_held", False):
                self._neigh_held = False
                restored = _neigh.release(self.lab_id)
                if restored is not None:
                    print(f"ScaleLab {self.lab_id}: net.ipv4.neigh.default thresholds restored to "
                          f"{'/'.join(str(restored[k]) for k in _neigh.KEYS)}", file=sys.stderr)

    def _start_devices(self) -> None:
        logs = log_dir(self.lab_id)
        logs.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = _PACKAGE_PARENT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for g, start in enumerate(range(0, len(self.devices), self.per_process)):
            cmd = ["ip", "netns", "exec", self.devices_ns, sys.executable, "-m", "scanner.lab.device"]
            for i in range(start, min(start + self.per_process, len(self.devices))):
                dev = self.devices[i]
                cmd += ["--device", f"{dev.profile_name}@{dev.ip}@{dev.mac}@{self.interface_of(i)}"]
            if self.services is not None:
                cmd += ["--services", ",".join(sorted(self.services)) or "-"]
            name = f"group{g}"
            with open(logs / f"{name}.log", "wb") as log:
                self._procs[name] = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                     stderr=log, env=env, cwd="/", start_new_session=True)
            write_state(self.state)
        self._wait_ready(logs)

    def detach(self) -> Any:
        raise LabError("a scale lab lives only inside its `with` block (use Lab for lab up)")
