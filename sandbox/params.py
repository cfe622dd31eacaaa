"""The one registry of levers and behavioural parameters.

Every parameter of the model is declared exactly once, in the data file ``sandbox/levers.toml``,
with its kind, default, bounds or choices, unit, English and Chinese label and help text, the
source of the default, the display group it belongs to, when the engine reads it (``read``) and
what it describes (``role``). Scenario files, validation, the CLI, the app's widgets and the docs
all read this registry. The file is read with :mod:`tomllib` the first time ``REGISTRY``,
``BY_PATH`` or ``GROUPS`` is used and kept in an immutable, cached structure.

``read`` is ``"start"`` for a lever the engine reads only while the model is built (a phase may
not change it) and ``"monthly"`` for one it reads every month (a phase may change it).
``role`` is ``"policy"`` (what a reform changes), ``"place"`` (the district: population, prices,
capacity, the fund) or ``"behaviour"`` (calibrated behaviour of residents, teams and hospitals).

Families of levers (a rate per level, a fee per tier, ...) are written in the file once, as a
template: an entry with ``axes = ["scheme", "level"]`` and a ``path`` holding ``{scheme}`` and
``{level}`` expands to one lever per combination, outermost axis first. In every string field
``{axis}`` is the axis value (``primary``), ``{axis_en}`` its English name (``city finance``) and
``{axis_zh}`` its Chinese name (``基层``). A field written as a table is looked up by the axis
values, outermost first, until a plain value is reached (``default.employee.primary``, or a
``source`` that differs by tier only). The axes are the tuples below.

Sources: ``DEFAULTS`` means ``shared/domain/DEFAULTS.md`` (national statistics and published
behaviour estimates); ``seed NNN`` means ``shared/domain/seeds/NNN_*.txt`` via ``FACTS.md``.
"Calibration" means the value was tuned so that the baseline run reproduces the DEFAULTS figure
named in the source (see ``docs/model.md``); "assumption" marks a modelling choice with no
published figure behind it.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

DATA_FILE = "levers.toml"

KINDS = ("float", "int", "bool", "choice")
READS = ("start", "monthly")
ROLES = ("policy", "place", "behaviour")

LEVELS = ("primary", "secondary", "tertiary")
LEVEL_ZH: Mapping[str, str] = MappingProxyType({"primary": "基层", "secondary": "二级医院", "tertiary": "三级医院"})
SCHEMES = ("employee", "resident")
SCHEME_ZH: Mapping[str, str] = MappingProxyType({"employee": "职工医保", "resident": "城乡居民医保"})
TIERS = ("healthy", "chronic", "disabled")
TIER_ZH: Mapping[str, str] = MappingProxyType({"healthy": "健康人群", "chronic": "慢病人群", "disabled": "失能半失能老人"})
PAYERS = ("resident", "fund", "public_health", "city_finance", "district_finance", "civil_affairs")
PAYER_ZH: Mapping[str, str] = MappingProxyType(
    {
        "resident": "居民个人",
        "fund": "医保基金",
        "public_health": "基本公卫经费",
        "city_finance": "市财政",
        "district_finance": "区财政",
        "civil_affairs": "民政",
    }
)

# primary-care capability: what the levers capability.* buy, and who may pay for each (the lead
# hospital of an alliance bears its share out of its revenue)
CAPABILITY_ITEMS = ("specialists", "drug_list", "equipment", "gp_training")
CAPABILITY_PAYERS = ("fund", "district_finance", "city_finance", "public_health", "hospital")

# the axes a template may expand over: name -> (values in order, Chinese names)
AXES: Mapping[str, tuple[tuple[str, ...], Mapping[str, str]]] = MappingProxyType(
    {"level": (LEVELS, LEVEL_ZH), "scheme": (SCHEMES, SCHEME_ZH), "tier": (TIERS, TIER_ZH), "payer": (PAYERS, PAYER_ZH)}
)


@dataclass(frozen=True)
class Lever:
    """One parameter: a dotted path with default, unit, bounds, labels, source, when the engine
    reads it (``read``: start | monthly) and what it describes (``role``: policy | place | behaviour)."""

    path: str
    default: Any
    unit: str
    lo: float | None
    hi: float | None
    label_en: str
    label_zh: str
    help_en: str
    help_zh: str
    source: str
    group: str
    kind: str = "float"  # float | int | bool | choice
    choices: tuple[str, ...] = field(default_factory=tuple)
    read: str = field(kw_only=True)  # start | monthly
    role: str = field(kw_only=True)  # policy | place | behaviour
    # behavioural levers: the range the evidence leaves plausible (within lo..hi), and its source
    plausible: tuple[float, float] | None = field(default=None, kw_only=True)
    plausible_source: str = field(default="", kw_only=True)
    # the calibration experiment (a file under the checkout) whose fit wrote the default, if any
    calibrated_by: str = field(default="", kw_only=True)

    def describe_range(self) -> str:
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(f'"{c}"' for c in self.choices)
        return f"[{self.lo}, {self.hi}]"


class LeverFileError(ValueError):
    """The lever data file is malformed; the message names the file, the lever and the field."""


@dataclass(frozen=True)
class Registry:
    """The levers in file order, the same levers by path, and the display groups."""

    levers: tuple[Lever, ...]
    by_path: Mapping[str, Lever]
    groups: Mapping[str, tuple[str, str]]


# ------------------------------------------------------------------ reading the data file
_TEXT_FIELDS = ("label_en", "label_zh", "help_en", "help_zh", "source")
_REQUIRED = ("path", "kind", "default", "read", "role", "group", *_TEXT_FIELDS)
_NUMERIC = ("lo", "hi", "unit")
_FIELDS = (*_REQUIRED, *_NUMERIC, "choices", "axes", "plausible", "plausible_source", "calibrated_by")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _pick(value: Any, combo: tuple[str, ...]) -> Any:
    """A template field's value for one combination of axis values: tables are looked up by the
    axis values, outermost first, until a plain value is reached."""
    for key in combo:
        if not isinstance(value, dict):
            break
        if key not in value:
            raise KeyError(key)
        value = value[key]
    return value


def _substitute(text: str, binding: dict[str, str]) -> str:
    """``text`` with ``{axis}``, ``{axis_en}`` and ``{axis_zh}`` replaced for every bound axis."""
    for axis, key in binding.items():
        text = text.replace(f"{{{axis}}}", key)
        text = text.replace(f"{{{axis}_en}}", key.replace("_", " "))
        text = text.replace(f"{{{axis}_zh}}", AXES[axis][1][key])
    return text


def _expand(entry: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The field dicts of the levers one ``[[lever]]`` entry stands for (one unless it is a template)."""
    axes = entry.get("axes", [])
    unknown = [a for a in axes if a not in AXES] if isinstance(axes, list) else [axes]
    if unknown:
        raise LeverFileError(f"{where}: unknown axis {unknown[0]!r}; valid axes: {', '.join(AXES)}")
    out = []
    for combo in itertools.product(*(AXES[a][0] for a in axes)):
        binding = dict(zip(axes, combo))
        fields: dict[str, Any] = {}
        for k, v in entry.items():
            if k == "axes":
                continue
            try:
                v = _pick(v, combo)
            except KeyError as e:
                raise LeverFileError(f"{where}: field {k!r} has no value for {e.args[0]!r}") from None
            if isinstance(v, dict):
                raise LeverFileError(f"{where}: field {k!r} is a table, but the entry has no axis left to look it up by")
            fields[k] = _substitute(v, binding) if isinstance(v, str) else v
        out.append(fields)
    return out


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _problems(f: dict[str, Any], groups: Mapping[str, tuple[str, str]]) -> list[str]:
    """Everything wrong with one expanded lever's fields, as short phrases."""
    out = [f"unknown field {k!r} (valid fields: {', '.join(_FIELDS)})" for k in f if k not in _FIELDS]
    out += [f"missing field {k!r}" for k in _REQUIRED if k not in f]
    kind = f.get("kind")
    for name, valid in (("kind", KINDS), ("read", READS), ("role", ROLES), ("group", tuple(groups))):
        if name in f and f[name] not in valid:
            out.append(f"{name} = {f[name]!r} is not one of {', '.join(valid)}")
    for k in ("path", *_TEXT_FIELDS):
        if k in f and not (isinstance(f[k], str) and f[k].strip()):
            out.append(f"field {k!r} must be a non-empty string")
        elif k in f and _PLACEHOLDER.search(f[k]):
            out.append(f"field {k!r} holds an unknown placeholder {_PLACEHOLDER.search(f[k]).group()}")
    d = f.get("default")
    if kind in ("float", "int"):
        out += [f"a numeric lever needs field {k!r}" for k in _NUMERIC if k not in f]
        if not (_number(f.get("lo")) and _number(f.get("hi"))):
            out.append("lo and hi must be numbers")
        elif not (_number(d) and (kind == "float" or isinstance(d, int))):
            out.append(f"default {d!r} is not {'a number' if kind == 'float' else 'a whole number'}")
        elif not f["lo"] <= d <= f["hi"]:
            out.append(f"default {d!r} lies outside [{f['lo']}, {f['hi']}]")
    elif kind in ("bool", "choice"):
        out += [f"a {kind} lever has no field {k!r}" for k in _NUMERIC if k in f]
        if kind == "bool" and not isinstance(d, bool):
            out.append(f"default {d!r} is not true or false")
        if kind == "choice" and not (isinstance(f.get("choices"), list) and d in f["choices"]):
            out.append(f"default {d!r} is not one of its choices {f.get('choices')!r}")
    if kind != "choice" and "choices" in f:
        out.append("only a choice lever has field 'choices'")
    out += _plausible_problems(f)
    cb = f.get("calibrated_by")
    if cb is not None:
        if not (isinstance(cb, str) and cb.endswith(".toml")):
            out.append(f"calibrated_by = {cb!r} must name a calibration experiment file (…/name.toml, relative to the checkout)")
        elif f.get("role") != "behaviour" or kind not in ("float", "int"):
            out.append("only a numeric behaviour lever has field 'calibrated_by'")
    return out


