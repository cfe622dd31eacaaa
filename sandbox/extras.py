"""Optional parts of the package and the extras that install them.

The core install (numpy, scipy, pandas, pyarrow, mesa, tqdm) runs the model and the command line.
The app needs the ``app`` extra (streamlit, plotly, openpyxl); sensitivity analysis, plots of batch
results and Dask need the ``batch`` extra (SALib, matplotlib, dask). A command that needs a missing
extra says which one to install instead of failing with a traceback.
"""

from __future__ import annotations

import importlib.util


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""


def require(extra: str, *modules: str, what: str = "this command") -> None:
    """Raise :class:`MissingExtra` if any of ``modules`` cannot be imported."""
    missing = [m for m in modules if _missing(m)]
    if missing:
        raise MissingExtra(
            f"{what} needs {', '.join(missing)}, which is not installed; "
            f"install the '{extra}' extra: pip install -e \".[{extra}]\" (or: make test, which installs everything)"
        )


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a parent package is missing
        return True
