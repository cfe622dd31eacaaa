"""Experiment files: which scenarios to compare, which levers vary and how, replicates, sizes, seeds.

An experiment file is TOML::

    [experiment]
    name = "gap_sweep"
    scenarios = ["baseline", "hangzhou_2016"]   # preset names or scenario files (relative to this file)
    residents = 10000
    years = 3
    seed = 2024                                 # master seed; replicate seeds derive from it
    replicates = 3
    method = "grid"                             # grid | list | lhs | sobol | morris | calibrate
    samples = 16                                # lhs / sobol / morris base sample size
    outcomes = ["primary_care_share", "fund_spending_per_capita"]   # default: every headline outcome

    [fixed]                                     # overrides applied to every run
    signing.enabled = true

    [[vary]]                                    # grid / lhs / sobol / morris / calibrate
    lever = "reimbursement.signed_primary_bonus"
    values = [0.0, 0.1, 0.2]                    # grid
    # range = [0.0, 0.3]                        # lhs / sobol / morris / calibrate

    [[point]]                                   # method = "list": one table per design point
    label = "big gap"
    reimbursement.outpatient.tertiary = 0.3

    [[target]]                                  # method = "calibrate"
    outcome = "primary_care_share_signed"
    minus = "primary_care_share_unsigned"       # optional: the target is the difference of two outcomes
    value = 0.1486
    tolerance = 0.02                            # optional: errors are measured in tolerances
    scenario = "hangzhou_2016"                  # optional: the target's own setting (default: scenarios[0])
    overrides = { "signing.enabled" = true }    # optional: lever overrides of that setting

Everything is checked before any run starts; every problem is reported at once as a
:class:`~sandbox.validation.Problem` (file, key, value, what is allowed).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .extras import require
from .outcomes import OUTCOME, tagged
from .params import BY_PATH
from .rng import replicate_seeds
from .scenario import Scenario, _flatten, resolve_scenario
from .validation import _MISSING, Problem, ScenarioError, check_known_key, check_override, read_text

METHODS = ("grid", "list", "lhs", "sobol", "morris", "calibrate")


@dataclass(frozen=True)
class ExperimentKey:
    """One key of an experiment file's ``[experiment]`` table: its kind, allowed values, default
    and help, as scenario levers are declared in the lever registry."""

    name: str
    kind: str  # int | bool | choice | str | names (a list of strings)
    default: Any
    help: str
    lo: int | None = None
    hi: int | None = None
    choices: tuple[str, ...] = ()

    def allowed(self) -> str:
        if self.kind == "int":
            return f"a whole number from {self.lo} to {self.hi}"
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "names":
            return "a non-empty list of strings"
        return "a string"

    def check(self, value: Any) -> str | None:
        """What is wrong with ``value`` (None when it is allowed)."""
        k = self.kind
        if k == "int":
            ok = isinstance(value, int) and not isinstance(value, bool) and self.lo <= value <= self.hi
            return None if ok else f"must be {self.allowed()}"
        if k == "bool":
            return None if isinstance(value, bool) else "must be true or false"
        if k == "choice":
            return (
                None if value in self.choices else f"not a valid {self.name}; allowed " + ", ".join(repr(c) for c in self.choices)
            )
        if k == "names":
            ok = isinstance(value, list) and value and all(isinstance(x, str) for x in value)
            return None if ok else f"must be {self.allowed()}"
        return None if isinstance(value, str) else "must be a string"


EXPERIMENT_KEY_TABLE: tuple[ExperimentKey, ...] = (
    ExperimentKey("name", "str", "", "a short name (default: the file's name)"),
    ExperimentKey("description", "str", "", "free text"),
    ExperimentKey("scenarios", "names", ("baseline",), "preset names or scenario files (relative to this file)"),
    ExperimentKey("residents", "int", 10_000, "residents simulated in each run", 100, 10_000_000),
    ExperimentKey("years", "int", 3, "years simulated in each run", 1, 100),
    ExperimentKey("seed", "int", 0, "master seed; the replicate seeds derive from it", 0, 2**63 - 1),
    ExperimentKey("replicates", "int", 1, "runs of each design point, with the same seeds for every point", 1, 10_000),
    ExperimentKey("method", "choice", "grid", "how the design points are made", choices=METHODS),
    ExperimentKey("samples", "int", 8, "base sample size for lhs / sobol / morris", 1, 1_000_000),
    ExperimentKey("outcomes", "names", None, "outcome names to record (default: every outcome tagged 'batch')"),
    ExperimentKey("morris_levels", "int", 4, "number of grid levels for Morris (even)", 2, 100),
    ExperimentKey("second_order", "bool", False, "Sobol second-order indices"),
    ExperimentKey("year", "int", None, "year analysed by sensitivity / calibration (default: the last)", 1, 100),
    ExperimentKey(
        "optimizer", "choice", "nelder-mead", "scipy.optimize.minimize method for calibration", choices=("nelder-mead", "powell")
    ),
    ExperimentKey("max_evaluations", "int", 40, "calibration budget: parameter sets to simulate", 1, 100_000),
    ExperimentKey(
        "record",
        "str",
        "",
        "calibration: a JSON file (relative to this file) where the fit is recorded for the docs and the registry",
    ),
)
EXPERIMENT_KEYS: dict[str, ExperimentKey] = {k.name: k for k in EXPERIMENT_KEY_TABLE}
TOP_KEYS = ("experiment", "fixed", "vary", "point", "target")
VARY_KEYS = ("lever", "values", "range", "start", "step")
TARGET_KEYS = ("outcome", "value", "weight", "minus", "tolerance", "scenario", "overrides")
ALL_OUTCOMES = tuple(OUTCOME)
BATCH_OUTCOMES = tagged("batch")  # what a batch records when its file names no outcomes


@dataclass(frozen=True)
class Vary:
    lever: str
    values: tuple | None = None
    range: tuple[float, float] | None = None
    start: float | None = None
    step: float | None = None  # calibration: the fitted value is rounded to a multiple of step


@dataclass(frozen=True)
class Target:
    """A calibration target: an outcome (or the difference of two) in a setting, its value, and how
    its error counts (weight; in tolerances when a tolerance is given, else relative to the value)."""

    outcome: str
    value: float
    weight: float = 1.0
    minus: str | None = None
    tolerance: float | None = None
    scenario: str | None = None  # None: the experiment's first scenario
    overrides: tuple[tuple[str, Any], ...] = ()

    @property
    def name(self) -> str:
        """The compared quantity: the outcome, or ``outcome - minus``."""
        return self.outcome + (f" - {self.minus}" if self.minus else "")

    def scale(self) -> float:
        """What one unit of error is: the tolerance, else the value's size (1 if it is 0)."""
        return self.tolerance if self.tolerance else (abs(self.value) if self.value else 1.0)


