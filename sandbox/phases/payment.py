"""Phase 5, payment: every episode's bill is split between the fund and the patient.

Outpatient bills first consume what is left of the resident's annual deductible (a resident's
visits in one month share it pro rata to their prices), then the fund pays ``rate`` of the rest. Admissions pay the per-admission
deductible of their level (cumulative for referred admissions if enabled). Rehabilitation after a
downward referral is billed at ``rehab_share`` of a primary admission times ``down_payment_premium``
and reimbursed at the primary inpatient rate (no new deductible if enabled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..population import N_CELLS
from .common import (
    CHRONIC,
    LEVEL_OF_ALT,
    NONE,
    OUTSIDE,
    PRIMARY,
    REHAB,
    RURAL_URBAN,
    SECONDARY,
    SERIOUS,
    TERTIARY,
    Episodes,
    bypass_penalties,
    gatekept,
    inpatient_deductibles,
    inpatient_prices,
    outpatient_deductible_left,
    outpatient_prices,
    rate_at,
)

if TYPE_CHECKING:
    from ..model import SandboxModel

READS = (
    "ep",
    "res_cell",
    "res.age_band",
    "res.condition",
    "res.deductible_paid",
    "res.diabetes",
    "res.disabled",
    "res.employee",
    "res.hypertension",
    "res.quintile",
    "res.signed",
    "res.team",
    "res.urban",
    "hospitals.alt",
    "levers.deductible",
    "levers.hospital",
    "levers.prices",
    "levers.referral",
    "levers.reimbursement",
)
# the month's flows: visits, admissions, costs and fund claims by level, referrals, care cost, fund claims, oop
ACC_KEYS = tuple(
    f"{measure}_{lv}"
    for lv in ("primary", "secondary", "tertiary")
    for measure in (
        "visits",
        "admissions",
        "cost_outpatient",
        "cost_inpatient",
        "fund_outpatient",
        "fund_inpatient",
        "visits_signed",
    )
) + (
    "visits_outside_tertiary",
    "visits_followup",
    "visits_followup_primary",
    "visits_followup_hypertension",
    "visits_followup_hypertension_primary",
    "visits_followup_diabetes",
    "visits_followup_diabetes_primary",
    "visits_60plus",
    "visits_60plus_primary",
    "visits_unreferred_tertiary",
    "visits_signed",
    "visits_unsigned",
    "visits_unsigned_primary",
    "episodes_no_care",
    "cost_rehab",
    "fund_rehab",
    "referrals_up",
    "referrals_up_signed",
    "referrals_down",
    "referrals_asked",
    "referrals_granted",
    "referrals_refused",
    "referrals_refused_direct",
    "visits_bypass",
    "oop_bypass",
    "care_cost",
    "fund_claims",
    "oop",
)
WRITES = (
    "res.deductible_paid",
    "res.cost_year",
    "res.oop_year",
    "res_cell",
    "yr",
    "team_year",
    "ip_year",
    "hospitals.month_revenue",
    "hospitals.month_visits",
    "hospitals.fund_claims_year",
) + tuple(f"acc.{k}" for k in ACC_KEYS)


def _pick(mat: np.ndarray, alt: np.ndarray) -> np.ndarray:
    return np.take_along_axis(mat, alt[:, None].astype(np.int64), axis=1)[:, 0]


def _pick_price(table: np.ndarray, urban: np.ndarray, alt: np.ndarray) -> np.ndarray:
    """Price at the chosen alternative from a (rural/urban, 5) price table."""
    return table[urban.astype(np.int64), alt.astype(np.int64)]


def _bincount(idx: np.ndarray, w: np.ndarray | None, n: int) -> np.ndarray:
    return np.bincount(idx, weights=w, minlength=n).astype(np.float64)


def run(m: SandboxModel) -> None:
    """Reads: m.ep (with choices and referrals); residents' contract, scheme, area, conditions, deductible paid and population cell; levers prices.*, reimbursement.*, deductible.*, referral.down_payment_premium, referral.binding, referral.gatekeeping_scope, hospital.*. Writes: res.deductible_paid, res.cost_year, res.oop_year; acc visits, admissions, costs and fund claims by level, referrals (up, down, asked, granted, refused), visits bypassing the gatekeeper and their out-of-pocket, care_cost, fund_claims, oop; m.yr, m.team_year, m.ip_year; hospitals' month_revenue, month_visits, fund_claims_year.

    Every episode is priced, the fund's share computed as in the module docstring, and the month's
    and the year's sums updated (:func:`accumulate`)."""
    ep, r, p = m.ep, m.res, m.p
    n_ep = ep.n
    price = np.zeros(n_ep)
    fund = np.zeros(n_ep)
    signed, employee, urban = r.signed[ep.res], r.employee[ep.res], r.urban[ep.res]

    # outpatient visits (including referred visits); the month's visits of a resident consume what is
    # left of the annual deductible pro rata to their prices
    op = (ep.alt >= PRIMARY) & (ep.kind != SERIOUS) & (ep.kind != REHAB)
    oi = np.flatnonzero(op)
    ores = ep.res[oi]
    oalt = ep.alt[oi]
    oprice = _pick_price(outpatient_prices(p, RURAL_URBAN), urban[oi], oalt)
    orate = rate_at(p, False, oalt, signed[oi], employee[oi], ep.referred[oi])
    month_total = _bincount(ores, oprice, r.n)
    who = np.flatnonzero(month_total > 0)  # residents with a visit this month
    total = month_total[who]
    consumed = np.minimum(outpatient_deductible_left(p, r.signed[who], r.employee[who], r.deductible_paid[who]), total)
    frac = np.zeros(r.n)
    frac[who] = consumed / total
    ded = oprice * frac[ores]
    price[oi] = oprice
    fund[oi] = (oprice - ded) * orate
    r.deductible_paid[who] += consumed

    # admissions
    ai = np.flatnonzero(ep.kind == SERIOUS)
    aalt = ep.alt[ai]
    aprice = _pick_price(inpatient_prices(p, RURAL_URBAN), urban[ai], aalt)
    ref = ep.referred[ai]
    arate = rate_at(p, True, aalt, signed[ai], employee[ai], ref)
    aded = np.minimum(_pick(inpatient_deductibles(p, ref), aalt), aprice)
    price[ai] = aprice
    fund[ai] = (aprice - aded) * arate

    # rehabilitation after downward referral
    ri = np.flatnonzero(ep.kind == REHAB)
    base = np.where(urban[ri], p["prices.inpatient.primary_urban"], p["prices.inpatient.primary_rural"])
    rprice = base * p["prices.rehab_share"] * p["referral.down_payment_premium"]
    rrate = rate_at(p, True, PRIMARY, signed[ri], employee[ri], np.zeros(ri.shape[0], bool))
    rded = 0.0 if p["deductible.no_second_for_downward"] else p["deductible.inpatient.primary"]
    rded = np.minimum(rded, rprice)
    price[ri] = rprice
    fund[ri] = (rprice - rded) * rrate

    oop = price - fund
    accumulate(m, op, price, fund, oop)


