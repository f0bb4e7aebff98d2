"""Inventory commands: ``record``, ``devices``, ``show``, ``mark``, ``annotate``, ``scans``,
``diff``, ``report``, ``watch``, ``schedule install|uninstall``, ``inventory flush|path``.

Thin: arguments in, one call into ``scanner.inventory`` / ``scanner.report``, output out.
Errors the user can act on print one line to stderr: exit 1, or 3 when another scan holds the
lock. A recorded run exits 0, or with 4 (restricted present) + 8 (new devices) added.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..inventory.workflow import STATUSES
from ..models import Classification
from ..report.people import FORMATS
from .app import app

# Option values as choices: a wrong one is an error listing the valid ones (exit 2), never an empty answer.
VerdictChoice = StrEnum("VerdictChoice", {c.value: c.value for c in Classification})
StatusChoice = StrEnum("StatusChoice", {s: s for s in STATUSES})
FormatChoice = StrEnum("FormatChoice", {f: f for f in FORMATS})

DbOpt = Annotated[Optional[str], typer.Option("--db", envvar="CCTV_SCAN_DB", help="Inventory: a file path (SQLite) or postgresql://user@host/db. Default: the system inventory as root, and for every user once it exists; else one in your data directory (`cctv-scan inventory path` prints it).")]
SiteOpt = Annotated[Optional[str], typer.Option("--site", help="Site name (one inventory can hold several sites).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of a table.")]

schedule_app = typer.Typer(help="Run scans on a schedule: systemd timer and service, or a cron line.", no_args_is_help=True)
inventory_app = typer.Typer(help="Inventory housekeeping: where it is, sending spooled scans.", no_args_is_help=True)
app.add_typer(schedule_app, name="schedule")
app.add_typer(inventory_app, name="inventory")


def _fail(exc: Exception, code: int = 1) -> typer.Exit:
    from ..inventory import ScanLockedError

    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(3 if isinstance(exc, ScanLockedError) else code)


def said_inventory(db: str | None) -> None:
    """One line on stderr naming the inventory a command reads or writes (never its password)."""
    from ..inventory import InventoryError
    from ..inventory.store import describe, resolve_url

    try:
        typer.echo(f"inventory: {describe(resolve_url(db))}", err=True)
    except InventoryError as exc:
        raise _fail(exc, 2) from None


def _open(db: str | None, *, must_exist: bool = True) -> Any:
    """Open the inventory, saying which; read-only uses (``must_exist``) refuse a missing file."""
    from ..inventory import Inventory, InventoryError
    from ..inventory.store import missing_sqlite

    said_inventory(db)
    if must_exist:
        path = missing_sqlite(db)
        if path is not None:
            typer.echo(f"error: no inventory at {path}: record a scan first (cctv-scan scan ... --site NAME) "
                       "or name another with --db", err=True)
            raise typer.Exit(2)
    try:
        return Inventory.open(db)
    except InventoryError as exc:
        raise _fail(exc) from None


def _value(choice: StrEnum | None) -> str | None:
    return None if choice is None else choice.value


def _why_empty(inv: Any, site: str | None, **filters: str | None) -> None:
    """One line on stderr saying why a listing came back empty."""
    everything = inv.devices()
    sites = sorted({r["site"] for r in everything})
    if not everything:
        why = "the inventory holds no devices yet (record a scan with --site NAME)"
    elif site and site not in sites:
        why = f"the inventory has no site {site!r} (sites: {', '.join(sites)})"
    else:
        named = ", ".join(f"{k} {v!r}" for k, v in filters.items() if v)
        where = f" of site {site!r}" if site else ""
        why = f"none of the {len(inv.devices(site=site))} devices{where} match {named}"
    typer.echo(f"no devices: {why}", err=True)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def _table(rows: list[dict[str, Any]], cols: list[str], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for c in cols:
        table.add_column(c)
    for r in rows:
        table.add_row(*["" if r.get(c) is None else str(r.get(c)) for c in cols])
    Console().print(table)


DEVICE_COLUMNS = [("id", None, True), ("ip", None, True), ("mac", None, True), ("platform_vendor", None, False),
                  ("classification", None, True), ("status", 1, True), ("vendor", 2, False), ("site", 3, False),
                  ("model", 4, False), ("location", 5, False), ("firmware", 6, False)]


def devices_table(rows: list[dict[str, Any]], *, wide: bool = False, console: Any = None) -> None:
    """The device list fitted to the terminal: id, IP, MAC, maker and verdict always whole."""
    from rich.console import Console

    from ..report.table import Column, fit_table, print_table

    console = console or Console()
    names = {"platform_vendor": "made by", "classification": "verdict", "vendor": "brand"}
    cols = [Column(names.get(key, key), keep=keep, whole=whole) for key, keep, whole in DEVICE_COLUMNS]
    cells = [["-" if r.get(key) in (None, "") else str(r.get(key)) for key, _k, _w in DEVICE_COLUMNS] for r in rows]
    table, left_out = fit_table(f"{len(rows)} devices", cols, cells, console, wide=wide)
    print_table(table, left_out, console, wide=wide)


def _print_result(result: Any, as_json: bool) -> None:
    if as_json:
        _print_json(result.summary())
        return
    s = result.summary()
    typer.echo(
        f"scan #{s['scan_id']} of site {s['site']!r}: {s['state']}, {s['devices']} devices, {s['restricted']} restricted; "
        f"{len(s['new'])} new, {len(s['gone'])} gone, {len(s['moved'])} moved, {len(s['changed'])} changed; "
        f"{len(s['verified'])} removals verified, {len(s['reappeared'])} reappeared"
    )
    for w in s["warnings"]:
        typer.echo(f"warning: {w}", err=True)


@app.command()
def record(
    scan_file: Annotated[Path, typer.Argument(help="A scan document written by `cctv-scan scan --json FILE`.")],
    db: DbOpt = None,
    site: SiteOpt = None,
    webhook: Annotated[Optional[str], typer.Option(help="POST a JSON summary of the run to this http(s) URL.")] = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for a running scan to finish before refusing.")] = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Record a scan document into the inventory, as `scan --db` does.

    Exits 0, or with 4 added when restricted devices are present and 8 when devices appeared
    that the previous scan of the site did not see.

    Examples:

      cctv-scan record scan.json --site hq

      cctv-scan record scan.json --db postgresql://cctv@inventory.example/cctv --site hq
    """
    from ..inventory import InventoryError, record_scan
    from ..models import ScanDocument

    try:
        doc = ScanDocument.from_dict(json.loads(scan_file.read_text()))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        typer.echo(f"error: {scan_file} is not a readable scan document: {exc}", err=True)
        raise typer.Exit(1) from None
    said_inventory(db)
    try:
        result = record_scan(doc, db=db, site=site or "default", webhook=webhook, wait=wait)
    except InventoryError as exc:
        raise _fail(exc) from None
    _print_result(result, as_json)
    raise typer.Exit(result.exit_code)


