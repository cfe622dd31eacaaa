"""Money closes: every yuan of care cost is paid by the fund or the patient, every yuan of signing
fee by one of its payers, and the fund balance moves by revenue minus spending, every month."""

import pytest
from _runs import run

from sandbox.params import PAYERS
from sandbox.phases.record import LedgerError, check_ledger

PRESETS = [
    "baseline",
    "hangzhou_2016",
    "beijing_xicheng",
    "shanghai_1plus1plus1",
    "hebei_county_alliance",
    "zhenjiang_medical_group",
    "value_based_capitation",
]


@pytest.mark.parametrize("preset", PRESETS)
def test_care_cost_equals_fund_plus_out_of_pocket_every_month(preset):
    ts = run(preset, residents=10_000, years=2).timeseries
    gap = (ts.care_cost - ts.fund_claims - ts.oop).abs()
    assert gap.max() < 0.01
    assert (ts.care_cost > 0).all()


@pytest.mark.parametrize("preset", PRESETS)
def test_care_cost_is_the_sum_of_its_categories_every_month(preset):
    ts = run(preset, residents=10_000, years=2).timeseries
    parts = ts.cost_rehab.copy()
    for lv in ("primary", "secondary", "tertiary"):
        parts += ts[f"cost_outpatient_{lv}"] + ts[f"cost_inpatient_{lv}"]
    assert (parts - ts.care_cost).abs().max() < 0.01


@pytest.mark.parametrize("preset", PRESETS)
def test_signing_fees_are_fully_paid_by_their_payers_every_month(preset):
    ts = run(preset, residents=10_000, years=2).timeseries
    paid = sum(ts[f"fee_{p}"] for p in PAYERS)
    assert (paid - ts.fee_total).abs().max() < 0.01


@pytest.mark.parametrize("preset", PRESETS)
def test_the_fund_balance_moves_by_premiums_minus_spending_every_month(preset):
    res = run(preset, residents=10_000, years=2)
    ts = res.timeseries
    change = ts.fund_balance.diff().iloc[1:]
    flow = (ts.premiums - ts.fund_spending).iloc[1:]
    assert (change - flow).abs().max() < 0.01


def test_the_ledger_check_rejects_a_month_whose_books_do_not_close():
    row = {"month": 3, "care_cost": 100.0, "fund_claims": 60.0, "oop": 30.0, "fee_total": 0.0}
    row.update({f"fee_{p}": 0.0 for p in PAYERS})
    with pytest.raises(LedgerError, match="care cost"):
        check_ledger(row)
