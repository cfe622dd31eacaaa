"""The one home of outcomes: the columns of the monthly row, and every outcome computed from them.

Two declarations, each written once and read by everything else:

* :data:`COLUMNS`: the columns of the monthly row that :func:`sandbox.phases.record.record` appends
  to the time series, with unit, kind and meaning. ``kind`` says how a column aggregates over a
  period: a ``flow`` is summed (visits in the month), a ``stock`` is read at the period's last month
  (signed residents, fund balance), a ``level`` is averaged over the months (expected wait), a
  ``key`` identifies the month. ``record`` refuses a row whose columns are not exactly these.
* :data:`OUTCOMES`: every outcome with English and Chinese label, unit, formula and tags. A formula
  is an expression over the period's aggregated columns (plus ``years``, the period's length, and
  ``share(a, b)``, which is ``a / b`` or NaN when ``b`` is 0); outcomes whose ``source`` is
  ``teams`` are computed from the year's team table; ``group_formula`` computes the outcome for a
  population group from that group's yearly sums (:data:`GROUP_SUMS`).

Tags say where an outcome is shown: ``card`` (the app's headline cards), ``report`` (the HTML
report's table), ``timeseries`` (the app's monthly chart), ``group`` (results by population group,
``Result.by_group``), ``cli`` (``sandbox run``'s summary), ``batch`` (what a batch experiment records
when its file names no outcomes), ``spending`` (fund spending by category), ``walkthrough`` (the
cards of the guided walkthrough of city cases). Order within a tag is
the order of declaration here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from types import CodeType
from typing import Any

import numpy as np
import pandas as pd

KINDS = ("key", "flow", "stock", "level")
TAGS = ("card", "report", "timeseries", "group", "cli", "batch", "spending", "walkthrough")


@dataclass(frozen=True)
class Column:
    """One column of the monthly row."""

    name: str
    unit: str
    kind: str  # key | flow | stock | level
    meaning: str
    phase: str  # the phase that writes it
    diagnostic: bool = False  # kept for tests (e.g. common random numbers), not an outcome


@dataclass(frozen=True)
class Outcome:
    """One outcome: labels, unit, how it is computed and where it is shown."""

    name: str
    label_en: str
    label_zh: str
    unit: str  # share | yuan | yuan/year | per year | residents/year | days
    formula: str
    tags: frozenset[str]
    source: str = "rows"  # rows: aggregated monthly rows; teams: the year's team table; signers: the year's new signers
    group_formula: str | None = None  # over one population group's yearly sums

    @cached_property
    def code(self) -> CodeType:
        return compile(self.formula, f"<outcome {self.name}>", "eval")

    @cached_property
    def group_code(self) -> CodeType | None:
        return compile(self.group_formula, f"<outcome {self.name} by group>", "eval") if self.group_formula else None


def _columns() -> tuple[Column, ...]:
    C = Column
    cols = [
        C("month", "month", "key", "Month of the run, from 0", "record"),
        C("year", "year", "key", "Year of the run, from 1", "record"),
        C("episodes_minor", "episodes/month", "flow", "Minor-illness episodes drawn", "illness"),
        C("episodes_serious", "episodes/month", "flow", "Episodes that need an admission", "illness"),
        C(
            "illness_fingerprint",
            "hash",
            "flow",
            "A checksum of who fell ill: equal across policies under common random numbers",
            "illness",
            diagnostic=True,
        ),
    ]
    for lv in ("primary", "secondary", "tertiary"):
        cols += [
            C(f"visits_{lv}", "visits/month", "flow", f"Outpatient visits at {lv} level (tertiary includes outside)", "payment"),
            C(f"admissions_{lv}", "admissions/month", "flow", f"Admissions at {lv} level", "payment"),
            C(f"cost_outpatient_{lv}", "yuan/month", "flow", f"Cost of outpatient visits at {lv} level", "payment"),
            C(f"cost_inpatient_{lv}", "yuan/month", "flow", f"Cost of admissions at {lv} level", "payment"),
            C(f"fund_outpatient_{lv}", "yuan/month", "flow", f"Fund claims for outpatient visits at {lv} level", "payment"),
            C(f"fund_inpatient_{lv}", "yuan/month", "flow", f"Fund claims for admissions at {lv} level", "payment"),
            C(f"visits_signed_{lv}", "visits/month", "flow", f"Outpatient visits of signed residents at {lv} level", "payment"),
        ]
    cols += [
        C(
            "visits_outside_tertiary",
            "visits/month",
            "flow",
            "Tertiary visits at a hospital outside the resident's set",
            "payment",
        ),
        C("visits_unreferred_tertiary", "visits/month", "flow", "Tertiary visits without a family doctor's referral", "payment"),
        C("visits_followup", "visits/month", "flow", "Chronic patients' follow-up visits (hypertension or diabetes)", "payment"),
        C("visits_followup_primary", "visits/month", "flow", "Of which at primary level", "payment"),
        C("visits_60plus", "visits/month", "flow", "Outpatient visits of residents aged 60+", "payment"),
        C("visits_60plus_primary", "visits/month", "flow", "Of which at primary level", "payment"),
        C("visits_followup_hypertension", "visits/month", "flow", "Follow-up visits of hypertensive patients", "payment"),
        C("visits_followup_hypertension_primary", "visits/month", "flow", "Of which at primary level", "payment"),
        C("visits_followup_diabetes", "visits/month", "flow", "Follow-up visits of diabetic patients", "payment"),
        C("visits_followup_diabetes_primary", "visits/month", "flow", "Of which at primary level", "payment"),
        C("visits_signed", "visits/month", "flow", "Outpatient visits of signed residents", "payment"),
        C("visits_unsigned", "visits/month", "flow", "Outpatient visits of unsigned residents", "payment"),
        C("visits_unsigned_primary", "visits/month", "flow", "Primary visits of unsigned residents", "payment"),
        C("episodes_no_care", "episodes/month", "flow", "Outpatient episodes for which the resident sought no care", "payment"),
        C(
            "admissions_delayed",
            "admissions/month",
            "flow",
            "Elective admissions not taken for their cost and delayed: needed again next month",
            "care",
        ),
        C("admissions_forgone", "admissions/month", "flow", "Elective admissions not taken for their cost and forgone", "care"),
        C("cost_rehab", "yuan/month", "flow", "Cost of rehabilitation after downward referral", "payment"),
        C("fund_rehab", "yuan/month", "flow", "Fund claims for rehabilitation after downward referral", "payment"),
        C("referrals_up", "referrals/month", "flow", "Visits and admissions referred up by a family doctor", "payment"),
        C("referrals_up_signed", "referrals/month", "flow", "Upward referrals of signed residents", "payment"),
        C(
            "referrals_down",
            "referrals/month",
            "flow",
            "Admitted patients referred down (each adds one rehabilitation episode at primary level)",
            "payment",
        ),
        C(
            "referrals_asked",
            "requests/month",
            "flow",
            "Patients' requests to their family doctor for a referral to a hospital (residents bound by the referral rules)",
            "payment",
        ),
        C("referrals_granted", "requests/month", "flow", "Referral requests granted (a referred hospital visit)", "payment"),
        C("referrals_refused", "requests/month", "flow", "Referral requests refused by the family doctor", "payment"),
        C(
            "referrals_refused_direct",
            "requests/month",
            "flow",
            "Of which the patient went to the hospital directly, unreferred",
            "payment",
        ),
        C(
            "visits_bypass",
            "visits/month",
            "flow",
            "Hospital visits without referral by residents bound by the referral rules, at the penalised or unreimbursed price (leakage)",
            "payment",
        ),
        C("oop_bypass", "yuan/month", "flow", "Out-of-pocket paid for those visits", "payment"),
        C("care_cost", "yuan/month", "flow", "Cost of all care (visits, admissions, rehabilitation)", "payment"),
        C("fund_claims", "yuan/month", "flow", "The fund's share of the cost of care", "payment"),
        C("oop", "yuan/month", "flow", "Patients' out-of-pocket share of the cost of care", "payment"),
        C(
            "patients_outpatient",
            "residents/month",
            "flow",
            "Residents with their first outpatient visit of the year this month (summed over a year: distinct outpatients)",
            "experience",
        ),
        C(
            "patients_primary",
            "residents/month",
            "flow",
            "Residents with their first primary outpatient visit of the year this month (a year's sum: distinct patients)",
            "experience",
        ),
        C(
            "patients_secondary",
            "residents/month",
            "flow",
            "Residents with their first secondary outpatient visit of the year this month (a year's sum: distinct patients)",
            "experience",
        ),
        C(
            "patients_tertiary",
            "residents/month",
            "flow",
            "Residents with their first tertiary outpatient visit of the year this month (a year's sum: distinct patients)",
            "experience",
        ),
        C("premiums", "yuan/month", "flow", "Premium revenue of the fund", "settlement"),
        C("fee_total", "yuan/month", "flow", "Signing fees paid to teams, all payers", "settlement"),
    ]
    for payer in ("resident", "fund", "public_health", "city_finance", "district_finance", "civil_affairs"):
        cols.append(C(f"fee_{payer}", "yuan/month", "flow", f"Signing fees paid by {payer.replace('_', ' ')}", "settlement"))
    cols += [
        C("fund_bonus", "yuan/month", "flow", "Performance bonuses paid by the fund (year end)", "settlement"),
        C(
            "fund_team_surplus",
            "yuan/month",
            "flow",
            "Team budget surplus paid out (negative: overrun borne by teams)",
            "settlement",
        ),
        C(
            "fund_alliance_surplus",
            "yuan/month",
            "flow",
            "Global-budget surplus retained / overrun shared by hospitals",
            "settlement",
        ),
    ]
    for item, what in (
        ("specialists", "hospital specialists' sessions at community centres"),
        ("drug_list", "the drug list matched with the hospitals'"),
        ("equipment", "equipment and tests at community level"),
        ("gp_training", "GP training"),
    ):
        cols.append(C(f"capability_{item}", "yuan/month", "flow", f"Primary-care capability: cost of {what}", "settlement"))
    cols.append(C("capability_total", "yuan/month", "flow", "Primary-care capability: all levers' cost", "settlement"))
    for payer in ("fund", "district_finance", "city_finance", "public_health", "hospital"):
        who = "the lead hospital (out of its revenue)" if payer == "hospital" else payer.replace("_", " ")
        cols.append(C(f"capability_paid_{payer}", "yuan/month", "flow", f"Primary-care capability paid by {who}", "settlement"))
    cols += [
        C(
            "fund_spending",
            "yuan/month",
            "flow",
            "All fund spending: claims, fee share, bonuses, surpluses, capability share",
            "settlement",
        ),
        C("residents", "residents", "stock", "Residents simulated", "record"),
        C("signed", "residents", "stock", "Residents with a family-doctor contract", "record"),
        C("chronic", "residents", "stock", "Residents with a chronic condition", "record"),
        C("chronic_controlled", "residents", "stock", "Chronic patients whose condition is controlled", "record"),
        C("chronic_signed", "residents", "stock", "Signed chronic patients", "record"),
        C("chronic_signed_controlled", "residents", "stock", "Signed chronic patients whose condition is controlled", "record"),
        C(
            "signed_served",
            "residents",
            "stock",
            "Signed residents who have made a primary visit to their family-doctor team since the contract year began",
            "record",
        ),
        C("priority", "residents", "stock", "Residents in a priority group (aged 60+, chronic or disabled)", "record"),
        C("priority_signed", "residents", "stock", "Of which with a family-doctor contract", "record"),
        C("hypertension", "residents", "stock", "Residents with hypertension (with or without diabetes)", "record"),
        C("hypertension_controlled", "residents", "stock", "Hypertensive patients whose condition is controlled", "record"),
        C("diabetes", "residents", "stock", "Residents with diabetes (with or without hypertension)", "record"),
        C("diabetes_controlled", "residents", "stock", "Diabetic patients whose condition is controlled", "record"),
        C("tertiary_wait_days", "days", "level", "Expected wait at the city tertiary hospital", "record"),
        C("fund_balance", "yuan", "stock", "The fund's balance at the end of the month", "record"),
        C("team_effort_mean", "share", "stock", "Mean effort of family-doctor teams (0–1)", "record"),
        C("team_up_rate_mean", "share", "stock", "Mean upward-referral rate of teams", "record"),
        C(
            "primary_capability",
            "share",
            "stock",
            "Mean capability of teams: share of the district hospital's quality advantage closed",
            "record",
        ),
        C(
            "perceived_primary_quality",
            "share",
            "stock",
            "Residents' mean perceived quality of primary care (share of the district hospital's advantage)",
            "record",
        ),
        C("hospital_revenue", "yuan/month", "flow", "Hospitals' revenue from visits and admissions", "record"),
    ]
    return tuple(cols)


COLUMNS: tuple[Column, ...] = _columns()
COLUMN: Mapping[str, Column] = {c.name: c for c in COLUMNS}
COLUMN_NAMES: frozenset[str] = frozenset(COLUMN)

# The yearly sums of a population group that group formulas read (see results.group_table).
GROUP_SUMS: Mapping[str, str] = {
    "residents": "residents in the group (contract status as of the year)",
    "visits": "outpatient visits",
    "visits_primary": "outpatient visits at primary level",
    "admissions": "admissions",
    "oop": "out-of-pocket payments, yuan",
    "fund_claims": "fund claims for the group's care, yuan (fees, bonuses and surpluses are not attributed to residents)",
    "care_cost": "cost of the group's care, yuan",
    "signed": "signed residents",
    "chronic": "chronic patients",
    "chronic_controlled": "chronic patients controlled at year end",
}

_VISITS = "(visits_primary + visits_secondary + visits_tertiary)"
_ADMISSIONS = "(admissions_primary + admissions_secondary + admissions_tertiary)"


def _outcomes() -> tuple[Outcome, ...]:
    def decl(name, en, zh, unit, formula, tags, group=None, source="rows"):
        return Outcome(name, en, zh, unit, formula, frozenset(tags.split()), source, group)

    most = "card report cli batch"
    walk = "walkthrough"
    out = [
        decl(
            "primary_care_share",
            "Primary-care share of outpatient visits",
            "基层门诊占比",
            "share",
            f"share(visits_primary, {_VISITS})",
            f"{most} timeseries group {walk}",
            "share(visits_primary, visits)",
        ),
        decl(
            "fund_spending_per_capita",
            "Fund spending per resident",
            "人均基金支出",
            "yuan/year",
            "fund_spending / years / residents",
            f"{most} timeseries group {walk}",
            "fund_claims / residents",
        ),
        decl(
            "oop_per_capita",
            "Out-of-pocket per resident",
            "人均自付",
            "yuan/year",
            "oop / years / residents",
            f"{most} timeseries group {walk}",
            "oop / residents",
        ),
        decl(
            "signing_rate",
            "Signing rate",
            "签约率",
            "share",
            "signed / residents",
            f"{most} timeseries group {walk}",
            "signed / residents",
        ),
        decl(
            "used_family_doctor_share",
            "Signed residents who used their family doctor within the year",
            "签约居民年内利用家庭医生服务比例",
            "share",
            "share(signed_served, signed)",
            "cli batch",
        ),
        decl(
            "signing_rate_priority",
            "Signing rate, priority groups",
            "重点人群签约率",
            "share",
            "share(priority_signed, priority)",
            "cli batch",
        ),
        decl(
            "chronic_control_rate",
            "Chronic disease control rate",
            "慢病控制率",
            "share",
            "share(chronic_controlled, chronic)",
            f"{most} timeseries group {walk}",
            "share(chronic_controlled, chronic)",
        ),
        decl("referrals_up", "Upward referrals", "上转人次", "per year", "referrals_up / years", f"{most} timeseries {walk}"),
        decl(
            "referrals_down", "Downward referrals", "下转人次", "per year", "referrals_down / years", f"{most} timeseries {walk}"
        ),
        decl(
            "admissions_per_1000",
            "Admissions per 1,000 residents",
            "每千人住院人次",
            "per year",
            f"{_ADMISSIONS} / years / residents * 1000",
            f"{most} group",
            "admissions / residents * 1000",
        ),
        decl(
            "forgone_admissions_per_1000",
            "Elective admissions forgone per 1,000 residents",
            "每千人放弃的择期住院",
            "per year",
            "admissions_forgone / years / residents * 1000",
            "report cli batch",
        ),
        decl(
            "delayed_admissions_per_1000",
            "Elective admissions delayed per 1,000 residents",
            "每千人推迟的择期住院",
            "per year",
            "admissions_delayed / years / residents * 1000",
            "cli batch",
        ),
        decl("tertiary_wait_days", "Tertiary wait", "三级医院等待天数", "days", "tertiary_wait_days", f"{most} timeseries"),
        decl(
            "team_income_mean",
            "Mean family-doctor team income",
            "家庭医生团队平均收入",
            "yuan/year",
            "mean(fee_income + service_income + bonus_income + surplus_income)",
            most,
            source="teams",
        ),
        decl("hospital_revenue", "Hospital revenue", "医院收入", "yuan/year", "hospital_revenue / years", "card batch"),
        decl(
            "primary_admission_share",
            "Primary share of admissions",
            "基层住院占比",
            "share",
            f"share(admissions_primary, {_ADMISSIONS})",
            "card cli batch",
        ),
        decl(
            "followup_primary_share",
            "Primary share of chronic follow-up visits",
            "慢病随访就诊中基层占比",
            "share",
            "share(visits_followup_primary, visits_followup)",
            "cli batch",
        ),
        decl(
            "primary_care_share_60plus",
            "Primary share, residents aged 60+",
            "60岁及以上居民基层门诊占比",
            "share",
            "share(visits_60plus_primary, visits_60plus)",
            "cli batch",
        ),
        decl(
            "followup_primary_share_hypertension",
            "Primary share of hypertension follow-up visits",
            "高血压随访就诊中基层占比",
            "share",
            "share(visits_followup_hypertension_primary, visits_followup_hypertension)",
            "cli batch",
        ),
        decl(
            "followup_primary_share_diabetes",
            "Primary share of diabetes follow-up visits",
            "糖尿病随访就诊中基层占比",
            "share",
            "share(visits_followup_diabetes_primary, visits_followup_diabetes)",
            "cli batch",
        ),
        decl(
            "control_rate_hypertension",
            "Control rate, hypertension",
            "高血压控制率",
            "share",
            "share(hypertension_controlled, hypertension)",
            "cli batch",
        ),
        decl(
            "control_rate_diabetes",
            "Control rate, diabetes",
            "糖尿病控制率",
            "share",
            "share(diabetes_controlled, diabetes)",
            "cli batch",
        ),
        decl(
            "new_signer_primary_share_before",
            "New signers' primary share, the year before signing",
            "新签约居民签约前一年基层门诊占比",
            "share",
            "share(primary_before, visits_before)",
            "cli batch",
            source="signers",
        ),
        decl(
            "new_signer_primary_share_after",
            "New signers' primary share, the year of signing",
            "新签约居民签约当年基层门诊占比",
            "share",
            "share(primary_after, visits_after)",
            "cli batch",
            source="signers",
        ),
        decl(
            "new_signer_htn_primary_share_before",
            "Hypertensive new signers' primary share, the year before signing",
            "高血压新签约居民签约前一年基层门诊占比",
            "share",
            "share(htn_primary_before, htn_visits_before)",
            "batch",
            source="signers",
        ),
        decl(
            "new_signer_htn_primary_share_after",
            "Hypertensive new signers' primary share, the year of signing",
            "高血压新签约居民签约当年基层门诊占比",
            "share",
            "share(htn_primary_after, htn_visits_after)",
            "batch",
            source="signers",
        ),
        decl(
            "new_signer_htn_cost_before",
            "Hypertensive new signers' cost of care, the year before signing",
            "高血压新签约居民签约前一年人均医疗费用",
            "yuan/year",
            "share(htn_cost_before, htn_signers_before)",
            "batch",
            source="signers",
        ),
        decl(
            "new_signer_htn_cost_after",
            "Hypertensive new signers' cost of care, the year of signing",
            "高血压新签约居民签约当年人均医疗费用",
            "yuan/year",
            "share(htn_cost_after, htn_signers)",
            "batch",
            source="signers",
        ),
        decl(
            "new_signer_htn_oop_before",
            "Hypertensive new signers' out-of-pocket, the year before signing",
            "高血压新签约居民签约前一年人均自付",
            "yuan/year",
            "share(htn_oop_before, htn_signers_before)",
            "batch",
            source="signers",
        ),
        decl(
            "new_signer_htn_oop_after",
            "Hypertensive new signers' out-of-pocket, the year of signing",
            "高血压新签约居民签约当年人均自付",
            "yuan/year",
            "share(htn_oop_after, htn_signers)",
            "batch",
            source="signers",
        ),
        decl("fund_spending", "Fund spending", "医保基金支出", "yuan/year", "fund_spending / years", "batch"),
        decl(
            "fund_balance", "Fund balance (end of year)", "基金累计结余（年末）", "yuan", "fund_balance", "cli batch timeseries"
        ),
        decl(
            "total_cost_per_capita",
            "Care cost per resident",
            "人均医疗费用",
            "yuan/year",
            "care_cost / years / residents",
            "cli batch group",
            "care_cost / residents",
        ),
        decl(
            "visits_per_capita",
            "Outpatient visits per resident",
            "人均门诊人次",
            "per year",
            f"{_VISITS} / years / residents",
            "cli batch group",
            "visits / residents",
        ),
        decl(
            "primary_care_share_signed",
            "Primary share, signed residents",
            "签约居民基层门诊占比",
            "share",
            "share(visits_signed_primary, visits_signed)",
            "cli batch",
        ),
        decl(
            "primary_care_share_unsigned",
            "Primary share, unsigned residents",
            "未签约居民基层门诊占比",
            "share",
            "share(visits_unsigned_primary, visits_unsigned)",
            "cli batch",
        ),
        decl(
            "signed_referral_rate",
            "Signed residents' visits referred up",
            "签约居民上转率",
            "share",
            "share(referrals_up_signed, visits_signed)",
            "batch",
        ),
        decl(
            "unreferred_tertiary_visits",
            "Unreferred tertiary visits",
            "未经转诊三级门诊人次",
            "per year",
            "visits_unreferred_tertiary / years",
            f"batch {walk}",
        ),
        decl(
            "primary_capability",
            "Primary-care capability built",
            "基层服务能力（已建成）",
            "share",
            "primary_capability",
            "cli batch timeseries",
        ),
        decl(
            "perceived_primary_quality",
            "Perceived quality of primary care",
            "居民对基层的感知质量",
            "share",
            "perceived_primary_quality",
            "cli batch timeseries",
        ),
        decl(
            "capability_spending_per_capita",
            "Capability spending per resident (all payers)",
            "人均基层能力建设投入（各方合计）",
            "yuan/year",
            "capability_total / years / residents",
            "cli batch",
        ),
        decl(
            "patients_outpatient",
            "Outpatients (distinct residents)",
            "门诊就诊人数（人）",
            "residents/year",
            "patients_outpatient / years",
            "cli batch",
        ),
        decl(
            "patients_primary",
            "Primary-care patients (distinct residents)",
            "基层门诊就诊人数（人）",
            "residents/year",
            "patients_primary / years",
            "cli batch",
        ),
        decl(
            "patients_secondary",
            "Secondary-hospital outpatients (distinct residents)",
            "二级医院门诊就诊人数（人）",
            "residents/year",
            "patients_secondary / years",
            "batch",
        ),
        decl(
            "patients_tertiary",
            "Tertiary-hospital outpatients (distinct residents)",
            "三级医院门诊就诊人数（人）",
            "residents/year",
            "patients_tertiary / years",
            "batch",
        ),
        decl(
            "primary_patient_share",
            "Share of outpatients who used primary care",
            "使用基层门诊的患者占比",
            "share",
            "share(patients_primary, patients_outpatient)",
            "cli batch",
        ),
        decl(
            "referrals_asked",
            "Referral requests",
            "转诊申请人次",
            "per year",
            "referrals_asked / years",
            "cli batch",
        ),
        decl(
            "referrals_granted",
            "Referral requests granted",
            "转诊申请获准人次",
            "per year",
            "referrals_granted / years",
            "batch",
        ),
        decl(
            "referrals_refused",
            "Referral requests refused",
            "转诊申请被拒人次",
            "per year",
            "referrals_refused / years",
            "batch",
        ),
        decl(
            "referral_grant_rate",
            "Share of referral requests granted",
            "转诊申请获准比例",
            "share",
            "share(referrals_granted, referrals_asked)",
            "cli batch",
        ),
        decl(
            "bypass_visits",
            "Hospital visits bypassing the gatekeeper (leakage)",
            "未经转诊越级就诊人次（规则外流）",
            "per year",
            "visits_bypass / years",
            "cli batch",
        ),
        decl(
            "bypass_oop_per_visit",
            "Out-of-pocket per bypassing visit",
            "越级就诊次均自付",
            "yuan",
            "share(oop_bypass, visits_bypass)",
            "batch",
        ),
        decl(
            "chronic_control_rate_signed",
            "Control rate, signed chronic patients",
            "签约慢病患者控制率",
            "share",
            "share(chronic_signed_controlled, chronic_signed)",
            "batch",
        ),
    ]
    spending = (
        ("fund_outpatient_primary", "Outpatient, primary", "基层门诊", "fund_outpatient_primary"),
        ("fund_outpatient_secondary", "Outpatient, secondary", "二级医院门诊", "fund_outpatient_secondary"),
        ("fund_outpatient_tertiary", "Outpatient, tertiary", "三级医院门诊", "fund_outpatient_tertiary"),
        ("fund_inpatient_primary", "Inpatient, primary", "基层住院", "fund_inpatient_primary"),
        ("fund_inpatient_secondary", "Inpatient, secondary", "二级医院住院", "fund_inpatient_secondary"),
        ("fund_inpatient_tertiary", "Inpatient, tertiary", "三级医院住院", "fund_inpatient_tertiary"),
        ("fund_rehab", "Rehabilitation after downward referral", "下转康复", "fund_rehab"),
        ("fund_signing_fees", "Signing fees (fund share)", "签约费（基金承担部分）", "fee_fund"),
        ("fund_bonuses", "Performance bonuses", "绩效奖励", "fund_bonus"),
        (
            "fund_team_surplus",
            "Team surplus paid (negative: overrun borne by teams)",
            "团队结余留用（负值为超支分担）",
            "fund_team_surplus",
        ),
        ("fund_alliance_surplus", "Alliance surplus / overrun settlement", "医共体结余留用/超支分担", "fund_alliance_surplus"),
        ("fund_capability", "Primary-care capability (fund share)", "基层能力建设（基金承担部分）", "capability_paid_fund"),
    )
    out += [decl(name, en, zh, "yuan/year", f"{col} / years", "spending batch") for name, en, zh, col in spending]
    return tuple(out)


OUTCOMES: tuple[Outcome, ...] = _outcomes()
OUTCOME: Mapping[str, Outcome] = {o.name: o for o in OUTCOMES}


def tagged(tag: str) -> tuple[str, ...]:
    """Names of the outcomes with ``tag``, in declaration order."""
    if tag not in TAGS:
        raise KeyError(f"unknown outcome tag {tag!r}; tags: {', '.join(TAGS)}")
    return tuple(o.name for o in OUTCOMES if tag in o.tags)


def label(name: str, lang: str) -> str:
    """An outcome's label in ``lang`` ("zh" or "en"); the name itself for an unknown outcome."""
    o = OUTCOME.get(name)
    if o is None:
        return name
    return o.label_zh if lang == "zh" else o.label_en


