"""Generate the example notebooks (run: python notebooks/make_notebooks.py).

Every notebook reads SANDBOX_NOTEBOOK_SMALL=1 in its first cell to shrink residents, replicates
and samples (CI executes them that way with nbclient), and SANDBOX_NOTEBOOK_OUT for the results
folder (default: results/ at the top of the checkout).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """import os
from pathlib import Path

from sandbox.scenario import scenarios_dir

SMALL = os.environ.get("SANDBOX_NOTEBOOK_SMALL") == "1"   # CI: tiny sizes
ROOT = scenarios_dir().parent
EXPERIMENTS = ROOT / "experiments"
OUT = Path(os.environ.get("SANDBOX_NOTEBOOK_OUT", ROOT / "results"))
OUT.mkdir(parents=True, exist_ok=True)
WORKERS = 2
print("small sizes" if SMALL else "full sizes", "| results in", OUT)"""


def nb(cells) -> nbformat.NotebookNode:
    n = new_notebook(cells=cells)
    n.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    n.metadata["language_info"] = {"name": "python"}
    return n


def md(s):
    return new_markdown_cell(s.strip())


def code(s):
    return new_code_cell(s.strip())


def quickstart():
    return nb(
        [
            md("""
# 1 · Quick start from Python / 从 Python 快速上手

Run one scenario, compare it with the baseline using the same seed (common random numbers), then run
a small batch with replicates and read the tidy results with pandas and DuckDB."""),
            code(SETUP),
            code("""
import pandas as pd

from sandbox import Scenario, simulate

N = 3_000 if SMALL else 50_000
YEARS = 1 if SMALL else 3
base = simulate(Scenario.preset("baseline"), residents=N, years=YEARS, seed=1)
hz = simulate(Scenario.preset("hangzhou_2016"), residents=N, years=YEARS, seed=1)
pd.DataFrame({"baseline": base.summary(), "hangzhou_2016": hz.summary()}).loc[
    ["primary_care_share", "signing_rate", "fund_spending_per_capita", "oop_per_capita", "chronic_control_rate"]]"""),
            md("A reform is the baseline with overrides; every override is validated (`sandbox levers` lists them)."),
            code("""
reform = Scenario.preset("hangzhou_2016").with_overrides({"reimbursement.signed_primary_bonus": 0.15})
r = simulate(reform, residents=N, years=YEARS, seed=1)
r.yearly()[["year", "primary_care_share", "primary_care_share_signed", "primary_care_share_unsigned", "signing_rate"]]"""),
            md("""
## A batch from Python

An experiment is the same TOML you would pass to `sandbox batch`. Every design point uses the same
replicate seeds, derived from the master seed."""),
            code("""
from sandbox.batch import load_results, run_batch
from sandbox.experiment import parse_experiment

exp = parse_experiment(f'''
[experiment]
name = "quickstart"
scenarios = ["baseline", "hangzhou_2016"]
residents = {N}
years = {YEARS}
seed = 42
replicates = {2 if SMALL else 4}
outcomes = ["primary_care_share", "fund_spending_per_capita"]

[[vary]]
lever = "reimbursement.outpatient.tertiary"
values = [0.35, 0.45]
''')
out = OUT / ("quickstart_small" if SMALL else "quickstart")
tidy = run_batch(exp, out, workers=WORKERS)
tidy.head()"""),
            code("""
runs = load_results(out, runs=True)
summary = (tidy.merge(runs[["run_id", "reimbursement.outpatient.tertiary"]], on="run_id")
           .groupby(["scenario", "reimbursement.outpatient.tertiary", "outcome"]).value.agg(["mean", "std", "count"]))
summary"""),
            code("""
import duckdb

duckdb.sql(f\"\"\"
    select scenario, outcome, avg(value) as mean, stddev(value) as sd, count(*) as runs
    from '{out / "outcomes.parquet"}' group by all order by all
\"\"\").df()"""),
        ]
    )


