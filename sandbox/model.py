"""The sandbox model: a mesa Model whose step is a short list of named phases.

The phases (``sandbox/phases/``, each a module with ``run(m)``), in the order of one month:
illness → signing → care-seeking → referral → payment → experience → settlement → record, then,
in the last month of a contract year, :meth:`SandboxModel.close_year`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import mesa
import numpy as np

from .agents import HOSPITALS, Fund, Hospital, Team
from .phases import care, experience, illness, payment, record, referral, settlement, signing
from .phases.common import Episodes
from .population import N_CELLS, Residents, synthesise
from .results import group_table
from .rng import Streams
from .scenario import Scenario
from .yearly import CellYear, InpatientYear, TeamYear


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
        self.scenario: Scenario = scenario
        self.n_residents: int = int(residents)
        self.years: int = int(years)
        self.n_months: int = 12 * self.years
        self.seed: int = int(seed)
        self.threads: int = max(1, min(int(threads), os.cpu_count() or 1))
        self._pool: ThreadPoolExecutor | None = None
        self.month: int = 0  # the month being run (0-based); the contract year starts at months 0, 12, ...
        self.streams: Streams = Streams(self.seed)
        self.p: dict[str, Any] = scenario.params_at(0)  # the levers in force this month
        p = self.p
        n = self.n_residents
        n_teams = max(2, int(round(n * p["population.gp_per_10k"] / 10_000)))
        n_urban = max(1, int(round(n_teams * p["population.urban_share"])))
        n_urban = min(n_urban, n_teams - 1)
        self.res: Residents = synthesise(n, p, self.streams.generator("population"), n_urban, n_teams - n_urban)
        self._travel_utility: tuple[float, np.ndarray] | None = None  # see phases.care.travel_utility
        self.ids: np.ndarray = np.arange(n, dtype=np.int64)
        cap = int(math.floor(p["signing.team_cap_households"] * p["population.household_size"]))
        self.teams: list[Team] = [
            Team(self, i, i < n_urban, cap, p["team.initial_effort"], p["referral.team_up_rate"]) for i in range(n_teams)
        ]
        cap_t = p["capacity.tertiary_visits_per_1000"] * n / 1000
        caps = {
            "district": p["capacity.secondary_visits_per_1000"] * n / 1000,
            "city": cap_t * (1 - p["behaviour.famous_share"] * 0.5),
            "outside": cap_t * p["behaviour.famous_share"] * 0.5,
        }
        self.hospitals: list[Hospital] = [Hospital(self, name, lv, bound, alt, caps[name]) for name, lv, bound, alt in HOSPITALS]
        self.n_employee: float = float(self.res.employee.sum())  # employee-scheme members (fixed)
        self.n_chronic: int = int(self.res.chronic.sum())  # chronic patients (conditions are fixed)
        # residents who used any outpatient care, primary, secondary and tertiary care so far this
        # contract year (phases.experience counts distinct patients from it)
        self.patients_year: np.ndarray = np.zeros(4, dtype=np.int64)
        self.quality_on: bool = False  # some resident perceives primary care differently from today (phases.experience)
        n_emp = self.n_employee
        yearly_revenue = n_emp * p["fund.premium.employee"] + (n - n_emp) * p["fund.premium.resident"]
        self.fund: Fund = Fund(self, yearly_revenue / 12.0 * p["fund.initial_months"])
        # this month's episodes (drawn by illness, completed by care-seeking and referral)
        self.ep: Episodes = Episodes.empty()
        self.fu_hist: np.ndarray = np.zeros((3, n), dtype=np.int8)  # primary visits per resident in each of the last 3 months
        self.rows: list[dict[str, Any]] = []  # the time series, one row per month
        self.group_rows: list[dict[str, Any]] = []  # results by population group, one block per year
        self.signer_rows: list[dict[str, Any]] = []  # one row a year: new signers' use before and after
        self.team_year_rows: list[dict[str, Any]] = []  # one row per team and year
        self.year_fund_per_admission: float = p["prices.inpatient.secondary"] * 0.75  # last year's, for team adaptation
        self.yr: CellYear
        self.team_year: TeamYear
        self.ip_year: InpatientYear
        self.res_cell: np.ndarray | None
        self._new_year_accumulators()
        self.acc: dict[str, float] = {}  # the month's flows: the row of the time series before its stocks
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "primary_care_share": lambda mdl: mdl.rows[-1]["visits_primary"] / max(_visits(mdl.rows[-1]), 1.0),
                "signing_rate": lambda mdl: mdl.rows[-1]["signed"] / mdl.n_residents,
                "fund_spending": lambda mdl: mdl.rows[-1]["fund_spending"],
                "oop": lambda mdl: mdl.rows[-1]["oop"],
            }
        )
        self.running: bool = True

    # ---------------------------------------------------------------- the month
    def step(self) -> None:
        """One month: the phases in order (each reads and writes what its ``run`` docstring says),
        then, in the last month of a contract year, the year's books close."""
        self.p = self.scenario.params_at(self.month)
        self.acc = {}
        illness.run(self)  # episodes of the month; chronic control updated
        signing.run(self)  # yearly contracts, within team caps
        care.run(self)  # where each episode goes
        referral.run(self)  # family doctors refer up, hospitals refer down
        payment.run(self)  # fund and patient shares of every bill; monthly and yearly sums
        experience.run(self)  # habit, follow-ups and "served" carried to next month
        settlement.run(self)  # premiums, fees, year-end budgets, bonuses, adaptation; the fund pays
        record.run(self)  # the month's row; the books must close
        if self.month % 12 == 11:
            self.close_year()  # group and team rows of the year, then yearly state reset
        self.datacollector.collect(self)
        self.month += 1
        if self.month >= self.n_months:
            self.running = False

    def blocks(self, n: int) -> list[slice]:
        """Split ``n`` rows into blocks for the thread pool (one block when small)."""
        k = self.threads if n >= 20_000 else 1
        edges = np.linspace(0, n, k + 1).astype(int)
        return [slice(edges[i], edges[i + 1]) for i in range(k)]

    def map(self, fn: Callable[[Any], Any], items: list) -> list:
        """``fn`` over ``items``, on the model's thread pool when there is more than one item."""
        if len(items) == 1 or self.threads == 1:
            return [fn(x) for x in items]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="sandbox")
        return list(self._pool.map(fn, items))

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Step until the last month; ``progress(month_done, n_months)`` after every month if given."""
        while self.running:
            self.step()
            if progress is not None:
                progress(self.month, self.n_months)

    # ---------------------------------------------------------------- helpers
    def team_array(self, attr: str) -> np.ndarray:
        """A per-team numpy array of an attribute of the Team agents (teams are few)."""
        return np.fromiter((getattr(t, attr) for t in self.teams), dtype=np.float64, count=len(self.teams))

    def _new_year_accumulators(self) -> None:
        """Fresh yearly sums by population cell, by team and of admissions."""
        self.yr = CellYear.zeros(N_CELLS)  # by population cell (see population.CELL_DIMS): groups and team budgets
        self.res_cell = None  # each resident's cell, recomputed by payment when contracts change (first month of a year)
        self.team_year = TeamYear.zeros(len(self.teams))
        self.ip_year = InpatientYear()

    def close_year(self) -> None:
        """Snapshot the year's results by population group and by team, then reset yearly state:
        the fund's spending per admission for next year's adaptation, team incomes, hospitals'
        yearly claims, residents' outpatient deductible paid and levels of care used, and the yearly sums."""
        year = self.month // 12 + 1
        cell = self.res_cell
        n_cell = np.bincount(cell, minlength=N_CELLS).astype(np.float64)
        controlled = (self.res.chronic & self.res.controlled).astype(np.float64)
        controlled_cell = np.bincount(cell, weights=controlled, minlength=N_CELLS)
        self.group_rows.extend(group_table(self.yr, n_cell, controlled_cell, year))
        per_admission = self.ip_year.per_admission()
        if per_admission is not None:
            self.year_fund_per_admission = per_admission
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
            h.new_year()
        self.signer_rows.append(new_signer_row(self.res, year))
        r = self.res
        r.visits_last, r.primary_last = r.visits_year.copy(), r.primary_year.copy()
        r.cost_last, r.oop_last = r.cost_year.copy(), r.oop_year.copy()
        r.visits_year[:] = 0
        r.primary_year[:] = 0
        r.cost_year[:] = 0.0
        r.oop_year[:] = 0.0
        r.signed_last = r.signed.copy()
        r.levels_year[:] = 0
        r.deductible_paid[:] = 0.0
        self._new_year_accumulators()

    def release(self) -> None:
        """Drop mesa's class-level reference to this model (mesa 3.3 keeps every Model alive via
        ``Agent._ids``), so that apps and batches that build many models do not grow without bound."""
        mesa.Agent._ids.pop(self, None)
        self.remove_all_agents()
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None