def unit(name: str) -> str:
    o = OUTCOME.get(name)
    return o.unit if o else ""


# ------------------------------------------------------------------ the monthly row
def check_row(row: Mapping[str, Any]) -> None:
    """Refuse a monthly row whose columns are not exactly :data:`COLUMNS` (a bug in the model)."""
    keys = row.keys()
    if keys != COLUMN_NAMES:
        missing = sorted(COLUMN_NAMES - set(keys))
        extra = sorted(set(keys) - COLUMN_NAMES)
        raise ValueError(
            f"month {row.get('month')}: the monthly row does not match sandbox.outcomes.COLUMNS"
            + (f"; missing {missing}" if missing else "")
            + (f"; undeclared {extra}" if extra else "")
        )


# ------------------------------------------------------------------ formulas
def share(a: Any, b: Any) -> Any:
    """``a / b``, NaN where ``b`` is 0 (scalars or arrays)."""
    if np.ndim(b) == 0:
        return float(a) / float(b) if b else float("nan")
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.divide(a, b, out=np.full(b.shape, np.nan), where=b != 0)


def _mean(x: pd.Series) -> float:
    return float(x.mean()) if len(x) else float("nan")


_FUNCTIONS: Mapping[str, Any] = {"share": share, "mean": _mean, "__builtins__": {}}


