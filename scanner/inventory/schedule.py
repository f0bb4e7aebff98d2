"""Scheduled runs: systemd timer + service units, a cron line where there is no systemd, and the
foreground ``watch`` loop for containers.

The command a schedule runs is a cctv-scan command line (usually ``scan ... --db ... --site
...``); the scan's own lock keeps a timer run and a manual run from overlapping. The service
treats the tool's flag exit codes (4 restricted present, 8 new devices, 12 both) as success so
systemd does not report every finding as a failed unit.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InventoryError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
SYSTEM_UNIT_DIR = Path("/etc/systemd/system")


def parse_interval(text: str) -> int:
    """``90s``, ``15m``, ``6h``, ``1d``, ``1w`` (or a bare number of seconds) -> seconds."""
    m = re.fullmatch(r"\s*(\d+)\s*([smhdw]?)\s*", text.lower())
    if not m or int(m.group(1)) <= 0:
        raise InventoryError(f"bad interval {text!r}: use a number with s, m, h, d or w (e.g. 6h, 1d)")
    return int(m.group(1)) * _UNITS[m.group(2) or "s"]


def tool_command() -> list[str]:
    """How to run this same cctv-scan again: the installed command when that is what is
    running, else this Python with ``-m scanner`` (from ``workdir()``)."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == "cctv-scan" and argv0.exists():
        return [str(argv0.resolve())]
    return [sys.executable, "-m", "scanner"]


def workdir() -> Path | None:
    """The directory ``python -m scanner`` must start in, when not running the installed command."""
    return None if len(tool_command()) == 1 else Path.cwd()


def systemd_quote(arg: str) -> str:
    """One argument in systemd's ExecStart syntax: double-quoted, with ``\\``, ``"``, ``%``
    (specifier) and ``$`` (variable expansion) escaped."""
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'"{escaped}"'


@dataclass(frozen=True)
class Units:
    service: Path
    timer: Path


def write_units(name: str, every: int, args: Sequence[str], unit_dir: Path, *, description: str = "") -> Units:
    if not re.fullmatch(r"[A-Za-z0-9_.@-]+", name):
        raise InventoryError(f"bad unit name {name!r}")
    unit_dir.mkdir(parents=True, exist_ok=True)
    argv = [*tool_command(), *args]
    service = unit_dir / f"{name}.service"
    timer = unit_dir / f"{name}.timer"
    service.write_text(
        "[Unit]\n"
        f"Description={description or 'cctv-scan scheduled run'}\n"
        "Wants=network-online.target\nAfter=network-online.target\n\n"
        "[Service]\nType=oneshot\n"
        + (f"WorkingDirectory={str(workdir()).replace('%', '%%')}\n" if workdir() else "")
        +
        f"ExecStart={' '.join(systemd_quote(a) for a in argv)}\n"
        "SuccessExitStatus=4 8 12\n"
    )
    timer.write_text(
        "[Unit]\n"
        f"Description=Run {name}.service every {every} seconds\n\n"
        "[Timer]\n"
        "OnBootSec=5min\n"
        f"OnUnitActiveSec={every}s\n"
        "Persistent=true\n"
        f"Unit={name}.service\n\n"
        "[Install]\nWantedBy=timers.target\n"
    )
    return Units(service, timer)


def has_systemd() -> bool:
    return Path("/run/systemd/system").is_dir() and shutil.which("systemctl") is not None


def enable(name: str) -> None:
    for cmd in (["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", f"{name}.timer"]):
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise InventoryError(f"{' '.join(cmd)} failed: {done.stderr.strip()}")


def remove_units(name: str, unit_dir: Path, *, disable: bool) -> list[Path]:
    if disable:
        subprocess.run(["systemctl", "disable", "--now", f"{name}.timer"], capture_output=True, timeout=60)
    removed = []
    for suffix in (".timer", ".service"):
        path = unit_dir / f"{name}{suffix}"
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def cron_line(every: int, args: Sequence[str]) -> str:
    """A crontab line running the command at the interval; intervals cron cannot express exactly
    are refused rather than rounded."""
    minutes = every // 60
    if every % 60 or minutes == 0:
        raise InventoryError("cron cannot run more often than once a minute or at second precision")
    if minutes < 60 and 60 % minutes == 0:
        when = f"*/{minutes} * * * *" if minutes > 1 else "* * * * *"
    elif minutes % 60 == 0 and minutes // 60 < 24 and 24 % (minutes // 60) == 0:
        when = f"0 */{minutes // 60} * * *"
    elif minutes == 1440:
        when = "0 0 * * *"
    elif minutes == 10080:
        when = "0 0 * * 0"
    else:
        raise InventoryError(f"cron cannot express every {every} seconds; use a divisor of an hour or a day, 1d or 1w")
    prefix = f"cd {shlex.quote(str(workdir()))} && " if workdir() else ""
    return f"{when} {prefix}{' '.join(shlex.quote(a) for a in [*tool_command(), *args])}"


def watch(
    args: Sequence[str],
    every: int,
    *,
    max_runs: int | None = None,
    report: Callable[[int, int, float], None] = lambda run, code, took: None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Run ``cctv-scan ARGS`` every ``every`` seconds in the foreground, one run at a time;
    return the last run's exit code. Each run is its own process: a crash costs one run."""
    code = 0
    run = 0
    while max_runs is None or run < max_runs:
        run += 1
        began = time.monotonic()
        code = subprocess.run([*tool_command(), *args]).returncode
        took = time.monotonic() - began
        report(run, code, took)
        if max_runs is not None and run >= max_runs:
            break
        sleep(max(0.0, every - took))
    return code
