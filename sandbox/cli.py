"""Command line: ``sandbox scenarios | levers | validate | run`` (batch commands in sandbox.batch).

Bad input never produces a traceback: every user error is printed as file, key, value and the
allowed range, and the command exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import outcomes
from .params import GROUPS, REGISTRY
from .scenario import Scenario, list_presets
from .validation import ScenarioError

EXIT_BAD_INPUT = 2


def _resolve(arg: str) -> Scenario:
    p = Path(arg)
    if p.suffix == ".toml" or p.exists():
        return Scenario.load(p)
    return Scenario.preset(arg)


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
            print(f"{lv.path:48s} {lv.default!s:>8} {lv.unit:22s} {lv.describe_range():28s} {lv.label_zh}")
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


def print_summary_table(res) -> None:
    yearly = res.yearly()
    names = outcomes.tagged("cli")
    years = [int(y) for y in yearly.year]
    print(f"{'outcome':44s}" + "".join(f"{'year ' + str(y):>16s}" for y in years))
    for n in names:
        label = outcomes.label(n, "en")
        unit = outcomes.unit(n)
        vals = []
        for v in yearly[n]:
            if v != v:
                vals.append("—")
            elif unit == "share":
                vals.append(f"{100 * v:.1f}%")
            elif abs(v) >= 1e6:
                vals.append(f"{v / 1e6:,.2f} M")
            else:
                vals.append(f"{v:,.1f}")
        print(f"{label:44s}" + "".join(f"{s:>16s}" for s in vals))


def cmd_run(args) -> int:
    from .simulate import simulate

    sc = _resolve(args.scenario)
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


def _problem(key, value, message):
    from .validation import Problem

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
    try:
        from .batch import add_batch_commands
    except ImportError:
        pass
    else:
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
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # output piped into e.g. `head`, which closed early: stop quietly, as Unix tools do
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
