"""Comparisons of a baseline with reforms: replicate runs with common random numbers, paired
differences with intervals, and tidy tables for charts. No UI code here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import outcomes
from .rng import replicate_seeds
from .scenario import Scenario
from .simulate import simulate
from .uncertainty import sign_verdict


@dataclass
class RunTables:
    """What a comparison keeps of one run (plain tables, cheap to cache and pickle)."""

    summary: dict[str, float]
    yearly: pd.DataFrame
    timeseries: pd.DataFrame
    groups: pd.DataFrame


def run_tables(scenario: Scenario, residents: int, years: int, seed: int, progress=None, threads: int = 2) -> RunTables:
    res = simulate(scenario, residents=residents, years=years, seed=seed, progress=progress, threads=threads)
    return RunTables(res.summary(), res.yearly(), res.timeseries, res.by_group())


@dataclass
class Comparison:
    """Runs of named scenarios (the first is the baseline), each with the same replicate seeds."""

    names: list[str]
    runs: dict[str, list[RunTables]]  # name -> one RunTables per replicate (default behaviour)
    draws: list[dict[str, Any]] = field(default_factory=list)  # behavioural values of each draw
    draw_runs: list[dict[str, list[RunTables]]] = field(default_factory=list)  # per draw, like ``runs``

    @property
    def baseline(self) -> str:
        return self.names[0]

    def headline(self, lo: float = 0.1, hi: float = 0.9) -> pd.DataFrame:
        """One row per scenario × outcome: mean over replicates, its lo–hi quantiles, and the paired
        difference against the baseline with its lo–hi quantiles."""
        rows = []
        base = self.runs[self.baseline]
        for name in self.names:
            for out in self.runs[name][0].summary:
                vals = np.array([r.summary[out] for r in self.runs[name]], dtype=float)
                diffs = vals - np.array([r.summary[out] for r in base], dtype=float)
                rows.append(
                    {
                        "scenario": name,
                        "outcome": out,
                        "value": float(np.nanmean(vals)) if np.isfinite(vals).any() else float("nan"),
                        "value_lo": _q(vals, lo),
                        "value_hi": _q(vals, hi),
                        "diff": float(np.nanmean(diffs)) if np.isfinite(diffs).any() else float("nan"),
                        "diff_lo": _q(diffs, lo),
                        "diff_hi": _q(diffs, hi),
                        "replicates": len(vals),
                    }
                )
        return pd.DataFrame(rows)

    def robustness(self) -> pd.DataFrame:
        """For each reform × outcome: the paired difference against the baseline under default
        behaviour, its range across plausible behaviour (the defaults and every draw; each
        difference is the replicate mean of paired runs), and whether its sign holds across them
        all (``robust``), flips (``depends``) or is zero everywhere (``none``). Empty without draws."""
        if not self.draw_runs:
            return pd.DataFrame(columns=["scenario", "outcome", "diff", "draw_min", "draw_max", "draws", "verdict"])
        rows = []
        for name in self.names[1:]:
            for out in self.runs[name][0].summary:
                default = _mean_diff(self.runs[name], self.runs[self.baseline], out)
                per_draw = np.array([default] + [_mean_diff(d[name], d[self.baseline], out) for d in self.draw_runs])
                finite = per_draw[np.isfinite(per_draw)]
                rows.append(
                    {
                        "scenario": name,
                        "outcome": out,
                        "diff": default,
                        "draw_min": float(finite.min()) if finite.size else float("nan"),
                        "draw_max": float(finite.max()) if finite.size else float("nan"),
                        "draws": len(self.draw_runs),
                        "verdict": sign_verdict(per_draw),
                    }
                )
        return pd.DataFrame(rows)

    def monthly(self, outcome: str) -> pd.DataFrame:
        """Monthly series of an outcome (rates annualised, see :func:`sandbox.outcomes.monthly`) per
        scenario with 10–90% band over replicates."""
        frames = []
        for name in self.names:
            per = np.array([outcomes.monthly(r.timeseries, outcome) for r in self.runs[name]])
            frames.append(
                pd.DataFrame(
                    {
                        "scenario": name,
                        "month": np.arange(per.shape[1]) + 1,
                        "mean": per.mean(axis=0),
                        "lo": np.quantile(per, 0.1, axis=0),
                        "hi": np.quantile(per, 0.9, axis=0),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def spending(self) -> pd.DataFrame:
        """Fund spending per resident by category and level (last year, replicate mean), tidy."""
        rows = []
        for name in self.names:
            for part in outcomes.tagged("spending"):
                v = np.mean([r.summary.get(part, 0.0) for r in self.runs[name]])
                rows.append({"scenario": name, "category": part, "yuan": float(v)})
        return pd.DataFrame(rows)

    def yearly(self) -> pd.DataFrame:
        """Yearly headline outcomes, replicate mean, one row per scenario × year."""
        frames = []
        for name in self.names:
            df = pd.concat([r.yearly for r in self.runs[name]]).groupby("year", as_index=False).mean(numeric_only=True)
            df.insert(0, "scenario", name)
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    def groups(self) -> pd.DataFrame:
        """Results by population group (last year, replicate mean)."""
        frames = []
        for name in self.names:
            df = pd.concat([r.groups for r in self.runs[name]])
            df = df.groupby(["dimension", "group"], as_index=False, sort=False).mean(numeric_only=True)
            df.insert(0, "scenario", name)
            frames.append(df)
        return pd.concat(frames, ignore_index=True)


def _q(x: np.ndarray, q: float) -> float:
    x = x[np.isfinite(x)]
    return float(np.quantile(x, q)) if x.size else float("nan")


def _mean_diff(runs: list[RunTables], base: list[RunTables], outcome: str) -> float:
    d = np.array([r.summary[outcome] - b.summary[outcome] for r, b in zip(runs, base)], dtype=float)
    return float(np.nanmean(d)) if np.isfinite(d).any() else float("nan")


def compare(
    scenarios: dict[str, Scenario],
    residents: int,
    years: int,
    seed: int,
    replicates: int = 1,
    run: Callable[..., RunTables] | None = None,
    progress: Callable[[float], None] | None = None,
    behaviour: list[dict[str, Any]] | None = None,
) -> Comparison:
    """Run every scenario with the same replicate seeds. ``run(scenario, residents, years, seed,
    progress=...)`` may be a cached version of :func:`run_tables`; ``progress(fraction_done)`` is
    called as the runs advance (within a run, after each simulated month).

    ``behaviour``: sets of behavioural values (e.g. :func:`sandbox.uncertainty.behaviour_draws`);
    each set is applied to every scenario alike and run with the same seeds, for
    :meth:`Comparison.robustness`. They are validated before any run starts."""
    run = run or run_tables
    behaviour = list(behaviour or [])
    drawn = [{name: sc.with_overrides(b) for name, sc in scenarios.items()} for b in behaviour]
    seeds = replicate_seeds(seed, replicates)
    names = list(scenarios)
    total, done = (1 + len(drawn)) * len(names) * len(seeds), 0

    def within_run(month: int, n_months: int) -> None:  # progress inside the run under way
        progress((done + month / n_months) / total)

    def run_all(scs: dict[str, Scenario]) -> dict[str, list[RunTables]]:
        nonlocal done
        runs: dict[str, list[RunTables]] = {}
        for name in names:
            runs[name] = []
            for s in seeds:
                runs[name].append(run(scs[name], residents, years, s, progress=within_run if progress else None))
                done += 1
                if progress is not None:
                    progress(done / total)
        return runs

    runs = run_all(scenarios)
    return Comparison(names, runs, behaviour, [run_all(scs) for scs in drawn])
