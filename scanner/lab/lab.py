"""Build, check, run and tear down a lab of emulated devices in network namespaces.

Layout (nothing in the root namespace: no veth end, no bridge, no route)::

    cctvlab-<id>-sw   switch namespace: bridge br0, one veth end per host (p0, p1, ...)
    cctvlab-<id>-sc   scanner namespace: eth0 at .2 of the subnet
    cctvlab-<id>-dN   one namespace per device: eth0 with the profile's MAC, .10 upwards

Each namespace has only its connected lab subnet and a multicast route on the lab interface;
the lab refuses to start if any has a default route or a route via a gateway. Device processes
(``python -m scanner.lab.device``) run inside their namespaces and say READY when every service
is listening. Teardown stops them and deletes the namespaces on normal exit, on an exception,
and on SIGINT/SIGTERM/SIGHUP (turned into exceptions while the lab is open, so ``__exit__``
runs). The lab is recorded in a state file before anything is created, so ``lab_down`` can
remove what a killed run left.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import secrets
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import LabError
from . import _netns
from .catalog import load_profile, profile_names
from .state import NS_PREFIX, LabDevice, LabState, check_lab_id, log_dir, remove_state, write_state

LAB_RANGE = ipaddress.ip_network("198.18.0.0/15")
SCANNER_HOST = 2
FIRST_DEVICE_HOST = 10
MULTICAST = "224.0.0.0/4"
SNMP_COMMUNITY = "cctvlab-ro"  # the lab switch's read-only community (lab only, not a secret)
SWITCH_NAME = "cctvlab-sw1"
UPLINK_PORT = "p0"  # the scanner's port doubles as the trunk with an LLDP neighbour
UPLINK_NEIGHBOUR = ("cctvlab-core", "uplink 1")
READY_TIMEOUT = 30.0
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])  # the directory holding ``scanner/``


def new_lab_id() -> str:
    return secrets.token_hex(3)


def _raise_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


class Lab:
    """A lab of emulated devices; use as a context manager (``with Lab([...]) as lab:``)."""

    snmp: bool = False  # the switch runs an SNMP agent on a management link (scanner.lab.snmp_agent)
    snmp_mode: str = "normal"

    def __init__(
        self,
        profiles: list[str] | None = None,
        *,
        lab_id: str | None = None,
        subnet: str = "198.18.0.0/24",
        block_multicast: Iterable[str] = frozenset(),
        services: Iterable[str] | None = None,
        persistent: bool = False,
        ready_timeout: float = READY_TIMEOUT,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
        snmp: bool = False,
        snmp_mode: str = "normal",
    ) -> None:
        self.lab_id = check_lab_id(lab_id) if lab_id else new_lab_id()
        net = ipaddress.ip_network(subnet, strict=True)
        if not isinstance(net, ipaddress.IPv4Network) or not net.subnet_of(LAB_RANGE):
            raise LabError(f"lab subnet {subnet} must lie inside {LAB_RANGE} (reserved for benchmark labs)")
        self.subnet = str(net)
        self._net = net
        names = list(profiles) if profiles else profile_names()
        if not names:
            raise LabError("no profiles given and none shipped")
        if net.num_addresses - 2 < FIRST_DEVICE_HOST - 1 + len(names):
            raise LabError(f"subnet {subnet} is too small for {len(names)} devices")
        self._profiles = {name: load_profile(name) for name in dict.fromkeys(names)}
        self.switch_ns = f"{NS_PREFIX}{self.lab_id}-sw"
        self.scanner_ns = f"{NS_PREFIX}{self.lab_id}-sc"
        self.scanner_ip = str(net.network_address + SCANNER_HOST)
        self.devices: list[LabDevice] = []
        seen: dict[str, int] = {}
        for i, name in enumerate(names):
            seen[name] = seen.get(name, 0) + 1
            dev_name = name if seen[name] == 1 else f"{name}-{seen[name]}"
            doc = self._profiles[name]
            mac = doc["mac"] if seen[name] == 1 else _variant_mac(doc["mac"], seen[name])
            self.devices.append(LabDevice(
                name=dev_name, profile_name=name, ip=str(net.network_address + FIRST_DEVICE_HOST + i),
                mac=mac, namespace=f"{NS_PREFIX}{self.lab_id}-d{i}", expected=dict(doc["expected"]),
            ))
        blocked = set(block_multicast)
        unknown = blocked - {d.name for d in self.devices}
        if unknown:
            raise LabError(f"block_multicast names devices not in the lab: {sorted(unknown)}")
        self.block_multicast = frozenset(blocked)
        self.services = set(services) if services is not None else None
        # profile name -> {dotted path in the profile: new value}: e.g. a device re-flashed
        # between two labs ({"services.sadp.fields.SoftwareVersion": "V5.6.2build 190701"}).
        self.overrides = {name: dict(values) for name, values in (overrides or {}).items()}
        unknown = set(self.overrides) - set(names)
        if unknown:
            raise LabError(f"overrides name profiles not in this lab: {', '.join(sorted(unknown))}")
        # The switch's SNMP agent listens on a management link of its own (scanner ns <-> switch
        # ns), outside the device subnet, so a scan of the subnet never sees the switch.
        self.snmp = snmp
        self.snmp_mode = snmp_mode
        mgmt = next(m for m in (ipaddress.ip_network("198.19.255.252/30"), ipaddress.ip_network("198.18.255.252/30"))
                    if not m.overlaps(net))
        self.mgmt_subnet = str(mgmt)
        self.switch_ip = str(mgmt.network_address + 2)
        self._mgmt_scanner_ip = str(mgmt.network_address + 1)
        self.ports = {d.name: f"p{i + 1}" for i, d in enumerate(self.devices)}  # device -> switch port
        self._next_port = len(self.devices) + 1
        self._init_runtime(persistent, ready_timeout)

    def _init_runtime(self, persistent: bool, ready_timeout: float) -> None:
        """The run-time state every kind of lab keeps (processes, signal handlers, timestamps)."""
        self.persistent = persistent
        self.ready_timeout = ready_timeout
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._old_handlers: dict[int, Any] = {}
        self._built = False
        self._ready: set[str] = set()  # processes that said READY
        self._created = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")

    # ----------------------------------------------------------------- public
    @property
    def namespaces(self) -> list[str]:
        return [self.switch_ns, self.scanner_ns] + [d.namespace for d in self.devices]

    @property
    def prefixlen(self) -> int:
        return self._net.prefixlen

    def device(self, name: str) -> LabDevice:
        for dev in self.devices:
            if dev.name == name:
                return dev
        raise KeyError(name)

    @property
    def state(self) -> LabState:
        return LabState(
            lab_id=self.lab_id, subnet=self.subnet, scanner_ns=self.scanner_ns, scanner_ip=self.scanner_ip,
            switch_ns=self.switch_ns, devices=tuple(self.devices), namespaces=tuple(self.namespaces),
            pids=tuple(p.pid for p in self._procs.values()), blocked_multicast=tuple(sorted(self.block_multicast)),
            persistent=self.persistent, owner_pid=os.getpid(), created=self._created,
        )

    def run(self, cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[Any]:
        """Run ``cmd`` inside the scanner namespace (keyword arguments go to subprocess.run)."""
        return subprocess.run(["ip", "netns", "exec", self.scanner_ns, *cmd], **kw)

    def popen(self, cmd: list[str], **kw: Any) -> subprocess.Popen[Any]:
        """Start ``cmd`` inside the scanner namespace without waiting for it."""
        return subprocess.Popen(["ip", "netns", "exec", self.scanner_ns, *cmd], **kw)

    def __enter__(self) -> "Lab":
        self._install_signal_handlers()
        try:
            self.build()
        except BaseException:
            self._restore_signal_handlers()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.close()
        finally:
            self._restore_signal_handlers()

    def build(self) -> None:
        """Create the namespaces, check them, start every device and wait until all are ready."""
        if self._built:
            return
        if os.geteuid() != 0:
            raise LabError("the lab needs root (network namespaces); run as root or with sudo")
        _netns.require_tools("ip", "sysctl", *(["nft"] if self.block_multicast else []))
        taken = set(_netns.namespaces()) & set(self.namespaces)
        if taken:
            raise LabError(f"lab {self.lab_id} already exists ({sorted(taken)}); choose another lab_id")
        self._built = True
        write_state(self.state)  # before anything exists, so a crash can always be cleaned
        try:
            self._create_network()
            if self.snmp:
                self._create_mgmt()
            self.check_no_route_out()
            self._start_devices()
            if self.snmp:
                self._start_snmp_agent()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop every device and delete every namespace of this lab (idempotent)."""
        if not self._built:
            return
        _netns.stop_processes([p.pid for p in self._procs.values()])
        for proc in self._procs.values():
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
        for ns in reversed(self.namespaces):
            for pid in _netns.pids_in(ns):
                _netns.stop_processes([pid], grace=1.0)
            _netns.delete(ns)
        remove_state(self.lab_id)
        _remove_logs(self.lab_id)
        self._procs.clear()
        self._built = False

    def detach(self) -> LabState:
        """Leave the lab running after this object is gone (for ``lab up``)."""
        self.persistent = True
        state = self.state
        write_state(state)
        for proc in self._procs.values():
            if proc.stdout is not None:
                proc.stdout.close()
        self._built = False  # close() is now a no-op; lab_down removes it
        return state

    def check_no_route_out(self) -> None:
        """Refuse unless every lab namespace routes only its lab subnet (and multicast on the lab link)."""
        for ns in self.namespaces:
            for route in _netns.routes(ns):
                problem = _route_problem(route, self.subnet, self.mgmt_subnet if self.snmp else None)
                if problem:
                    raise LabError(f"namespace {ns} has a route out of the lab ({problem}): {route}")

    # ------------------------------------------------------------- internals
    def _create_network(self) -> None:
        sw = self.switch_ns
        hosts = [(self.scanner_ns, self.scanner_ip, _scanner_mac(self.lab_id), "p0")]
        hosts += [(d.namespace, d.ip, d.mac, f"p{i + 1}") for i, d in enumerate(self.devices)]
        for ns in self.namespaces:
            _netns.add(ns)
            _netns.exec_in(ns, ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                                "net.ipv6.conf.default.disable_ipv6=1"])
        sw_cmds = ["link set lo up",
                   "link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0",
                   "link set br0 up"]
        for ns, _ip, _mac, port in hosts:
            sw_cmds += [f"link add {port} type veth peer name eth0 netns {ns}",
                        f"link set {port} master br0", f"link set {port} up"]
        _netns.batch(sw, sw_cmds)
        for ns, ip, mac, _port in hosts:
            _netns.batch(ns, ["link set lo up", f"link set eth0 address {mac}",
                              f"addr add {ip}/{self.prefixlen} dev eth0", "link set eth0 up",
                              f"route add {MULTICAST} dev eth0"])
        if self.block_multicast:
            self._block_multicast(hosts)
        aliases = [f"link set {UPLINK_PORT} alias \"trunk to {UPLINK_NEIGHBOUR[0]}\""]
        aliases += [f"link set {port} alias \"lab {name}\"" for name, port in self.ports.items()]
        _netns.batch(sw, aliases)

    def _create_mgmt(self) -> None:
        prefix = ipaddress.ip_network(self.mgmt_subnet).prefixlen
        _netns.batch(self.switch_ns, [f"link add mgmt type veth peer name mgmt0 netns {self.scanner_ns}",
                                      f"addr add {self.switch_ip}/{prefix} dev mgmt", "link set mgmt up"])
        _netns.batch(self.scanner_ns, [f"addr add {self._mgmt_scanner_ip}/{prefix} dev mgmt0", "link set mgmt0 up"])

    def _start_snmp_agent(self) -> None:
        logs = log_dir(self.lab_id)
        env = dict(os.environ)
        env["PYTHONPATH"] = _PACKAGE_PARENT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        cmd = ["ip", "netns", "exec", self.switch_ns, sys.executable, "-m", "scanner.lab.snmp_agent",
               "--listen", self.switch_ip, "--community", SNMP_COMMUNITY, "--name", SWITCH_NAME,
               "--lldp", f"{UPLINK_PORT}={UPLINK_NEIGHBOUR[0]},{UPLINK_NEIGHBOUR[1]}", "--mode", self.snmp_mode,
               "--delay", "30"]
        with open(logs / "snmp-agent.log", "wb") as log:
            self._procs["snmp-agent"] = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                                                         env=env, cwd="/", start_new_session=True)
        write_state(self.state)
        self._wait_ready(logs)

    def move(self, name: str) -> str:
        """Unplug device ``name`` and plug it into a new switch port; returns the new port's name.

        The old veth pair is deleted (the bridge forgets the MAC with the port) and a new one
        takes the device's MAC and address; the bridge learns the MAC on the new port from the
        next frame the device sends.
        """
        dev = self.device(name)
        old = self.ports[name]
        self._next_port += 1
        new = f"p{self._next_port}"
        _netns.batch(self.switch_ns, [f"link del {old}", f"link add {new} type veth peer name eth0 netns {dev.namespace}",
                                      f"link set {new} master br0", f"link set {new} alias \"lab {name}\"", f"link set {new} up"])
        _netns.batch(dev.namespace, [f"link set eth0 address {dev.mac}", f"addr add {dev.ip}/{self.prefixlen} dev eth0",
                                     "link set eth0 up", f"route add {MULTICAST} dev eth0"])
        self.ports[name] = new
        return new

    def _block_multicast(self, hosts: list[tuple[str, str, str, str]]) -> None:
        ports = {d.name: f"p{i + 1}" for i, d in enumerate(self.devices)}
        rules = "".join(
            f'    iifname "{ports[n]}" meta pkttype multicast drop\n'
            f'    oifname "{ports[n]}" meta pkttype multicast drop\n'
            for n in sorted(self.block_multicast)
        )
        ruleset = ("table bridge cctvlab {\n  chain forward_filter {\n"
                   "    type filter hook forward priority 0; policy accept;\n" + rules + "  }\n}\n")
        _netns.exec_in(self.switch_ns, ["nft", "-f", "-"], stdin=ruleset)

    def _start_devices(self) -> None:
        logs = log_dir(self.lab_id)
        logs.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = _PACKAGE_PARENT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for dev in self.devices:
            cmd = ["ip", "netns", "exec", dev.namespace, sys.executable, "-m", "scanner.lab.device",
                   "--device", f"{dev.profile_name}@{dev.ip}@{dev.mac}@eth0"]
            if self.services is not None:
                cmd += ["--services", ",".join(sorted(self.services)) or "-"]
            for path, value in self.overrides.get(dev.profile_name, {}).items():
                cmd += ["--set", f"{dev.profile_name}:{path}={json.dumps(value)}"]
            with open(logs / f"{dev.name}.log", "wb") as log:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                                        env=env, cwd="/", start_new_session=True)
            self._procs[dev.name] = proc
            write_state(self.state)
        self._wait_ready(logs)

    def _wait_ready(self, logs: Path) -> None:
        sel = selectors.DefaultSelector()
        pending: dict[int, str] = {}
        for name, proc in self._procs.items():
            assert proc.stdout is not None
            if proc.stdout.closed or proc.returncode is not None or name in self._ready:
                continue
            os.set_blocking(proc.stdout.fileno(), False)
            sel.register(proc.stdout, selectors.EVENT_READ, name)
            pending[proc.stdout.fileno()] = name
        buffers: dict[str, bytes] = {}
        deadline = time.monotonic() + self.ready_timeout
        try:
            while pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    names = sorted(pending.values())
                    raise LabError(f"devices not ready after {self.ready_timeout:.0f}s: {names}; "
                                   + _log_tail(logs, names[0]))
                for key, _ in sel.select(timeout=min(left, 0.5)):
                    name = key.data
                    chunk = os.read(key.fd, 4096)
                    buffers[name] = buffers.get(name, b"") + chunk
                    if b"READY" in buffers[name]:
                        self._ready.add(name)
                        sel.unregister(key.fileobj)
                        pending.pop(key.fd, None)
                    elif not chunk:
                        raise LabError(f"device {name} exited before it was ready: " + _log_tail(logs, name))
        finally:
            sel.close()

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGHUP):
            self._old_handlers[sig] = signal.signal(sig, _raise_on_signal)
        self._old_handlers[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)

    def _restore_signal_handlers(self) -> None:
        for sig, handler in self._old_handlers.items():
            signal.signal(sig, handler)
        self._old_handlers.clear()