@dataclass(frozen=True)
class Experiment:
    name: str
    scenarios: tuple[str, ...]
    residents: int = 10_000
    years: int = 3
    seed: int = 0
    replicates: int = 1
    method: str = "grid"
    samples: int = 8
    outcomes: tuple[str, ...] = BATCH_OUTCOMES
    fixed: dict[str, Any] = field(default_factory=dict)
    vary: tuple[Vary, ...] = ()
    points: tuple[dict[str, Any], ...] = ()
    targets: tuple[Target, ...] = ()
    morris_levels: int = 4
    second_order: bool = False
    year: int | None = None
    optimizer: str = "nelder-mead"
    max_evaluations: int = 40
    record: str = ""
    description: str = ""
    text: str = ""  # the file content, kept for the manifest
    path: str | None = None

    # ------------------------------------------------------------ derived
    def digest_parts(self) -> dict[str, Any]:
        """Everything that decides what the run files of this experiment hold, by part: the
        scenarios, the sizes, the seeds, the design and the outcomes recorded (not the name or
        description). The manifest keeps these so that a mismatch can be named."""
        return {
            "scenarios": {s: scenario_text(s, self.path) for s in self.scenarios},
            "sizes": {"residents": self.residents, "years": self.years},
            "seeds": {"seed": self.seed, "replicates": self.replicates},
            "design": {
                "method": self.method,
                "samples": self.samples,
                "fixed": self.fixed,
                # step only when given, so that files without it keep the digests they had
                "vary": [{k: x for k, x in v.__dict__.items() if k != "step" or x is not None} for v in self.vary],
                "points": list(self.points),
                "morris_levels": self.morris_levels,
                "second_order": self.second_order,
                **(
                    {"target_settings": [[scenario_text(r, self.path), dict(o)] for r, o in self.target_settings()]}
                    if any(t.scenario or t.overrides for t in self.targets)
                    else {}
                ),
            },
            "outcomes": list(self.outcomes),
        }

    def target_settings(self) -> list[tuple[str, tuple[tuple[str, Any], ...]]]:
        """The settings the calibration targets are measured in, in order of first use: (scenario
        reference, overrides). A target without a scenario is measured in the first scenario."""
        out: list[tuple[str, tuple[tuple[str, Any], ...]]] = []
        for t in self.targets:
            s = (t.scenario or self.scenarios[0], t.overrides)
            if s not in out:
                out.append(s)
        return out

    def setting_of(self, t: Target) -> int:
        """The index in :meth:`target_settings` of target ``t``'s setting."""
        return self.target_settings().index((t.scenario or self.scenarios[0], t.overrides))

    def record_path(self) -> Path | None:
        """Where a calibration is recorded (``record``, relative to the experiment file), if anywhere."""
        if not self.record:
            return None
        p = Path(self.record)
        return p if p.is_absolute() or self.path is None else Path(self.path).parent / p

    @property
    def digest(self) -> str:
        """Hash of :meth:`digest_parts`."""
        return hashlib.sha256(json.dumps(self.digest_parts(), sort_keys=True, default=str).encode()).hexdigest()[:16]

    def replicate_seeds(self) -> list[int]:
        """Seeds shared by every design point (common random numbers), from the master seed
        (:func:`sandbox.rng.replicate_seeds`)."""
        return replicate_seeds(self.seed, self.replicates)

    def problem(self) -> dict:
        """The SALib problem dict for the varied levers (ranges)."""
        return {
            "num_vars": len(self.vary),
            "names": [v.lever for v in self.vary],
            "bounds": [list(v.range) for v in self.vary],
        }

    def design(self) -> tuple[list[dict[str, Any]], list[str], np.ndarray | None]:
        """Design points as override dicts, a label per point, and the raw sample matrix (if sampled)."""
        if self.method == "grid":
            names = [v.lever for v in self.vary]
            combos = list(itertools.product(*[v.values for v in self.vary])) if self.vary else [()]
            pts = [dict(zip(names, c)) for c in combos]
            labels = [", ".join(f"{k.split('.')[-1]}={v}" for k, v in p.items()) or "default" for p in pts]
            return pts, labels, None
        if self.method == "list":
            pts, labels = [], []
            for i, p in enumerate(self.points):
                p = dict(p)
                labels.append(str(p.pop("label", f"point {i}")))
                pts.append(p)
            return pts, labels, None
        if self.method == "calibrate":
            return [{}], ["start"], None
        prob = self.problem()
        if self.method == "lhs":
            from scipy.stats import qmc

            u = qmc.LatinHypercube(d=prob["num_vars"], seed=np.random.default_rng(self.seed)).random(self.samples)
            lo = np.array([b[0] for b in prob["bounds"]])
            hi = np.array([b[1] for b in prob["bounds"]])
            X = lo + u * (hi - lo)
        elif self.method == "sobol":
            require("batch", "SALib", what="a Sobol design (method = 'sobol')")
            from SALib.sample import sobol as sobol_sample

            X = sobol_sample.sample(prob, self.samples, calc_second_order=self.second_order, scramble=True, seed=self.seed)
        else:  # morris
            require("batch", "SALib", what="a Morris design (method = 'morris')")
            from SALib.sample import morris as morris_sample

            X = morris_sample.sample(prob, self.samples, num_levels=self.morris_levels, seed=self.seed)
        pts = [self.coerce_row(row) for row in X]
        labels = [f"sample {i}" for i in range(len(pts))]
        return pts, labels, X

    def coerce_row(self, row) -> dict[str, Any]:
        out = {}
        for v, x in zip(self.vary, row):
            lever = BY_PATH[v.lever]
            out[v.lever] = int(round(float(x))) if lever.kind == "int" else float(x)
        return out


