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
    unit: str  # share | per year | yuan | elasticity | ratio
    source: str
    setting: Setting | None  # None: the model cannot express it
    read: Callable[[Callable[[Setting], Result]], float] | None = field(default=None, compare=False)
    tolerance: float | None = None
    asserted: bool = False
    note: str = ""
    bound: str | None = None  # "upper" / "lower": the figure is a bound, not a level


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
        return s["new_signer_primary_share_after"] - s["new_signer_primary_share_before"]

    return read


def _oop_share(setting: Setting) -> Callable[[Callable[[Setting], Result]], float]:
    def read(run: Callable[[Setting], Result]) -> float:
        s = run(setting).summary()
        return s["oop_per_capita"] / s["total_cost_per_capita"]

    return read


def _elasticity(base: Setting, outcome: str, levers: tuple[str, ...]) -> Callable[[Callable[[Setting], Result]], float]:
    """Arc elasticity of ``outcome`` when the prices ``levers`` rise by PRICE_STEP (the patient's
    share rises in proportion: the same rates apply to a higher bill)."""

    def read(run: Callable[[Setting], Result]) -> float:
        p = base.scenario().params_at(0)
        up = Setting(base.preset, base.overrides + tuple((k, p[k] * (1 + PRICE_STEP)) for k in levers), base.years)
        a, b = run(base).summary()[outcome], run(up).summary()[outcome]
        return float(((b - a) / ((a + b) / 2)) / (PRICE_STEP / (1 + PRICE_STEP / 2)))

    return read


BASE = Setting("baseline")
HANGZHOU = Setting("hangzhou_2016")
NO_EFFECT = Setting("hangzhou_2016", (("behaviour.trust_signed", 0.0),))
SHANGHAI = Setting("shanghai_1plus1plus1")
ZHENJIANG = Setting("zhenjiang_medical_group")
PROVINCE = Setting("baseline", (("signing.enabled", True), ("reimbursement.signed_primary_bonus", 0.15)), years=5)
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

NO_CONDITION = "hypertension and diabetes are drawn separately but results are reported for chronic patients together"


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
            _summary(BASE, "chronic_control_rate"),
            0.06,
            True,
            NO_CONDITION + " (the model's rate covers hypertension and diabetes)",
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
            "tolerance is the published 95% interval. The response is the same for every income, area and scheme "
            "(evidence issue, item 6)",
        ),
        T(
            "elasticity_admission",
            "Own-price elasticity of admissions (rural, first admission)",
            -0.37,
            "elasticity",
            "DEFAULTS: Health Policy 2011;103:255–65 (95% CI −0.52 to −0.23)",
            BASE,
            _elasticity(BASE, "admissions_per_1000", INPATIENT_PRICES),
            0.15,
            False,
            "no admission is forgone or delayed for its price in the model, so the elasticity is 0 by construction "
            "(evidence issue, item 4)",
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
            "the model's new signers of the last year, all conditions: primary share in the year of signing minus the year "
            "before; " + NO_CONDITION,
            bound="upper",
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
            "hangzhou_htn_before_after",
            "Hypertensive signers (n = 1,534): community visit share 54.82% → 65.33%; annual cost 8,240 → 7,789 yuan; "
            "out-of-pocket 1,048 → 830 yuan, before → after signing",
            None,
            "share",
            "seed 002 (Hangzhou)",
            None,
            note="the visit share is compared in the row on new signers above; the cost and out-of-pocket figures of "
            "hypertensive signers cannot be, since " + NO_CONDITION + " and no within-person cost history is kept",
        ),
        T(
            "hangzhou_key_groups",
            "Signing coverage of key groups 64.19%",
            0.6419,
            "share",
            "seed 002 (Hangzhou)",
            None,
            note="the outputs have no 'key group' dimension (the model's priority flag exists, but is not a result group)",
        ),
        # ---- Shanghai (seed 004)
        T(
            "shanghai_elderly_primary",
            "Elderly outpatient visits handled by community centres, 2015",
            0.586,
            "share",
            "seed 004 (Shanghai)",
            SHANGHAI,
            _group(SHANGHAI, "age_band", "60+", "primary_care_share"),
            0.03,
            False,
            "the model falls short: primary care's capability (specialist sessions, drug lists, long "
            "prescriptions as the place of refills) is not a state that policy builds yet (evidence issue, item 3)",
        ),
        T(
            "shanghai_used_fd",
            "Signed residents who used their family doctor within the year, 2015",
            0.681,
            "share",
            "seed 004 (Shanghai)",
            None,
            note="the model marks signed residents served in the year (for renewal) but does not report the share; "
            "it becomes an outcome with team workload (provider issue, item 1)",
        ),
        # ---- Zhenjiang (seed 004)
        T(
            "zhenjiang_chronic_primary",
            "Hypertension / diabetes visits at community level inside the medical group, 2014: 70% / 68%",
            0.69,
            "share",
            "seed 004 (Zhenjiang)",
            ZHENJIANG,
            _summary(ZHENJIANG, "followup_primary_share"),
            0.03,
            False,
            "the model's chronic follow-up visits (" + NO_CONDITION + ") against the mean of the two. The model falls "
            "short: the medical group's specialists at community centres and shared drug lists are not modelled (evidence issue, item 3)",
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
        T(
            "hangzhou_satisfaction",
            "Satisfaction of signed residents 95.2% (2015), 98.6% (2016); Shanghai awareness / convenience / "
            "satisfaction 88% / 92.1% / 95.5%",
            None,
            "share",
            "seeds 002, 004",
            None,
            note="residents have no satisfaction or awareness state that could be compared (experience of care: "
            "evidence issue, item 3)",
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
            note=NO_CONDITION + "; control rates per condition and a 'structured management' lever would be needed",
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
                    _published(t.value, t.unit),
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
