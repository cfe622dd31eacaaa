"""The recorded calibration: what ``sandbox calibrate`` fitted, written to a JSON file in the
repository (``record = ...`` in the experiment file; the project's joint fit is
``experiments/calibrate_all.toml`` → ``docs/calibration_all.json``), the table that
``docs/calibration.md`` shows of it, and ``--apply``, which writes the fitted values into the
``default`` lines of ``sandbox/levers.toml``.

The record holds no time stamp or commit: re-running the same experiment on the same model writes
the same bytes. ``tests/test_calibrate_all.py`` re-simulates the record's settings at the registry
defaults and requires the recorded simulated values exactly, and requires every lever whose
``calibrated_by`` names the experiment to have its recorded fitted value as default.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

RECORD = "docs/calibration_all.json"  # the record docs/calibration.md shows, relative to the checkout
LEVER_FILE = Path(__file__).resolve().parent / "levers.toml"


def _root() -> Path:
    from .blocks import project_root

    return project_root()


def relative(path: str | Path) -> str:
    """``path`` relative to the checkout (POSIX), or as given when it lies outside."""
    p = Path(path).resolve()
    try:
        return p.relative_to(_root().resolve()).as_posix()
    except ValueError:
        return str(path)


def make_record(exp, fit: dict[str, Any]) -> dict[str, Any]:
    """The record of a finished calibration (``fit`` as returned by ``run_calibration``)."""
    from .calibrate import target_rows
    from .params import BY_PATH

    levers = []
    for v in exp.vary:
        lv = BY_PATH[v.lever]
        levers.append(
            {
                "lever": v.lever,
                "label": lv.label_en,
                "start": fit["start"][v.lever],
                "fitted": fit["fitted"][v.lever],
                "range": list(v.range),
                "step": v.step,
                "plausible": list(lv.plausible) if lv.plausible else None,
            }
        )
    rows = target_rows(exp, fit["start_sim"], fit["fit_sim"])
    # the record keeps each target's outcome (and the outcome it is taken from) beside its name
    targets = [
        {"target": row["target"], "outcome": t.outcome, "minus": t.minus, **{k: v for k, v in row.items() if k != "target"}}
        for t, row in zip(exp.targets, rows)
    ]
    return {
        "experiment": relative(exp.path) if exp.path else exp.name,
        "experiment_digest": exp.digest,
        "residents": exp.residents,
        "years": exp.years,
        "year": exp.year or exp.years,
        "replicates": exp.replicates,
        "seed": exp.seed,
        "optimizer": exp.optimizer,
        "max_evaluations": exp.max_evaluations,
        "evaluations": fit["evaluations"],
        "optimizer_message": fit["optimizer_message"],
        "objective_start": fit["objective_start"],
        "objective_fit": fit["objective_fit"],
        "levers": levers,
        "targets": targets,
    }


def write_record(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def load_record(path: str | Path | None = None) -> dict[str, Any] | None:
    """The record at ``path`` (default: the project's, :data:`RECORD`); None if there is none."""
    f = Path(path) if path is not None else _root() / RECORD
    return json.loads(f.read_text(encoding="utf-8")) if f.exists() else None


def _g(x: float | None) -> str:
    if x is None or x != x:
        return "—"
    return f"{x:.4g}"


def record_markdown(record: dict[str, Any] | None = None) -> str:
    """The generated block of docs/calibration.md: each fitted lever and each target at the fit."""
    record = record if record is not None else load_record()
    if record is None:
        return f"No calibration is recorded yet (`{RECORD}` is missing)."
    out = [
        f"Generated from `{RECORD}`, written by `sandbox calibrate {record['experiment']}` "
        f"({record['residents']:,} residents × {record['years']} years, {record['replicates']} replicates from seed "
        f"{record['seed']}, year {record['year']}; {record['optimizer']}, {record['evaluations']} evaluations). "
        f"Objective (sum of weighted squared errors, in tolerances): {_g(record['objective_start'])} at the start, "
        f"{_g(record['objective_fit'])} at the fit.",
        "",
        "| Lever | Label | Start | Fitted | Searched | Plausible range |",
        "|---|---|---|---|---|---|",
    ]
    for lv in record["levers"]:
        pl = lv["plausible"]
        out.append(
            f"| `{lv['lever']}` | {lv['label']} | {_g(lv['start'])} | **{_g(lv['fitted'])}** | "
            f"{_g(lv['range'][0])} – {_g(lv['range'][1])} | {f'{_g(pl[0])} – {_g(pl[1])}' if pl else '—'} |"
        )
    out += [
        "",
        "| Target | Setting | Published | Tolerance | Simulated at start | Simulated at the fit | Objective term |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in record["targets"]:
        out.append(
            f"| `{t['target']}` | `{t['setting']}` | {_g(t['value'])} | {_g(t['tolerance'])} | {_g(t['simulated_start'])} | "
            f"{_g(t['simulated_fit'])} | {_g(t['term_fit'])} |"
        )
    return "\n".join(out)


def _format_default(value: float | int) -> str:
    return str(int(value)) if isinstance(value, int) else repr(float(value))


def apply_defaults(fitted: dict[str, float | int], lever_file: Path = LEVER_FILE) -> list[str]:
    """Write each fitted value into the ``default = ...`` line of its lever in ``lever_file`` (only
    those lines), check that the file is still a valid registry (for example that each default lies
    in its plausible range), and replace the file atomically. Returns one line per change; raises
    :class:`~sandbox.params.LeverFileError` and leaves the file alone if the result is invalid."""
    from .params import LeverFileError, parse_registry

    lines = lever_file.read_text(encoding="utf-8").splitlines(keepends=True)
    changes = []
    for path, value in fitted.items():
        at = [i for i, line in enumerate(lines) if line.strip() == f'path = "{path}"']
        if len(at) != 1:
            raise LeverFileError(f"{lever_file}: no single [[lever]] entry with path = {path!r} to write its default into")
        i = at[0] + 1
        while i < len(lines) and not lines[i].startswith("[[lever]]") and not re.match(r"default\s*=", lines[i]):
            i += 1
        if i == len(lines) or lines[i].startswith("[[lever]]"):
            raise LeverFileError(f"{lever_file}: lever {path!r} has no plain 'default = ...' line")
        old = lines[i].split("=", 1)[1].strip()
        lines[i] = f"default = {_format_default(value)}\n"
        changes.append(f"{path}: default {old} -> {_format_default(value)}")
    text = "".join(lines)
    parse_registry(text, source=str(lever_file), root=_root())
    tmp = lever_file.with_name(f".{lever_file.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, lever_file)
    from .params import registry

    registry.cache_clear()
    return changes
