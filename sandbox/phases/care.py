"""Phase 3, care-seeking: each episode chooses where to go by a multinomial logit.

For an outpatient episode the alternatives are no care, primary (own team if signed), the district
(secondary) hospital, the city (tertiary) hospital in the resident's 1+1+1 set, and an outside
tertiary hospital (available when the resident prefers a famous hospital, share ``famous_share``)::

    U_j = - beta_oop * OOP_j / (100 * income_factor) - beta_travel * travel_j
          + quality_j * severity - beta_wait * wait_j
          + trust * effort * [j = primary, signed] + habit * [level_j = last level]
          + perceived * quality_secondary * severity * [j = primary]
          + refill * drug_list * [j = primary, chronic follow-up, long prescriptions]

where ``perceived`` is the resident's perceived quality of primary care (a share of the district
hospital's quality advantage, built by experience: phases.experience; 0 in today's model) and
``drug_list`` the share of the hospitals' chronic drug list the catchment team can prescribe, so
long prescriptions make primary care the place of refills (``behaviour.refill_advantage``),

and the choice is drawn from the logit probabilities exp(U_j) / sum_k exp(U_k) by inverse CDF with
one uniform per resident-month-episode from the ``choice`` stream (common random numbers).

Residents bound by the referral rules (``referral.gatekeeping_scope``) may ask their family doctor
for a referral to a hospital; the doctor grants it with a probability that falls with the team's
incentive to hold patients; a refused patient goes direct at the penalised price or stays at
primary (:func:`_outpatient_choice`).

Admissions choose among the four providers the same way, with out-of-pocket cost per 1,000 yuan.
Signed residents' admissions pass through their family doctor (and so count as referred) with a
probability equal to the team's effort.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..population import INCOME_FACTOR
from .common import (
    CHRONIC,
    COMBO_EMPLOYEE,
    COMBO_REFERRED,
    COMBO_SIGNED,
    N_ALTS,
    NONE,
    OUTSIDE,
    P_GRANT,
    P_OUTSIDE_AVAIL,
    P_REFUSED,
    P_TASTE,
    P_VIA_FD,
    PRIMARY,
    RURAL_URBAN,
    SECONDARY,
    SERIOUS,
    TERTIARY,
    combo_code,
    gatekept,
    inpatient_deductibles,
    inpatient_prices,
    oop_of,
    outpatient_deductible_left,
    outpatient_prices,
    rates,
    rates_rows,
)

if TYPE_CHECKING:
    from ..model import SandboxModel

READS = (
    "ep",
    "quality_on",
    "res.deductible_paid",
    "res.employee",
    "res.last_level",
    "res.perceived_quality",
    "res.quintile",
    "res.signed",
    "res.team",
    "res.travel",
    "res.urban",
    "teams.effort",
    "teams.drug_list",
    "teams.up_rate",
    "hospitals.alt",
    "hospitals.level",
    "hospitals.utilisation",
    "_travel_utility",
    "levers.behaviour",
    "levers.capacity",
    "levers.deductible",
    "levers.hospital",
    "levers.prices",
    "levers.referral",
    "levers.reimbursement",
)
WRITES = ("ep", "_travel_utility")

SEVERITY = {"minor": 1.0, "chronic": 0.6, "serious": 1.5}


def waits(m: SandboxModel, referred: np.ndarray) -> np.ndarray:
    """Expected wait in days from last month's congestion: a (5,) vector, or (n, 5) when some
    patients are referred (their wait is shortened by the priority-slot cut)."""
    w = np.zeros(N_ALTS)
    base = m.p["capacity.base_wait_days"]
    for h in m.hospitals:
        w[h.alt] = h.wait_days(base)
    if not referred.any():
        return w
    return w[None, :] * np.where(referred, 1.0 - m.p["referral.priority_wait_cut"], 1.0)[:, None]


ALT_OF_LEVEL = np.array([0, PRIMARY, SECONDARY, TERTIARY], dtype=np.int64)
N_QUINTILES = INCOME_FACTOR.shape[0]


def type_code(
    signed: np.ndarray,
    employee: np.ndarray,
    referred: np.ndarray,
    urban: np.ndarray,
    quintile: np.ndarray,
    chronic: np.ndarray | None,
) -> np.ndarray:
    """The episode's type: everything but travel, deductible left, team, habit and taste that the
    utility depends on, as ``signed + 2 employee + 4 referred + 8 urban + 16 quintile + 80 chronic``
    (the row of :func:`utility_table`)."""
    code = combo_code(signed, employee, referred).astype(np.int16) + 8 * urban + 16 * quintile.astype(np.int16)
    if chronic is not None:
        code += 80 * chronic
    return code


def utility_table(m: SandboxModel, inpatient: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Utility of each alternative for each episode type (160 rows, see :func:`type_code`) with the
    deductible still to pay set to zero (outpatient) or to the admission's deductible (inpatient).

    Returns ``(table, price, weighted_rate)``, each (160, 5) by type: the utilities, the prices and
    the fund rates times the out-of-pocket weight of the type's income quintile (the last two for
    the deductible correction). Out-of-pocket is ``price * (1 - rate) + deductible * rate`` with
    ``deductible = min(price, deductible left)``, i.e. :func:`~.common.oop_of` rearranged."""
    p = m.p
    combo_rate = rates_rows(p, inpatient, COMBO_SIGNED, COMBO_EMPLOYEE, COMBO_REFERRED)  # (8, 5)
    rate = np.concatenate([combo_rate, combo_rate])  # (16, 5): rows signed + 2 employee + 4 referred + 8 urban
    prices = inpatient_prices(p, RURAL_URBAN) if inpatient else outpatient_prices(p, RURAL_URBAN)
    price = np.repeat(prices, 8, axis=0)
    oop = price * (1.0 - rate)
    referred = np.concatenate([COMBO_REFERRED, COMBO_REFERRED])
    if inpatient:
        oop += np.minimum(price, inpatient_deductibles(p, referred)) * rate
        weight = p["behaviour.beta_oop_inpatient"] / 1000.0
    else:
        weight = p["behaviour.beta_oop"] / 100.0
    scale = weight / INCOME_FACTOR  # (5,)
    q = np.array([0.0, 0.0, p["behaviour.quality_secondary"], p["behaviour.quality_tertiary"], 0.0])
    q[OUTSIDE] = q[TERTIARY] + 0.3
    severity = np.array([SEVERITY["serious"]] * 2) if inpatient else np.array([SEVERITY["minor"], SEVERITY["chronic"]])
    wait = waits(m, np.array([False, True]))  # (2, 5): rows not referred, referred
    table = (
        -scale[None, :, None, None] * oop[None, None, :, :]
        + (severity[:, None] * q[None, :])[:, None, None, :]
        - p["behaviour.beta_wait"] * wait[referred.astype(np.int8)][None, None, :, :]
    )
    n_types = 2 * N_QUINTILES * 16
    weighted_rate = np.broadcast_to(scale[None, :, None, None] * rate[None, None, :, :], (2, N_QUINTILES, 16, N_ALTS))
    price_by_type = np.broadcast_to(price[None, None, :, :], (2, N_QUINTILES, 16, N_ALTS))
    return table.reshape(n_types, N_ALTS), price_by_type.reshape(n_types, N_ALTS), weighted_rate.reshape(n_types, N_ALTS)


