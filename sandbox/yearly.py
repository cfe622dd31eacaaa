"""Yearly sums the model accumulates month by month (in the payment phase) and closes at year end.

Each is a small dataclass of numpy arrays (or numbers) that starts at zero every contract year;
:meth:`sandbox.model.SandboxModel.close_year` reads them and replaces them with fresh zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class CellYear:
    """This year's sums by population cell (see :data:`sandbox.population.CELL_DIMS`), one entry per cell."""

    visits: np.ndarray  # outpatient visits (including referred visits)
    visits_primary: np.ndarray  # outpatient visits at primary level
    admissions: np.ndarray  # admissions at any level
    oop: np.ndarray  # out-of-pocket payments, yuan
    fund: np.ndarray  # fund claims, yuan
    cost: np.ndarray  # care cost (bills), yuan

    @classmethod
    def zeros(cls, n: int) -> CellYear:
        """All sums zero for ``n`` cells."""
        return cls(*(np.zeros(n) for _ in range(6)))


@dataclass
class TeamYear:
    """This year's sums by family-doctor team, over the team's signed residents (budgets and bonuses)."""

    fund_signed: np.ndarray  # fund claims of the team's signed residents, yuan
    upper_adm_signed: np.ndarray  # their admissions at secondary or tertiary level
    fund_referred: np.ndarray  # fund claims of their referred episodes, yuan
    service: np.ndarray  # primary-level bills of all the team's residents (visits, admissions, rehabilitation), yuan

    @classmethod
    def zeros(cls, n: int) -> TeamYear:
        """All sums zero for ``n`` teams."""
        return cls(*(np.zeros(n) for _ in range(4)))


@dataclass
class InpatientYear:
    """This year's fund spending on admissions and number of admissions (all levels)."""

    fund: float = 0.0
    admissions: int = 0

    def per_admission(self) -> float | None:
        """Fund spending per admission, or None when there was no admission."""
        return self.fund / self.admissions if self.admissions > 0 else None
