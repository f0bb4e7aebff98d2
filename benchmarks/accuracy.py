"""Measure identification accuracy on the lab and on the corpus of real banners; print a table.

The lab part builds the full lab of emulated devices (network namespaces, nothing leaves them),
runs ``python -m scanner scan`` inside the lab's scanner namespace, and judges every device
against its profile's ``expected``. The corpus part identifies each real banner of
tests/corpus/banners.yaml offline. Scoring rules: scanner/identify/accuracy.py. Prints figures;
asserts nothing (tests/identify/test_identify_accuracy.py and
tests/engine/test_identify_accuracy_lab.py hold the rule that must never break).

    sudo python benchmarks/accuracy.py [--policy uk-sensitive-sites] [--no-lab] [--show-wrong]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "tests" / "corpus" / "banners.yaml"


def scan_lab(policy: str) -> tuple[list[dict[str, Any]], dict[str, tuple[str, dict[str, Any]]]]:
    """Scan the full lab from its scanner namespace: (devices of the scan document, expectations by IP)."""
    from scanner.lab import Lab

    with Lab() as lab, tempfile.TemporaryDirectory(prefix="accuracy-") as tmp:
        out = Path(tmp) / "scan.json"
        cmd = [sys.executable, "-m", "scanner", "scan", lab.subnet, "--json", str(out), "--quiet",
               "--timeout", "1.5", "--policy", policy]
        proc = lab.run(cmd, capture_output=True, text=True, timeout=600, cwd=str(ROOT))
        if proc.returncode != 0:
            raise SystemExit(f"lab scan failed ({proc.returncode}):\n{proc.stderr}")
        doc = json.loads(out.read_text(encoding="utf-8"))
        expected = {d.ip: (d.profile_name, dict(d.expected)) for d in lab.devices}
    return doc["devices"], expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", default="uk-sensitive-sites", help="policy to classify under (default uk-sensitive-sites)")
    parser.add_argument("--no-lab", action="store_true", help="corpus only (no namespaces needed)")
    parser.add_argument("--show-wrong", action="store_true", help="list every case with a wrong vendor or platform_vendor")
    args = parser.parse_args()
    from scanner.identify import load_database, load_policy
    from scanner.identify.accuracy import corpus_cases, lab_cases, load_corpus, render_table, score

    db = load_database()
    policy = load_policy(args.policy, db)
    rows = []
    if not args.no_lab:
        devices, expected = scan_lab(args.policy)
        rows.append(("lab", score(lab_cases(devices, expected, db.vendors))))
    rows.append(("real banners", score(corpus_cases(load_corpus(CORPUS), db, policy))))
    print(f"policy: {policy.id}")
    print(render_table(rows))
    if args.show_wrong:
        for label, s in rows:
            for line in s.wrong:
                print(f"  {label}: {line}")


if __name__ == "__main__":
    main()
