"""Sensitivity analysis: the SALib code path puts the weight on the lever that matters, and the CLI
writes an index table and a plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sandbox.cli import main
from sandbox.experiment import parse_experiment
from sandbox.sensitivity import analyse

THREE = """
[experiment]
scenarios = ["baseline"]
residents = 2000
years = 1
seed = {seed}
method = "{method}"
samples = {samples}
outcomes = ["primary_care_share"]

[[vary]]
lever = "signing.fee.healthy"
range = [60.0, 300.0]

[[vary]]
lever = "reimbursement.signed_primary_bonus"
range = [0.0, 0.3]

[[vary]]
lever = "behaviour.beta_oop"
range = [1.0, 3.0]
"""


def tidy(exp, X, f) -> pd.DataFrame:
    """Fake batch outcomes in the same tidy form as a real batch, from a function of the sample."""
    rows = []
    for i, x in enumerate(X):
        for r in range(exp.replicates):
            rows.append(
                {
                    "run_id": f"p{i}-r{r}",
                    "scenario": "baseline",
                    "point": i,
                    "replicate": r,
                    "outcome": "primary_care_share",
                    "year": 1,
                    "value": f(x),
                }
            )
    return pd.DataFrame(rows)


def test_sobol_indices_put_all_the_weight_on_the_only_lever_an_outcome_depends_on():
    exp = parse_experiment(THREE.format(seed=1, method="sobol", samples=256))
    _, _, X = exp.design()
    # depends on the fee only (nonlinearly), as the fund's signing-fee outlay does
    idx = analyse(exp, tidy(exp, X, lambda x: 0.9 * x[0] + 0.002 * x[0] ** 2), X).set_index("parameter")
    fee, others = idx.loc["signing.fee.healthy"], idx.drop("signing.fee.healthy")
    assert fee.S1 > 0.95 and fee.ST > 0.95
    assert (others.ST.abs() < 0.02).all() and (others.S1.abs() < 0.05).all()
    assert (idx.S1_conf >= 0).all() and (idx.ST_conf >= 0).all()


def test_sobol_total_order_sees_an_interaction_that_first_order_misses():
    exp = parse_experiment(THREE.format(seed=2, method="sobol", samples=512))
    _, _, X = exp.design()
    lo, hi = np.array([60.0, 0.0, 1.0]), np.array([300.0, 0.3, 3.0])

    def f(x):
        u = (x - lo) / (hi - lo) - 0.5
        return u[1] * u[2]  # pure interaction of the bonus and beta_oop: no first-order effect at all

    idx = analyse(exp, tidy(exp, X, f), X).set_index("parameter")
    assert idx.loc["signing.fee.healthy", "ST"] < 0.02
    for p in ("reimbursement.signed_primary_bonus", "behaviour.beta_oop"):
        assert abs(idx.loc[p, "S1"]) < 0.1 and idx.loc[p, "ST"] > 0.8


def test_morris_ranks_the_influential_lever_first():
    exp = parse_experiment(THREE.format(seed=3, method="morris", samples=20))
    _, _, X = exp.design()
    lo, hi = np.array([60.0, 0.0, 1.0]), np.array([300.0, 0.3, 3.0])
    idx = analyse(exp, tidy(exp, X, lambda x: 5 * (x[1] - lo[1]) / (hi[1] - lo[1]) + 0.1 * (x[2] - lo[2]) / (hi[2] - lo[2])), X)
    idx = idx.set_index("parameter")
    assert idx.mu_star.idxmax() == "reimbursement.signed_primary_bonus"
    assert idx.loc["signing.fee.healthy", "mu_star"] < 1e-9


def test_the_sensitivity_command_runs_the_model_and_writes_indices_and_a_plot(tmp_path):
    text = (
        THREE.format(seed=4, method="sobol", samples=8)
        .replace('outcomes = ["primary_care_share"]', 'outcomes = ["primary_care_share", "fund_signing_fees"]')
        .replace('scenarios = ["baseline"]', 'scenarios = ["hangzhou_2016"]')
    )
    f = tmp_path / "sobol.toml"
    f.write_text(text)
    out = tmp_path / "out"
    assert main(["sensitivity", str(f), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    idx = pd.read_csv(out / "indices.csv")
    assert set(idx.outcome) == {"primary_care_share", "fund_signing_fees"}
    assert len(idx) == 2 * 3 and {"S1", "S1_conf", "ST", "ST_conf"} <= set(idx.columns)
    png = Path(out / "sensitivity.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 8 * (3 + 2) and (runs.status == "ok").all()
