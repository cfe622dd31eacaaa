"""Validation of lever overrides, split into small named checks with sentence-long messages.

Every problem names the file (if any), the key, the bad value and what is allowed. Checks never
raise on bad input: they return :class:`Problem` objects, and :class:`ScenarioError` carries all of
them at once so the user can fix everything in one pass.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from .params import BY_PATH, CAPABILITY_ITEMS, PAYERS, TIERS, Lever


@dataclass(frozen=True)
class Problem:
    key: str
    value: Any
    message: str
    file: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        shown = "" if self.value is _MISSING else f" = {_shown(self.value)}"
        return f"{where}{self.key}{shown}: {self.message}"


_MISSING = object()


def _shown(v: Any) -> str:
    """A value as it would be written in a TOML file (true, "hard", 0.5)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v + '"'
    return repr(v)


def check_phase_key(key: str, value: Any, month: int) -> list[Problem]:
    """A phase from ``month`` > 0 may change only levers the engine reads every month: one whose
    ``read`` is "start" (read once while the model is built) would silently have no effect."""
    lever = BY_PATH.get(key)
    if month > 0 and lever is not None and lever.read == "start":
        return [
            Problem(
                key,
                value,
                f"is read only when the model starts, so it cannot change from month {month}; set it at the top level instead",
            )
        ]
    return []


class ScenarioError(ValueError):
    """One or more problems in a scenario or its overrides."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def read_text(path) -> str:
    """A UTF-8 text file's content, or a ScenarioError naming the file and why it cannot be read."""
    from pathlib import Path

    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem("file", str(path), "file not found", file=str(path))]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError([Problem("file", str(path), f"cannot be read: {e}", file=str(path))]) from None


def check_known_key(key: str, value: Any) -> list[Problem]:
    if key in BY_PATH:
        return []
    close = difflib.get_close_matches(key, list(BY_PATH), n=3, cutoff=0.6)
    prefix = key.split(".")[0]
    same_group = sorted(k for k in BY_PATH if k.split(".")[0] == prefix)
    if close:
        hint = "did you mean " + " or ".join(close) + "?"
    elif same_group:
        hint = "valid keys under '" + prefix + "': " + ", ".join(same_group)
    else:
        hint = "valid top-level sections: " + ", ".join(sorted({k.split(".")[0] for k in BY_PATH}))
    return [Problem(key, value, f"unknown key; {hint} (run 'sandbox levers' for the full list)")]


def check_type(lever: Lever, value: Any) -> list[Problem]:
    k = lever.kind
    ok = (
        (k == "bool" and isinstance(value, bool))
        or (k == "int" and isinstance(value, int) and not isinstance(value, bool))
        or (k == "float" and isinstance(value, (int, float)) and not isinstance(value, bool))
        or (k == "choice" and isinstance(value, str))
    )
    if ok:
        return []
    want = {"bool": "true or false", "int": "a whole number", "float": "a number", "choice": "a string"}[k]
    return [
        Problem(
            lever.path,
            value,
            f"wrong type ({type(value).__name__}); expected {want} ({lever.unit or 'no unit'}), allowed {lever.describe_range()}",
        )
    ]


def check_range(lever: Lever, value: Any) -> list[Problem]:
    if lever.kind == "choice":
        if value not in lever.choices:
            return [Problem(lever.path, value, f"not a valid choice; allowed {lever.describe_range()}")]
        return []
    if lever.kind == "bool":
        return []
    v = float(value)
    if v != v or (lever.lo is not None and v < lever.lo) or (lever.hi is not None and v > lever.hi):
        return [Problem(lever.path, value, f"out of range; allowed {lever.describe_range()} {lever.unit}".rstrip())]
    return []


def check_override(key: str, value: Any) -> list[Problem]:
    """Unknown key, then type, then range."""
    probs = check_known_key(key, value)
    if probs:
        return probs
    lever = BY_PATH[key]
    return check_type(lever, value) or check_range(lever, value)


