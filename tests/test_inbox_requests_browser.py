"""Reviewing a filed request in a real headless Chromium: the queue, a photo viewed large and
turned, a fix asked for, approval, issuing with the SIAK PDF; roles and holds on the buttons."""
import pytest
from sqlalchemy import select

from bot.core import db, storage
from bot.core.lifecycle import Actor
from bot.core.models import Officer, Request
from delivery import review
from flows import request_items
from tests.inbox_drivers import PASSWORD, add_officer, file_birth_request, small_pdf

pytestmark = pytest.mark.browser

FORCE_POST = """async ([url, token, fields]) => {
  const form = new FormData();
  form.append("csrf_token", token);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const response = await fetch(url, {method: "POST", body: form});
  return [response.status, await response.text()];
}"""


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/inbox/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_test_id("officer-name").wait_for()


def sign_out(page) -> None:
    page.get_by_role("button", name="Keluar").click()


def citizen_fixes_everything(app, ticket: str) -> None:
    """The citizen sends what the officer asked for (as the chat would, through flows.request_items)."""
    from bot.core.models import Upload
    with app.app_context(), db.new_session() as s:
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        flow = request_items.flow_of(req, app.config["OFFICE"])
        for item in request_items.open_fix_items(req):
            upload = s.execute(select(Upload).where(Upload.request_id == req.id)).scalars().first()
            request_items.take_document(s, flow, req, flow.step(item["document"]), upload.id,
                                        f"citizen:{req.contact_id}")
        assert request_items.finish_fixes(s, req, Actor("citizen"))
        s.commit()


def status_of(app, ticket: str) -> str:
    with app.app_context(), db.new_session() as s:
        return s.execute(select(Request.status).where(Request.ticket == ticket)).scalar_one()