# Each episode falls in one cell: alternative (5) x service (0 no care, 1 outpatient, 2 admission,
# 3 rehabilitation) x signed x referred. One bincount per measure over the cells gives every monthly
# aggregate, instead of dozens of masked reductions over all episodes.
_ALT, _SVC, _SIGNED, _REF = 5, 4, 2, 2
_N_CELLS = _ALT * _SVC * _SIGNED * _REF


def _cells(ep: Episodes, op: np.ndarray, signed: np.ndarray) -> np.ndarray:
    svc = np.where(op, 1, 0) + 2 * (ep.kind == SERIOUS) + 3 * (ep.kind == REHAB)
    return ((ep.alt.astype(np.int64) * _SVC + svc) * _SIGNED + signed) * _REF + ep.referred


def accumulate(m: SandboxModel, op: np.ndarray, price: np.ndarray, fund: np.ndarray, oop: np.ndarray) -> None:
    """The month's flows into ``m.acc``, the hospitals' month and year figures, and the yearly sums
    by population cell (``m.yr``), by team (``m.team_year``) and of admissions (``m.ip_year``), from
    each episode's bill ``price``, fund share ``fund`` and out-of-pocket ``oop``; ``op`` marks
    outpatient visits."""
    ep, r = m.ep, m.res
    a = m.acc
    level = LEVEL_OF_ALT[ep.alt]
    adm = ep.kind == SERIOUS
    signed = r.signed[ep.res]
    cell = _cells(ep, op, signed)
    shape = (_ALT, _SVC, _SIGNED, _REF)
    cnt = np.bincount(cell, minlength=_N_CELLS).reshape(shape).astype(np.float64)
    cost = np.bincount(cell, weights=price, minlength=_N_CELLS).reshape(shape)
    paid = np.bincount(cell, weights=fund, minlength=_N_CELLS).reshape(shape)
    alts = {"primary": [PRIMARY], "secondary": [SECONDARY], "tertiary": [TERTIARY, OUTSIDE]}
    for name, js in alts.items():
        a[f"visits_{name}"] = float(cnt[js, 1].sum())
        a[f"admissions_{name}"] = float(cnt[js, 2].sum())
        a[f"cost_outpatient_{name}"] = float(cost[js, 1].sum())
        a[f"cost_inpatient_{name}"] = float(cost[js, 2].sum())
        a[f"fund_outpatient_{name}"] = float(paid[js, 1].sum())
        a[f"fund_inpatient_{name}"] = float(paid[js, 2].sum())
        a[f"visits_signed_{name}"] = float(cnt[js, 1, 1].sum())
    a["visits_outside_tertiary"] = float(cnt[OUTSIDE, 1].sum())
    followup = op & (ep.kind == CHRONIC)  # chronic patients' follow-up visits (referred visits aside)
    a["visits_followup"] = float(np.count_nonzero(followup))
    a["visits_followup_primary"] = float(np.count_nonzero(followup & (level == 1)))
    # the same by condition (a patient with both counts under each), as the seeds report them apart
    elderly = op & (r.age_band[ep.res] == 3)  # residents aged 60+ (seed 004 reports their visits)
    a["visits_60plus"] = float(np.count_nonzero(elderly))
    a["visits_60plus_primary"] = float(np.count_nonzero(elderly & (level == 1)))
    fu = np.flatnonzero(followup)
    fu_res, fu_primary = ep.res[fu], level[fu] == 1
    for name, has in (("hypertension", r.hypertension), ("diabetes", r.diabetes)):
        mine = has[fu_res]
        a[f"visits_followup_{name}"] = float(np.count_nonzero(mine))
        a[f"visits_followup_{name}_primary"] = float(np.count_nonzero(mine & fu_primary))
    a["visits_unreferred_tertiary"] = float(cnt[[TERTIARY, OUTSIDE], 1, :, 0].sum())
    a["visits_signed"] = float(cnt[:, 1, 1].sum())
    a["visits_unsigned"] = float(cnt[:, 1, 0].sum())
    a["visits_unsigned_primary"] = a["visits_primary"] - a["visits_signed_primary"]
    a["episodes_no_care"] = float(cnt[NONE, 0].sum())
    a["cost_rehab"] = float(cost[:, 3].sum())
    a["fund_rehab"] = float(paid[:, 3].sum())
    a["referrals_up"] = float(cnt[:, 1:3, :, 1].sum())
    a["referrals_up_signed"] = float(cnt[:, 1:3, 1, 1].sum())
    a["referrals_down"] = float(cnt[:, 3].sum())  # each downward referral is one rehabilitation episode
    # patients' referral requests (care-seeking) and visits that bypass the gatekeeper at a penalty
    asked, referred = ep.asked, ep.referred
    a["referrals_asked"] = float(np.count_nonzero(asked))
    a["referrals_granted"] = float(np.count_nonzero(asked & referred))
    a["referrals_refused"] = a["referrals_asked"] - a["referrals_granted"]
    a["referrals_refused_direct"] = float(np.count_nonzero(asked & ~referred & (ep.alt >= SECONDARY)))
    penalised = bypass_penalties(m.p, False)[ep.alt] > 0
    bypass = op & ~referred & penalised & gatekept(m.p, signed, r.employee[ep.res])
    a["visits_bypass"] = float(np.count_nonzero(bypass))
    a["oop_bypass"] = float(oop[bypass].sum())
    m.ip_year.fund += float(paid[:, 2].sum())
    m.ip_year.admissions += int(cnt[PRIMARY:, 2].sum())  # elective admissions not taken (alternative none) aside
    a["care_cost"] = float(cost.sum())
    a["fund_claims"] = float(paid.sum())
    a["oop"] = float(oop.sum())  # summed independently of the cells, so the ledger check means something
    for h in m.hospitals:
        h.month_revenue = float(cost[h.alt, 1:3].sum())
        h.fund_claims_year += float(paid[h.alt, 1:3].sum())
        h.month_visits = float(cnt[h.alt, 1].sum())

    # yearly sums by population cell (for results by group and risk-adjusted team budgets)
    if m.res_cell is None or m.month % 12 == 0:
        m.res_cell = r.cells()
    y = m.yr
    cell = m.res_cell[ep.res]
    # masks enter as weights: a bincount over all episodes is faster than one over a masked subset
    prim_visit = op & (level == 1)
    y.visits += _bincount(cell, op, N_CELLS)
    y.visits_primary += _bincount(cell, prim_visit, N_CELLS)
    y.admissions += _bincount(cell, adm & (ep.alt != NONE), N_CELLS)
    y.oop += _bincount(cell, oop, N_CELLS)
    y.fund += _bincount(cell, fund, N_CELLS)
    y.cost += _bincount(cell, price, N_CELLS)

    # each resident's cost of care and out-of-pocket this year (within-person change of new signers)
    r.cost_year += _bincount(ep.res, price, r.n).astype(np.float32)
    r.oop_year += _bincount(ep.res, oop, r.n).astype(np.float32)

    # per-team yearly figures for its signed residents (budgets and bonuses)
    nt = len(m.teams)
    team = r.team[ep.res]
    t = m.team_year
    t.fund_signed += _bincount(team, fund * signed, nt)
    t.upper_adm_signed += _bincount(team, adm & signed & (level >= 2), nt)
    t.fund_referred += _bincount(team, fund * (ep.referred & signed), nt)
    # every primary-level bill is the team's (its centre's) receipt, rehabilitation after downward
    # referral included: the team is the provider the down-referral premium pays
    t.service += _bincount(team, price * (level == 1), nt)
