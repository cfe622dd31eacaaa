"""Every outcome the seed documents and the national statistics report, as a calibration target or
a stated limit, with what the model gives today.

Each :class:`Target` names the published figure and its source, the preset or setting that should
reproduce it, how the simulated value is read from the runs, a tolerance, and whether a test
asserts it. Where the model cannot express the figure, ``limit`` says why and what would be needed.
``python -m sandbox.targets`` runs the settings and rewrites the table in ``docs/calibration.md``
(``--check`` only reports whether it is current; ``tests/test_targets.py`` does the same).

Every setting runs :data:`RESIDENTS` residents × :data:`YEARS` years with seed :data:`SEED` and
reads the last year, unless the target says otherwise.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from .blocks import DocsError, project_root, replace_block
from .results import Result
from .scenario import Scenario
from .simulate import simulate

RESIDENTS = 50_000
YEARS = 3
SEED = 1

# price perturbation used to measure the model's own-price elasticities
PRICE_STEP = 0.10


@dataclass(frozen=True)
class Setting:
    """A run: a preset, optional overrides, and its size."""

    preset: str
    overrides: tuple[tuple[str, object], ...] = ()
    years: int = YEARS

    def scenario(self) -> Scenario:
        return Scenario.preset(self.preset).with_overrides(dict(self.overrides))

    def describe(self) -> str:
        extra = ", ".join(f"`{k} = {v}`" for k, v in self.overrides)
        return f"`{self.preset}`" + (f" with {extra}" if extra else "") + (f", {self.years} years" if self.years != YEARS else "")


@dataclass(frozen=True)
class Target:
    """One published figure and how the model is compared with it."""

    key: str
    figure: str
    value: float | None  # None: no single number to compare (the figure is described in ``figure``)
    unit: str  # share | per year | yuan | elasticity | ratio | change (relative, shown as a signed percentage)
    source: str
    setting: Setting | None  # None: the model cannot express it
    read: Callable[[Callable[[Setting], Result]], float] | None = field(default=None, compare=False)
    tolerance: float | None = None
    asserted: bool = False
    note: str = ""
    bound: str | None = None  # "upper" / "lower": the figure is a bound, not a level
    shown: str | None = None  # how the published figure is written when it is a range (value: its midpoint)


def _summary(setting: Setting, outcome: str) -> Callable[[Callable[[Setting], Result]], float]:
    return lambda run: run(setting).summary()[outcome]


def _group(setting: Setting, dimension: str, group: str, outcome: str) -> Callable[[Callable[[Setting], Result]], float]:
    def read(run: Callable[[Setting], Result]) -> float:
        g = run(setting).by_group()
        row = g[(g.dimension == dimension) & (g.group == group)]
        return float(row[outcome].iloc[0]) if len(row) else float("nan")

    return read


def _share_of_signed_aged_60(setting: Setting) -> Callable[[Callable[[Setting], Result]], float]:
    def read(run: Callable[[Setting], Result]) -> float:
        g = run(setting).by_group()
        a = g[g.dimension == "age_band"]
        signed = a.signing_rate * a.residents
        return float(signed[a.group == "60+"].sum() / signed.sum())

    return read


def _cost_ratio_primary_tertiary(setting: Setting) -> Callable[[Callable[[Setting], Result]], float]:
    def read(run: Callable[[Setting], Result]) -> float:
        ts = run(setting).timeseries
        last = ts[ts.year == ts.year.max()]
        per_visit = {lv: last[f"cost_outpatient_{lv}"].sum() / last[f"visits_{lv}"].sum() for lv in ("primary", "tertiary")}
        return float(per_visit["primary"] / per_visit["tertiary"])

    return read


def _gap(setting: Setting) -> Callable[[Callable[[Setting], Result]], float]:
    def read(run: Callable[[Setting], Result]) -> float:
        s = run(setting).summary()
        return s["primary_care_share_signed"] - s["primary_care_share_unsigned"]

    return read


def _within_person(setting: Setting) -> Callable[[Callable[[Setting], Result]], float]:
    def read(run: Callable[[Setting], Result]) -> float:
        s = run(setting).summary()
        return s["new_signer_htn_primary_share_after"] - s["new_signer_htn_primary_share_before"]

    return read


def _before_after(setting: Setting, stem: str) -> Callable[[Callable[[Setting], Result]], float]:
    """``{stem}_after / {stem}_before - 1`` of the last year's summary."""

    def read(run: Callable[[Setting], Result]) -> float:
        s = run(setting).summary()
        return s[f"{stem}_after"] / s[f"{stem}_before"] - 1.0

    return read


# admissions-weighted mean inpatient bill: members x admission rate x bill, by scheme (DEFAULTS, NHSA 2023)
NATIONAL_BILL = (370.95 * 0.2186 * 12175 + 962.94 * 0.207 * 7674) / (370.95 * 0.2186 + 962.94 * 0.207)


