"""Command line: ``sandbox scenarios | levers | validate | run | batch | sensitivity | calibrate``.

Bad input never produces a traceback: every user error is printed as file, key, value and the
allowed range, and the command exits with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import outcomes
from .extras import MissingExtra, require
from .params import GROUPS, REGISTRY
from .scenario import Scenario, list_presets, resolve_scenario
from .validation import Problem, ScenarioError

EXIT_BAD_INPUT = 2


def cmd_scenarios(args) -> int:
    for name, sc in list_presets():
        print(f"{name:26s} {sc.meta.get('name_zh', '')} — {sc.meta.get('name_en', '')}")
        desc = sc.meta.get("description_en", "")
        if desc:
            print(f"{'':26s} {desc}")
        zh = sc.meta.get("description_zh", "")
        if zh:
            print(f"{'':26s} {zh}")
    return 0


def cmd_levers(args) -> int:
    for g, (en, zh) in GROUPS.items():
        levers = [lv for lv in REGISTRY if lv.group == g]
        if not levers:
            continue
        print(f"\n## {en} / {zh}")
        for lv in levers:
            plausible = f"  plausible {lv.plausible[0]:g}–{lv.plausible[1]:g}" if lv.plausible else ""
            print(f"{lv.path:48s} {lv.default!s:>8} {lv.unit:22s} {lv.describe_range():28s} {lv.label_zh}{plausible}")
    return 0


def cmd_validate(args) -> int:
    bad = 0
    for f in args.files:
        try:
            Scenario.load(f)
            print(f"{f}: ok")
        except ScenarioError as e:
            bad += 1
            for pr in e.problems:
                print(str(pr), file=sys.stderr)
    return EXIT_BAD_INPUT if bad else 0


def _progress_bar(total: int, quiet: bool):
    if quiet:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="month", desc="simulating", file=sys.stderr, leave=False)

    def update(done: int, n: int) -> None:
        bar.n = done
        bar.refresh()

    return update, bar.close


def _fmt(v: float, unit: str, signed: bool = False) -> str:
    """A value for a terminal table: shares as percent (points for differences), large numbers in M."""
    if v != v:
        return "—"
    sign = "+" if signed and v > 0 else ""
    if unit == "share":
        return f"{sign}{100 * v:.1f}{' pp' if signed else '%'}"
    if abs(v) >= 1e6:
        return f"{sign}{v / 1e6:,.2f} M"
    return f"{sign}{v:,.1f}"


def print_summary_table(res) -> None:
    yearly = res.yearly()
    names = outcomes.tagged("cli")
    years = [int(y) for y in yearly.year]
    width = max(len(outcomes.label(n, "en")) for n in names) + 2
    print(f"{'outcome':{width}s}" + "".join(f"{'year ' + str(y):>16s}" for y in years))
    for n in names:
        vals = [_fmt(v, outcomes.unit(n)) for v in yearly[n]]
        print(f"{outcomes.label(n, 'en'):{width}s}" + "".join(f"{s:>16s}" for s in vals))


def cmd_run(args) -> int:
    from .simulate import simulate

    sc = resolve_scenario(args.scenario)
    if args.set:
        overrides = {}
        for item in args.set:
            if "=" not in item:
                raise ScenarioError([_problem("--set", item, "expected KEY=VALUE, e.g. reimbursement.signed_primary_bonus=0.15")])
            k, v = item.split("=", 1)
            overrides[k.strip()] = _parse_value(v.strip())
        sc = sc.with_overrides(overrides)
    update, close = _progress_bar(12 * args.years, args.quiet)
    try:
        res = simulate(sc, residents=args.residents, years=args.years, seed=args.seed, progress=update)
    finally:
        close()
    print(f"{sc.name}: {args.residents:,} residents, {args.years} years, seed {args.seed}")
    print_summary_table(res)
    if args.out:
        try:
            files = res.write(args.out, fmt=args.format)
        except OSError as e:
            print(f"--out {args.out}: cannot write the results there ({e})", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"wrote {len(files)} files to {args.out}")
    return 0


def cmd_compare(args) -> int:
    from .compare import compare
    from .uncertainty import behaviour_draws

    reforms = {ref: resolve_scenario(ref) for ref in args.reforms}
    if args.baseline:
        base_name, base = args.baseline, resolve_scenario(args.baseline)
    else:
        first = next(iter(reforms.values()))
        base_name, base = "no reform (same district)", first.without_policy()
    for name, sc in reforms.items():
        if sc.district() != base.district():
            print(f"note: {name} is in another district than {base_name}; the difference mixes place and policy", file=sys.stderr)
    draws = behaviour_draws(args.behaviour_draws, args.seed) if args.behaviour_draws else None
    total = (1 + (args.behaviour_draws or 0)) * (1 + len(reforms)) * args.replicates
    print(
        f"{len(reforms)} reform(s) against {base_name}: {args.residents:,} residents, {args.years} years, seed {args.seed}, "
        f"{args.replicates} replicate(s), {args.behaviour_draws} behaviour draw(s): {total} runs",
        file=sys.stderr,
    )
    cmp = compare({base_name: base, **reforms}, args.residents, args.years, args.seed, args.replicates, behaviour=draws)
    head = cmp.headline()
    rob = cmp.robustness()
    for name in reforms:
        print(f"\n{name} vs {base_name} (last year)")
        cols = f"{'outcome':40s}{'baseline':>14s}{'reform':>14s}{'difference':>14s}"
        if args.replicates > 1:
            cols += f"{'seeds 10–90%':>26s}"
        if draws:
            cols += f"{'across behaviour':>26s}  sign"
        print(cols)
        for out in outcomes.tagged("card"):
            unit = outcomes.unit(out)
            b = head[(head.scenario == base_name) & (head.outcome == out)].iloc[0]
            r = head[(head.scenario == name) & (head.outcome == out)].iloc[0]
            line = f"{outcomes.label(out, 'en'):40s}{_fmt(b.value, unit):>14s}{_fmt(r.value, unit):>14s}{_fmt(r['diff'], unit, True):>14s}"
            if args.replicates > 1:
                line += f"{_fmt(r.diff_lo, unit, True) + ' … ' + _fmt(r.diff_hi, unit, True):>26s}"
            if draws:
                q = rob[(rob.scenario == name) & (rob.outcome == out)].iloc[0]
                span = _fmt(q.draw_min, unit, True) + " … " + _fmt(q.draw_max, unit, True)
                verdict = {"robust": "robust", "depends": "depends on assumptions", "none": "no effect", "n/a": "—"}[q.verdict]
                line += f"{span:>26s}  {verdict}"
            print(line)
    if draws:
        print(
            f"\n'across behaviour': the paired difference under each of {len(draws)} draws of the behavioural parameters "
            "from their plausible ranges (sandbox levers; docs/calibration.md); 'robust' when its sign holds in every draw."
        )
    return 0


def _problem(key, value, message):
    return Problem(key, value, message)


def _parse_value(text: str):
    import tomllib

    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def int_at_least(minimum: int, why: str = ""):
    """An argparse type: a whole number of at least ``minimum`` (``why`` explains the minimum)."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}{why}, got {v}")
        return v

    return parse


