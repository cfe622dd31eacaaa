"""A seed in, the same numbers out; a baseline and a reform with the same seed share illness draws."""

import numpy as np
import pandas as pd

from sandbox import Scenario, simulate
from sandbox.rng import Streams


def test_the_same_seed_gives_identical_results():
    a = simulate(Scenario.preset("hangzhou_2016"), residents=5_000, years=1, seed=42)
    b = simulate(Scenario.preset("hangzhou_2016"), residents=5_000, years=1, seed=42)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.groups, b.groups)


def test_a_different_seed_gives_different_results():
    a = simulate(Scenario.preset("baseline"), residents=5_000, years=1, seed=1)
    b = simulate(Scenario.preset("baseline"), residents=5_000, years=1, seed=2)
    assert not np.allclose(a.timeseries.visits_primary, b.timeseries.visits_primary)


def test_a_baseline_and_a_reform_with_the_same_seed_share_every_minor_illness_draw():
    base = simulate(Scenario.preset("baseline"), residents=8_000, years=2, seed=5)
    reform = simulate(Scenario.preset("value_based_capitation"), residents=8_000, years=2, seed=5)
    assert (base.timeseries.episodes_minor.values == reform.timeseries.episodes_minor.values).all()
    assert (base.timeseries.illness_fingerprint.values == reform.timeseries.illness_fingerprint.values).all()
    assert not np.allclose(base.timeseries.visits_primary, reform.timeseries.visits_primary)


def test_common_random_numbers_make_a_paired_difference_less_noisy_than_an_unpaired_one():
    sc_a = Scenario.preset("baseline")
    sc_b = sc_a.with_overrides({"reimbursement.outpatient.primary": 0.65})
    paired, unpaired = [], []
    for seed in range(4):
        a = simulate(sc_a, residents=4_000, years=1, seed=seed).summary()["primary_care_share"]
        b = simulate(sc_b, residents=4_000, years=1, seed=seed).summary()["primary_care_share"]
        b_other = simulate(sc_b, residents=4_000, years=1, seed=seed + 100).summary()["primary_care_share"]
        paired.append(b - a)
        unpaired.append(b_other - a)
    assert np.std(paired) < np.std(unpaired)


def test_random_draws_depend_only_on_seed_stream_id_and_month_not_on_batch_composition():
    s = Streams(9)
    ids = np.arange(1000)
    whole = s.uniform("illness", ids, 4, 0)
    part = s.uniform("illness", ids[500:], 4, 0)
    assert np.array_equal(whole[500:], part)
    assert not np.array_equal(whole, s.uniform("choice", ids, 4, 0))
    assert 0.0 < whole.min() and whole.max() < 1.0
    assert abs(whole.mean() - 0.5) < 0.05


def test_the_number_of_threads_does_not_change_the_results():
    sc = Scenario.preset("shanghai_1plus1plus1")
    one = simulate(sc, residents=40_000, years=1, seed=8, threads=1)
    two = simulate(sc, residents=40_000, years=1, seed=8, threads=2)
    pd.testing.assert_frame_equal(one.timeseries, two.timeseries)


def test_replicate_seeds_follow_one_rule_for_every_number_of_replicates():
    from sandbox.rng import replicate_seeds

    five = replicate_seeds(7, 5)
    assert [replicate_seeds(7, n) for n in (1, 2, 3, 4)] == [five[:n] for n in (1, 2, 3, 4)]
    assert five[0] == 7 and len(set(five)) == 5
    # a one-replicate comparison is the plain run with that seed, as `sandbox run --seed 7` gives
    from sandbox.compare import compare
    from sandbox.experiment import parse_experiment

    one = compare({"a": Scenario.preset("baseline")}, residents=1000, years=1, seed=7).runs["a"][0].summary
    plain = simulate(Scenario.preset("baseline"), residents=1000, years=1, seed=7).summary()
    assert pd.Series(one).equals(pd.Series(plain))  # NaN equals NaN here
    exp = parse_experiment(
        '[experiment]\nscenarios = ["baseline"]\nseed = 7\nreplicates = 3\nmethod = "list"\n[[point]]\nlabel = "a"\n'
    )
    assert exp.replicate_seeds() == five[:3]