def _cost_per_admission(setting: Setting) -> Callable[[Callable[[Setting], Result]], float]:
    def read(run: Callable[[Setting], Result]) -> float:
        ts = run(setting).timeseries
        last = ts[ts.year == ts.year.max()]
        levels = ("primary", "secondary", "tertiary")
        return float(
            sum(last[f"cost_inpatient_{lv}"].sum() for lv in levels) / sum(last[f"admissions_{lv}"].sum() for lv in levels)
        )

    return read


def _fund_ratio(setting: Setting) -> Callable[[Callable[[Setting], Result]], float]:
    def read(run: Callable[[Setting], Result]) -> float:
        ts = run(setting).timeseries
        last = ts[ts.year == ts.year.max()]
        return float(last.fund_spending.sum() / last.premiums.sum())

    return read


def _oop_share(setting: Setting) -> Callable[[Callable[[Setting], Result]], float]:
    def read(run: Callable[[Setting], Result]) -> float:
        s = run(setting).summary()
        return s["oop_per_capita"] / s["total_cost_per_capita"]

    return read


def _arc(a: float, b: float) -> float:
    """Arc elasticity of a quantity going from ``a`` to ``b`` when prices rise by PRICE_STEP."""
    return float(((b - a) / ((a + b) / 2)) / (PRICE_STEP / (1 + PRICE_STEP / 2)))


def _raised(base: Setting, levers: tuple[str, ...]) -> Setting:
    """``base`` with the prices ``levers`` raised by PRICE_STEP."""
    p = base.scenario().params_at(0)
    return Setting(base.preset, base.overrides + tuple((k, p[k] * (1 + PRICE_STEP)) for k in levers), base.years)


def _elasticity(base: Setting, outcome: str, levers: tuple[str, ...]) -> Callable[[Callable[[Setting], Result]], float]:
    """Arc elasticity of ``outcome`` when the prices ``levers`` rise by PRICE_STEP (the patient's
    share rises in proportion: the same rates apply to a higher bill)."""

    def read(run: Callable[[Setting], Result]) -> float:
        return _arc(run(base).summary()[outcome], run(_raised(base, levers)).summary()[outcome])

    return read


def _own_price(base: Setting, level: str, levers: tuple[str, ...]) -> Callable[[Callable[[Setting], Result]], float]:
    """Arc elasticity of the last year's visits at ``level`` when that level's prices ``levers`` rise."""

    def visits(result: Result) -> float:
        ts = result.timeseries
        return float(ts[ts.year == ts.year.max()][f"visits_{level}"].sum())

    def read(run: Callable[[Setting], Result]) -> float:
        return _arc(visits(run(base)), visits(run(_raised(base, levers))))

    return read


def _group_gap(
    base: Setting, dimension: str, groups: tuple[str, str], levers: tuple[str, ...]
) -> Callable[[Callable[[Setting], Result]], float]:
    """Outpatient price elasticity of the first group minus that of the second (visits per resident
    of each group; negative: the first group responds more)."""

    def read(run: Callable[[Setting], Result]) -> float:
        e = [_group(base, dimension, g, "visits_per_capita")(run) for g in groups]
        raised = _raised(base, levers)
        u = [_group(raised, dimension, g, "visits_per_capita")(run) for g in groups]
        return _arc(e[0], u[0]) - _arc(e[1], u[1])

    return read


def _relative_change(base: Setting, reform: Setting, columns: tuple[str, ...]) -> Callable[[Callable[[Setting], Result]], float]:
    """Relative change of the last year's sum of ``columns`` from ``base`` to ``reform`` (same seed)."""

    def read(run: Callable[[Setting], Result]) -> float:
        def total(setting: Setting) -> float:
            ts = run(setting).timeseries
            last = ts[ts.year == ts.year.max()]
            return float(sum(last[c].sum() for c in columns))

        return total(reform) / total(base) - 1.0

    return read


BASE = Setting("baseline")
HANGZHOU = Setting("hangzhou_2016")
PILOT = Setting("baseline", (("signing.enabled", True),), years=2)
NO_EFFECT = Setting("hangzhou_2016", (("behaviour.trust_signed", 0.0),))
SHANGHAI = Setting("shanghai_1plus1plus1")
ZHENJIANG = Setting("zhenjiang_medical_group")
HEBEI = Setting("hebei_county_alliance")
RURAL_PILOT = Setting(
    "hebei_county_alliance", (("referral.gatekeeping_scope", "resident_scheme"), ("reimbursement.bypass_penalty", 1.0))
)
PROVINCE = Setting("baseline", (("signing.enabled", True), ("reimbursement.signed_primary_bonus", 0.15)), years=5)
# The study setting of the published admission elasticity (Health Policy 2011;103:255–65): rural
# residents of the resident scheme (NCMS, 2003/2008), whose inpatient reimbursement was about 30% of
# costs (Ministry of Health report for 2009, Xinhua 9 March 2010: "usually around 30 percent of
# costs", 55% in 2009 after the reform's first raises)
NCMS_INPATIENT_RATE = 0.30
STUDY = Setting(
    "baseline",
    (
        ("population.urban_share", 0.0),
        ("population.employee_share", 0.0),
        ("reimbursement.inpatient.resident.primary", NCMS_INPATIENT_RATE),
        ("reimbursement.inpatient.resident.secondary", NCMS_INPATIENT_RATE),
        ("reimbursement.inpatient.resident.tertiary", NCMS_INPATIENT_RATE),
    ),
)
OUTPATIENT_PRICES = (
    "prices.outpatient.primary_urban",
    "prices.outpatient.primary_rural",
    "prices.outpatient.secondary",
    "prices.outpatient.tertiary",
)
INPATIENT_PRICES = (
    "prices.inpatient.primary_urban",
    "prices.inpatient.primary_rural",
    "prices.inpatient.secondary",
    "prices.inpatient.tertiary",
)

