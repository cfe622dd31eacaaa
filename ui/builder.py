"""The scenario builder: one widget per lever, generated from the registry, grouped as the policy
documents group them, with changed levers marked and resets per lever and per group."""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from sandbox.i18n import group_title, lever_help, lever_label
from sandbox.params import BY_PATH, GROUPS, REGISTRY, Lever
from sandbox.scenario import Scenario

from .common import lang, tr


def key_of(path: str) -> str:
    return "lv:" + path


def preset_values(preset: str) -> dict[str, Any]:
    return Scenario.preset(preset).params_at(0)


def load_into_state(values: dict[str, Any]) -> None:
    for lv in REGISTRY:
        st.session_state[key_of(lv.path)] = values[lv.path]


def current_values() -> dict[str, Any]:
    return {lv.path: st.session_state[key_of(lv.path)] for lv in REGISTRY}


def changed_vs(base: dict[str, Any]) -> dict[str, Any]:
    cur = current_values()
    return {k: v for k, v in cur.items() if v != base[k] and not (isinstance(v, float) and math.isclose(v, base[k]))}


def _reset(paths: list[str], base: dict[str, Any]) -> None:
    for p in paths:
        st.session_state[key_of(p)] = base[p]


def _widget(lv: Lever, label: str) -> None:
    k, h = key_of(lv.path), lever_help(lv, lang())
    if lv.kind == "bool":
        st.toggle(label, key=k, help=h)
    elif lv.kind == "choice":
        st.selectbox(label, lv.choices, key=k, help=h)
    elif lv.kind == "int":
        st.number_input(label, min_value=int(lv.lo), max_value=int(lv.hi), step=1, key=k, help=h)
    elif lv.hi - lv.lo <= 5:
        step = 0.01 if lv.hi - lv.lo <= 1 else 0.05
        st.slider(label, min_value=float(lv.lo), max_value=float(lv.hi), step=step, key=k, help=h)
    else:
        span = lv.hi - lv.lo
        step = float(10 ** math.floor(math.log10(span)) / 1000) if span > 0 else 1.0
        st.number_input(label, min_value=float(lv.lo), max_value=float(lv.hi), step=max(step, 0.01), key=k, help=h)


def lever_panel(base: dict[str, Any]) -> None:
    """Expanders of lever widgets by group; ``base`` is what "changed" and "reset" refer to.

    Titles and layout do not depend on what changed, so an open group stays open and a widget keeps
    its place (and keyboard focus) when its value changes."""
    changed = changed_vs(base)
    for group in GROUPS:
        levers = [lv for lv in REGISTRY if lv.group == group]
        with st.expander(group_title(group, lang()), expanded=False):
            n_changed = sum(lv.path in changed for lv in levers)
            if n_changed:
                st.caption(f"● {n_changed} {tr('changed')}")
                st.button(tr("reset_group"), key=f"reset_group:{group}", on_click=_reset, args=([lv.path for lv in levers], base))
            for lv in levers:
                is_changed = lv.path in changed
                c1, c2 = st.columns([6, 1], vertical_alignment="bottom")
                with c1:
                    _widget(lv, ("● " if is_changed else "") + lever_label(lv, lang()))
                with c2:
                    st.button(
                        "↺",
                        key=f"reset:{lv.path}",
                        help=tr("reset"),
                        disabled=not is_changed,
                        on_click=_reset,
                        args=([lv.path], base),
                    )
    if changed:
        st.markdown(f"**{tr('changed_levers')}**")
        for path, v in changed.items():
            st.markdown(f"- ● {lever_label(BY_PATH[path], lang())}: {base[path]} → **{v}**")
