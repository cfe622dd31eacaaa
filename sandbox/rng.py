"""Explicit, counter-based random streams.

Each process of the model (illness, choice, signing, referral, health, population) has its own
stream. A draw is a pure function of (master seed, stream, resident id, month, purpose, slot), via
the splitmix64 mixer, so:

* the same seed gives the same numbers whatever the number of processes or the order of work;
* a baseline and a reform run with the same seed see identical illness draws and identical
  idiosyncratic taste shocks for the same resident-month-episode, even when the policy changes how
  many episodes of another kind occur (common random numbers).
"""

from __future__ import annotations

import numpy as np

STREAMS = ("population", "illness", "choice", "signing", "referral", "health")

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_K_ID = np.uint64(0x9E3779B97F4A7C15)
_K_MONTH = np.uint64(0xD1B54A32D192ED03)
_K_PURPOSE = np.uint64(0x8CB92BA72F3D8DD7)
_K_SLOT = np.uint64(0xABC98388FB8FAC03)


def _mix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser, in place on a uint64 array (returned for convenience)."""
    t = x >> np.uint64(30)
    x ^= t
    x *= _M1
    np.right_shift(x, np.uint64(27), out=t)
    x ^= t
    x *= _M2
    np.right_shift(x, np.uint64(31), out=t)
    x ^= t
    return x


_MASK64 = (1 << 64) - 1


class Streams:
    """Named random streams derived from one master seed with ``numpy.random.SeedSequence``."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        children = np.random.SeedSequence(self.seed).spawn(len(STREAMS))
        self._keys = {name: np.uint64(child.generate_state(1, dtype=np.uint64)[0]) for name, child in zip(STREAMS, children)}
        self._children = dict(zip(STREAMS, children))

    def generator(self, name: str) -> np.random.Generator:
        """A sequential numpy Generator for the stream (used for population synthesis)."""
        return np.random.default_rng(self._children[name])

    def uniform(self, name: str, ids: np.ndarray, month: int, purpose: int, slot: np.ndarray | int = 0) -> np.ndarray:
        """Uniform(0, 1) draws, one per id, keyed by (stream, id, month, purpose, slot)."""
        # the scalar parts of the key are summed in Python integers modulo 2**64 (the same sum as
        # adding them one by one in uint64 arithmetic)
        const = (month + 1) * int(_K_MONTH) + (purpose + 1) * int(_K_PURPOSE)
        slot_arr = np.asarray(slot)
        if slot_arr.ndim == 0:
            const += int(slot_arr) * int(_K_SLOT)
        with np.errstate(over="ignore"):
            x = ids.astype(np.uint64)
            x *= _K_ID
            x += np.uint64(const & _MASK64)
            if slot_arr.ndim:
                x += slot_arr.astype(np.uint64) * _K_SLOT
            x ^= self._keys[name]
            _mix(x)
        x >>= np.uint64(11)
        u = x.astype(np.float64)
        u += 0.5
        u *= 1.0 / 9007199254740992.0
        return u

    def gumbel(self, name: str, ids: np.ndarray, month: int, purpose: int, slot: np.ndarray | int = 0) -> np.ndarray:
        u = self.uniform(name, ids, month, purpose, slot)
        return -np.log(-np.log(u))


def replicate_seeds(seed: int, n: int) -> list[int]:
    """The seeds of ``n`` replicates, one rule for every ``n``: replicate 0 runs with ``seed`` itself
    (so one replicate is exactly ``simulate(seed=seed)``), replicate ``i >= 1`` with the ``i``-th
    child of ``numpy.random.SeedSequence(seed)``. Replicate ``i``'s seed does not depend on ``n``,
    and every scenario of a comparison or batch uses the same list (common random numbers)."""
    if n < 1:
        raise ValueError(f"the number of replicates must be at least 1, got {n}")
    children = np.random.SeedSequence(int(seed)).spawn(int(n))
    return [int(seed)] + [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children[1:]]
