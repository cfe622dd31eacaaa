"""Admissions and visits respond to price as the evidence says: elective admissions are delayed or
forgone when inpatient prices rise, emergencies never are; poorer residents respond more; the
heterogeneity levers change only the groups they name, and with them neutral every resident weighs a
yuan alike.

Margins are measured against seed-to-seed noise in each test: the same comparison is repeated under
several seeds (each a paired comparison under common random numbers) and the effect must exceed
three standard deviations of its own spread across seeds."""

from __future__ import annotations

import numpy as np
import pytest

from sandbox import Scenario
from sandbox.model import SandboxModel
from sandbox.phases.care import oop_weights
from sandbox.phases.common import NONE, SERIOUS
from sandbox.results import Result
from sandbox.simulate import simulate
from sandbox.targets import INPATIENT_PRICES, OUTPATIENT_PRICES, PRICE_STEP, STUDY

SEEDS = (1, 2, 3)
RESIDENTS = 20_000


def _run(overrides: dict, seed: int, years: int = 2) -> Result:
    return simulate(Scenario.preset("baseline").with_overrides(overrides), residents=RESIDENTS, years=years, seed=seed)


def _raised(overrides: dict, levers: tuple[str, ...], step: float = PRICE_STEP) -> dict:
    p = Scenario.preset("baseline").with_overrides(overrides).params_at(0)
    return {**overrides, **{k: p[k] * (1 + step) for k in levers}}


def _arc(a: float, b: float, step: float = PRICE_STEP) -> float:
    return ((b - a) / ((a + b) / 2)) / (step / (1 + step / 2))


def _group_elasticity(base: Result, up: Result, dimension: str, group: str) -> float:
    def visits(r: Result) -> float:
        g = r.by_group()
        return float(g[(g.dimension == dimension) & (g.group == group)].visits_per_capita.iloc[0])

    return _arc(visits(base), visits(up))


def _gap(overrides: dict, dimension: str, groups: tuple[str, str], seed: int) -> float:
    """Outpatient price elasticity of the first group minus the second's (negative: the first
    responds more), from one paired pair of runs."""
    base, up = _run(overrides, seed), _run(_raised(overrides, OUTPATIENT_PRICES), seed)
    return _group_elasticity(base, up, dimension, groups[0]) - _group_elasticity(base, up, dimension, groups[1])


def _beyond_noise(effects: list[float]) -> bool:
    """Every seed agrees in sign and the mean exceeds three standard deviations across seeds."""
    e = np.asarray(effects)
    return bool((np.sign(e) == np.sign(e[0])).all() and abs(e.mean()) > 3 * e.std(ddof=1))


def test_admissions_fall_when_inpatient_prices_rise_and_more_elective_admissions_are_delayed_or_forgone():
    step = 0.3
    fall, not_taken = [], []
    for seed in SEEDS:
        base = _run(dict(STUDY.overrides), seed).summary()
        up = _run(_raised(dict(STUDY.overrides), INPATIENT_PRICES, step), seed).summary()
        fall.append(up["admissions_per_1000"] - base["admissions_per_1000"])
        not_taken.append(
            up["forgone_admissions_per_1000"]
            + up["delayed_admissions_per_1000"]
            - base["forgone_admissions_per_1000"]
            - base["delayed_admissions_per_1000"]
        )
    assert max(fall) < 0 and _beyond_noise(fall), fall
    assert min(not_taken) > 0 and _beyond_noise(not_taken), not_taken


def test_emergency_admissions_are_never_forgone_even_when_inpatient_prices_triple():
    """With every admission need an emergency, every need ends in an admission whatever the price."""
    sc = Scenario.preset("baseline").with_overrides(
        {"behaviour.elective_admission_share": 0.0, **_raised({}, INPATIENT_PRICES, 2.0)}
    )
    m = SandboxModel(sc, residents=10_000, years=1, seed=2)
    needs = 0
    for _ in range(12):
        m.step()
        serious = m.ep.kind == SERIOUS
        needs += int(serious.sum())
        assert not (m.ep.alt[serious] == NONE).any()
        row = m.rows[-1]
        assert row["admissions_delayed"] == row["admissions_forgone"] == 0
        assert row["admissions_primary"] + row["admissions_secondary"] + row["admissions_tertiary"] == serious.sum()
    m.release()
    assert needs > 100


