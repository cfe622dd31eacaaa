"""The one-call entry point: build the model, run it, collect the results, release the model."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from .results import Result
from .scenario import Scenario


def simulate(
    scenario: Scenario | str | None = None,
    residents: int = 100_000,
    years: int = 3,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    threads: int = 2,
) -> Result:
    """Run ``scenario`` for ``years`` with ``residents`` synthetic residents and return a Result.

    ``progress(month_done, n_months)`` is called after every month if given. ``threads`` splits
    large months across a thread pool; results are identical for any number of threads.
    """
    from .model import SandboxModel

    model = SandboxModel(scenario, residents=residents, years=years, seed=seed, threads=threads)
    try:
        model.run(progress)
        return Result(
            scenario=model.scenario,
            residents=model.n_residents,
            years=model.years,
            seed=model.seed,
            timeseries=pd.DataFrame(model.rows),
            groups=pd.DataFrame(model.group_rows),
            teams=pd.DataFrame(model.team_year_rows),
            signers=pd.DataFrame(model.signer_rows),
            meta={"teams": len(model.teams)},
        )
    finally:
        model.release()
