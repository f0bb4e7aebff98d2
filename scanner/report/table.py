"""The terminal view of a scan document: one rich table, verdicts coloured, and the problems."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..models import Classification, ScanDocument

STYLE = {
    Classification.RESTRICTED: "bold red",
    Classification.REVIEW: "yellow",
    Classification.CLEAR: "green",
    Classification.UNIDENTIFIED: "dim",
}
ORDER = {c: i for i, c in enumerate(STYLE)}


def render(doc: ScanDocument, console: Console | None = None, *, show_problems: bool = True) -> None:
    console = console or Console()
    table = Table(title=f"cctv-scan: {len(doc.devices)} device(s) in {', '.join(doc.scan.scope)}", show_lines=False)
    for name, kw in (
        ("IP", {"no_wrap": True}),
        ("MAC", {"no_wrap": True}),
        ("Brand", {}),
        ("Made by", {}),
        ("Model", {}),
        ("Type", {}),
        ("Verdict", {"no_wrap": True}),
        ("Conf.", {"justify": "right"}),
        ("Why", {"ratio": 1}),
    ):
        table.add_column(name, **kw)
    devices = sorted(doc.devices, key=lambda d: (ORDER[d.classification], tuple(int(x) for x in d.ip.split("."))))
    for d in devices:
        table.add_row(
            d.ip,
            d.mac or "-",
            d.vendor or "-",
            d.platform_vendor or "-",
            d.model or "-",
            d.device_type.value,
            Text(d.classification.value, style=STYLE[d.classification]),
            f"{d.confidence:.2f}",
            d.reasons[0] if d.reasons else "",
        )
    console.print(table)
    counts = {c.value: sum(1 for d in doc.devices if d.classification == c) for c in Classification}
    console.print(" ".join(f"[{STYLE[Classification(k)]}]{k}: {v}[/]" for k, v in counts.items()))
    if not doc.scan.complete:
        console.print("[bold yellow]The scan is incomplete: some hosts were not fully probed (deadline or interruption).[/]")
    for w in doc.scan.warnings:
        console.print(f"[yellow]warning:[/] {w}")
    if show_problems:
        for d in devices:
            for p in d.problems:
                console.print(f"[dim]{d.ip}: {p}[/]")
