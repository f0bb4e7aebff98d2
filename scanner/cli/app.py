"""Root of the command tree. Each area registers its commands from its own module, one line here."""

from __future__ import annotations

import typer

from .. import __version__

app = typer.Typer(
    name="cctv-scan",
    help=(
        "Find the CCTV cameras, NVRs and DVRs on a network, name who really made each one, and "
        "flag those whose makers are subject to the PRC National Intelligence Law.\n\n"
        "Examples:\n\n"
        "  sudo cctv-scan demo                      # scan the built-in lab of emulated cameras\n\n"
        "  sudo cctv-scan scan 10.20.0.0/24 --json scan.json\n\n"
        "  cctv-scan fingerprints check"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,  # locals may hold credentials: never print them
)


@app.callback()
def _root() -> None:
    """cctv-scan: find, identify and classify CCTV devices."""


@app.command()
def version() -> None:
    """Print the version of cctv-scan and of its scan document schema."""
    from ..models import SCHEMA_VERSION

    typer.echo(f"cctv-scan {__version__} (scan document schema {SCHEMA_VERSION})")


def _register() -> None:
    # One line per area; each module adds its commands to ``app``.
    from . import scan_cmd  # noqa: F401  scan, demo

    for optional in ("lab_cmd", "fingerprints_cmd", "inventory_cmd", "passive_cmd"):
        try:
            __import__(f"{__package__}.{optional}")
        except ModuleNotFoundError as exc:  # area not built yet
            if exc.name != f"{__package__}.{optional}":
                raise


_register()


def main() -> None:
    app()