def period_values(rows: pd.DataFrame) -> dict[str, Any]:
    """The aggregated columns of the months in ``rows``: flows summed, stocks at the last month,
    levels averaged, and ``years``, the period's length in years."""
    flows = [c.name for c in COLUMNS if c.kind == "flow"]
    sums = rows[flows].sum()
    last = rows.iloc[-1]
    ns: dict[str, Any] = {c: sums[c] for c in flows}
    for c in COLUMNS:
        if c.kind == "stock":
            ns[c.name] = last[c.name]
        elif c.kind == "level":
            ns[c.name] = float(rows[c.name].mean())
    ns["years"] = len(rows) / 12.0
    return ns


SIGNER_COLUMNS = (
    "new_signers",
    "visits_before",
    "primary_before",
    "visits_after",
    "primary_after",
    # hypertensive new signers (seed 002 reports them): how many, their visits, primary visits, cost and out-of-pocket
    "htn_signers",
    "htn_signers_before",  # the same, 0 in the first year (no year before)
    "htn_visits_before",
    "htn_primary_before",
    "htn_cost_before",
    "htn_oop_before",
    "htn_visits_after",
    "htn_primary_after",
    "htn_cost_after",
    "htn_oop_after",
)


def compute(
    rows: pd.DataFrame, teams: pd.DataFrame, signers: pd.DataFrame | None = None, names: Iterable[str] | None = None
) -> dict[str, float]:
    """Outcomes (default: all) over the months in ``rows`` (one year, usually), that year's team
    table ``teams`` and that year's row of new signers ``signers``."""
    ns = period_values(rows)
    team_ns: dict[str, Any] = {c: teams[c] for c in teams.columns}
    signer_ns: dict[str, Any] = {
        c: float(signers[c].sum()) if signers is not None and len(signers) else 0.0 for c in SIGNER_COLUMNS
    }
    envs = {"rows": ns, "teams": team_ns, "signers": signer_ns}
    out: dict[str, float] = {}
    for name in names if names is not None else OUTCOME:
        o = OUTCOME[name]
        env = envs[o.source]
        out[name] = float(eval(o.code, dict(_FUNCTIONS), env))  # noqa: S307 - our own formulas
    return out


def monthly(rows: pd.DataFrame, name: str) -> np.ndarray:
    """An outcome month by month (each month a period of 1/12 year, so rates are annual)."""
    o = OUTCOME[name]
    if o.source != "rows":
        raise ValueError(f"{name} is computed from the yearly team table and has no monthly value")
    ns: dict[str, Any] = {c.name: rows[c.name].to_numpy(dtype=np.float64) for c in COLUMNS}
    ns["years"] = 1.0 / 12.0
    value = eval(o.code, dict(_FUNCTIONS), ns)  # noqa: S307
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (len(rows),)).copy()


def group_values(sums: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The ``group``-tagged outcomes for several population groups at once, from each group's
    yearly sums (the keys of :data:`GROUP_SUMS`, arrays over the groups)."""
    env = dict(sums)
    with np.errstate(divide="ignore", invalid="ignore"):  # empty groups give NaN; callers drop them
        return {
            name: np.asarray(eval(OUTCOME[name].group_code, dict(_FUNCTIONS), env), dtype=np.float64)  # noqa: S307
            for name in tagged("group")
        }
