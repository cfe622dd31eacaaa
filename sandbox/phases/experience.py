"""Phase 6, experience: what residents carry from this month's care into the next month.

* Habit: the level of each resident's last visit or admission this month (rehabilitation aside)
  becomes ``last_level``, which the next choices favour.
* Follow-up regularity: primary visits of the month go into a three-month window (``m.fu_hist``);
  ``followups`` is the window's sum, which chronic-disease control and team adaptation read.
* Use this year: outpatient visits and primary visits of each resident accumulate over the year
  (``visits_year``, ``primary_year``); at year end they become last year's, which signing reads.
* Served: a signed resident who made a primary visit this contract year has been served by the own
  team, which raises the chance of renewing the contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .common import LEVEL_OF_ALT, PRIMARY, REHAB, SERIOUS

if TYPE_CHECKING:
    from ..model import SandboxModel

READS = ("ep", "fu_hist", "res.signed", "res.visits_year", "res.primary_year")
WRITES = ("fu_hist", "res.last_level", "res.followups", "res.served", "res.visits_year", "res.primary_year")


def run(m: SandboxModel) -> None:
    """Reads: m.ep (kind, choices), m.fu_hist, residents' contract and yearly visit counts. Writes: res.last_level, res.followups, res.served, res.visits_year, res.primary_year; m.fu_hist (this month's slot).

    A resident's last level is that of the last episode in ``m.ep`` order (rehabilitation excluded);
    primary visits (outpatient, not admissions or rehabilitation) count as follow-ups, clipped at 100
    a month."""
    ep, r = m.ep, m.res
    level = LEVEL_OF_ALT[ep.alt]
    rehab = ep.kind == REHAB
    op = (ep.alt >= PRIMARY) & (ep.kind != SERIOUS) & ~rehab
    prim_visit = op & (level == 1)
    signed = r.signed[ep.res]
    went = np.flatnonzero((ep.alt >= PRIMARY) & ~rehab)
    r.last_level[ep.res[went]] = level[went]
    primary = np.bincount(ep.res, weights=prim_visit, minlength=r.n)
    m.fu_hist[m.month % 3] = primary.clip(0, 100).astype(np.int8)
    r.primary_year += primary.astype(np.int16)
    r.visits_year += np.bincount(ep.res, weights=op, minlength=r.n).astype(np.int16)
    r.followups = m.fu_hist.sum(axis=0).astype(np.int8)
    r.served[ep.res[prim_visit & signed]] = True