def _calibrated_by_problems(levers: list[Lever], root: Path, source: str) -> list[str]:
    """Each ``calibrated_by`` names an experiment file under ``root`` that varies the lever."""
    out = []
    varied: dict[str, set[str] | None] = {}
    for lv in levers:
        if not lv.calibrated_by:
            continue
        if lv.calibrated_by not in varied:
            f = root / lv.calibrated_by
            try:
                data = tomllib.loads(f.read_text(encoding="utf-8"))
                varied[lv.calibrated_by] = {v.get("lever") for v in data.get("vary", []) if isinstance(v, dict)}
            except (OSError, tomllib.TOMLDecodeError):
                varied[lv.calibrated_by] = None
        got = varied[lv.calibrated_by]
        if got is None:
            out.append(
                f"{source}: {lv.path}: calibrated_by = {lv.calibrated_by!r} is not a readable experiment file under {root}"
            )
        elif lv.path not in got:
            out.append(
                f"{source}: {lv.path}: calibrated_by = {lv.calibrated_by!r} has no [[vary]] table with lever = {lv.path!r}"
            )
    return out


def _plausible_problems(f: dict[str, Any]) -> list[str]:
    """A behavioural number lever has a plausible range [a, b] with lo <= a <= default <= b <= hi
    and a source; other levers have none."""
    pl, src = f.get("plausible"), f.get("plausible_source")
    numeric_behaviour = f.get("role") == "behaviour" and f.get("kind") in ("float", "int")
    if not numeric_behaviour:
        return ["only a numeric behaviour lever has a plausible range"] if pl is not None or src is not None else []
    if pl is None or not src:
        return ["a numeric behaviour lever needs fields 'plausible' = [low, high] and 'plausible_source'"]
    if not (isinstance(pl, list) and len(pl) == 2 and all(_number(x) for x in pl)):
        return [f"plausible = {pl!r} must be [low, high]"]
    lo, hi, d = f.get("lo"), f.get("hi"), f.get("default")
    if _number(lo) and _number(hi) and _number(d) and not lo <= pl[0] <= d <= pl[1] <= hi:
        return [f"plausible = {pl!r} must hold the default {d!r} and lie within [{lo}, {hi}]"]
    return []


