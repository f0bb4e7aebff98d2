"""The terminal view of a scan document: one rich table, verdicts coloured, and the problems.

Tables fit the terminal: IP and MAC are never wrapped or cut, the maker is never cut (it may
wrap between words), and when the table cannot fit the lowest-value columns are dropped first
(``wide`` keeps them all, at the cost of lines longer than the terminal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Console, RenderableType
from rich.table import Table
from rich.markup import escape
from rich.text import Text

from ..models import Classification, Location, ScanDocument

STYLE = {
    Classification.RESTRICTED: "bold red",
    Classification.REVIEW: "yellow",
    Classification.CLEAR: "green",
    Classification.UNIDENTIFIED: "dim",
}
ORDER = {c: i for i, c in enumerate(STYLE)}


def location_text(loc: Location | None) -> str:
    """One line for a device's switch port: ``sw1 p3 "2F-EAST-CAM-07" vlan 10`` or why not."""
    if loc is None:
        return "-"
    text = f"{loc.switch} {loc.port}"
    if loc.port_alias:
        text += f' "{loc.port_alias}"'
    if loc.vlan is not None:
        text += f" vlan {loc.vlan}"
    if loc.certainty != "port" and loc.uplink:
        text += f" ({loc.uplink})"
    return text


@dataclass(frozen=True)
class Column:
    """One table column: ``keep`` is its rank when space runs out (the highest is dropped first;
    None: never dropped). ``whole``: never wrapped or cut (IP, MAC)."""

    name: str
    keep: int | None = None
    whole: bool = False
    justify: str = "left"
    only_wide: bool = False


def fit_table(title: str, columns: list[Column], rows: list[list[RenderableType]], console: Console,
              *, wide: bool = False) -> tuple[Table, list[str]]:
    """The table with as many columns as fit ``console.width`` (all with ``wide``); returns it and
    the names of the columns left out."""
    chosen = [i for i, c in enumerate(columns) if wide or not c.only_wide]

    def build(idx: list[int]) -> Table:
        table = Table(title=title)
        for i in idx:
            c = columns[i]
            longest = max([0] + [_longest_word(r[i]) for r in rows])
            if c.keep is not None and not wide:  # a droppable column is shown only at a width that reads well
                longest = min(longest, 12)
            table.add_column(c.name, no_wrap=c.whole, justify=c.justify,  # type: ignore[arg-type]
                             overflow="fold", min_width=max(len(c.name), longest))
        for r in rows:
            table.add_row(*[r[i] for i in idx])
        return table

    table = build(chosen)
    if not wide:
        droppable = sorted((i for i in chosen if columns[i].keep is not None), key=lambda i: -(columns[i].keep or 0))
        while droppable and _min_width(table) > console.width:
            chosen.remove(droppable.pop(0))
            table = build(chosen)
    left_out = [columns[i].name for i in range(len(columns)) if i not in chosen and not columns[i].only_wide]
    return table, left_out


def _min_width(table: Table) -> int:
    """Characters the table needs with every column at its minimum (rich's own measure stops at
    the console's width): the columns, their padding of one each side, and the borders."""
    return sum(c.min_width or 1 for c in table.columns) + 3 * len(table.columns) + 1


def _longest_word(cell: Any) -> int:
    text = cell.plain if isinstance(cell, Text) else str(cell)
    return max((len(w) for w in text.split()), default=0)


def print_table(table: Table, left_out: list[str], console: Console, *, wide: bool) -> None:
    if wide:  # every column, even when that makes lines longer than the terminal
        need = _min_width(table)
        if need > console.width:
            Console(width=need, file=console.file, force_terminal=console.is_terminal,
                    color_system=console.color_system, no_color=console.no_color).print(table)
            return
    console.print(table)
    if left_out:
        console.print(f"[dim](columns left out to fit {console.width} columns: {', '.join(left_out)}; --wide shows them)[/]")


SCAN_COLUMNS = [Column("IP", whole=True), Column("MAC", whole=True), Column("Brand", keep=2), Column("Made by"),
                Column("Model", keep=3), Column("Type", keep=4), Column("Verdict", whole=True),
                Column("Conf.", keep=5, justify="right"), Column("Why", keep=6, only_wide=True)]


def render(doc: ScanDocument, console: Console | None = None, *, show_problems: bool = True, wide: bool = False,
           show_warnings: bool = True) -> None:
    console = console or Console()
    devices = sorted(doc.devices, key=lambda d: (ORDER[d.classification], tuple(int(x) for x in d.ip.split("."))))
    located = any(d.location for d in doc.devices)
    columns = SCAN_COLUMNS[:-1] + ([Column("Where", keep=1)] if located else []) + SCAN_COLUMNS[-1:]
    rows: list[list[RenderableType]] = [
        [d.ip, d.mac or "-", d.vendor or "-", d.platform_vendor or "-", d.model or "-", d.device_type.value,
         Text(d.classification.value, style=STYLE[d.classification]), f"{d.confidence:.2f}",
         *([location_text(d.location)] if located else []),
         d.reasons[0] if d.reasons else ""]
        for d in devices]
    table, left_out = fit_table(f"cctv-scan: {len(doc.devices)} device(s) in {', '.join(doc.scan.scope)}",
                                columns, rows, console, wide=wide)
    print_table(table, left_out, console, wide=wide)
    counts = {c.value: sum(1 for d in doc.devices if d.classification == c) for c in Classification}
    console.print(" ".join(f"[{STYLE[Classification(k)]}]{k}: {v}[/]" for k, v in counts.items()))
    if "Why" in left_out:
        for d in devices:
            if d.classification in (Classification.RESTRICTED, Classification.REVIEW) and d.reasons:
                console.print(f"[{STYLE[d.classification]}]{d.ip}[/] {d.reasons[0]}")
    if not doc.scan.complete:
        if doc.scan.mode == "passive":
            console.print("[bold yellow]The result is incomplete: some traffic could not be read in full (see the lines above).[/]")
        else:
            console.print("[bold yellow]The scan is incomplete: some hosts were not fully probed (deadline or interruption).[/]")
    if show_warnings:
        for w in doc.scan.warnings:
            console.print(f"[yellow]warning:[/] {escape(w)}", soft_wrap=True)
    if show_problems:
        for d in devices:
            for p in d.problems:
                console.print(f"[dim]{d.ip}: {p}[/]")