@app.command()
def devices(
    db: DbOpt = None,
    site: SiteOpt = None,
    verdict: Annotated[Optional[VerdictChoice], typer.Option(case_sensitive=False, help="Only this verdict.")] = None,
    vendor: Annotated[Optional[str], typer.Option(help="Brand or real maker contains this text.")] = None,
    status: Annotated[Optional[StatusChoice], typer.Option(case_sensitive=False, help="Only this removal status.")] = None,
    as_json: JsonOpt = False,
    wide: Annotated[bool, typer.Option("--wide", help="Every column, even when lines get longer than the terminal.")] = False,
) -> None:
    """List the devices in the inventory, with their removal status.

    Examples:

      cctv-scan devices --verdict restricted --status flagged

      cctv-scan devices --site hq --json
    """
    with _open(db) as inv:
        rows = inv.devices(site=site, verdict=_value(verdict), vendor=vendor, status=_value(status))
        if not rows:
            _why_empty(inv, site, verdict=_value(verdict), vendor=vendor, status=_value(status))
    if as_json:
        _print_json(rows)
    else:
        devices_table(rows, wide=wide)


@app.command()
def show(device: Annotated[str, typer.Argument(help="Inventory id, MAC or IP.")], db: DbOpt = None, site: SiteOpt = None) -> None:
    """Show one device: identity, verdict with its evidence and reasons, and its full history (JSON)."""
    from ..inventory import InventoryError

    with _open(db) as inv:
        try:
            _print_json(inv.device(device, site))
        except InventoryError as exc:
            raise _fail(exc) from None


