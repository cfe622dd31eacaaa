"""Money closes: care cost is rebuilt from the month's episodes and the prices, fund claims and
out-of-pocket from the documented rates and deductibles, the fund balance from its opening reserve,
premiums and spending categories, and every yuan of signing fee is paid by one of its payers."""

import numpy as np
import pytest
from _runs import run

from sandbox import Scenario
from sandbox.model import SandboxModel
from sandbox.params import CAPABILITY_PAYERS, PAYERS
from sandbox.phases.common import CHRONIC, MINOR, NONE, OUTSIDE, PRIMARY, REFERRED, REHAB, SECONDARY, SERIOUS, TERTIARY
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


FUND_SPENDING_CATEGORIES = (
    "fund_outpatient_primary",
    "fund_outpatient_secondary",
    "fund_outpatient_tertiary",
    "fund_inpatient_primary",
    "fund_inpatient_secondary",
    "fund_inpatient_tertiary",
    "fund_rehab",
    "fee_fund",
    "fund_bonus",
    "fund_team_surplus",
    "fund_alliance_surplus",
    "capability_paid_fund",
)


# every payer of every capability lever somewhere (the lead hospital inside an alliance)
EVERY_PAYER = {
    "hospital.alliance": True,
    "capability.specialists": 0.3,
    "capability.specialists_payer": "hospital",
    "capability.drug_list": 0.7,
    "capability.drug_list_payer": "fund",
    "capability.equipment": 25.0,
    "capability.equipment_payer": "public_health",
    "capability.gp_training": 0.4,
    "capability.gp_training_payer": "district_finance",
}


def _capability_rebuilt(res) -> dict[str, np.ndarray]:
    """Each capability lever's monthly cost and each payer's part, rebuilt from the levers in force
    (docs: yearly amounts / 12): specialists' FTE per 10,000 x residents x cost per FTE; matched
    share x chronic patients x cost per patient; yuan per resident x residents; trained share x one
    GP per team x cost per GP."""
    ts = res.timeseries
    n_teams = int((res.teams.year == 1).sum())
    cost = {k: [] for k in ("specialists", "drug_list", "equipment", "gp_training")}
    paid = {q: np.zeros(len(ts)) for q in CAPABILITY_PAYERS}
    for i, (month, n, chronic) in enumerate(zip(ts.month, ts.residents, ts.chronic)):
        p = res.scenario.params_at(int(month))
        month_cost = {
            "specialists": p["capability.specialists"] * n / 10_000 * p["capability.specialist_cost"] / 12,
            "drug_list": p["capability.drug_list"] * chronic * p["capability.drug_list_cost"] / 12,
            "equipment": p["capability.equipment"] * n / 12,
            "gp_training": p["capability.gp_training"] * n_teams * p["capability.gp_training_cost"] / 12,
        }
        for k, v in month_cost.items():
            cost[k].append(v)
            paid[p[f"capability.{k}_payer"]][i] += v
    return {**{f"capability_{k}": np.array(v) for k, v in cost.items()}, **{f"capability_paid_{q}": v for q, v in paid.items()}}


@pytest.mark.parametrize(
    "preset,overrides", [("zhenjiang_medical_group", {}), ("shanghai_1plus1plus1", {}), ("baseline", EVERY_PAYER)]
)
def test_capability_spending_is_rebuilt_from_the_levers_and_paid_in_full_by_the_payers_the_levers_name(preset, overrides):
    res = run(preset, overrides, residents=10_000, years=2)
    ts = res.timeseries
    want = _capability_rebuilt(res)
    for col, values in want.items():
        np.testing.assert_allclose(ts[col].to_numpy(), values, rtol=1e-9, atol=1e-6, err_msg=col)
    paid = sum(ts[f"capability_paid_{q}"] for q in CAPABILITY_PAYERS)
    assert (paid - ts.capability_total).abs().max() < 0.01
    assert ts.capability_total.min() > 0