ZHENJIANG_CALIBRATED = (
    "the model's follow-up visits of hypertensive (diabetic) patients, a patient with both counting under each, with "
    "the preset's capability levers from seed 004 (2–3 specialists full-time at each centre, equipment and training by "
    "the group; residents per centre and the amounts assumed). A calibration target, not a validation: the capability "
    "weights were set jointly to these rows and Shanghai's; without them the model gives about 64%"
)
SHARED_CONTROL = (
    "hypertension and diabetes are reported apart, but control is one state per patient whose chances "
    "(behaviour.control_*) are the same for both conditions"
)
LEVEL_PRICES = {
    "primary": ("prices.outpatient.primary_urban", "prices.outpatient.primary_rural"),
    "secondary": ("prices.outpatient.secondary",),
    "tertiary": ("prices.outpatient.tertiary",),
}
# Published range for a level's own-price elasticity: the literature gives overall outpatient figures
# only, from the upper end of the 95% interval for visits among users in rural China (−0.35, Health
# Policy 2011;103:255–65) to the most elastic Chinese outpatient estimate in a systematic review
# (−1.5, Zhou 2009, in Zheng et al., 中国循证医学杂志 2017;17(5):564–72).
OWN_PRICE_RANGE = (-1.5, -0.35)


def targets() -> tuple[Target, ...]:
    T = Target
    return (
        # ---- national (DEFAULTS.md), the baseline district
        T(
            "national_primary_share",
            "Share of all visits at primary level, 2020",
            0.532,
            "share",
            "DEFAULTS: NHC statistical bulletin 2020",
            BASE,
            _summary(BASE, "primary_care_share"),
            0.03,
            True,
        ),
        T(
            "national_primary_admissions",
            "Share of admissions at primary level, 2020",
            0.161,
            "share",
            "DEFAULTS: NHC 2020",
            BASE,
            _summary(BASE, "primary_admission_share"),
            0.03,
            True,
        ),
        T(
            "national_visits",
            "Visits per resident per year, 2021–2023",
            6.0,
            "per year",
            "DEFAULTS: NHC bulletins (6.0 in 2021–22, 6.8 in 2023)",
            BASE,
            _summary(BASE, "visits_per_capita"),
            0.8,
            True,
        ),
        T(
            "national_admissions",
            "Annual hospitalisation rate, 2022",
            175.0,
            "per 1,000",
            "DEFAULTS: NHC 2022 bulletin (17.5% of residents)",
            BASE,
            _summary(BASE, "admissions_per_1000"),
            25.0,
            True,
            "the model counts admissions per 1,000 residents, the bulletin the share of residents admitted",
        ),
        T(
            "national_oop_share",
            "Out-of-pocket share of health expenditure, 2021–2023",
            0.277,
            "share",
            "DEFAULTS: NHC bulletins",
            BASE,
            _oop_share(BASE),
            None,
            False,
            "the model's share is of the cost of care only (no drugs bought outside care, no prevention, no capital spending), "
            "so it is not comparable: shown for information",
        ),
        T(
            "national_control",
            "Hypertension control among all hypertensives, 2012–15",
            0.153,
            "share",
            "DEFAULTS: Circulation 2018",
            BASE,
            _summary(BASE, "control_rate_hypertension"),
            0.06,
            True,
            SHARED_CONTROL,
        ),
        T(
            "elasticity_outpatient",
            "Own-price elasticity of outpatient visits (rural, visits among users)",
            -0.55,
            "elasticity",
            "DEFAULTS: Health Policy 2011;103:255–65 (95% CI −0.75 to −0.35)",
            BASE,
            _elasticity(BASE, "visits_per_capita", OUTPATIENT_PRICES),
            0.2,
            True,
            f"measured: all outpatient prices +{PRICE_STEP:.0%} (patients pay the same shares of higher bills); the "
            "tolerance is the published 95% interval. The response differs by income, area, scheme and kind of "
            "episode (rows below)",
        ),
        T(
            "elasticity_admission_study",
            "Own-price elasticity of admissions (rural, first admission), in the study's setting: rural residents of the "
            "resident scheme (NCMS) with inpatient reimbursement about 30% of costs",
            -0.37,
            "elasticity",
            "DEFAULTS: Health Policy 2011;103:255–65 (95% CI −0.52 to −0.23); NCMS reimbursement about 30% of costs "
            "(Ministry of Health report, Xinhua 2010)",
            STUDY,
            _elasticity(STUDY, "admissions_per_1000", INPATIENT_PRICES),
            0.15,
            True,
            f"measured: all inpatient prices +{PRICE_STEP:.0%}; elective admissions (half of needs) may be delayed or "
            "forgone, emergencies never; the calibration target of behaviour.forgo_elective and forgo_oop_multiplier",
        ),
        T(
            "elasticity_admission",
            "Own-price elasticity of admissions under today's reimbursement (63–89% of the bill): no published figure",
            None,
            "elasticity",
            "consequence of the study-setting calibration (previous row)",
            BASE,
            _elasticity(BASE, "admissions_per_1000", INPATIENT_PRICES),
            note="shown for information: with today's rates a +10% price moves a small out-of-pocket share little, so "
            "the same behaviour gives a smaller elasticity than the study's −0.37; no estimate for today's cost sharing "
            "was found to compare it with",
        ),
        *(
            T(
                f"elasticity_own_{level}",
                f"Own-price elasticity of visits at {level} level ({level} prices +{PRICE_STEP:.0%}): published range "
                f"{OWN_PRICE_RANGE[0]} to {OWN_PRICE_RANGE[1]} for outpatient visits overall",
                sum(OWN_PRICE_RANGE) / 2,
                "elasticity",
                "Health Policy 2011;103:255–65 (−0.35, upper end of the 95% CI); Zheng et al., 中国循证医学杂志 "
                "2017;17(5):564–72 (−1.5, most elastic estimate reviewed)",
                BASE,
                _own_price(BASE, level, LEVEL_PRICES[level]),
                (OWN_PRICE_RANGE[1] - OWN_PRICE_RANGE[0]) / 2,
                level != "tertiary",
                "the literature gives overall figures only; a level's own-price response also holds patients switching "
                "to other levels, so it exceeds the overall one"
                + (
                    ". The model's tertiary response lies beyond the range: a +10% tertiary price moves many visits to "
                    "secondary hospitals, whose quality is close (behaviour.quality_*)"
                    if level == "tertiary"
                    else ""
                ),
                shown=f"{OWN_PRICE_RANGE[0]} to {OWN_PRICE_RANGE[1]}",
            )
            for level in LEVEL_PRICES
        ),
        T(
            "elasticity_income_gap",
            "Outpatient price elasticity, poorest minus richest income quintile (Q1 − Q5): negative, the poor respond "
            "more (Gansu, mixed logit by income group)",
            0.0,
            "elasticity",
            "Qian et al., Health Policy Plan 2009;24(5):324–34",
            BASE,
            _group_gap(BASE, "income_quintile", ("Q1", "Q5"), OUTPATIENT_PRICES),
            None,
            True,
            "an upper bound (the sign is published, not the size): behaviour.oop_income_gradient",
            bound="upper",
        ),
        T(
            "elasticity_area_gap",
            "Outpatient price elasticity, rural minus urban residents: no published contrast at equal income",
            None,
            "elasticity",
            "none found (behaviour.oop_rural_multiplier at its neutral default)",
            BASE,
            _group_gap(BASE, "area", ("rural", "urban"), OUTPATIENT_PRICES),
            note="shown for information: rural residents respond less in the model because a township visit (84.7 "
            "yuan) costs half a community-centre visit (165.9 yuan), so +10% moves a smaller out-of-pocket cost, "
            "although their incomes are lower",
        ),
        T(
            "elasticity_scheme_gap",
            "Outpatient price elasticity, resident minus employee scheme: no published contrast at equal income and cost sharing",
            None,
            "elasticity",
            "none found (behaviour.oop_resident_scheme_multiplier at its neutral default)",
            BASE,
            _group_gap(BASE, "scheme", ("resident", "employee"), OUTPATIENT_PRICES),
            note="shown for information: the schemes differ through incomes and deductibles; resident-scheme members "
            "are more often rural, where visits are cheaper",
        ),
        # ---- Hangzhou (seed 002)
        T(
            "hangzhou_signed_primary",
            "Signed residents' visits at community health centres, 2016",
            0.6467,
            "share",
            "seed 002 (Hangzhou)",
            HANGZHOU,
            _summary(HANGZHOU, "primary_care_share_signed"),
            0.03,
            False,
            "the calibration target is the gap (next rows), not the level: the district's primary share sits about 4 "
            "points low for signed and unsigned residents alike",
        ),
        T(
            "hangzhou_unsigned_primary",
            "Community visit share of employee-insured residents, 2016: signed 63.36% vs unsigned 48.50% (the unsigned share)",
            0.4850,
            "share",
            "seed 002 (Hangzhou)",
            HANGZHOU,
            _summary(HANGZHOU, "primary_care_share_unsigned"),
            0.05,
            True,
            "the seed's figure is for employee-insured residents; the model's is for all unsigned residents",
        ),
        T(
            "hangzhou_gap",
            "Gap between signed and unsigned employee-insured residents' community visit share, 2016: "
            "63.36% − 48.50% = 14.86 points",
            0.1486,
            "share",
            "seed 002 (Hangzhou)",
            HANGZHOU,
            _gap(HANGZHOU),
            0.02,
            True,
            "the calibration target of behaviour.trust_signed (experiments/calibrate_all.toml), with selection into contracts at "
            "its published odds ratios",
        ),
        T(
            "hangzhou_gap_selection",
            "Part of the gap that selection alone produces (the contract's effect set to 0)",
            None,
            "share",
            "decomposition (no published figure; DiD studies suggest 50–85% of raw gaps is selection)",
            NO_EFFECT,
            _gap(NO_EFFECT),
            note="the rest of the gap is the contract's effect on where signers seek care (behaviour.trust_signed)",
        ),
        T(
            "hangzhou_within_person",
            "Hypertensive signers' community visit share before → after signing: 54.82% → 65.33% (+10.5 points), an upper "
            "bound of the contract's effect since it also holds the city's trend",
            0.105,
            "share",
            "seed 002 (Hangzhou)",
            HANGZHOU,
            _within_person(HANGZHOU),
            None,
            True,
            "the model's hypertensive new signers of the last year: primary share in the year of signing minus the year before",
            bound="upper",
        ),
        T(
            "hangzhou_htn_share_before",
            "Hypertensive signers' community visit share before signing: 54.82%",
            0.5482,
            "share",
            "seed 002 (Hangzhou)",
            HANGZHOU,
            _summary(HANGZHOU, "new_signer_htn_primary_share_before"),
            0.05,
            False,
            "the model's hypertensive new signers of the last year, in the year before they signed",
        ),
        T(
            "hangzhou_signed_referral",
            "Referral of signed residents to provincial / city hospitals, 2016: below 15%",
            0.15,
            "share",
            "seed 002 (Hangzhou)",
            HANGZHOU,
            _summary(HANGZHOU, "signed_referral_rate"),
            None,
            True,
            "an upper bound: the model's value must lie below it",
            bound="upper",
        ),
        T(
            "hangzhou_coverage",
            "Signing coverage after three years (main districts, 2017): above 30%",
            0.30,
            "share",
            "seed 002 (Hangzhou)",
            HANGZHOU,
            _summary(HANGZHOU, "signing_rate"),
            None,
            True,
            "a lower bound: the model's value must lie above it",
            bound="lower",
        ),
        T(
            "hangzhou_signed_60",
            "Share of signed residents aged 60+",
            0.425,
            "share",
            "seed 002 (Hangzhou)",
            HANGZHOU,
            _share_of_signed_aged_60(HANGZHOU),
            0.05,
            False,
            "selection on age (OR about 1.65) and chronic disease raises the elderly's share of signers, but not to the "
            "seed's figure; Hangzhou's key-group outreach is not modelled beyond the priority-group boost",
        ),
        T(
            "hangzhou_primary_share_rise",
            "Primary share of all visits 50.71% (2014) → 53.86% (2016)",
            0.5386,
            "share",
            "seed 002 (Hangzhou)",
            HANGZHOU,
            _summary(HANGZHOU, "primary_care_share"),
            0.03,
            True,
            "the level in the third year of the preset; the rise also holds the city's trend, which the model does not have",
        ),
        T(
            "hangzhou_htn_cost_change",
            "Hypertensive signers (n = 1,534): annual medical cost 8,240.15 → 7,789.38 yuan before → after signing (−5.5%)",
            7789.38 / 8240.15 - 1,
            "change",
            "seed 002 (Hangzhou)",
            HANGZHOU,
            _before_after(HANGZHOU, "new_signer_htn_cost"),
            None,
            False,
            "relative change of the model's hypertensive new signers' cost of care (all care the model has) from the year "
            "before signing to the year of signing; the level differs (the model's cost per hypertensive patient covers "
            "only the visits, admissions and rehabilitation it simulates, not drugs bought outside care), so the change "
            "is compared, not the level. Shown, not asserted: the seed's cohort also holds the city's trend",
        ),
        T(
            "hangzhou_htn_oop_change",
            "Hypertensive signers: out-of-pocket 1,047.93 → 830.17 yuan a year before → after signing (−20.8%)",
            830.17 / 1047.93 - 1,
            "change",
            "seed 002 (Hangzhou)",
            HANGZHOU,
            _before_after(HANGZHOU, "new_signer_htn_oop"),
            None,
            False,
            "relative change of the model's hypertensive new signers' out-of-pocket payments, as in the row above",
        ),
        T(
            "hangzhou_key_groups",
            "Signing coverage of key groups 64.19%",
            0.6419,
            "share",
            "seed 002 (Hangzhou)",
            HANGZHOU,
            _summary(HANGZHOU, "signing_rate_priority"),
            0.05,
            False,
            "the model's priority groups: residents aged 60+, with hypertension or diabetes, or disabled; Hangzhou's "
            "key groups also include children, pregnant women and the poor, which the model does not have",
        ),
        # ---- Shanghai (seed 004)
        T(
            "shanghai_elderly_primary",
            "Elderly outpatient visits handled by community centres, 2015",
            0.586,
            "share",
            "seed 004 (Shanghai)",
            SHANGHAI,
            _summary(SHANGHAI, "primary_care_share_60plus"),
            0.03,
            True,
            "with the preset's capability levers from seed 004 (hospital drugs at community level, regional test centres, "
            "GP training, hospital departments linked to the centres; amounts assumed). A calibration target, not a "
            "validation: the capability weights (behaviour.capability_*, behaviour.refill_advantage) were set jointly to "
            "this row and Zhenjiang's; without them the model gives about 52%",
        ),
        T(
            "shanghai_used_fd",
            "Signed residents who used their family doctor within the year, 2015",
            0.681,
            "share",
            "seed 004 (Shanghai)",
            SHANGHAI,
            _summary(SHANGHAI, "used_family_doctor_share"),
            0.05,
            False,
            "the model overstates it: any primary visit of a signed resident counts as using the family doctor, and "
            "the model's signers are drawn to primary care (selection and the contract's effect), so nearly all of them "
            "visit within the year. Contracts signed but not served (签而不约) by teams short of time are the provider "
            "issue's (items 1 and 2)",
        ),
        # ---- Zhenjiang (seed 004)
        T(
            "zhenjiang_htn_primary",
            "Hypertension visits at community level inside the medical group, 2014: 70% (0.474 M of 0.664 M)",
            0.70,
            "share",
            "seed 004 (Zhenjiang)",
            ZHENJIANG,
            _summary(ZHENJIANG, "followup_primary_share_hypertension"),
            0.03,
            True,
            ZHENJIANG_CALIBRATED,
        ),
        T(
            "zhenjiang_dm_primary",
            "Diabetes visits at community level inside the medical group, 2014: 68% (0.218 M of 0.325 M)",
            0.68,
            "share",
            "seed 004 (Zhenjiang)",
            ZHENJIANG,
            _summary(ZHENJIANG, "followup_primary_share_diabetes"),
            0.03,
            True,
            ZHENJIANG_CALIBRATED,
        ),
        T(
            "zhenjiang_cost_per_visit",
            "Cost per outpatient visit, primary vs tertiary, 2014: primary more than 50% lower",
            0.5,
            "ratio",
            "seed 004 (Zhenjiang)",
            ZHENJIANG,
            _cost_ratio_primary_tertiary(ZHENJIANG),
            None,
            True,
            "an upper bound on primary cost / tertiary cost; it follows from the price levers (DEFAULTS prices)",
            bound="upper",
        ),
        # ---- one province (seed 001)
        T(
            "province_signing_rise",
            "Signing 32% (2018) → 75% (2023) after a 15-point primary reimbursement advantage for signed residents",
            0.75,
            "share",
            "seed 001",
            PROVINCE,
            _summary(PROVINCE, "signing_rate"),
            0.1,
            False,
            "after five years in the baseline district; the seed's province also raised awareness and capacity, which "
            "this setting leaves at their defaults",
        ),
        # ---- a rural gatekeeping pilot (literature)
        T(
            "rural_gatekeeping_hospital_visits",
            "Hospital visits after a gatekeeping pilot bound all rural-scheme enrollees (200,685 in 17 townships) to "
            "township health centres, 2013–14: −23.9% (difference-in-differences, claims data)",
            -0.239,
            "share",
            "Xu, Powell-Jackson & Mills, BMJ Global Health 2020;5:e002792",
            RURAL_PILOT,
            _relative_change(HEBEI, RURAL_PILOT, ("visits_secondary", "visits_tertiary")),
            0.1,
            False,
            "the model's hospital outpatient visits with every resident-scheme member gatekept and unreferred hospital "
            "visits not reimbursed, against the same county without gatekeeping (same seed). The model moves about twice "
            "as many visits: the pilot's own rule for unreferred visits is not in the abstract (full non-reimbursement is "
            "assumed), and its claims data miss unclaimed visits, so the true drop may be smaller still",
        ),
        T(
            "rural_gatekeeping_primary_visits",
            "Primary-care visits after the same pilot: +55.3% (claimed visits)",
            0.553,
            "share",
            "Xu, Powell-Jackson & Mills, BMJ Global Health 2020;5:e002792",
            RURAL_PILOT,
            _relative_change(HEBEI, RURAL_PILOT, ("visits_primary",)),
            0.15,
            False,
            "the model's primary outpatient visits, same comparison (the visits before each referral included). The model "
            "rises about half as much, though most hospital visits it removes move to primary care (a few more episodes "
            "go without care): the county preset already has about 70% of visits at primary level, so the same shift is "
            "a smaller relative rise. The authors read much of the pilot's rise as visits claimed to obtain referrals "
            "rather than more care at primary level",
        ),
        T(
            "hangzhou_satisfaction",
            "Satisfaction of signed residents 95.2% (2015), 98.6% (2016); Shanghai awareness / convenience / "
            "satisfaction 88% / 92.1% / 95.5%",
            None,
            "share",
            "seeds 002, 004",
            None,
            note="residents' perceived quality of primary care is a state that experience moves (outcome "
            "perceived_primary_quality), but it is a share of the district hospital's quality advantage on the choice "
            "model's scale, not a share of residents satisfied; there is no awareness state, so neither can be compared",
        ),
        T(
            "hangzhou_fund_growth",
            "Fund spending growth began to slow from 2016",
            None,
            "share",
            "seed 002 (Hangzhou)",
            None,
            note="the model has no secular growth of prices or use, so a slowing of growth cannot be compared; the "
            "reform's effect on the level of fund spending is an outcome (fund_spending_per_capita)",
        ),
        T(
            "inputs_not_targets",
            "Hangzhou 4.51 GPs per 10,000; full-cycle hypertension management about 180 yuan a year",
            None,
            "share",
            "seeds 002, 001",
            None,
            note="inputs, not targets: population.gp_per_10k in the Hangzhou preset, and the source of team.effort_cost",
        ),
        T(
            "ningbo_clinics",
            "Ningbo 2017: 57 clinics (0.978 M transactions, 58.25 M yuan) and 110 pharmacies (1.372 M, 92.06 M yuan) on "
            "the shared insurance system",
            None,
            "share",
            "seed 004 (Ningbo)",
            None,
            note="the model has no private clinics or pharmacies as care sites (provider issue, Ningbo's shared system)",
        ),
        T(
            "alliance_rollout",
            "Hebei: ≥ 40% of counties with a county medical community by 2018, full coverage by 2020",
            None,
            "share",
            "seed 003 (Hebei)",
            None,
            note="roll-out targets for the policy itself, not an outcome of it; the sandbox models one district",
        ),
        T(
            "structured_management_control",
            "Blood-glucose control with structured management: 62% → 83%",
            None,
            "share",
            "seed 001 (one community)",
            None,
            note="diabetes control is reported apart (control_rate_diabetes), but the model has no 'structured "
            "management' lever to switch on, and control is one state per patient with the same chances for both "
            "conditions (behaviour.control_with_followup's plausible range reaches 0.83 from this figure)",
        ),
        # ---- national, the rest of DEFAULTS.md
        T(
            "national_inpatient_bill",
            "Average inpatient bill, 2023: employee scheme 12,175, resident scheme 7,674 yuan (admissions-weighted mean "
            f"{NATIONAL_BILL:,.0f} yuan)",
            NATIONAL_BILL,
            "yuan",
            "DEFAULTS: NHSA 2023 statistical bulletin (bills, enrolment and admission rates by scheme)",
            BASE,
            _cost_per_admission(BASE),
            900.0,
            True,
            "the model's cost per admission, all levels and schemes (±10%); its inputs are the prices per admission by "
            "level (DEFAULTS, NHC), so this checks where admissions go, not the prices",
        ),
        T(
            "national_fund_balance",
            "Resident-scheme fund spending / revenue, 2023: 1,045.77 / 1,056.97 bn yuan (98.9%)",
            1045.77 / 1056.97,
            "ratio",
            "DEFAULTS: NHSA 2023 statistical bulletin",
            BASE,
            _fund_ratio(BASE),
            0.05,
            False,
            "the model's fund covers both schemes of one district; the employee premium is an assumption set so the fund "
            "roughly balances (fund.premium.employee), so this is shown, not asserted",
        ),
        T(
            "pilot_coverage",
            "Family-doctor contract coverage in pilot cities, end 2016: 22.2% of residents, 38.8% of priority groups",
            0.222,
            "share",
            "DEFAULTS: NHFPC",
            PILOT,
            _summary(PILOT, "signing_rate"),
            0.05,
            False,
            "the baseline district with contracts switched on at their default design (no reimbursement advantage, "
            "default awareness) after two years. The model falls short: with no benefit the contract is signed at about "
            "the signing floor, while pilot cities pushed contracts administratively (targets for teams), which the "
            "model does not have",
        ),
        T(
            "shanghai_coverage",
            "Shanghai, 2024: about 44% of residents and 84% of key groups signed",
            0.44,
            "share",
            "DEFAULTS: China Daily",
            SHANGHAI,
            _summary(SHANGHAI, "signing_rate"),
            0.05,
            False,
            "after three years of the preset, against a figure reached after about nine years of the policy (2015–2024); "
            "the model's coverage builds more slowly than Shanghai's, as for the province of seed 001",
        ),
        T(
            "national_coverage_targets",
            "National coverage targets: 2017 > 30% of residents, > 60% of priority groups; by 2035 ≥ 75% and ≥ 85%",
            None,
            "share",
            "DEFAULTS: 2016 and 2022 guidelines",
            None,
            note="targets for the policy, not outcomes of it; a planner compares them with the signing_rate and "
            "signing_rate_priority outcomes of a scenario",
        ),
        T(
            "national_los_occupancy",
            "Average length of stay 9.2 days (2022), 8.8 (2023); bed occupancy 71.0% (2022), 79.4% (2023)",
            None,
            "days",
            "DEFAULTS: NHC bulletins",
            None,
            note="the model has no beds or lengths of stay: hospitals have outpatient capacity, which the capacity "
            "levers set so that utilisation at baseline volumes is in this range (their source), and admissions are "
            "not limited by beds",
        ),
        T(
            "dce_attribute_importance",
            "Relative importance of attributes in facility choice (chronic-disease scenario): reimbursement 45.0%, "
            "level 21.6%, distance 14.4%, cost 9.7%, waiting 8.3%, doctor 1.0%; part-worths of facility level (acute): "
            "tertiary +0.223, secondary +0.099, community −0.132",
            None,
            "share",
            "DEFAULTS: Yan et al., Front Public Health 2022",
            None,
            note="stated-preference weights are relative, not market prices: they shape the choice model's terms "
            "(behaviour.beta_*, quality_*), whose scale is set by the observed price elasticity (row above), as "
            "DEFAULTS advises; the model's implied importances are not an outcome",
        ),
        T(
            "chc_workload",
            "Community health centres: median 8 physicians and 13 nurses; 12.5 patients per physician per day (2015)",
            None,
            "per day",
            "DEFAULTS: national CHC survey (Ann Fam Med 2017)",
            None,
            note="teams have no working hours yet, so workload cannot be compared; it becomes an outcome with team "
            "workload (provider issue, item 1)",
        ),
    )