def _lever(f: dict[str, Any]) -> Lever:
    kind = f["kind"]
    numeric = kind in ("float", "int")
    default = float(f["default"]) if kind == "float" else f["default"]
    return Lever(
        f["path"],
        default,
        f["unit"] if numeric else "",
        f["lo"] if numeric else None,
        f["hi"] if numeric else None,
        *(f[k] for k in _TEXT_FIELDS[:4]),
        f["source"],
        f["group"],
        kind,
        tuple(f.get("choices", ())),
        read=f["read"],
        role=f["role"],
        plausible=tuple(float(x) for x in f["plausible"]) if "plausible" in f else None,
        plausible_source=f.get("plausible_source", ""),
        calibrated_by=f.get("calibrated_by", ""),
    )


def _groups(data: dict[str, Any], source: str) -> Mapping[str, tuple[str, str]]:
    raw = data.get("groups")
    if not isinstance(raw, dict) or not raw:
        raise LeverFileError(f"{source}: needs a [groups] table of name = {{ en = ..., zh = ... }}")
    out = {}
    for g, names in raw.items():
        if not (isinstance(names, dict) and set(names) == {"en", "zh"}):
            raise LeverFileError(f"{source}: group {g!r} must be {{ en = ..., zh = ... }}")
        out[g] = (names["en"], names["zh"])
    return MappingProxyType(out)