def test_a_capability_lever_costs_nothing_when_it_is_off_and_its_payer_pays_all_of_it_when_on():
    off = run("baseline", residents=10_000, years=1).timeseries
    assert (off.capability_total == 0).all()
    on = run("baseline", {"capability.equipment": 30.0, "capability.equipment_payer": "city_finance"}, residents=10_000, years=1)
    ts = on.timeseries
    assert ts.capability_paid_city_finance.sum() == pytest.approx(30.0 * on.residents)  # yuan per resident per year
    assert ts.capability_total.sum() == pytest.approx(ts.capability_paid_city_finance.sum())
    assert (ts.capability_paid_fund == 0).all()


@pytest.mark.parametrize("preset", PRESETS)
def test_the_fund_balance_is_its_opening_reserve_plus_premiums_minus_every_spending_category(preset):
    res = run(preset, residents=10_000, years=2)
    ts = res.timeseries
    groups = res.groups[(res.groups.year == 1) & (res.groups.dimension == "scheme")].set_index("group").residents
    n_employee, n_resident = float(groups.get("employee", 0)), float(groups.get("resident", 0))
    assert n_employee + n_resident == res.residents
    p0 = res.scenario.params_at(0)
    opening = (
        (n_employee * p0["fund.premium.employee"] + n_resident * p0["fund.premium.resident"]) / 12 * p0["fund.initial_months"]
    )
    premiums = np.array(
        [
            (n_employee * p["fund.premium.employee"] + n_resident * p["fund.premium.resident"]) / 12
            for p in (res.scenario.params_at(t) for t in ts.month)
        ]
    )
    spending = sum(ts[c].to_numpy() for c in FUND_SPENDING_CATEGORIES)
    balance = opening + np.cumsum(premiums - spending)
    np.testing.assert_allclose(ts.fund_balance.to_numpy(), balance, rtol=1e-9, atol=0.01)


# --- care cost, fund claims and out-of-pocket rebuilt from the episodes, written from docs/model.md 3.3.5


def _outpatient_price(p: dict, alt: np.ndarray, urban: np.ndarray) -> np.ndarray:
    primary = np.where(urban, p["prices.outpatient.primary_urban"], p["prices.outpatient.primary_rural"])
    upper = np.where(alt == SECONDARY, p["prices.outpatient.secondary"], p["prices.outpatient.tertiary"])
    return np.where(alt == PRIMARY, primary, upper)


def _inpatient_price(p: dict, alt: np.ndarray, urban: np.ndarray) -> np.ndarray:
    primary = np.where(urban, p["prices.inpatient.primary_urban"], p["prices.inpatient.primary_rural"])
    drg = p["hospital.drg_price_factor"] if p["hospital.payment_mode"] == "drg" else 1.0
    upper = np.where(alt == SECONDARY, p["prices.inpatient.secondary"], p["prices.inpatient.tertiary"]) * drg
    return np.where(alt == PRIMARY, primary, upper)


def _rate(p: dict, inpatient: bool, alt, signed, employee, referred) -> np.ndarray:
    level = np.where(alt == PRIMARY, "primary", np.where(alt == SECONDARY, "secondary", "tertiary"))
    if inpatient:
        scheme = np.where(employee, "employee", "resident")
        base = np.array([p[f"reimbursement.inpatient.{s}.{lv}"] for s, lv in zip(scheme, level)])
        at_primary = np.array([p[f"reimbursement.inpatient.{s}.primary"] for s in scheme])
    else:
        base = np.array([p[f"reimbursement.outpatient.{lv}"] for lv in level])
        at_primary = np.full(alt.shape[0], p["reimbursement.outpatient.primary"])
    at_primary = at_primary + signed * p["reimbursement.signed_primary_bonus"]
    hospital = alt >= SECONDARY
    rate = np.where(hospital, base + referred * p["reimbursement.referral_bonus"], at_primary)
    if p["reimbursement.referral_settled_at_primary_rate"]:
        rate = np.where(hospital & referred & ~employee, np.maximum(rate, at_primary), rate)
    bound = signed if inpatient else _bound(p, signed, employee)  # wider scopes bind outpatient visits only
    rate = rate - (hospital & bound & ~referred) * _bypass_penalty(p, inpatient, alt)
    return np.clip(rate, 0.0, 1.0)


def _bound(p: dict, signed: np.ndarray, employee: np.ndarray) -> np.ndarray:
    """Residents the referral rules bind: signed ones, plus by scope resident-scheme members or everyone."""
    scope = p["referral.gatekeeping_scope"]
    return signed | (scope == "all_insured") | ((scope == "resident_scheme") & ~employee)


