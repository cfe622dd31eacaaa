"""Providers and the payer as mesa agents: family-doctor teams, hospitals and the insurance fund.

Residents are not agents: they are numpy columns in :mod:`sandbox.population`.
"""

from __future__ import annotations

import mesa

HOSPITALS = (
    # (name, level, in the resident's 1+1+1 set, alternative index in the choice model)
    ("district", 2, True, 2),
    ("city", 3, True, 3),
    ("outside", 3, False, 4),
)


class Team(mesa.Agent):
    """A family-doctor team (one GP with nurse and public-health staff) and its catchment."""

    def __init__(self, model: mesa.Model, index: int, urban: bool, cap_residents: int, effort: float, up_rate: float):
        super().__init__(model)
        self.index = index
        self.urban = urban
        self.cap_residents = cap_residents
        self.effort = effort
        self.up_rate = up_rate
        # primary-care capability built by the capability.* levers (phases.settlement.build_capability):
        # the share of the district hospital's quality advantage closed, and of its drug list matched
        self.capability = 0.0
        self.drug_list = 0.0
        self.new_year()
        self.prev_upper_admissions_per_signed: float | None = None

    def new_year(self) -> None:
        """Zero the year's incomes (called when a contract year closes)."""
        self.fee_income = 0.0
        self.service_income = 0.0
        self.bonus_income = 0.0
        self.surplus_income = 0.0  # negative when the team bears an overrun


class Hospital(mesa.Agent):
    """A secondary or tertiary hospital with outpatient capacity and a payment mode."""

    def __init__(self, model: mesa.Model, name: str, level: int, bound: bool, alt: int, capacity: float):
        super().__init__(model)
        self.name = name
        self.level = level
        self.bound = bound
        self.alt = alt
        self.capacity = capacity  # outpatient visits per month without queueing
        self.utilisation = 0.75
        # this month's figures, overwritten by the payment phase every month
        self.month_revenue = 0.0  # bills of this month's visits and admissions here, yuan
        self.month_visits = 0.0  # outpatient visits here this month (next month's utilisation)
        # this year's figures, accumulated by payment, closed by new_year()
        self.fund_claims_year = 0.0  # fund claims of this year's visits and admissions here, yuan
        self.prev_fund_claims_year: float | None = None  # last year's fund claims (global-budget baseline)
        self.settlement_income = 0.0  # global-budget surplus kept (or overrun borne) at the last year end, yuan

    def new_year(self) -> None:
        """Close the year's fund claims: they become last year's, and this year's start at zero."""
        self.prev_fund_claims_year = self.fund_claims_year
        self.fund_claims_year = 0.0

    def wait_days(self, base_wait: float) -> float:
        """Expected wait for an appointment given last month's utilisation (steep past capacity)."""
        scale = 1.0 if self.level == 3 else 0.4
        return base_wait * scale * self.utilisation**4


class Fund(mesa.Agent):
    """The insurance fund: premiums in, claims and provider payments out, a running balance."""

    def __init__(self, model: mesa.Model, balance: float):
        super().__init__(model)
        self.balance = balance
