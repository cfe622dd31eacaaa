"""Start `streamlit run app.py` on a free loopback port and a headless Debian chromium via
playwright (never `playwright install`). Used by the browser test and the browser benchmark."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(residents: int, timeout: float = 90.0):
    port = free_port()
    env = dict(os.environ, SANDBOX_APP_RESIDENTS=str(residents))
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                raise RuntimeError(f"streamlit did not start on {url}:\n{out[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            yield page
        finally:
            browser.close()


def reform_primary_card(page) -> str:
    """The reform's primary-care share card value (the second card with that label)."""
    cards = page.locator('[data-testid="stMetric"]').filter(has_text="基层门诊占比")
    cards.nth(1).wait_for(timeout=120_000)
    return cards.nth(1).locator('[data-testid="stMetricValue"]').inner_text()


def open_primary_rate_slider(page):
    page.get_by_text("报销与起付线").first.click()
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="门诊报销比例（基层）").get_by_role("slider")
    slider.wait_for(timeout=30_000)
    return slider


def wait_until_changed(page, before: str, timeout: float = 120.0) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = page.locator('[data-testid="stStatusWidget"]')
        value = reform_primary_card(page)
        if value != before and status.count() == 0:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"the primary-care share card stayed at {before}")
