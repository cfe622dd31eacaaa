"""The scenario builder: one widget per lever, generated from the registry, grouped as the policy
documents group them (one group on screen at a time), with changed levers marked and resets per
lever and per group."""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from sandbox.i18n import choice_label, fmt_lever_value, group_title, lever_help, lever_label
from sandbox.params import BY_PATH, GROUPS, REGISTRY, Lever
from sandbox.scenario import Scenario

from .common import lang, tr, translated_choice


def key_of(path: str) -> str:
    """A lever widget's key. Choice levers show translated option names, and Streamlit's browser
    side drops a choice whose option names change under the same key, so their key carries the
    language."""
    return "lv:" + path + (f"@{lang()}" if BY_PATH[path].kind == "choice" else "")


def preset_values(preset: str) -> dict[str, Any]:
    return Scenario.preset(preset).params_at(0)


def load_into_state(values: dict[str, Any]) -> None:
    """Make ``values`` the builder's levers (and the value of any lever widget on screen)."""
    st.session_state.levers = {lv.path: values[lv.path] for lv in REGISTRY}
    for lv in REGISTRY:
        if key_of(lv.path) in st.session_state:
            st.session_state[key_of(lv.path)] = values[lv.path]


def current_values() -> dict[str, Any]:
    """The builder's levers. They live in ``st.session_state.levers``, not in the widgets' keys,
    because only one group's widgets are on screen and Streamlit forgets the others' state."""
    return dict(st.session_state.levers)


def changed_vs(base: dict[str, Any]) -> dict[str, Any]:
    cur = current_values()
    return {k: v for k, v in cur.items() if v != base[k] and not (isinstance(v, float) and math.isclose(v, base[k]))}


def _reset(paths: list[str], base: dict[str, Any]) -> None:
    for p in paths:
        st.session_state.levers[p] = base[p]
        if key_of(p) in st.session_state:
            st.session_state[key_of(p)] = base[p]


def _sync(path: str) -> None:
    st.session_state.levers[path] = st.session_state[key_of(path)]


def _widget(lv: Lever, label: str) -> None:
    k, h = key_of(lv.path), lever_help(lv, lang())
    if k not in st.session_state:
        st.session_state[k] = st.session_state.levers[lv.path]
    common = {"key": k, "help": h, "on_change": _sync, "args": (lv.path,)}
    if lv.kind == "bool":
        st.toggle(label, **common)
    elif lv.kind == "choice":
        st.selectbox(label, lv.choices, format_func=lambda c: choice_label(c, lang()), **common)
    elif lv.kind == "int":
        st.number_input(label, min_value=int(lv.lo), max_value=int(lv.hi), step=1, **common)
    elif lv.hi - lv.lo <= 5:
        step = 0.01 if lv.hi - lv.lo <= 1 else 0.05
        st.slider(label, min_value=float(lv.lo), max_value=float(lv.hi), step=step, **common)
    else:
        span = lv.hi - lv.lo
        step = float(10 ** math.floor(math.log10(span)) / 1000) if span > 0 else 1.0
        st.number_input(label, min_value=float(lv.lo), max_value=float(lv.hi), step=max(step, 0.01), **common)


def lever_panel(base: dict[str, Any]) -> None:
    """The lever groups as a list (with how many levers of each were changed) and the widgets of the
    chosen group; ``base`` is what "changed" and "reset" refer to.

    Only one group's widgets are drawn, which keeps each rerun light. The layout of a group does
    not depend on what changed, so a widget keeps its place (and keyboard focus) when its value
    changes."""
    changed = changed_vs(base)
    by_group = {g: [lv for lv in REGISTRY if lv.group == g] for g in GROUPS}
    # The group names stay fixed: a radio whose labels change loses its selection in the browser.
    group = translated_choice(
        st.radio, tr("lever_group"), list(GROUPS), "lever_group", lambda g: group_title(g, lang()), default=next(iter(GROUPS))
    )
    counts = {g: sum(lv.path in changed for lv in by_group[g]) for g in GROUPS}
    if any(counts.values()):
        st.caption(f"● {tr('changed')}: " + "; ".join(f"{group_title(g, lang())} {n}" for g, n in counts.items() if n))
    levers = by_group[group]
    n_changed = sum(lv.path in changed for lv in levers)
    st.button(
        tr("reset_group"), key="reset_group", disabled=not n_changed, on_click=_reset, args=([lv.path for lv in levers], base)
    )
    for lv in levers:
        is_changed = lv.path in changed
        c1, c2 = st.columns([6, 1], vertical_alignment="bottom")
        with c1:
            _widget(lv, ("● " if is_changed else "") + lever_label(lv, lang()))
        with c2:
            st.button(
                "",
                icon=":material/undo:",
                key=f"reset:{lv.path}",
                help=tr("reset"),
                disabled=not is_changed,
                on_click=_reset,
                args=([lv.path], base),
            )
    if changed:
        st.markdown(f"**{tr('changed_levers')}**")
        for path, v in changed.items():
            lv = BY_PATH[path]
            st.markdown(
                f"- ● {lever_label(lv, lang())}: {fmt_lever_value(lv, base[path], lang())} → **{fmt_lever_value(lv, v, lang())}**"
            )
