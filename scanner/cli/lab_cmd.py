"""``cctv-scan lab up|down|status|profiles``: the lab of emulated devices, by hand."""

from __future__ import annotations

import os
import shutil
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from .app import app

lab_app = typer.Typer(
    help=(
        "The lab: emulated cameras, NVRs and other hosts in network namespaces (198.18.0.0/24, "
        "no route out), for the demo, the tests, and for checking a new fingerprint.\n\n"
        "Examples:\n\n"
        "  sudo cctv-scan lab up --profiles hikvision-ds-2cd2143g2-i,axis-p3245-lve\n\n"
        "  sudo cctv-scan lab status\n\n"
        "  sudo ip netns exec <scanner namespace> cctv-scan scan 198.18.0.0/24\n\n"
        "  sudo cctv-scan lab down"
    ),
    no_args_is_help=True,
)
app.add_typer(lab_app, name="lab")
out = Console()


def _need_root() -> None:
    if os.geteuid() != 0 or not shutil.which("ip"):
        Console(stderr=True).print("[bold red]error:[/] the lab builds network namespaces: run as root with iproute2 installed")
        raise typer.Exit(1)


@lab_app.command("up")
def up(
    profiles: Annotated[Optional[str], typer.Option(help="Comma-separated profile names (default: all). See `lab profiles`.")] = None,
    lab_id: Annotated[Optional[str], typer.Option("--id", help="A short name for this lab (default: generated).")] = None,
) -> None:
    """Build a lab and leave it running; `lab down` removes it."""
    _need_root()
    from ..lab import lab_up

    state = lab_up([p.strip() for p in profiles.split(",")] if profiles else None, lab_id=lab_id)
    _print_state(state)
    out.print(f"scan it with: [bold]sudo ip netns exec {state.scanner_ns} cctv-scan scan {state.subnet}[/]")


@lab_app.command("down")
def down(lab_id: Annotated[Optional[str], typer.Option("--id", help="Only this lab (default: every lab, and any leftovers of crashed runs).")] = None) -> None:
    """Tear down labs: their processes, namespaces and state files."""
    _need_root()
    from ..lab import lab_down

    removed = lab_down(lab_id)
    out.print(f"removed {len(removed)} lab(s) and stray namespace(s)" + (f": {', '.join(removed)}" if removed else ""))


@lab_app.command("status")
def status() -> None:
    """Show the labs that are up."""
    from ..lab import lab_status

    states = lab_status()
    if not states:
        out.print("no lab is up")
    for state in states:
        _print_state(state)


@lab_app.command("profiles")
def profiles_cmd() -> None:
    """List the device profiles the lab can emulate, with what each must be identified as."""
    from ..lab import list_profiles

    table = Table("profile", "description", "vendor", "made by", "type", "verdict")
    for p in list_profiles():
        e = p.expected
        table.add_row(p.name, p.description, e.get("vendor") or "-", e.get("platform_vendor") or "-", e.get("device_type", "-"), e.get("classification", "-"))
    out.print(table)


def _print_state(state) -> None:
    table = Table(title=f"lab {state.lab_id}: scanner namespace {state.scanner_ns}, subnet {state.subnet}")
    table.add_column("device")
    table.add_column("ip")
    table.add_column("mac")
    table.add_column("namespace")
    for d in state.devices:
        table.add_row(d.name, d.ip, d.mac, d.namespace)
    out.print(table)
