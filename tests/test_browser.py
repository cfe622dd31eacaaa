"""The app in a real browser: move a slider, wait for the rerun, see a headline number change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _streamlit_server import (
    CHROMIUM,
    browser_page,
    open_primary_rate_slider,
    reform_primary_card,
    streamlit_server,
    wait_until_changed,
)

RESULTS = Path(__file__).resolve().parent.parent / "results"


def _need_chromium():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing on CI: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); the browser test needs it")


def test_moving_the_primary_rate_slider_in_a_real_browser_changes_the_primary_care_share_card():
    _need_chromium()
    RESULTS.mkdir(exist_ok=True)
    with streamlit_server(residents=5_000) as url, browser_page() as page:
        page.goto(url)
        before = reform_primary_card(page)
        assert before.endswith("%")
        slider = open_primary_rate_slider(page)
        slider.focus()
        for _ in range(20):
            page.keyboard.press("ArrowRight")
        after = wait_until_changed(page, before)
        assert float(after.rstrip("%")) > float(before.rstrip("%"))
        assert "?set=" in page.url or "&set=" in page.url, "the changed lever should be in the link"
        groups = page.locator('[data-testid="stSidebar"] [role="radiogroup"]').filter(has_text="报销与起付线")
        checked = [
            groups.locator('input[type="radio"]').nth(i).is_checked()
            for i in range(groups.locator('input[type="radio"]').count())
        ]
        assert checked[0] and sum(checked) == 1, "the lever group on screen should stay selected after a change"
        page.screenshot(path=str(RESULTS / "browser_compare.png"), full_page=False)
        # switching the language relabels every choice without losing what was chosen
        page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
        page.get_by_text("Primary-care reform sandbox").wait_for(timeout=60_000)
        groups = page.locator('[data-testid="stSidebar"] [role="radiogroup"]').filter(has_text="Reimbursement & deductibles")
        groups.wait_for(timeout=60_000)
        radios = groups.locator('input[type="radio"]')
        assert [radios.nth(i).is_checked() for i in range(radios.count())].count(True) == 1
        outcome = page.locator('[data-testid="stSelectbox"]').filter(has_text="Outcome").first
        outcome.wait_for(timeout=60_000)
        shown = outcome.locator('input[role="combobox"]').input_value()
        assert shown == "Primary-care share of outpatient visits", shown
        page.screenshot(path=str(RESULTS / "browser_compare_en.png"), full_page=False)
    assert (RESULTS / "browser_compare.png").stat().st_size > 10_000
