"""Calibration: fit chosen (behavioural) parameters so that replicate-averaged simulated outcomes
match targets, with ``scipy.optimize.minimize`` (Nelder–Mead or Powell, within the ranges).

The replicate seeds are fixed for the whole fit (common random numbers), so the objective is a
deterministic function of the parameters. Every simulated run is written to ``runs/`` like a batch
run (its id is derived from the parameter values), so an interrupted fit re-uses its evaluations
when started again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .batch import RUNS_DIR, Runner, check_folder, execute, manifest, run_specs, write_json_atomic
from .experiment import Experiment
from .scenario import resolve_scenario


def objective_terms(sim: dict[str, float], targets) -> list[float]:
    """Weighted squared relative errors (absolute if the target is 0)."""
    out = []
    for t in targets:
        s = sim.get(t.outcome, float("nan"))
        scale = abs(t.value) if t.value else 1.0
        out.append(t.weight * ((s - t.value) / scale) ** 2 if s == s else 1e6)
    return out


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

    def simulate_at(x: np.ndarray) -> dict[str, float]:
        point = exp.coerce_row(x)
        key = hashlib.sha1(json.dumps(point, sort_keys=True).encode()).hexdigest()[:10]
        specs = run_specs(exp, points=[point], labels=[json.dumps(point)], tag=f"c{key}-")
        execute(specs, out, runner, quiet=True)
        frames = [pd.read_parquet(out / RUNS_DIR / f"{s.run_id}.parquet") for s in specs]
        d = pd.concat(frames)
        d = d[d.year == year]
        return d.groupby("outcome").value.mean().to_dict()

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
                **{f"sim_{t.outcome}": sim.get(t.outcome, np.nan) for t in exp.targets},
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
    finally:
        runner.close()
    ev = pd.DataFrame(evaluations)
    best = ev.loc[ev.objective.idxmin()]
    fitted = {n: float(best[n]) for n in names}
    start_sim = simulate_at(np.array(start_vals))
    fit_sim = simulate_at(np.array([fitted[n] for n in names]))
    table = pd.DataFrame(
        [
            {
                "outcome": t.outcome,
                "target": t.value,
                "weight": t.weight,
                "simulated_start": start_sim.get(t.outcome),
                "simulated_fit": fit_sim.get(t.outcome),
            }
            for t in exp.targets
        ]
    )
    table["error_fit"] = table.simulated_fit - table.target
    ev.to_csv(out / ".evaluations.csv.tmp", index=False)
    (out / ".evaluations.csv.tmp").replace(out / "evaluations.csv")
    table.to_csv(out / ".fit.csv.tmp", index=False)
    (out / ".fit.csv.tmp").replace(out / "fit.csv")
    fitted_sc = base.with_overrides(exp.coerce_row([fitted[n] for n in names]))
    fitted_sc.save(out / "fitted.toml")
    _plot(ev, table, names, out / "calibration.png")
    summary = {
        "fitted": fitted,
        "start": dict(zip(names, start_vals)),
        "objective_start": float(sum(objective_terms(start_sim, exp.targets))),
        "objective_fit": float(best.objective),
        "evaluations": len(ev),
        "optimizer": exp.optimizer,
        "optimizer_message": str(res.message),
        "year": year,
    }
    write_json_atomic(out / "fitted.json", summary)
    write_json_atomic(out / "manifest.json", manifest(exp, [], {"varied": names, "complete": True, "calibration": summary}))
    return {**summary, "table": table, "evaluations_table": ev}


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
    b.bar(x - 0.27, table.target, 0.27, label="target")
    b.bar(x, table.simulated_start, 0.27, label="start")
    b.bar(x + 0.27, table.simulated_fit, 0.27, label="fitted")
    b.set_xticks(x, table.outcome, rotation=15, fontsize=8)
    b.legend()
    b.set_title("fitted: " + ", ".join(f"{n.split('.')[-1]}" for n in names), fontsize=9)
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