def scenario_text(ref: str, base: str | None) -> str:
    """Resolve a scenario reference to its file text (for hashing and the manifest)."""
    return resolve_scenario(ref, base).to_toml(full=False)


# ---------------------------------------------------------------------------- loading
def load_experiment(path: str | Path) -> Experiment:
    return parse_experiment(read_text(path), source=str(path))


class _Problems(list):
    """The problems found so far in one experiment file."""

    def __init__(self, source: str | None) -> None:
        super().__init__()
        self.source = source

    def bad(self, key: str, value: Any, msg: str) -> None:
        self.append(Problem(key, value, msg, file=self.source))

    def add(self, problems, key: str) -> None:
        """Problems of a nested check, their key rewritten as ``key.format(problem's key)``."""
        self.extend(replace(p, key=key.format(p.key), file=p.file or self.source) for p in problems)


def _header(data: dict, probs: _Problems) -> dict[str, Any]:
    """The ``[experiment]`` table checked against :data:`EXPERIMENT_KEY_TABLE`, defaults filled in."""
    for k in data:
        if k not in TOP_KEYS:
            probs.bad(k, data[k], "unknown section; valid sections: [experiment], [fixed], [[vary]], [[point]], [[target]]")
    ex = data.get("experiment", {})
    if not isinstance(ex, dict):
        probs.bad("experiment", ex, "must be a table: [experiment]")
        ex = {}
    given: dict[str, Any] = {}
    for k, v in ex.items():
        if k not in EXPERIMENT_KEYS:
            probs.bad(f"experiment.{k}", v, "unknown key; valid keys under 'experiment': " + ", ".join(EXPERIMENT_KEYS))
            continue
        key = EXPERIMENT_KEYS[k]
        if key.kind == "choice" and isinstance(v, str):
            v = v.lower()
        if key.name == "scenarios" and isinstance(v, str):
            v = [v]
        wrong = key.check(v)
        if wrong:
            probs.bad(f"experiment.{k}", v, wrong)
        else:
            given[k] = v
    for key in EXPERIMENT_KEY_TABLE:
        given.setdefault(key.name, list(key.default) if isinstance(key.default, tuple) else key.default)
    if given["year"] is not None and given["year"] > given["years"]:
        probs.bad("experiment.year", given["year"], f"must be a whole number from 1 to years ({given['years']})")
        given["year"] = None
    given["outcomes"] = given["outcomes"] or list(BATCH_OUTCOMES)
    for o in given["outcomes"]:
        if o not in ALL_OUTCOMES:
            probs.bad("experiment.outcomes", o, "unknown outcome; valid outcomes: " + ", ".join(ALL_OUTCOMES))
    return given


