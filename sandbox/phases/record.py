"""Phase 8, record: the month's figures become one row of the time series, and the books are
checked: every yuan of care cost is paid by the fund or the patient, every yuan of signing fee
by one of its payers, and every yuan spent on primary-care capability by one of its payers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..outcomes import check_row
from ..params import CAPABILITY_ITEMS, CAPABILITY_PAYERS, PAYERS

if TYPE_CHECKING:
    from ..model import SandboxModel

READS = (
    "acc.*",
    "res.chronic",
    "res.controlled",
    "res.diabetes",
    "res.hypertension",
    "res.priority",
    "res.served",
    "res.perceived_quality",
    "res.signed",
    "fund.balance",
    "teams.capability",
    "teams.effort",
    "teams.up_rate",
    "hospitals.level",
    "hospitals.month_revenue",
    "hospitals.name",
    "hospitals.utilisation",
    "levers.capacity",
)
WRITES = ("rows",)


class LedgerError(AssertionError):
    """The books did not close (a bug in the model, never a user error)."""


def check_ledger(row: dict) -> None:
    """Raise :class:`LedgerError` when care cost is not fund claims + out-of-pocket, the signing fee
    is not the sum of its payers' shares, or the capability spending is not the sum of its levers'
    costs and of what its payers paid (to a cent plus a relative 1e-9)."""
    tol = 0.01 + 1e-9 * max(row["care_cost"], 1.0)
    if abs(row["care_cost"] - row["fund_claims"] - row["oop"]) > tol:
        raise LedgerError(
            f"month {row['month']}: care cost {row['care_cost']:.2f} != fund {row['fund_claims']:.2f} + out-of-pocket {row['oop']:.2f}"
        )
    fees = sum(row[f"fee_{p}"] for p in PAYERS)
    if abs(row["fee_total"] - fees) > 0.01 + 1e-9 * max(row["fee_total"], 1.0):
        raise LedgerError(f"month {row['month']}: signing fees {row['fee_total']:.2f} != sum of payer shares {fees:.2f}")
    total = row["capability_total"]
    tol = 0.01 + 1e-9 * max(total, 1.0)
    items = sum(row[f"capability_{i}"] for i in CAPABILITY_ITEMS)
    paid = sum(row[f"capability_paid_{q}"] for q in CAPABILITY_PAYERS)
    if abs(total - items) > tol or abs(total - paid) > tol:
        raise LedgerError(
            f"month {row['month']}: capability spending {total:.2f} != its levers' costs {items:.2f} or its payers' {paid:.2f}"
        )


def run(m: SandboxModel) -> None:
    """Reads: acc (the month's flows); residents' contract, served, priority group, chronic (hypertension, diabetes), controlled, perceived quality; fund balance; teams' effort, up_rate and capability; hospitals' month_revenue and utilisation; lever capacity.base_wait_days. Writes: m.rows (appends the month's row, after :func:`~sandbox.outcomes.check_row` and :func:`check_ledger`).

    The row is the month's flows plus the stocks at the end of the month: signed residents, chronic
    patients and how many are controlled, the city hospital's wait, the fund balance, the teams'
    mean effort and referral rate, and the hospitals' revenue."""
    r, a = m.res, m.acc
    row = {"month": m.month, "year": m.month // 12 + 1}
    row.update(a)
    row["residents"] = r.n
    # np.count_nonzero counts a boolean column many times faster than .sum()
    row["signed"] = float(np.count_nonzero(r.signed))
    chronic = r.chronic
    row["chronic"] = float(np.count_nonzero(chronic))
    row["chronic_controlled"] = float(np.count_nonzero(chronic & r.controlled))
    row["chronic_signed"] = float(np.count_nonzero(chronic & r.signed))
    row["chronic_signed_controlled"] = float(np.count_nonzero(chronic & r.signed & r.controlled))
    # signed residents who have used their family doctor since the contract year began (签约后是否履约)
    row["signed_served"] = float(np.count_nonzero(r.signed & r.served))
    row["priority"] = float(np.count_nonzero(r.priority))
    row["priority_signed"] = float(np.count_nonzero(r.priority & r.signed))
    for name, has in (("hypertension", r.hypertension), ("diabetes", r.diabetes)):
        row[name] = float(np.count_nonzero(has))
        row[f"{name}_controlled"] = float(np.count_nonzero(has & r.controlled))
    row["tertiary_wait_days"] = next(h for h in m.hospitals if h.name == "city").wait_days(m.p["capacity.base_wait_days"])
    row["fund_balance"] = m.fund.balance
    row["team_effort_mean"] = float(m.team_array("effort").mean())
    row["team_up_rate_mean"] = float(m.team_array("up_rate").mean())
    row["primary_capability"] = float(m.team_array("capability").mean())
    row["perceived_primary_quality"] = float(r.perceived_quality.mean(dtype=np.float64))
    row["hospital_revenue"] = sum(h.month_revenue for h in m.hospitals)
    check_row(row)
    check_ledger(row)
    m.rows.append(row)
