"""Which part of each behavioural lever's plausible range the targets still allow.

Every numeric behavioural lever (``plausible`` in ``sandbox/levers.toml``) is swept alone over
:data:`POINTS` evenly spaced values of its plausible range (and its default), every other lever at
its default, in the settings of the asserted targets of :mod:`sandbox.targets` (same size and seed
as the target table). A value is *allowed* when every asserted target stays within its tolerance
or bound; the range the targets allow is the run of allowed grid values around the default, and
the targets that fail just outside it are the ones that *bind*. The true bounds lie between the
last allowed grid value and the next one.

``python -m sandbox.allowed`` runs the sweep (about 700 runs, some minutes on 2 cores), writes
:data:`RECORD` and the ``allowed`` block of ``docs/calibration.md`` (``python -m sandbox.docs``
renders the block from the record). The record keeps a digest of what the sweep depends on — every
lever default and plausible range, the preset files, the asserted targets, the sweep's size and
the golden files ``tests/golden/*.json`` (which change whenever the model's numbers do) — so that
a test can tell that it is stale without re-running it (``--check``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

RECORD = "docs/allowed_ranges.json"
POINTS = 5


def _root() -> Path:
    from .blocks import project_root

    return project_root()


def asserted():
    """The asserted targets the sweep checks (those a test requires to be met)."""
    from .targets import targets

    return [t for t in targets() if t.asserted and t.read is not None]


def behaviour_levers():
    from .params import REGISTRY

    return [lv for lv in REGISTRY if lv.plausible is not None]


def sweep_values(lever, points: int = POINTS) -> list[float]:
    """``points`` evenly spaced values over the lever's plausible range, and its default."""
    a, b = lever.plausible
    vals = {round(float(x), 10) for x in np.linspace(a, b, points)} | {float(lever.default)}
    if lever.kind == "int":
        vals = {float(round(x)) for x in vals}
    return sorted(vals)


def evaluate(overrides: dict[str, Any]) -> dict[str, float]:
    """Every asserted target's simulated value with ``overrides`` applied to each of its settings
    (a setting's own overrides win)."""
    from .scenario import Scenario
    from .simulate import simulate
    from .targets import RESIDENTS, SEED

    @cache
    def run(setting):
        sc = Scenario.preset(setting.preset).with_overrides({**overrides, **dict(setting.overrides)})
        return simulate(sc, residents=RESIDENTS, years=setting.years, seed=SEED)

    return {t.key: float(t.read(run)) for t in asserted()}


def _task(item: tuple[str, float]) -> tuple[str, float, dict[str, float]]:
    path, value = item
    from .params import BY_PATH

    v = int(round(value)) if BY_PATH[path].kind == "int" else value
    return path, value, evaluate({path: v})