def travel_utility(m: SandboxModel) -> np.ndarray:
    """(residents, 5) utility of the trip to each alternative, ``-beta_travel * minutes`` (0 for no
    care), kept on the model and recomputed only when ``beta_travel`` changes (travel times are fixed)."""
    beta = m.p["behaviour.beta_travel"]
    cached = m._travel_utility
    if cached is None or cached[0] != beta:
        tu = np.zeros((m.res.n, N_ALTS))
        tu[:, PRIMARY:] = -beta * m.res.travel.astype(np.float64)
        cached = (beta, tu)
        m._travel_utility = cached
    return cached[1]


def utilities(
    m: SandboxModel, res: np.ndarray, inpatient: bool, chronic: np.ndarray | None, referred: np.ndarray, slot: np.ndarray
) -> np.ndarray:
    """(n, 5) systematic utility of each alternative for a block of episodes (no care is 0; the
    caller sets it). ``chronic`` marks chronic follow-ups among outpatient episodes (None: none)."""
    r, p = m.res, m.p
    signed, employee, urban, quintile = r.signed[res], r.employee[res], r.urban[res], r.quintile[res]
    table, price, weighted_rate = utility_table(m, inpatient)
    code = type_code(signed, employee, referred, urban, quintile, chronic)
    # np.take along axis 0 gathers rows several times faster than fancy indexing
    u = np.take(travel_utility(m), res, axis=0)
    u += np.take(table, code, axis=0)
    if not inpatient:
        # the part of the annual deductible still to pay is paid in full: min(price, left) * rate more
        left = outpatient_deductible_left(p, signed, employee, r.deductible_paid[res])
        extra = np.take(price, code, axis=0)
        np.minimum(extra, left[:, None], out=extra)
        extra *= np.take(weighted_rate, code, axis=0)
        u -= extra
    effort = m.team_array("effort")[r.team[res]]
    u[:, PRIMARY] += p["behaviour.trust_signed"] * effort * signed
    if m.quality_on:
        # perceived quality of primary care, times severity like the hospitals' quality
        if inpatient:
            severity = SEVERITY["serious"]
        elif chronic is None:
            severity = SEVERITY["minor"]
        else:
            severity = np.where(chronic, SEVERITY["chronic"], SEVERITY["minor"])
        u[:, PRIMARY] += r.perceived_quality[res] * (p["behaviour.quality_secondary"] * severity)
    last = r.last_level[res]
    rows = np.flatnonzero(last > 0)
    flat = u.reshape(-1)  # a view: flat indices row * 5 + alternative are faster than (row, column) pairs
    flat[rows * N_ALTS + ALT_OF_LEVEL[last[rows]]] += p["behaviour.habit"]
    rows = rows[last[rows] == 3]
    flat[rows * N_ALTS + OUTSIDE] += p["behaviour.habit"]
    avail = m.streams.uniform("choice", res, m.month, P_OUTSIDE_AVAIL, slot) < p["behaviour.famous_share"]
    flat[np.flatnonzero(~avail) * N_ALTS + OUTSIDE] = -np.inf
    return u


