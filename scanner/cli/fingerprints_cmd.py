"""``cctv-scan fingerprints check|list|suggest`` and ``cctv-scan identify``: thin CLI over scanner.identify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .app import app

fingerprints_app = typer.Typer(
    name="fingerprints",
    help=(
        "Check, list and extend the fingerprint database (fingerprints/).\n\n"
        "Examples:\n\n"
        "  cctv-scan fingerprints check\n\n"
        "  cctv-scan fingerprints list --field http.server\n\n"
        "  cctv-scan fingerprints suggest scan.json > new.yaml"
    ),
    no_args_is_help=True,
)
app.add_typer(fingerprints_app)

DatabaseOpt = Annotated[
    Optional[Path], typer.Option("--database", "-d", help="Fingerprint database directory (default: the one shipped with cctv-scan).")
]


def _load(database: Optional[Path]):  # type: ignore[no-untyped-def]
    from ..errors import FingerprintError
    from ..identify import load_database

    try:
        return load_database(database, strict=False)
    except FingerprintError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc


@fingerprints_app.command("check")
def check(database: DatabaseOpt = None) -> None:
    """Validate every file against its schema, compile every pattern and run every example.

    Exits 1 and names each failing file and fingerprint if anything is wrong.

    Example: cctv-scan fingerprints check --database ./fingerprints
    """
    from ..identify import check_database

    db = _load(database)
    problems = check_database(db)
    console = Console()
    if problems:
        for p in problems:
            console.print(f"[red]FAIL[/] {escape(str(p))}", highlight=False)
        console.print(f"[red]{len(problems)} problem(s)[/] in {db.root}")
        raise typer.Exit(1)
    examples = sum(len(fp.examples) for f in db.files for fp in f.fingerprints)
    console.print(
        f"[green]OK[/] {len(db)} fingerprints in {len(db.files)} files, {examples} real examples, "
        f"{len(db.vendors.vendors)} vendors ({db.root})"
    )


@fingerprints_app.command("list")
def list_(
    database: DatabaseOpt = None,
    field: Annotated[Optional[str], typer.Option(help="Only files matching this observation field, e.g. http.server.")] = None,
    vendor: Annotated[Optional[str], typer.Option(help="Only fingerprints concluding this vendor or platform vendor.")] = None,
) -> None:
    """List fingerprints: id, field, strength, what they conclude.

    Example: cctv-scan fingerprints list --vendor Dahua
    """
    db = _load(database)
    table = Table("id", "matches", "strength", "concludes", "description")
    for f in db.files:
        if field and not f.applies_to(field):
            continue
        for fp in f.fingerprints:
            if vendor and vendor not in (fp.params.get("vendor"), fp.params.get("platform_vendor")):
                continue
            groups = [f"{g}=(captured)" for g in fp.regex.groupindex]
            concl = ", ".join([f"{k}={v}" for k, v in fp.params.items()] + groups)
            table.add_row(fp.id, ", ".join(f.matches), fp.strength, escape(concl), escape(fp.description))
    Console().print(table)


@fingerprints_app.command("suggest")
def suggest(scan: Annotated[Path, typer.Argument(help="A scan document written by --json.")]) -> None:
    """Print a ready-to-review fingerprint entry for every observation no fingerprint matched.

    Each entry has the observed value as its example and a TODO source: fill in the source,
    description and params, then paste it into the file for its field and run
    `cctv-scan fingerprints check`.

    Example: cctv-scan fingerprints suggest scan.json > suggestions.yaml
    """
    from ..identify import load_database
    from ..identify.suggest import suggest as make

    text = make(_read_document(scan), load_database())
    typer.echo(text if text else "# every observation in this scan matched a fingerprint", nl=not text)


@app.command("identify")
def identify(
    scan: Annotated[Path, typer.Argument(help="A scan document written by --json.")],
    policy: Annotated[str, typer.Option(help="uk-sensitive-sites, us-ndaa, or a path to your own policy YAML.")] = "uk-sensitive-sites",
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the re-identified scan document here.")] = None,
    database: DatabaseOpt = None,
) -> None:
    """Re-run identification and classification on a saved scan, offline (no packet is sent).

    Use it to apply a newer fingerprint database, or another policy, to an earlier scan.

    Examples:

      cctv-scan identify scan.json

      cctv-scan identify scan.json --policy us-ndaa --json scan-ndaa.json
    """
    from ..identify import PolicyError, identify_document

    doc = _read_document(scan)
    db = _load(database)
    try:
        result = identify_document(doc, policy, db=db)
    except PolicyError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    _print_devices(result)
    if json_out is not None:
        json_out.write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        Console(stderr=True).print(f"wrote {json_out}")


def _read_document(path: Path):  # type: ignore[no-untyped-def]
    from ..models import ScanDocument

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ScanDocument.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        Console(stderr=True).print(f"[red]error:[/] cannot read scan document {path}: {exc}")
        raise typer.Exit(2) from exc


_STYLE = {"restricted": "bold red", "review": "yellow", "clear": "green", "unidentified": "dim"}


def _print_devices(doc) -> None:  # type: ignore[no-untyped-def]
    table = Table("ip", "vendor", "platform", "type", "model", "verdict", "conf.", "why", title=f"policy: {doc.scan.policy}")
    for d in doc.devices:
        c = d.classification.value
        table.add_row(
            d.ip,
            d.vendor or "-",
            d.platform_vendor or "-",
            d.device_type.value,
            d.model or "-",
            f"[{_STYLE[c]}]{c}[/]",
            f"{d.confidence:.2f}",
            escape(d.reasons[0]) if d.reasons else "",
        )
    Console().print(table)


oui_app = typer.Typer(
    name="oui",
    help=(
        "The IEEE MAC registries (MA-L, MA-M, MA-S) used to name a MAC's maker.\n\n"
        "Examples:\n\n"
        "  cctv-scan oui update ~/Downloads/oui.csv\n\n"
        "  cctv-scan oui lookup bc:5e:33:01:02:03"
    ),
    no_args_is_help=True,
)
app.add_typer(oui_app)


@oui_app.command("update")
def oui_update(
    file: Annotated[Path, typer.Argument(help="oui.csv, mam.csv or oui36.csv downloaded from https://standards-oui.ieee.org/")],
) -> None:
    """Load a newer IEEE registry CSV; it is kept in your data directory and used before the copies packages ship.

    Example: cctv-scan oui update ~/Downloads/oui.csv
    """
    from ..identify.ieee import RegistryFileError, install_csv

    err = Console(stderr=True)
    if not file.is_file():
        err.print(f"[red]error:[/] {escape(str(file))}: no such file")
        raise typer.Exit(2)
    try:
        kind, count, target = install_csv(file)
    except (RegistryFileError, OSError) as exc:
        err.print(f"[red]error:[/] {escape(str(file))}: {escape(str(exc))}")
        raise typer.Exit(2) from exc
    Console().print(f"loaded {count} {kind} assignments from {escape(str(file))} into {escape(str(target))}", highlight=False)


@oui_app.command("lookup")
def oui_lookup(mac: Annotated[str, typer.Argument(help="A MAC address, any common notation.")], database: DatabaseOpt = None) -> None:
    """Say which IEEE organisation and which maker a MAC address names, and from which registry copy.

    Example: cctv-scan oui lookup bc:5e:33:01:02:03
    """
    from ..identify.oui import lookup

    result = lookup(mac, _load(database))
    org = result.org or "-"
    Console().print(f"{result.mac}  organisation: {org}  maker: {result.vendor or '-'}  ({result.via})", highlight=False)
    if result.org is None and result.vendor is None:
        raise typer.Exit(1)
