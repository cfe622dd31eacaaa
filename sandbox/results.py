"""Results of a run: monthly time series, yearly summary, results by population group, files."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import outcomes
from ._version import __version__
from .population import AGE_BANDS, CELL_DIMS, CONDITIONS, cell_attribute
from .yearly import CellYear


def group_table(cells: CellYear, n_cell: np.ndarray, controlled_cell: np.ndarray, year: int) -> list[dict[str, Any]]:
    """Outcomes by population group for the year just ended, from the yearly sums by population
    cell ``cells``, the residents in each cell ``n_cell`` and the controlled chronic patients in each
    cell ``controlled_cell`` (each of length N_CELLS; the model calls this at year end, and every
    grouping dimension is constant within a year)."""
    y = cells
    attr = {name: cell_attribute(name) for name, _ in CELL_DIMS}
    attr["chronic"] = cell_attribute("chronic")
    dims = {
        # dimension: (group code of each cell, group labels)
        "area": (attr["urban"], ("rural", "urban")),
        "age_band": (attr["age_band"], AGE_BANDS),
        "chronic": (attr["chronic"], ("no chronic", "chronic")),
        # hypertension and diabetes apart (the seeds report them apart); "both" has the two
        "condition": (attr["condition"], tuple(c if c != "none" else "no chronic" for c in CONDITIONS)),
        "scheme": (attr["employee"], ("resident", "employee")),
        "income_quintile": (attr["quintile"], ("Q1", "Q2", "Q3", "Q4", "Q5")),
        "contract": (attr["signed"], ("unsigned", "signed")),
        "contract_chronic": (
            np.where(attr["chronic"] == 1, 1 + attr["signed"], 0),
            ("no chronic", "unsigned chronic", "signed chronic"),
        ),
    }
    rows = []
    for dim, (code, labels) in dims.items():
        k = len(labels)

        def total(w, code=code, k=k):
            return np.bincount(code, weights=w, minlength=k)

        sums = {
            "residents": total(n_cell),
            "visits": total(y.visits),
            "visits_primary": total(y.visits_primary),
            "admissions": total(y.admissions),
            "oop": total(y.oop),
            "fund_claims": total(y.fund),
            "care_cost": total(y.cost),
            "signed": total(n_cell * attr["signed"]),
            "chronic": total(n_cell * attr["chronic"]),
            "chronic_controlled": total(controlled_cell),
        }
        values = outcomes.group_values(sums)
        n = sums["residents"]
        for g in range(k):
            if n[g] == 0:
                continue
            row = {"year": year, "dimension": dim, "group": labels[g], "residents": int(n[g])}
            row.update({name: float(v[g]) for name, v in values.items()})
            rows.append(row)
    return rows


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


@dataclass
class Result:
    """What one run produced. ``timeseries`` has one row per month."""

    scenario: Any
    residents: int
    years: int
    seed: int
    timeseries: pd.DataFrame
    groups: pd.DataFrame
    teams: pd.DataFrame
    signers: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row a year: new signers before / after
    meta: dict[str, Any] = field(default_factory=dict)

    def summary(self, year: int | None = None) -> dict[str, float]:
        """Every outcome of :mod:`sandbox.outcomes` for the last year (or for ``year``, 1-based)."""
        year = year or int(self.timeseries.year.max())
        ts = self.timeseries[self.timeseries.year == year]
        signers = self.signers[self.signers.year == year] if len(self.signers) else self.signers
        return outcomes.compute(ts, self.teams[self.teams.year == year], signers)

    def yearly(self) -> pd.DataFrame:
        """One row per year with every outcome."""
        rows = [{"year": y, **self.summary(y)} for y in sorted(self.timeseries.year.unique())]
        return pd.DataFrame(rows)

    def by_group(self, year: int | None = None) -> pd.DataFrame:
        """Outcomes by urban/rural, age band, chronic condition (any; and hypertension only, diabetes
        only, both), scheme, income quintile and contract."""
        year = year or int(self.groups.year.max())
        return self.groups[self.groups.year == year].reset_index(drop=True)

    def run_record(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "scenario_file": self.scenario.path,
            "overrides": self.scenario.overrides,
            "phases": [{"month": ph.month, "set": ph.overrides} for ph in self.scenario.phases],
            "resolved_parameters": self.scenario.to_dict(),
            "residents": self.residents,
            "years": self.years,
            "seed": self.seed,
            "package_version": __version__,
            "git_commit": git_commit(),
            **self.meta,
        }

    def write(self, out: str | Path, fmt: str = "csv") -> list[Path]:
        """Write timeseries, yearly summary, groups, teams and run.json into ``out`` atomically:
        files are written into a temporary folder beside ``out`` and moved into place at the end."""
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        tables = {
            "timeseries": self.timeseries,
            "yearly": self.yearly(),
            "groups": self.groups,
            "teams": self.teams,
            "signers": self.signers,
        }
        try:
            for name, df in tables.items():
                if fmt == "parquet":
                    df.to_parquet(tmp / f"{name}.parquet", index=False)
                else:
                    df.to_csv(tmp / f"{name}.csv", index=False)
            (tmp / "run.json").write_text(
                json.dumps(self.run_record(), indent=2, ensure_ascii=False, default=str), encoding="utf-8"
            )
            out.mkdir(exist_ok=True)
            written = []
            for f in sorted(tmp.iterdir()):
                os.replace(f, out / f.name)
                written.append(out / f.name)
        finally:
            for f in tmp.glob("*"):
                f.unlink()
            tmp.rmdir()
        return written
