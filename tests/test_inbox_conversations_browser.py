"""An officer's morning with the conversations, in a real headless Chromium at a desk's size and at
a phone's: find a citizen by name, open the chat at its newest message with the reply box in view,
see a photo large, and watch a new message and a newly waiting citizen arrive without a reload."""
import pytest

from bot.core import db
from bot.core.models import Conversation, utcnow
from tests.inbox_drivers import PASSWORD
from tests.test_inbox_conversation_list import _message, seed

pytestmark = pytest.mark.browser
POLL_MS = 15_000  # the pages ask every 4–5 seconds


def _citizen_writes(app, conv_id: int, *texts: str) -> None:
    with app.app_context(), db.new_session() as s:
        contact = s.get(Conversation, conv_id).contact
        for text in texts:
            _message(s, contact, "in", text)
        s.commit()


def test_an_officer_finds_a_citizen_reads_the_chat_at_its_newest_message_and_sees_it_move(
        sqlite_app, live_server_url, inbox_page, screenshot):
    from playwright.sync_api import expect

    ids = seed(sqlite_app)
    # A long morning's chat: the newest message is far below the oldest.
    _citizen_writes(sqlite_app, ids["waiting"], *[f"Pesan ke-{n}: *KK* saya\nbaris kedua" for n in range(1, 31)])
    page = inbox_page
    page.goto(live_server_url + "/inbox/")
    page.get_by_label("Nama pengguna").fill("siti")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_test_id("conversation-row")).to_have_count(3)
    expect(page.get_by_test_id("waiting-badge")).to_have_text("1")
    expect(page).to_have_title("(1) Percakapan — Sapa Dukcapil")
    screenshot(page, "conversations")

    page.get_by_label("Cari warga").fill("darmo")
    page.get_by_role("button", name="Cari").click()
    row = page.get_by_test_id("conversation-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Pak Darmo")
    expect(row.get_by_test_id("unread")).to_have_text("32")
    row.get_by_role("link").click()

    lines = page.get_by_test_id("line")
    expect(lines.last).to_contain_text("Pesan ke-30")
    expect(lines.last).to_be_in_viewport()
    expect(lines.first).not_to_be_in_viewport()
    expect(lines.last.locator("strong")).to_have_text("KK")  # *KK* rendered bold
    page.get_by_role("button", name="Ambil alih percakapan").click()
    expect(page.get_by_role("status")).to_contain_text("Bot tidak akan menjawab warga ini")
    expect(page.get_by_label("Balasan untuk warga")).to_be_in_viewport()
    expect(lines.last).to_be_in_viewport()
    expect(page.get_by_test_id("side")).to_contain_text("Belum ada permohonan")
    screenshot(page, "conversation")

    # A new message appears without a reload, and the page stays at the bottom for it.
    page.evaluate("window.notReloaded = true")
    _citizen_writes(sqlite_app, ids["waiting"], "Pak, ini _sudah_ saya kirim ulang")
    expect(lines.last).to_contain_text("Pak, ini sudah saya kirim ulang", timeout=POLL_MS)
    expect(lines.last.locator("em")).to_have_text("sudah")
    expect(lines.last).to_be_in_viewport()
    assert page.evaluate("window.notReloaded") is True

    # Another citizen asks for an officer (Pak Darmo waits no more: taken): the badge and the title
    # say so, and the page beeps once.
    with sqlite_app.app_context(), db.new_session() as s:
        conv = s.get(Conversation, ids["filed"])
        conv.needs_human, conv.handoff_requested_at = True, utcnow()
        s.commit()
    expect(page.get_by_test_id("waiting-badge")).to_have_text("1", timeout=POLL_MS)
    expect(page.locator("body")).to_have_attribute("data-new-waiting", "1")
    expect(page).to_have_title("(1) Percakapan dengan Pak Darmo — Sapa Dukcapil")

    # The photo, scrolled to, opens large.
    thumbnail = page.get_by_test_id("thumbnail")
    thumbnail.scroll_into_view_if_needed()
    thumbnail.click()
    viewer = page.get_by_test_id("viewer-image")
    expect(viewer).to_be_visible()
    box = viewer.bounding_box()
    assert box["width"] > 300 and box["width"] > thumbnail.bounding_box()["width"]
    assert page.evaluate("document.querySelector('[data-testid=viewer-image]').naturalWidth") > 0
    screenshot(page, "photo")
    page.get_by_role("button", name="Tutup").click()
    expect(viewer).not_to_be_visible()
    assert page.js_errors == []
