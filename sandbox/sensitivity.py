"""Global sensitivity analysis with SALib: Sobol (first and total order, confidence intervals) and
Morris elementary effects, over replicate-averaged model outcomes (common random numbers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .batch import run_batch
from .experiment import Experiment


def sobol_indices(problem: dict, Y: np.ndarray, seed: int = 0, second_order: bool = False) -> pd.DataFrame:
    """First- and total-order Sobol indices with 95% confidence half-widths, one row per parameter."""
    from SALib.analyze import sobol

    Si = sobol.analyze(
        problem, np.asarray(Y, dtype=float), calc_second_order=second_order, conf_level=0.95, seed=seed, print_to_console=False
    )
    return pd.DataFrame(
        {"parameter": problem["names"], "S1": Si["S1"], "S1_conf": Si["S1_conf"], "ST": Si["ST"], "ST_conf": Si["ST_conf"]}
    )


def morris_indices(problem: dict, X: np.ndarray, Y: np.ndarray, levels: int = 4, seed: int = 0) -> pd.DataFrame:
    """Morris mu, mu* (with 95% confidence half-width) and sigma, one row per parameter."""
    from SALib.analyze import morris

    Si = morris.analyze(
        problem,
        np.asarray(X, dtype=float),
        np.asarray(Y, dtype=float),
        num_levels=levels,
        conf_level=0.95,
        seed=seed,
        print_to_console=False,
    )
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "mu": Si["mu"],
            "mu_star": Si["mu_star"],
            "mu_star_conf": Si["mu_star_conf"],
            "sigma": Si["sigma"],
        }
    )


def analyse(exp: Experiment, outcomes: pd.DataFrame, X: np.ndarray) -> pd.DataFrame:
    """Indices per scenario and outcome from tidy batch outcomes (replicates averaged per point)."""
    year = exp.year or exp.years
    prob = exp.problem()
    n = len(X)
    frames = []
    sel = outcomes[outcomes.year == year]
    for scen in exp.scenarios:
        for o in exp.outcomes:
            d = sel[(sel.scenario == scen) & (sel.outcome == o)]
            Y = d.groupby("point").value.mean().reindex(range(n)).to_numpy()
            if np.isnan(Y).any():
                # a failed point leaves a hole: SALib needs every point, so report no indices
                df = pd.DataFrame({"parameter": prob["names"]})
                df["note"] = f"{int(np.isnan(Y).sum())} design points missing or failed"
            elif np.allclose(Y, Y[0]):
                df = pd.DataFrame({"parameter": prob["names"]})
                df["note"] = "outcome constant over the design"
            elif exp.method == "sobol":
                df = sobol_indices(prob, Y, seed=exp.seed, second_order=exp.second_order)
            else:
                df = morris_indices(prob, X, Y, levels=exp.morris_levels, seed=exp.seed)
            df.insert(0, "outcome", o)
            df.insert(0, "scenario", scen)
            frames.append(df)
    return pd.concat(frames, ignore_index=True)


def plot_indices(idx: pd.DataFrame, method: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = list(idx.groupby(["scenario", "outcome"], sort=False))
    ncol = min(3, len(groups))
    nrow = -(-len(groups) // ncol)
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(5 * ncol, 0.5 + 0.45 * idx.parameter.nunique() * nrow + 1.2 * nrow), squeeze=False
    )
    for ax, ((scen, o), d) in zip(axes.flat, groups):
        y = np.arange(len(d))
        short = [p.split(".", 1)[-1] for p in d.parameter]
        if d.filter(["S1", "mu_star"]).isna().all().all():
            note = d["note"].iloc[0] if "note" in d else "no indices"
            ax.text(0.5, 0.5, f"no indices:\n{note}", ha="center", va="center", transform=ax.transAxes, fontsize=8)
        elif method == "sobol" and "S1" in d:
            ax.barh(y - 0.2, d.S1, 0.4, xerr=d.S1_conf, label="first order S1")
            ax.barh(y + 0.2, d.ST, 0.4, xerr=d.ST_conf, label="total order ST")
            ax.set_xlim(min(0, float(np.nanmin(d.S1)) - 0.05), 1.05)
        elif "mu_star" in d:
            ax.barh(y, d.mu_star, 0.6, xerr=d.mu_star_conf, label="mu*")
        ax.set_yticks(y, short, fontsize=8)
        ax.set_title(f"{o}\n({scen})", fontsize=9)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(groups) :]:
        ax.axis("off")
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)


def run_sensitivity(exp: Experiment, out, workers=None, scheduler=None, retry_failed=False, quiet=True) -> pd.DataFrame:
    """Sample, run (resumably, in parallel), analyse; write indices.csv/.parquet and sensitivity.png."""

    out = Path(out)
    outcomes = run_batch(exp, out, workers, scheduler, retry_failed, quiet)
    _, _, X = exp.design()
    np.save(out / "samples.npy", X)
    idx = analyse(exp, outcomes, X)
    tmp = out / ".indices.csv.tmp"
    idx.to_csv(tmp, index=False)
    tmp.replace(out / "indices.csv")
    tmp = out / ".indices.parquet.tmp"
    idx.to_parquet(tmp, index=False)
    tmp.replace(out / "indices.parquet")
    plot_indices(idx, exp.method, out / "sensitivity.png")
    return idx
