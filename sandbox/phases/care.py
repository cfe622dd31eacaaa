"""Phase 3, care-seeking: each episode chooses where to go by a multinomial logit.

For an outpatient episode the alternatives are no care, primary (own team if signed), the district
(secondary) hospital, the city (tertiary) hospital in the resident's 1+1+1 set, and an outside
tertiary hospital (available when the resident prefers a famous hospital, share ``famous_share``)::

    U_j = - w * beta_oop * OOP_j / 100 - beta_travel * travel_j
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

The out-of-pocket weight ``w`` of an episode type (:func:`oop_weights`) is
``income_factor ** -oop_income_gradient`` times ``oop_rural_multiplier`` for rural residents, times
``oop_resident_scheme_multiplier`` on the resident scheme, times ``oop_chronic_multiplier`` for a
chronic follow-up: the heterogeneity of price sensitivity, each factor a behaviour lever (1, or
gradient 0, makes everyone alike).

Admissions choose among the four providers the same way, with out-of-pocket cost per 1,000 yuan.
A share of admission needs (``elective_admission_share``, drawn from the ``illness`` stream) is
elective: it may also be delayed or forgone (the no-care alternative, utility ``forgo_elective``
plus ``forgo_oop_multiplier - 1`` times the weighted out-of-pocket cost the patient expects at the
providers, :func:`forgo_utility`); an emergency never is. An elective admission not taken is
delayed, and needed again next month, with probability ``delayed_admission_return``; otherwise it
is forgone. Signed residents' admissions pass through their family doctor (and so count as
referred) with a probability equal to the team's effort.
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
    P_DELAY,
    P_ELECTIVE,
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
    "res.admission_pending",
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
WRITES = ("ep", "_travel_utility", "res.admission_pending", "acc.admissions_delayed", "acc.admissions_forgone")

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
    (the row of :func:`utility_table`); for admissions ``chronic`` holds the elective flag."""
    code = combo_code(signed, employee, referred).astype(np.int16) + 8 * urban + 16 * quintile.astype(np.int16)
    if chronic is not None:
        code += 80 * chronic
    return code


COMBO_URBAN = np.repeat(np.array([False, True]), 8)  # the urban bit of the 16 rows signed + 2 employee + 4 referred + 8 urban


def oop_weights(p: dict, inpatient: bool) -> np.ndarray:
    """(2, 5, 16) weight on one yuan out-of-pocket by episode type: (chronic follow-up, or elective
    admission), income quintile, and the 16 rows ``signed + 2 employee + 4 referred + 8 urban``.

    ``beta / unit * income_factor ** -gradient`` times the rural, resident-scheme and (outpatient)
    chronic multipliers; with the gradient 0 and the multipliers 1 every type weighs a yuan alike."""
    if inpatient:
        base = p["behaviour.beta_oop_inpatient"] / 1000.0
        second = 1.0  # where to be admitted weighs a yuan alike for elective and emergency admissions
    else:
        base = p["behaviour.beta_oop"] / 100.0
        second = p["behaviour.oop_chronic_multiplier"]
    kind = np.array([1.0, second])
    income = INCOME_FACTOR ** -p["behaviour.oop_income_gradient"]
    row = np.where(COMBO_URBAN, 1.0, p["behaviour.oop_rural_multiplier"])
    row = row * np.where(np.concatenate([COMBO_EMPLOYEE, COMBO_EMPLOYEE]), 1.0, p["behaviour.oop_resident_scheme_multiplier"])
    return base * kind[:, None, None] * income[None, :, None] * row[None, None, :]