def _scenarios(scen: list[str], method: str, probs: _Problems) -> dict[str, Scenario]:
    """Each scenario reference resolved (relative to the experiment file)."""
    if len(set(scen)) != len(scen):
        probs.bad("experiment.scenarios", scen, "lists a scenario twice")
    found: dict[str, Scenario] = {}
    for s in scen:
        try:
            found[s] = resolve_scenario(s, probs.source)
        except ScenarioError as e:
            probs.add(e.problems, "experiment.scenarios: {}")
    if method == "calibrate" and len(scen) != 1:
        probs.bad(
            "experiment.scenarios",
            scen,
            "calibration measures its targets in one scenario; list exactly one (a [[target]] may name its own with scenario = ...)",
        )
    return found


def _fixed(data: dict, probs: _Problems) -> dict[str, Any]:
    fixed_raw = data.get("fixed", {})
    if not isinstance(fixed_raw, dict):
        probs.bad("fixed", fixed_raw, "must be a table of lever overrides: [fixed] with key = value lines")
        fixed_raw = {}
    fixed = _flatten(fixed_raw)
    for k, v in fixed.items():
        probs.add(check_override(k, v), "fixed.{}")
    return fixed


def _vary_range(key: str, v: dict, lever: str, method: str, probs: _Problems) -> Vary | None:
    """A ``[[vary]]`` table of a sampling method (lhs, sobol, morris, calibrate): a range."""
    lv = BY_PATH[lever]
    values, rng, start = v.get("values"), v.get("range"), v.get("start")
    if values is not None:
        probs.bad(f"{key}.values", values, f"method {method!r} samples from a range; use range = [lo, hi] instead of values")
    if lv.kind not in ("float", "int"):
        probs.bad(
            f"{key}.lever", lever, f"method {method!r} needs a numeric lever; this one is {lv.kind} ({lv.describe_range()})"
        )
        return None
    if not (
        isinstance(rng, list) and len(rng) == 2 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in rng)
    ):
        probs.bad(f"{key}.range", rng, "must be [lo, hi], two numbers")
        return None
    lo, hi = float(rng[0]), float(rng[1])
    if not lo < hi:
        probs.bad(f"{key}.range", rng, "lo must be below hi")
    for x in (lo, hi):
        probs.add(check_range_only(lever, x), f"{key}.range ({lever})")
    if start is not None and (not isinstance(start, (int, float)) or isinstance(start, bool) or not lo <= start <= hi):
        probs.bad(f"{key}.start", start, f"must be a number inside the range [{lo}, {hi}]")
        start = None
    step = v.get("step")
    if step is not None:
        if method != "calibrate":
            probs.bad(f"{key}.step", step, f"only calibration rounds its fitted values (method is {method!r})")
            step = None
        elif not _positive(step) or not step < hi - lo:
            probs.bad(f"{key}.step", step, f"must be a positive number below the range's width ({hi - lo:g})")
            step = None
    return Vary(lever, None, (lo, hi), None if start is None else float(start), None if step is None else float(step))