# ---------------------------------------------------------------------------- batch commands
def _batch_arguments(p: argparse.ArgumentParser, out_required: bool = True) -> None:
    p.add_argument("experiment", help="experiment file (TOML); see docs/batch.md")
    p.add_argument(
        "--out",
        required=out_required,
        default=None,
        help="results folder (created; re-running the same command resumes)"
        + ("" if out_required else "; default results/<experiment name>"),
    )
    p.add_argument(
        "--workers",
        type=int_at_least(0, " (0 runs in this process)"),
        default=None,
        help="local worker processes (default: CPU count; 0 = this process)",
    )
    p.add_argument(
        "--scheduler", default=None, help="address of a Dask scheduler, e.g. tcp://host:8786 (or set DASK_SCHEDULER_ADDRESS)"
    )
    p.add_argument("--retry-failed", action="store_true", help="re-run runs recorded as failed")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _expect(exp, methods: tuple[str, ...], command: str) -> None:
    if exp.method not in methods:
        raise ScenarioError(
            [
                Problem(
                    "experiment.method",
                    exp.method,
                    f"'sandbox {command}' needs method " + " or ".join(repr(m) for m in methods),
                    file=exp.path,
                )
            ]
        )


def _require_for(exp, args, command: str) -> None:
    """The optional dependencies this experiment and these arguments need (SALib for Sobol and
    Morris designs, dask for a scheduler, matplotlib for the plots of sensitivity and calibration)."""
    needed = []
    if exp.method in ("sobol", "morris"):
        needed.append("SALib")
    if command in ("sensitivity", "calibrate"):
        needed.append("matplotlib")
    if args.scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS"):
        needed.append("dask.distributed")
    require("batch", *needed, what=f"'sandbox {command}' with this experiment")