def test_with_elective_admissions_an_untaken_admission_is_an_elective_one_counted_as_delayed_or_forgone():
    sc = Scenario.preset("baseline").with_overrides(dict(STUDY.overrides))
    m = SandboxModel(sc, residents=10_000, years=1, seed=2)
    untaken = delayed = 0
    for _ in range(12):
        pending_before = m.res.admission_pending.copy()
        m.step()
        serious = m.ep.kind == SERIOUS
        row = m.rows[-1]
        n_none = int((m.ep.alt[serious] == NONE).sum())
        assert n_none == row["admissions_delayed"] + row["admissions_forgone"]
        # a delayed admission is an admission need again the next month
        assert serious[np.isin(m.ep.res, np.flatnonzero(pending_before))].sum() == pending_before.sum()
        untaken += n_none
        delayed += row["admissions_delayed"]
    m.release()
    assert untaken > 50 and 0 < delayed < untaken


def test_poorer_residents_respond_more_to_outpatient_prices_than_richer_ones():
    gaps = [_gap({}, "income_quintile", ("Q1", "Q5"), seed) for seed in SEEDS]
    assert max(gaps) < 0 and _beyond_noise(gaps), gaps


def test_with_no_income_gradient_every_income_quintile_responds_alike():
    """In an all-urban, all resident-scheme district the income quintile is drawn independently of
    every other attribute, so with the gradient at 0 the poorest and the richest quintile are alike
    and so are their responses; with the default gradient they are not."""
    alike = {"population.urban_share": 1.0, "population.employee_share": 0.0}
    neutral = [_gap({**alike, "behaviour.oop_income_gradient": 0.0}, "income_quintile", ("Q1", "Q5"), s) for s in SEEDS]
    graded = [_gap(alike, "income_quintile", ("Q1", "Q5"), s) for s in SEEDS]
    noise = max(np.std(neutral, ddof=1), np.std(graded, ddof=1))
    # 0.05: a quarter of the half-width (0.2) of the published 95% interval (Health Policy 2011)
    assert abs(np.mean(neutral)) < 3 * noise + 0.05, neutral
    assert np.mean(graded) < np.mean(neutral) - 6 * noise, (graded, neutral)


@pytest.mark.parametrize(
    "lever, dimension, group, other",
    [
        ("behaviour.oop_rural_multiplier", "area", "rural", "urban"),
        ("behaviour.oop_resident_scheme_multiplier", "scheme", "resident", "employee"),
    ],
)
def test_a_group_multiplier_above_one_makes_that_group_respond_more_and_leaves_the_other_alone(lever, dimension, group, other):
    """No published estimate sets these above 1 (their defaults are neutral); at the top of their
    plausible range the named group's response grows beyond noise and the other group's does not move."""
    named, rest = [], []
    for seed in SEEDS:
        base, up = _run({}, seed), _run(_raised({}, OUTPATIENT_PRICES), seed)
        hi = {lever: 1.5}
        base_hi, up_hi = _run(hi, seed), _run(_raised(hi, OUTPATIENT_PRICES), seed)
        named.append(_group_elasticity(base_hi, up_hi, dimension, group) - _group_elasticity(base, up, dimension, group))
        rest.append(_group_elasticity(base_hi, up_hi, dimension, other) - _group_elasticity(base, up, dimension, other))
    assert max(named) < 0 and _beyond_noise(named), named
    assert abs(np.mean(rest)) < abs(np.mean(named)) / 3, (rest, named)


def test_with_the_heterogeneity_levers_neutral_every_episode_type_weighs_a_yuan_alike():
    neutral = {
        "behaviour.oop_income_gradient": 0.0,
        "behaviour.oop_rural_multiplier": 1.0,
        "behaviour.oop_resident_scheme_multiplier": 1.0,
        "behaviour.oop_chronic_multiplier": 1.0,
    }
    p = Scenario.preset("baseline").with_overrides(neutral).params_at(0)
    for inpatient in (False, True):
        w = oop_weights(p, inpatient)
        assert np.ptp(w) == 0.0 and w.shape == (2, 5, 16)
    d = Scenario.preset("baseline").params_at(0)
    w = oop_weights(d, False)
    assert w[:, 0].min() > w[:, 4].max()  # by default the poorest quintile weighs a yuan more than the richest
