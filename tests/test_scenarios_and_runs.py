"""Scenarios load, round-trip, phase in, never mutate their baseline; runs can be repeated exactly."""

import gc
import json
import subprocess
import sys
import weakref
from pathlib import Path

import mesa
import pandas as pd

from sandbox import Scenario, list_presets, simulate
from sandbox.model import SandboxModel

ROOT = Path(__file__).resolve().parent.parent


def test_every_preset_names_itself_in_chinese_and_english_and_cites_a_seed_or_defaults():
    presets = dict(list_presets())
    assert {
        "baseline",
        "hangzhou_2016",
        "beijing_xicheng",
        "shanghai_1plus1plus1",
        "hebei_county_alliance",
        "zhenjiang_medical_group",
        "value_based_capitation",
    } <= set(presets)
    for name, sc in presets.items():
        for key in ("name_en", "name_zh", "description_en", "description_zh", "source"):
            assert sc.meta.get(key), f"{name} lacks meta.{key}"
        assert "seed" in sc.meta["source"] or "DEFAULTS" in sc.meta["source"]


def test_to_toml_writes_a_file_that_load_reads_back_to_the_same_levers(tmp_path):
    sc = Scenario.preset("hangzhou_2016").with_overrides({"reimbursement.signed_primary_bonus": 0.15})
    sc = sc.with_overrides({"signing.fee.healthy": 200.0}, month=12)
    for full in (True, False):
        f = tmp_path / f"s{full}.toml"
        f.write_text(sc.to_toml(full=full), encoding="utf-8")
        back = Scenario.load(f)
        assert back.params_at(0) == sc.params_at(0)
        assert back.params_at(12) == sc.params_at(12)
        assert back.meta == sc.meta


def test_a_reform_never_mutates_its_baseline():
    base = Scenario.preset("baseline")
    before = base.to_dict()
    reform = base.with_overrides({"reimbursement.outpatient.primary": 0.9})
    assert base.to_dict() == before
    assert reform.to_dict()["reimbursement.outpatient.primary"] == 0.9


def test_a_phased_lever_takes_effect_only_from_its_month():
    sc = Scenario.preset("baseline").with_overrides({"signing.enabled": True, "signing.floor": 0.2}, month=12)
    res = simulate(sc, residents=5_000, years=2, seed=3)
    ts = res.timeseries
    assert (ts[ts.month < 12].signed == 0).all()
    assert (ts[ts.month >= 12].signed > 0).all()


def test_results_by_group_cover_every_population_dimension():
    res = simulate(Scenario.preset("hangzhou_2016"), residents=5_000, years=1, seed=3)
    g = res.by_group()
    assert set(g.dimension) >= {"area", "age_band", "chronic", "scheme", "income_quintile", "contract"}
    area = g[g.dimension == "area"]
    assert area.residents.sum() == 5_000
    assert set(area.group) == {"urban", "rural"}


def test_simulate_releases_the_model_so_repeated_runs_do_not_accumulate():
    before = len(mesa.Agent._ids)
    for seed in range(3):
        simulate(Scenario.preset("baseline"), residents=1_000, years=1, seed=seed)
    gc.collect()
    assert len(mesa.Agent._ids) == before


def test_a_released_model_is_garbage_collected():
    m = SandboxModel(Scenario.preset("baseline"), residents=1_000, years=1, seed=1)
    m.step()
    ref = weakref.ref(m)
    m.release()
    del m
    gc.collect()
    assert ref() is None


