"""Residents as a struct of numpy arrays, synthesised from the scenario's district profile."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

AGE_BANDS = ("0-14", "15-44", "45-59", "60+")
# Chronic prevalence by age band relative to the adult average (hypertension rises steeply with
# age: roughly 10% at 18-44, 30% at 45-59, 55% at 60+ in national surveys; assumption on shape).
HTN_AGE_SHAPE = np.array([0.0, 0.40, 1.25, 2.30])
DM_AGE_SHAPE = np.array([0.0, 0.45, 1.30, 2.10])
# Relative income by quintile: the out-of-pocket weight is divided by INCOME_FACTOR ** gradient
# (behaviour.oop_income_gradient); the shape is an assumption, the gradient a sourced lever.
INCOME_FACTOR = np.array([0.5, 0.75, 1.0, 1.4, 2.2])


# (attribute, number of values); the order fixes the cell code
CELL_DIMS = (("urban", 2), ("age_band", 4), ("condition", 4), ("disabled", 2), ("employee", 2), ("quintile", 5), ("signed", 2))
CONDITIONS = ("none", "hypertension", "diabetes", "both")  # the values of ``condition``: hypertension + 2 diabetes
N_CELLS = int(np.prod([size for _, size in CELL_DIMS]))


def cell_attribute(name: str) -> np.ndarray:
    """The value of attribute ``name`` in each cell (length N_CELLS); ``chronic`` (hypertension or
    diabetes) is derived from ``condition``."""
    if name == "chronic":
        return (cell_attribute("condition") > 0).astype(np.int64)
    codes = np.arange(N_CELLS)
    for dim, size in reversed(CELL_DIMS):
        if dim == name:
            return codes % size
        codes = codes // size
    raise KeyError(name)


@dataclass
class Residents:
    """One entry per resident in every column."""

    age_band: np.ndarray  # int8, index into AGE_BANDS
    urban: np.ndarray  # bool
    employee: np.ndarray  # bool (employee scheme) else resident scheme
    quintile: np.ndarray  # int8 0..4
    hypertension: np.ndarray  # bool
    diabetes: np.ndarray  # bool
    disabled: np.ndarray  # bool
    travel: np.ndarray  # float32 (n, 4): minutes to primary, secondary, tertiary, outside tertiary
    team: np.ndarray  # int32 catchment team
    # dynamic state
    signed: np.ndarray  # bool
    served: np.ndarray  # bool: used own team this contract year
    controlled: np.ndarray  # bool
    followups: np.ndarray  # int8: primary follow-ups in the last 3 months (chronic)
    last_level: np.ndarray  # int8: 0 none, 1 primary, 2 secondary, 3 tertiary
    deductible_paid: np.ndarray  # float64: outpatient deductible consumed this year
    visits_year: np.ndarray  # int16: outpatient visits this year (reset at year end)
    primary_year: np.ndarray  # int16: of which at primary level
    visits_last: np.ndarray  # int16: outpatient visits last year (0 in the first year: no history)
    primary_last: np.ndarray  # int16: of which at primary level
    signed_last: np.ndarray  # bool: held a contract at the end of last year
    cost_year: np.ndarray  # float32: cost of this year's care (all episodes), yuan (reset at year end)
    oop_year: np.ndarray  # float32: of which paid out of pocket, yuan
    cost_last: np.ndarray  # float32: cost of last year's care (0 in the first year: no history)
    oop_last: np.ndarray  # float32: of which paid out of pocket
    # float32: perceived quality of primary care, as a share of the district hospital's quality
    # advantage (behaviour.quality_secondary) that primary care has closed; 0 = today's view
    perceived_quality: np.ndarray
    levels_year: np.ndarray  # uint8 bitmask of outpatient levels used this year: 1 primary, 2 secondary, 4 tertiary
    admission_pending: np.ndarray  # bool: an elective admission delayed last month, needed again this month

    @property
    def n(self) -> int:
        return self.age_band.shape[0]

    # derived, static columns (conditions do not change during a run), computed once
    chronic: np.ndarray = field(init=False)  # bool: hypertension or diabetes
    condition: np.ndarray = field(init=False)  # int8: hypertension + 2 diabetes (see CONDITIONS)
    tier: np.ndarray = field(init=False)  # int8: 0 healthy, 1 chronic, 2 disabled (capitation tiers, seed 001)
    priority: np.ndarray = field(init=False)  # bool: elderly, chronic or disabled (priority groups)

    def __post_init__(self) -> None:
        self.chronic = self.hypertension | self.diabetes
        self.condition = (self.hypertension.astype(np.int8) + 2 * self.diabetes.astype(np.int8)).astype(np.int8)
        tier = np.where(self.chronic, 1, 0).astype(np.int8)
        tier[self.disabled] = 2
        self.tier = tier
        self.priority = (self.age_band == 3) | self.chronic | self.disabled

    def cells(self) -> np.ndarray:
        """Population cell of each resident: every combination of the grouping dimensions that is
        constant within a contract year (see CELL_DIMS). Yearly results accumulate by cell."""
        code = np.zeros(self.n, dtype=np.int64)
        for name, size in CELL_DIMS:
            code = code * size + getattr(self, name).astype(np.int64)
        return code

    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self))


def synthesise(n: int, p: dict, rng: np.random.Generator, n_teams_urban: int, n_teams_rural: int) -> Residents:
    """Draw ``n`` residents from the district profile in ``p`` (resolved levers)."""
    a0, a60 = p["population.age_0_14"], p["population.age_60_plus"]
    mid = max(0.0, 1.0 - a0 - a60)
    probs = np.array([a0, mid * 0.6, mid * 0.4, a60])
    probs = probs / probs.sum()
    age_band = rng.choice(4, size=n, p=probs).astype(np.int8)
    urban = rng.random(n) < p["population.urban_share"]
    employee = (rng.random(n) < p["population.employee_share"]) & (age_band > 0)
    # Employee-scheme members are over-represented in upper quintiles (assumption).
    q_shift = np.where(employee, 1.0, 0.0) + np.where(urban, 0.5, -0.5)
    quintile = np.clip(np.floor(rng.random(n) * 5 + q_shift * rng.random(n)), 0, 4).astype(np.int8)
    htn_p = np.clip(p["population.hypertension_adult"] * HTN_AGE_SHAPE[age_band], 0, 0.95)
    dm_p = np.clip(p["population.diabetes_adult"] * DM_AGE_SHAPE[age_band], 0, 0.95)
    hypertension = rng.random(n) < htn_p
    diabetes = rng.random(n) < dm_p
    disabled = (age_band == 3) & (rng.random(n) < p["population.disabled_elderly"])
    rural_mult = np.where(urban, 1.0, 1.5).astype(np.float32)
    base = np.array(
        [
            p["population.travel_primary_min"],
            p["population.travel_secondary_min"],
            p["population.travel_tertiary_min"],
            p["population.travel_tertiary_min"] * 1.5,
        ],
        dtype=np.float32,
    )
    spread = rng.lognormal(0.0, 0.35, size=(n, 4)).astype(np.float32)
    travel = base[None, :] * spread * rural_mult[:, None]
    travel[:, 2:] *= np.where(urban, 1.0, 4.0 / 3.0).astype(np.float32)[:, None]
    team = np.where(
        urban,
        rng.integers(0, max(n_teams_urban, 1), size=n),
        n_teams_urban + rng.integers(0, max(n_teams_rural, 1), size=n),
    ).astype(np.int32)
    chronic = hypertension | diabetes
    controlled = chronic & (rng.random(n) < p["behaviour.control_without_followup"])
    return Residents(
        age_band=age_band,
        urban=urban,
        employee=employee,
        quintile=quintile,
        hypertension=hypertension,
        diabetes=diabetes,
        disabled=disabled,
        travel=travel,
        team=team,
        signed=np.zeros(n, dtype=bool),
        served=np.zeros(n, dtype=bool),
        controlled=controlled,
        followups=np.zeros(n, dtype=np.int8),
        last_level=np.zeros(n, dtype=np.int8),
        deductible_paid=np.zeros(n, dtype=np.float64),
        visits_year=np.zeros(n, dtype=np.int16),
        primary_year=np.zeros(n, dtype=np.int16),
        visits_last=np.zeros(n, dtype=np.int16),
        primary_last=np.zeros(n, dtype=np.int16),
        signed_last=np.zeros(n, dtype=bool),
        cost_year=np.zeros(n, dtype=np.float32),
        oop_year=np.zeros(n, dtype=np.float32),
        cost_last=np.zeros(n, dtype=np.float32),
        oop_last=np.zeros(n, dtype=np.float32),
        perceived_quality=np.zeros(n, dtype=np.float32),
        levels_year=np.zeros(n, dtype=np.uint8),
        admission_pending=np.zeros(n, dtype=bool),
    )
