"""Runners: local processes, this process, or a Dask cluster; ``execute`` writes each run as it
finishes and ``run_batch`` runs (or finishes) a whole experiment into a folder."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..experiment import Experiment, load_experiment
from .specs import RunSpec, run_one, run_specs
from .store import check_folder, consolidate, finished_runs, manifest, write_json_atomic, write_run

MAX_BREAKS = 3  # worker-process deaths a run may witness before it is recorded as failed


class Runner:
    """Runs specs on local processes (``workers >= 1``), in this process (``workers == 0``) or on a
    Dask cluster (``scheduler`` address), yielding (spec, output) as runs finish."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
        self._pool = None
        self._client = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self, cancel: bool = False):
        if self._pool is not None:
            self._pool.shutdown(wait=not cancel, cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None

    @property
    def kind(self) -> str:
        if self.scheduler:
            return f"dask {self.scheduler}"
        return "in-process" if self.workers == 0 else f"{self.workers} local processes"

    def map(self, specs: list[RunSpec]):
        if not specs:
            return
        if self.scheduler:
            yield from self._map_dask(specs)
        elif self.workers == 0:
            for s in specs:
                yield s, run_one(s)
        else:
            yield from self._map_local(specs)

    def _map_local(self, specs):
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        def new_pool():
            # explicit context: mesa forces the global start method; "spawn" is safe with threads
            return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))

        if self._pool is None:
            self._pool = new_pool()
        pending: dict = {}
        queue = list(reversed(specs))
        breaks: dict[str, int] = {}
        # keep a bounded number of runs in flight so an interrupt cancels quickly
        while queue or pending:
            while queue and len(pending) < 2 * self.workers:
                s = queue.pop()
                pending[self._pool.submit(run_one, s)] = s
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for f in done:
                s = pending.pop(f)
                try:
                    out = f.result()
                except BrokenProcessPool:
                    broken = True
                    pending[f] = s
                    continue
                yield s, out
            if broken:
                # a worker process died (killed, out of memory): every run in flight is lost with the
                # pool; restart it and re-queue them. A run in flight at MAX_BREAKS deaths is failed.
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = new_pool()
                for s in pending.values():
                    breaks[s.run_id] = breaks.get(s.run_id, 0) + 1
                    if breaks[s.run_id] >= MAX_BREAKS:
                        yield (
                            s,
                            {
                                "run_id": s.run_id,
                                "status": "failed",
                                "seconds": 0.0,
                                "rows": [],
                                "params": {},
                                "error": f"worker process died {MAX_BREAKS} times while this run was in flight (killed or out of memory?)",
                            },
                        )
                    else:
                        queue.append(s)
                pending.clear()

    def _map_dask(self, specs):
        from dask.distributed import Client, as_completed

        if self._client is None:
            self._client = Client(self.scheduler, timeout="30s")
        session = uuid.uuid4().hex[:12]  # fresh task keys: never reuse a result the scheduler remembers
        futs = {self._client.submit(run_one, s, key=f"sandbox-run-{s.run_id}-{session}", pure=False): s for s in specs}
        try:
            for f in as_completed(list(futs)):
                s = futs[f]
                try:
                    yield s, f.result()
                except Exception as e:  # noqa: BLE001 - e.g. a worker lost repeatedly (KilledWorker)
                    yield (
                        s,
                        {
                            "run_id": s.run_id,
                            "status": "failed",
                            "error": f"{type(e).__name__}: {e}",
                            "seconds": 0.0,
                            "rows": [],
                            "params": {},
                        },
                    )
        finally:
            for f in futs:
                if not f.done():
                    f.cancel()


class Progress:
    def __init__(self, total: int, done: int, quiet: bool, desc: str = "runs"):
        self.failed = 0
        self.bar = None
        if not quiet:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, unit="run", desc=desc, file=sys.stderr, dynamic_ncols=True)

    def update(self, ok: bool):
        if not ok:
            self.failed += 1
        if self.bar is not None:
            self.bar.set_postfix(failed=self.failed, refresh=False)
            self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def execute(
    specs: list[RunSpec],
    folder: Path,
    runner: Runner,
    retry_failed: bool = False,
    quiet: bool = True,
    on_result: Callable[[RunSpec, dict], None] | None = None,
) -> dict[str, int]:
    """Run every spec not yet finished in ``folder``; write each as it finishes. Returns counts."""
    done = finished_runs(folder, retry_failed=retry_failed)
    todo = [s for s in specs if s.run_id not in done]
    prog = Progress(len(specs), len(specs) - len(todo), quiet)
    counts = {"total": len(specs), "skipped": len(specs) - len(todo), "ok": 0, "failed": 0}
    try:
        for spec, out in runner.map(todo):
            write_run(folder, spec, out)
            ok = out["status"] == "ok"
            counts["ok" if ok else "failed"] += 1
            prog.update(ok)
            if on_result:
                on_result(spec, out)
    finally:
        prog.close()
    return counts


def run_batch(
    exp: Experiment | str | Path,
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    retry_failed: bool = False,
    quiet: bool = True,
) -> pd.DataFrame:
    """Run (or finish) a batch experiment into ``out`` and return the tidy outcomes."""
    if not isinstance(exp, Experiment):
        exp = load_experiment(exp)
    folder = Path(out)
    check_folder(folder, exp)
    folder.mkdir(parents=True, exist_ok=True)
    for f in folder.glob(".*.tmp"):  # left by a kill during a previous consolidation
        f.unlink(missing_ok=True)
    specs = run_specs(exp)
    _, labels, _ = exp.design()
    extra = {"varied": [v.lever for v in exp.vary] or sorted({k for p in exp.points for k in p if k != "label"})}
    write_json_atomic(folder / "manifest.json", manifest(exp, specs, {**extra, "complete": False}))
    with Runner(workers, scheduler) as runner:
        counts = execute(specs, folder, runner, retry_failed=retry_failed, quiet=quiet)
    outcomes, runs = consolidate(folder, specs)
    write_json_atomic(
        folder / "manifest.json", manifest(exp, specs, {**extra, "complete": True, "counts": counts, "backend": runner.kind})
    )
    return outcomes
