"""The officer's morning, whole, in a real headless Chromium at a desk's 1366×768 and a phone's
390×844: a citizen starts a birth request on the chat, sends a photo and asks for a person; the
officer signs in, finds the citizen by name, opens the chat at its newest message, sees the photo
large, replies with a canned response, adds a note, sends a PDF, hands back (the bot resumes the
request at its question), then opens the dashboard and downloads its CSV. The list, the chat and the
dashboard are kept as screenshots per size (the `screenshot` fixture)."""
import csv
import io
from pathlib import Path

import pytest

from bot.core import db
from bot.core.models import CannedResponse
from bot.web.inbox.dashboard import CSV_COLUMNS
from bot.web.inbox.schedule import office_today
from tests.conftest import Chat, answer_until_birth_letter, png_bytes
from tests.inbox_drivers import PASSWORD, add_officer, small_pdf

pytestmark = pytest.mark.browser
USER = "warga-pagi"


def _citizen_asks_for_a_person(app) -> tuple[Chat, str]:
    """Through the simulator chat: the birth request up to the birth letter, its photo, then a
    person asked for; the question the request stands at."""
    chat = Chat(app.test_client(), USER)
    answer_until_birth_letter(chat)  # the father, Budi Santoso, answers for his daughter
    chat.press("yes")
    chat.send_file(png_bytes(640, 480), "surat-lahir.png", "image/png")
    question = chat.replies[-1]["text"].split("\n\n")[-1]  # after "Foto diterima."
    assert "buku nikah" in question
    asked = chat.say("saya mau bicara dengan petugas")
    assert len(asked) == 1 and "tetap kami simpan" in asked[0]["text"]  # no question of the bot's
    return chat, question


def _messages(chat: Chat) -> list[dict]:
    return chat.client.get("/try/api/messages", query_string={"user": USER}).get_json()["messages"]


def test_the_officers_morning(sqlite_app, live_server_url, inbox_page, screenshot, tmp_path):
    from playwright.sync_api import expect

    add_officer(sqlite_app, role="admin", name="Siti Rahma")
    with sqlite_app.app_context(), db.new_session() as s:
        s.add(CannedResponse(title="Salam dan SPTJM", text="Selamat pagi {nama}, saya {petugas}. "
                                                         "Formulir SPTJM saya kirimkan sebentar lagi."))
        s.commit()
    chat, question = _citizen_asks_for_a_person(sqlite_app)

    page = inbox_page
    page.goto(live_server_url + "/inbox/")
    page.get_by_label("Nama pengguna").fill("siti")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_test_id("waiting-badge")).to_have_text("1")
    screenshot(page, "morning-list")

    # Found by the name he gave in the request he is filling in (no provider profile on the simulator).
    page.get_by_label("Cari warga").fill("budi")
    page.get_by_role("button", name="Cari").click()
    row = page.get_by_test_id("conversation-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Budi Santoso")
    expect(row).to_contain_text("Menunggu petugas sejak")
    row.get_by_role("link").click()

    lines = page.get_by_test_id("line")
    expect(lines.nth(-2)).to_contain_text("saya mau bicara dengan petugas")
    expect(lines.last).to_contain_text("tetap kami simpan")  # the bot's answer to it, the newest
    expect(lines.last).to_be_in_viewport()
    expect(lines.first).not_to_be_in_viewport()
    page.get_by_role("button", name="Ambil alih percakapan").click()
    expect(page.get_by_label("Balasan untuk warga")).to_be_in_viewport()
    expect(lines.last).to_be_in_viewport()
    screenshot(page, "morning-chat")

    thumbnail = page.get_by_test_id("thumbnail")
    thumbnail.scroll_into_view_if_needed()
    thumbnail.click()
    viewer = page.get_by_test_id("viewer-image")
    expect(viewer).to_be_visible()
    assert viewer.bounding_box()["width"] > thumbnail.bounding_box()["width"]
    assert page.evaluate("document.querySelector('[data-testid=viewer-image]').naturalWidth") == 640
    page.get_by_role("button", name="Tutup").click()
    expect(viewer).not_to_be_visible()

    page.get_by_test_id("canned-select").select_option(label="Salam dan SPTJM")
    expect(page.get_by_label("Balasan untuk warga")).to_have_value(
        "Selamat pagi Budi Santoso, saya Siti. Formulir SPTJM saya kirimkan sebentar lagi.")
    page.get_by_role("button", name="Kirim balasan").click()
    expect(page.get_by_role("status")).to_contain_text("Balasan dikirim.")
    expect(lines.last).to_contain_text("Petugas Siti: Selamat pagi Budi Santoso")

    page.get_by_label("Catatan baru").fill("Ayah, anak lahir di rumah: perlu SPTJM.")
    page.get_by_role("button", name="Simpan catatan").click()
    expect(page.get_by_test_id("note")).to_contain_text("Ayah, anak lahir di rumah: perlu SPTJM.")

    pdf = tmp_path / "SPTJM.pdf"
    pdf.write_bytes(small_pdf("SURAT PERNYATAAN TANGGUNG JAWAB MUTLAK"))
    page.get_by_label("Kirim berkas (PDF, JPG atau PNG)").set_input_files(str(pdf))
    page.get_by_label("Keterangan berkas (boleh kosong)").fill("Ini formulir SPTJM, mohon diisi.")
    page.get_by_role("button", name="Kirim berkas", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Berkas SPTJM.pdf dikirim.")
    sent = _messages(chat)
    assert sent[-1]["text"] == "Petugas Siti: Ini formulir SPTJM, mohon diisi."
    assert sent[-1]["document"]
    assert sent[-2]["text"].startswith("Petugas Siti: Selamat pagi Budi Santoso")

    page.get_by_role("button", name="Selesai, kembalikan ke bot").click()
    expect(page.get_by_test_id("conversation-row")).to_contain_text("Dilayani bot")
    last = _messages(chat)[-1]["text"]
    assert last.startswith("Petugas sudah selesai membantu. Kita lanjutkan permohonan *Akta Kelahiran*")
    assert last.endswith(question)  # the question the request stood at

    page.get_by_role("link", name="Dasbor").click()
    expect(page.get_by_role("heading", name="Dasbor")).to_be_visible()
    screenshot(page, "morning-dashboard")
    with page.expect_download() as info:
        page.get_by_test_id("csv").click()
    table = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    with sqlite_app.app_context():
        today = office_today().isoformat()
    assert table[0] == CSV_COLUMNS
    started = [r for r in table[1:] if r[0] == today and r[1] == "akta_kelahiran"]
    assert started, table
    assert started[0][CSV_COLUMNS.index("dialihkan_ke_petugas")] == "1"
    assert started[0][CSV_COLUMNS.index("dijawab_petugas")] == "1"
    assert page.js_errors == []
