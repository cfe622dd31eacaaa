"""Guided walkthrough for trainers: three seed cities' reforms, what changed and what the model shows."""

from __future__ import annotations

import streamlit as st

from sandbox import outcomes
from sandbox.compare import compare
from sandbox.i18n import fmt_delta, fmt_lever_value, fmt_value, lever_label, outcome_label
from sandbox.params import BY_PATH
from sandbox.scenario import Scenario

from .common import default_residents, lang, run_for, tr, translated_choice

CITIES = ("hangzhou_2016", "shanghai_1plus1plus1", "hebei_county_alliance")


def render() -> None:
    st.title(tr("page_walkthrough"))
    st.write(tr("walk_intro"))
    city = translated_choice(
        st.radio,
        " ",
        CITIES,
        "walk_city",
        lambda n: Scenario.preset(n).meta["name_zh" if lang() == "zh" else "name_en"],
        default=CITIES[0],
        horizontal=True,
    )
    sc = Scenario.preset(city)
    st.markdown(f"### {sc.meta['name_zh' if lang() == 'zh' else 'name_en']}")
    st.write(sc.meta["description_zh" if lang() == "zh" else "description_en"])
    st.caption(sc.meta.get("source", ""))
    base = sc.without_policy()
    st.markdown(f"#### {tr('walk_changed')}")
    before = base.params_at(0)
    for path, v in sc.policy().items():
        lv = BY_PATH[path]
        st.markdown(
            f"- {lever_label(lv, lang())}: {fmt_lever_value(lv, before[path], lang())} → **{fmt_lever_value(lv, v, lang())}**"
        )
    with st.expander(tr("walk_district")):
        for path, v in sc.district().items():
            lv = BY_PATH[path]
            st.markdown(f"- {lever_label(lv, lang())}: {fmt_lever_value(lv, v, lang())}")
        if sc.behaviour():
            st.markdown(f"**{tr('changed_behaviour')}**")
            for path, v in sc.behaviour().items():
                lv = BY_PATH[path]
                st.markdown(f"- {lever_label(lv, lang())}: {fmt_lever_value(lv, v, lang())}")
    residents = min(default_residents(), 50_000)
    base_name, city_name = tr("walk_no_reform"), sc.meta["name_zh" if lang() == "zh" else "name_en"]
    cmp = compare({base_name: base, city_name: sc}, residents, 3, 1, run=run_for)
    head = cmp.headline()
    st.markdown(f"#### {tr('walk_shows')}")
    cols = st.columns(4)
    for i, out in enumerate(outcomes.tagged("walkthrough")):
        row = head[(head.scenario == city_name) & (head.outcome == out)].iloc[0]
        unit = outcomes.unit(out)
        cols[i % 4].metric(
            outcome_label(out, lang()),
            fmt_value(row.value, unit, lang()),
            fmt_delta(row["diff"], unit, lang()) + " " + tr("vs_no_reform"),
            delta_color="off",
        )
