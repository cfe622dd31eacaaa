"""Phase 7, settlement: money moves between payers and providers.

Monthly: premiums reach the fund; signing fees are paid to teams by their payers; hospitals update
their utilisation (next month's waits). At the end of each contract year (month 12, 24, ...):
team budgets settle (surplus retained / overrun shared), alliance global budgets settle, teams earn
bonuses, and teams adapt effort and referral toward what pays under the rules in force.

Primary-care capability (:func:`build_capability`): every month the capability levers in force cost
their payers (specialists' sessions, the matched drug list, equipment and tests, GP training), and
each team's capability and drug list move part of the way (``behaviour.capability_build``) toward
what those levers fund, so a reform's capability is built over months, not in month 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import CAPABILITY_ITEMS, CAPABILITY_PAYERS, PAYERS
from ..population import N_CELLS, cell_attribute
from .illness import ADMIT_AGE
from .signing import fee_per_resident, payer_shares

if TYPE_CHECKING:
    from ..model import SandboxModel

EFFORT_GRID = np.linspace(0.0, 1.0, 21)

READS = (
    "n_employee",
    "n_chronic",
    "res.age_band",
    "res.chronic",
    "res.controlled",
    "res.followups",
    "res.signed",
    "res.team",
    "res.tier",
    "res_cell",
    "yr",
    "team_year",
    "year_fund_per_admission",
    "acc.fund_claims",
    "hospitals.bound",
    "hospitals.capacity",
    "hospitals.fund_claims_year",
    "hospitals.month_visits",
    "hospitals.prev_fund_claims_year",
    "teams.effort",
    "teams.fee_income",
    "teams.index",
    "teams.prev_upper_admissions_per_signed",
    "teams.up_rate",
    "teams.capability",
    "teams.drug_list",
    "levers.behaviour",
    "levers.capability",
    "levers.bonus",
    "levers.budget",
    "levers.fund",
    "levers.hospital",
    "levers.referral",
    "levers.signing",
    "levers.team",
)
ACC_KEYS = (
    ("premiums", "fee_total")
    + tuple(f"fee_{payer}" for payer in PAYERS)
    + (
        "fund_bonus",
        "fund_team_surplus",
        "fund_alliance_surplus",
    )
    + tuple(f"capability_{item}" for item in CAPABILITY_ITEMS)
    + ("capability_total",)
    + tuple(f"capability_paid_{payer}" for payer in CAPABILITY_PAYERS)
    + ("fund_spending",)
)
WRITES = (
    "fund.balance",
    "hospitals.utilisation",
    "hospitals.settlement_income",
    "teams.fee_income",
    "teams.service_income",
    "teams.bonus_income",
    "teams.surplus_income",
    "teams.effort",
    "teams.up_rate",
    "teams.prev_upper_admissions_per_signed",
    "teams.capability",
    "teams.drug_list",
) + tuple(f"acc.{k}" for k in ACC_KEYS)


def run(m: SandboxModel) -> None:
    """Reads: residents' contract, tier, team, chronic, (at year end) age band, controlled, follow-ups and cell; acc fund_claims, fee_fund; m.yr, m.team_year, m.year_fund_per_admission; hospitals' month_visits and claims; teams' fees, effort, up_rate, capability, drug_list; levers fund.premium.*, signing.*, budget.*, bonus.*, hospital.*, team.*, behaviour.*, capability.*. Writes: acc premiums, fee_*, fund_bonus, fund_team_surplus, fund_alliance_surplus, capability_*, fund_spending; fund.balance; hospitals' utilisation, settlement_income; teams' incomes, effort, up_rate, capability, drug_list.

    Every month: premiums, signing fees (to teams, split by payer), hospital utilisation, the cost of
    the capability levers and the teams' capability (:func:`build_capability`). In the last month of
    a contract year also :func:`settle_year`. Then the fund pays this month's spending."""
    r, p, a = m.res, m.p, m.acc
    # premiums
    n_emp = m.n_employee
    a["premiums"] = (n_emp * p["fund.premium.employee"] + (r.n - n_emp) * p["fund.premium.resident"]) / 12.0
    # signing fees, monthly twelfths, split by payer (computed per tier: three numbers, not n)
    tier_fee = fee_per_resident(p, np.arange(3)) / 12.0
    shares = payer_shares(p)
    signed_tier = r.tier[r.signed]
    per_tier = np.bincount(signed_tier, minlength=3) * tier_fee
    a["fee_total"] = float(per_tier.sum())
    for k, payer in enumerate(PAYERS):
        a[f"fee_{payer}"] = float((per_tier * shares[:, k]).sum())
    team_fees = np.bincount(r.team[r.signed], weights=tier_fee[signed_tier], minlength=len(m.teams))
    for tm in m.teams:
        tm.fee_income += float(team_fees[tm.index])
    # hospital congestion -> next month's expected waits
    for h in m.hospitals:
        h.utilisation = h.month_visits / max(h.capacity, 1.0)
    for key in ("fund_bonus", "fund_team_surplus", "fund_alliance_surplus"):
        a[key] = 0.0
    build_capability(m)
    if m.month % 12 == 11:
        settle_year(m)
    a["fund_spending"] = (
        a["fund_claims"]
        + a["fee_fund"]
        + a["fund_bonus"]
        + a["fund_team_surplus"]
        + a["fund_alliance_surplus"]
        + a["capability_paid_fund"]
    )
    m.fund.balance += a["premiums"] - a["fund_spending"]


