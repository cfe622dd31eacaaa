"""Batch experiments: sweeps, replicates, sensitivity and calibration, on local processes or Dask.

* Every design point × scenario is run with the same replicate seeds (common random numbers),
  derived from the experiment's master seed with ``numpy.random.SeedSequence``; a run's numbers
  depend only on its scenario, overrides, size and seed, never on the worker or completion order.
* Each finished run is written atomically as ``runs/<run_id>.parquet`` (temporary file +
  ``os.replace``) as soon as it comes back, so an interrupted batch loses no finished run and
  re-running the same command runs only what is missing. At the end the run files are consolidated
  into ``outcomes.parquet`` (tidy: run × outcome × year), ``runs.parquet`` (one row per run with
  every parameter value) and ``manifest.json``.
* A run that raises is recorded as failed with its error; the others continue.

``sandbox batch``, ``sandbox sensitivity`` and ``sandbox calibrate`` are registered with the CLI by
:func:`add_batch_commands`.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .experiment import Experiment, load_experiment, resolve_scenario
from .validation import Problem, ScenarioError

RUNS_DIR = "runs"
MAX_BREAKS = 3  # worker-process deaths a run may witness before it is recorded as failed
ID_COLUMNS = ("run_id", "scenario", "point", "replicate", "seed")


# ---------------------------------------------------------------------------- run specs
@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs for one run (plain data, picklable, no file paths)."""

    run_id: str
    scenario: str  # the name in the experiment file
    scenario_toml: str  # the scenario itself, so remote workers need no files
    point: int
    label: str
    replicate: int
    seed: int
    overrides: dict[str, Any]
    residents: int
    years: int
    outcomes: tuple[str, ...]


def run_specs(
    exp: Experiment, points: list[dict] | None = None, labels: list[str] | None = None, tag: str = "p"
) -> list[RunSpec]:
    """All runs of an experiment: scenario × design point × replicate, in a fixed order."""
    if points is None:
        points, labels, _ = exp.design()
    labels = labels or [f"{tag}{i}" for i in range(len(points))]
    seeds = exp.replicate_seeds()
    specs = []
    for si, s in enumerate(exp.scenarios):
        sc = resolve_scenario(s, exp.path)
        toml = sc.to_toml(full=False)
        for pi, (p, lab) in enumerate(zip(points, labels)):
            for r, seed in enumerate(seeds):
                specs.append(
                    RunSpec(
                        run_id=f"s{si:02d}-{tag}{pi:05d}-r{r:03d}",
                        scenario=s,
                        scenario_toml=toml,
                        point=pi,
                        label=lab,
                        replicate=r,
                        seed=seed,
                        overrides={**exp.fixed, **p},
                        residents=exp.residents,
                        years=exp.years,
                        outcomes=tuple(exp.outcomes),
                    )
                )
    return specs


def _simulate(scenario, residents, years, seed):
    from .simulate import simulate

    return simulate(scenario, residents=residents, years=years, seed=seed)


def run_one(spec: RunSpec) -> dict[str, Any]:
    """Run one simulation; never raises for a model error (returns status 'failed' and the error).

    Top level so that spawned processes and Dask workers can import it.
    """
    from .scenario import Scenario

    t0 = time.perf_counter()
    base = {"run_id": spec.run_id, "host": socket.gethostname(), "pid": os.getpid()}
    try:
        sc = Scenario.from_toml(spec.scenario_toml).with_overrides(spec.overrides)
        res = _simulate(sc, spec.residents, spec.years, spec.seed)
        yearly = res.yearly()
        rows = []
        for _, row in yearly.iterrows():
            for o in spec.outcomes:
                rows.append((o, int(row["year"]), float(row[o])))
        return {**base, "status": "ok", "error": "", "seconds": time.perf_counter() - t0, "rows": rows, "params": sc.to_dict()}
    except Exception as e:  # noqa: BLE001 - a failing run is data, not a crash
        tb = traceback.format_exc(limit=6)
        return {
            **base,
            "status": "failed",
            "error": f"{type(e).__name__}: {e}\n{tb}",
            "seconds": time.perf_counter() - t0,
            "rows": [],
            "params": {},
        }


