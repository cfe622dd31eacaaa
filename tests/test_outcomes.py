"""Outcomes have one home (sandbox/outcomes.py): the monthly row's columns and every outcome are
declared once, and every place that shows outcomes selects them from there."""

from __future__ import annotations

import ast

import numpy as np
import pytest
from _runs import run

from sandbox import Scenario, outcomes
from sandbox.cli import main
from sandbox.experiment import parse_experiment
from sandbox.model import SandboxModel
from sandbox.phases import record


def _names(expr: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(expr, mode="eval")) if isinstance(n, ast.Name)}


def test_every_formula_reads_only_declared_columns_or_group_sums():
    functions = {"share", "mean"}
    team_columns = set(run().teams.columns)
    for o in outcomes.OUTCOMES:
        known = {"teams": team_columns, "signers": set(outcomes.SIGNER_COLUMNS)}.get(o.source, set(outcomes.COLUMN) | {"years"})
        assert _names(o.formula) - functions <= known, o.name
        if o.group_formula:
            assert _names(o.group_formula) - functions <= set(outcomes.GROUP_SUMS), o.name


def test_every_outcome_has_both_labels_a_known_unit_and_known_tags():
    for o in outcomes.OUTCOMES:
        assert o.label_en and o.label_zh and o.label_zh != o.label_en, o.name
        assert o.unit in ("share", "yuan", "yuan/year", "per year", "residents/year", "days"), o.name
        assert o.tags and o.tags <= set(outcomes.TAGS), o.name
        assert ("group" in o.tags) == (o.group_formula is not None), o.name
    with pytest.raises(KeyError, match="unknown outcome tag"):
        outcomes.tagged("cards")


def test_the_time_series_has_exactly_the_declared_columns():
    ts = run().timeseries
    assert set(ts.columns) == set(outcomes.COLUMN)


def test_record_refuses_a_row_with_an_undeclared_or_missing_column():
    m = SandboxModel(Scenario.preset("baseline"), residents=500, years=1, seed=1)
    try:
        m.step()  # a month as declared; m.acc still holds its flows
        flows = dict(m.acc)
        m.acc = {**flows, "mystery_column": 1.0}
        with pytest.raises(ValueError, match=r"undeclared \['mystery_column'\]"):
            record.run(m)
        m.acc = {k: v for k, v in flows.items() if k != "oop"}
        with pytest.raises(ValueError, match=r"missing \['oop'\]"):
            record.run(m)
        m.acc = flows
        record.run(m)
        assert len(m.rows) == 2
    finally:
        m.release()


@pytest.mark.parametrize("name", ["fund_spending_per_capita", "oop_per_capita", "referrals_up", "hospital_revenue"])
def test_a_yearly_flow_outcome_is_the_mean_of_its_monthly_annual_rates(name):
    res = run("hangzhou_2016", years=1)
    monthly = outcomes.monthly(res.timeseries, name)
    assert monthly.shape == (12,)
    assert monthly.mean() == pytest.approx(res.summary()[name], rel=1e-12)


def test_a_monthly_share_is_each_months_own_share():
    res = run("hangzhou_2016", years=1)
    ts = res.timeseries
    visits = ts.visits_primary + ts.visits_secondary + ts.visits_tertiary
    assert np.allclose(outcomes.monthly(ts, "primary_care_share"), ts.visits_primary / visits, rtol=1e-14)
    with pytest.raises(ValueError, match="team table"):
        outcomes.monthly(ts, "team_income_mean")


def test_group_fund_claims_per_resident_weighted_by_residents_equal_the_fund_claims_of_the_year():
    # two accumulation paths: episode bills summed by population cell, and the monthly row's claims
    res = run("shanghai_1plus1plus1", years=1)
    g = res.by_group()
    for dim in ("area", "age_band", "income_quintile", "contract"):
        d = g[g.dimension == dim]
        claims = (d.fund_spending_per_capita * d.residents).sum()
        assert claims == pytest.approx(res.timeseries.fund_claims.sum(), rel=1e-9), dim
    assert set(outcomes.tagged("group")) <= set(g.columns)


def test_a_batch_experiment_without_outcomes_records_the_batch_tagged_ones():
    exp = parse_experiment('[experiment]\nscenarios = ["baseline"]\nmethod = "list"\n[[point]]\nlabel = "a"\n')
    assert tuple(exp.outcomes) == outcomes.tagged("batch")


def test_the_command_line_summary_shows_exactly_the_cli_outcomes(capsys, tmp_path):
    assert main(["run", "baseline", "--residents", "2000", "--years", "1", "--out", str(tmp_path / "r")]) == 0
    lines = capsys.readouterr().out.splitlines()
    labels = [outcomes.label(n, "en") for n in outcomes.tagged("cli")]
    found = [lab for line in lines for lab in labels if line.startswith(lab + "  ")]
    assert found == labels


def test_sandbox_compare_reads_a_reform_against_the_same_district_without_it(capsys):
    assert main(["compare", "hangzhou_2016", "--residents", "3000", "--years", "1", "--replicates", "2"]) == 0
    out = capsys.readouterr().out
    assert "hangzhou_2016 vs no reform (same district)" in out
    assert "seeds 10–90%" in out
    shown = [outcomes.label(n, "en") for n in outcomes.tagged("card")]
    assert all(label in out for label in shown)
    signing = next(line for line in out.splitlines() if line.startswith("Signing rate"))
    assert signing.split()[2] == "0.0%"  # no contracts in the district without the reform
