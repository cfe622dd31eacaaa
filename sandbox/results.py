"""Results of a run: monthly time series, yearly summary, results by population group, files."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .population import AGE_BANDS, CELL_DIMS, cell_attribute
from .yearly import CellYear

HEADLINE = (
    "primary_care_share",
    "primary_admission_share",
    "signing_rate",
    "referrals_up",
    "referrals_down",
    "fund_spending",
    "fund_spending_per_capita",
    "fund_balance",
    "oop_per_capita",
    "total_cost_per_capita",
    "chronic_control_rate",
    "admissions_per_1000",
    "tertiary_wait_days",
    "team_income_mean",
    "hospital_revenue",
)

OUTCOME_LABELS: dict[str, tuple[str, str, str]] = {
    # name: (English label, Chinese label, unit)
    "primary_care_share": ("Primary-care share of outpatient visits", "基层门诊占比", "share"),
    "primary_admission_share": ("Primary share of admissions", "基层住院占比", "share"),
    "signing_rate": ("Signing rate", "签约率", "share"),
    "referrals_up": ("Upward referrals", "上转人次", "per year"),
    "referrals_down": ("Downward referrals", "下转人次", "per year"),
    "fund_spending": ("Fund spending", "医保基金支出", "yuan/year"),
    "fund_spending_per_capita": ("Fund spending per resident", "人均基金支出", "yuan/year"),
    "fund_balance": ("Fund balance (end of year)", "基金累计结余（年末）", "yuan"),
    "oop_per_capita": ("Out-of-pocket per resident", "人均自付", "yuan/year"),
    "total_cost_per_capita": ("Care cost per resident", "人均医疗费用", "yuan/year"),
    "chronic_control_rate": ("Chronic disease control rate", "慢病控制率", "share"),
    "admissions_per_1000": ("Admissions per 1,000 residents", "每千人住院人次", "per year"),
    "tertiary_wait_days": ("Tertiary wait", "三级医院等待天数", "days"),
    "team_income_mean": ("Mean family-doctor team income", "家庭医生团队平均收入", "yuan/year"),
    "hospital_revenue": ("Hospital revenue", "医院收入", "yuan/year"),
    "visits_per_capita": ("Outpatient visits per resident", "人均门诊人次", "per year"),
    "primary_care_share_signed": ("Primary share, signed residents", "签约居民基层门诊占比", "share"),
    "primary_care_share_unsigned": ("Primary share, unsigned residents", "未签约居民基层门诊占比", "share"),
    "signed_referral_rate": ("Signed residents' visits referred up", "签约居民上转率", "share"),
    "unreferred_tertiary_visits": ("Unreferred tertiary visits", "未经转诊三级门诊人次", "per year"),
    "chronic_control_rate_signed": ("Control rate, signed chronic patients", "签约慢病患者控制率", "share"),
}

# Fund spending by category and level: the per-year amounts summary() reports beside the headline.
SPENDING_CATEGORIES = (
    "fund_outpatient_primary",
    "fund_outpatient_secondary",
    "fund_outpatient_tertiary",
    "fund_inpatient_primary",
    "fund_inpatient_secondary",
    "fund_inpatient_tertiary",
    "fund_rehab",
    "fund_signing_fees",
    "fund_bonuses",
    "fund_team_surplus",
    "fund_alliance_surplus",
)

FLOW_COLUMNS = (
    "visits_primary visits_secondary visits_tertiary visits_signed visits_unsigned visits_signed_primary "
    "visits_unsigned_primary visits_unreferred_tertiary visits_outside_tertiary admissions_primary admissions_secondary "
    "admissions_tertiary referrals_up referrals_up_signed referrals_down care_cost fund_claims oop premiums fee_total "
    "fee_resident fee_fund fee_public_health fee_city_finance fee_district_finance fee_civil_affairs fund_bonus "
    "fund_team_surplus fund_alliance_surplus fund_spending hospital_revenue cost_rehab fund_rehab episodes_no_care "
    "cost_outpatient_primary cost_outpatient_secondary cost_outpatient_tertiary cost_inpatient_primary "
    "cost_inpatient_secondary cost_inpatient_tertiary fund_outpatient_primary fund_outpatient_secondary "
    "fund_outpatient_tertiary fund_inpatient_primary fund_inpatient_secondary fund_inpatient_tertiary"
).split()


def _share(a: float, b: float) -> float:
    return float(a) / float(b) if b else float("nan")


def headline_from_rows(ts: pd.DataFrame, n: int, team_income_mean: float) -> dict[str, float]:
    """Headline outcomes over the months in ``ts`` (flows summed, stocks at the last month)."""
    s = ts[FLOW_COLUMNS].sum()
    last = ts.iloc[-1]
    visits = s.visits_primary + s.visits_secondary + s.visits_tertiary
    adm = s.admissions_primary + s.admissions_secondary + s.admissions_tertiary
    years = len(ts) / 12.0
    out = {
        "primary_care_share": _share(s.visits_primary, visits),
        "primary_admission_share": _share(s.admissions_primary, adm),
        "signing_rate": float(last.signed) / n,
        "referrals_up": float(s.referrals_up) / years,
        "referrals_down": float(s.referrals_down) / years,
        "fund_spending": float(s.fund_spending) / years,
        "fund_spending_per_capita": float(s.fund_spending) / years / n,
        "fund_balance": float(last.fund_balance),
        "oop_per_capita": float(s.oop) / years / n,
        "total_cost_per_capita": float(s.care_cost) / years / n,
        "chronic_control_rate": _share(last.chronic_controlled, last.chronic),
        "admissions_per_1000": float(adm) / years / n * 1000,
        "tertiary_wait_days": float(ts.tertiary_wait_days.mean()),
        "team_income_mean": float(team_income_mean),
        "hospital_revenue": float(s.hospital_revenue) / years,
        "visits_per_capita": float(visits) / years / n,
        "primary_care_share_signed": _share(s.visits_signed_primary, s.visits_signed),
        "primary_care_share_unsigned": _share(s.visits_unsigned_primary, s.visits_unsigned),
        "signed_referral_rate": _share(s.referrals_up_signed, s.visits_signed),
        "unreferred_tertiary_visits": float(s.visits_unreferred_tertiary) / years,
        "chronic_control_rate_signed": _share(last.chronic_signed_controlled, last.chronic_signed),
    }
    for lv in ("primary", "secondary", "tertiary"):
        out[f"fund_outpatient_{lv}"] = float(s[f"fund_outpatient_{lv}"]) / years
        out[f"fund_inpatient_{lv}"] = float(s[f"fund_inpatient_{lv}"]) / years
    out["fund_rehab"] = float(s.fund_rehab) / years
    out["fund_signing_fees"] = float(s.fee_fund) / years
    out["fund_bonuses"] = float(s.fund_bonus) / years
    out["fund_team_surplus"] = float(s.fund_team_surplus) / years
    out["fund_alliance_surplus"] = float(s.fund_alliance_surplus) / years
    return out


def group_table(cells: CellYear, n_cell: np.ndarray, controlled_cell: np.ndarray, year: int) -> list[dict[str, Any]]:
    """Outcomes by population group for the year just ended, from the yearly sums by population
    cell ``cells``, the residents in each cell ``n_cell`` and the controlled chronic patients in each
    cell ``controlled_cell`` (each of length N_CELLS; the model calls this at year end, and every
    grouping dimension is constant within a year)."""
    y = cells
    attr = {name: cell_attribute(name) for name, _ in CELL_DIMS}
    dims = {
        # dimension: (group code of each cell, group labels)
        "area": (attr["urban"], ("rural", "urban")),
        "age_band": (attr["age_band"], AGE_BANDS),
        "chronic": (attr["chronic"], ("no chronic", "chronic")),
        "scheme": (attr["employee"], ("resident", "employee")),
        "income_quintile": (attr["quintile"], ("Q1", "Q2", "Q3", "Q4", "Q5")),
        "contract": (attr["signed"], ("unsigned", "signed")),
        "contract_chronic": (
            np.where(attr["chronic"] == 1, 1 + attr["signed"], 0),
            ("no chronic", "unsigned chronic", "signed chronic"),
        ),
    }
    rows = []
    for dim, (code, labels) in dims.items():
        k = len(labels)

        def total(w, code=code, k=k):
            return np.bincount(code, weights=w, minlength=k)

        n = total(n_cell)
        visits, vp = total(y.visits), total(y.visits_primary)
        adm, oop, fund, cost = total(y.admissions), total(y.oop), total(y.fund), total(y.cost)
        signed = total(n_cell * attr["signed"])
        n_chronic = total(n_cell * attr["chronic"])
        n_ctrl = total(controlled_cell)
        for g in range(k):
            if n[g] == 0:
                continue
            rows.append(
                {
                    "year": year,
                    "dimension": dim,
                    "group": labels[g],
                    "residents": int(n[g]),
                    "visits_per_capita": visits[g] / n[g],
                    "primary_care_share": _share(vp[g], visits[g]),
                    "admissions_per_1000": adm[g] / n[g] * 1000,
                    "oop_per_capita": oop[g] / n[g],
                    "fund_spending_per_capita": fund[g] / n[g],
                    "total_cost_per_capita": cost[g] / n[g],
                    "signing_rate": signed[g] / n[g],
                    "chronic_control_rate": _share(n_ctrl[g], n_chronic[g]),
                }
            )
    return rows


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


@dataclass
class Result:
    """What one run produced. ``timeseries`` has one row per month."""

    scenario: Any
    residents: int
    years: int
    seed: int
    timeseries: pd.DataFrame
    groups: pd.DataFrame
    teams: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def summary(self, year: int | None = None) -> dict[str, float]:
        """Headline outcomes of the last year (or of ``year``, 1-based)."""
        year = year or int(self.timeseries.year.max())
        ts = self.timeseries[self.timeseries.year == year]
        inc = self.teams[self.teams.year == year]
        inc_mean = (
            float((inc.fee_income + inc.service_income + inc.bonus_income + inc.surplus_income).mean())
            if len(inc)
            else float("nan")
        )
        return headline_from_rows(ts, self.residents, inc_mean)

    def yearly(self) -> pd.DataFrame:
        """One row per year with every headline outcome."""
        rows = [{"year": y, **self.summary(y)} for y in sorted(self.timeseries.year.unique())]
        return pd.DataFrame(rows)

    def by_group(self, year: int | None = None) -> pd.DataFrame:
        """Outcomes by urban/rural, age band, chronic condition, scheme, income quintile and contract."""
        year = year or int(self.groups.year.max())
        return self.groups[self.groups.year == year].reset_index(drop=True)

    def run_record(self) -> dict[str, Any]:
        from . import __version__

        return {
            "scenario": self.scenario.name,
            "scenario_file": self.scenario.path,
            "overrides": self.scenario.overrides,
            "phases": [{"month": ph.month, "set": ph.overrides} for ph in self.scenario.phases],
            "resolved_parameters": self.scenario.to_dict(),
            "residents": self.residents,
            "years": self.years,
            "seed": self.seed,
            "package_version": __version__,
            "git_commit": git_commit(),
            **self.meta,
        }

    def write(self, out: str | Path, fmt: str = "csv") -> list[Path]:
        """Write timeseries, yearly summary, groups, teams and run.json into ``out`` atomically:
        files are written into a temporary folder beside ``out`` and moved into place at the end."""
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        tables = {
            "timeseries": self.timeseries,
            "yearly": self.yearly(),
            "groups": self.groups,
            "teams": self.teams,
        }
        try:
            for name, df in tables.items():
                if fmt == "parquet":
                    df.to_parquet(tmp / f"{name}.parquet", index=False)
                else:
                    df.to_csv(tmp / f"{name}.csv", index=False)
            (tmp / "run.json").write_text(
                json.dumps(self.run_record(), indent=2, ensure_ascii=False, default=str), encoding="utf-8"
            )
            out.mkdir(exist_ok=True)
            written = []
            for f in sorted(tmp.iterdir()):
                os.replace(f, out / f.name)
                written.append(out / f.name)
        finally:
            for f in tmp.glob("*"):
                f.unlink()
            tmp.rmdir()
        return written