def _bypass_penalty(p: dict, inpatient: bool, alt: np.ndarray) -> np.ndarray:
    """The bypass penalty; an unreferred outpatient visit outside the 1+1+1 set under hard binding is not reimbursed."""
    hard_outside = (alt == OUTSIDE) & (p["referral.binding"] == "hard") & (not inpatient)
    return np.where(hard_outside, 1.0, p["reimbursement.bypass_penalty"])


def _bills(m: SandboxModel, p: dict, paid_so_far: np.ndarray) -> dict[str, float]:
    """This month's bills from ``m.ep`` after the month has run; ``paid_so_far`` is each resident's
    outpatient deductible paid earlier in the year, updated in place."""
    ep, r = m.ep, m.res
    urban, signed, employee = r.urban[ep.res], r.signed[ep.res], r.employee[ep.res]
    out = {}
    visit = np.isin(ep.kind, (MINOR, CHRONIC, REFERRED)) & (ep.alt >= PRIMARY)
    price = _outpatient_price(p, ep.alt[visit], urban[visit])
    annual = np.where(r.employee, p["deductible.outpatient.employee"], p["deductible.outpatient.resident"])
    annual = np.maximum(annual - r.signed * p["deductible.signed_relief"], 0.0)
    month_bills = np.bincount(ep.res[visit], weights=price, minlength=r.n)
    consumed = np.minimum(np.maximum(annual - paid_so_far, 0.0), month_bills)
    paid_so_far += consumed
    share = np.divide(consumed, month_bills, out=np.zeros(r.n), where=month_bills > 0)[ep.res[visit]]
    rate = _rate(p, False, ep.alt[visit], signed[visit], employee[visit], ep.referred[visit])
    out_fund = (price - price * share) * rate
    v_alt = ep.alt[visit]
    bypass = (
        (v_alt >= SECONDARY)
        & _bound(p, signed[visit], employee[visit])
        & ~ep.referred[visit]
        & (_bypass_penalty(p, False, v_alt) > 0)
    )
    out["visits_bypass"] = float(bypass.sum())
    out["oop_bypass"] = float((price - out_fund)[bypass].sum())
    adm = (ep.kind == SERIOUS) & (ep.alt != NONE)  # an elective admission delayed or forgone is not billed
    a_alt, a_ref = ep.alt[adm], ep.referred[adm]
    a_price = _inpatient_price(p, a_alt, urban[adm])
    a_ded = np.select(
        [a_alt == PRIMARY, a_alt == SECONDARY],
        [p["deductible.inpatient.primary"], p["deductible.inpatient.secondary"]],
        p["deductible.inpatient.tertiary"],
    )
    if p["deductible.cumulative_upward_referral"]:
        a_ded = np.where(a_ref & (a_alt >= SECONDARY), np.maximum(a_ded - p["deductible.inpatient.primary"], 0.0), a_ded)
    a_fund = (a_price - np.minimum(a_ded, a_price)) * _rate(p, True, a_alt, signed[adm], employee[adm], a_ref)
    rehab = ep.kind == REHAB
    r_price = (
        np.where(urban[rehab], p["prices.inpatient.primary_urban"], p["prices.inpatient.primary_rural"])
        * p["prices.rehab_share"]
        * p["referral.down_payment_premium"]
    )
    r_ded = 0.0 if p["deductible.no_second_for_downward"] else p["deductible.inpatient.primary"]
    n_rehab = int(rehab.sum())
    r_rate = _rate(p, True, np.full(n_rehab, PRIMARY), signed[rehab], employee[rehab], np.zeros(n_rehab, bool))
    r_fund = (r_price - np.minimum(r_ded, r_price)) * r_rate
    levels = {"primary": (PRIMARY,), "secondary": (SECONDARY,), "tertiary": (TERTIARY, OUTSIDE)}
    for lv, alts in levels.items():
        out[f"cost_outpatient_{lv}"] = float(price[np.isin(ep.alt[visit], alts)].sum())
        out[f"cost_inpatient_{lv}"] = float(a_price[np.isin(a_alt, alts)].sum())
        out[f"fund_outpatient_{lv}"] = float(out_fund[np.isin(ep.alt[visit], alts)].sum())
        out[f"fund_inpatient_{lv}"] = float(a_fund[np.isin(a_alt, alts)].sum())
    out["cost_rehab"], out["fund_rehab"] = float(r_price.sum()), float(r_fund.sum())
    out["care_cost"] = float(price.sum() + a_price.sum() + r_price.sum())
    out["fund_claims"] = float(out_fund.sum() + a_fund.sum() + r_fund.sum())
    out["oop"] = out["care_cost"] - out["fund_claims"]
    return out


