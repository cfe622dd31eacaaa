"""Calibration: fit chosen (behavioural) parameters so that replicate-averaged simulated outcomes
match targets, with ``scipy.optimize.minimize`` (Nelder–Mead or Powell, within the ranges).

The replicate seeds are fixed for the whole fit (common random numbers), so the objective is a
deterministic function of the parameters. Every simulated run is written to ``runs/`` like a batch
run (its id is derived from the parameter values), so an interrupted fit re-uses its evaluations
when started again.

A target may name its own setting (``scenario`` and ``overrides`` in its ``[[target]]`` table), so
one fit can use the national baseline and a city together: each parameter set is simulated once
per setting and replicate. A target may be the difference of two outcomes (``minus``) and may
measure its error in tolerances (``tolerance``). A ``[[vary]]`` table's ``step`` rounds the fitted
value; the fit table is simulated at the rounded values. An experiment with ``record = FILE``
writes the fit to that JSON file (:mod:`sandbox.calibration_record`), which the docs show and
``--apply`` writes into the lever registry.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .batch import RUNS_DIR, Runner, RunSpec, check_folder, execute, manifest, run_one, write_json_atomic
from .experiment import Experiment, Target
from .scenario import resolve_scenario


def objective_terms(sim: list[float], targets) -> list[float]:
    """Weighted squared errors of each target, in tolerances when the target has one, else relative
    to its value (absolute if the value is 0); 1e6 for a target that could not be measured."""
    out = []
    for s, t in zip(sim, targets):
        out.append(t.weight * ((s - t.value) / t.scale()) ** 2 if s == s else 1e6)
    return out


def setting_specs(exp: Experiment, point: dict[str, Any], tag: str = "") -> list[RunSpec]:
    """The runs of one parameter set: every target setting × replicate, with the experiment's
    fixed overrides, the setting's overrides and the point (in that order of precedence)."""
    seeds = exp.replicate_seeds()
    specs = []
    for si, (ref, ov) in enumerate(exp.target_settings()):
        toml = resolve_scenario(ref, exp.path).to_toml(full=False)
        for r, seed in enumerate(seeds):
            specs.append(
                RunSpec(
                    run_id=f"{tag}t{si:02d}-r{r:03d}",
                    scenario=ref,
                    scenario_toml=toml,
                    point=si,
                    label=json.dumps(point, sort_keys=True),
                    replicate=r,
                    seed=seed,
                    overrides={**exp.fixed, **dict(ov), **point},
                    residents=exp.residents,
                    years=exp.years,
                    outcomes=tuple(exp.outcomes),
                )
            )
    return specs


def target_values(exp: Experiment, rows: list[tuple[RunSpec, list[tuple[str, int, float]]]]) -> list[float]:
    """Each target's simulated value from the runs' outcome rows: the replicate mean (summed in
    replicate order) of the analysed year in the target's setting, minus that of ``minus``."""
    year = exp.year or exp.years
    by: dict[tuple[int, str], list[tuple[int, float]]] = {}
    for spec, rr in rows:
        for o, y, v in rr:
            if y == year:
                by.setdefault((spec.point, o), []).append((spec.replicate, v))

    def mean(si: int, o: str) -> float:
        vals = [v for _, v in sorted(by.get((si, o), []))]
        return math.fsum(vals) / len(vals) if len(vals) == exp.replicates else float("nan")

    out = []
    for t in exp.targets:
        si = exp.setting_of(t)
        out.append(mean(si, t.outcome) - (mean(si, t.minus) if t.minus else 0.0))
    return out


def evaluate(exp: Experiment, point: dict[str, Any]) -> list[float]:
    """The targets' simulated values at ``point``, simulated in this process (no results folder):
    the same numbers a calibration records for the same point."""
    rows = [(spec, run_one(spec)["rows"]) for spec in setting_specs(exp, point)]
    return target_values(exp, rows)


def _rows_of(out: Path, specs: list[RunSpec]) -> list[tuple[RunSpec, list[tuple[str, int, float]]]]:
    rows = []
    for s in specs:
        d = pd.read_parquet(out / RUNS_DIR / f"{s.run_id}.parquet")
        rows.append((s, list(zip(d.outcome, d.year.astype(int), d.value.astype(float)))))
    return rows


def round_to_step(x: float, step: float | None, lo: float, hi: float) -> float:
    """``x`` rounded to a multiple of ``step`` (kept inside [lo, hi]); ``x`` itself without a step."""
    if not step:
        return float(x)
    r = round(round(x / step) * step, 12)
    while r > hi:
        r = round(r - step, 12)
    while r < lo:
        r = round(r + step, 12)
    return float(r)


def describe_setting(exp: Experiment, t: Target) -> str:
    ref = t.scenario or exp.scenarios[0]
    return ref + "".join(f", {k} = {v}" for k, v in t.overrides)


def target_rows(exp: Experiment, start_sim: list[float], fit_sim: list[float]) -> list[dict[str, Any]]:
    """One row per target: its name, setting, value, tolerance and weight, the simulated values at
    the start and at the fit, and its term of the objective at the fit (fit.csv and the record)."""
    terms = objective_terms(fit_sim, exp.targets)
    return [
        {
            "target": t.name,
            "setting": describe_setting(exp, t),
            "value": t.value,
            "tolerance": t.tolerance,
            "weight": t.weight,
            "simulated_start": s0,
            "simulated_fit": s1,
            "term_fit": term,
        }
        for t, s0, s1, term in zip(exp.targets, start_sim, fit_sim, terms)
    ]


