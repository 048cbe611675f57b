"""The counter in a real headless Chromium: a citizen checked in by queue number, and by the booking
slip's QR code held up to the office's webcam (a fake camera playing the real slip's QR)."""
import io

import pytest

from bot.core import db, storage
from bot.core.models import AuditLog, Document
from tests.booking_drivers import book_print_visit, move_to, office_today, slip_link
from tests.certificate_checks import qr_codes
from tests.conftest import FATHER_NIK, MOTHER_NIK, Chat
from tests.inbox_drivers import PASSWORD, add_officer, webcam_video

pytestmark = pytest.mark.browser


def todays_visit(app, user: str, name: str, nik: str) -> str:
    """A citizen books in the chat, and the day comes: the booking code."""
    code = book_print_visit(Chat(app.test_client(), user), name, nik)
    move_to(app, code, office_today())
    return code


def sign_in_at_the_counter(page, base_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(base_url + "/inbox/")
    page.get_by_label("Nama pengguna").fill("siti")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_test_id("officer-name")).to_have_text("Siti Petugas")
    page.get_by_role("link", name="Loket").click()


def test_an_officer_checks_a_citizen_in_by_queue_number(sqlite_app, live_server_url, browser_page):
    from playwright.sync_api import expect

    add_officer(sqlite_app)
    first = todays_visit(sqlite_app, "warga-1", "Budi Santoso", FATHER_NIK)
    second = todays_visit(sqlite_app, "warga-2", "Siti Aminah", MOTHER_NIK)
    page = browser_page
    sign_in_at_the_counter(page, live_server_url)
    expect(page.get_by_test_id("visit")).to_have_count(2)
    expect(page.get_by_test_id("count-booked")).to_contain_text("2")
    page.get_by_label("Layanan", exact=True).select_option(label="Cetak KTP-el")
    page.get_by_role("button", name="Tampilkan").click()
    page.get_by_label("Nomor antrean atau kode booking").fill("2")
    page.get_by_role("button", name="Check-in", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text(f"{second} (antrean 002, Cetak KTP-el) hadir: Siti Aminah")
    row = page.locator(f'[data-testid=visit][data-code="{second}"]')
    expect(row).to_have_attribute("data-status", "checked_in")
    expect(row.get_by_test_id("visit-status")).to_contain_text("Sudah hadir")
    expect(page.locator(f'[data-testid=visit][data-code="{first}"]')).to_have_attribute("data-status", "booked")
    row.get_by_role("button", name="Dilayani").click()
    expect(page.locator(f'[data-testid=visit][data-code="{second}"]')).to_have_attribute("data-status", "served")
    expect(page.get_by_test_id("count-served")).to_contain_text("1")
    assert page.js_errors == []


def test_an_officer_scans_the_slips_qr_with_the_webcam(sqlite_app, live_server_url, camera_page, tmp_path):
    import segno
    from PIL import Image
    from playwright.sync_api import expect
    from sqlalchemy import select

    add_officer(sqlite_app)
    code = todays_visit(sqlite_app, "warga-1", "Budi Santoso", FATHER_NIK)
    with sqlite_app.app_context(), db.new_session() as s:
        slip = storage.load(s.execute(select(Document.storage_key).where(Document.kind == f"slip:{code}")).scalar_one())
    [link] = qr_codes(slip, tmp_path)  # what the printed slip's QR code holds
    assert link == f"http://testserver/v/{slip_link(sqlite_app, code)}"
    picture = io.BytesIO()
    segno.make(link, error="m").save(picture, kind="png", scale=8, border=4)
    webcam_video(Image.open(picture), tmp_path / "slip.y4m")

    page = camera_page(tmp_path / "slip.y4m")
    sign_in_at_the_counter(page, live_server_url)
    row = page.locator(f'[data-testid=visit][data-code="{code}"]')
    expect(row).to_have_attribute("data-status", "booked")
    page.get_by_role("button", name="Pindai QR").click()
    expect(page.locator(".flash")).to_contain_text(f"{code} (antrean 001, Cetak KTP-el) hadir: Budi Santoso")
    expect(row).to_have_attribute("data-status", "checked_in")
    expect(row.get_by_test_id("visit-status")).to_contain_text("Sudah hadir")
    with sqlite_app.app_context(), db.new_session() as s:
        entry = s.execute(select(AuditLog).where(AuditLog.action == "appointment_checked_in")).scalar_one()
        assert entry.detail["via"] == "qr" and entry.detail["code"] == code  # read off the camera, not typed
    assert page.js_errors == []