def capability_costs(p: dict, residents: int, chronic: int, teams: int) -> dict[str, float]:
    """This month's cost of each capability lever in force, yuan: specialists' FTE times their cost,
    the matched share of the drug list times its cost per chronic patient, equipment and tests per
    resident, and trained GPs (one per team) times their cost; a twelfth of the yearly figures."""
    return {
        "specialists": p["capability.specialists"] * residents / 10_000 * p["capability.specialist_cost"] / 12.0,
        "drug_list": p["capability.drug_list"] * chronic * p["capability.drug_list_cost"] / 12.0,
        "equipment": p["capability.equipment"] * residents / 12.0,
        "gp_training": p["capability.gp_training"] * teams * p["capability.gp_training_cost"] / 12.0,
    }


def capability_target(p: dict) -> float:
    """The capability the levers in force fund: the share of the district hospital's quality
    advantage that primary care closes, from specialists' sessions, equipment and tests and GP
    training (each times its behavioural weight), at most 1 (primary care as good as the district
    hospital)."""
    closed = (
        p["behaviour.capability_specialists"] * p["capability.specialists"]
        + p["behaviour.capability_equipment"] * p["capability.equipment"]
        + p["behaviour.capability_training"] * p["capability.gp_training"]
    )
    return min(closed, 1.0)


def build_capability(m: SandboxModel) -> None:
    """The capability levers' cost this month, by lever and by payer (``capability_*`` of the row;
    the fund's part is fund spending, the lead hospital's is borne out of its revenue), and each
    team's capability and drug list a step ``behaviour.capability_build`` toward what the levers
    fund (every team the same target: the levers are district-wide)."""
    p, a = m.p, m.acc
    cost = capability_costs(p, m.res.n, m.n_chronic, len(m.teams))
    for payer in CAPABILITY_PAYERS:
        a[f"capability_paid_{payer}"] = 0.0
    for item in CAPABILITY_ITEMS:
        a[f"capability_{item}"] = cost[item]
        a[f"capability_paid_{p[f'capability.{item}_payer']}"] += cost[item]
    a["capability_total"] = sum(cost.values())
    speed = p["behaviour.capability_build"]
    target, drugs = capability_target(p), p["capability.drug_list"]
    for tm in m.teams:
        if tm.capability != target:
            tm.capability += speed * (target - tm.capability)
        if tm.drug_list != drugs:
            tm.drug_list += speed * (drugs - tm.drug_list)


def settle_year(m: SandboxModel) -> None:
    """The contract year's settlement: team budgets (risk-adjusted by tier and age band), bonuses,
    global budgets of the hospitals in scope, the teams' incomes for the year, then adaptation
    (:func:`adapt`). The model closes the year's books afterwards (``SandboxModel.close_year``)."""
    r, p, a, ty = m.res, m.p, m.acc, m.team_year
    nt = len(m.teams)
    teams = r.team
    signed = r.signed
    # --- team budgets: risk-adjusted yardstick by (tier, age band) ---
    tier_age_of_cell = np.where(cell_attribute("disabled") == 1, 2, cell_attribute("chronic")) * 4 + cell_attribute("age_band")
    residents_per_cell = np.bincount(m.res_cell, minlength=N_CELLS)
    fund_ta = np.bincount(tier_age_of_cell, weights=m.yr.fund, minlength=12)
    n_ta = np.bincount(tier_age_of_cell, weights=residents_per_cell, minlength=12)
    cell_mean = fund_ta / np.maximum(n_ta, 1)
    expected = cell_mean[r.tier.astype(np.int64) * 4 + r.age_band]
    budget = np.bincount(teams[signed], weights=expected[signed], minlength=nt) * (1 + p["budget.team_growth"])
    surplus = budget - ty.fund_signed
    n_signed = np.bincount(teams[signed], minlength=nt)
    payout = np.zeros(nt)
    if p["budget.team_enabled"]:
        payout = np.where(surplus >= 0, surplus * p["budget.team_surplus_share"], surplus * p["budget.team_overrun_share"])
        payout[n_signed == 0] = 0.0
    a["fund_team_surplus"] = float(payout.sum())
    # --- bonuses ---
    chronic_signed = r.chronic & signed
    n_cs = np.bincount(teams[chronic_signed], minlength=nt)
    ctrl = np.bincount(teams[chronic_signed & r.controlled], minlength=nt) / np.maximum(n_cs, 1)
    cost_ok = ty.fund_signed <= budget
    bonus = np.zeros(nt)
    fees = np.array([tm.fee_income for tm in m.teams])
    ok = (ctrl >= p["bonus.control_threshold"]) & cost_ok & (n_cs > 0)
    bonus += np.where(ok, p["bonus.control_rate"] * fees, 0.0)
    upper_rate = ty.upper_adm_signed / np.maximum(n_signed, 1)
    for tm in m.teams:
        prev = tm.prev_upper_admissions_per_signed
        i = tm.index
        if prev is not None and prev > 0 and upper_rate[i] <= prev * (1 - p["bonus.admission_drop_threshold"]):
            bonus[i] += p["bonus.admission_drop_rate"] * ty.fund_referred[i]
        tm.prev_upper_admissions_per_signed = float(upper_rate[i]) if n_signed[i] > 0 else None
    a["fund_bonus"] = float(bonus.sum())
    # --- alliance / hospital global budgets ---
    a["fund_alliance_surplus"] = 0.0
    scope = [h for h in m.hospitals if h.bound] if p["hospital.alliance"] else list(m.hospitals)
    for h in m.hospitals:
        h.settlement_income = 0.0
    if p["hospital.payment_mode"] == "global_budget":
        for h in scope:
            if h.prev_fund_claims_year is not None:
                b = h.prev_fund_claims_year * (1 + p["budget.global_growth"])
                diff = b - h.fund_claims_year
                share = p["budget.global_surplus_retained"] if diff >= 0 else p["budget.global_overrun_hospital"]
                h.settlement_income = diff * share
                a["fund_alliance_surplus"] += h.settlement_income
    # --- team incomes for the year, then adaptation ---
    for tm in m.teams:
        i = tm.index
        tm.service_income = float(ty.service[i])
        tm.bonus_income = float(bonus[i])
        tm.surplus_income = float(payout[i])
    adapt(m, surplus, fees, n_cs, upper_adm=ty.upper_adm_signed, referred_spending=ty.fund_referred)