def gap_sweep():
    return nb(
        [
            md("""
# 2 · Reimbursement gap × capitation sweep / 报销差距 × 签约费 扫描

`experiments/gap_sweep.toml`: the outpatient reimbursement rate at tertiary hospitals (the gap to
primary care's 55%) crossed with the healthy residents' signing fee, with replicates that share
their random numbers across design points. The same sweep from the shell:

```
sandbox batch experiments/gap_sweep.toml --workers 2 --out results/gap_sweep
```"""),
            code(SETUP),
            code("""
from dataclasses import replace

import matplotlib.pyplot as plt

from sandbox.batch import load_results, run_batch
from sandbox.experiment import load_experiment

exp = load_experiment(EXPERIMENTS / "gap_sweep.toml")
if SMALL:
    exp = replace(exp, residents=2_000, years=1, replicates=2)
out = OUT / ("gap_sweep_small" if SMALL else "gap_sweep")
print(exp.name, len(exp.design()[0]), "design points x", exp.replicates, "replicates, seeds", exp.replicate_seeds())
tidy = run_batch(exp, out, workers=WORKERS, quiet=False)"""),
            code("""
runs = load_results(out, runs=True)
levers = ["reimbursement.outpatient.tertiary", "signing.fee.healthy"]
last = tidy[tidy.year == tidy.year.max()].merge(runs[["run_id", *levers]], on="run_id")
last["gap"] = 0.55 - last["reimbursement.outpatient.tertiary"]
table = last.groupby(["outcome", "gap", "signing.fee.healthy"]).value.agg(["mean", "std"])
table.loc["primary_care_share"]"""),
            code("""
fig, axes = plt.subplots(1, 3, figsize=(14, 4))
for ax, o in zip(axes, ["primary_care_share", "signing_rate", "fund_spending_per_capita"]):
    d = last[last.outcome == o].groupby(["gap", "signing.fee.healthy"]).value.agg(["mean", "std"]).reset_index()
    for fee, g in d.groupby("signing.fee.healthy"):
        ax.errorbar(g.gap, g["mean"], yerr=g["std"], marker="o", capsize=3, label=f"fee {fee:.0f} yuan")
    ax.set_xlabel("reimbursement gap, primary − tertiary")
    ax.set_title(o)
axes[0].legend()
fig.tight_layout()
plt.show()"""),
            md("""
Because every design point reuses the replicate seeds, differences between points are paired:
the spread of the *difference* is much smaller than the spread of each level."""),
            code("""
p = last[last.outcome == "primary_care_share"].pivot_table(index="replicate", columns=["gap", "signing.fee.healthy"], values="value")
lo, hi = p.columns.min(), p.columns.max()
print("sd of the level at", lo, ":", round(p[lo].std(), 4), "| sd of the paired difference", hi, "-", lo, ":", round((p[hi] - p[lo]).std(), 4))"""),
        ]
    )


def sobol_nb():
    return nb(
        [
            md("""
# 3 · Sobol sensitivity of fund spending and primary-care share / Sobol 敏感性分析

`experiments/sobol.toml` varies four levers over ranges; SALib draws a Saltelli/Sobol sample,
each point is simulated with the same replicate seeds, and the replicate means are analysed
(first-order S1 and total-order ST with 95% confidence intervals). From the shell:

```
sandbox sensitivity experiments/sobol.toml --out results/sobol
```"""),
            code(SETUP),
            code("""
from dataclasses import replace

from sandbox.experiment import load_experiment
from sandbox.sensitivity import run_sensitivity

exp = load_experiment(EXPERIMENTS / "sobol.toml")
if SMALL:
    exp = replace(exp, residents=2_000, years=1, replicates=1, samples=8)
out = OUT / ("sobol_small" if SMALL else "sobol")
print(len(exp.design()[0]) * exp.replicates, "runs")
idx = run_sensitivity(exp, out, workers=WORKERS, quiet=False)
idx"""),
            code("""
from IPython.display import Image

Image(filename=str(out / "sensitivity.png"))"""),
            code("""
# the lever with the largest total-order index per outcome
idx.dropna(subset=["ST"]).sort_values("ST", ascending=False).groupby("outcome").head(1)[["outcome", "parameter", "S1", "ST"]]"""),
        ]
    )


def calibration_nb():
    return nb(
        [
            md("""
# 4 · Calibration to Hangzhou / 杭州校准

Fit `behaviour.trust_signed` and `behaviour.quality_tertiary` so that signed and unsigned residents'
community visit shares match Hangzhou's 64.67% and 48.5% (seed 002). Replicate seeds stay fixed
across iterations (common random numbers), so the objective is deterministic. From the shell:

```
sandbox calibrate experiments/calibrate_hangzhou.toml --out results/calib
```"""),
            code(SETUP),
            code("""
from dataclasses import replace

from sandbox.calibrate import run_calibration
from sandbox.experiment import load_experiment

exp = load_experiment(EXPERIMENTS / "calibrate_hangzhou.toml")
if SMALL:
    exp = replace(exp, residents=2_000, years=1, replicates=1, max_evaluations=6)
out = OUT / ("calib_small" if SMALL else "calib")
fit = run_calibration(exp, out, workers=WORKERS, quiet=False)
fit["fitted"], fit["objective_start"], fit["objective_fit"]"""),
            code('fit["table"]'),
            code("""
from IPython.display import Image

Image(filename=str(out / "calibration.png"))"""),
            code("""
print((out / "fitted.toml").read_text())"""),
        ]
    )


NOTEBOOKS = {
    "01_quickstart.ipynb": quickstart,
    "02_gap_capitation_sweep.ipynb": gap_sweep,
    "03_sobol_sensitivity.ipynb": sobol_nb,
    "04_calibration.ipynb": calibration_nb,
}


def main() -> None:
    for name, make in NOTEBOOKS.items():
        nbformat.write(make(), HERE / name)
        print("wrote", HERE / name)


if __name__ == "__main__":
    main()
