"""The sandbox model: a mesa Model whose step is a short list of named phases."""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import mesa
import numpy as np

from .agents import HOSPITALS, Fund, Hospital, Team
from .phases import care_seeking, illness, payment, record, referral, settlement, signing
from .population import N_CELLS, synthesise
from .rng import Streams
from .scenario import Scenario


class SandboxModel(mesa.Model):
    """Residents (numpy columns) seeking care from family-doctor teams and hospitals (mesa agents),
    paid by an insurance fund (a mesa agent), under the levers of a :class:`Scenario`.

    One step is one month. ``mesa.batch_run(SandboxModel, {"scenario": [...], "residents": ...})``
    drives it; :func:`sandbox.simulate` is the usual entry point.
    """

    def __init__(
        self,
        scenario: Scenario | str | None = None,
        residents: int = 100_000,
        years: int = 3,
        seed: int = 0,
        threads: int = 2,
    ) -> None:
        super().__init__(seed=int(seed))
        if scenario is None:
            scenario = Scenario.default()
        elif isinstance(scenario, str):
            scenario = Scenario.preset(scenario)
        if int(residents) < 100:
            raise ValueError(f"residents must be at least 100, got {residents}")
        self.scenario = scenario
        self.n_residents = int(residents)
        self.years = int(years)
        self.n_months = 12 * self.years
        self.seed = int(seed)
        self.threads = max(1, min(int(threads), os.cpu_count() or 1))
        self._pool: ThreadPoolExecutor | None = None
        self.month = 0
        self.streams = Streams(self.seed)
        self.p = scenario.params_at(0)
        p = self.p
        n = self.n_residents
        n_teams = max(2, int(round(n * p["population.gp_per_10k"] / 10_000)))
        n_urban = max(1, int(round(n_teams * p["population.urban_share"])))
        n_urban = min(n_urban, n_teams - 1)
        self.res = synthesise(n, p, self.streams.generator("population"), n_urban, n_teams - n_urban)
        self._travel_utility: tuple[float, np.ndarray] | None = None  # see phases.care.travel_utility
        self.ids = np.arange(n, dtype=np.int64)
        cap = int(math.floor(p["signing.team_cap_households"] * p["population.household_size"]))
        self.teams = [
            Team(self, i, i < n_urban, cap, p["team.initial_effort"], p["referral.team_up_rate"]) for i in range(n_teams)
        ]
        cap_t = p["capacity.tertiary_visits_per_1000"] * n / 1000
        caps = {
            "district": p["capacity.secondary_visits_per_1000"] * n / 1000,
            "city": cap_t * (1 - p["behaviour.famous_share"] * 0.5),
            "outside": cap_t * p["behaviour.famous_share"] * 0.5,
        }
        self.hospitals = [Hospital(self, name, lv, bound, alt, caps[name]) for name, lv, bound, alt in HOSPITALS]
        n_emp = self.n_employee = float(self.res.employee.sum())
        yearly_revenue = n_emp * p["fund.premium.employee"] + (n - n_emp) * p["fund.premium.resident"]
        self.fund = Fund(self, yearly_revenue / 12.0 * p["fund.initial_months"])
        self.fu_hist = np.zeros((3, n), dtype=np.int8)
        self.rows: list[dict[str, Any]] = []
        self.group_rows: list[dict[str, Any]] = []
        self.team_year_rows: list[dict[str, Any]] = []
        self.year_fund_per_admission = p["prices.inpatient.secondary"] * 0.75
        self._new_year_accumulators()
        self.acc: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "primary_care_share": lambda mdl: mdl.rows[-1]["visits_primary"] / max(_visits(mdl.rows[-1]), 1.0),
                "signing_rate": lambda mdl: mdl.rows[-1]["signed"] / mdl.n_residents,
                "fund_spending": lambda mdl: mdl.rows[-1]["fund_spending"],
                "oop": lambda mdl: mdl.rows[-1]["oop"],
            }
        )
        self.running = True

    # ---------------------------------------------------------------- the month
    def step(self) -> None:
        """One month: illness → signing → care-seeking → referral → payment → settlement → record."""
        self.p = self.scenario.params_at(self.month)
        self.acc = {}
        illness(self)  # episodes of the month; chronic control updated
        signing(self)  # yearly contracts, within team caps
        care_seeking(self)  # where each episode goes
        referral(self)  # family doctors refer up, hospitals refer down
        payment(self)  # fund and patient shares of every bill
        settlement(self)  # premiums, fees, year-end budgets, bonuses, adaptation
        record(self)  # the month's row; the books must close
        self.datacollector.collect(self)
        self.month += 1
        if self.month >= self.n_months:
            self.running = False

    def blocks(self, n: int) -> list[slice]:
        """Split ``n`` rows into blocks for the thread pool (one block when small)."""
        k = self.threads if n >= 20_000 else 1
        edges = np.linspace(0, n, k + 1).astype(int)
        return [slice(edges[i], edges[i + 1]) for i in range(k)]

    def map(self, fn, items: list) -> list:
        """``fn`` over ``items``, on the model's thread pool when there is more than one item."""
        if len(items) == 1 or self.threads == 1:
            return [fn(x) for x in items]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="sandbox")
        return list(self._pool.map(fn, items))

    def run(self, progress=None) -> None:
        while self.running:
            self.step()
            if progress is not None:
                progress(self.month, self.n_months)

    # ---------------------------------------------------------------- helpers
    def team_array(self, attr: str) -> np.ndarray:
        """A per-team numpy array of an attribute of the Team agents (teams are few)."""
        return np.fromiter((getattr(t, attr) for t in self.teams), dtype=np.float64, count=len(self.teams))

    def _new_year_accumulators(self) -> None:
        nt = len(self.teams)
        # yearly sums by population cell (see population.CELL_DIMS), for group results and budgets
        self.yr = {k: np.zeros(N_CELLS) for k in ("visits", "visits_primary", "admissions", "oop", "fund", "cost")}
        self.res_cell: np.ndarray | None = None  # recomputed when contracts change (first month of a year)
        self.team_year = {k: np.zeros(nt) for k in ("fund_signed", "upper_adm_signed", "fund_referred", "service")}
        self.ip_year = [0.0, 0]  # fund spending on admissions, number of admissions

    def close_year(self) -> None:
        """Snapshot the year's results by population group, then reset yearly state."""
        from .results import group_table

        year = self.month // 12 + 1
        self.group_rows.extend(group_table(self, year))
        if self.ip_year[1] > 0:
            self.year_fund_per_admission = self.ip_year[0] / self.ip_year[1]
        for tm in self.teams:
            self.team_year_rows.append(
                {
                    "year": year,
                    "team": tm.index,
                    "urban": tm.urban,
                    "signed": int((self.res.signed & (self.res.team == tm.index)).sum()),
                    "effort": tm.effort,
                    "up_rate": tm.up_rate,
                    "fee_income": tm.fee_income,
                    "service_income": tm.service_income,
                    "bonus_income": tm.bonus_income,
                    "surplus_income": tm.surplus_income,
                }
            )
            tm.new_year()
        for h in self.hospitals:
            h.prev_fund_claims_year = h.fund_claims_year
            h.revenue_year = 0.0
            h.fund_claims_year = 0.0
        self.res.deductible_paid[:] = 0.0
        self._new_year_accumulators()

    def release(self) -> None:
        """Drop mesa's class-level reference to this model (mesa 3.3 keeps every Model alive via
        ``Agent._ids``), so that apps and batches that build many models do not grow without bound."""
        mesa.Agent._ids.pop(self, None)
        self.remove_all_agents()
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None


def _visits(row: dict) -> float:
    return row["visits_primary"] + row["visits_secondary"] + row["visits_tertiary"]
