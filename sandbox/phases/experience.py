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
* Perceived quality of primary care (``perceived_quality``, a share of the district hospital's
  quality advantage): a resident's view moves after each primary visit toward what the visit met,
  the catchment team's capability times ``1 + noise`` (a uniform from the ``choice`` stream, sd
  ``behaviour.quality_experience_noise``): ``k`` visits in a month close ``1 - (1 - learning)^k`` of
  the gap to their mean. Then word of mouth: every resident of a catchment whose team saw primary
  visits this month moves ``behaviour.quality_word_of_mouth`` of the way toward the mean of what
  those visits met (there are no household ids; the catchment stands for household and
  neighbours). With no capability built, a visit meets 0 and every view stays 0 exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .common import LEVEL_OF_ALT, P_EXPERIENCE, PRIMARY, REHAB, SERIOUS

if TYPE_CHECKING:
    from ..model import SandboxModel

READS = (
    "ep",
    "fu_hist",
    "quality_on",
    "res.perceived_quality",
    "res.signed",
    "res.team",
    "res.visits_year",
    "res.primary_year",
    "res.levels_year",
    "patients_year",
    "teams.capability",
    "levers.behaviour",
)
PATIENT_KEYS = ("patients_outpatient", "patients_primary", "patients_secondary", "patients_tertiary")
WRITES = (
    "fu_hist",
    "quality_on",
    "res.last_level",
    "res.followups",
    "res.perceived_quality",
    "res.served",
    "res.visits_year",
    "res.primary_year",
    "res.levels_year",
    "patients_year",
) + tuple(f"acc.{k}" for k in PATIENT_KEYS)
LEVEL_BITS = ((1, 1), (2, 2), (3, 4))  # (care level, bit of levels_year)


def run(m: SandboxModel) -> None:
    """Reads: m.ep (kind, choices), m.fu_hist, m.quality_on, residents' contract, team, perceived quality, yearly visit counts and levels used this year, m.patients_year; teams' capability; levers behaviour.quality_*. Writes: res.last_level, res.followups, res.served, res.visits_year, res.primary_year, res.levels_year, res.perceived_quality; m.fu_hist (this month's slot), m.quality_on, m.patients_year; acc patients_outpatient, patients_primary, patients_secondary, patients_tertiary.

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
    count_patients(m, op, level)
    learn_quality(m, np.flatnonzero(prim_visit), primary)


def count_patients(m: SandboxModel, op: np.ndarray, level: np.ndarray) -> None:
    """Distinct patients: residents whose first outpatient visit of the year (at a level, or at any
    level) is this month; ``op`` marks the month's outpatient visits, ``level`` every episode's level."""
    ep, bits = m.ep, m.res.levels_year
    # residents who had used each level (and any level) before this month: last month's counts, or
    # none in the first month of a contract year (close_year clears the bitmask)
    before = m.patients_year if m.month % 12 else np.zeros(4, dtype=np.int64)
    now = np.zeros(4, dtype=np.int64)
    for lv, bit in LEVEL_BITS:
        bits[ep.res[op & (level == lv)]] |= bit
        now[lv] = np.count_nonzero(bits & bit)
        m.acc[f"patients_{('primary', 'secondary', 'tertiary')[lv - 1]}"] = float(now[lv] - before[lv])
    now[0] = np.count_nonzero(bits)
    m.acc["patients_outpatient"] = float(now[0] - before[0])
    m.patients_year = now


def learn_quality(m: SandboxModel, visits: np.ndarray, per_resident: np.ndarray) -> None:
    """Residents' perceived quality of primary care after this month's primary visits ``visits``
    (indices into ``m.ep``; ``per_resident`` counts them by resident): own experience, then word of
    mouth in the catchment (module docstring). Skipped while no team has capability and nobody's
    view has moved (today's model: every view stays exactly 0)."""
    ep, r, p = m.ep, m.res, m.p
    capability = m.team_array("capability")
    if not m.quality_on and not capability.any():
        return
    m.quality_on = True
    res = ep.res[visits]
    team = r.team[res]
    noise = (m.streams.uniform("choice", res, m.month, P_EXPERIENCE, ep.slot[visits]) - 0.5) * np.sqrt(12.0)
    met = capability[team] * (1.0 + p["behaviour.quality_experience_noise"] * noise)
    who = np.flatnonzero(per_resident)
    k = per_resident[who]
    mean_met = np.bincount(res, weights=met, minlength=r.n)[who] / k
    q = r.perceived_quality
    step = 1.0 - (1.0 - p["behaviour.quality_learning"]) ** k
    q[who] += (step * (mean_met - q[who])).astype(np.float32)
    mouth = p["behaviour.quality_word_of_mouth"]
    if mouth > 0 and visits.shape[0]:
        nt = len(m.teams)
        n_met = np.bincount(team, minlength=nt)
        team_mean = np.bincount(team, weights=met, minlength=nt) / np.maximum(n_met, 1)
        if n_met.all():  # every catchment heard of a visit (the usual case): no mask needed
            said = team_mean[r.team]
            said -= q
            said *= mouth
        else:
            said = np.where(n_met[r.team] > 0, mouth * (team_mean[r.team] - q), 0.0)
        q += said.astype(np.float32)
