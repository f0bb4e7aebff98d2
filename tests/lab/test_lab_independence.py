"""The lab is the other side of the wire: it imports nothing of the scanner but its error type,
and never reads the fingerprint database (a shared parser, a shared model or a profile built
from the fingerprints would let the scanner's own mistakes pass every test)."""

from __future__ import annotations

import ast
from pathlib import Path

import scanner.lab

ALLOWED = ("scanner.lab", "scanner.errors")
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
        if _is_scanner(name) and not any(name == ok or name.startswith(ok + ".") for ok in ALLOWED)
    ]
    assert offenders == []


def _is_scanner(name: str) -> bool:
    return name in ("scanner", "fingerprints") or name.startswith(("scanner.", "fingerprints."))


def test_the_import_check_refuses_the_scanner_data_and_models_modules():
    for name in ("scanner.data", "scanner.models", "scanner", "scanner.identify.matcher"):
        assert _is_scanner(name) and not any(name == ok or name.startswith(ok + ".") for ok in ALLOWED)


def test_no_lab_code_reads_the_fingerprint_database():
    # Neither a path to fingerprints/ nor the variable that points the scanner at another one.
    offenders = []
    for f in sorted(LAB_DIR.rglob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if node in _docstrings(tree):
                    continue
                if "fingerprints" in text or "CCTV_SCAN_FINGERPRINTS" in text:
                    offenders.append(f"{f.relative_to(LAB_DIR)}: {text[:60]!r}")
    assert offenders == []


def _docstrings(tree: ast.AST) -> set[ast.AST]:
    out: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(first.value)
    return out


def test_the_import_check_sees_relative_imports():
    sample = LAB_DIR / "lab.py"
    assert "scanner.errors.LabError" in _imports(sample) or "scanner.errors" in _imports(sample)
