"""The project's calibration is reproducible and current: the record of
`sandbox calibrate experiments/calibrate_all.toml` is what the model gives at the registry's
defaults, every default the registry says that fit wrote is the fitted value, --apply writes only
default lines, and the record of which ranges the targets allow is current."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sandbox import allowed, calibration_record
from sandbox.calibrate import evaluate, objective_terms
from sandbox.experiment import load_experiment
from sandbox.params import BY_PATH, REGISTRY, LeverFileError, parse_registry

ROOT = Path(__file__).resolve().parent.parent
RECORD = calibration_record.load_record()


@pytest.fixture(scope="module")
def experiment():
    assert RECORD is not None, f"{calibration_record.RECORD} is missing: run sandbox calibrate experiments/calibrate_all.toml"
    return load_experiment(ROOT / RECORD["experiment"])


def test_the_record_belongs_to_the_experiment_file_as_it_is_now(experiment):
    assert RECORD["experiment"] == "experiments/calibrate_all.toml"
    assert RECORD["experiment_digest"] == experiment.digest, "the experiment changed: rerun sandbox calibrate ... --apply"
    assert [lv["lever"] for lv in RECORD["levers"]] == [v.lever for v in experiment.vary]


def test_the_recorded_fit_is_exactly_what_the_model_gives_at_the_registry_defaults(experiment):
    # same seeds and sizes as the fit, every lever at its registry default: the same bytes
    sim = evaluate(experiment, {})
    recorded = [t["simulated_fit"] for t in RECORD["targets"]]
    assert sim == recorded, "the model or the defaults changed: rerun sandbox calibrate experiments/calibrate_all.toml --apply"
    assert sum(objective_terms(sim, experiment.targets)) == RECORD["objective_fit"]


def test_every_lever_the_registry_says_the_fit_wrote_has_the_fitted_value_as_its_default():
    fitted = {lv["lever"]: lv["fitted"] for lv in RECORD["levers"]}
    marked = {lv.path for lv in REGISTRY if lv.calibrated_by == RECORD["experiment"]}
    assert marked == set(fitted)
    for path, value in fitted.items():
        assert BY_PATH[path].default == value, path
        lo, hi = BY_PATH[path].plausible
        assert lo <= value <= hi, path


def test_the_allowed_range_record_is_current():
    rec = allowed.load_record()
    assert rec is not None, f"{allowed.RECORD} is missing: run python -m sandbox.allowed"
    assert rec["digest"] == allowed.inputs_digest(rec["points"]), "stale: run python -m sandbox.allowed"
    assert [r["lever"] for r in rec["levers"]] == [lv.path for lv in allowed.behaviour_levers()]


def test_the_allowed_range_is_the_run_of_passing_values_around_the_default_and_names_the_binding_targets():
    lever = BY_PATH["behaviour.quality_tertiary"]
    values = allowed.sweep_values(lever, 5)
    assert values[0] == lever.plausible[0] and values[-1] == lever.plausible[1] and float(lever.default) in values
    at = {t.key: t.value for t in allowed.asserted() if t.bound is None}
    ok = {**{t.key: (t.value * 0.5 if t.bound == "upper" else t.value * 1.5) for t in allowed.asserted()}, **at}
    miss_share = {**ok, "national_primary_share": 0.9}
    miss_gap = {**ok, "hangzhou_gap": 0.5}
    d = values.index(float(lever.default))
    sims = [miss_share if i == 0 else miss_gap if i == len(values) - 1 else ok for i in range(len(values))]
    r = allowed.analyse(lever, values, sims)
    assert r["allowed"] == [values[1], values[-2]] and 0 < d < len(values) - 1
    assert r["binding_low"] == ["national_primary_share"] and r["binding_high"] == ["hangzhou_gap"]
    everywhere = allowed.analyse(lever, values, [ok] * len(values))
    assert everywhere["allowed"] == list(lever.plausible) and not everywhere["binding_low"]
    record = {"points": 5, "residents": 1000, "years": 1, "seed": 1, "targets": list(ok), "levers": [everywhere, r]}
    table = allowed.allowed_markdown(record)
    assert "| `behaviour.quality_tertiary` |" in table and "the whole range" in table
    assert f"{values[1]:g} – {values[-2]:g} | `national_primary_share` | `hangzhou_gap` |" in table


def _copy_registry(tmp_path: Path) -> Path:
    f = tmp_path / "levers.toml"
    shutil.copy(ROOT / "sandbox" / "levers.toml", f)
    return f


def test_apply_writes_only_the_default_lines_of_the_fitted_levers(tmp_path):
    f = _copy_registry(tmp_path)
    before = f.read_text(encoding="utf-8").splitlines()
    changes = calibration_record.apply_defaults({"behaviour.quality_tertiary": 2.37, "behaviour.admission_rate": 0.121}, f)
    after = f.read_text(encoding="utf-8").splitlines()
    assert len(changes) == 2
    differ = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and [b for _, b in differ] == ["default = 0.121", "default = 2.37"]
    reg = parse_registry(f.read_text(encoding="utf-8"), source=str(f))
    assert reg.by_path["behaviour.quality_tertiary"].default == 2.37
    assert reg.by_path["behaviour.admission_rate"].default == 0.121


def test_apply_refuses_a_value_outside_the_plausible_range_and_leaves_the_file_alone(tmp_path):
    f = _copy_registry(tmp_path)
    text = f.read_text(encoding="utf-8")
    with pytest.raises(LeverFileError, match=r"behaviour.trust_signed.*plausible"):
        calibration_record.apply_defaults({"behaviour.trust_signed": 1.2}, f)
    assert f.read_text(encoding="utf-8") == text
    assert not list(tmp_path.glob(".*.tmp"))


def test_calibrated_by_must_name_an_experiment_that_varies_the_lever(tmp_path):
    text = (ROOT / "sandbox" / "levers.toml").read_text(encoding="utf-8")
    exp = tmp_path / "experiments" / "calibrate_all.toml"
    exp.parent.mkdir()
    varied = (ROOT / "experiments" / "calibrate_all.toml").read_text(encoding="utf-8")
    exp.write_text(varied, encoding="utf-8")
    assert parse_registry(text, source="levers.toml", root=tmp_path).by_path["behaviour.trust_signed"].calibrated_by
    exp.write_text(varied.replace('lever = "behaviour.trust_signed"', 'lever = "behaviour.habit"'), encoding="utf-8")
    with pytest.raises(LeverFileError, match=r"behaviour.trust_signed: calibrated_by = .* has no \[\[vary\]\] table"):
        parse_registry(text, source="levers.toml", root=tmp_path)
    exp.unlink()
    with pytest.raises(LeverFileError, match="is not a readable experiment file"):
        parse_registry(text, source="levers.toml", root=tmp_path)
    policy = text.replace(
        'path = "reimbursement.signed_primary_bonus"', 'path = "reimbursement.signed_primary_bonus"\ncalibrated_by = "x.toml"'
    )
    with pytest.raises(LeverFileError, match="only a numeric behaviour lever has field 'calibrated_by'"):
        parse_registry(policy, source="levers.toml")


def test_the_docs_show_the_calibration_record_and_the_allowed_ranges():
    text = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    assert calibration_record.record_markdown() in text
    assert allowed.allowed_markdown() in text
    for lv in RECORD["levers"]:
        assert f"`{lv['lever']}`" in calibration_record.record_markdown()
    assert "sandbox calibrate experiments/calibrate_all.toml" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert json.loads((ROOT / calibration_record.RECORD).read_text(encoding="utf-8")) == RECORD
