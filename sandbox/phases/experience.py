"""Phase 6, experience: what residents carry from this month's care into the next month.

* Habit: the level of each resident's last visit or admission this month (rehabilitation aside)
  becomes ``last_level``, which the next choices favour.
* Follow-up regularity: primary visits of the month go into a three-month window (``m.fu_hist``);
  ``followups`` is the window's sum, which chronic-disease control and team adaptation read.
* Use this year: outpatient visits and primary visits of each resident accumulate over the year
  (``visits_year``, ``primary_year``); at year end they become last year's, which signing reads.
* Patients: each resident's levels of outpatient care used this year are a bitmask
  (``levels_year``: 1 primary, 2 secondary, 4 tertiary); the residents who use a level (or any
  outpatient care) for the first time this year are the month's new patients, so a year's sum of
  the ``patients_*`` columns counts distinct patients.
* Served: a signed resident who made a primary visit this contract year has been served by the own
  team, which raises the chance of renewing the contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .common import LEVEL_OF_ALT, PRIMARY, REHAB, SERIOUS

if TYPE_CHECKING:
    from ..model import SandboxModel

READS = ("ep", "fu_hist", "res.signed", "res.visits_year", "res.primary_year", "res.levels_year")
PATIENT_KEYS = ("patients_outpatient", "patients_primary", "patients_secondary", "patients_tertiary")
WRITES = (
    "fu_hist",
    "res.last_level",
    "res.followups",
    "res.served",
    "res.visits_year",
    "res.primary_year",
    "res.levels_year",
) + tuple(f"acc.{k}" for k in PATIENT_KEYS)
LEVEL_BITS = ((1, 1), (2, 2), (3, 4))  # (care level, bit of levels_year)


def run(m: SandboxModel) -> None:
    """Reads: m.ep (kind, choices), m.fu_hist, residents' contract, yearly visit counts and levels used this year. Writes: res.last_level, res.followups, res.served, res.visits_year, res.primary_year, res.levels_year; m.fu_hist (this month's slot); acc patients_outpatient, patients_primary, patients_secondary, patients_tertiary.

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
    # distinct patients: residents whose first outpatient visit of the year (at a level) is this month
    bits = r.levels_year
    before_any = np.count_nonzero(bits)
    for lv, bit in LEVEL_BITS:
        before = np.count_nonzero(bits & bit)
        bits[ep.res[op & (level == lv)]] |= bit
        m.acc[f"patients_{('primary', 'secondary', 'tertiary')[lv - 1]}"] = float(np.count_nonzero(bits & bit) - before)
    m.acc["patients_outpatient"] = float(np.count_nonzero(bits) - before_any)
