"""Slider-to-updated-result time in a real browser (Debian chromium + playwright).

Starts `streamlit run app.py` on a free loopback port with the default district (100,000 residents,
3 years unless --residents), moves the primary reimbursement slider one step at a time and times
from the key press until the reform's primary-care share card shows a new value. Prints each move
and the median.

Usage: python benchmarks/bench_app_browser.py [--residents 100000] [--moves 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from _streamlit_server import browser_page, open_primary_rate_slider, reform_primary_card, streamlit_server, wait_until_changed  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=100_000)
    ap.add_argument("--moves", type=int, default=5)
    args = ap.parse_args()
    times = []
    with streamlit_server(residents=args.residents) as url, browser_page() as page:
        t0 = time.perf_counter()
        page.goto(url)
        value = reform_primary_card(page)
        print(f"first page with results: {time.perf_counter() - t0:.2f} s")
        slider = open_primary_rate_slider(page)
        for i in range(args.moves):
            slider.focus()
            page.keyboard.press("ArrowRight")  # one step of 0.01: one rerun
            t = time.perf_counter()
            new = wait_until_changed(page, value)
            # keep waiting until the value is stable (the last keypress's rerun has finished)
            while True:
                time.sleep(0.3)
                latest = reform_primary_card(page)
                if latest == new and page.locator('[data-testid="stStatusWidget"]').count() == 0:
                    break
                new = latest
            dt = time.perf_counter() - t - 0.3
            times.append(dt)
            print(f"move {i + 1}: {value} -> {new} in {dt:.2f} s")
            value = new
    print(
        f"median slider-to-result: {statistics.median(times):.2f} s over {len(times)} moves ({args.residents:,} residents, 3 years)"
    )


if __name__ == "__main__":
    main()
