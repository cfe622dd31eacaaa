"""The Streamlit app, driven by AppTest: set widgets by key, rerun, assert on the numbers shown."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
sys.path.insert(0, str(ROOT))  # the ui package lives beside app.py, as under `streamlit run`


@pytest.fixture(autouse=True)
def small_district(monkeypatch):
    monkeypatch.setenv("SANDBOX_APP_RESIDENTS", "5000")


def _app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _percent(text: str) -> float:
    return float(text.rstrip("%"))


def _cards(at, label: str) -> list:
    return [m for m in at.metric if m.label == label]


def test_the_compare_page_shows_a_primary_care_share_card_for_the_baseline_and_the_reform():
    at = _app()
    assert not at.exception
    cards = _cards(at, "基层门诊占比")
    assert len(cards) == 2
    assert all(30 < _percent(c.value) < 80 for c in cards)
    assert cards[0].delta is None or cards[0].delta == ""
    assert "个百分点" in cards[1].delta


def test_raising_the_primary_reimbursement_slider_raises_the_reforms_primary_care_share_card():
    at = _app()
    before = _percent(_cards(at, "基层门诊占比")[1].value)
    at.slider(key="lv:reimbursement.outpatient.primary").set_value(0.85).run()
    after = _percent(_cards(at, "基层门诊占比")[1].value)
    assert after > before + 3
    assert "●" in at.slider(key="lv:reimbursement.outpatient.primary").label


def test_resetting_a_changed_lever_restores_the_preset_value():
    at = _app()
    at.slider(key="lv:reimbursement.outpatient.primary").set_value(0.85).run()
    at.button(key="reset:reimbursement.outpatient.primary").click().run()
    assert at.slider(key="lv:reimbursement.outpatient.primary").value == pytest.approx(0.55)


def test_a_lever_keeps_its_value_while_another_group_is_on_screen_and_its_group_is_marked():
    at = _app()
    at.slider(key="lv:reimbursement.outpatient.primary").set_value(0.85).run()
    changed = _percent(_cards(at, "基层门诊占比")[1].value)
    at.sidebar.radio(key="lever_group@zh").set_value("signing").run()
    assert "lv:reimbursement.outpatient.primary" not in [w.key for w in at.slider]
    assert "lv:signing.enabled" in [w.key for w in at.toggle]
    assert _percent(_cards(at, "基层门诊占比")[1].value) == pytest.approx(changed)
    assert any("报销与起付线 1" in c.value for c in at.sidebar.caption)
    at.sidebar.radio(key="lever_group@zh").set_value("reimbursement").run()
    assert at.slider(key="lv:reimbursement.outpatient.primary").value == pytest.approx(0.85)


def test_resetting_a_group_restores_every_lever_of_that_group():
    at = _app()
    at.slider(key="lv:reimbursement.outpatient.primary").set_value(0.85).run()
    at.slider(key="lv:reimbursement.signed_primary_bonus").set_value(0.3).run()
    at.button(key="reset_group").click().run()
    assert at.slider(key="lv:reimbursement.outpatient.primary").value == pytest.approx(0.55)
    assert at.slider(key="lv:reimbursement.signed_primary_bonus").value == pytest.approx(0.0)


def test_switching_the_language_to_english_changes_labels_and_number_formats():
    at = _app()
    at.sidebar.radio(key="lang").set_value("en").run()
    cards = _cards(at, "Primary-care share of outpatient visits")
    assert len(cards) == 2 and " pp" in cards[1].delta
    assert any(m.label == "Fund spending per resident" and m.value.endswith("yuan") for m in at.metric)
    assert at.title[0].value == "Primary-care reform sandbox"


def test_a_broken_pasted_scenario_shows_the_validators_message_and_keeps_the_current_scenario():
    at = _app()
    at.slider(key="lv:reimbursement.outpatient.primary").set_value(0.7).run()
    at.text_area(key="paste").set_value('[referral]\nbinding = "medium"\n').run()
    at.button(key="load_pasted").click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "referral.binding" in errors and '"medium"' in errors and '"soft"' in errors
    assert at.slider(key="lv:reimbursement.outpatient.primary").value == pytest.approx(0.7)
    assert len(_cards(at, "基层门诊占比")) == 2


def test_text_that_is_not_toml_is_reported_not_raised():
    at = _app()
    at.text_area(key="paste").set_value("this is = = not toml").run()
    at.button(key="load_pasted").click().run()
    assert not at.exception
    assert "not valid TOML" in " ".join(e.value for e in at.error)


def test_a_valid_pasted_scenario_loads_into_the_builder():
    at = _app()
    at.text_area(key="paste").set_value("reimbursement.signed_primary_bonus = 0.2\n").run()
    at.button(key="load_pasted").click().run()
    assert at.slider(key="lv:reimbursement.signed_primary_bonus").value == pytest.approx(0.2)


def test_the_scenario_in_the_link_reopens_with_its_levers():
    at = _app(preset="baseline", set="reimbursement.outpatient.primary=0.7;signing.enabled=true")
    assert at.slider(key="lv:reimbursement.outpatient.primary").value == pytest.approx(0.7)
    at.sidebar.radio(key="lever_group@zh").set_value("signing").run()
    assert at.toggle(key="lv:signing.enabled").value is True
    link = at.query_params["set"]
    link = link if isinstance(link, str) else link[0]
    assert "reimbursement.outpatient.primary=0.7" in link and "signing.enabled=true" in link


def test_replicates_show_an_interval_for_the_paired_difference():
    at = _app()
    at.slider(key="replicates").set_value(3).run()
    card = _cards(at, "基层门诊占比")[1]
    assert "[" in card.delta and "]" in card.delta


def test_presentation_mode_shows_large_cards_for_one_comparison():
    at = _app()
    full = len(at.metric)
    at.sidebar.toggle(key="present").set_value(True).run()
    assert 0 < len(at.metric) < full


def _page(module: str) -> AppTest:
    script = f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom ui import {module}\n{module}.render()\n"
    return AppTest.from_string(script, default_timeout=120).run()


def test_the_glossary_explains_key_terms_in_plain_chinese():
    at = _page("glossary_page")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for term in ("签约服务费", "起付线", "结余留用", "总额预算", "双向转诊"):
        assert term in text
    assert len(at.dataframe) >= 8


def test_the_walkthrough_shows_what_hangzhou_changed_and_what_the_model_shows():
    at = _page("walkthrough_page")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "签约" in text and "→" in text and "否 → **是**" in text
    card = [m for m in at.metric if m.label == "签约率"][0]
    assert card.value.endswith("%") and "个百分点" in card.delta


def test_the_walkthrough_switches_to_shanghai_and_shows_fewer_unreferred_tertiary_visits_explained():
    at = _page("walkthrough_page")
    at.radio(key="walk_city@zh").set_value("shanghai_1plus1plus1").run()
    assert not at.exception
    assert any("1+1+1" in m.value for m in at.markdown)
    card = next(m for m in at.metric if m.label == "未经转诊三级门诊人次")
    # against the same district without the reform, hard binding cuts unreferred tertiary visits
    assert card.delta.startswith("-") and "与未改革相比" in card.delta
    assert any("硬绑定（1+1+1）" in m.value for m in at.markdown)


def test_chart_legends_and_group_names_follow_the_language():
    import json

    def names(at):
        specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        return {trace.get("name") for s in specs for trace in s["data"]} | {
            x for s in specs for trace in s["data"] for x in (trace.get("x") or []) if isinstance(x, str)
        }

    at = _app()
    assert {"基层门诊", "城镇", "农村"} <= names(at)
    at.sidebar.radio(key="lang").set_value("en").run()
    en = names(at)
    assert {"Outpatient, primary", "urban", "rural"} <= en
    assert "fund_outpatient_primary" not in en


def test_uploading_a_file_with_an_out_of_range_value_shows_the_file_key_and_range_and_keeps_the_scenario():
    at = _app()
    at.slider(key="lv:reimbursement.outpatient.primary").set_value(0.7).run()
    at.file_uploader(key="upload").set_value(
        ("broken.toml", b"[reimbursement.outpatient]\nprimary = 1.4\n", "application/toml")
    ).run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "broken.toml" in errors and "reimbursement.outpatient.primary" in errors and "1.4" in errors
    assert at.slider(key="lv:reimbursement.outpatient.primary").value == pytest.approx(0.7)
    assert len(_cards(at, "基层门诊占比")) == 2


def test_uploading_a_file_that_is_not_text_is_reported_not_raised():
    at = _app()
    at.file_uploader(key="upload").set_value(("binary.toml", b"\xff\xfe\x00\x81", "application/toml")).run()
    assert not at.exception
    assert "binary.toml" in " ".join(e.value for e in at.error)


def test_uploading_a_valid_file_loads_its_levers_into_the_builder():
    at = _app()
    at.file_uploader(key="upload").set_value(
        ("reform.toml", b"reimbursement.signed_primary_bonus = 0.25\n", "application/toml")
    ).run()
    assert not at.exception and not at.error
    assert at.slider(key="lv:reimbursement.signed_primary_bonus").value == pytest.approx(0.25)


def test_switching_the_language_keeps_the_chosen_group_presets_and_chart_outcome():
    at = _app()
    at.sidebar.radio(key="lever_group@zh").set_value("signing").run()
    at.selectbox(key="ts_outcome@zh").set_value("fund_balance").run()
    at.multiselect(key="also@zh").set_value(["shanghai_1plus1plus1"]).run()
    at.sidebar.radio(key="lang").set_value("en").run()
    assert at.sidebar.radio(key="lever_group@en").value == "signing"
    assert at.selectbox(key="ts_outcome@en").value == "fund_balance"
    assert at.multiselect(key="also@en").value == ["shanghai_1plus1plus1"]
    assert at.selectbox(key="preset@en").value == "hangzhou_2016"
    assert "lv:signing.enabled" in [w.key for w in at.toggle]


def test_every_spending_category_has_its_own_colour_in_the_spending_chart():
    import json

    at = _app()
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    spending = next(s for s in specs if s["layout"].get("barmode") == "relative")
    colours = [t["marker"]["color"] for t in spending["data"]]
    from sandbox.outcomes import tagged

    assert len(colours) == len(tagged("spending")) == 12 and len(set(colours)) == len(colours)


def test_chart_axis_titles_follow_the_language():
    import json

    def axis_titles(at):
        specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        return {s["layout"].get("yaxis", {}).get("title", {}).get("text") for s in specs}

    at = _app()
    assert {"占比", "元/人/年"} <= axis_titles(at)
    at.sidebar.radio(key="lang").set_value("en").run()
    assert {"share", "yuan per resident per year"} <= axis_titles(at)


def test_a_choice_lever_shows_named_options_and_keeps_its_value_across_a_language_switch():
    at = _app()
    at.sidebar.radio(key="lever_group@zh").set_value("budget").run()
    box = at.selectbox(key="lv:hospital.payment_mode@zh")
    assert "总额预算" in box.options
    box.set_value("global_budget").run()
    at.sidebar.radio(key="lang").set_value("en").run()
    box = at.selectbox(key="lv:hospital.payment_mode@en")
    assert box.value == "global_budget" and "global budget" in box.options
    assert "hospital.payment_mode=global_budget" in str(at.query_params["set"])


def test_provider_incomes_of_teams_and_hospitals_have_cards():
    at = _app()
    assert len(_cards(at, "家庭医生团队平均收入")) == 2
    hospital = _cards(at, "医院收入")
    assert len(hospital) == 2 and hospital[0].value.endswith("元")


def test_the_link_reopens_the_language_and_run_settings_and_ignores_bad_values():
    at = _app(lang="en", years="2", reps="3", seed="42")
    assert at.title[0].value == "Primary-care reform sandbox"
    assert at.slider(key="years").value == 2 and at.slider(key="replicates").value == 3
    assert at.number_input(key="seed").value == 42
    assert str(at.query_params["years"]) in ("2", "['2']") and "42" in str(at.query_params["seed"])
    bad = _app(years="eleven", reps="99", seed="-3", n="123")
    assert not bad.exception
    assert bad.slider(key="years").value == 3 and bad.slider(key="replicates").value == 1
    assert bad.number_input(key="seed").value == 1 and bad.selectbox(key="residents").value == 5000


def test_the_run_store_keeps_the_most_recently_used_runs():
    from ui.common import RunStore

    store = RunStore(max_entries=2)
    store.put("a", 1)
    store.put("b", 2)
    assert store.get("a") == 1  # "a" is now the most recently used
    store.put("c", 3)
    assert store.get("b") is None and store.get("a") == 1 and store.get("c") == 3


def test_behaviour_draws_show_each_headline_difference_with_its_range_and_verdict():
    at = _app()
    assert not at.dataframe or all("结论" not in df.value.columns for df in at.dataframe)
    at.slider(key="draws").set_value(2).run()
    assert not at.exception
    assert any(sub.value == "对行为假设的稳健性" for sub in at.subheader)
    table = next(df.value for df in at.dataframe if "结论" in df.value.columns)
    signing = table[table["指标"] == "签约率"].iloc[0]
    assert signing["结论"] == "稳健"  # the reform signs residents under every plausible behaviour
    assert set(table["结论"]) <= {"稳健", "取决于行为假设", "无影响", "—"}
    assert at.query_params["draws"] in ("2", ["2"])  # the link keeps the setting