RURAL_GATEKEEPING = {"referral.gatekeeping_scope": "resident_scheme", "reimbursement.bypass_penalty": 1.0}


@pytest.mark.parametrize(
    ("preset", "overrides"),
    [
        ("value_based_capitation", {}),
        ("hangzhou_2016", {}),
        ("hebei_county_alliance", {}),
        ("shanghai_1plus1plus1", {}),
        ("hebei_county_alliance", RURAL_GATEKEEPING),
    ],
)
def test_care_cost_fund_claims_and_out_of_pocket_are_rebuilt_from_the_episodes_prices_rates_and_deductibles(preset, overrides):
    """value_based_capitation: DRG prices, signed and referral bonuses, bypass penalty; hangzhou_2016:
    signed deductible relief, referrals settled at the primary rate; hebei: cumulative deductible for
    referred admissions, no second deductible downward; shanghai: hard binding (no reimbursement
    outside the set without referral); hebei with every resident-scheme member gatekept and nothing
    reimbursed without referral. The visits that bypass the gatekeeper and their out-of-pocket too."""
    m = SandboxModel(Scenario.preset(preset).with_overrides(overrides), residents=3_000, years=1, seed=4)
    paid_so_far = np.zeros(m.res.n)
    deductible_bound, rehab_cost = False, 0.0
    for month in range(12):
        p = m.scenario.params_at(month)
        m.step()
        row = m.rows[-1]
        want = _bills(m, p, paid_so_far)
        for key, value in want.items():
            assert row[key] == pytest.approx(value, rel=1e-9, abs=1e-6), f"{preset} month {month}: {key}"
        deductible_bound |= bool((paid_so_far > 0).any())
        rehab_cost += want["cost_rehab"]
    m.release()
    assert deductible_bound and rehab_cost > 0


def _closed_row() -> dict:
    row = {"month": 3, "care_cost": 100.0, "fund_claims": 60.0, "oop": 40.0, "fee_total": 0.0, "capability_total": 10.0}
    row.update({f"fee_{p}": 0.0 for p in PAYERS})
    row.update({f"capability_{i}": 0.0 for i in ("specialists", "drug_list", "equipment", "gp_training")})
    row.update({f"capability_paid_{q}": 0.0 for q in CAPABILITY_PAYERS})
    row["capability_equipment"] = 10.0
    row["capability_paid_hospital"] = 10.0
    return row


def test_the_ledger_check_rejects_a_month_whose_books_do_not_close():
    check_ledger(_closed_row())
    row = _closed_row()
    row["oop"] = 30.0
    with pytest.raises(LedgerError, match="care cost"):
        check_ledger(row)
    row = _closed_row()
    row["capability_paid_hospital"] = 9.0
    with pytest.raises(LedgerError, match="capability spending"):
        check_ledger(row)


@pytest.mark.parametrize("preset", ["hebei_county_alliance", "zhenjiang_medical_group"])
def test_every_yuan_of_primary_care_rehabilitation_included_is_received_by_a_family_doctor_team(preset):
    # the teams' yearly service incomes add up to the year's primary-level bills: visits, admissions
    # and the rehabilitation of patients referred down (paid at the down-referral premium), which
    # before was paid by the fund and patients and received by no provider
    res = run(preset, residents=10_000, years=2, seed=4)
    for year in (1, 2):
        months = res.timeseries[res.timeseries.year == year]
        bills = months[["cost_outpatient_primary", "cost_inpatient_primary", "cost_rehab"]].to_numpy().sum()
        received = res.teams[res.teams.year == year].service_income.sum()
        assert months.cost_rehab.sum() > 0
        assert received == pytest.approx(bills, rel=1e-9)