def inputs_digest(points: int = POINTS) -> str:
    """A digest of everything the sweep's result depends on (see the module's docstring)."""
    from .targets import RESIDENTS, SEED, YEARS

    root = _root()
    payload = {
        "defaults": {lv.path: lv.default for lv in _all_levers()},
        "plausible": {lv.path: lv.plausible for lv in behaviour_levers()},
        "targets": [[t.key, t.value, t.tolerance, t.bound, t.setting.describe()] for t in asserted()],
        "sweep": [RESIDENTS, YEARS, SEED, points],
        "presets": {p.name: p.read_text(encoding="utf-8") for p in sorted((root / "scenarios").glob("*.toml"))},
    }
    h = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode())
    for f in sorted((root / "tests" / "golden").glob("*.json")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _all_levers():
    from .params import REGISTRY

    return REGISTRY


def _failing(sim: dict[str, float]) -> list[str]:
    from .targets import within

    return [t.key for t in asserted() if not within(t, sim[t.key])]


def analyse(lever, values: list[float], sims: list[dict[str, float]]) -> dict[str, Any]:
    """The allowed run of grid values around the default and the targets binding on each side."""
    fails = [_failing(s) for s in sims]
    d = values.index(float(lever.default))
    out: dict[str, Any] = {
        "lever": lever.path,
        "default": lever.default,
        "plausible": list(lever.plausible),
        "values": values,
        "failing": fails,
        "allowed": None,
        "binding_low": [],
        "binding_high": [],
    }
    if fails[d]:
        out["binding_low"] = out["binding_high"] = fails[d]
        return out
    lo = hi = d
    while lo > 0 and not fails[lo - 1]:
        lo -= 1
    while hi < len(values) - 1 and not fails[hi + 1]:
        hi += 1
    out["allowed"] = [values[lo], values[hi]]
    out["binding_low"] = fails[lo - 1] if lo > 0 else []
    out["binding_high"] = fails[hi + 1] if hi < len(values) - 1 else []
    return out


def run_sweep(points: int = POINTS, workers: int = 2, only: list[str] | None = None) -> dict[str, Any]:
    """Sweep every behavioural lever (or those in ``only``) and return the record."""
    from .targets import RESIDENTS, SEED, YEARS

    levers = [lv for lv in behaviour_levers() if only is None or lv.path in only]
    default = evaluate({})
    items = [(lv.path, v) for lv in levers for v in sweep_values(lv, points) if v != float(lv.default)]
    sims: dict[tuple[str, float], dict[str, float]] = {}
    if workers > 0:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            for path, v, s in ex.map(_task, items):
                sims[(path, v)] = s
    else:
        for path, v, s in map(_task, items):
            sims[(path, v)] = s
    rows = []
    for lv in levers:
        vals = sweep_values(lv, points)
        rows.append(analyse(lv, vals, [default if v == float(lv.default) else sims[(lv.path, v)] for v in vals]))
    return {
        "digest": inputs_digest(points),
        "residents": RESIDENTS,
        "years": YEARS,
        "seed": SEED,
        "points": points,
        "targets": [t.key for t in asserted()],
        "at_defaults": default,
        "levers": rows,
    }


def load_record(path: Path | None = None) -> dict[str, Any] | None:
    f = path or _root() / RECORD
    return json.loads(f.read_text(encoding="utf-8")) if f.exists() else None


def _g(x: float) -> str:
    return f"{x:g}"


def allowed_markdown(record: dict[str, Any] | None = None) -> str:
    """The generated block of docs/calibration.md."""
    record = record if record is not None else load_record()
    if record is None:
        return f"Not computed yet (`{RECORD}` is missing): run `python -m sandbox.allowed`."
    out = [
        f"Generated from `{RECORD}` by `python -m sandbox.allowed`: each lever alone at {record['points']} evenly spaced "
        f"values of its plausible range and its default, every other lever at its default, {record['residents']:,} "
        f"residents × {record['years']} years, seed {record['seed']}; a value is allowed when all "
        f"{len(record['targets'])} asserted targets of the table above stay within their tolerance or bound. The bounds "
        "are grid values: the true bound lies between the last allowed value and the next one.",
        "",
        "| Lever | Default | Plausible range | Range the targets allow | Binds below | Binds above |",
        "|---|---|---|---|---|---|",
    ]
    for r in record["levers"]:
        pl = r["plausible"]
        if r["allowed"] is None:
            allowed = "none: the default itself misses a target"
        elif r["allowed"] == pl:
            allowed = "the whole range"
        elif r["allowed"][0] == r["allowed"][1]:
            allowed = f"only the default, {_g(r['default'])} (the grid values next to it miss)"
        else:
            allowed = f"{_g(r['allowed'][0])} – {_g(r['allowed'][1])}"
        low = ", ".join(f"`{k}`" for k in r["binding_low"]) or "—"
        high = ", ".join(f"`{k}`" for k in r["binding_high"]) or "—"
        out.append(f"| `{r['lever']}` | {_g(r['default'])} | {_g(pl[0])} – {_g(pl[1])} | {allowed} | {low} | {high} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m sandbox.allowed",
        description="Sweep each behavioural lever over its plausible range; record which part the asserted targets allow.",
    )
    ap.add_argument("--check", action="store_true", help="only report whether the record is current (exit 1 if not)")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="worker processes (0: this process)")
    ap.add_argument("--points", type=int, default=POINTS, help="values per lever over its plausible range")
    args = ap.parse_args(argv)
    rec = load_record()
    if args.check:
        if rec is None or rec["digest"] != inputs_digest(rec["points"]):
            print(f"{RECORD} is out of date (run python -m sandbox.allowed)", file=sys.stderr)
            return 1
        print(f"{RECORD} is up to date")
        return 0
    record = run_sweep(args.points, args.workers)
    f = _root() / RECORD
    tmp = f.with_name(f".{f.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, f)
    from .blocks import replace_block

    doc = _root() / "docs" / "calibration.md"
    doc.write_text(replace_block(doc.read_text(encoding="utf-8"), "allowed", allowed_markdown(record)), encoding="utf-8")
    print(f"wrote {RECORD} and the allowed-range table of docs/calibration.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
