"""The lab is the other side of the wire: it never imports the scanner's probes, parsers,
identification, engine or fingerprints (a shared parser would let its own bugs pass every test)."""

from __future__ import annotations

import ast
from pathlib import Path

import scanner.lab

FORBIDDEN = ("scanner.probes", "scanner.identify", "scanner.engine", "scanner.fingerprints", "fingerprints",
             "scanner.passive", "scanner.inventory", "scanner.report")
LAB_DIR = Path(scanner.lab.__file__).resolve().parent


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(LAB_DIR.parent.parent).with_suffix("").parts[:-1])
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names.append(mod)
            names += [f"{mod}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__"):
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names.append(node.args[0].value)
    return names


def test_lab_sources_import_nothing_from_the_scanner_side():
    files = sorted(LAB_DIR.rglob("*.py"))
    assert len(files) > 5
    offenders = [
        f"{f.relative_to(LAB_DIR)} imports {name}"
        for f in files for name in _imports(f)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    ]
    assert offenders == []


def test_the_import_check_sees_relative_imports():
    sample = LAB_DIR / "lab.py"
    assert "scanner.errors.LabError" in _imports(sample) or "scanner.errors" in _imports(sample)