@app.command()
def mark(
    device: Annotated[str, typer.Argument(help="Inventory id, MAC or IP.")],
    status: Annotated[str, typer.Argument(help="seen, flagged, scheduled or removed.")],
    by: Annotated[str, typer.Option("--by", help="Who made the change (logged).")],
    note: Annotated[str, typer.Option("--note", help="Why, ticket number, where it went...")] = "",
    db: DbOpt = None,
    site: SiteOpt = None,
) -> None:
    """Move a device through the removal workflow: flagged -> scheduled -> removed.

    `verified` is set by the next scan that no longer sees a removed device, with that scan as
    proof; a removed device seen again becomes `reappeared`. Every change is logged.

    Examples:

      cctv-scan mark 44:19:b6:12:34:56 removed --by "J. Smith" --note "ticket 4411, lobby"

      cctv-scan mark 17 scheduled --by facilities
    """
    from ..inventory import InventoryError

    with _open(db) as inv:
        try:
            event = inv.mark(device, status.lower(), by=by, note=note, site=site)
        except InventoryError as exc:
            raise _fail(exc) from None
    d = event["device"]
    typer.echo(f"device #{d['id']} ({d['ip']}, {d['mac'] or 'no MAC'}): {event['old']} -> {event['new']} by {event['by']} at {event['at']}")


@app.command()
def annotate(
    device: Annotated[str, typer.Argument(help="Inventory id, MAC or IP.")],
    by: Annotated[str, typer.Option("--by", help="Who made the change (logged).")],
    location: Annotated[Optional[str], typer.Option(help="Where the device is (building, floor, room).")] = None,
    notes: Annotated[Optional[str], typer.Option(help="Free notes for the team.")] = None,
    db: DbOpt = None,
    site: SiteOpt = None,
) -> None:
    """Set a device's location and notes (logged with who and when).

    Example:  cctv-scan annotate 17 --location "Block B, floor 2, stairwell" --by "J. Smith"
    """
    from ..inventory import InventoryError

    with _open(db) as inv:
        try:
            d = inv.annotate(device, by=by, location=location, notes=notes, site=site)
        except InventoryError as exc:
            raise _fail(exc) from None
    typer.echo(f"device #{d['id']}: location {d['location']!r}, notes {d['notes']!r}")


@app.command()
def scans(db: DbOpt = None, site: SiteOpt = None, as_json: JsonOpt = False) -> None:
    """List recorded scans (complete, incomplete, or running)."""
    with _open(db) as inv:
        rows = inv.scans(site)
    if as_json:
        _print_json(rows)
    else:
        _table(rows, ["id", "site", "state", "started", "finished", "devices", "host"], f"{len(rows)} scans")


