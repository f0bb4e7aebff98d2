"""The terminal view of a scan document: one rich table, verdicts coloured, and the problems."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
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


def render(doc: ScanDocument, console: Console | None = None, *, show_problems: bool = True) -> None:
    console = console or Console()
    wide = console.width >= 160
    table = Table(title=f"cctv-scan: {len(doc.devices)} device(s) in {', '.join(doc.scan.scope)}")
    columns = [("IP", {"no_wrap": True})]
    if wide:
        columns.append(("MAC", {"no_wrap": True}))
    columns += [("Brand", {}), ("Made by", {}), ("Model", {}), ("Type", {}), ("Verdict", {"no_wrap": True}), ("Conf.", {"justify": "right"})]
    located = any(d.location for d in doc.devices)
    if located:
        columns.append(("Where", {}))
    if wide:
        columns.append(("Why", {"ratio": 1}))
    for name, kw in columns:
        table.add_column(name, **kw)
    devices = sorted(doc.devices, key=lambda d: (ORDER[d.classification], tuple(int(x) for x in d.ip.split("."))))
    for d in devices:
        row = [d.ip] + ([d.mac or "-"] if wide else [])
        row += [d.vendor or "-", d.platform_vendor or "-", d.model or "-", d.device_type.value,
                Text(d.classification.value, style=STYLE[d.classification]), f"{d.confidence:.2f}"]
        if located:
            row.append(Text(location_text(d.location) if wide else (f"{d.location.switch} {d.location.port}" if d.location else "-")))
        if wide:
            row.append(d.reasons[0] if d.reasons else "")
        table.add_row(*row)
    console.print(table)
    counts = {c.value: sum(1 for d in doc.devices if d.classification == c) for c in Classification}
    console.print(" ".join(f"[{STYLE[Classification(k)]}]{k}: {v}[/]" for k, v in counts.items()))
    if not wide:
        for d in devices:
            if d.classification in (Classification.RESTRICTED, Classification.REVIEW) and d.reasons:
                console.print(f"[{STYLE[d.classification]}]{d.ip}[/] {d.reasons[0]}")
    if not doc.scan.complete:
        console.print("[bold yellow]The scan is incomplete: some hosts were not fully probed (deadline or interruption).[/]")
    for w in doc.scan.warnings:
        console.print(f"[yellow]warning:[/] {w}")
    if show_problems:
        for d in devices:
            for p in d.problems:
                console.print(f"[dim]{d.ip}: {p}[/]")