# ---------------------------------------------------------------------------- storage
def _atomic_write_table(table, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def write_run(folder: Path, spec: RunSpec, out: dict[str, Any]) -> Path:
    """One finished run → ``runs/<run_id>.parquet``: its tidy outcome rows, with the run record
    (status, error, parameters) in the file's metadata. Atomic."""
    import pyarrow as pa

    rows = out["rows"]
    table = pa.table(
        {
            "run_id": pa.array([spec.run_id] * len(rows), pa.string()),
            "scenario": pa.array([spec.scenario] * len(rows), pa.string()),
            "point": pa.array([spec.point] * len(rows), pa.int32()),
            "replicate": pa.array([spec.replicate] * len(rows), pa.int32()),
            "seed": pa.array([spec.seed] * len(rows), pa.int64()),
            "outcome": pa.array([r[0] for r in rows], pa.string()),
            "year": pa.array([r[1] for r in rows], pa.int32()),
            "value": pa.array([r[2] for r in rows], pa.float64()),
        }
    )
    record = {
        "run_id": spec.run_id,
        "scenario": spec.scenario,
        "point": spec.point,
        "label": spec.label,
        "replicate": spec.replicate,
        "seed": spec.seed,
        "residents": spec.residents,
        "years": spec.years,
        "status": out["status"],
        "error": out["error"],
        "seconds": out["seconds"],
        "host": out.get("host", ""),
        "pid": out.get("pid", 0),
        "overrides": spec.overrides,
        "params": out["params"],
    }
    table = table.replace_schema_metadata({b"sandbox_run": json.dumps(record, default=str).encode()})
    d = folder / RUNS_DIR
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{spec.run_id}.parquet"
    _atomic_write_table(table, path)
    return path


def read_run_record(path: Path) -> dict[str, Any] | None:
    import pyarrow.parquet as pq

    try:
        md = pq.read_schema(path).metadata or {}
        return json.loads(md[b"sandbox_run"])
    except Exception:  # noqa: BLE001 - unreadable file: treat as missing, it will be re-run
        return None


def finished_runs(folder: Path, retry_failed: bool = False) -> dict[str, dict]:
    """run_id → record for every run already written (failed ones omitted if ``retry_failed``)."""
    d = Path(folder) / RUNS_DIR
    done = {}
    if not d.exists():
        return done
    for f in d.glob(".*.tmp"):  # leftovers of a write interrupted by a kill: never half-written results
        f.unlink(missing_ok=True)
    for f in sorted(d.glob("*.parquet")):
        rec = read_run_record(f)
        if rec is None:
            f.unlink(missing_ok=True)
            continue
        if retry_failed and rec["status"] != "ok":
            continue
        done[rec["run_id"]] = rec
    return done


def consolidate(folder: Path, specs: list[RunSpec]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge ``runs/*.parquet`` for ``specs`` into outcomes.parquet and runs.parquet (atomically)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    tables, records = [], []
    for s in specs:
        f = folder / RUNS_DIR / f"{s.run_id}.parquet"
        if not f.exists():
            continue
        t = pq.read_table(f)
        records.append(json.loads(t.schema.metadata[b"sandbox_run"]))
        tables.append(t.replace_schema_metadata(None))
    outcomes = pa.concat_tables(tables).to_pandas() if tables else pd.DataFrame(columns=[*ID_COLUMNS, "outcome", "year", "value"])
    outcomes = outcomes.sort_values(["run_id", "outcome", "year"]).reset_index(drop=True)
    run_rows = []
    for r in records:
        row = {
            k: r[k]
            for k in (
                "run_id",
                "scenario",
                "point",
                "label",
                "replicate",
                "seed",
                "residents",
                "years",
                "status",
                "error",
                "seconds",
                "host",
                "pid",
            )
        }
        row["overrides"] = json.dumps(r["overrides"], sort_keys=True, default=str)
        # a failed run has no resolved parameters: show at least the values it was given
        for k, v in (r["params"] or r["overrides"]).items():
            row[k] = v
        run_rows.append(row)
    runs = pd.DataFrame(run_rows)
    if len(runs):
        runs = runs.sort_values("run_id").reset_index(drop=True)
    for name, df in (("outcomes", outcomes), ("runs", runs)):
        tmp = folder / f".{name}.parquet.{os.getpid()}.tmp"
        df.to_parquet(tmp, index=False)
        os.replace(tmp, folder / f"{name}.parquet")
    return outcomes, runs


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


ENGINE_FILES = ("params.py", "scenario.py", "population.py", "rng.py", "agents.py", "model.py", "simulate.py", "results.py")


def engine_digest() -> str:
    """A digest of the model's source (the modules that decide a run's numbers), so that a results
    folder is never resumed with a different engine."""
    root = Path(__file__).resolve().parent
    files = [root / f for f in ENGINE_FILES] + sorted((root / "phases").glob("*.py"))
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def manifest(exp: Experiment, specs: list[RunSpec], extra: dict | None = None) -> dict[str, Any]:
    from . import __version__
    from .results import git_commit

    return {
        "experiment": exp.name,
        "experiment_file": exp.path,
        "experiment_text": exp.text,
        "experiment_digest": exp.digest,
        "method": exp.method,
        "package_version": __version__,
        "git_commit": git_commit(),
        "engine_digest": engine_digest(),
        "master_seed": exp.seed,
        "replicate_seeds": exp.replicate_seeds(),
        "residents": exp.residents,
        "years": exp.years,
        "scenarios": {s: resolve_scenario(s, exp.path).to_toml(full=False) for s in exp.scenarios},
        "runs": len(specs),
        **(extra or {}),
    }


def check_folder(folder: Path, exp: Experiment) -> None:
    """Refuse to mix runs of a different experiment into an existing results folder."""
    if Path(folder).exists() and not Path(folder).is_dir():
        raise ScenarioError([Problem("--out", str(folder), "exists and is not a folder")])
    f = Path(folder) / "manifest.json"
    if not f.exists():
        return
    try:
        written = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        written = {}
    if written.get("experiment_digest") and written["experiment_digest"] != exp.digest:
        raise ScenarioError(
            [
                Problem(
                    "--out",
                    str(folder),
                    "holds results of a different experiment (the design, sizes, seeds or scenarios changed); "
                    "choose another folder or delete this one",
                )
            ]
        )
    engine = engine_digest()
    if written.get("experiment_digest") and written.get("engine_digest") != engine:
        raise ScenarioError(
            [
                Problem(
                    "--out",
                    str(folder),
                    f"holds results of another version of the model (engine {written.get('engine_digest') or 'unknown'}, "
                    f"this one is {engine}); resuming would mix the two, so choose another folder or delete this one",
                )
            ]
        )


def load_results(folder: str | Path, runs: bool = False) -> pd.DataFrame:
    """The tidy outcomes of a batch folder (``runs=True``: the run table), as pandas.

    Reads the consolidated ``outcomes.parquet``; if the batch has not finished it reads the
    finished run files instead. DuckDB can query the same files in place::

        duckdb.sql("select outcome, avg(value) from 'results/gap_sweep/outcomes.parquet' group by 1")
    """
    folder = Path(folder)
    name = "runs" if runs else "outcomes"
    f = folder / f"{name}.parquet"
    if f.exists():
        return pd.read_parquet(f)
    files = sorted((folder / RUNS_DIR).glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"no results in {folder}")
    if runs:
        recs = [read_run_record(p) for p in files]
        return pd.DataFrame([{k: v for k, v in r.items() if k != "params"} for r in recs if r])
    return pd.concat([pd.read_parquet(p) for p in files], ignore_index=True)


def with_parameters(folder: str | Path, levers: Iterable[str] | None = None) -> pd.DataFrame:
    """Tidy outcomes joined with the run table's lever columns (``levers``; default: the varied ones)."""
    out = load_results(folder)
    runs = load_results(folder, runs=True)
    if levers is None:
        m = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
        levers = m.get("varied", [])
    cols = ["run_id", "label", "status", *[c for c in levers if c in runs.columns]]
    return out.merge(runs[cols], on="run_id", how="left")


# ---------------------------------------------------------------------------- executors
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


# ---------------------------------------------------------------------------- CLI
def _common(p):
    from .cli import int_at_least  # imported here: cli imports this module lazily

    p.add_argument("experiment", help="experiment file (TOML); see docs/batch.md")
    p.add_argument("--out", required=True, help="results folder (created; re-running the same command resumes)")
    p.add_argument(
        "--workers",
        type=int_at_least(0, " (0 runs in this process)"),
        default=None,
        help="local worker processes (default: CPU count; 0 = this process)",
    )
    p.add_argument(
        "--scheduler", default=None, help="address of a Dask scheduler, e.g. tcp://host:8786 (or set DASK_SCHEDULER_ADDRESS)"
    )
    p.add_argument("--retry-failed", action="store_true", help="re-run runs recorded as failed")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _expect(exp: Experiment, methods: tuple[str, ...], command: str) -> None:
    if exp.method not in methods:
        raise ScenarioError(
            [
                Problem(
                    "experiment.method",
                    exp.method,
                    f"'sandbox {command}' needs method " + " or ".join(repr(m) for m in methods),
                    file=exp.path,
                )
            ]
        )


def cmd_batch(args) -> int:
    exp = load_experiment(args.experiment)
    _expect(exp, ("grid", "list", "lhs", "sobol", "morris"), "batch")
    t0 = time.time()
    try:
        outcomes = run_batch(exp, args.out, args.workers, args.scheduler, args.retry_failed, args.quiet)
    except KeyboardInterrupt:
        done = len(finished_runs(Path(args.out)))
        print(
            f"interrupted: {done} finished runs are kept in {args.out}/runs; run the same command again to finish",
            file=sys.stderr,
        )
        return 130
    runs = load_results(args.out, runs=True)
    failed = runs[runs.status != "ok"]
    print(f"{exp.name}: {len(runs)} runs ({len(failed)} failed) in {time.time() - t0:.1f} s -> {args.out}")
    for _, r in failed.head(5).iterrows():
        print(f"  failed {r.run_id} ({r.label}): {r.error.splitlines()[0]}", file=sys.stderr)
    if len(outcomes):
        last = outcomes[outcomes.year == outcomes.year.max()]
        lab = runs.set_index("run_id").label
        last = last.assign(label=last.run_id.map(lab))
        tab = last.groupby(["scenario", "label", "outcome"], sort=False).value.mean().unstack("outcome")
        with pd.option_context("display.width", 200, "display.max_columns", 8):
            print(tab.iloc[:20, :6].to_string(float_format=lambda v: f"{v:,.4g}"))
    return 0


def cmd_sensitivity(args) -> int:
    from .sensitivity import run_sensitivity

    exp = load_experiment(args.experiment)
    _expect(exp, ("sobol", "morris"), "sensitivity")
    try:
        idx = run_sensitivity(exp, args.out, args.workers, args.scheduler, args.retry_failed, args.quiet)
    except KeyboardInterrupt:
        print(f"interrupted: finished runs are kept in {args.out}/runs; run the same command again to finish", file=sys.stderr)
        return 130
    with pd.option_context("display.width", 200):
        print(idx.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"wrote indices.csv, indices.parquet and sensitivity.png to {args.out}")
    return 0


def cmd_calibrate(args) -> int:
    from .calibrate import run_calibration

    exp = load_experiment(args.experiment)
    _expect(exp, ("calibrate",), "calibrate")
    try:
        fit = run_calibration(exp, args.out, args.workers, args.scheduler, args.quiet)
    except KeyboardInterrupt:
        print(
            f"interrupted: evaluations so far are kept in {args.out}/runs; run the same command again to continue",
            file=sys.stderr,
        )
        return 130
    print("fitted values:")
    for k, v in fit["fitted"].items():
        print(f"  {k} = {v:.6g}")
    with pd.option_context("display.width", 200):
        print(fit["table"].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"wrote fitted.toml, fit.csv, evaluations.csv and calibration.png to {args.out}")
    return 0


def add_batch_commands(sub) -> None:
    b = sub.add_parser("batch", help="run a batch experiment (grid, list, Latin hypercube) with replicates")
    _common(b)
    b.set_defaults(func=cmd_batch)
    s = sub.add_parser("sensitivity", help="Sobol or Morris sensitivity analysis (SALib)")
    _common(s)
    s.set_defaults(func=cmd_sensitivity)
    c = sub.add_parser("calibrate", help="fit behavioural parameters to targets (scipy.optimize)")
    _common(c)
    c.set_defaults(func=cmd_calibrate)