def run_calibration(exp: Experiment, out, workers=None, scheduler=None, quiet=True) -> dict:
    from scipy.optimize import minimize

    out = Path(out)
    check_folder(out, exp)
    out.mkdir(parents=True, exist_ok=True)
    names = [v.lever for v in exp.vary]
    lo = np.array([v.range[0] for v in exp.vary])
    hi = np.array([v.range[1] for v in exp.vary])
    base = resolve_scenario(exp.scenarios[0], exp.path).with_overrides(exp.fixed)
    start_vals = []
    for v in exp.vary:
        s = v.start if v.start is not None else base.params_at(0)[v.lever]
        start_vals.append(float(np.clip(s, v.range[0], v.range[1])))
    u0 = (np.array(start_vals) - lo) / (hi - lo)
    year = exp.year or exp.years
    evaluations: list[dict] = []
    write_json_atomic(out / "manifest.json", manifest(exp, [], {"varied": names, "complete": False}))

    runner = Runner(workers, scheduler)

    def simulate_at(x) -> list[float]:
        point = exp.coerce_row(x)
        key = hashlib.sha1(json.dumps(point, sort_keys=True).encode()).hexdigest()[:10]
        specs = setting_specs(exp, point, tag=f"c{key}-")
        execute(specs, out, runner, quiet=True)
        return target_values(exp, _rows_of(out, specs))

    def f(u: np.ndarray) -> float:
        u = np.clip(u, 0.0, 1.0)
        x = lo + u * (hi - lo)
        sim = simulate_at(x)
        val = float(sum(objective_terms(sim, exp.targets)))
        evaluations.append(
            {
                "evaluation": len(evaluations) + 1,
                **dict(zip(names, exp.coerce_row(x).values())),
                "objective": val,
                **{f"sim_{t.name}": v for t, v in zip(exp.targets, sim)},
            }
        )
        if not quiet:
            import sys

            print(
                f"  eval {len(evaluations):3d}  objective {val:.5g}  "
                + "  ".join(f"{n.split('.')[-1]}={xv:.4g}" for n, xv in zip(names, x)),
                file=sys.stderr,
            )
        return val

    d = len(names)
    try:
        if exp.optimizer == "powell":
            res = minimize(
                f,
                u0,
                method="Powell",
                bounds=[(0.0, 1.0)] * d,
                options={"maxfev": exp.max_evaluations, "xtol": 1e-3, "ftol": 1e-6},
            )
        else:
            simplex = [u0]
            for i in range(d):
                step = np.zeros(d)
                step[i] = 0.25 if u0[i] <= 0.75 else -0.25
                simplex.append(np.clip(u0 + step, 0, 1))
            res = minimize(
                f,
                u0,
                method="Nelder-Mead",
                bounds=[(0.0, 1.0)] * d,
                options={"maxfev": exp.max_evaluations, "xatol": 1e-3, "fatol": 1e-7, "initial_simplex": np.array(simplex)},
            )
        ev = pd.DataFrame(evaluations)
        best = ev.loc[ev.objective.idxmin()]
        fitted = {v.lever: round_to_step(float(best[v.lever]), v.step, *v.range) for v in exp.vary}
        start_sim = simulate_at(np.array(start_vals))
        fit_sim = simulate_at(np.array([fitted[n] for n in names]))
    finally:
        runner.close()
    fitted = exp.coerce_row([fitted[n] for n in names])
    table = pd.DataFrame(target_rows(exp, start_sim, fit_sim))
    table["error_fit"] = table.simulated_fit - table.value
    ev.to_csv(out / ".evaluations.csv.tmp", index=False)
    (out / ".evaluations.csv.tmp").replace(out / "evaluations.csv")
    table.to_csv(out / ".fit.csv.tmp", index=False)
    (out / ".fit.csv.tmp").replace(out / "fit.csv")
    fitted_sc = base.with_overrides(fitted)
    fitted_sc.save(out / "fitted.toml")
    _plot(ev, table, names, out / "calibration.png")
    summary = {
        "fitted": fitted,
        "start": dict(zip(names, start_vals)),
        "objective_start": float(sum(objective_terms(start_sim, exp.targets))),
        "objective_fit": float(sum(objective_terms(fit_sim, exp.targets))),
        "objective_best_evaluation": float(best.objective),
        "evaluations": len(ev),
        "optimizer": exp.optimizer,
        "optimizer_message": str(res.message),
        "year": year,
    }
    write_json_atomic(out / "fitted.json", summary)
    write_json_atomic(out / "manifest.json", manifest(exp, [], {"varied": names, "complete": True, "calibration": summary}))
    return {**summary, "table": table, "evaluations_table": ev, "start_sim": start_sim, "fit_sim": fit_sim}


def _plot(ev: pd.DataFrame, table: pd.DataFrame, names, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    a.plot(ev.evaluation, ev.objective, "o-", ms=3, label="objective")
    a.plot(ev.evaluation, ev.objective.cummin(), "-", label="best so far")
    a.set_yscale("log")
    a.set_xlabel("evaluation")
    a.set_ylabel("weighted squared relative error")
    a.legend()
    x = np.arange(len(table))
    scale = table.tolerance.fillna(table.value.abs().where(table.value != 0, 1.0))
    b.bar(x - 0.27, table.value / scale, 0.27, label="target")
    b.bar(x, table.simulated_start / scale, 0.27, label="start")
    b.bar(x + 0.27, table.simulated_fit / scale, 0.27, label="fitted")
    b.set_ylabel("value / tolerance (or / |target|)")
    b.set_xticks(x, [f"{t}\n({s})" for t, s in zip(table.target, table.setting)], rotation=15, fontsize=7)
    b.legend()
    b.set_title("fitted: " + ", ".join(f"{n.split('.')[-1]}" for n in names), fontsize=9)
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
