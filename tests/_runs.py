"""Shared, cached model runs for the model tests (each distinct run is simulated once per session)."""

from __future__ import annotations

import functools
import json

from sandbox import Scenario, simulate


@functools.lru_cache(maxsize=64)
def _run(preset: str, overrides_json: str, residents: int, years: int, seed: int):
    sc = Scenario.preset(preset).with_overrides(json.loads(overrides_json))
    return simulate(sc, residents=residents, years=years, seed=seed)


def run(preset: str = "baseline", overrides: dict | None = None, residents: int = 30_000, years: int = 1, seed: int = 11):
    return _run(preset, json.dumps(overrides or {}, sort_keys=True), residents, years, seed)