def choose(m: SandboxModel, u: np.ndarray, res: np.ndarray, slot: np.ndarray, purpose: int) -> np.ndarray:
    """Sample the logit choice by inverse CDF from one uniform per episode (common random numbers:
    the same resident-month-episode uses the same uniform under every policy).

    Utilities are taken relative to the secondary hospital (available in every choice set, so
    finite) and clipped to
    +/-700 so exp cannot overflow; the running sums are done column by column, which is much faster
    than numpy's reductions along a 5-long axis."""
    u = u - u[:, SECONDARY : SECONDARY + 1]
    np.clip(u, -700.0, 700.0, out=u)
    np.exp(u, out=u)
    for j in range(1, N_ALTS):
        u[:, j] += u[:, j - 1]
    draw = m.streams.uniform("choice", res, m.month, purpose, slot) * u[:, N_ALTS - 1]
    choice = np.zeros(res.shape[0], dtype=np.int8)
    for j in range(N_ALTS - 1):
        choice += u[:, j] < draw
    return choice


def gatekeeping_cost(m: SandboxModel, res: np.ndarray) -> np.ndarray:
    """Disutility of the primary visit that must precede a referral (its out-of-pocket cost and trip)."""
    r, p = m.res, m.p
    signed, employee = r.signed[res], r.employee[res]
    price = outpatient_prices(p, r.urban[res])[:, PRIMARY]
    left = outpatient_deductible_left(p, signed, employee, r.deductible_paid[res])
    rate = rates(p, False, signed, employee, np.zeros(res.shape[0], bool))[:, PRIMARY]
    oop = oop_of(price, left, rate)
    return p["behaviour.beta_oop"] * oop / 100.0 / INCOME_FACTOR[r.quintile[res]] + p["behaviour.beta_travel"] * r.travel[res, 0]