def cmd_batch(args) -> int:
    import pandas as pd

    from .batch import finished_runs, load_results, run_batch
    from .experiment import load_experiment

    exp = load_experiment(args.experiment)
    _expect(exp, ("grid", "list", "lhs", "sobol", "morris"), "batch")
    _require_for(exp, args, "batch")
    t0 = time.time()
    try:
        outcomes = run_batch(exp, args.out, args.workers, args.scheduler, args.retry_failed, args.quiet)
    except KeyboardInterrupt:
        done = len(finished_runs(Path(args.out)))
        print(
            f"interrupted: {done} finished runs are kept in {args.out}/runs; run the same command again to finish",
            file=sys.stderr,
        )
        return 130
    runs = load_results(args.out, runs=True)
    failed = runs[runs.status != "ok"]
    print(f"{exp.name}: {len(runs)} runs ({len(failed)} failed) in {time.time() - t0:.1f} s -> {args.out}")
    for _, r in failed.head(5).iterrows():
        print(f"  failed {r.run_id} ({r.label}): {r.error.splitlines()[0]}", file=sys.stderr)
    if len(outcomes):
        last = outcomes[outcomes.year == outcomes.year.max()]
        lab = runs.set_index("run_id").label
        last = last.assign(label=last.run_id.map(lab))
        tab = last.groupby(["scenario", "label", "outcome"], sort=False).value.mean().unstack("outcome")
        with pd.option_context("display.width", 200, "display.max_columns", 8):
            print(tab.iloc[:20, :6].to_string(float_format=lambda v: f"{v:,.4g}"))
    return 0


def cmd_sensitivity(args) -> int:
    import pandas as pd

    from .experiment import load_experiment

    exp = load_experiment(args.experiment)
    _expect(exp, ("sobol", "morris"), "sensitivity")
    _require_for(exp, args, "sensitivity")
    from .sensitivity import run_sensitivity

    try:
        idx = run_sensitivity(exp, args.out, args.workers, args.scheduler, args.retry_failed, args.quiet)
    except KeyboardInterrupt:
        print(f"interrupted: finished runs are kept in {args.out}/runs; run the same command again to finish", file=sys.stderr)
        return 130
    with pd.option_context("display.width", 200):
        print(idx.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"wrote indices.csv, indices.parquet and sensitivity.png to {args.out}")
    return 0


def cmd_calibrate(args) -> int:
    import pandas as pd

    from .experiment import load_experiment

    exp = load_experiment(args.experiment)
    _expect(exp, ("calibrate",), "calibrate")
    args.out = args.out or str(Path("results") / exp.name)
    _require_for(exp, args, "calibrate")
    from .calibrate import run_calibration

    try:
        fit = run_calibration(exp, args.out, args.workers, args.scheduler, args.quiet)
    except KeyboardInterrupt:
        print(
            f"interrupted: evaluations so far are kept in {args.out}/runs; run the same command again to continue",
            file=sys.stderr,
        )
        return 130
    print("fitted values:")
    for k, v in fit["fitted"].items():
        print(f"  {k} = {v:.6g}")
    with pd.option_context("display.width", 200):
        print(fit["table"].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"wrote fitted.toml, fit.csv, evaluations.csv and calibration.png to {args.out}")
    return _record_and_apply(exp, fit, args.apply)


