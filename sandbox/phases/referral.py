"""Phase 4, referral: family doctors refer some primary visits up; hospitals refer some admitted
patients down to primary rehabilitation.

* Upward: a primary visit is referred with the team's referral rate (signed residents) or the base
  rate (unsigned), doubled for chronic follow-ups. The referred patient makes one upper-level visit,
  choosing among the upper alternatives with referral settlement and priority slots applied.
* A patient who asked the family doctor for a referral in care-seeking and then went to a hospital
  (referral granted, or refused and gone direct) made a primary visit first; it is added here. A
  refused patient who stayed at primary has that visit as the episode itself.
* Downward: an admission at a secondary or tertiary hospital is referred down with the base rate,
  times the DRG / global-budget multiplier and the alliance multiplier; it adds a rehabilitation
  episode at primary level paid at ``down_payment_premium``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .care import choose, utilities
from .common import CHRONIC, P_DOWN, P_TASTE, P_UP, PRIMARY, REFERRED, REHAB, SECONDARY, SERIOUS, Episodes

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
    "res.urban",
    "teams.effort",
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
WRITES = ("ep",)


def down_rate(p: dict) -> float:
    """Probability that an admission at a hospital is referred down to primary rehabilitation."""
    rate = p["referral.down_rate"]
    if p["hospital.payment_mode"] in ("drg", "global_budget"):
        rate *= p["hospital.drg_down_multiplier"]
    if p["hospital.alliance"]:
        rate *= p["hospital.alliance_down_multiplier"]
    return min(rate, 1.0)


def run(m: SandboxModel) -> None:
    """Reads: m.ep (with choices); residents' contract and team (and, for the referred visit's choice, what care-seeking reads); teams' up_rate and effort; levers referral.*, hospital.* and the choice levers. Writes: m.ep (adds referred visits, the primary visits of referral requests, rehabilitation episodes).

    Upward referrals are drawn for primary visits (not those of patients whose own request was just
    refused) and choose among upper levels; the primary visit of every patient who asked for a
    referral and then went to a hospital is added; upper-level admissions are referred down with
    :func:`down_rate`."""
    ep, r, p = m.ep, m.res, m.p
    s = m.streams
    at_primary = np.flatnonzero((ep.alt == PRIMARY) & (ep.kind != SERIOUS) & ~ep.asked)
    res, slot = ep.res[at_primary], ep.slot[at_primary]
    team_rate = m.team_array("up_rate")[r.team[res]]
    rate = np.where(r.signed[res], team_rate, p["referral.team_up_rate"])
    rate = rate * np.where(ep.kind[at_primary] == CHRONIC, 2.0, 1.0)
    up = np.flatnonzero(s.uniform("referral", res, m.month, P_UP, slot) < rate)
    up_res, up_slot = res[up], slot[up] + 100
    u = utilities(m, up_res, False, None, np.ones(up_res.shape[0], bool), up_slot)
    u[:, :SECONDARY] = -np.inf
    up_alt = choose(m, u, up_res, up_slot, P_TASTE)
    new = Episodes(
        res=up_res,
        kind=np.full(up_res.shape[0], REFERRED, np.int8),
        slot=up_slot,
        alt=up_alt,
        referred=np.ones(up_res.shape[0], bool),
        asked=np.zeros(up_res.shape[0], bool),
    )

    # a patient who asked for a referral and then went to a hospital saw the family doctor first
    gate = ep.asked & (ep.alt >= SECONDARY)
    n_gate = int(gate.sum())
    gate_visits = Episodes(
        res=ep.res[gate],
        kind=ep.kind[gate],
        slot=ep.slot[gate] + 200,
        alt=np.full(n_gate, PRIMARY, np.int8),
        referred=np.zeros(n_gate, bool),
        asked=np.zeros(n_gate, bool),
    )

    upper_adm = (ep.kind == SERIOUS) & (ep.alt >= SECONDARY)
    dres = ep.res[upper_adm]
    down = s.uniform("referral", dres, m.month, P_DOWN) < down_rate(p)
    rehab = Episodes(
        res=dres[down],
        kind=np.full(int(down.sum()), REHAB, np.int8),
        slot=np.full(int(down.sum()), 40),
        alt=np.full(int(down.sum()), PRIMARY, np.int8),
        referred=np.zeros(int(down.sum()), bool),
        asked=np.zeros(int(down.sum()), bool),
    )
    m.ep = ep.append(new).append(gate_visits).append(rehab)