def simulated_values(residents: int = RESIDENTS, seed: int = SEED) -> dict[str, float]:
    """The simulated value of every target that the model can express."""

    @cache
    def run(setting: Setting) -> Result:
        return simulate(setting.scenario(), residents=residents, years=setting.years, seed=seed)

    return {t.key: float(t.read(run)) for t in targets() if t.read is not None}


def within(t: Target, sim: float) -> bool | None:
    """Whether ``sim`` meets the target (None when there is nothing to compare)."""
    if t.value is None or sim != sim:
        return None
    if t.bound == "upper":
        return sim <= t.value
    if t.bound == "lower":
        return sim >= t.value
    if t.tolerance is None:
        return None
    return abs(sim - t.value) <= t.tolerance


def _published(x: float | None, unit: str) -> str:
    """A published figure with the digits it was published with."""
    if x is not None and unit == "share":
        return f"{100 * x:.2f}".rstrip("0").rstrip(".") + "%"
    return _fmt(x, unit)


def _fmt(x: float | None, unit: str) -> str:
    if x is None or x != x:
        return "—"
    if unit == "share":
        return f"{100 * x:.1f}%"
    if unit in ("elasticity", "ratio"):
        return f"{x:.2f}"
    if unit == "change":
        return f"{100 * x:+.1f}%"
    return f"{x:,.1f}"


