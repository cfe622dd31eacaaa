"""Behavioural uncertainty: draws of the behavioural parameters from their plausible ranges.

Every behavioural lever of the registry carries a plausible range with its source
(``Lever.plausible``, ``Lever.plausible_source``). A comparison can be run over ``K`` draws from
those ranges (a Latin hypercube, :func:`behaviour_draws`); each draw is applied to the baseline and
to every reform alike, with the same replicate seeds, so a draw's differences are paired. The
spread of a difference across draws is the uncertainty that comes from not knowing behaviour, kept
apart from the seed-to-seed interval (:meth:`sandbox.compare.Comparison.robustness`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .params import REGISTRY, Lever

# A difference whose size is below this share of the largest absolute difference across draws is
# treated as zero when judging whether its sign holds.
SIGN_TOLERANCE = 1e-9


@dataclass(frozen=True)
class BehaviourRange:
    """The plausible range of one behavioural lever."""

    path: str
    lo: float
    hi: float
    source: str
    kind: str


def behaviour_ranges(levers: tuple[Lever, ...] = REGISTRY) -> tuple[BehaviourRange, ...]:
    """The plausible ranges of every behavioural lever that has one, in registry order."""
    out = []
    for lv in levers:
        if lv.role == "behaviour" and lv.plausible is not None:
            lo, hi = lv.plausible
            out.append(BehaviourRange(lv.path, float(lo), float(hi), lv.plausible_source, lv.kind))
    return tuple(out)


def behaviour_draws(k: int, seed: int, ranges: tuple[BehaviourRange, ...] | None = None) -> list[dict[str, Any]]:
    """``k`` sets of behavioural values, a scrambled Latin hypercube over ``ranges`` (default: every
    behavioural lever's plausible range). The same ``(k, seed)`` gives the same draws."""
    from scipy.stats import qmc

    if k < 1:
        raise ValueError(f"the number of behaviour draws must be at least 1, got {k}")
    ranges = behaviour_ranges() if ranges is None else ranges
    if not ranges:
        return [{} for _ in range(k)]
    u = qmc.LatinHypercube(d=len(ranges), seed=np.random.default_rng(int(seed))).random(int(k))
    draws = []
    for row in u:
        point: dict[str, Any] = {}
        for x, r in zip(row, ranges):
            v = r.lo + float(x) * (r.hi - r.lo)
            point[r.path] = int(round(v)) if r.kind == "int" else v
        draws.append(point)
    return draws


VERDICTS = ("robust", "depends", "none", "n/a")


def sign_verdict(diffs: np.ndarray) -> str:
    """``robust`` when the differences across draws all have one sign, ``none`` when every draw
    gives no difference, ``n/a`` when the difference is undefined (e.g. a share of signed residents
    where nobody signs), else ``depends`` (the sign depends on behavioural assumptions)."""
    d = np.asarray(diffs, dtype=float)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return "n/a"
    scale = float(np.max(np.abs(d)))
    if scale == 0.0:
        return "none"
    tol = SIGN_TOLERANCE * scale
    if np.all(d > tol) or np.all(d < -tol):
        return "robust"
    return "depends"