def parse_registry(text: str, source: str = DATA_FILE, root: Path | None = None) -> Registry:
    """The registry described by the TOML ``text``; raises :class:`LeverFileError` naming the
    file, the lever and every problem with its fields. With ``root`` (the checkout), each
    ``calibrated_by`` must name an experiment file there that varies the lever."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise LeverFileError(f"{source}: not valid TOML: {e}") from None
    extra = set(data) - {"groups", "lever"}
    if extra:
        raise LeverFileError(f"{source}: unknown top-level key {sorted(extra)[0]!r}; the file holds [groups] and [[lever]]")
    groups = _groups(data, source)
    levers: list[Lever] = []
    problems: list[str] = []
    for i, entry in enumerate(data.get("lever", [])):
        where = f"{source}: lever[{i}] ({entry.get('path', 'no path')})"
        for f in _expand(entry, where):
            probs = _problems(f, groups)
            if probs:
                one = where if "axes" not in entry else f"{source}: lever[{i}] {f.get('path')} (template {entry.get('path')})"
                problems += [f"{one}: {p}" for p in probs]
            else:
                levers.append(_lever(f))
    seen: set[str] = set()
    for lv in levers:
        if lv.path in seen:
            problems.append(f"{source}: duplicate lever path {lv.path!r}")
        seen.add(lv.path)
    if root is not None:
        problems += _calibrated_by_problems(levers, root, source)
    if problems:
        raise LeverFileError("\n".join(problems))
    return Registry(tuple(levers), MappingProxyType({lv.path: lv for lv in levers}), groups)


@cache
def registry() -> Registry:
    """The registry of ``sandbox/levers.toml``, read once (the package data file, so an installed
    package finds it too)."""
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_registry(text, source=f"sandbox/{DATA_FILE}", root=checkout())


def checkout() -> Path | None:
    """The source checkout this package runs from (it has ``experiments/``), or None when the
    package is installed without one; ``calibrated_by`` files are checked only in a checkout."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "experiments").is_dir() and (root / "pyproject.toml").is_file() else None


# Read lazily on first use (PEP 562): importing this module reads no file.
REGISTRY: tuple[Lever, ...]
BY_PATH: Mapping[str, Lever]
GROUPS: Mapping[str, tuple[str, str]]


def __getattr__(name: str) -> Any:
    if name == "REGISTRY":
        return registry().levers
    if name == "BY_PATH":
        return registry().by_path
    if name == "GROUPS":
        return registry().groups
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def defaults() -> dict[str, Any]:
    """A fresh dict of every lever's default, keyed by dotted path."""
    return {lv.path: lv.default for lv in registry().levers}
