"""Phase 2, signing: once a year (first month of each contract year) contracts lapse or renew and
unsigned residents decide whether to sign, up to each team's household cap.

Yearly signing probability of an unsigned resident::

    A = w_benefit * benefit_yuan - w_fee * own_fee
    P = floor * exp(min(A, 0)) + (1 - floor) * awareness * boost * (1 - exp(-max(A, 0)))

so a contract with no benefit and no fee leaves signing at its floor. Who signs also depends on the
resident (selection, :func:`selection`): P is multiplied by a relative propensity exp(S) for age
60+, chronic disease, last year's primary share of the resident's own visits, travel time to
primary care and satisfaction with it (perceived quality, learnt from visits and word of mouth),
normalised to mean 1 over the unsigned residents, so that it changes who signs, not how many. Selection is kept apart from the contract's effect on where signers seek care
(``behaviour.trust_signed`` in care-seeking): with that effect at 0, signed residents still use
primary care more than unsigned ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import PAYERS, TIERS
from .common import P_ORDER, P_RENEW, P_SIGN

if TYPE_CHECKING:
    from ..model import SandboxModel

READS = (
    "res.age_band",
    "res.chronic",
    "res.perceived_quality",
    "res.primary_last",
    "res.travel",
    "res.visits_last",
    "res.employee",
    "res.priority",
    "res.served",
    "res.signed",
    "res.team",
    "res.tier",
    "res.urban",
    "teams.cap_residents",
    "levers.behaviour",
    "levers.deductible",
    "levers.prices",
    "levers.referral",
    "levers.reimbursement",
    "levers.signing",
)
WRITES = ("res.signed", "res.served")


def fee_per_resident(p: dict, tier: np.ndarray) -> np.ndarray:
    """Yearly signing fee / capitation of each resident's tier."""
    fees = np.array([p[f"signing.fee.{t}"] for t in TIERS])
    if not p["signing.tiered"]:
        fees[:] = fees[0]
    return fees[tier]


def payer_shares(p: dict, tiered: bool | None = None) -> np.ndarray:
    """(3 tiers, 6 payers) shares of the fee."""
    sh = np.array([[p[f"signing.payer.{t}.{q}"] for q in PAYERS] for t in TIERS])
    if not p["signing.tiered"]:
        sh[:] = sh[0]
    return sh


def benefit_value(m: SandboxModel) -> np.ndarray:
    """Expected yearly yuan value of the contract's benefits to each resident."""
    r, p = m.res, m.p
    prim_price = np.where(r.urban, p["prices.outpatient.primary_urban"], p["prices.outpatient.primary_rural"])
    visits = np.where(r.chronic, 10.0, 4.0)
    value = p["reimbursement.signed_primary_bonus"] * prim_price * visits
    ded = np.where(r.employee, p["deductible.outpatient.employee"], p["deductible.outpatient.resident"])
    value += np.minimum(p["deductible.signed_relief"], np.minimum(ded, prim_price * visits))
    upper = p["prices.outpatient.tertiary"] * np.where(r.chronic, 2.0, 0.7)
    value += p["reimbursement.referral_bonus"] * upper
    value += p["referral.priority_wait_cut"] * 60.0  # a halved wait valued at ~60 yuan a year (assumption)
    return value


def selection(m: SandboxModel, unsigned: np.ndarray) -> np.ndarray:
    """Who signs, apart from what the contract offers: a relative propensity ``exp(S)`` with
    ``S = age60 [60+] + chronic [hypertension or diabetes] + prior_use * (last year's primary share of
    own visits) + distance * (minutes to primary care - district mean) / 10 + satisfaction *
    (perceived quality of primary care)``, normalised to mean 1
    over the unsigned residents, so that it changes who signs, not how many."""
    r, p = m.res, m.p
    last_share = np.divide(r.primary_last, r.visits_last, out=np.zeros(r.n), where=r.visits_last > 0)
    minutes = r.travel[:, 0].astype(np.float64)
    score = (
        p["behaviour.signing_age60"] * (r.age_band == 3)
        + p["behaviour.signing_chronic"] * r.chronic
        + p["behaviour.signing_prior_use"] * last_share
        + p["behaviour.signing_distance"] * (minutes - minutes.mean()) / 10.0
        + p["behaviour.signing_satisfaction"] * r.perceived_quality
    )
    weight = np.exp(score)
    mean = weight[unsigned].mean() if unsigned.any() else 1.0
    return weight / mean


def run(m: SandboxModel) -> None:
    """Reads: residents' contract, served, tier, priority, chronic, age band, travel to primary care, perceived quality of primary care, last year's visits, scheme, area and team; teams' cap; levers signing.*, behaviour.signing_*, and the benefit levers (prices, reimbursement, deductible, referral). Writes: res.signed, res.served (first month of a contract year only).

    Contracts lapse or renew (unserved residents renew less), unsigned residents sign with the
    probability in the module docstring, each team accepts candidates in random order up to its
    cap, and "served" starts the new contract year false. Signing off: every contract ends."""
    r, p = m.res, m.p
    if m.month % 12 != 0:
        return
    if not p["signing.enabled"]:
        r.signed[:] = False
        return
    s, ids, t = m.streams, m.ids, m.month
    # renewals
    renew_p = np.where(r.served, p["signing.renewal"], p["signing.unserved_renewal"])
    lapse = r.signed & (s.uniform("signing", ids, t, P_RENEW) >= renew_p)
    r.signed &= ~lapse
    # new contracts
    tier = r.tier
    own_fee = fee_per_resident(p, tier) * payer_shares(p)[tier, 0]
    a = p["behaviour.signing_benefit_weight"] * benefit_value(m) - p["behaviour.signing_fee_weight"] * own_fee
    boost = np.where(r.priority, p["signing.priority_group_boost"], 1.0)
    floor = p["signing.floor"]
    prob = floor * np.exp(np.minimum(a, 0.0)) + (1 - floor) * p["signing.awareness"] * boost * (1 - np.exp(-np.maximum(a, 0.0)))
    prob = prob * selection(m, ~r.signed & ~lapse)
    want = ~r.signed & ~lapse & (s.uniform("signing", ids, t, P_SIGN) < np.clip(prob, 0, 1))
    # capacity: each team accepts candidates in random order up to its cap
    cap = m.team_array("cap_residents")
    signed_now = np.bincount(r.team[r.signed], minlength=cap.shape[0])
    room = np.maximum(cap - signed_now, 0)
    cand = ids[want]
    if cand.size:
        key = s.uniform("signing", cand, t, P_ORDER)
        order = np.lexsort((key, r.team[cand]))
        cand = cand[order]
        teams = r.team[cand]
        first = np.searchsorted(teams, teams, side="left")
        rank = np.arange(cand.size) - first
        accept = cand[rank < room[teams]]
        r.signed[accept] = True
    r.served[:] = False
