"""After the ticket: late documents, fixes item by item, status, cancelling, resending, verifying."""
import io
import re

import segno
from fpdf import FPDF
from sqlalchemy import select

from bot.core import db
from bot.core.lifecycle import Actor
from bot.core.models import AuditLog, Officer, Request, Upload
from delivery import review
from flows.validators import Invalid, parse_nik
from tests.conftest import MOTHER_NIK, answer_until_summary, png_bytes, start_as_father

TICKET = re.compile(r"[A-Z]{2,5}-[0-9]{4,}")
NEW_MOTHER_NIK = "6408014302930003"


def file_request(chat, png) -> str:
    """A birth request filed with the mother's KTP answered 'belum ada'; its ticket."""
    answer_until_summary(chat, png)
    return TICKET.search(chat.press("submit")[0]["text"]).group(0)


def request(app, ticket: str) -> Request:
    with app.app_context(), db.new_session() as s:
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        s.expunge(req)
        return req


def officer_does(app, ticket: str, *actions, **kwargs) -> None:
    """An officer (verifier) moves the request on through delivery/review.py, as the inbox does."""
    with app.app_context():
        s = db.session()
        officer = s.execute(select(Officer).where(Officer.username == "vera")).scalar_one_or_none()
        if officer is None:
            officer = Officer(username="vera", name="Vera", role="verifier", password_hash="-")
            s.add(officer)
            s.commit()
        for action in actions:
            req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
            review.act(s, req, action, Actor("officer", officer), **(kwargs if action in ("ask_fix", "issue", "reject") else {}))


def a_pdf(text: str = "Kutipan Akta Kelahiran") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


def test_the_ticket_reply_lists_what_is_still_missing(inline_chat, png):
    answer_until_summary(inline_chat, png)
    replies = inline_chat.press("submit")
    done = replies[0]["text"]
    assert TICKET.search(done)
    assert "Dokumen yang masih kurang:" in done and "• KTP-el ibu" in done
    assert "Kirim fotonya kapan saja di chat ini" in done
    assert replies[1]["document"]["filename"].endswith(".pdf")


def test_a_late_photo_is_offered_and_attached(inline_chat, png):
    app = inline_chat.client.application
    ticket = file_request(inline_chat, png)
    inline_chat.send_file(png_bytes(6, 6), "ktp-ibu.png", "image/png")
    assert f"Foto ini untuk *KTP-el ibu* pada permohonan *{ticket}*?" in inline_chat.text
    assert inline_chat.buttons == ["docfor:foto_ktp_ibu", "docno"]
    assert inline_chat.where()["mode"] == "doc_offer"
    inline_chat.press("docfor:foto_ktp_ibu")
    assert f"foto KTP-el ibu untuk *{ticket}* sudah kami terima" in inline_chat.text
    assert "lengkap" in inline_chat.text
    req = request(app, ticket)
    upload_id = req.answers["foto_ktp_ibu"]["upload_id"]
    assert req.missing_documents == []
    with app.app_context(), db.new_session() as s:
        upload = s.get(Upload, upload_id)
        assert (upload.request_id, upload.slot) == (req.id, "foto_ktp_ibu")
    assert inline_chat.where() == {**inline_chat.where(), "mode": "idle", "answers": {}}
    inline_chat.say("status")
    assert "Masih kurang" not in inline_chat.text


def test_saying_the_photo_was_found_gets_where_to_send_it(inline_chat, png):
    file_request(inline_chat, png)
    inline_chat.say("ini bu foto ktp bapaknya sdh ketemu")
    assert "Silakan kirim fotonya di sini" in inline_chat.text and "KTP-el ibu" in inline_chat.text


def test_a_photo_that_is_not_for_the_request_is_not_attached(inline_chat, png):
    app = inline_chat.client.application
    ticket = file_request(inline_chat, png)
    inline_chat.send_file(png_bytes(7, 7), "kucing.png", "image/png")
    inline_chat.press("docno")
    assert "tidak kami lampirkan" in inline_chat.text
    assert request(app, ticket).missing_documents == ["KTP-el ibu"]
    assert inline_chat.where()["mode"] == "idle"


def test_status_says_what_is_missing_and_what_to_do(inline_chat, png):
    ticket = file_request(inline_chat, png)
    inline_chat.say("status")
    assert ticket in inline_chat.text and "menunggu pemeriksaan" in inline_chat.text
    assert "Masih kurang: KTP-el ibu" in inline_chat.text and "Kirim fotonya di sini" in inline_chat.text