def test_mesa_batch_run_can_drive_the_model():
    rows = mesa.batch_run(
        SandboxModel,
        parameters={"scenario": "baseline", "residents": 2_000, "years": 1, "seed": [1, 2]},
        max_steps=12,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(rows) == 2
    assert all(0.3 < r["primary_care_share"] < 0.8 for r in rows)


def test_the_cli_run_writes_results_and_a_run_record_that_repeats_the_run_exactly(tmp_path):
    out = tmp_path / "hz"
    cmd = [
        sys.executable,
        "-m",
        "sandbox.cli",
        "run",
        str(ROOT / "scenarios" / "hangzhou_2016.toml"),
        "--residents",
        "3000",
        "--years",
        "1",
        "--seed",
        "7",
        "--out",
        str(out),
        "--format",
        "parquet",
        "--quiet",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Primary-care share" in proc.stdout
    for name in ("timeseries", "yearly", "groups", "teams"):
        assert (out / f"{name}.parquet").exists()
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["seed"] == 7 and record["residents"] == 3000 and record["package_version"]
    assert "git_commit" in record
    again = simulate(Scenario.from_dict(record["resolved_parameters"]), residents=3000, years=1, seed=7)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"), again.timeseries, check_dtype=False)


def test_the_cli_lists_every_preset_with_chinese_and_english_names():
    proc = subprocess.run([sys.executable, "-m", "sandbox.cli", "scenarios"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert "hangzhou_2016" in proc.stdout and "杭州" in proc.stdout and "Shanghai" in proc.stdout


def test_a_phase_that_changes_a_lever_read_only_at_start_is_rejected_with_a_reason():
    import pytest

    from sandbox import ScenarioError

    with pytest.raises(ScenarioError, match="read only when the model starts"):
        Scenario.preset("baseline").with_overrides({"population.urban_share": 0.5}, month=12)
    text = "[[phase]]\nmonth = 6\n[phase.set]\ncapacity.tertiary_visits_per_1000 = 90.0\n"
    with pytest.raises(ScenarioError, match="capacity.tertiary_visits_per_1000"):
        Scenario.from_toml(text, source="x.toml")


def test_problem_messages_show_values_as_they_are_written_in_toml():
    import pytest

    from sandbox import ScenarioError

    with pytest.raises(ScenarioError) as e:
        Scenario.from_toml('[referral]\nbinding = "medium"\n', source="b.toml")
    assert 'referral.binding = "medium"' in str(e.value)


def test_results_by_group_add_up_to_the_whole_district_in_every_dimension():
    res = simulate(Scenario.preset("value_based_capitation"), residents=6_000, years=2, seed=4)
    ts = res.timeseries[res.timeseries.year == 2]
    visits = float((ts.visits_primary + ts.visits_secondary + ts.visits_tertiary).sum())
    oop = float(ts.oop.sum())
    g = res.by_group(2)
    for dim, part in g.groupby("dimension"):
        assert part.residents.sum() == 6_000, dim
        assert abs((part.visits_per_capita * part.residents).sum() - visits) < 1e-6 * visits, dim
        assert abs((part.oop_per_capita * part.residents).sum() - oop) < 1e-6 * oop, dim
        assert abs((part.signing_rate * part.residents).sum() - ts.signed.iloc[-1]) < 1e-6, dim


def test_a_city_without_its_policy_keeps_its_district_and_behaviour_and_takes_the_baseline_policy():
    sc = Scenario.preset("hebei_county_alliance").with_overrides({"behaviour.habit": 0.8})
    bare = sc.without_policy()
    assert sc.district() and sc.policy() and sc.behaviour() == {"behaviour.habit": 0.8}
    assert bare.changed() == {**sc.district(), **sc.behaviour()}
    assert all(bare.params_at(0)[k] == v for k, v in {**sc.district(), **sc.behaviour()}.items())
    assert bare.params_at(0)["hospital.payment_mode"] == Scenario.preset("baseline").params_at(0)["hospital.payment_mode"]
    assert set(sc.district()) | set(sc.policy()) | set(sc.behaviour()) == set(sc.changed())


def test_to_dict_holds_every_lever_at_month_0_and_leaves_phased_changes_to_the_phases():
    sc = Scenario.preset("baseline").with_overrides({"reimbursement.outpatient.primary": 0.7}, month=12)
    assert sc.to_dict() == Scenario.preset("baseline").to_dict()
    assert sc.params_at(12)["reimbursement.outpatient.primary"] == 0.7
    assert sc.phases[0].overrides == {"reimbursement.outpatient.primary": 0.7}
