"""Run specs: every run of an experiment as plain data, and the function a worker runs.

Every design point × scenario is run with the same replicate seeds (common random numbers); a
run's numbers depend only on its scenario, overrides, size and seed, never on the worker or on
completion order. A run that raises is returned as failed with its error.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import dataclass
from typing import Any

from ..experiment import Experiment
from ..scenario import Scenario, resolve_scenario
from ..simulate import simulate


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


def _simulate(scenario: Scenario, residents: int, years: int, seed: int):
    return simulate(scenario, residents=residents, years=years, seed=seed)


def run_one(spec: RunSpec) -> dict[str, Any]:
    """Run one simulation; never raises for a model error (returns status 'failed' and the error).

    Top level so that spawned processes and Dask workers can import it.
    """
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
