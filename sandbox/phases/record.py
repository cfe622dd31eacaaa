"""Phase 7, record: the month's figures become one row of the time series, and the books are
checked: every yuan of care cost is paid by the fund or the patient, every yuan of signing fee by
one of its payers, and the fund balance moves by revenue minus spending."""

from __future__ import annotations

from ..outcomes import check_row
from ..params import PAYERS


class LedgerError(AssertionError):
    """The books did not close (a bug in the model, never a user error)."""


def check_ledger(row: dict) -> None:
    tol = 0.01 + 1e-9 * max(row["care_cost"], 1.0)
    if abs(row["care_cost"] - row["fund_claims"] - row["oop"]) > tol:
        raise LedgerError(
            f"month {row['month']}: care cost {row['care_cost']:.2f} != fund {row['fund_claims']:.2f} + out-of-pocket {row['oop']:.2f}"
        )
    fees = sum(row[f"fee_{p}"] for p in PAYERS)
    if abs(row["fee_total"] - fees) > 0.01 + 1e-9 * max(row["fee_total"], 1.0):
        raise LedgerError(f"month {row['month']}: signing fees {row['fee_total']:.2f} != sum of payer shares {fees:.2f}")


def record(m) -> None:
    r, a = m.res, m.acc
    row = {"month": m.month, "year": m.month // 12 + 1}
    row.update(a)
    row["residents"] = r.n
    row["signed"] = float(r.signed.sum())
    chronic = r.chronic
    row["chronic"] = float(chronic.sum())
    row["chronic_controlled"] = float((chronic & r.controlled).sum())
    row["chronic_signed"] = float((chronic & r.signed).sum())
    row["chronic_signed_controlled"] = float((chronic & r.signed & r.controlled).sum())
    row["tertiary_wait_days"] = next(h for h in m.hospitals if h.name == "city").wait_days(m.p["capacity.base_wait_days"])
    row["fund_balance"] = m.fund.balance
    row["team_effort_mean"] = float(m.team_array("effort").mean())
    row["team_up_rate_mean"] = float(m.team_array("up_rate").mean())
    row["team_fee_income"] = a["fee_total"]
    row["hospital_revenue"] = sum(h.month_revenue for h in m.hospitals)
    check_row(row)
    check_ledger(row)
    m.rows.append(row)
