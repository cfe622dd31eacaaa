"""Phase 3, care-seeking: each episode chooses where to go by a multinomial logit.

For an outpatient episode the alternatives are no care, primary (own team if signed), the district
(secondary) hospital, the city (tertiary) hospital in the resident's 1+1+1 set, and an outside
tertiary hospital (available when the resident prefers a famous hospital, share ``famous_share``)::

    U_j = - beta_oop * OOP_j / (100 * income_factor) - beta_travel * travel_j
          + quality_j * severity - beta_wait * wait_j
          + trust * effort * [j = primary, signed] + habit * [level_j = last level]

and the choice is drawn from the logit probabilities exp(U_j) / sum_k exp(U_k) by inverse CDF with
one uniform per resident-month-episode from the ``choice`` stream (common random numbers).

Admissions choose among the four providers the same way, with out-of-pocket cost per 1,000 yuan.
Signed residents' admissions pass through their family doctor (and so count as referred) with a
probability equal to the team's effort.
"""

from __future__ import annotations

import numpy as np

from ..population import INCOME_FACTOR
from .common import (
    CHRONIC,
    N_ALTS,
    NONE,
    OUTSIDE,
    P_OUTSIDE_AVAIL,
    P_TASTE,
    P_VIA_FD,
    PRIMARY,
    SECONDARY,
    SERIOUS,
    TERTIARY,
    inpatient_deductibles,
    inpatient_prices,
    oop_of,
    outpatient_deductible_left,
    outpatient_prices,
    rates,
)

SEVERITY = {"minor": 1.0, "chronic": 0.6, "serious": 1.5}


def waits(m, referred: np.ndarray) -> np.ndarray:
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


def utilities(m, res: np.ndarray, inpatient: bool, severity: np.ndarray, referred: np.ndarray, slot, purpose_base: int):
    """(n, 5) systematic utility plus the resident-month-episode taste shock."""
    r, p = m.res, m.p
    signed, employee, urban = r.signed[res], r.employee[res], r.urban[res]
    if inpatient:
        price = inpatient_prices(p, urban)
        oop = oop_of(price, inpatient_deductibles(p, referred), rates(p, True, signed, employee, referred))
        scale = p["behaviour.beta_oop_inpatient"] / 1000.0
    else:
        price = outpatient_prices(p, urban)
        left = outpatient_deductible_left(p, signed, employee, r.deductible_paid[res])
        oop = oop_of(price, left[:, None], rates(p, False, signed, employee, referred))
        scale = p["behaviour.beta_oop"] / 100.0
    u = oop
    u *= (-scale / INCOME_FACTOR[r.quintile[res]])[:, None]
    u[:, PRIMARY:] -= p["behaviour.beta_travel"] * r.travel[res]
    q = np.array([0.0, 0.0, p["behaviour.quality_secondary"], p["behaviour.quality_tertiary"], 0.0])
    q[OUTSIDE] = q[TERTIARY] + 0.3
    u += q[None, :] * severity[:, None]
    u -= p["behaviour.beta_wait"] * waits(m, referred)
    effort = m.team_array("effort")[r.team[res]]
    u[:, PRIMARY] += p["behaviour.trust_signed"] * effort * signed
    last = r.last_level[res]
    rows = np.flatnonzero(last > 0)
    u[rows, ALT_OF_LEVEL[last[rows]]] += p["behaviour.habit"]
    rows = rows[last[rows] == 3]
    u[rows, OUTSIDE] += p["behaviour.habit"]
    avail = m.streams.uniform("choice", res, m.month, P_OUTSIDE_AVAIL, slot) < p["behaviour.famous_share"]
    u[~avail, OUTSIDE] = -np.inf
    return u


def choose(m, u: np.ndarray, res: np.ndarray, slot, purpose: int) -> np.ndarray:
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


def gatekeeping_cost(m, res: np.ndarray) -> np.ndarray:
    """Disutility of the primary visit that must precede a referral (its out-of-pocket cost and trip)."""
    r, p = m.res, m.p
    signed, employee = r.signed[res], r.employee[res]
    price = outpatient_prices(p, r.urban[res])[:, PRIMARY]
    left = outpatient_deductible_left(p, signed, employee, r.deductible_paid[res])
    rate = rates(p, False, signed, employee, np.zeros(res.shape[0], bool))[:, PRIMARY]
    oop = oop_of(price, left, rate)
    return p["behaviour.beta_oop"] * oop / 100.0 / INCOME_FACTOR[r.quintile[res]] + p["behaviour.beta_travel"] * r.travel[res, 0]


def _outpatient_choice(m, res: np.ndarray, kind: np.ndarray, slot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chosen alternative and referred flag for a block of outpatient episodes."""
    p = m.p
    chronic = kind == CHRONIC
    sev = np.where(chronic, SEVERITY["chronic"], SEVERITY["minor"])
    u = utilities(m, res, False, sev, np.zeros(res.shape[0], bool), slot, P_TASTE)
    u[:, NONE] = p["behaviour.no_care_minor"] - np.where(chronic, 1.0, 0.0)
    gated = np.zeros(res.shape[0], bool)
    if p["referral.binding"] == "hard":
        # 1+1+1: a signed resident reaches a hospital outside the set only through the family doctor,
        # so the outside alternative is a referred visit plus the cost and trip of a primary visit first.
        gated = m.res.signed[res]
        rows = np.flatnonzero(gated)
        u_ref = utilities(m, res[rows], False, sev[rows], np.ones(rows.shape[0], bool), slot[rows], P_TASTE)
        u[rows, OUTSIDE] = u_ref[:, OUTSIDE] - gatekeeping_cost(m, res[rows])
    choice = choose(m, u, res, slot, P_TASTE)
    return choice, gated & (choice == OUTSIDE)


def care_seeking(m) -> None:
    ep = m.ep
    alt = np.zeros(ep.n, dtype=np.int8)
    referred = np.zeros(ep.n, dtype=bool)

    out = np.flatnonzero(ep.kind != SERIOUS)
    # Large months are split into blocks computed on the model's thread pool (numpy releases the
    # GIL); draws are keyed by resident and episode, so the result does not depend on the split.
    blocks = m.blocks(out.shape[0])
    parts = m.map(lambda b: _outpatient_choice(m, ep.res[out[b]], ep.kind[out[b]], ep.slot[out[b]]), blocks)
    for b, (choice, ref) in zip(blocks, parts):
        alt[out[b]] = choice
        referred[out[b]] = ref

    adm = ep.kind == SERIOUS
    res_a = ep.res[adm]
    r = m.res
    effort = m.team_array("effort")[r.team[res_a]]
    via_fd = r.signed[res_a] & (m.streams.uniform("referral", res_a, m.month, P_VIA_FD) < effort)
    u = utilities(m, res_a, True, np.full(res_a.shape[0], SEVERITY["serious"]), via_fd, ep.slot[adm], P_TASTE)
    u[:, NONE] = -np.inf
    choice = choose(m, u, res_a, ep.slot[adm], P_TASTE)
    alt[adm] = choice
    referred[adm] = via_fd & (choice >= SECONDARY)
    ep.alt, ep.referred = alt, referred
