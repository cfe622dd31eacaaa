"""The logit choice sampler: draws follow the logit probabilities and never pick an unavailable option."""

import numpy as np

from sandbox import Scenario
from sandbox.model import SandboxModel
from sandbox.phases.care import choose
from sandbox.phases.common import N_ALTS, NONE, PRIMARY, SECONDARY


def _model():
    m = SandboxModel(Scenario.preset("baseline"), residents=1_000, years=1, seed=3)
    return m


def test_choices_follow_the_logit_probabilities():
    m = _model()
    n = 200_000
    v = np.array([0.0, 1.0, 0.5, -0.5, 0.2])
    u = np.tile(v, (n, 1))
    res = np.arange(n) % 1_000
    choice = choose(m, u, res, np.arange(n), 10)
    share = np.bincount(choice, minlength=N_ALTS) / n
    expected = np.exp(v) / np.exp(v).sum()
    assert np.abs(share - expected).max() < 0.005
    m.release()


def test_an_unavailable_alternative_is_never_chosen_even_when_primary_is_unavailable():
    m = _model()
    n = 50_000
    u = np.random.default_rng(1).normal(size=(n, N_ALTS))
    u[:, :SECONDARY] = -np.inf  # as for a referred visit: only upper levels are open
    choice = choose(m, u, np.arange(n) % 1_000, np.arange(n), 10)
    assert choice.min() >= SECONDARY
    u[:, :SECONDARY] = 0.0
    u[:, NONE] = -np.inf  # as for an admission
    choice = choose(m, u, np.arange(n) % 1_000, np.arange(n), 10)
    assert choice.min() >= PRIMARY
    m.release()


def test_every_upward_referral_lands_at_a_hospital():
    from sandbox import simulate

    res = simulate(Scenario.preset("hangzhou_2016"), residents=5_000, years=1, seed=2)
    ts = res.timeseries
    assert ts.referrals_up.sum() > 0
    # referred visits are outpatient visits at secondary or tertiary level, never "no care"
    upper = ts.visits_secondary + ts.visits_tertiary
    assert (upper >= ts.referrals_up - ts.admissions_secondary - ts.admissions_tertiary).all()
