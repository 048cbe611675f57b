"""The `browser_page` fixture: a headless Chromium page for the browser tests (/try, the inbox).

Without /usr/bin/chromium these tests skip, except under CI=true, where they fail.
"""
from pathlib import Path

import pytest

from tests.conftest import require

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
# The first reply may wait for the NLU model to load; later ones are quick.
TIMEOUT_MS = 20_000


@pytest.fixture
def browser_page():
    """A fresh Chromium page at phone size (390×844); no stored simulator user."""
    require(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="id-ID", timezone_id="Asia/Makassar"
        )
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors  # read by the tests: the page's script must never throw
        try:
            yield page
        finally:
            context.close()
            browser.close()
