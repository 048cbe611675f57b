"""The head of office in a real headless Chromium, at a desk (1366×768) and on a phone (390×844):
opens the Dasbor from the menu, reads the figures and charts, downloads the CSV; an admin opens the
audit log and the officers' page. Each page's screenshot is kept (SCREENSHOT_DIR, or the test's
tmp dir)."""
import csv
import io
from pathlib import Path

import pytest

from bot.web.inbox.dashboard import CSV_COLUMNS
from bot.web.inbox.schedule import office_today
from tests.inbox_drivers import PASSWORD, add_officer, file_birth_request

pytestmark = pytest.mark.browser


def sign_in(page, base_url: str, username: str, name: str) -> None:
    from playwright.sync_api import expect

    page.goto(base_url + "/inbox/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_test_id("officer-name")).to_have_text(name)


def test_the_head_of_office_opens_the_dashboard_and_downloads_its_csv(sqlite_app, live_server_url, inbox_page,
                                                                      screenshot):
    from playwright.sync_api import expect

    ticket = file_birth_request(sqlite_app, "warga-1")
    add_officer(sqlite_app, username="kepala", role="admin", name="Kepala Dinas")
    page = inbox_page
    sign_in(page, live_server_url, "kepala", "Kepala Dinas")
    page.get_by_role("link", name="Dasbor").click()
    expect(page.get_by_role("heading", name="Dasbor")).to_be_visible()
    expect(page.get_by_test_id("total-submitted")).to_have_text("1")
    expect(page.get_by_test_id("chart-requests")).to_be_visible()
    row = page.locator('[data-testid=service-row][data-service="akta_kelahiran"]')
    expect(row.get_by_test_id("submitted")).to_have_text("1")
    screenshot(page, "dashboard")

    with page.expect_download() as info:
        page.get_by_test_id("csv").click()
    download = info.value
    with sqlite_app.app_context():
        today = office_today()
    assert download.suggested_filename.startswith("dasbor-") and download.suggested_filename.endswith(f"{today}.csv")
    table = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert table[0] == CSV_COLUMNS
    filed = [r for r in table[1:] if r[0] == today.isoformat() and r[1] == "akta_kelahiran"]
    assert filed and filed[0][CSV_COLUMNS.index("permohonan_diajukan")] == "1"

    page.get_by_role("link", name="Audit").click()
    page.get_by_label("Nomor permohonan").fill(ticket)
    page.get_by_label("Pelaku").select_option("all")
    page.get_by_role("button", name="Cari").click()
    expect(page.get_by_test_id("audit-row").first).to_be_visible()
    expect(page.get_by_test_id("audit-table")).to_contain_text("Permohonan diajukan warga")
    screenshot(page, "audit")

    page.get_by_role("link", name="Admin").click()
    expect(page.locator('[data-testid=officer-row][data-username="kepala"]')).to_be_visible()
    screenshot(page, "admin")
    assert page.js_errors == []
