"""Shared interface helpers: language, cached runs, scenario state in the URL."""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict

import streamlit as st

from sandbox.compare import RunTables, run_tables
from sandbox.i18n import t
from sandbox.scenario import Scenario


def init_language() -> None:
    """The language from the link (``?lang=en``) on a session's first run; Chinese otherwise."""
    if "lang" not in st.session_state:
        st.session_state.lang = "en" if st.query_params.get("lang") == "en" else "zh"


def lang() -> str:
    return st.session_state.get("lang", "zh")


def tr(key: str) -> str:
    return t(key, lang())


def _copy_choice(widget_key: str, name: str, then) -> None:
    st.session_state[name] = st.session_state[widget_key]
    if then is not None:
        then()


def translated_choice(widget, label: str, options, name: str, format_func, default, on_change=None, **kwargs):
    """A radio, selectbox or multiselect whose option labels follow the language.

    In the browser, Streamlit drops the shown choice of a widget whose option labels change under
    the same key, so the key carries the language (``name@zh``, ``name@en``) and the choice itself
    lives in ``st.session_state[name]``, which the rest of the page reads."""
    key = f"{name}@{lang()}"
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(name, default)
    value = widget(
        label, options, key=key, format_func=format_func, on_change=_copy_choice, args=(key, name, on_change), **kwargs
    )
    st.session_state[name] = value
    return value


def default_residents() -> int:
    """The default district size; tests shrink it with SANDBOX_APP_RESIDENTS."""
    return int(os.environ.get("SANDBOX_APP_RESIDENTS", "100000"))


class RunStore:
    """Finished runs shared by every session of the server, least recently used dropped first.

    ``st.cache_data`` cannot be used here: it refuses a run that updates a progress bar created
    outside it. The tables are only read by the pages (never changed in place), so sharing them
    is safe."""

    def __init__(self, max_entries: int = 128) -> None:
        self.max_entries = max_entries
        self._runs: OrderedDict[tuple, RunTables] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> RunTables | None:
        with self._lock:
            if key in self._runs:
                self._runs.move_to_end(key)
                return self._runs[key]
        return None

    def put(self, key: tuple, value: RunTables) -> None:
        with self._lock:
            self._runs[key] = value
            self._runs.move_to_end(key)
            while len(self._runs) > self.max_entries:
                self._runs.popitem(last=False)


@st.cache_resource(show_spinner=False)
def run_store() -> RunStore:
    return RunStore()


def run_for(scenario: Scenario, residents: int, years: int, seed: int, progress=None) -> RunTables:
    """One run, from the store when the same scenario and settings ran before. One thread: the
    server's cores are shared by its sessions and, on a laptop, the browser (a second thread was
    slower here)."""
    key = (scenario.to_toml(full=False), int(residents), int(years), int(seed))
    store = run_store()
    found = store.get(key)
    if found is None:
        found = run_tables(Scenario.from_toml(key[0]), residents, years, seed, progress=progress, threads=1)
        store.put(key, found)
    return found


class ProgressBar:
    """A progress bar that redraws at most every ``every`` seconds, so that month-by-month progress
    of short runs does not flood the browser with updates."""

    def __init__(self, text: str, every: float = 0.5) -> None:
        self.bar, self.text, self.every = st.progress(0.0, text=text), text, every
        self.last = time.monotonic()

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last >= self.every or fraction >= 1.0:
            self.bar.progress(min(max(fraction, 0.0), 1.0), text=self.text)
            self.last = now

    def empty(self) -> None:
        self.bar.empty()