def referral_worth_asking(p: dict) -> bool:
    """Whether any lever makes a referred hospital visit better for the patient than a direct one
    (reimbursement, bypass penalty, priority slots or hard binding). If none does, asking the family
    doctor only adds a primary visit, so nobody asks and the referral route is not computed."""
    return bool(
        p["referral.binding"] == "hard"
        or p["reimbursement.bypass_penalty"] > 0
        or p["reimbursement.referral_bonus"] > 0
        or p["referral.priority_wait_cut"] > 0
        or p["reimbursement.referral_settled_at_primary_rate"]
    )


def grant_probability(m: SandboxModel, res: np.ndarray) -> np.ndarray:
    """Probability that the family doctor grants a resident's referral request:
    ``referral.grant_rate`` for unsigned residents (their catchment team has nothing at stake), times
    the own team's upward-referral rate relative to ``referral.team_up_rate`` for signed residents, so
    a team that refers less because it keeps a budget surplus or bears an overrun (settlement.adapt)
    also grants fewer requests (assumption: the same proportion)."""
    p, r = m.p, m.res
    base_up = p["referral.team_up_rate"]
    ratio = m.team_array("up_rate")[r.team[res]] / base_up if base_up > 0 else np.ones(res.shape[0])
    g = p["referral.grant_rate"] * np.where(r.signed[res], ratio, 1.0)
    return np.clip(g, 0.0, 1.0)


