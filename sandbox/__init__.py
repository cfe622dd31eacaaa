"""基层医改政策沙盘 — a policy sandbox for China's primary-care reform.

>>> from sandbox import Scenario, simulate
>>> res = simulate(Scenario.preset("hangzhou_2016"), residents=20_000, years=1, seed=1)
>>> round(res.summary()["primary_care_share"], 2)  # doctest: +SKIP
"""

from __future__ import annotations

from ._version import __version__
from .params import REGISTRY, Lever
from .scenario import Scenario, list_presets
from .simulate import simulate
from .validation import ScenarioError

__all__ = ["Scenario", "simulate", "REGISTRY", "Lever", "ScenarioError", "list_presets", "__version__"]