def utility_table(m: SandboxModel, inpatient: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Utility of each alternative for each episode type (160 rows, see :func:`type_code`) with the
    deductible still to pay set to zero (outpatient) or to the admission's deductible (inpatient).

    Returns ``(table, price, weighted_rate, cost)``, each (160, 5) by type: the utilities, the
    prices, the fund rates times the out-of-pocket weight of the type (:func:`oop_weights`; these two
    for the deductible correction) and the weighted out-of-pocket cost itself (the cost term of the
    utility, before the outpatient deductible correction). Out-of-pocket is ``price * (1 - rate) + deductible * rate`` with
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
    scale = oop_weights(p, inpatient)  # (2, 5, 16)
    q = np.array([0.0, 0.0, p["behaviour.quality_secondary"], p["behaviour.quality_tertiary"], 0.0])
    q[OUTSIDE] = q[TERTIARY] + 0.3
    severity = np.array([SEVERITY["serious"]] * 2) if inpatient else np.array([SEVERITY["minor"], SEVERITY["chronic"]])
    wait = waits(m, np.array([False, True]))  # (2, 5): rows not referred, referred
    table = (
        -scale[:, :, :, None] * oop[None, None, :, :]
        + (severity[:, None] * q[None, :])[:, None, None, :]
        - p["behaviour.beta_wait"] * wait[referred.astype(np.int8)][None, None, :, :]
    )
    n_types = 2 * N_QUINTILES * 16
    weighted_rate = scale[:, :, :, None] * rate[None, None, :, :]
    price_by_type = np.broadcast_to(price[None, None, :, :], (2, N_QUINTILES, 16, N_ALTS))
    cost = scale[:, :, :, None] * oop[None, None, :, :]
    return (
        table.reshape(n_types, N_ALTS),
        price_by_type.reshape(n_types, N_ALTS),
        weighted_rate.reshape(n_types, N_ALTS),
        cost.reshape(n_types, N_ALTS),
    )


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
    table, price, weighted_rate, _ = utility_table(m, inpatient)
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


def gatekeeping_cost(m: SandboxModel, res: np.ndarray, chronic: np.ndarray) -> np.ndarray:
    """Disutility of the primary visit that must precede a referral (its out-of-pocket cost, at the
    episode type's weight, and trip)."""
    r, p = m.res, m.p
    signed, employee, urban = r.signed[res], r.employee[res], r.urban[res]
    unreferred = np.zeros(res.shape[0], bool)
    price = outpatient_prices(p, urban)[:, PRIMARY]
    left = outpatient_deductible_left(p, signed, employee, r.deductible_paid[res])
    rate = rates(p, False, signed, employee, unreferred)[:, PRIMARY]
    oop = oop_of(price, left, rate)
    weight = oop_weights(p, False).reshape(-1)[type_code(signed, employee, unreferred, urban, r.quintile[res], chronic)]
    return weight * oop + p["behaviour.beta_travel"] * r.travel[res, 0]


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
            u[rows, PRIMARY] += refill * drugs[r.team[res[rows]]]
    referred = np.zeros(n, bool)
    asked = np.zeros(n, bool)
    rows = np.flatnonzero(gatekept(p, r.signed[res], r.employee[res])) if referral_worth_asking(p) else np.zeros(0, np.int64)
    if rows.shape[0] == 0:
        return choose(m, u, res, slot, P_TASTE), referred, asked
    u_ref = utilities(m, res[rows], False, chronic[rows], np.ones(rows.shape[0], bool), slot[rows])[:, SECONDARY:]
    u_ref -= gatekeeping_cost(m, res[rows], chronic[rows])[:, None]
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


def forgo_utility(m: SandboxModel, u: np.ndarray, res: np.ndarray, referred: np.ndarray) -> np.ndarray:
    """Utility of delaying or forgoing elective admissions whose utilities at the four providers are
    ``u`` (n, 5): ``forgo_elective`` plus ``(forgo_oop_multiplier - 1)`` times the weighted
    out-of-pocket cost the patient expects, averaged over the providers with the logit probabilities
    of where they would be admitted. Whether to be admitted then weighs the cost
    ``forgo_oop_multiplier`` times as much as where to be admitted (1: alike)."""
    p, r = m.p, m.res
    extra = p["behaviour.forgo_oop_multiplier"] - 1.0
    if extra == 0.0 or res.shape[0] == 0:
        return np.full(res.shape[0], p["behaviour.forgo_elective"])
    cost = utility_table(m, True)[3]
    code = type_code(r.signed[res], r.employee[res], referred, r.urban[res], r.quintile[res], np.ones(res.shape[0], bool))
    w = u[:, PRIMARY:] - u[:, PRIMARY:].max(axis=1, keepdims=True)
    np.exp(w, out=w)
    expected = (w * np.take(cost, code, axis=0)[:, PRIMARY:]).sum(axis=1) / w.sum(axis=1)
    return p["behaviour.forgo_elective"] + extra * expected


def run(m: SandboxModel) -> None:
    """Reads: m.ep (kind, resident, slot); m.quality_on; residents' contract, scheme, area, income quintile, travel, team, last level, perceived quality, deductible paid and pending admission; teams' effort, drug list and up_rate; hospitals' utilisation; levers behaviour.*, prices.*, reimbursement.*, deductible.*, capacity.base_wait_days, referral.*, hospital.*. Writes: m.ep.alt (chosen alternative), m.ep.referred, m.ep.asked, res.admission_pending; acc admissions_delayed, admissions_forgone.

    Outpatient episodes choose among no care, primary and the three hospitals; residents bound by
    the referral rules reach a hospital directly or by asking their family doctor for a referral,
    which may be refused; admissions choose among the four providers, passing through the family
    doctor (referred) with the team's effort, and elective admissions may also be delayed (needed
    again next month) or forgone."""
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
    r, p = m.res, m.p
    effort = m.team_array("effort")[r.team[res_a]]
    via_fd = r.signed[res_a] & (m.streams.uniform("referral", res_a, m.month, P_VIA_FD) < effort)
    # a need delayed last month is elective; a fresh need is elective with the lever's probability
    elective = r.admission_pending[res_a] | (
        m.streams.uniform("illness", res_a, m.month, P_ELECTIVE) < p["behaviour.elective_admission_share"]
    )
    u = utilities(m, res_a, True, elective, via_fd, ep.slot[adm])
    if p["referral.binding"] == "hard":
        # 1+1+1: outside the resident's set only by referral, so a signed resident's admission that
        # does not pass through the family doctor stays within the set
        u[r.signed[res_a] & ~via_fd, OUTSIDE] = -np.inf
    u[:, NONE] = -np.inf  # emergencies are never forgone
    rows = np.flatnonzero(elective)
    u[rows, NONE] = forgo_utility(m, u[rows], res_a[rows], via_fd[rows])
    choice = choose(m, u, res_a, ep.slot[adm], P_TASTE)
    alt[adm] = choice
    referred[adm] = via_fd & (choice >= SECONDARY)
    ep.alt, ep.referred, ep.asked = alt, referred, asked
    not_taken = choice == NONE
    delayed = not_taken & (m.streams.uniform("choice", res_a, m.month, P_DELAY) < p["behaviour.delayed_admission_return"])
    r.admission_pending[res_a] = delayed  # every pending resident had an admission need this month
    m.acc["admissions_delayed"] = float(np.count_nonzero(delayed))
    m.acc["admissions_forgone"] = float(np.count_nonzero(not_taken & ~delayed))