def _outpatient_choice(
    m: SandboxModel, res: np.ndarray, kind: np.ndarray, slot: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chosen alternative, referred flag and asked flag for a block of outpatient episodes.

    A resident bound by the referral rules (:func:`~.common.gatekept`) can reach each hospital two
    ways: directly (unreferred: bypass penalty, and under hard binding no reimbursement at the outside
    hospital) or by asking the family doctor for a referral (referred prices and waits, minus the
    cost and trip of the primary visit that comes first). Each hospital is valued by its better route
    (the patient expects the request to be granted) and the logit picks the alternative. A patient
    who asks is granted the referral with :func:`grant_probability`; a refused patient, after that
    primary visit, goes to the hospital directly (leakage) or stays with the primary visit, by a
    binary logit of the direct visit's utility against primary care's."""
    p, r = m.p, m.res
    n = res.shape[0]
    chronic = kind == CHRONIC
    u = utilities(m, res, False, chronic, np.zeros(n, bool), slot)
    u[:, NONE] = p["behaviour.no_care_minor"] - np.where(chronic, 1.0, 0.0)
    refill = p["behaviour.refill_advantage"]
    if p["referral.long_prescriptions"] and refill:
        # long prescriptions with the hospitals' medicines on the primary list: refills at primary care
        drugs = m.team_array("drug_list")
        if drugs.any():
            rows = np.flatnonzero(chronic)
            u[rows, PRIMARY] += refill * drugs[m.res.team[res[rows]]]
    referred = np.zeros(n, bool)
    asked = np.zeros(n, bool)
    rows = np.flatnonzero(gatekept(p, r.signed[res], r.employee[res])) if referral_worth_asking(p) else np.zeros(0, np.int64)
    if rows.shape[0] == 0:
        return choose(m, u, res, slot, P_TASTE), referred, asked
    u_ref = utilities(m, res[rows], False, chronic[rows], np.ones(rows.shape[0], bool), slot[rows])[:, SECONDARY:]
    u_ref -= gatekeeping_cost(m, res[rows])[:, None]
    direct = u[rows, SECONDARY:]
    via_fd = u_ref > direct  # asking the family doctor is the better route to that hospital
    u[rows, SECONDARY:] = np.where(via_fd, u_ref, direct)
    choice = choose(m, u, res, slot, P_TASTE)
    c = choice[rows].astype(np.int64)
    hosp = np.flatnonzero(c >= SECONDARY)
    ask_local = hosp[via_fd[hosp, c[hosp] - SECONDARY]]
    ask = rows[ask_local]
    asked[ask] = True
    granted = m.streams.uniform("referral", res[ask], m.month, P_GRANT, slot[ask]) < grant_probability(m, res[ask])
    referred[ask[granted]] = True
    refused_local = ask_local[~granted]
    refused = rows[refused_local]
    gap = u[refused, PRIMARY] - direct[refused_local, c[refused_local] - SECONDARY]
    leave = 1.0 / (1.0 + np.exp(np.clip(gap, -700.0, 700.0)))
    stays = m.streams.uniform("choice", res[refused], m.month, P_REFUSED, slot[refused]) >= leave
    choice[refused[stays]] = PRIMARY
    return choice, referred, asked


def run(m: SandboxModel) -> None:
    """Reads: m.ep (kind, resident, slot); m.quality_on; residents' contract, scheme, area, income quintile, travel, team, last level, perceived quality and deductible paid; teams' effort, drug list and up_rate; hospitals' utilisation; levers behaviour.*, prices.*, reimbursement.*, deductible.*, capacity.base_wait_days, referral.*, hospital.*. Writes: m.ep.alt (chosen alternative), m.ep.referred, m.ep.asked.

    Outpatient episodes choose among no care, primary and the three hospitals; residents bound by
    the referral rules reach a hospital directly or by asking their family doctor for a referral,
    which may be refused; admissions choose among the four providers, passing through the family
    doctor (referred) with the team's effort."""
    ep = m.ep
    alt = np.zeros(ep.n, dtype=np.int8)
    referred = np.zeros(ep.n, dtype=bool)

    out = np.flatnonzero(ep.kind != SERIOUS)
    # Large months are split into blocks computed on the model's thread pool (numpy releases the
    # GIL); draws are keyed by resident and episode, so the result does not depend on the split.
    blocks = m.blocks(out.shape[0])
    parts = m.map(lambda b: _outpatient_choice(m, ep.res[out[b]], ep.kind[out[b]], ep.slot[out[b]]), blocks)
    asked = np.zeros(ep.n, dtype=bool)
    for b, (choice, ref, ask) in zip(blocks, parts):
        alt[out[b]] = choice
        referred[out[b]] = ref
        asked[out[b]] = ask

    adm = ep.kind == SERIOUS
    res_a = ep.res[adm]
    r = m.res
    effort = m.team_array("effort")[r.team[res_a]]
    via_fd = r.signed[res_a] & (m.streams.uniform("referral", res_a, m.month, P_VIA_FD) < effort)
    u = utilities(m, res_a, True, None, via_fd, ep.slot[adm])
    u[:, NONE] = -np.inf
    if m.p["referral.binding"] == "hard":
        # 1+1+1: outside the resident's set only by referral, so a signed resident's admission that
        # does not pass through the family doctor stays within the set
        u[r.signed[res_a] & ~via_fd, OUTSIDE] = -np.inf
    choice = choose(m, u, res_a, ep.slot[adm], P_TASTE)
    alt[adm] = choice
    referred[adm] = via_fd & (choice >= SECONDARY)
    ep.alt, ep.referred, ep.asked = alt, referred, asked
