"""Shared interface helpers: language, cached runs, scenario state in the URL."""

from __future__ import annotations

import os

import streamlit as st

from sandbox.compare import RunTables, run_tables
from sandbox.i18n import t
from sandbox.scenario import Scenario


def lang() -> str:
    return st.session_state.get("lang", "zh")


def tr(key: str) -> str:
    return t(key, lang())


def default_residents() -> int:
    """The default district size; tests shrink it with SANDBOX_APP_RESIDENTS."""
    return int(os.environ.get("SANDBOX_APP_RESIDENTS", "100000"))


@st.cache_data(max_entries=128, show_spinner=False)
def cached_run(toml_text: str, residents: int, years: int, seed: int) -> RunTables:
    """One run, cached by the scenario's TOML text and the run settings. One thread: the server's
    cores are shared by its sessions and, on a laptop, the browser (a second thread was slower here)."""
    return run_tables(Scenario.from_toml(toml_text), residents, years, seed, threads=1)


def run_for(scenario: Scenario, residents: int, years: int, seed: int) -> RunTables:
    return cached_run(scenario.to_toml(full=False), residents, years, seed)
