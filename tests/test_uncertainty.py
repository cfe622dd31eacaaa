"""Behavioural uncertainty: draws from plausible ranges, paired across baseline and reforms, and a
verdict on whether each difference's sign holds across them."""

from __future__ import annotations

import numpy as np
import pytest

from sandbox import Scenario
from sandbox.compare import compare
from sandbox.uncertainty import BehaviourRange, behaviour_draws, sign_verdict

TRUST = BehaviourRange("behaviour.trust_signed", 0.0, 3.0, "test", "float")
HABIT = BehaviourRange("behaviour.habit", 0.0, 1.0, "test", "float")


def test_draws_are_a_latin_hypercube_inside_the_ranges_and_repeat_with_the_seed():
    d = behaviour_draws(8, 5, (TRUST, HABIT))
    assert d == behaviour_draws(8, 5, (TRUST, HABIT))
    assert d != behaviour_draws(8, 6, (TRUST, HABIT))
    trust = np.array([x["behaviour.trust_signed"] for x in d])
    # one draw in each eighth of the range: the Latin hypercube property
    assert sorted(np.floor(trust / 3.0 * 8).astype(int)) == list(range(8))


def test_the_sign_verdict_separates_robust_flipping_and_absent_effects():
    assert sign_verdict(np.array([0.1, 0.5, 0.02])) == "robust"
    assert sign_verdict(np.array([-0.1, -0.5])) == "robust"
    assert sign_verdict(np.array([-0.1, 0.3])) == "depends"
    assert sign_verdict(np.array([0.0, 0.0])) == "none"
    assert sign_verdict(np.array([np.nan, np.nan])) == "n/a"


def test_each_behaviour_draw_is_applied_to_baseline_and_reform_alike_with_the_same_seeds():
    base = Scenario.preset("hangzhou_2016").without_policy()
    reform = Scenario.preset("hangzhou_2016")
    draws = [{"behaviour.trust_signed": 0.0}, {"behaviour.trust_signed": 3.0}]
    cmp = compare({"base": base, "reform": reform}, residents=4000, years=1, seed=2, behaviour=draws)
    assert len(cmp.draw_runs) == 2
    # illness is common to both sides of a draw (common random numbers), whatever the behaviour
    for d in cmp.draw_runs:
        assert (d["base"][0].timeseries.episodes_minor.values == d["reform"][0].timeseries.episodes_minor.values).all()
    rob = cmp.robustness().set_index("outcome")
    # the signing rate differs from 0 under every draw (no contracts without the policy)
    assert rob.loc["signing_rate", "verdict"] == "robust"
    assert rob.loc["signing_rate", "draw_min"] > 0
    # trust changes signed residents' choices, so the primary-share effect moves with the draw; the
    # range holds the default behaviour's difference too
    assert rob.loc["primary_care_share", "draw_max"] > rob.loc["primary_care_share", "draw_min"]


def test_an_out_of_range_behaviour_draw_is_refused_before_any_run():
    from sandbox import ScenarioError

    with pytest.raises(ScenarioError, match="behaviour.habit"):
        compare({"a": Scenario.default()}, residents=500, years=1, seed=1, behaviour=[{"behaviour.habit": -1.0}])


def test_the_range_across_behaviour_includes_the_default_so_a_sign_that_flips_against_it_is_not_robust():
    base = Scenario.preset("hangzhou_2016").without_policy()
    reform = Scenario.preset("hangzhou_2016")
    cmp = compare({"base": base, "reform": reform}, residents=4000, years=1, seed=2, behaviour=[{"behaviour.trust_signed": 0.0}])
    rob = cmp.robustness().set_index("outcome")
    finite = rob[np.isfinite(rob["diff"])]
    assert len(finite) > 20
    for out, row in finite.iterrows():
        assert row.draw_min <= row["diff"] <= row.draw_max, out
    assert rob.loc["primary_care_share_signed", "verdict"] == "n/a"  # nobody signs in the baseline


def test_every_numeric_behaviour_lever_has_a_plausible_range_holding_its_default():
    from sandbox.params import REGISTRY

    behaviour = [lv for lv in REGISTRY if lv.role == "behaviour" and lv.kind in ("float", "int")]
    assert behaviour
    for lv in behaviour:
        lo, hi = lv.plausible
        assert lv.lo <= lo <= lv.default <= hi <= lv.hi, lv.path
        assert lv.plausible_source, lv.path
    assert all(lv.plausible is None for lv in REGISTRY if lv.role != "behaviour")


def test_sandbox_compare_shows_the_range_across_behaviour_and_a_verdict(capsys):
    from sandbox.cli import main

    assert main(["compare", "hangzhou_2016", "--residents", "2000", "--years", "1", "--behaviour-draws", "3"]) == 0
    out = capsys.readouterr().out
    assert "across behaviour" in out
    signing = next(line for line in out.splitlines() if line.startswith("Signing rate"))
    assert signing.rstrip().endswith("robust")  # no contracts without the reform, under any behaviour
