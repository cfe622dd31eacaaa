"""基层医改政策沙盘 — Streamlit entry point: a thin router over the pages in ui/."""

import streamlit as st

from sandbox.i18n import t
from ui import compare_page, glossary_page, walkthrough_page
from ui.common import init_language

st.set_page_config(page_title="基层医改政策沙盘 · Policy sandbox", layout="wide")
init_language()
st.sidebar.radio(
    "语言 / Language", ("zh", "en"), key="lang", format_func=lambda x: "中文" if x == "zh" else "English", horizontal=True
)
lang = st.session_state.get("lang", "zh")
st.sidebar.toggle(t("presentation", lang), key="present")
pages = [
    st.Page(compare_page.render, title=t("page_compare", lang), url_path="compare", default=True),
    st.Page(walkthrough_page.render, title=t("page_walkthrough", lang), url_path="walkthrough"),
    st.Page(glossary_page.render, title=t("page_glossary", lang), url_path="glossary"),
]
st.navigation(pages).run()
