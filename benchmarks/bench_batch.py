"""Batch throughput: runs per minute of 10,000-resident 3-year runs with 1 and 2 local worker
processes (scaling ratio), and the per-run overhead of the Dask path against local processes.

    python benchmarks/bench_batch.py [--runs 12] [--repeats 3] [--residents 10000] [--years 3]

Pools and clusters are started and warmed up before timing; each timed batch writes its run files
like a real batch (into a temporary folder). Medians over the repeats are printed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sandbox.batch import Runner, execute, run_specs
from sandbox.experiment import parse_experiment


def experiment(residents: int, years: int, runs: int, seed: int):
    return parse_experiment(
        f"""
[experiment]
scenarios = ["baseline"]
residents = {residents}
years = {years}
seed = {seed}
replicates = {runs}
outcomes = ["primary_care_share", "fund_spending_per_capita"]
"""
    )


def timed(runner: Runner, specs) -> float:
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        c = execute(specs, Path(d), runner)
        dt = time.perf_counter() - t0
    assert c["ok"] == len(specs), c
    return dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=12)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--residents", type=int, default=10_000)
    ap.add_argument("--years", type=int, default=3)
    a = ap.parse_args()

    specs = run_specs(experiment(a.residents, a.years, a.runs, 1))
    warm = run_specs(experiment(a.residents, 1, 4, 2))
    tiny = run_specs(experiment(100, 1, 40, 3))
    print(f"{a.runs} runs of {a.residents:,} residents x {a.years} years per batch, {a.repeats} repeats, medians")

    per_min = {}
    for w in (1, 2):
        with Runner(workers=w) as r:
            timed(r, warm)
            times = [timed(r, specs) for _ in range(a.repeats)]
        med = statistics.median(times)
        per_min[w] = a.runs / med * 60
        print(
            f"local, {w} worker{'s' if w > 1 else ' '}: {per_min[w]:6.1f} runs/min  ({med / a.runs:.3f} s/run; batches {', '.join(f'{t:.2f}' for t in times)} s)"
        )
    print(f"scaling 2 vs 1 worker: {per_min[2] / per_min[1]:.2f}x")

    from dask.distributed import LocalCluster

    with Runner(workers=2) as r:
        timed(r, warm)
        local_tiny = statistics.median([timed(r, tiny) for _ in range(a.repeats)])
        local_full = statistics.median([timed(r, specs) for _ in range(a.repeats)])
    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cl:
        with Runner(scheduler=cl.scheduler_address) as r:
            timed(r, warm)
            dask_tiny = statistics.median([timed(r, tiny) for _ in range(a.repeats)])
            dask_full = statistics.median([timed(r, specs) for _ in range(a.repeats)])
    n = len(tiny)
    print(
        f"tiny runs (100 residents x 1 year, {n} per batch, 2 workers): local {local_tiny / n * 1000:.1f} ms/run, dask {dask_tiny / n * 1000:.1f} ms/run "
        f"-> dask overhead {(dask_tiny - local_tiny) / n * 1000:+.1f} ms/run"
    )
    print(
        f"full runs, 2 workers: local {a.runs / local_full * 60:.1f} runs/min, dask {a.runs / dask_full * 60:.1f} runs/min "
        f"-> dask overhead {(dask_full - local_full) / a.runs * 1000:+.1f} ms/run"
    )


if __name__ == "__main__":
    main()
