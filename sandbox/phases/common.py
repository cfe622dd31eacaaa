"""Shared definitions for the phases: episode kinds, choice alternatives, prices and rates."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# episode kinds
MINOR, CHRONIC, SERIOUS, REFERRED, REHAB = 0, 1, 2, 3, 4
KIND_NAMES = ("minor", "chronic_followup", "admission", "referred_visit", "rehabilitation")
# choice alternatives; LEVEL_OF_ALT maps them to care levels (0 none, 1 primary, 2 secondary, 3 tertiary)
NONE, PRIMARY, SECONDARY, TERTIARY, OUTSIDE = 0, 1, 2, 3, 4
N_ALTS = 5
LEVEL_OF_ALT = np.array([0, 1, 2, 3, 3], dtype=np.int8)
LEVEL_NAMES = ("none", "primary", "secondary", "tertiary")

# random-draw purposes (the `purpose` argument of Streams.uniform)
P_MINOR, P_CHRONIC, P_SERIOUS, P_REASSESS, P_CONTROL = 0, 1, 2, 3, 4
P_TASTE, P_OUTSIDE_AVAIL, P_VIA_FD, P_UP, P_DOWN, P_SIGN, P_RENEW, P_ORDER = 10, 11, 12, 13, 14, 15, 16, 17
P_EXPERIENCE = 18  # what a primary visit meets of the team's capability (phases.experience)
P_GRANT, P_REFUSED = 19, 20  # the family doctor's answer to a referral request; the refused patient's next step
# whether an admission need is elective (``illness`` stream) and whether an elective admission not
# taken is delayed to next month or forgone (``choice`` stream)
P_ELECTIVE, P_DELAY = 5, 21


@dataclass
class Episodes:
    """This month's care episodes as parallel arrays (one entry per episode)."""

    res: np.ndarray
    kind: np.ndarray
    slot: np.ndarray
    alt: np.ndarray = field(default=None)  # chosen alternative
    referred: np.ndarray = field(default=None)  # referred by the family doctor (upward)
    asked: np.ndarray = field(default=None)  # the patient asked the family doctor for a referral (granted: referred)

    @classmethod
    def empty(cls) -> Episodes:
        """No episodes (the model's state before its first month)."""
        i = np.zeros(0, dtype=np.int64)
        b = np.zeros(0, bool)
        return cls(res=i, kind=np.zeros(0, np.int8), slot=i, alt=np.zeros(0, np.int8), referred=b, asked=b)

    @property
    def n(self) -> int:
        return self.res.shape[0]

    def append(self, other: Episodes) -> Episodes:
        return Episodes(
            res=np.concatenate([self.res, other.res]),
            kind=np.concatenate([self.kind, other.kind]),
            slot=np.concatenate([self.slot, other.slot]),
            alt=np.concatenate([self.alt, other.alt]),
            referred=np.concatenate([self.referred, other.referred]),
            asked=np.concatenate([self.asked, other.asked]),
        )


RURAL_URBAN = np.array([False, True])


def outpatient_prices(p: dict, urban: np.ndarray) -> np.ndarray:
    """(n, 5) price of a visit at each alternative (a rural and an urban row, gathered)."""
    table = np.zeros((2, N_ALTS))
    table[:, PRIMARY] = np.where(RURAL_URBAN, p["prices.outpatient.primary_urban"], p["prices.outpatient.primary_rural"])
    table[:, SECONDARY] = p["prices.outpatient.secondary"]
    table[:, TERTIARY] = p["prices.outpatient.tertiary"]
    table[:, OUTSIDE] = p["prices.outpatient.tertiary"]
    return table[urban.astype(np.int8)]


def inpatient_prices(p: dict, urban: np.ndarray) -> np.ndarray:
    """(n, 5) bill of an admission at each alternative (DRG price at hospitals under DRG)."""
    f = p["hospital.drg_price_factor"] if p["hospital.payment_mode"] == "drg" else 1.0
    table = np.zeros((2, N_ALTS))
    table[:, PRIMARY] = np.where(RURAL_URBAN, p["prices.inpatient.primary_urban"], p["prices.inpatient.primary_rural"])
    table[:, SECONDARY] = p["prices.inpatient.secondary"] * f
    table[:, TERTIARY] = p["prices.inpatient.tertiary"] * f
    table[:, OUTSIDE] = p["prices.inpatient.tertiary"] * f
    return table[urban.astype(np.int8)]


GATEKEEPING_SCOPES = ("signed", "resident_scheme", "all_insured")


def gatekept(p: dict, signed: np.ndarray, employee: np.ndarray) -> np.ndarray:
    """Residents the referral rules bind (``referral.gatekeeping_scope``): signed residents; or, in
    addition, every resident-scheme member (a rural county pilot); or every insured resident."""
    scope = p["referral.gatekeeping_scope"]
    if scope == "all_insured":
        return np.ones(signed.shape[0], bool)
    if scope == "resident_scheme":
        return signed | ~employee
    return signed.astype(bool, copy=True)


def bypass_penalties(p: dict, inpatient: bool) -> np.ndarray:
    """(5,) percentage points removed from the rate of a gatekept resident's unreferred episode at
    each alternative: ``reimbursement.bypass_penalty`` at the hospitals; under hard binding an
    outpatient visit at the outside hospital without referral is not reimbursed at all (1)."""
    pen = np.zeros(N_ALTS)
    pen[SECONDARY:] = p["reimbursement.bypass_penalty"]
    if not inpatient and p["referral.binding"] == "hard":
        pen[OUTSIDE] = 1.0
    return pen


