"""Compare page: build a reform from a preset, compare it (and up to three more presets) with a
baseline, see headline cards with paired differences, charts, groups, and download or share."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import plotly.colors
import plotly.graph_objects as go
import streamlit as st

from sandbox import outcomes
from sandbox.compare import compare
from sandbox.i18n import fmt_delta, fmt_value, label, lever_label, outcome_label, unit_label
from sandbox.params import BY_PATH
from sandbox.report import build_report
from sandbox.scenario import Scenario, list_presets
from sandbox.uncertainty import behaviour_draws
from sandbox.validation import ScenarioError

from . import builder
from .common import ProgressBar, default_residents, lang, run_for, tr, translated_choice

SIZES = (5_000, 20_000, 50_000, 100_000, 200_000, 500_000)
TS_OUTCOMES = outcomes.tagged("timeseries")
GROUP_OUTCOMES = outcomes.tagged("group")
CARD_OUTCOMES = outcomes.tagged("card")


# ------------------------------------------------------------------ URL state
def _encode(changes: dict[str, Any]) -> str:
    def one(v):
        return ("true" if v else "false") if isinstance(v, bool) else str(v)

    return ";".join(f"{k}={one(v)}" for k, v in changes.items())


def _decode(text: str) -> dict[str, Any]:
    out = {}
    for item in filter(None, text.split(";")):
        k, _, v = item.partition("=")
        lv = BY_PATH.get(k)
        if lv is None:
            continue
        try:
            out[k] = {"bool": lambda s: s == "true", "int": int, "float": float, "choice": str}[lv.kind](v)
        except ValueError:
            continue
    return out


def _init_state() -> None:
    if st.session_state.get("_initialised"):
        return
    q = st.query_params
    names = [n for n, _ in list_presets()]
    st.session_state.preset = q.get("preset", "hangzhou_2016") if q.get("preset") in names else "hangzhou_2016"
    st.session_state.base = q.get("base") if q.get("base") in names else "baseline"
    st.session_state.also = [n for n in q.get("also", "").split(",") if n in names][:3]
    values = builder.preset_values(st.session_state.preset)
    values.update(_decode(q.get("set", "")))
    builder.load_into_state(values)
    sizes = sorted(set(SIZES) | {default_residents()})
    residents = _int_param(q.get("n"), default_residents(), 0, 10**9)
    st.session_state.residents = residents if residents in sizes else default_residents()
    st.session_state.years = _int_param(q.get("years"), 3, 1, 5)
    st.session_state.replicates = _int_param(q.get("reps"), 1, 1, 10)
    st.session_state.draws = _int_param(q.get("draws"), 0, 0, 8)
    st.session_state.seed = _int_param(q.get("seed"), 1, 0, 2**31 - 1)
    st.session_state._initialised = True


def _int_param(text: str | None, default: int, lo: int, hi: int) -> int:
    """A whole number from the link, or ``default`` when it is missing, malformed or out of range."""
    try:
        v = int(text) if text is not None else default
    except ValueError:
        return default
    return v if lo <= v <= hi else default


def _on_preset_change() -> None:
    builder.load_into_state(builder.preset_values(st.session_state.preset))


def _load_text(text: str, source: str) -> None:
    """Load a scenario file into the builder; on error keep the current scenario and show why."""
    try:
        sc = Scenario.from_toml(text, source=source)
    except ScenarioError as e:
        st.session_state.load_error = [str(p) for p in e.problems]
        return
    st.session_state.load_error = None
    st.session_state.load_ok = sc.name
    builder.load_into_state(sc.params_at(0))


def _on_upload() -> None:
    f = st.session_state.get("upload")
    if f is not None:
        try:
            text = f.getvalue().decode("utf-8")
        except UnicodeDecodeError:
            st.session_state.load_error = [f"{f.name}: not a UTF-8 text file"]
            return
        _load_text(text, f.name)


def _on_paste() -> None:
    _load_text(st.session_state.get("paste", ""), "pasted text")


# ------------------------------------------------------------------ charts
def _ts_figure(cmp, outcome: str) -> go.Figure:
    df = cmp.monthly(outcome)
    unit = outcomes.unit(outcome)
    fig = go.Figure()
    for name in cmp.names:
        d = df[df.scenario == name]
        if d["hi"].ne(d["lo"]).any():
            fig.add_trace(
                go.Scatter(
                    x=pd.concat([d.month, d.month[::-1]]),
                    y=pd.concat([d.hi, d.lo[::-1]]),
                    fill="toself",
                    opacity=0.2,
                    line={"width": 0},
                    showlegend=False,
                    name=name,
                )
            )
        fig.add_trace(go.Scatter(x=d.month, y=d["mean"], mode="lines", name=name))
    fig.update_layout(
        title=outcome_label(outcome, lang()),
        xaxis_title=tr("month"),
        yaxis_title=unit_label(unit, lang()),
        height=380,
        margin={"t": 50, "b": 40},
    )
    if unit == "share":
        fig.update_yaxes(tickformat=".0%")
    return fig


def _spending_figure(cmp) -> go.Figure:
    df = cmp.spending()
    fig = go.Figure()
    # one distinct colour per category (plotly's default palette has 10 and there are more categories)
    palette = plotly.colors.qualitative.Dark24
    for i, cat in enumerate(df.category.unique()):
        d = df[df.category == cat]
        fig.add_trace(
            go.Bar(
                x=d.scenario,
                y=d.yuan / cmp.runs[cmp.baseline][0].timeseries.residents.iloc[0],
                name=label(cat, lang()),
                marker_color=palette[i % len(palette)],
            )
        )
    fig.update_layout(barmode="relative", title=tr("spending"), yaxis_title=tr("yuan_per_resident"), height=420)
    return fig


def _group_figure(cmp, dimension: str, outcome: str) -> go.Figure:
    df = cmp.groups()
    df = df[df.dimension == dimension]
    fig = go.Figure()
    for name in cmp.names:
        d = df[df.scenario == name]
        fig.add_trace(go.Bar(x=[label(g, lang()) for g in d.group], y=d[outcome], name=name))
    unit = outcomes.unit(outcome)
    fig.update_layout(
        barmode="group",
        title=f"{outcome_label(outcome, lang())} — {label(dimension, lang())}",
        yaxis_title=unit_label(unit, lang()),
        height=380,
    )
    if unit == "share":
        fig.update_yaxes(tickformat=".0%")
    return fig


# ------------------------------------------------------------------ page
def render() -> None:
    _init_state()
    st.title(tr("app_title"))
    st.caption(tr("question"))
    presets = dict(list_presets())
    names = list(presets)

    def preset_label(n: str) -> str:
        m = presets[n].meta
        return (m.get("name_zh") if lang() == "zh" else m.get("name_en")) or n

    c = st.columns(3)
    translated_choice(c[0].selectbox, tr("baseline"), names, "base", preset_label, default="baseline")
    translated_choice(
        c[1].selectbox, tr("reform_preset"), names, "preset", preset_label, default="hangzhou_2016", on_change=_on_preset_change
    )
    translated_choice(c[2].multiselect, tr("more_reforms"), names, "also", preset_label, default=[], max_selections=3)
    c = st.columns(5)
    sizes = sorted(set(SIZES) | {default_residents()})
    c[0].selectbox(tr("residents"), sizes, key="residents", format_func=lambda n: f"{n:,}")
    c[1].slider(tr("years"), 1, 5, key="years")
    c[2].slider(tr("replicates"), 1, 10, key="replicates")
    c[3].slider(tr("behaviour_draws"), 0, 8, key="draws", help=tr("behaviour_draws_help"))
    c[4].number_input(tr("seed"), min_value=0, max_value=2**31 - 1, step=1, key="seed")

    base_values = builder.preset_values(st.session_state.preset)
    with st.sidebar:
        st.subheader(tr("levers"))
        builder.lever_panel(base_values)
        with st.expander(tr("upload")):
            st.file_uploader(tr("upload"), type=["toml"], key="upload", on_change=_on_upload, label_visibility="collapsed")
            st.text_area(tr("paste"), key="paste", height=120)
            st.button(tr("load_pasted"), key="load_pasted", on_click=_on_paste)
    if st.session_state.get("load_error"):
        st.error(tr("upload_error") + "\n\n" + "\n\n".join(f"- {m}" for m in st.session_state.load_error))
    elif st.session_state.get("load_ok"):
        st.success(tr("upload_ok") + " " + st.session_state.load_ok)

    changes = builder.changed_vs(base_values)
    st.query_params.update(
        {
            "lang": lang(),
            "preset": st.session_state.preset,
            "base": st.session_state.base,
            "also": ",".join(st.session_state.also),
            "set": _encode(changes),
            "n": str(st.session_state.residents),
            "years": str(st.session_state.years),
            "reps": str(st.session_state.replicates),
            "draws": str(st.session_state.draws),
            "seed": str(int(st.session_state.seed)),
        }
    )
    try:
        reform = Scenario.preset(st.session_state.preset).with_overrides(changes)
    except ScenarioError as e:
        st.error(tr("invalid_reform") + "\n\n" + "\n\n".join(f"- {p}" for p in e.problems))
        return
    reform_name = f"{tr('reform')}: {preset_label(st.session_state.preset)}" + (tr("modified") if changes else "")
    scenarios = {preset_label(st.session_state.base): Scenario.preset(st.session_state.base), reform_name: reform}
    for n in st.session_state.also:
        scenarios.setdefault(preset_label(n), presets[n])

    bar = ProgressBar(tr("running"))
    cmp = compare(
        scenarios,
        st.session_state.residents,
        st.session_state.years,
        int(st.session_state.seed),
        st.session_state.replicates,
        run=run_for,
        progress=bar,
        behaviour=behaviour_draws(st.session_state.draws, int(st.session_state.seed)) if st.session_state.draws else None,
    )
    bar.empty()
    head = cmp.headline()
    _cards(cmp, head)
    if cmp.draws and not st.session_state.get("present"):
        _robustness(cmp)
    if st.session_state.get("present"):
        st.plotly_chart(_ts_figure(cmp, "primary_care_share"), width="stretch")
        return

    st.subheader(tr("timeseries"))
    ts_out = translated_choice(
        st.selectbox, tr("outcome"), TS_OUTCOMES, "ts_outcome", lambda o: outcome_label(o, lang()), default=TS_OUTCOMES[0]
    )
    figs = [_ts_figure(cmp, ts_out), _spending_figure(cmp)]
    st.plotly_chart(figs[0], width="stretch")
    st.plotly_chart(figs[1], width="stretch")
    st.subheader(tr("groups"))
    g1, g2 = st.columns(2)
    dims = ("area", "age_band", "chronic", "condition", "scheme", "income_quintile", "contract")
    dim = translated_choice(g1.selectbox, tr("dimension"), dims, "dim", lambda d: label(d, lang()), default=dims[0])
    gout = translated_choice(
        g2.selectbox,
        tr("outcome"),
        GROUP_OUTCOMES,
        "group_outcome",
        lambda o: outcome_label(o, lang()),
        default=GROUP_OUTCOMES[0],
    )
    figs.append(_group_figure(cmp, dim, gout))
    st.plotly_chart(figs[2], width="stretch")
    _downloads(cmp, reform, changes, scenarios, figs)


def _cards(cmp, head: pd.DataFrame) -> None:
    st.subheader(tr("headline"))
    big = st.session_state.get("present")
    if big:  # presentation mode: cards readable from the back of a training room
        st.html(
            "<style>[data-testid='stMetricValue']{font-size:3.4rem}"
            "[data-testid='stMetricLabel'] p{font-size:1.25rem}"
            "[data-testid='stMetricDelta']{font-size:1.2rem}</style>"
        )
    reps = st.session_state.replicates
    shown = cmp.names[:2] if big else cmp.names
    for name in shown:
        st.markdown(f"**{name}**")
        per_row = 3 if big else 4
        outs = CARD_OUTCOMES[:6] if big else CARD_OUTCOMES
        for i, out in enumerate(outs):
            if i % per_row == 0:
                cols = st.columns(per_row)
            row = head[(head.scenario == name) & (head.outcome == out)].iloc[0]
            unit = outcomes.unit(out)
            delta = None
            if name != cmp.baseline:
                delta = fmt_delta(row["diff"], unit, lang())
                if reps > 1:
                    delta += f" [{fmt_delta(row.diff_lo, unit, lang())}, {fmt_delta(row.diff_hi, unit, lang())}]"
            cols[i % per_row].metric(outcome_label(out, lang()), fmt_value(row.value, unit, lang()), delta, delta_color="off")
    if reps > 1:
        st.caption(tr("interval"))


def _robustness(cmp) -> None:
    """The headline differences with their range across behaviour draws and whether the sign holds."""
    st.subheader(tr("robustness"))
    rob = cmp.robustness()
    rows = []
    for _, r in rob[rob.outcome.isin(CARD_OUTCOMES)].iterrows():
        unit = outcomes.unit(r.outcome)
        rows.append(
            {
                tr("scenario"): r.scenario,
                tr("outcome"): outcome_label(r.outcome, lang()),
                tr("difference"): fmt_delta(r["diff"], unit, lang()),
                tr("across_behaviour"): f"{fmt_delta(r.draw_min, unit, lang())} … {fmt_delta(r.draw_max, unit, lang())}",
                tr("verdict"): tr(f"verdict_{r.verdict}"),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(tr("robustness_caption"))


def _downloads(cmp, reform: Scenario, changes: dict, scenarios: dict, figs: list) -> None:
    """Download buttons; the Excel file and the HTML report are built only when clicked."""
    st.subheader(tr("downloads"))
    st.caption(tr("share_link"))
    yearly = cmp.yearly()
    residents, years, seed, language = st.session_state.residents, st.session_state.years, int(st.session_state.seed), lang()

    def excel() -> bytes:
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xl:
            yearly.to_excel(xl, sheet_name="yearly", index=False)
            cmp.headline().to_excel(xl, sheet_name="headline", index=False)
            cmp.groups().to_excel(xl, sheet_name="groups", index=False)
            cmp.spending().to_excel(xl, sheet_name="spending", index=False)
        return buf.getvalue()

    def report() -> str:
        all_changes = {name: sc.changed() for name, sc in scenarios.items()}
        return build_report(cmp, all_changes, language, residents, years, seed, figs)

    c = st.columns(4)
    c[0].download_button(tr("download_toml"), reform.to_toml(full=False), file_name="reform.toml", key="dl_toml")
    c[1].download_button(tr("download_csv"), yearly.to_csv(index=False), file_name="comparison.csv", key="dl_csv")
    c[2].download_button(tr("download_xlsx"), excel, file_name="comparison.xlsx", key="dl_xlsx")
    c[3].download_button(tr("download_html"), report, file_name="comparison_report.html", mime="text/html", key="dl_html")
    if changes:
        st.markdown(
            f"**{tr('changed_levers')}**: " + ", ".join(f"{lever_label(BY_PATH[k], lang())} = {v}" for k, v in changes.items())
        )
