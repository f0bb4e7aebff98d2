"""Rules the test suite keeps about itself: every test asserts something, and no test is skipped
for a reason that stopped being true (a module "not merged yet")."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# A test proves something when it asserts, expects an exception, fails explicitly, or hands its
# result to a checking helper (check_*, assert_*, expect*).
PROVES = ("assert", "raises(", "pytest.fail", "check", "expect")
STALE = ("not merged", "not on this branch", "not implemented yet", "until the")


def _test_functions() -> list[tuple[Path, ast.FunctionDef]]:
    out = []
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        out += [(path, n) for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    return out


def test_every_test_proves_something() -> None:
    functions = _test_functions()
    assert len(functions) > 300
    silent = [f"{p.relative_to(TESTS)}:{n.lineno} {n.name}" for p, n in functions if not any(w in ast.unparse(n) for w in PROVES)]
    assert silent == []


def test_no_skip_names_a_reason_that_has_gone_stale() -> None:
    stale = []
    for path in sorted(TESTS.rglob("*.py")):
        text = path.read_text(encoding="utf-8").lower()
        for word in STALE:
            if word in text and ("skip" in text):
                for line in text.splitlines():
                    if word in line and "skip" in line:
                        stale.append(f"{path.relative_to(TESTS)}: {line.strip()[:100]}")
    stale = [s for s in stale if "test_suite_rules.py" not in s]
    assert stale == []