def _visits(row: dict[str, Any]) -> float:
    return row["visits_primary"] + row["visits_secondary"] + row["visits_tertiary"]


def new_signer_row(r: Residents, year: int) -> dict[str, Any]:
    """This year's new signers (a contract at the end of this year, none at the end of last year):
    their outpatient and primary visits in the year before they signed and in this year, for the
    within-person change of signers (before → after signing, seed 002), and the same with cost of
    care and out-of-pocket for hypertensive new signers (seed 002 reports those). In the first year
    nobody has a year before, so the "before" figures are 0."""
    new = r.signed & ~r.signed_last
    htn = new & r.hypertension
    had = 1.0 if year > 1 else 0.0

    def total(x: np.ndarray, who: np.ndarray) -> float:
        return float(x[who].sum(dtype=np.float64))

    return {
        "year": year,
        "new_signers": int(new.sum()),
        "visits_before": total(r.visits_last, new) * had,
        "primary_before": total(r.primary_last, new) * had,
        "visits_after": total(r.visits_year, new),
        "primary_after": total(r.primary_year, new),
        "htn_signers": int(htn.sum()),
        "htn_signers_before": int(htn.sum()) * had,
        "htn_visits_before": total(r.visits_last, htn) * had,
        "htn_primary_before": total(r.primary_last, htn) * had,
        "htn_cost_before": total(r.cost_last, htn) * had,
        "htn_oop_before": total(r.oop_last, htn) * had,
        "htn_visits_after": total(r.visits_year, htn),
        "htn_primary_after": total(r.primary_year, htn),
        "htn_cost_after": total(r.cost_year, htn),
        "htn_oop_after": total(r.oop_year, htn),
    }
