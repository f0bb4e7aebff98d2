"""Thin wrappers over iproute2 (``ip``) for the lab's network namespaces.

Every command names its namespace explicitly (``ip -n NS ...``); nothing here touches the
root namespace's links, addresses or routes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from ..errors import LabError

NETNS_DIR = Path("/run/netns")


# The Debian package that provides each binary the lab (and its tests) run.
DEBIAN_PACKAGE = {"ip": "iproute2", "tc": "iproute2", "bridge": "iproute2", "sysctl": "procps",
                  "nft": "nftables", "tcpdump": "tcpdump", "busybox": "busybox"}


def require_tools(*names: str) -> None:
    """Raise one LabError naming every missing binary and the Debian package that provides it."""
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        pkgs = sorted({DEBIAN_PACKAGE.get(n, n) for n in missing})
        raise LabError(f"the lab needs {', '.join(missing)}, not found on PATH "
                       f"(Debian: apt-get install -y {' '.join(pkgs)})")


def run_ip(args: list[str], *, ns: str | None = None, stdin: str | None = None, check: bool = True) -> str:
    cmd = ["ip"] + (["-n", ns] if ns else []) + args
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    if check and proc.returncode != 0:
        raise LabError(f"{' '.join(cmd)} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def batch(ns: str | None, commands: list[str]) -> None:
    """Run several ``ip`` commands in one process (much faster for big labs)."""
    if commands:
        run_ip(["-batch", "-"], ns=ns, stdin="\n".join(commands) + "\n")


def exec_in(ns: str, cmd: list[str], *, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["ip", "netns", "exec", ns, *cmd], input=stdin, capture_output=True, text=True, timeout=60)
    if check and proc.returncode != 0:
        raise LabError(f"in {ns}: {' '.join(cmd)} failed: {proc.stderr.strip()}")
    return proc


def namespaces() -> list[str]:
    try:
        return sorted(p.name for p in NETNS_DIR.iterdir())
    except FileNotFoundError:
        return []


def exists(ns: str) -> bool:
    return (NETNS_DIR / ns).exists()


def add(ns: str) -> None:
    run_ip(["netns", "add", ns])


def delete(ns: str) -> None:
    if exists(ns):
        run_ip(["netns", "del", ns], check=False)


def pids_in(ns: str) -> list[int]:
    if not exists(ns):
        return []
    out = run_ip(["netns", "pids", ns], check=False)
    return [int(tok) for tok in out.split() if tok.isdigit()]


def routes(ns: str) -> list[dict]:
    """Every IPv4 and IPv6 route of the namespace, all tables, as iproute2 JSON objects."""
    found: list[dict] = []
    for family in ("-4", "-6"):
        out = run_ip(["-j", family, "route", "show", "table", "all"], ns=ns)
        found += json.loads(out or "[]")
    return found


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return False


def is_lab_process(pid: int) -> bool:
    """True when ``pid`` is a lab device process (guards against killing a reused pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"scanner.lab.device" in cmdline


def stop_processes(pids: list[int], grace: float = 3.0) -> None:
    """SIGTERM each process group, wait up to ``grace`` seconds, then SIGKILL what is left."""
    live = [p for p in pids if pid_alive(p)]
    for pid in live:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while live and time.monotonic() < deadline:
        time.sleep(0.05)
        _reap(live)
        live = [p for p in live if pid_alive(p)]
    for pid in live:
        _signal(pid, signal.SIGKILL)
    _reap(live)


def _signal(pid: int, sig: int) -> None:
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
