"""Scenarios: named sets of lever overrides (TOML files holding only what differs from the
defaults), optionally phased in from a given month. A reform is validated before any override is
applied, and never mutates its baseline: every method returns a new Scenario."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .params import BY_PATH, REGISTRY, defaults
from .validation import Problem, ScenarioError, check_contradictions, check_override, check_phase_key, read_text

META_KEYS = ("name_en", "name_zh", "description_en", "description_zh", "source")
RESERVED = ("meta", "phase")


def _flatten(d: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def scenarios_dir() -> Path:
    """The folder of preset scenario files: ``scenarios/`` beside the package (editable install)."""
    return Path(__file__).resolve().parent.parent / "scenarios"


@dataclass(frozen=True)
class Phase:
    month: int
    overrides: dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    """Overrides of the lever defaults plus metadata and phased changes."""

    overrides: dict[str, Any] = field(default_factory=dict)
    phases: tuple[Phase, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)
    path: str | None = None

    # ------------------------------------------------------------ constructors
    @classmethod
    def default(cls) -> Scenario:
        return cls(meta={"name_en": "Defaults", "name_zh": "默认参数"})

    @classmethod
    def preset(cls, name: str) -> Scenario:
        """Load a preset by name (e.g. ``"hangzhou_2016"``)."""
        f = scenarios_dir() / f"{name}.toml"
        if not f.exists():
            names = ", ".join(sorted(p.stem for p in scenarios_dir().glob("*.toml")))
            raise ScenarioError([Problem("scenario", name, f"no such preset; available: {names}")])
        return cls.load(f)

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read and validate a scenario TOML file; raises ScenarioError listing every problem."""
        return cls.from_toml(read_text(path), source=str(path))

    @classmethod
    def from_toml(cls, text: str, source: str | None = None) -> Scenario:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ScenarioError([Problem("toml", "(file)", f"not valid TOML: {e}", file=source)]) from None
        return cls.from_dict(data, source=source)

    @classmethod
    def from_dict(cls, data: dict, source: str | None = None) -> Scenario:
        problems: list[Problem] = []
        meta = data.get("meta", {})
        if not isinstance(meta, dict):
            problems.append(Problem("meta", meta, "must be a table of name_en, name_zh, description_en, description_zh, source"))
            meta = {}
        for k, v in meta.items():
            if k not in META_KEYS:
                problems.append(Problem(f"meta.{k}", v, "unknown key; valid keys under 'meta': " + ", ".join(META_KEYS)))
            elif not isinstance(v, str):
                problems.append(Problem(f"meta.{k}", v, "must be a string"))
        overrides = _flatten({k: v for k, v in data.items() if k not in RESERVED})
        for k, v in overrides.items():
            problems.extend(check_override(k, v))
        phases = []
        raw_phases = data.get("phase", [])
        if not isinstance(raw_phases, list):
            problems.append(
                Problem("phase", raw_phases, "must be an array of tables: [[phase]] with month = N and a [phase.set] table")
            )
            raw_phases = []
        for i, ph in enumerate(raw_phases):
            key = f"phase[{i}]"
            if not isinstance(ph, dict):
                problems.append(Problem(key, ph, "must be a table: [[phase]] with month = N and a [phase.set] table"))
                continue
            month = ph.get("month")
            if not isinstance(month, int) or isinstance(month, bool) or not 0 <= month <= 1200:
                problems.append(Problem(f"{key}.month", month, "must be a whole number of months from 0 to 1200"))
                month = 0
            extra = set(ph) - {"month", "set"}
            if extra:
                problems.append(
                    Problem(f"{key}.{sorted(extra)[0]}", ph[sorted(extra)[0]], "unknown key; a phase has only 'month' and 'set'")
                )
            raw_set = ph.get("set", {})
            if not isinstance(raw_set, dict):
                problems.append(
                    Problem(f"{key}.set", raw_set, "must be a table of lever overrides: [phase.set] with key = value lines")
                )
                raw_set = {}
            sets = _flatten(raw_set)
            for k, v in sets.items():
                probs = check_override(k, v) or check_phase_key(k, v, month)
                problems.extend(replace(pr, key=f"{key}.set.{pr.key}") for pr in probs)
            phases.append(Phase(month, sets))
        if problems:
            raise ScenarioError([replace(p, file=source) for p in problems])
        sc = cls(overrides=overrides, phases=tuple(sorted(phases, key=lambda ph: ph.month)), meta=dict(meta), path=source)
        sc._check_consistent(source)
        return sc

    # ------------------------------------------------------------ reforms
    def with_overrides(self, overrides: dict[str, Any], month: int | None = None) -> Scenario:
        """A new scenario with ``overrides`` (dotted paths) applied from the start, or from ``month``.
        All overrides are validated before any is applied; the original is unchanged."""
        flat = _flatten(overrides)
        problems = [p for k, v in flat.items() for p in check_override(k, v)]
        if month is not None and (not isinstance(month, int) or isinstance(month, bool) or not 0 <= month <= 1200):
            problems.append(Problem("month", month, "must be a whole number of months from 0 to 1200"))
        if not problems and month:
            problems = [p for k, v in flat.items() for p in check_phase_key(k, v, month)]
        if problems:
            raise ScenarioError(problems)
        if month is None or month == 0:
            sc = replace(self, overrides={**self.overrides, **flat})
        else:
            sc = replace(self, phases=tuple(sorted((*self.phases, Phase(int(month), flat)), key=lambda ph: ph.month)))
        sc._check_consistent(None)
        return sc

    def _check_consistent(self, source: str | None) -> None:
        probs = check_contradictions(self.params_at(0))
        for ph in self.phases:
            probs += [replace(p, key=f"(from month {ph.month}) {p.key}") for p in check_contradictions(self.params_at(ph.month))]
        if probs:
            raise ScenarioError([replace(p, file=source) for p in probs])

    # ------------------------------------------------------------ views
    def params_at(self, month: int) -> dict[str, Any]:
        """Every lever's value in force at ``month`` (0-based)."""
        p = defaults()
        p.update(self.overrides)
        for ph in self.phases:
            if ph.month <= month:
                p.update(ph.overrides)
        return p

    @property
    def name(self) -> str:
        return self.meta.get("name_en") or (Path(self.path).stem if self.path else "custom")

    def _changed_with_role(self, role: str) -> dict[str, Any]:
        return {k: v for k, v in self.changed().items() if BY_PATH[k].role == role}

    def district(self) -> dict[str, Any]:
        """The levers that describe the place (``role = "place"``: population, prices, capacity,
        the fund) where they differ from the defaults."""
        return self._changed_with_role("place")

    def policy(self) -> dict[str, Any]:
        """The policy levers (``role = "policy"``: what a reform changes) that differ from the defaults."""
        return self._changed_with_role("policy")

    def behaviour(self) -> dict[str, Any]:
        """The calibrated behaviour levers (``role = "behaviour"``) that differ from the defaults:
        assumptions about how people respond, neither the place nor the policy."""
        return self._changed_with_role("behaviour")

    def without_policy(self) -> Scenario:
        """The same district under the baseline preset's policy: the counterfactual against which
        this scenario's policy effect is read. It keeps this scenario's place and behaviour levers
        (same people, prices, capacity and behaviour; same seed gives the same illnesses), so the
        two differ only by policy levers."""
        base = Scenario.preset("baseline")
        kept = ("place", "behaviour")
        return base.with_overrides({k: v for k, v in self.params_at(0).items() if BY_PATH[k].role in kept})

    def changed(self) -> dict[str, Any]:
        """Overrides that differ from the defaults (at month 0)."""
        d = defaults()
        return {k: v for k, v in self.overrides.items() if d[k] != v}

    def to_dict(self) -> dict[str, Any]:
        """Every lever's value at month 0 (dotted path → value), defaults included. Phased changes
        are not in it: read them from :attr:`phases`, or take :meth:`params_at` of a later month."""
        return self.params_at(0)

    def to_toml(self, full: bool = True) -> str:
        """TOML text that :meth:`Scenario.load` reads back: every resolved lever (``full``) or only
        the overrides, then the metadata and phases."""
        values = self.to_dict() if full else dict(self.overrides)
        lines = ["# Policy sandbox scenario (基层医改政策沙盘情景). Keys are lever paths; see 'sandbox levers'."]
        for lever in REGISTRY:
            if lever.path in values:
                lines.append(f"{lever.path} = {_toml_value(values[lever.path])}")
        if self.meta:
            lines += ["", "[meta]"] + [f"{k} = {_toml_value(v)}" for k, v in self.meta.items()]
        for ph in self.phases:
            lines += ["", "[[phase]]", f"month = {ph.month}", "[phase.set]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in ph.overrides.items()]
        return "\n".join(lines) + "\n"

    def save(self, path: str | Path, full: bool = False) -> None:
        """Write the scenario atomically (a temporary file renamed into place)."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(self.to_toml(full=full), encoding="utf-8")
        tmp.replace(path)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(str(v), ensure_ascii=False)


def list_presets() -> list[tuple[str, Scenario]]:
    """(name, scenario) for every preset, sorted by name, baseline first."""
    names = sorted(p.stem for p in scenarios_dir().glob("*.toml"))
    names.sort(key=lambda n: (n != "baseline", n))
    return [(n, Scenario.preset(n)) for n in names]


def lever(path: str):
    return BY_PATH[path]


def resolve_scenario(ref: str, base: str | Path | None = None) -> Scenario:
    """A scenario from a reference as users write it: a file (ends in ``.toml``, contains a ``/``
    or exists) or else a preset name. A relative file path that does not exist as given is looked
    for beside ``base`` (the experiment file that names it). Raises ScenarioError naming the file
    or listing the presets."""
    p = Path(ref)
    if p.suffix == ".toml" or "/" in ref or p.is_file():
        if not p.is_absolute() and base is not None and not p.exists():
            p = Path(base).parent / p
        return Scenario.load(p)
    return Scenario.preset(ref)