def test_a_verifier_reviews_asks_a_fix_approves_and_issues_with_the_siak_pdf(sqlite_app, live_server_url,
                                                                              browser_page):
    from playwright.sync_api import expect

    ticket = file_birth_request(sqlite_app)
    add_officer(sqlite_app, "ani", role="verifier", name="Ani Verifikator")
    page = browser_page
    sign_in(page, live_server_url, "ani")
    page.get_by_role("link", name="Permohonan").click()
    row = page.get_by_test_id("request-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(ticket)
    expect(row).to_contain_text("Budi Santoso")
    expect(row.get_by_test_id("age")).to_contain_text("menit")
    row.get_by_role("link", name="Periksa").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text(ticket)
    expect(page.get_by_test_id("answers")).to_contain_text("6408011708900001")  # the full NIK

    # A photo, viewed large, turned a quarter twice.
    page.get_by_role("link", name="Perbesar Kartu Keluarga (KK)").click()
    viewer = page.get_by_test_id("viewer")
    expect(viewer).to_be_visible()
    image = page.get_by_test_id("viewer-image")
    expect(image).to_have_attribute("data-rotation", "0")
    page.get_by_role("button", name="Putar kanan 90°").click()
    expect(image).to_have_attribute("data-rotation", "90")
    assert "rotate(90deg)" in image.get_attribute("style")
    page.get_by_role("button", name="Putar kiri 90°").click()
    page.get_by_role("button", name="Putar kiri 90°").click()
    expect(image).to_have_attribute("data-rotation", "270")
    assert page.evaluate("() => document.querySelector('[data-testid=viewer-image]').naturalWidth") == 8
    page.get_by_role("button", name="Tutup").click()
    expect(viewer).to_be_hidden()

    page.get_by_role("button", name="Tugaskan ke saya").click()
    expect(page.get_by_role("status")).to_contain_text("ditugaskan kepada Anda")
    expect(page.get_by_test_id("request-status")).to_have_attribute("data-status", "in_review")

    page.locator("summary", has_text="Minta perbaikan").click()
    page.get_by_label("Dokumen: Kartu Keluarga (KK)").check()
    page.get_by_label("Catatan untuk Kartu Keluarga (KK)").fill("Foto KK terpotong, kirim seluruh halaman")
    page.get_by_role("button", name="Kirim permintaan perbaikan").click()
    expect(page.get_by_test_id("request-status")).to_have_attribute("data-status", "needs_fix")
    expect(page.get_by_test_id("fix-items")).to_contain_text("Foto KK terpotong")

    citizen_fixes_everything(sqlite_app, ticket)
    page.reload()
    expect(page.get_by_test_id("request-status")).to_have_attribute("data-status", "in_review")
    expect(page.get_by_test_id("fix-items")).to_contain_text("✔ sudah")

    page.get_by_role("button", name="Setujui").click()
    expect(page.get_by_test_id("request-status")).to_have_attribute("data-status", "approved")

    pdf = small_pdf("AKTA KELAHIRAN PUTRI AYU LESTARI")
    page.get_by_label("Nomor dokumen (dari SIAK)").fill("6408-LT-30112026-0007")
    page.get_by_label("PDF dokumen dari SIAK").set_input_files(
        {"name": "akta.pdf", "mimeType": "application/pdf", "buffer": pdf})
    page.get_by_role("button", name="Terbitkan", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Dokumen diterbitkan")
    expect(page.get_by_test_id("documents")).to_contain_text("6408-LT-30112026-0007")
    assert status_of(sqlite_app, ticket) in ("issued", "delivered")
    with sqlite_app.app_context():
        req = db.session().execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        assert storage.load(review.current_issued(db.session(), req.id).storage_key) == pdf
    history = page.get_by_test_id("history")
    for what in ("Ditugaskan", "Minta perbaikan", "Disetujui", "Diterbitkan"):
        expect(history).to_contain_text(what)
    assert page.js_errors == []


def test_an_operator_cannot_issue_and_another_verifier_must_take_over(sqlite_app, live_server_url, browser_page):
    from playwright.sync_api import expect

    ticket = file_birth_request(sqlite_app)
    add_officer(sqlite_app, "ani", role="verifier", name="Ani Verifikator")
    add_officer(sqlite_app, "budi", role="verifier", name="Budi Verifikator")
    add_officer(sqlite_app, "oki", role="operator", name="Oki Operator")
    with sqlite_app.test_request_context(), db.new_session() as s:
        ani = s.execute(select(Officer).where(Officer.username == "ani")).scalar_one()
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        review.act(s, req, "assign", Actor("officer", ani))
        review.act(s, req, "approve", Actor("officer", ani))
    action_url = f"{live_server_url}/inbox/requests/{ticket}/action"
    token = "() => document.querySelector('input[name=csrf_token]').value"
    page = browser_page

    sign_in(page, live_server_url, "oki")
    page.goto(f"{live_server_url}/inbox/requests/{ticket}")
    expect(page.get_by_test_id("request-status")).to_have_attribute("data-status", "approved")
    expect(page.get_by_role("button", name="Terbitkan", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Tolak")).to_have_count(0)
    status, body = page.evaluate(FORCE_POST, [action_url, page.evaluate(token),
                                              {"action": "issue", "document_number": "X-1", "generate": "1"}])
    assert status == 403 and "Peran operator" in body
    assert status_of(sqlite_app, ticket) == "approved"
    sign_out(page)

    sign_in(page, live_server_url, "budi")
    page.goto(f"{live_server_url}/inbox/requests/{ticket}")
    expect(page.get_by_test_id("assigned")).to_contain_text("Ani Verifikator")
    expect(page.get_by_role("button", name="Terbitkan", exact=True)).to_have_count(0)
    status, body = page.evaluate(FORCE_POST, [action_url, page.evaluate(token),
                                              {"action": "issue", "document_number": "X-1", "generate": "1"}])
    assert status == 409 and "belum ditugaskan kepada Anda" in body
    page.get_by_role("button", name="Ambil alih").click()
    expect(page.get_by_role("status")).to_contain_text("ambil alih")
    expect(page.get_by_test_id("assigned")).to_contain_text("Budi Verifikator (Anda)")
    expect(page.get_by_role("button", name="Terbitkan", exact=True)).to_be_visible()
    expect(page.get_by_test_id("history")).to_contain_text("sebelumnya Ani Verifikator")
    assert page.js_errors == []
