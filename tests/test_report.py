"""The comparison maths and the one-file HTML report."""

import numpy as np

from sandbox import outcomes
from sandbox.compare import compare
from sandbox.i18n import fmt_delta, fmt_lever_value, fmt_number, fmt_value
from sandbox.params import BY_PATH
from sandbox.report import build_report
from sandbox.rng import replicate_seeds
from sandbox.scenario import Scenario


def test_paired_differences_use_the_same_seeds_for_every_scenario():
    base = Scenario.preset("baseline")
    cmp = compare({"a": base, "b": base}, residents=2_000, years=1, seed=3, replicates=3)
    head = cmp.headline()
    assert np.allclose(head[head.scenario == "b"]["diff"].fillna(0), 0.0)
    assert len(set(replicate_seeds(3, 3))) == 3


def test_a_wider_primary_gap_shows_a_positive_paired_difference_with_an_interval():
    base = Scenario.preset("baseline")
    reform = base.with_overrides({"reimbursement.outpatient.primary": 0.8})
    head = compare({"base": base, "reform": reform}, residents=4_000, years=1, seed=1, replicates=3).headline()
    row = head[(head.scenario == "reform") & (head.outcome == "primary_care_share")].iloc[0]
    assert row["diff_lo"] > 0.02 and row["diff_lo"] <= row["diff"] <= row["diff_hi"]


def test_the_html_report_holds_levers_changed_headline_table_charts_sources_version_and_seed():
    import plotly.graph_objects as go

    base = Scenario.preset("baseline")
    reform = base.with_overrides({"reimbursement.outpatient.primary": 0.8})
    cmp = compare({"base": base, "reform": reform}, residents=2_000, years=1, seed=9)
    html = build_report(cmp, {"base": {}, "reform": reform.changed()}, "en", 2_000, 1, 9, [go.Figure()])
    assert html.startswith("<!doctype html>") and html.count("<table>") >= 2
    assert "reimbursement.outpatient.primary" in html and "Primary-care share of outpatient visits" in html
    assert "seed 9" in html.lower() or "Random seed 9" in html
    assert "plotly" in html.lower() and "Model version" in html


def test_chinese_numbers_use_wan_and_yi():
    assert fmt_number(123_456, "zh") == "12.3 万"
    assert fmt_number(2.5e8, "zh") == "2.50 亿"
    assert fmt_value(2.5e8, "yuan/year", "zh") == "2.50 亿元"
    assert fmt_value(1.32e6, "yuan/year", "zh") == "132 万元"
    assert fmt_value(1620, "yuan/resident/year", "zh") == "1,620 元"
    assert fmt_number(2.5e6, "en") == "2.50 M"
    assert fmt_delta(0.042, "share", "en") == "+4.2 pp"
    assert fmt_delta(-0.042, "share", "zh") == "-4.2 个百分点"  # ASCII minus so the arrow points down


def test_a_comparison_reports_progress_month_by_month_within_each_run():
    seen = []
    base = Scenario.preset("baseline")
    compare({"a": base, "b": base.with_overrides({"reimbursement.outpatient.primary": 0.7})}, 1_000, 1, 3, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0
    # 12 months in each of two runs, plus one call as each run finishes
    assert len(seen) == 26
    assert any(0.0 < f < 0.5 for f in seen) and any(0.5 < f < 1.0 for f in seen)


def test_counts_in_wan_keep_a_decimal_below_a_million():
    assert fmt_value(21_000, "per year", "zh") == "2.1 万"
    assert fmt_value(1_320_000, "per year", "zh") == "132 万"


def test_lever_values_read_as_people_write_them():
    assert fmt_lever_value(BY_PATH["signing.enabled"], True, "zh") == "是"
    assert fmt_lever_value(BY_PATH["signing.enabled"], False, "en") == "off"
    assert fmt_lever_value(BY_PATH["reimbursement.outpatient.primary"], 0.55, "en") == "55%"
    assert fmt_lever_value(BY_PATH["deductible.signed_relief"], 300.0, "zh") == "300 元"
    assert fmt_lever_value(BY_PATH["referral.binding"], "hard", "zh") == "硬绑定（1+1+1）"
    assert fmt_lever_value(BY_PATH["hospital.payment_mode"], "global_budget", "en") == "global budget"


def test_every_lever_unit_has_a_chinese_name():
    from sandbox.i18n import LEVER_UNITS_ZH
    from sandbox.params import REGISTRY

    missing = sorted({lv.unit for lv in REGISTRY} - set(LEVER_UNITS_ZH))
    assert not missing, f"add these units to LEVER_UNITS_ZH in sandbox/i18n.py: {missing}"


def test_the_report_shows_the_range_across_behaviour_draws_only_when_draws_were_run():
    base = Scenario.preset("hangzhou_2016").without_policy()
    reform = Scenario.preset("hangzhou_2016")
    plain = compare({"base": base, "reform": reform}, residents=2000, years=1, seed=1)
    drawn = compare({"base": base, "reform": reform}, residents=2000, years=1, seed=1, behaviour=[{"behaviour.habit": 0.2}])
    without = build_report(plain, {"reform": {}}, "en", 2000, 1, 1, [])
    with_draws = build_report(drawn, {"reform": {}}, "en", 2000, 1, 1, [])
    assert "Robustness to behavioural assumptions" not in without
    assert "Robustness to behavioural assumptions" in with_draws and "Range across behaviour" in with_draws
    assert with_draws.count("<td>reform</td>") == len(outcomes.tagged("report"))