def _positive(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x > 0


def _vary_values(key: str, v: dict, lever: str, method: str, probs: _Problems) -> Vary | None:
    """A ``[[vary]]`` table of grid or list: values."""
    values, rng = v.get("values"), v.get("range")
    if rng is not None:
        probs.bad(f"{key}.range", rng, f"method {method!r} takes values = [...]; ranges are for lhs, sobol, morris and calibrate")
    if not isinstance(values, list) or not values:
        probs.bad(f"{key}.values", values, "must be a non-empty list of lever values")
        return None
    before = len(probs)
    for x in values:
        probs.add(check_override(lever, x), f"{key}.values ({{}})")
    return Vary(lever, tuple(values)) if len(probs) == before else None


def _vary(data: dict, method: str, probs: _Problems) -> tuple[list, list[Vary]]:
    """The raw ``[[vary]]`` tables and the checked ones."""
    vary_raw = data.get("vary", [])
    if not isinstance(vary_raw, list):
        probs.bad(
            "vary", vary_raw, "must be an array of tables: [[vary]] with lever = ... and values = [...] or range = [lo, hi]"
        )
        vary_raw = []
    vary: list[Vary] = []
    for i, v in enumerate(vary_raw):
        key = f"vary[{i}]"
        if not isinstance(v, dict):
            probs.bad(key, v, "must be a table with lever = ... and values = [...] or range = [lo, hi]")
            continue
        for k in v:
            if k not in VARY_KEYS:
                probs.bad(f"{key}.{k}", v[k], "unknown key; valid keys in [[vary]]: " + ", ".join(VARY_KEYS))
        lever = v.get("lever")
        if not isinstance(lever, str):
            probs.bad(f"{key}.lever", lever, "missing or not a string; name a lever path (run 'sandbox levers')")
            continue
        if lever not in BY_PATH:
            probs.add(check_known_key(lever, lever), f"{key}.lever")
            continue
        if lever in [x.lever for x in vary]:
            probs.bad(f"{key}.lever", lever, "varied twice")
        sampled = method in ("lhs", "sobol", "morris", "calibrate")
        checked = (_vary_range if sampled else _vary_values)(key, v, lever, method, probs)
        if checked is not None:
            vary.append(checked)
    return vary_raw, vary


def _points(data: dict, probs: _Problems) -> tuple[list, list[dict]]:
    pts_raw = data.get("point", [])
    points: list[dict] = []
    if not isinstance(pts_raw, list):
        probs.bad("point", pts_raw, "must be an array of tables: [[point]] with lever = value lines")
        pts_raw = []
    for i, p in enumerate(pts_raw):
        if not isinstance(p, dict):
            probs.bad(f"point[{i}]", p, "must be a table of lever = value lines (and optionally label)")
            continue
        flat = _flatten({k: v for k, v in p.items() if k != "label"})
        for k, v in flat.items():
            probs.add(check_override(k, v), f"point[{i}].{{}}")
        if "label" in p:
            flat["label"] = str(p["label"])
        points.append(flat)
    return pts_raw, points


def _targets(data: dict, probs: _Problems) -> tuple[list, list[Target]]:
    tg_raw = data.get("target", [])
    targets: list[Target] = []
    if not isinstance(tg_raw, list):
        probs.bad("target", tg_raw, "must be an array of tables: [[target]] with outcome = ... and value = ...")
        tg_raw = []
    for i, t in enumerate(tg_raw):
        key = f"target[{i}]"
        if not isinstance(t, dict):
            probs.bad(key, t, "must be a table with outcome = ... and value = ...")
            continue
        for k in t:
            if k not in TARGET_KEYS:
                probs.bad(f"{key}.{k}", t[k], "unknown key; valid keys in [[target]]: " + ", ".join(TARGET_KEYS))
        o, val, w = t.get("outcome"), t.get("value"), t.get("weight", 1.0)
        minus, tol, scen, ov = t.get("minus"), t.get("tolerance"), t.get("scenario"), t.get("overrides", {})
        before = len(probs)
        if o not in ALL_OUTCOMES:
            probs.bad(f"{key}.outcome", o, "unknown outcome; valid outcomes: " + ", ".join(ALL_OUTCOMES))
        if minus is not None and (minus not in ALL_OUTCOMES or minus == o):
            probs.bad(
                f"{key}.minus",
                minus,
                "must name another outcome (the target is outcome minus this one); valid outcomes: " + ", ".join(ALL_OUTCOMES),
            )
        if not isinstance(val, (int, float)) or isinstance(val, bool):
            probs.bad(f"{key}.value", val, "must be a number")
        if not _positive(w):
            probs.bad(f"{key}.weight", w, "must be a positive number")
        if tol is not None and not _positive(tol):
            probs.bad(f"{key}.tolerance", tol, "must be a positive number (the error that counts as one unit)")
        if scen is not None:
            if not isinstance(scen, str) or not scen:
                probs.bad(f"{key}.scenario", scen, "must be a preset name or a scenario file (relative to this file)")
            else:
                try:
                    resolve_scenario(scen, probs.source)
                except ScenarioError as e:
                    probs.add(e.problems, f"{key}.scenario: {{}}")
        flat: dict[str, Any] = {}
        if not isinstance(ov, dict):
            probs.bad(f"{key}.overrides", ov, 'must be a table of lever overrides, e.g. overrides = { "signing.enabled" = true }')
        else:
            flat = _flatten(ov)
            for k, v in flat.items():
                probs.add(check_override(k, v), f"{key}.overrides.{{}}")
        if len(probs) == before:
            targets.append(
                Target(
                    o,
                    float(val),
                    float(w),
                    minus,
                    None if tol is None else float(tol),
                    scen,
                    tuple(sorted(flat.items())),
                )
            )
    return tg_raw, targets


def _target_overrides_vs_vary(targets: list[Target], vary: list[Vary], probs: _Problems) -> None:
    """A target's setting may not fix a lever the calibration varies."""
    varied = {v.lever for v in vary}
    for i, t in enumerate(targets):
        for k, _ in t.overrides:
            if k in varied:
                probs.bad(
                    f"target[{i}].overrides.{k}",
                    dict(t.overrides)[k],
                    "is varied by a [[vary]] table; a target's setting may not fix a varied lever",
                )


def _method_requirements(given: dict[str, Any], n_vary: int, n_points: int, n_targets: int, probs: _Problems) -> None:
    method, samples = given["method"], given["samples"]
    if method in ("lhs", "sobol", "morris", "calibrate") and not n_vary:
        probs.bad("vary", _MISSING, f"method {method!r} needs at least one [[vary]] table with lever and range")
    if method in ("sobol", "morris") and n_vary < 2:
        probs.bad("vary", n_vary, f"method {method!r} needs at least two varied levers")
    if method == "list" and not n_points:
        probs.bad("point", _MISSING, "method 'list' needs at least one [[point]] table")
    if method != "list" and n_points:
        probs.bad("point", n_points, f"[[point]] tables are only used with method = 'list' (method is {method!r})")
    if method == "calibrate" and not n_targets:
        probs.bad("target", _MISSING, "method 'calibrate' needs at least one [[target]] table with outcome and value")
    if given["record"] and (method != "calibrate" or not str(given["record"]).endswith(".json")):
        probs.bad("experiment.record", given["record"], "only a calibration is recorded, in a .json file")
    if method == "morris" and given["morris_levels"] % 2:
        probs.bad("experiment.morris_levels", given["morris_levels"], "must be even")
    if method == "sobol" and samples & (samples - 1):
        probs.bad("experiment.samples", samples, "Sobol sampling needs a power of two (e.g. 8, 16, 64, 256)")


def _contradictions(exp: Experiment, scenarios: dict[str, Scenario], probs: _Problems) -> None:
    """Every scenario × design point must be a consistent scenario (contradiction checks)."""
    pts, labels, _ = exp.design()
    seen = set()
    runs = [(s, scenarios[s], {}, f"scenario {s!r}") for s in exp.scenarios]
    if exp.method == "calibrate":
        runs = [
            (ref, resolve_scenario(ref, exp.path), dict(ov), f"target setting {ref!r}" + (f" with {dict(ov)}" if ov else ""))
            for ref, ov in exp.target_settings()
        ]
    for _s, sc, ov, where in runs:
        for p, lab in zip(pts, labels):
            try:
                sc.with_overrides({**exp.fixed, **ov, **p})
            except ScenarioError as e:
                for pr in e.problems:
                    if str(pr) not in seen:
                        seen.add(str(pr))
                        probs.append(Problem(f"{where}, design point '{lab}': {pr.key}", pr.value, pr.message, file=probs.source))


def parse_experiment(text: str, source: str | None = None) -> Experiment:
    """An experiment from its TOML text: every key checked, every problem reported at once."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError([Problem("toml", "(file)", f"not valid TOML: {e}", file=source)]) from None
    probs = _Problems(source)
    given = _header(data, probs)
    scenarios = _scenarios(given["scenarios"], given["method"], probs)
    fixed = _fixed(data, probs)
    vary_raw, vary = _vary(data, given["method"], probs)
    pts_raw, points = _points(data, probs)
    tg_raw, targets = _targets(data, probs)
    _target_overrides_vs_vary(targets, vary, probs)
    _method_requirements(given, len(vary_raw), len(pts_raw), len(tg_raw), probs)
    if probs:
        raise ScenarioError(_unique(probs))
    outcomes = given["outcomes"]
    if given["method"] == "calibrate":
        needed = {t.outcome for t in targets} | {t.minus for t in targets if t.minus}
        outcomes = sorted(set(outcomes) | needed, key=list(ALL_OUTCOMES).index)
    exp = Experiment(
        name=str(given["name"] or (Path(source).stem if source else "experiment")),
        description=str(given["description"]),
        scenarios=tuple(given["scenarios"]),
        residents=given["residents"],
        years=given["years"],
        seed=given["seed"],
        replicates=given["replicates"],
        method=given["method"],
        samples=given["samples"],
        outcomes=tuple(outcomes),
        fixed=fixed,
        vary=tuple(vary),
        points=tuple(points),
        targets=tuple(targets),
        morris_levels=given["morris_levels"],
        second_order=given["second_order"],
        year=given["year"],
        optimizer=given["optimizer"],
        max_evaluations=given["max_evaluations"],
        record=str(given["record"] or ""),
        text=text,
        path=source,
    )
    _contradictions(exp, scenarios, probs)
    if probs:
        raise ScenarioError(probs[:20])
    return exp


def check_range_only(lever_path: str, x: float) -> list[Problem]:
    lv = BY_PATH[lever_path]
    value = int(round(x)) if lv.kind == "int" else float(x)
    return check_override(lever_path, value)


def _unique(probs: list[Problem]) -> list[Problem]:
    out, seen = [], set()
    for p in probs:
        s = str(p)
        if s not in seen:
            seen.add(s)
            out.append(p)
    return out