def test_fixes_are_asked_one_at_a_time_in_the_flows_own_words(inline_chat, png):
    app = inline_chat.client.application
    ticket = file_request(inline_chat, png)
    officer_does(app, ticket, "assign", "ask_fix", items=[
        {"answer": "ibu_nik", "note": "NIK ibu tidak sama dengan di KK."},
        {"document": "foto_kk", "note": "Foto KK buram."}])
    inline_chat.say(f"cek {ticket}")
    assert "Perlu diperbaiki: NIK ibu — NIK ibu tidak sama dengan di KK." in inline_chat.text
    assert f"lengkapi {ticket}" in inline_chat.text and f"fix:{ticket}" in inline_chat.buttons

    inline_chat.say(f"lengkapi {ticket}")
    assert "Ada 2 hal yang diminta petugas" in inline_chat.text
    assert "Catatan petugas: NIK ibu tidak sama dengan di KK." in inline_chat.text
    assert "NIK" in inline_chat.text and inline_chat.where()["mode"] == "fixing"
    wrong = "6408014302930"
    try:
        parse_nik(wrong)
        raise AssertionError("a short NIK must be refused")
    except Invalid as err:
        explained = err.message
    inline_chat.say(wrong)
    assert explained in inline_chat.text  # explained exactly as in the flow
    assert request(app, ticket).answers["ibu_nik"] == MOTHER_NIK

    inline_chat.say(NEW_MOTHER_NIK)
    assert "Tersimpan" in inline_chat.text and "Foto KK buram." in inline_chat.text
    assert "foto Kartu Keluarga" in inline_chat.text
    req = request(app, ticket)
    assert req.answers["ibu_nik"] == NEW_MOTHER_NIK and req.status == "needs_fix"

    inline_chat.send_file(png_bytes(8, 8), "kk-baru.png", "image/png")
    assert f"semua yang diminta untuk *{ticket}* sudah kami terima" in inline_chat.text
    req = request(app, ticket)
    assert req.status == "in_review" and all(i["done"] for i in req.fix_items)
    assert req.answers["foto_kk"]["upload_id"]
    assert inline_chat.where()["mode"] == "idle"


def test_stopping_a_fix_keeps_what_was_sent(inline_chat, png):
    app = inline_chat.client.application
    ticket = file_request(inline_chat, png)
    officer_does(app, ticket, "assign", "ask_fix", items=[
        {"answer": "ibu_nik", "note": ""}, {"document": "foto_kk", "note": ""}])
    inline_chat.press(f"fix:{ticket}")
    inline_chat.say(NEW_MOTHER_NIK)
    inline_chat.say("batal")
    assert f"lengkapi {ticket}" in inline_chat.text and inline_chat.where()["mode"] == "idle"
    req = request(app, ticket)
    assert req.answers["ibu_nik"] == NEW_MOTHER_NIK and req.status == "needs_fix"
    # The photo the officer asked for, sent later without *lengkapi*, finishes the fixes.
    inline_chat.send_file(png_bytes(9, 9), "kk.png", "image/png")
    assert "Kartu Keluarga (KK)" in inline_chat.text and "docfor:foto_kk" in inline_chat.buttons
    inline_chat.press("docfor:foto_kk")
    assert "Petugas akan memeriksanya kembali" in inline_chat.text
    assert request(app, ticket).status == "in_review"


def test_a_request_is_cancelled_after_confirmation(inline_chat, png):
    app = inline_chat.client.application
    ticket = file_request(inline_chat, png)
    inline_chat.say(f"batalkan permohonan {ticket}")
    assert inline_chat.buttons == ["rcancel_yes", "rcancel_no"]
    inline_chat.press("rcancel_no")
    assert "tidak dibatalkan" in inline_chat.text and request(app, ticket).status == "submitted"
    inline_chat.say(f"batal {ticket}")
    inline_chat.press("rcancel_yes")
    assert f"Permohonan *{ticket}* sudah dibatalkan" in inline_chat.text
    assert request(app, ticket).status == "cancelled"
    inline_chat.say(f"batalkan {ticket}")
    assert "tidak bisa dibatalkan" in inline_chat.text


def test_an_approved_request_can_no_longer_be_cancelled(inline_chat, png):
    app = inline_chat.client.application
    ticket = file_request(inline_chat, png)
    officer_does(app, ticket, "assign", "approve")
    inline_chat.say(f"batalkan permohonan {ticket}")
    assert "tidak bisa dibatalkan" in inline_chat.text and "disetujui" in inline_chat.text
    assert request(app, ticket).status == "approved"


def test_batal_inside_a_flow_still_cancels_the_draft(inline_chat):
    start_as_father(inline_chat)
    inline_chat.say("batal")
    assert inline_chat.buttons == ["cancel_yes", "cancel_no"]
    inline_chat.press("cancel_yes")
    assert inline_chat.where()["flow"] is None