@app.command()
def diff(
    old: Annotated[Optional[int], typer.Argument(help="Older scan id (default: the last two complete scans).")] = None,
    new: Annotated[Optional[int], typer.Argument(help="Newer scan id.")] = None,
    db: DbOpt = None,
    site: SiteOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What changed between two scans: new, gone, moved (new IP or switch port) and changed (firmware, verdict).

    Examples:

      cctv-scan diff --site hq

      cctv-scan diff 12 15 --json
    """
    from ..inventory import InventoryError

    if (old is None) != (new is None):
        typer.echo("error: give two scan ids, or none for the last two complete scans", err=True)
        raise typer.Exit(2)
    with _open(db) as inv:
        try:
            result = inv.diff(site, old, new)
        except InventoryError as exc:
            raise _fail(exc) from None
    if as_json:
        _print_json({k: result[k] for k in ("new", "gone", "moved", "changed")})  # the shape, nothing more
        return
    if result["old_scan"] is None:
        typer.echo(f"site {result['site']!r}: scan #{result['new_scan']} is its first complete scan, "
                   f"nothing to compare it with yet; every device it saw is new")
    else:
        typer.echo(f"site {result['site']!r}: scan #{result['old_scan']} -> #{result['new_scan']}")
    for key in ("new", "gone", "moved", "changed"):
        for e in result[key]:
            extra = f" {e['old_ip']} -> {e['new_ip']}" if key == "moved" else ""
            if key == "moved" and e.get("old_port") and e.get("new_port") and e["old_port"] != e["new_port"]:
                extra += f", port {e['old_port']} -> {e['new_port']}"
            if key == "changed":
                extra = " " + ", ".join(f"{f}: {c['old']} -> {c['new']}" for f, c in e["changes"].items())
            typer.echo(f"  {key:8} #{e['id']} {e['ip']} {e['mac'] or '-'} {e['vendor'] or '?'} [{e['classification']}]{extra}")


@app.command()
def report(
    fmt: Annotated[FormatChoice, typer.Option("--format", case_sensitive=False, help="The report's format.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    db: DbOpt = None,
    site: SiteOpt = None,
    verdict: Annotated[Optional[VerdictChoice], typer.Option(case_sensitive=False, help="Only this verdict.")] = None,
    vendor: Annotated[Optional[str], typer.Option(help="Only brands/makers containing this text.")] = None,
    status: Annotated[Optional[StatusChoice], typer.Option(case_sensitive=False, help="Only this removal status.")] = None,
    from_json: Annotated[Optional[Path], typer.Option("--from-json", help="Report on one scan document instead of the inventory.")] = None,
) -> None:
    """Write a report for people: CSV or XLSX for removal teams, JSON, or a self-contained HTML
    page (summary, chart, sortable filterable table, evidence and reasons per device).

    Examples:

      cctv-scan report --format xlsx --output removals.xlsx --status flagged

      cctv-scan report --format html --output site.html --site hq

      cctv-scan report --format html --output scan.html --from-json scan.json
    """
    from ..models import ScanDocument
    from ..report.people import rows_from_document, write_report

    if from_json is not None:
        try:
            rows = rows_from_document(ScanDocument.from_dict(json.loads(from_json.read_text())), site or "")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            typer.echo(f"error: {from_json} is not a readable scan document: {exc}", err=True)
            raise typer.Exit(1) from None
        title = f"cctv-scan report: {from_json.name}"
    else:
        with _open(db) as inv:
            rows = inv.devices(site=site, verdict=_value(verdict), vendor=vendor, status=_value(status), evidence=True)
            if not rows:
                _why_empty(inv, site, verdict=_value(verdict), vendor=vendor, status=_value(status))
        title = f"cctv-scan inventory report{': site ' + site if site else ''}"
    write_report(rows, fmt.value, output, title=title)
    typer.echo(f"wrote {len(rows)} devices to {output}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def watch(
    ctx: typer.Context,
    every: Annotated[str, typer.Option(help="Interval: 30m, 6h, 1d...")] = "6h",
    max_runs: Annotated[Optional[int], typer.Option(help="Stop after this many runs (default: run until stopped).")] = None,
) -> None:
    """Run a cctv-scan command again and again in the foreground (for containers).

    Everything after `--` is the command line to run, usually a scan that records into the
    inventory. Runs never overlap: each waits for the last, and the scan's lock guards against
    other runs. Exits with the last run's exit code when --max-runs is reached.

    Example:

      cctv-scan watch --every 6h -- scan 10.20.0.0/24 --db /data/inv.sqlite --site hq
    """
    from ..inventory import InventoryError
    from ..inventory.schedule import parse_interval, watch as loop

    args = list(ctx.args)
    if not args:
        typer.echo("error: give the command to run after --, e.g. -- scan 10.20.0.0/24 --site hq", err=True)
        raise typer.Exit(2)
    try:
        seconds = parse_interval(every)
    except InventoryError as exc:
        raise _fail(exc) from None

    def said(run: int, code: int, took: float) -> None:
        typer.echo(f"run {run}: exit {code} after {took:.1f}s", err=True)

    try:
        code = loop(args, seconds, max_runs=max_runs, report=said)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    raise typer.Exit(code)


@schedule_app.command("install", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def schedule_install(
    ctx: typer.Context,
    every: Annotated[str, typer.Option(help="Interval: 30m, 6h, 1d, 1w...")] = "1d",
    name: Annotated[str, typer.Option(help="Unit name.")] = "cctv-scan",
    unit_dir: Annotated[Optional[Path], typer.Option(help="Write the units here and do not enable them (default: /etc/systemd/system, enabled).")] = None,
    cron: Annotated[bool, typer.Option("--cron", help="Print a crontab line instead of writing systemd units.")] = False,
) -> None:
    """Install a systemd timer and service that run a cctv-scan command on a schedule, or print
    a cron line where there is no systemd. Everything after `--` is the command line to run.

    Examples:

      sudo cctv-scan schedule install --every 1d -- scan 10.20.0.0/24 --site hq --webhook https://hooks.example/cctv

      cctv-scan schedule install --every 6h --cron -- scan 10.20.0.0/24 --site hq
    """
    from ..inventory import InventoryError
    from ..inventory import schedule as sch

    args = list(ctx.args)
    if not args:
        typer.echo("error: give the command to run after --, e.g. -- scan 10.20.0.0/24 --site hq", err=True)
        raise typer.Exit(2)
    try:
        seconds = sch.parse_interval(every)
        if cron or (unit_dir is None and not sch.has_systemd()):
            if not cron:
                typer.echo("no systemd here; add this line to root's crontab (crontab -e):", err=True)
            typer.echo(sch.cron_line(seconds, args))
            return
        units = sch.write_units(name, seconds, args, unit_dir or sch.SYSTEM_UNIT_DIR)
        typer.echo(f"wrote {units.service} and {units.timer}")
        if unit_dir is None:
            sch.enable(name)
            typer.echo(f"enabled {name}.timer (systemctl list-timers {name}.timer)")
    except InventoryError as exc:
        raise _fail(exc) from None


@schedule_app.command("uninstall")
def schedule_uninstall(
    name: Annotated[str, typer.Option(help="Unit name.")] = "cctv-scan",
    unit_dir: Annotated[Optional[Path], typer.Option(help="Where the units were written.")] = None,
) -> None:
    """Disable and remove the timer and service that `schedule install` wrote."""
    from ..inventory import schedule as sch

    removed = sch.remove_units(name, unit_dir or sch.SYSTEM_UNIT_DIR, disable=unit_dir is None and sch.has_systemd())
    typer.echo("removed " + ", ".join(map(str, removed)) if removed else "nothing to remove")


@inventory_app.command("path")
def inventory_path(db: DbOpt = None) -> None:
    """Print which inventory would be used (never with a password)."""
    from ..inventory import InventoryError
    from ..inventory.store import describe, resolve_url

    try:
        typer.echo(describe(resolve_url(db)))
    except InventoryError as exc:
        raise _fail(exc, 2) from None


@inventory_app.command("flush")
def inventory_flush(db: DbOpt = None) -> None:
    """Send the scans kept locally while the inventory database was unreachable."""
    with _open(db) as inv:
        results = inv.flush_spool()
    typer.echo(f"sent {len(results)} spooled scans to {inv.store.name}")
