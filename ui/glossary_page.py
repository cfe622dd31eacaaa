"""Glossary: key terms, every lever and every outcome in plain language."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sandbox import outcomes
from sandbox.i18n import TERMS, fmt_lever_value, group_title, lever_label, lever_unit, outcome_label, unit_label
from sandbox.params import GROUPS, REGISTRY

from .common import lang, tr


def render() -> None:
    st.title(tr("page_glossary"))
    st.subheader(tr("glossary_terms"))
    for term, zh, en in TERMS:
        st.markdown(f"**{term}** — {zh if lang() == 'zh' else en}")
    st.subheader(tr("glossary_outcomes"))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    tr("outcome"): outcome_label(o.name, lang()),
                    tr("field_name"): o.name,
                    tr("unit"): unit_label(o.unit, lang()),
                    tr("formula"): o.formula if o.source == "rows" else f"{o.formula} ({tr('per_team')})",
                    tr("shown_in"): ", ".join(tr(f"tag_{t}") for t in outcomes.TAGS if t in o.tags),
                }
                for o in outcomes.OUTCOMES
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.subheader(tr("glossary_levers"))
    for g in GROUPS:
        rows = [
            {
                tr("levers"): lever_label(lv, lang()),
                tr("lever_path"): lv.path,
                tr("default"): fmt_lever_value(lv, lv.default, lang()),
                tr("unit"): lever_unit(lv, lang()),
                tr("range"): lv.describe_range(),
                tr("meaning"): lv.help_zh if lang() == "zh" else lv.help_en,
                tr("source"): lv.source,
            }
            for lv in REGISTRY
            if lv.group == g
        ]
        if rows:
            st.markdown(f"#### {group_title(g, lang())}")
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