def _route_problem(route: dict[str, Any], subnet: str, mgmt: str | None = None) -> str | None:
    if route.get("table") == "local":  # the kernel's own addresses and broadcasts
        return None
    if route.get("gateway") or route.get("via"):
        return "route via a gateway"
    dst = route.get("dst", "")
    if dst in ("default", "0.0.0.0/0", "::/0"):
        return "default route"
    if dst == subnet or dst == MULTICAST or (mgmt is not None and dst == mgmt):
        return None
    return f"unexpected destination {dst}"


def _scanner_mac(lab_id: str) -> str:
    """A locally administered MAC for the scanner's interface."""
    return "02:cc:5c:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3))


def _variant_mac(mac: str, n: int) -> str:
    octets = mac.split(":")
    last = (int(octets[5], 16) + n - 1) % 256
    return ":".join(octets[:5] + [f"{last:02x}"])


def _log_tail(logs: Path, name: str) -> str:
    try:
        text = (logs / f"{name}.log").read_text(errors="replace").strip()
    except OSError:
        return "(no log)"
    return f"log of {name}: {text[-800:] or '(empty)'}"


def _remove_logs(lab_id: str) -> None:
    logs = log_dir(lab_id)
    if logs.is_dir():
        for f in logs.iterdir():
            f.unlink(missing_ok=True)
        logs.rmdir()