def table_markdown(values: dict[str, float]) -> str:
    rows = [
        f"Generated by `python -m sandbox.targets` ({RESIDENTS:,} residents × {YEARS} years unless the setting says "
        f"otherwise, seed {SEED}, last year).",
        "",
        "| Target | Published | Source | Setting | Simulated | Tolerance | Meets it | Test asserts | Note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for t in targets():
        sim = values.get(t.key)
        ok = within(t, sim) if sim is not None else None
        tol = f"{t.bound} bound" if t.bound else _tol(t)
        rows.append(
            "| "
            + " | ".join(
                [
                    t.figure.replace("|", "/"),
                    t.shown or _published(t.value, t.unit),
                    t.source,
                    t.setting.describe() if t.setting else "cannot be expressed",
                    _fmt(sim, t.unit),
                    tol,
                    {True: "yes", False: "**no**", None: "—"}[ok],
                    "yes" if t.asserted else "no",
                    t.note.replace("|", "/"),
                ]
            )
            + " |"
        )
    return "\n".join(rows)


def _tol(t: Target) -> str:
    if t.tolerance is None:
        return "—"
    return f"±{100 * t.tolerance:.0f} pp" if t.unit == "share" else f"±{t.tolerance:g}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sandbox.targets", description="Rewrite the target table of docs/calibration.md.")
    ap.add_argument("--check", action="store_true", help="only report whether the table is current (exit 1 if not)")
    args = ap.parse_args(argv)
    f = project_root() / "docs" / "calibration.md"
    text = f.read_text(encoding="utf-8")
    try:
        new = replace_block(text, "targets", table_markdown(simulated_values()), "docs/calibration.md")
    except DocsError as e:
        print(e, file=sys.stderr)
        return 2
    if new == text:
        print("docs/calibration.md is up to date")
        return 0
    if args.check:
        print("docs/calibration.md: the target table is out of date (run python -m sandbox.targets)", file=sys.stderr)
        return 1
    f.write_text(new, encoding="utf-8")
    print("updated docs/calibration.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
