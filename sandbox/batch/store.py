"""The result store: one atomic Parquet file per finished run, consolidated tables, the manifest.

Each finished run is written as ``runs/<run_id>.parquet`` (temporary file + ``os.replace``) as soon
as it comes back, so an interrupted batch loses no finished run and re-running the same command
runs only what is missing. ``consolidate`` merges the run files into ``outcomes.parquet`` (tidy:
run × outcome × year) and ``runs.parquet`` (one row per run with every parameter value). The
manifest records what decides the runs; a folder written by another experiment or another engine
is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .._version import __version__
from ..experiment import Experiment
from ..results import git_commit
from ..scenario import resolve_scenario
from ..validation import Problem, ScenarioError
from .specs import RunSpec

RUNS_DIR = "runs"
ID_COLUMNS = ("run_id", "scenario", "point", "replicate", "seed")


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


ENGINE_FILES = (
    "params.py",
    "levers.toml",
    "scenario.py",
    "population.py",
    "rng.py",
    "agents.py",
    "model.py",
    "simulate.py",
    "results.py",
    "outcomes.py",
    "yearly.py",
)


def engine_digest() -> str:
    """A digest of the model's source (the modules that decide a run's numbers), so that a results
    folder is never resumed with a different engine."""
    root = Path(__file__).resolve().parent.parent
    files = [root / f for f in ENGINE_FILES if (root / f).exists()] + sorted((root / "phases").glob("*.py"))
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def manifest(exp: Experiment, specs: list[RunSpec], extra: dict | None = None) -> dict[str, Any]:
    return {
        "experiment": exp.name,
        "experiment_file": exp.path,
        "experiment_text": exp.text,
        "experiment_digest": exp.digest,
        "digest_parts": exp.digest_parts(),
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
        what = _differences(written.get("digest_parts"), exp.digest_parts())
        raise ScenarioError(
            [
                Problem(
                    "--out",
                    str(folder),
                    f"holds results of a different experiment ({what}); resuming would mix the two, "
                    "so choose another folder or delete this one",
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


def _differences(written: dict[str, Any] | None, now: dict[str, Any]) -> str:
    """Which parts of an experiment differ between a folder's manifest and this experiment."""
    if not written:
        return "the folder was written before experiments recorded their parts; the design, sizes, seeds, scenarios or outcomes changed"
    out = []
    for part, value in now.items():
        old = written.get(part)
        if json.dumps(old, sort_keys=True, default=str) == json.dumps(value, sort_keys=True, default=str):
            continue
        if part == "outcomes":
            out.append(f"outcomes differ: the folder has {old}, this experiment has {value}")
        elif part == "scenarios":
            changed = sorted(set(old or {}) ^ set(value) | {k for k in value if (old or {}).get(k) not in (None, value[k])})
            out.append(f"scenarios differ: {', '.join(changed)}")
        else:
            out.append(
                f"{part} differ: the folder has {json.dumps(old, default=str)}, this experiment has {json.dumps(value, default=str)}"
            )
    return "; ".join(out) or "the experiment changed"


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
