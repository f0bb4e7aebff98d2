"""The process behind one or more emulated devices.

    python -m scanner.lab.device --device PROFILE@IP@MAC@IFACE [--device ...] [--services http,rtsp]

Run inside the device's network namespace. For each device it loads the profile and calls each
service module's ``start(DeviceContext, config)`` for each entry in ``profile["services"]``,
then prints one ``READY`` line on stdout and serves until SIGTERM or SIGINT, when it closes
every service and exits. A service that fails to start is reported on stderr and the process
exits with status 3 before printing ``READY``. One process may serve several devices (several
addresses in one namespace), which is how a large lab stays cheap.
"""

from __future__ import annotations

import argparse
import json
import importlib
import os
import signal
import sys
import threading
from typing import Any

from .catalog import load_profile
from .services.base import DeviceContext

READY = "READY"


def _parse_device(spec: str) -> tuple[str, str, str, str]:
    parts = spec.split("@")
    if len(parts) != 4:
        raise argparse.ArgumentTypeError(f"--device wants PROFILE@IP@MAC@IFACE, got {spec!r}")
    return parts[0], parts[1], parts[2], parts[3]


def apply_override(profile: dict[str, Any], path: str, value: Any) -> None:
    """Set ``profile[a][b][c] = value`` for the dotted ``path`` "a.b.c" (the key must exist)."""
    *parents, last = path.split(".")
    node: Any = profile
    for key in parents:
        node = node[key]
    if last not in node:
        raise KeyError(f"profile {profile.get('name')} has no {path}")
    node[last] = value


def _parse_set(spec: str) -> tuple[str, str, Any]:
    try:
        name, rest = spec.split(":", 1)
        path, raw = rest.split("=", 1)
        return name, path, json.loads(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--set wants PROFILE:dotted.path=JSON, got {spec!r}") from None


def start_device(profile_name: str, ip: str, mac: str, iface: str, only: set[str] | None,
                 overrides: dict[str, Any] | None = None) -> list[Any]:
    profile = load_profile(profile_name)
    for path, value in (overrides or {}).items():
        apply_override(profile, path, value)
    ctx = DeviceContext(name=profile["name"], ip=ip, mac=mac, iface=iface, profile=profile)
    started: list[Any] = []
    for svc_name, config in (profile.get("services") or {}).items():
        if only is not None and svc_name not in only:
            continue
        module = importlib.import_module(f"{__package__}.services.{svc_name}")
        started.append(module.start(ctx, config or {}))
    return started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scanner.lab.device")
    parser.add_argument("--device", action="append", type=_parse_device, required=True)
    parser.add_argument("--services", default=None, help="comma-separated subset of services to start")
    parser.add_argument("--set", action="append", type=_parse_set, default=[],
                        help="PROFILE:dotted.path=JSON: change one profile value (e.g. a re-flashed firmware)")
    args = parser.parse_args(argv)
    only = set(args.services.split(",")) if args.services else None

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a persistent lab outlives its terminal

    services: list[Any] = []
    try:
        for profile_name, ip, mac, iface in args.device:
            try:
                overrides = {path: value for name, path, value in args.set if name == profile_name}
                services += start_device(profile_name, ip, mac, iface, only, overrides)
            except Exception as exc:  # report which device/service failed, then stop
                print(f"cctvlab device {profile_name}@{ip}: cannot start: {type(exc).__name__}: {exc}",
                      file=sys.stderr, flush=True)
                return 3
        for service in services:  # a service that needs time after start() (mDNS probing) says so
            wait_ready = getattr(service, "wait_ready", None)
            if wait_ready is not None:
                wait_ready(15.0)
        print(READY, flush=True)
        devnull = os.open(os.devnull, os.O_WRONLY)  # the reader may go away (persistent labs)
        os.dup2(devnull, 1)
        while not stop.wait(1.0):
            pass
        return 0
    finally:
        for svc in services:
            try:
                svc.close()
            except Exception:
                pass


if __name__ == "__main__":
    sys.exit(main())
