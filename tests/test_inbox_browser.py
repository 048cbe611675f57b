"""The officers' inbox in a real headless Chromium: sign in, see a failed message, close it."""
import pytest

from bot.core import db
from bot.core.inbound_store import get_contact
from bot.core.models import Outbox
from tests.channel_drivers import outbox
from tests.inbox_drivers import PASSWORD, add_officer

pytestmark = pytest.mark.browser


def test_an_officer_signs_in_sees_a_failed_message_and_closes_it(sqlite_app, live_server_url, browser_page):
    from playwright.sync_api import expect

    add_officer(sqlite_app)
    with sqlite_app.app_context(), db.new_session() as s:
        contact = get_contact(s, "twilio", "+6281234567890", "Pak Darmo")
        s.flush()
        s.add(Outbox(contact_id=contact.id, kind="reply", payload={"text": "Tiket Bapak: KLH-2026-0001"},
                     status="failed", attempts=1, last_error="twilio HTTP 400 code 21610: penerima memblokir"))
        s.commit()
    page = browser_page
    page.goto(live_server_url + "/inbox/")
    page.get_by_label("Nama pengguna").fill("siti")
    page.get_by_label("Kata sandi").fill("salah")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_test_id("login-error")).to_have_text("Nama pengguna atau kata sandi salah.")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_test_id("officer-name")).to_have_text("Siti Petugas")
    expect(page.get_by_test_id("no-conversations")).to_be_visible()  # the landing page: who waits for us
    page.get_by_role("link", name="Gagal terkirim").click()
    row = page.get_by_test_id("failure")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Pak Darmo")
    expect(row).to_contain_text("penerima memblokir")
    row.get_by_role("button", name="Sudah ditangani").click()
    expect(page.get_by_role("status")).to_contain_text("ditandai sudah ditangani")
    expect(page.get_by_test_id("no-failures")).to_be_visible()
    assert [r.status for r in outbox(sqlite_app)] == ["dismissed"]
    assert page.js_errors == []


def test_an_officer_answers_a_citizen_who_asked_for_one_in_the_simulator(sqlite_app, live_server_url, browser_page):
    import httpx
    from playwright.sync_api import expect

    add_officer(sqlite_app)
    citizen = httpx.Client()  # keeps the simulator's cookie: the transcript is this browser's
    asked = citizen.post(live_server_url + "/try/api/messages", json={"user": "warga-b", "text": "mau bicara dengan petugas"})
    assert "petugas" in asked.json()["replies"][0]["text"]
    page = browser_page
    page.goto(live_server_url + "/inbox/")
    page.get_by_label("Nama pengguna").fill("siti")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    row = page.get_by_test_id("conversation-row")
    expect(row).to_contain_text("mau bicara dengan petugas")
    expect(row).to_contain_text("Menunggu petugas sejak")
    row.get_by_role("link").click()
    expect(page.get_by_test_id("window")).to_contain_text("balasan selalu dapat dikirim")
    page.get_by_role("button", name="Ambil alih percakapan").click()
    page.get_by_label("Balasan untuk warga").fill("Halo, saya Siti dari Disdukcapil. Ada yang bisa dibantu?")
    page.get_by_role("button", name="Kirim balasan").click()
    expect(page.get_by_role("status")).to_contain_text("Balasan dikirim.")
    expect(page.get_by_test_id("line").last).to_contain_text("Halo, saya Siti dari Disdukcapil.")
    transcript = citizen.get(live_server_url + "/try/api/messages", params={"user": "warga-b"}).json()["messages"]
    assert transcript[-1]["text"] == "Petugas Siti: Halo, saya Siti dari Disdukcapil. Ada yang bisa dibantu?"
    page.get_by_role("button", name="Selesai, kembalikan ke bot").click()
    expect(page.get_by_test_id("conversation-row")).to_contain_text("Dilayani bot")
    assert page.js_errors == []
