"""Benchmark: wall time, resident-months per second and peak memory of full runs.

Usage: python benchmarks/bench_model.py [--sizes 100000,1000000] [--repeats 3] [--scenario baseline]
Each size runs in a fresh subprocess so peak memory (ru_maxrss) belongs to that run alone.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
t = time.perf_counter()
import sandbox.model  # mesa and scipy: imported once per process, timed apart from the run
from sandbox import Scenario, simulate
imports = time.perf_counter() - t
n, years, name = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sc = Scenario.preset(name)
t = time.perf_counter()
simulate(sc, residents=n, years=years, seed=1)
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "imports": imports, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--scenario", default="baseline")
    args = ap.parse_args()
    print(f"scenario {args.scenario}, {args.years} years, {args.repeats} repeats (median shown)")
    print("wall s: one run in a fresh process, after imports (import s: sandbox + mesa, once per process)")
    print(f"{'residents':>10} {'wall s':>8} {'min s':>7} {'res-months/s':>14} {'peak MB':>8} {'import s':>9}")
    for n in (int(s) for s in args.sizes.split(",")):
        runs = []
        for _ in range(args.repeats):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(n), str(args.years), args.scenario], capture_output=True, text=True, check=True
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        med = statistics.median(r["seconds"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        rate = n * 12 * args.years / med
        imp = statistics.median(r["imports"] for r in runs)
        print(f"{n:>10,} {med:>8.2f} {min(r['seconds'] for r in runs):>7.2f} {rate:>14,.0f} {peak:>8.0f} {imp:>9.2f}")


if __name__ == "__main__":
    main()
