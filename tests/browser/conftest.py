"""Playwright driving Debian's Chromium. Never `playwright install`: it downloads and fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Every wait is for a state the page reaches (an element, a value): the timeouts only end a
# hung test, so they are long enough for a machine shared by many suites.
WAIT_MS = 60_000

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium", pytrace=False)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        locale="fi-FI", timezone_id="Europe/Helsinki", base_url=live_server.url
    )
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    yield page
    context.close()