# ------------------------------------------------------------------ contradictions
def check_payer_shares_sum_to_one(p: dict) -> list[Problem]:
    out = []
    for t in TIERS:
        total = sum(p[f"signing.payer.{t}.{q}"] for q in PAYERS)
        if abs(total - 1.0) > 1e-6:
            out.append(
                Problem(
                    f"signing.payer.{t}",
                    round(total, 6),
                    f"the six payer shares of the {t} fee must sum to 1 (they sum to {total:.4g})",
                )
            )
    return out


def check_hard_binding_needs_contracts(p: dict) -> list[Problem]:
    if p["referral.binding"] == "hard" and not p["signing.enabled"]:
        return [
            Problem("referral.binding", "hard", "hard binding (1+1+1) binds signed residents, so it needs signing.enabled = true")
        ]
    return []


def check_hard_binding_needs_primary_capacity(p: dict) -> list[Problem]:
    if p["referral.binding"] == "hard" and p["signing.team_cap_households"] < 1:
        return [
            Problem(
                "signing.team_cap_households",
                p["signing.team_cap_households"],
                "hard binding needs primary capacity: the team cap must be at least 1 household",
            )
        ]
    return []


def check_bypass_penalty_needs_someone_bound(p: dict) -> list[Problem]:
    """A bypass penalty for signed residents only, with no contracts, binds nobody."""
    if p["reimbursement.bypass_penalty"] > 0 and p["referral.gatekeeping_scope"] == "signed" and not p["signing.enabled"]:
        return [
            Problem(
                "reimbursement.bypass_penalty",
                p["reimbursement.bypass_penalty"],
                'binds signed residents (referral.gatekeeping_scope = "signed"), so it needs signing.enabled = true '
                'or a wider scope ("resident_scheme" or "all_insured")',
            )
        ]
    return []


def check_gatekeeping_scope_needs_a_rule(p: dict) -> list[Problem]:
    """Binding unsigned residents to referral rules means nothing when no rule is in force."""
    scope = p["referral.gatekeeping_scope"]
    if scope != "signed" and p["reimbursement.bypass_penalty"] == 0 and p["referral.binding"] != "hard":
        return [
            Problem(
                "referral.gatekeeping_scope",
                scope,
                "binds more residents to the referral rules, but no rule is in force: it needs "
                'reimbursement.bypass_penalty > 0 (1 = no reimbursement without referral) or referral.binding = "hard"',
            )
        ]
    return []


def check_team_budget_needs_contracts(p: dict) -> list[Problem]:
    if p["budget.team_enabled"] and not p["signing.enabled"]:
        return [Problem("budget.team_enabled", True, "a team budget covers signed residents, so it needs signing.enabled = true")]
    return []


def check_hospital_pays_only_in_an_alliance(p: dict) -> list[Problem]:
    out = []
    for item in CAPABILITY_ITEMS:
        key = f"capability.{item}_payer"
        if p[key] == "hospital" and not p["hospital.alliance"]:
            out.append(
                Problem(
                    key,
                    "hospital",
                    "the lead hospital pays for community centres' capability only inside an alliance or medical group, "
                    "so it needs hospital.alliance = true (or another payer: fund, district_finance, city_finance, public_health)",
                )
            )
    return out


def check_age_shares(p: dict) -> list[Problem]:
    s = p["population.age_0_14"] + p["population.age_60_plus"]
    if s > 1.0:
        return [
            Problem(
                "population.age_60_plus",
                p["population.age_60_plus"],
                f"population.age_0_14 + population.age_60_plus must not exceed 1 (they sum to {s:.3g})",
            )
        ]
    return []


CONTRADICTION_CHECKS = (
    check_payer_shares_sum_to_one,
    check_hard_binding_needs_contracts,
    check_hard_binding_needs_primary_capacity,
    check_bypass_penalty_needs_someone_bound,
    check_gatekeeping_scope_needs_a_rule,
    check_team_budget_needs_contracts,
    check_hospital_pays_only_in_an_alliance,
    check_age_shares,
)


def check_contradictions(p: dict) -> list[Problem]:
    out: list[Problem] = []
    for check in CONTRADICTION_CHECKS:
        out.extend(check(p))
    return out
