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


def _utility_by_formula(m, res, inpatient, chronic, referred, slot):
    """The utility written term by term from docs/model.md, one episode type at a time, as a reference
    for the tabulated implementation."""
    from sandbox.phases.care import ALT_OF_LEVEL, SEVERITY, waits
    from sandbox.phases.common import (
        OUTSIDE,
        P_OUTSIDE_AVAIL,
        TERTIARY,
        inpatient_deductibles,
        inpatient_prices,
        oop_of,
        outpatient_deductible_left,
        outpatient_prices,
        rates,
    )
    from sandbox.population import INCOME_FACTOR

    r, p = m.res, m.p
    signed, employee, urban = r.signed[res], r.employee[res], r.urban[res]
    if inpatient:
        price = inpatient_prices(p, urban)
        oop = oop_of(price, inpatient_deductibles(p, referred), rates(p, True, signed, employee, referred))
        scale = np.full(res.shape[0], p["behaviour.beta_oop_inpatient"] / 1000.0)
        sev = np.full(res.shape[0], SEVERITY["serious"])
    else:
        price = outpatient_prices(p, urban)
        left = outpatient_deductible_left(p, signed, employee, r.deductible_paid[res])
        oop = oop_of(price, left[:, None], rates(p, False, signed, employee, referred))
        scale = p["behaviour.beta_oop"] / 100.0 * np.where(chronic, p["behaviour.oop_chronic_multiplier"], 1.0)
        sev = np.where(chronic, SEVERITY["chronic"], SEVERITY["minor"])
    scale = scale / INCOME_FACTOR[r.quintile[res]] ** p["behaviour.oop_income_gradient"]
    scale = scale * np.where(urban, 1.0, p["behaviour.oop_rural_multiplier"])
    scale = scale * np.where(employee, 1.0, p["behaviour.oop_resident_scheme_multiplier"])
    u = -scale[:, None] * oop
    u[:, PRIMARY:] -= p["behaviour.beta_travel"] * r.travel[res].astype(np.float64)
    q = np.array([0.0, 0.0, p["behaviour.quality_secondary"], p["behaviour.quality_tertiary"], 0.0])
    q[OUTSIDE] = q[TERTIARY] + 0.3
    u += q[None, :] * sev[:, None]
    u -= p["behaviour.beta_wait"] * waits(m, referred)
    u[:, PRIMARY] += p["behaviour.trust_signed"] * m.team_array("effort")[r.team[res]] * signed
    for i, last in enumerate(r.last_level[res]):
        if last > 0:
            u[i, ALT_OF_LEVEL[last]] += p["behaviour.habit"]
        if last == 3:
            u[i, OUTSIDE] += p["behaviour.habit"]
    avail = m.streams.uniform("choice", res, m.month, P_OUTSIDE_AVAIL, slot) < p["behaviour.famous_share"]
    u[~avail, OUTSIDE] = -np.inf
    return u


def test_the_tabulated_utilities_equal_the_utility_formula_for_every_kind_of_episode():
    from sandbox.phases.care import utilities

    sc = Scenario.preset("hangzhou_2016").with_overrides(
        {
            # every heterogeneity lever away from its default, so each factor of the weight is checked
            "behaviour.oop_income_gradient": 0.7,
            "behaviour.oop_rural_multiplier": 1.3,
            "behaviour.oop_resident_scheme_multiplier": 1.2,
            "behaviour.oop_chronic_multiplier": 0.6,
            "reimbursement.referral_bonus": 0.05,
            "reimbursement.bypass_penalty": 0.1,
            "deductible.signed_relief": 100.0,
            "deductible.cumulative_upward_referral": True,
            "hospital.payment_mode": "drg",
        }
    )
    m = SandboxModel(sc, residents=4_000, years=2, seed=5)
    for _ in range(14):  # into the second year: contracts, deductibles partly paid, habits, congestion
        m.step()
    n = 3_000
    rng = np.random.default_rng(0)
    res = rng.integers(0, m.res.n, n)
    chronic = rng.random(n) < 0.3
    referred = rng.random(n) < 0.4
    slot = np.arange(n)
    left = m.res.deductible_paid[res]
    assert (left > 0).any() and m.res.signed[res].any() and (m.res.last_level[res] > 0).any()
    for inpatient in (False, True):
        got = utilities(m, res, inpatient, None if inpatient else chronic, referred, slot)
        want = _utility_by_formula(m, res, inpatient, chronic, referred, slot)
        assert np.array_equal(np.isinf(got), np.isinf(want))
        finite = np.isfinite(want)
        np.testing.assert_allclose(got[finite], want[finite], rtol=1e-9, atol=1e-9)
    m.release()