def _penalty(p: dict, inpatient: bool, gated: np.ndarray, referred: np.ndarray) -> np.ndarray:
    """(n, 5) percentage points removed for gatekept residents going up without referral."""
    return bypass_penalties(p, inpatient)[None, :] * (gated & ~referred)[:, None]


# every combination of (signed, employee, referred), indexed by signed + 2 * employee + 4 * referred
COMBO_SIGNED = np.array([0, 1, 0, 1, 0, 1, 0, 1], dtype=bool)
COMBO_EMPLOYEE = np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=bool)
COMBO_REFERRED = np.array([0, 0, 0, 0, 1, 1, 1, 1], dtype=bool)


def combo_code(signed: np.ndarray, employee: np.ndarray, referred: np.ndarray) -> np.ndarray:
    """Row of the COMBO_* tables: ``signed + 2 * employee + 4 * referred``."""
    return signed.astype(np.int8) + 2 * employee.astype(np.int8) + 4 * referred.astype(np.int8)


def rates(p: dict, inpatient: bool, signed: np.ndarray, employee: np.ndarray, referred: np.ndarray) -> np.ndarray:
    """(n, 5) share of the bill above the deductible paid by the fund at each alternative.

    The rate depends only on (signed, scheme, referred), so it is computed for the eight
    combinations by :func:`rates_rows` and gathered per episode."""
    table = rates_rows(p, inpatient, COMBO_SIGNED, COMBO_EMPLOYEE, COMBO_REFERRED)
    code = combo_code(signed, employee, referred)
    return table[code]


def rates_rows(p: dict, inpatient: bool, signed: np.ndarray, employee: np.ndarray, referred: np.ndarray) -> np.ndarray:
    """The reimbursement rules, row by row.

    Base rate by level (and scheme for admissions); + signed bonus at primary; + referral bonus at
    upper levels when referred; referred resident-scheme patients settled at least at the primary
    rate if that lever is on; - bypass penalty (:func:`bypass_penalties`) for unreferred visits of
    gatekept residents (:func:`gatekept`) and unreferred admissions of signed residents."""
    levels = ("primary", "secondary", "tertiary", "tertiary")
    if inpatient:
        table = np.array(
            [[0.0] + [p[f"reimbursement.inpatient.{sch}.{lv}"] for lv in levels] for sch in ("resident", "employee")]
        )
        r = table[employee.astype(np.int8)]
    else:
        r = np.tile(np.array([0.0] + [p[f"reimbursement.outpatient.{lv}"] for lv in levels]), (signed.shape[0], 1))
    bonus = p["reimbursement.signed_primary_bonus"]
    if bonus:
        r[:, PRIMARY] += signed * bonus
    if p["reimbursement.referral_bonus"]:
        r[:, SECONDARY:] += (referred * p["reimbursement.referral_bonus"])[:, None]
    if p["reimbursement.referral_settled_at_primary_rate"]:
        at_primary = np.where(referred & ~employee, r[:, PRIMARY], 0.0)
        r[:, SECONDARY:] = np.maximum(r[:, SECONDARY:], at_primary[:, None])
    pen = bypass_penalties(p, inpatient)
    if pen.any():
        # admissions pass through the family doctor only under a contract (care.py), so the wider
        # gatekeeping scopes bind outpatient visits; admissions keep the penalty for signed residents
        bound = signed.astype(bool) if inpatient else gatekept(p, signed, employee)
        r -= _penalty(p, inpatient, bound, referred)
    return np.clip(r, 0.0, 1.0, out=r)


def rate_at(
    p: dict, inpatient: bool, alt: np.ndarray | int, signed: np.ndarray, employee: np.ndarray, referred: np.ndarray
) -> np.ndarray:
    """:func:`rates` at one chosen alternative per episode."""
    table = rates_rows(p, inpatient, COMBO_SIGNED, COMBO_EMPLOYEE, COMBO_REFERRED)
    code = combo_code(signed, employee, referred)
    return table[code, alt]


def inpatient_deductibles(p: dict, referred: np.ndarray) -> np.ndarray:
    """(n, 5) deductible per admission; cumulative deductible for referred admissions if enabled."""
    dp = p["deductible.inpatient.primary"]
    table = np.zeros((2, N_ALTS))  # row 0 not referred, row 1 referred
    table[:, PRIMARY] = dp
    table[:, SECONDARY] = p["deductible.inpatient.secondary"]
    table[:, TERTIARY:] = p["deductible.inpatient.tertiary"]
    if p["deductible.cumulative_upward_referral"]:
        table[1, SECONDARY:] = np.maximum(table[1, SECONDARY:] - dp, 0.0)
    return table[referred.astype(np.int8)]


def outpatient_deductible_left(p: dict, signed: np.ndarray, employee: np.ndarray, paid: np.ndarray) -> np.ndarray:
    """Outpatient deductible still to pay this year, per resident."""
    ded = np.where(employee, p["deductible.outpatient.employee"], p["deductible.outpatient.resident"])
    ded = np.maximum(ded - signed * p["deductible.signed_relief"], 0.0)
    return np.maximum(ded - paid, 0.0)


def oop_of(price: np.ndarray, deductible: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Out-of-pocket for a bill: the deductible part in full, the rest at (1 - rate)."""
    ded = np.minimum(price, deductible)
    return ded + (price - ded) * (1.0 - rate)
