"""The golden baseline: the exact results of every preset at a small size.

``tests/golden/<preset>.json`` holds, for each preset run at :data:`RESIDENTS` residents ×
:data:`YEARS` years with seed :data:`SEED`, every yearly summary value (exact floats) and a SHA-256
of every column of the monthly time series, the results by group and the team table.
``tests/test_golden.py`` compares a fresh run with these files exactly, so any change of numbers
is seen. Rewriting them is a deliberate act, done in a commit of its own that says why::

    python -m sandbox.golden --update      # or: make golden
    python -m sandbox.golden               # compare only; exit 1 and list what differs
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .scenario import Scenario, scenarios_dir
from .simulate import simulate

RESIDENTS = 20_000
YEARS = 2
SEED = 3


def golden_dir() -> Path:
    """``tests/golden/`` beside the package (editable install, as for the presets)."""
    return scenarios_dir().parent / "tests" / "golden"


def presets() -> list[str]:
    return sorted(p.stem for p in scenarios_dir().glob("*.toml"))


def _column_hash(col: pd.Series) -> str:
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        data = np.ascontiguousarray(col.to_numpy(dtype=np.float64)).tobytes()
    else:
        data = "\x1f".join(map(str, col.tolist())).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _table_hashes(df: pd.DataFrame) -> dict[str, str]:
    return {c: _column_hash(df[c]) for c in sorted(df.columns)}


def snapshot(preset: str) -> dict[str, Any]:
    """The golden record of one preset, computed afresh."""
    res = simulate(Scenario.preset(preset), residents=RESIDENTS, years=YEARS, seed=SEED)
    yearly = [{k: float(v) for k, v in sorted(row.items())} for row in res.yearly().to_dict("records")]
    return {
        "preset": preset,
        "residents": RESIDENTS,
        "years": YEARS,
        "seed": SEED,
        "yearly": yearly,
        "timeseries_sha256": _table_hashes(res.timeseries),
        "groups_sha256": _table_hashes(res.groups),
        "teams_sha256": _table_hashes(res.teams),
    }


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Every difference between two golden records, one line each (empty when identical)."""
    out: list[str] = []
    for key in ("residents", "years", "seed"):
        if expected[key] != actual[key]:
            out.append(f"{key}: golden {expected[key]}, now {actual[key]}")
    ey, ay = expected["yearly"], actual["yearly"]
    if len(ey) != len(ay):
        out.append(f"yearly: golden has {len(ey)} years, now {len(ay)}")
    for y, (e, a) in enumerate(zip(ey, ay), start=1):
        for k in sorted(set(e) | set(a)):
            if k not in a:
                out.append(f"year {y} {k}: in the golden file, missing now")
            elif k not in e:
                out.append(f"year {y} {k}: new outcome, not in the golden file")
            elif not _same(e[k], a[k]):
                out.append(f"year {y} {k}: golden {e[k]!r}, now {a[k]!r}")
    for table in ("timeseries_sha256", "groups_sha256", "teams_sha256"):
        e, a = expected[table], actual[table]
        for c in sorted(set(e) | set(a)):
            if c not in a:
                out.append(f"{table[:-7]} column {c}: in the golden file, missing now")
            elif c not in e:
                out.append(f"{table[:-7]} column {c}: new column, not in the golden file")
            elif e[c] != a[c]:
                out.append(f"{table[:-7]} column {c}: values differ")
    return out


def read(preset: str) -> dict[str, Any]:
    return json.loads((golden_dir() / f"{preset}.json").read_text(encoding="utf-8"))


def write(record: dict[str, Any]) -> Path:
    """Write one golden file atomically."""
    folder = golden_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record['preset']}.json"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sandbox.golden", description=__doc__.split("\n\n")[0])
    ap.add_argument("--update", action="store_true", help="rewrite tests/golden/ from fresh runs")
    ap.add_argument("presets", nargs="*", help="presets to check or update (default: all)")
    args = ap.parse_args(argv)
    names = args.presets or presets()
    unknown = sorted(set(names) - set(presets()))
    if unknown:
        print(f"unknown preset(s): {', '.join(unknown)}; available: {', '.join(presets())}", file=sys.stderr)
        return 2
    # every run first, then every file, then the report: an interrupted report (a closed pipe)
    # never leaves half of the golden files rewritten
    fresh = {name: snapshot(name) for name in names}
    diffs = {
        name: differences(read(name), rec) if (golden_dir() / f"{name}.json").exists() else ["no golden file yet"]
        for name, rec in fresh.items()
    }
    if args.update:
        for rec in fresh.values():
            write(rec)
    changed = sum(1 for d in diffs.values() if d)
    for name, diff in diffs.items():
        if args.update:
            print(f"{name}: {'unchanged' if not diff else f'updated ({len(diff)} differences)'}")
        else:
            print(f"{name}: {f'{len(diff)} differences' if diff else 'identical'}")
        for line in diff[:40]:
            print(f"  {line}")
    return 1 if changed and not args.update else 0


if __name__ == "__main__":
    sys.exit(main())