def adapt(
    m: SandboxModel,
    surplus: np.ndarray,
    fees: np.ndarray,
    n_cs: np.ndarray,
    upper_adm: np.ndarray,
    referred_spending: np.ndarray,
) -> None:
    """Each team moves its effort and upward-referral rate part of the way toward what pays (the
    referral rate also sets the share of patients' referral requests the team grants,
    :func:`~sandbox.phases.care.grant_probability`)."""
    r, p = m.res, m.p
    c0, c1 = p["behaviour.control_without_followup"], p["behaviour.control_with_followup"]
    cost = p["team.effort_cost"]
    intrinsic = 2 * cost * p["team.initial_effort"]  # with no money at stake teams keep their initial effort
    adm_cost = m.year_fund_per_admission
    saving_per_controlled = (
        (p["behaviour.uncontrolled_admission_multiplier"] - 1) * p["behaviour.admission_rate"] * 1.2 * ADMIT_AGE[3] * adm_cost
    )
    need = 1 if p["referral.long_prescriptions"] else 2
    chronic_signed = r.chronic & r.signed
    reg = np.bincount(r.team[chronic_signed & (r.followups >= need)], minlength=len(m.teams)) / np.maximum(n_cs, 1)
    speed = p["team.adaptation"]
    for tm in m.teams:
        i = tm.index
        if n_cs[i] == 0:
            continue
        ctrl = c0 + (c1 - c0) * EFFORT_GRID * reg[i]
        value = (intrinsic * EFFORT_GRID - cost * EFFORT_GRID**2) * n_cs[i]
        if p["budget.team_enabled"]:
            share = p["budget.team_surplus_share"] if surplus[i] >= 0 else p["budget.team_overrun_share"]
            value += share * ctrl * saving_per_controlled * n_cs[i]
        value += np.where(ctrl >= p["bonus.control_threshold"], p["bonus.control_rate"] * fees[i], 0.0)
        if p["bonus.admission_drop_rate"] and upper_adm[i] > 0:
            # next year's higher-level admissions if control moves from today's effort to e: each
            # controlled patient avoids saving_per_controlled / adm_cost admissions a year
            now = c0 + (c1 - c0) * tm.effort * reg[i]
            expected = upper_adm[i] - (ctrl - now) * n_cs[i] * saving_per_controlled / max(adm_cost, 1e-9)
            drop = expected <= upper_adm[i] * (1 - p["bonus.admission_drop_threshold"])
            value += np.where(drop, p["bonus.admission_drop_rate"] * referred_spending[i], 0.0)
        best = float(EFFORT_GRID[int(np.argmax(value))])
        tm.effort += speed * (best - tm.effort)
        target = p["referral.team_up_rate"]
        if p["budget.team_enabled"]:
            # a referral costs the team its share of the spending: the surplus share it keeps, or the
            # overrun share it bears, by the sign of this year's surplus (as for effort above)
            share = p["budget.team_surplus_share"] if surplus[i] >= 0 else p["budget.team_overrun_share"]
            target *= 1 - 0.6 * share
        tm.up_rate += speed * (target - tm.up_rate)
