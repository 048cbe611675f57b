"""The `browser_page` fixture: a headless Chromium page for the browser tests (/try, the inbox);
`camera_page`: one whose webcam shows a video file (the counter's QR scan); `inbox_page`: a page
at an office desk's size and again at a phone's; `screenshot`: keep a picture of a page.

Without /usr/bin/chromium these tests skip, except under CI=true, where they fail.
"""
import os
from contextlib import ExitStack, contextmanager
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
# The office's desk screens, and a phone.
VIEWPORTS = {"desk": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@contextmanager
def _chromium_page(args: list[str], viewport: dict, permissions: tuple = ()):
    """A fresh Chromium page with these command-line arguments."""
    require(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        context = browser.new_context(viewport=viewport, locale="id-ID", timezone_id="Asia/Makassar",
                                      permissions=list(permissions))
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


@pytest.fixture
def browser_page():
    """A fresh Chromium page at phone size (390×844); no stored simulator user."""
    with _chromium_page(CHROMIUM_ARGS, {"width": 390, "height": 844}) as page:
        yield page


@pytest.fixture
def camera_page():
    """Open a Chromium page at desk size whose webcam plays a Y4M file (camera allowed without a
    prompt): `camera_page(path)`, once per test."""
    with ExitStack() as stack:
        def open_page(video: Path):
            args = CHROMIUM_ARGS + ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                                    f"--use-file-for-fake-video-capture={video}"]
            return stack.enter_context(_chromium_page(args, {"width": 1280, "height": 900}, ("camera",)))
        yield open_page


@pytest.fixture(params=sorted(VIEWPORTS))
def inbox_page(request):
    """A fresh Chromium page at a desk's size (1366×768), and again at a phone's (390×844);
    `page.viewport_name` says which."""
    with _chromium_page(CHROMIUM_ARGS, VIEWPORTS[request.param]) as page:
        page.viewport_name = request.param
        yield page


@pytest.fixture
def screenshot(request, tmp_path_factory):
    """`screenshot(page, name)`: save what the page shows, as <name>-<viewport>.png, in
    $SCREENSHOT_DIR or else the test run's `screenshots` folder (pytest keeps its last runs)."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path_factory.getbasetemp() / "screenshots")

    def take(page, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}-{getattr(page, 'viewport_name', 'page')}.png"
        page.screenshot(path=str(path))
        return path
    return take