def _record_and_apply(exp, fit: dict, apply: bool) -> int:
    """Write the experiment's calibration record (and the docs table that shows the project's
    record); with ``apply``, the fitted values into the registry's default lines."""
    from . import calibration_record as cr
    from .params import LeverFileError

    path = exp.record_path()
    if path is not None:
        cr.write_record(path, cr.make_record(exp, fit))
        print(f"recorded the fit in {cr.relative(path)}")
        doc = cr._root() / "docs" / "calibration.md"
        if path.resolve() == (cr._root() / cr.RECORD).resolve() and doc.exists():
            from .docs import replace_block

            text = doc.read_text(encoding="utf-8")
            doc.write_text(replace_block(text, "calibrated", cr.record_markdown(), "docs/calibration.md"), encoding="utf-8")
            print("updated the calibrated-defaults table of docs/calibration.md")
    if apply:
        try:
            changes = cr.apply_defaults(fit["fitted"])
        except LeverFileError as e:
            print(f"error: the fitted values were not applied: {e}", file=sys.stderr)
            return 2
        for c in changes:
            print(f"applied {c}")
        print(
            "sandbox/levers.toml updated; now run python -m sandbox.targets, python -m sandbox.docs and "
            "python -m sandbox.allowed (their tables depend on the defaults)"
        )
    return 0


def add_batch_commands(sub) -> None:
    """``sandbox batch``, ``sandbox sensitivity`` and ``sandbox calibrate``."""
    b = sub.add_parser("batch", help="run a batch experiment (grid, list, Latin hypercube) with replicates")
    _batch_arguments(b)
    b.set_defaults(func=cmd_batch)
    s = sub.add_parser("sensitivity", help="Sobol or Morris sensitivity analysis (SALib)")
    _batch_arguments(s)
    s.set_defaults(func=cmd_sensitivity)
    c = sub.add_parser("calibrate", help="fit behavioural parameters to targets (scipy.optimize)")
    _batch_arguments(c, out_required=False)
    c.add_argument(
        "--apply",
        action="store_true",
        help="write the fitted values into the default lines of sandbox/levers.toml (only those lines, atomically)",
    )
    c.set_defaults(func=cmd_calibrate)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="sandbox", description="基层医改政策沙盘 — primary-care reform policy sandbox")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("scenarios", help="list the preset scenarios").set_defaults(func=cmd_scenarios)
    sub.add_parser("levers", help="list every lever with default, unit and range").set_defaults(func=cmd_levers)
    v = sub.add_parser("validate", help="check scenario files; exit 0 if all are valid, 2 otherwise")
    v.add_argument("files", nargs="+")
    v.set_defaults(func=cmd_validate)
    r = sub.add_parser("run", help="run a scenario and print a yearly summary")
    r.add_argument("scenario", help="a scenario file or a preset name")
    r.add_argument(
        "--residents",
        type=int_at_least(100, " (the model needs enough residents for two teams)"),
        default=100_000,
        help="number of synthetic residents (at least 100)",
    )
    r.add_argument("--years", type=int_at_least(1), default=3)
    r.add_argument("--seed", type=int_at_least(0), default=0)
    r.add_argument("--out", help="folder for results (timeseries, yearly, groups, teams, run.json)")
    r.add_argument("--format", choices=("csv", "parquet"), default="csv")
    r.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a lever (repeatable)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=cmd_run)
    c = sub.add_parser(
        "compare",
        help="compare reforms with the same district without them (or --baseline), paired seeds, optional behaviour draws",
    )
    c.add_argument("reforms", nargs="+", help="scenario files or preset names")
    c.add_argument("--baseline", help="scenario file or preset (default: the first reform's district without its policy)")
    c.add_argument("--residents", type=int_at_least(100), default=20_000)
    c.add_argument("--years", type=int_at_least(1), default=3)
    c.add_argument("--seed", type=int_at_least(0), default=0)
    c.add_argument("--replicates", type=int_at_least(1), default=1, help="seeds per scenario (intervals of the difference)")
    c.add_argument(
        "--behaviour-draws",
        type=int_at_least(0),
        default=0,
        metavar="K",
        help="run every scenario under K draws of the behavioural parameters from their plausible ranges",
    )
    c.set_defaults(func=cmd_compare)
    add_batch_commands(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as e:
        for pr in e.problems:
            print(str(pr), file=sys.stderr)
        return EXIT_BAD_INPUT
    except MissingExtra as e:
        print(str(e), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # output piped into e.g. `head`, which closed early: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