def test_the_issued_document_is_resent_and_checked(inline_chat, png):
    app = inline_chat.client.application
    ticket = file_request(inline_chat, png)
    inline_chat.say("kirim ulang dokumen")
    assert "Belum ada dokumen yang terbit" in inline_chat.text
    pdf = a_pdf()
    officer_does(app, ticket, "assign", "approve", "issue", document_number="6408-LT-01022026-0001", pdf=pdf)
    assert request(app, ticket).status == "delivered"

    inline_chat.say("status")
    assert f"resend:{ticket}" in inline_chat.buttons
    replies = inline_chat.say(f"kirim ulang akta {ticket}")
    assert "6408-LT-01022026-0001" in inline_chat.text
    document = next(r["document"] for r in replies if r.get("document"))
    assert document["content_type"] == "application/pdf"
    assert inline_chat.client.get(document["url"]).data == pdf
    with app.app_context(), db.new_session() as s:
        actions = [a.action for a in s.execute(select(AuditLog)).scalars()]
        assert "document_resent_on_request" in actions

    # The request is closed, so no document is wanted: a PDF sent now is a question whether it is ours.
    inline_chat.send_file(pdf, "akta.pdf", "application/pdf")
    assert "Dokumen ini *asli*" in inline_chat.text and "6408-LT-01022026-0001" in inline_chat.text
    assert "atas nama Pu*** A** Le*****" in inline_chat.text and "Putri" not in inline_chat.text
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 1
    inline_chat.send_file(bytes(changed), "akta.pdf", "application/pdf")
    assert "tidak tercatat sebagai dokumen yang kami terbitkan" in inline_chat.text


def test_a_pdf_sent_while_a_document_is_wanted_is_checked_when_it_is_not_for_the_request(inline_chat, png):
    app = inline_chat.client.application
    ticket = file_request(inline_chat, png)
    inline_chat.send_file(a_pdf("something else"), "x.pdf", "application/pdf")
    assert "docno" in inline_chat.buttons
    inline_chat.press("docno")
    assert "tidak tercatat" in inline_chat.text
    assert request(app, ticket).missing_documents == ["KTP-el ibu"]


def test_a_photo_of_the_qr_code_is_checked(inline_chat, png):
    app = inline_chat.client.application
    ticket = file_request(inline_chat, png)
    inline_chat.send_file(png_bytes(6, 6), "ktp-ibu.png", "image/png")
    inline_chat.press("docfor:foto_ktp_ibu")
    officer_does(app, ticket, "assign", "approve", "issue", document_number="6408-LT-0002", pdf=a_pdf())
    with app.app_context(), db.new_session() as s:
        doc = review.current_issued(s, request(app, ticket).id)
        url = f"https://sapa.example/v/{doc.code}"
    qr = io.BytesIO()
    segno.make(url).save(qr, kind="png", scale=8)
    inline_chat.send_file(qr.getvalue(), "qr.png", "image/png")
    assert "Dokumen ini *asli*" in inline_chat.text and "6408-LT-0002" in inline_chat.text
    inline_chat.send_file(png_bytes(5, 5), "foto.png", "image/png")
    assert "tidak bisa kami baca sebagai kode QR" in inline_chat.text


def test_with_two_requests_waiting_it_asks_which_request_first(inline_chat, png):
    app = inline_chat.client.application
    first = file_request(inline_chat, png)
    second = file_request(inline_chat, png)
    inline_chat.send_file(png_bytes(6, 6), "ktp-ibu.png", "image/png")
    assert "untuk permohonan yang mana" in inline_chat.text
    assert inline_chat.buttons == [f"docreq:{second}", f"docreq:{first}", "docno"]
    inline_chat.press(f"docreq:{first}")
    assert f"pada permohonan *{first}*" in inline_chat.text
    inline_chat.say("ya")
    assert request(app, first).missing_documents == [] and request(app, second).missing_documents == ["KTP-el ibu"]


def test_a_command_about_a_filed_request_mid_flow_keeps_the_draft(inline_chat, png):
    ticket = file_request(inline_chat, png)
    start_as_father(inline_chat)
    inline_chat.say(f"lengkapi {ticket}")
    assert "Selesaikan dulu, atau ketik *menu*" in inline_chat.text
    assert inline_chat.where()["flow"] == "akta_kelahiran" and inline_chat.where()["mode"] == "collect"


def test_a_rejected_request_shows_the_reason(inline_chat, png):
    app = inline_chat.client.application
    ticket = file_request(inline_chat, png)
    officer_does(app, ticket, "reject", reason="Anak sudah memiliki akta kelahiran.")
    inline_chat.say(f"status {ticket}")
    assert "tidak dapat diproses" in inline_chat.text and "Alasannya: Anak sudah memiliki akta" in inline_chat.text


def test_asking_whether_a_document_is_genuine_says_to_send_it(inline_chat):
    inline_chat.say("mau cek keaslian akta")
    assert "kirim file PDF dokumennya di sini" in inline_chat.text


def test_a_menu_button_while_fixing_leaves_fixing_with_progress_kept(inline_chat, png):
    app = inline_chat.client.application
    ticket = file_request(inline_chat, png)
    officer_does(app, ticket, "assign", "ask_fix", items=[{"answer": "ibu_nik", "note": ""}])
    inline_chat.say("lengkapi")
    assert inline_chat.where()["mode"] == "fixing"
    inline_chat.press("status")
    assert f"lengkapi {ticket}" in inline_chat.text and "Permohonan Bapak/Ibu:" in inline_chat.text
    assert inline_chat.where()["mode"] == "idle"
    inline_chat.press(f"fix:{ticket}")
    inline_chat.say(NEW_MOTHER_NIK)
    assert "Petugas akan memeriksanya kembali" in inline_chat.text
    assert request(app, ticket).status == "in_review"
