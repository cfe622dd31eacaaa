"""Hypertension and diabetes are reported apart wherever the seeds report them apart (follow-up visits by
level, control, results by group), and hypertensive new signers' use, cost and out-of-pocket are kept
for the year before and the year of signing (seed 002's before → after figures)."""

from __future__ import annotations

import numpy as np
import pytest
from _runs import run

from sandbox import Scenario
from sandbox.model import SandboxModel
from sandbox.phases.common import CHRONIC, MINOR, PRIMARY, REFERRED


def test_follow_up_visits_by_condition_are_counted_from_the_months_episodes_with_a_patient_with_both_under_each():
    m = SandboxModel(Scenario.preset("zhenjiang_medical_group"), residents=4_000, years=1, seed=5)
    both_seen = False
    for month in range(6):
        m.step()
        ep, r, row = m.ep, m.res, m.rows[-1]
        fu = (ep.kind == CHRONIC) & (ep.alt >= PRIMARY)
        for name, has in (("hypertension", r.hypertension), ("diabetes", r.diabetes)):
            mine = fu & has[ep.res]
            assert row[f"visits_followup_{name}"] == mine.sum(), (month, name)
            assert row[f"visits_followup_{name}_primary"] == (mine & (ep.alt == PRIMARY)).sum(), (month, name)
        both_seen |= bool((fu & r.hypertension[ep.res] & r.diabetes[ep.res]).any())
        # a patient with both conditions counts under each, so the two together are at least all follow-ups
        assert row["visits_followup_hypertension"] + row["visits_followup_diabetes"] >= row["visits_followup"]
    m.release()
    assert both_seen


def test_control_rates_by_condition_are_the_controlled_share_of_each_conditions_patients():
    m = SandboxModel(Scenario.preset("baseline"), residents=4_000, years=1, seed=6)
    m.run()
    r, row = m.res, m.rows[-1]
    for name, has in (("hypertension", r.hypertension), ("diabetes", r.diabetes)):
        assert row[name] == has.sum() > 0
        assert row[f"{name}_controlled"] == (has & r.controlled).sum()
    m.release()


def test_results_by_condition_split_the_chronic_group_into_hypertension_only_diabetes_only_and_both():
    g = run("hangzhou_2016", residents=20_000, years=1, seed=3).by_group()
    cond = g[g.dimension == "condition"].set_index("group")
    chronic = g[(g.dimension == "chronic") & (g.group == "chronic")].iloc[0]
    parts = cond.loc[["hypertension", "diabetes", "both"]]
    assert parts.residents.sum() == chronic.residents
    visits = (parts.visits_per_capita * parts.residents).sum()
    assert visits == pytest.approx(chronic.visits_per_capita * chronic.residents, rel=1e-9)
    assert cond.loc["no chronic"].residents + chronic.residents == 20_000


def test_every_yuan_of_a_years_care_is_attributed_to_the_resident_who_received_it():
    # each resident's yearly cost and out-of-pocket (kept for the new signers' before → after) add up to
    # the year's care cost and out-of-pocket of the monthly rows (float32 per resident: relative 1e-5)
    m = SandboxModel(Scenario.preset("hangzhou_2016"), residents=4_000, years=1, seed=7)
    for _ in range(11):
        m.step()
    # the last month closes the year, which moves this year's figures to last year's
    m.step()
    rows = m.rows
    assert m.res.cost_last.sum(dtype=np.float64) == pytest.approx(sum(x["care_cost"] for x in rows), rel=1e-5)
    assert m.res.oop_last.sum(dtype=np.float64) == pytest.approx(sum(x["oop"] for x in rows), rel=1e-5)
    assert m.res.cost_year.sum() == 0.0
    m.release()


def test_hypertensive_new_signers_have_no_year_before_in_the_first_year_and_one_after():
    y = run("hangzhou_2016", residents=20_000, years=3, seed=1).yearly().set_index("year")
    first = y.loc[1]
    assert np.isnan(first.new_signer_htn_primary_share_before) and np.isnan(first.new_signer_htn_cost_before)
    for year in (2, 3):
        row = y.loc[year]
        assert 0.0 < row.new_signer_htn_primary_share_before < 1.0
        assert row.new_signer_htn_cost_before > row.new_signer_htn_oop_before > 0.0
        assert row.new_signer_htn_cost_after > row.new_signer_htn_oop_after > 0.0


def test_the_share_of_signers_who_used_their_family_doctor_is_rebuilt_from_the_years_primary_visits():
    # seed 004 (Shanghai 2015): 68.1% of signed residents used their family doctor within the year
    m = SandboxModel(Scenario.preset("shanghai_1plus1plus1"), residents=4_000, years=1, seed=8)
    visited = np.zeros(m.res.n, dtype=bool)
    for _ in range(12):
        m.step()
        ep = m.ep
        visited[ep.res[(ep.alt == PRIMARY) & np.isin(ep.kind, (MINOR, CHRONIC, REFERRED))]] = True
    signed = m.res.signed
    row = m.rows[-1]
    assert row["signed"] == signed.sum() > 0
    assert row["signed_served"] == (signed & visited).sum()
    assert 0 < row["signed_served"] < row["signed"]
    m.release()
