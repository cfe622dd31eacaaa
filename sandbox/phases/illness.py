"""Phase 1, illness: chronic-disease control is updated and this month's episodes are drawn.

Episodes come from the ``illness`` stream keyed by resident and month, so a reform run with the
same seed sees the same illnesses as its baseline (common random numbers); only admissions of
chronic patients differ, through their control status, and elective admissions delayed for their
price, which come back as need the next month.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .common import CHRONIC, MINOR, P_CHRONIC, P_CONTROL, P_MINOR, P_REASSESS, P_SERIOUS, SERIOUS, Episodes

if TYPE_CHECKING:
    from ..model import SandboxModel

READS = (
    "res.admission_pending",
    "res.age_band",
    "res.chronic",
    "res.controlled",
    "res.disabled",
    "res.followups",
    "res.signed",
    "res.team",
    "teams.effort",
    "levers.behaviour",
    "levers.referral",
    "levers.team",
)
WRITES = ("ep", "res.controlled", "acc.episodes_minor", "acc.episodes_serious", "acc.illness_fingerprint")

# Age-band multipliers (0-14, 15-44, 45-59, 60+): assumption shaped on NHSS utilisation by age.
MINOR_AGE = np.array([1.3, 0.85, 1.1, 1.6])
ADMIT_AGE = np.array([0.6, 0.75, 1.2, 2.3])
MAX_MINOR = 5  # P(more than 5 minor episodes in a month) < 1e-4 at the highest default rate


def update_control(m: SandboxModel) -> None:
    """Chronic patients are reassessed about every three months; regular primary follow-up and the
    team's effort raise the chance of being controlled."""
    r, p = m.res, m.p
    need = 1 if p["referral.long_prescriptions"] else 2
    idx = np.flatnonzero(r.chronic)  # draws are keyed by resident id, so drawing for a subset is exact
    reassess = m.streams.uniform("health", idx, m.month, P_REASSESS) < 1.0 / 3.0
    u = m.streams.uniform("health", idx, m.month, P_CONTROL)[reassess]
    sel = idx[reassess]
    effort = np.where(r.signed[sel], m.team_array("effort")[r.team[sel]], p["team.initial_effort"])
    c0, c1 = p["behaviour.control_without_followup"], p["behaviour.control_with_followup"]
    p_ctrl = np.where(r.followups[sel] >= need, c0 + (c1 - c0) * effort, c0)
    r.controlled[sel] = u < p_ctrl


def _poisson_thresholds(lam: np.ndarray) -> np.ndarray:
    """(len(lam), MAX_MINOR) Poisson CDF at 0, 1, ..., MAX_MINOR - 1 for each rate."""
    term = np.exp(-lam)
    cdf = [term]
    for i in range(1, MAX_MINOR):
        term = term * lam / i
        cdf.append(cdf[-1] + term)
    return np.stack(cdf, axis=1)


def _poisson_counts(u: np.ndarray, group: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Inverse-CDF Poisson counts (truncated at MAX_MINOR) from uniforms, for residents whose rate is
    ``thresholds``' row ``group``; only draws above P(0) need the rest of the CDF."""
    k = np.zeros(u.shape[0], dtype=np.int64)
    rows = np.flatnonzero(u > thresholds[group, 0])
    u, cdf = u[rows], np.take(thresholds, group[rows], axis=0)
    kk = np.ones(rows.shape[0], dtype=np.int64)
    for i in range(1, MAX_MINOR):
        kk += u > cdf[:, i]
    k[rows] = kk
    return k


def _draw_block(m: SandboxModel, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minor-episode counts, chronic follow-up need and admission need for a block of residents.
    Rates depend on a few resident attributes, so they are tabulated and gathered."""
    r, p, t, s = m.res, m.p, m.month, m.streams
    age = r.age_band[ids]
    lam = p["behaviour.minor_episodes_per_year"] / 12.0 * MINOR_AGE
    n_minor = _poisson_counts(s.uniform("illness", ids, t, P_MINOR), age, _poisson_thresholds(lam))
    fu_rate = p["behaviour.chronic_followups_per_year"] / 12.0
    if p["referral.long_prescriptions"]:
        fu_rate /= 2.0
    chronic = r.chronic[ids]
    fu = np.zeros(ids.shape[0], bool)
    c = np.flatnonzero(chronic)
    fu[c] = s.uniform("illness", ids[c], t, P_CHRONIC) < fu_rate
    # admission risk by (age band, chronic, disabled, uncontrolled)
    yes_no = np.array([True, False])
    risk = p["behaviour.admission_rate"] / 12.0 * ADMIT_AGE[:, None, None, None]
    risk = risk * (np.where(yes_no, 1.2, 1.0)[:, None, None] * np.where(yes_no, 1.5, 1.0)[None, :, None])
    risk = risk * np.where(yes_no[:, None, None] & yes_no[None, None, :], p["behaviour.uncontrolled_admission_multiplier"], 1.0)
    risk = np.minimum(risk, 0.9).reshape(-1)
    uncontrolled = chronic & ~r.controlled[ids]
    code = age.astype(np.int64) * 8 + (~chronic) * 4 + (~r.disabled[ids]) * 2 + ~uncontrolled
    serious = s.uniform("illness", ids, t, P_SERIOUS) < risk[code]
    serious |= r.admission_pending[ids]  # an elective admission delayed last month is needed again
    return n_minor, fu, serious


def run(m: SandboxModel) -> None:
    """Reads: residents' age band, chronic, disabled, controlled, follow-ups, contract, team and pending (delayed) admission; teams' effort; levers behaviour.*, referral.long_prescriptions, team.initial_effort. Writes: m.ep (this month's episodes), res.controlled, acc episodes_minor, episodes_serious, illness_fingerprint.

    Chronic patients due for reassessment get their control status redrawn (:func:`update_control`),
    then every resident's minor episodes, chronic follow-up need and admission need are drawn; an
    elective admission delayed last month (care phase) is an admission need again this month."""
    update_control(m)
    ids = m.ids
    blocks = m.blocks(ids.shape[0])
    parts = m.map(lambda b: _draw_block(m, ids[b]), blocks)
    n_minor, fu, serious = (np.concatenate(x) for x in zip(*parts))

    ill = np.flatnonzero(n_minor)
    counts = n_minor[ill]
    minor_res = np.repeat(ids[ill], counts)
    starts = np.cumsum(counts) - counts
    minor_slot = np.arange(minor_res.shape[0]) - np.repeat(starts, counts)
    n_fu, n_serious = int(fu.sum()), int(serious.sum())
    res = np.concatenate([minor_res, ids[fu], ids[serious]])
    kind = np.concatenate(
        [np.full(minor_res.shape[0], MINOR, np.int8), np.full(n_fu, CHRONIC, np.int8), np.full(n_serious, SERIOUS, np.int8)]
    )
    slot = np.concatenate([minor_slot, np.full(n_fu, 20), np.full(n_serious, 30)])
    m.ep = Episodes(res=res, kind=kind, slot=slot)
    m.acc["episodes_minor"] = float(minor_res.shape[0])
    m.acc["episodes_serious"] = float(n_serious)
    m.acc["illness_fingerprint"] = float((minor_res * 2654435761 % 1000003).sum() % 1000003)
