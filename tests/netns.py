"""Test-only network namespaces: two hosts on one veth link, no route out, always removed.

``NetPair`` builds namespaces ``<prefix>-a`` (198.18.254.1/24) and ``<prefix>-b``
(198.18.254.2/24) joined by a veth pair; nothing touches the root namespace. ``run_in``
forks a child that enters a namespace (setns) and runs a function there, returning its result:
probes and hostile servers in tests run this way, so every packet stays inside the pair.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import secrets
import subprocess
import traceback
from collections.abc import Callable
from typing import Any

CLONE_NEWNET = 0x40000000
A_IP, B_IP = "198.18.254.1", "198.18.254.2"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=20)


def enter(ns: str) -> None:
    """Move the calling (single-threaded, forked) process into namespace ``ns``."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns({ns}) failed")
    finally:
        os.close(fd)


def _child(conn, ns: str, fn: Callable[..., Any], args: tuple) -> None:
    try:
        enter(ns)
        conn.send(("ok", fn(*args)))
    except BaseException as exc:  # report everything to the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
    finally:
        conn.close()


def run_in(ns: str, fn: Callable[..., Any], *args: Any, timeout: float = 60) -> Any:
    """Run ``fn(*args)`` in a forked child inside ``ns``; return its (picklable) result."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, ns, fn, args), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise TimeoutError(f"{fn.__name__} did not finish in {timeout}s inside {ns}")
        status, value = parent.recv()
    finally:
        proc.kill()
        proc.join(5)
    if status != "ok":
        raise RuntimeError(value)
    return value


def start_in(ns: str, fn: Callable[..., Any], *args: Any) -> multiprocessing.Process:
    """Start ``fn(*args)`` in a forked child inside ``ns`` and leave it running (a server)."""
    ctx = multiprocessing.get_context("fork")

    def target() -> None:
        enter(ns)
        fn(*args)

    proc = ctx.Process(target=target, daemon=True)
    proc.start()
    return proc


class NetPair:
    def __init__(self) -> None:
        self.prefix = f"cctvtest-{os.getpid() % 100000}-{secrets.token_hex(2)}"
        self.a, self.b = f"{self.prefix}-a", f"{self.prefix}-b"
        self.a_ip, self.b_ip = A_IP, B_IP

    def __enter__(self) -> NetPair:
        try:
            _ip("netns", "add", self.a)
            _ip("netns", "add", self.b)
            tag = secrets.token_hex(3)
            _ip("-n", self.a, "link", "add", f"va{tag}", "type", "veth", "peer", "name", f"vb{tag}", "netns", self.b)
            for ns, dev, addr in ((self.a, f"va{tag}", A_IP), (self.b, f"vb{tag}", B_IP)):
                _ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
                _ip("-n", ns, "link", "set", dev, "up")
                _ip("-n", ns, "link", "set", "lo", "up")
            for ns in (self.a, self.b):
                routes = subprocess.run(["ip", "-n", ns, "route"], capture_output=True, text=True, check=True).stdout
                assert "default" not in routes, f"{ns} has a route out: {routes}"
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for ns in (self.a, self.b):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)
