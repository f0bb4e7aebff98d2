"""How fast one switch is read over SNMP: the lab switch with a huge forwarding table
(100,000 synthetic rows served by scanner/lab/snmp_agent.py --mode huge), read from the
scanner namespace with GETBULK (25 repetitions) up to a row cap. Prints rows, seconds and
rows per second. Needs root (builds its own lab, removes it after).

    sudo .venv/bin/python benchmarks/switch_read.py [--rows 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000)
    args = ap.parse_args()
    from scanner.lab import Lab
    from scanner.lab.lab import SNMP_COMMUNITY

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with Lab(["axis-p3245-lve"], snmp=True, snmp_mode="huge", services=set()) as lab:
        code = ("import json\nfrom scanner.locate.snmp import read_switch, SnmpAuth\n"
                f"t = read_switch({lab.switch_ip!r}, SnmpAuth(community={SNMP_COMMUNITY!r}), timeout=2, budget=600, max_rows={args.rows})\n"
                "print(json.dumps({'rows': t.rows, 'fdb': len(t.fdb), 'seconds': t.elapsed, 'problems': t.problems}))\n")
        proc = lab.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=900)
    if proc.returncode != 0:
        sys.exit(proc.stderr[-2000:])
    r = json.loads(proc.stdout)
    print(f"switch read: {r['rows']} rows ({r['fdb']} forwarding entries) in {r['seconds']:.2f} s = "
          f"{r['rows'] / max(r['seconds'], 1e-9):.0f} rows/s; cap {args.rows}; problems: {r['problems']}")


if __name__ == "__main__":
    main()
