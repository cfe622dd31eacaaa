"""Calibration recovers a behavioural parameter from targets the model itself produced at a known
value (same replicate seeds), and writes fitted values, a fit table and a plot."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from sandbox import Scenario, simulate
from sandbox.cli import main
from sandbox.experiment import parse_experiment

CAL = """
[experiment]
scenarios = ["baseline"]
residents = 2000
years = 1
seed = 21
replicates = 2
method = "calibrate"
optimizer = "{optimizer}"
max_evaluations = 24

[[vary]]
lever = "behaviour.quality_tertiary"
range = [1.0, 3.5]
start = 1.2

[[target]]
outcome = "primary_care_share"
value = {target}
"""


def model_target(value: float) -> float:
    exp = parse_experiment(CAL.format(optimizer="powell", target=0.5))
    sc = Scenario.preset("baseline").with_overrides({"behaviour.quality_tertiary": value})
    return float(
        np.mean([simulate(sc, residents=2000, years=1, seed=s).summary()["primary_care_share"] for s in exp.replicate_seeds()])
    )


def test_calibration_recovers_a_parameter_from_targets_made_at_a_known_value(tmp_path):
    true_value = 2.6
    target = model_target(true_value)
    f = tmp_path / "cal.toml"
    f.write_text(CAL.format(optimizer="powell", target=target))
    out = tmp_path / "out"
    assert main(["calibrate", str(f), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    fitted = json.loads((out / "fitted.json").read_text())
    fit = pd.read_csv(out / "fit.csv")
    assert abs(fitted["fitted"]["behaviour.quality_tertiary"] - true_value) < 0.25
    assert fitted["objective_fit"] < fitted["objective_start"]
    assert abs(fit.simulated_fit[0] - target) < 0.005 < abs(fit.simulated_start[0] - target)
    sc = Scenario.load(out / "fitted.toml")
    assert sc.params_at(0)["behaviour.quality_tertiary"] == fitted["fitted"]["behaviour.quality_tertiary"]
    assert (out / "calibration.png").read_bytes()[:4] == b"\x89PNG"
    ev = pd.read_csv(out / "evaluations.csv")
    assert 2 <= len(ev) <= 24


def test_a_restarted_calibration_reuses_its_evaluations(tmp_path):
    f = tmp_path / "cal.toml"
    f.write_text(CAL.format(optimizer="nelder-mead", target=0.5).replace("max_evaluations = 24", "max_evaluations = 6"))
    out = tmp_path / "out"
    assert main(["calibrate", str(f), "--out", str(out), "--workers", "0", "--quiet"]) == 0
    files = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*.parquet")}
    first = json.loads((out / "fitted.json").read_text())
    assert main(["calibrate", str(f), "--out", str(out), "--workers", "0", "--quiet"]) == 0
    again = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*.parquet")}
    assert again == files  # nothing simulated twice
    assert json.loads((out / "fitted.json").read_text())["fitted"] == first["fitted"]
