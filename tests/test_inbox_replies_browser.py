"""Replies that help, in a real headless Chromium at a desk's 1366×768 and a phone's 390×844: reply
with a canned response, add a note, send a PDF, hand back, and the bot resumes the citizen's request.
Each main page's screenshot is kept under the test's tmp dir (or $SCREENSHOT_DIR)."""
import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.models import CannedResponse, Contact
from tests.inbox_drivers import PASSWORD, add_officer, small_pdf

pytestmark = pytest.mark.browser


def test_an_officer_replies_with_a_canned_response_notes_sends_a_pdf_and_hands_back(
        sqlite_app, live_server_url, inbox_page, screenshot, tmp_path):
    import httpx
    from playwright.sync_api import expect

    add_officer(sqlite_app, role="admin", name="Siti Rahma")
    with sqlite_app.app_context(), db.new_session() as s:
        s.add(CannedResponse(title="Salam dan SPTJM", text="Selamat pagi {nama}, saya {petugas}. "
                                                         "Formulir SPTJM saya kirimkan sebentar lagi."))
        s.commit()
    citizen = httpx.Client(timeout=30)
    api, user = live_server_url + "/try/api/messages", "warga-c"
    for said in ({"text": "halo"}, {"button": "svc:akta_kelahiran"}, {"button": "ayah"}, {"button": "agree"}):
        question = citizen.post(api, json={"user": user, **said}).json()["replies"][-1]["text"]
    asked = citizen.post(api, json={"user": user, "text": "saya mau bicara dengan petugas"}).json()["replies"]
    assert len(asked) == 1 and "tetap kami simpan" in asked[0]["text"]  # no question of the bot's
    with sqlite_app.app_context(), db.new_session() as s:
        s.execute(select(Contact)).scalar_one().display_name = "Pak Darmo"
        s.commit()

    page = inbox_page
    page.goto(live_server_url + "/inbox/")
    page.get_by_label("Nama pengguna").fill("siti")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_test_id("conversation-row").filter(has_text="Menunggu petugas sejak").get_by_role("link").click()
    page.get_by_role("button", name="Ambil alih percakapan").click()

    # A canned response fills the reply box, the citizen's name and the officer's put in.
    page.get_by_test_id("canned-select").select_option(label="Salam dan SPTJM")
    box = page.get_by_label("Balasan untuk warga")
    expect(box).to_have_value("Selamat pagi Pak Darmo, saya Siti. Formulir SPTJM saya kirimkan sebentar lagi.")
    page.get_by_role("button", name="Kirim balasan").click()
    expect(page.get_by_role("status")).to_contain_text("Balasan dikirim.")
    expect(page.get_by_test_id("line").last).to_contain_text("Petugas Siti: Selamat pagi Pak Darmo, saya Siti.")

    page.get_by_label("Catatan baru").fill("Ayah, anak lahir di rumah: perlu SPTJM.")
    page.get_by_role("button", name="Simpan catatan").click()
    expect(page.get_by_test_id("note")).to_contain_text("Ayah, anak lahir di rumah: perlu SPTJM.")

    pdf = tmp_path / "SPTJM.pdf"
    pdf.write_bytes(small_pdf("SURAT PERNYATAAN TANGGUNG JAWAB MUTLAK"))
    page.get_by_label("Kirim berkas (PDF, JPG atau PNG)").set_input_files(str(pdf))
    page.get_by_label("Keterangan berkas (boleh kosong)").fill("Ini formulir SPTJM, mohon diisi.")
    page.get_by_role("button", name="Kirim berkas", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Berkas SPTJM.pdf dikirim.")
    screenshot(page, "conversation")
    messages = citizen.get(api, params={"user": user}).json()["messages"]
    assert messages[-1]["text"] == "Petugas Siti: Ini formulir SPTJM, mohon diisi."
    assert messages[-2]["text"] == "Petugas Siti: Selamat pagi Pak Darmo, saya Siti. Formulir SPTJM saya kirimkan sebentar lagi."

    page.get_by_role("button", name="Selesai, kembalikan ke bot").click()
    expect(page.get_by_test_id("conversation-row")).to_contain_text("Dilayani bot")
    last = citizen.get(api, params={"user": user}).json()["messages"][-1]["text"]
    assert last.startswith("Petugas sudah selesai membantu. Kita lanjutkan permohonan *Akta Kelahiran*")
    assert last.endswith(question)  # the question the request stood at

    page.get_by_role("link", name="Balasan cepat").click()
    expect(page.get_by_test_id("canned-row")).to_have_count(1)
    screenshot(page, "canned")
    assert page.js_errors == []
