"""The akta kelahiran request through the simulator API, from "halo" to ticket and receipt."""
import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from bot.core import db
from bot.core.models import AuditLog, Conversation, Request, Upload
from tests.conftest import FATHER_NIK, KK_NUMBER, answer_child, answer_father, answer_until_summary, say_place

TICKET = re.compile(r"[A-Z]{2,5}-[0-9]{4,}(-[0-9]+)*")


def test_it_files_a_complete_birth_request_and_sends_the_receipt(app, chat, client, png):
    answer_until_summary(chat, png)
    summary = chat.text
    assert "Mohon periksa kembali" in summary
    assert "Putri Ayu Lestari" in summary and "5 Januari 2026" in summary
    assert FATHER_NIK not in summary and "6408********0001" in summary
    assert chat.buttons == ["submit", "cmd:edit", "cmd:cancel"]

    replies = chat.press("submit")
    ticket = TICKET.search(replies[0]["text"]).group(0)
    assert ticket.startswith("AKL-")
    assert "GRATIS" in replies[0]["text"]
    document = replies[1]["document"]
    assert document["content_type"] == "application/pdf" and ticket in document["filename"]

    pdf = client.get(document["url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    page = reader.pages[0]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert ticket in text and "Akta Kelahiran" in text
    assert "6408********0001" in text and FATHER_NIK not in text
    assert "Surat keterangan lahir" in text and "KTP-el ibu" in text  # received, and still missing

    with app.app_context():
        s = db.session()
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        assert req.status == "submitted" and req.applicant_nik == FATHER_NIK
        assert req.subject_name == "Putri Ayu Lestari" and req.answers["no_kk"] == KK_NUMBER
        assert req.missing_documents == ["KTP-el ibu"]
        assert any("Dokumen belum ada: KTP-el ibu" == f for f in req.flags)
        assert any(f.startswith("NIK belum dikenal sistem: NIK ibu") for f in req.flags)
        assert {u.slot for u in s.execute(select(Upload).where(Upload.request_id == req.id)).scalars()} == {
            "foto_surat_lahir", "foto_buku_nikah", "foto_kk", "foto_ktp_ayah"}
        actions = [a.action for a in s.execute(select(AuditLog)).scalars()]
        assert "consent_given" in actions and "request_submitted" in actions and "receipt_built" in actions
        conv = s.execute(select(Conversation)).scalar_one()
        assert conv.flow is None and conv.answers == {}

    chat.say("status")
    assert ticket in chat.text and "menunggu pemeriksaan" in chat.text


def test_the_transcript_shows_both_sides_with_the_document(chat, client, png):
    answer_until_summary(chat, png)
    chat.press("submit")
    messages = client.get("/try/api/messages?user=citizen-1").get_json()["messages"]
    assert messages[0] == {**messages[0], "direction": "in", "text": "halo"}
    assert any(m["direction"] == "in" and m["text"] == "Ayah si anak" for m in messages)  # a pressed button
    assert messages[-1]["direction"] == "out" and messages[-1]["document"]["filename"].endswith(".pdf")
    assert all("at" in m for m in messages)


def test_without_a_birth_letter_it_asks_for_sptjm_and_two_witnesses(app, chat, png):
    answer_until_summary(chat, png, surat_lahir=False)
    assert "Nama saksi 1: Ahmad Yani" in chat.text and "Foto SPTJM F-2.03: belum ada" in chat.text
    assert "F-2.04" not in chat.text  # the marriage book was sent: only the birth letter's SPTJM
    replies = chat.press("submit")
    assert TICKET.search(replies[0]["text"])
    with app.app_context():
        req = db.session().execute(select(Request)).scalar_one()
        assert "SPTJM kebenaran data kelahiran (F-2.03)" in req.missing_documents
        assert "foto_surat_lahir" not in req.answers


def test_tickets_count_up_per_service(chat, client, png):
    answer_until_summary(chat, png)
    first = TICKET.search(chat.press("submit")[0]["text"]).group(0)
    second_citizen = type(chat)(client, "citizen-2")
    answer_until_summary(second_citizen, png)
    second = TICKET.search(second_citizen.press("submit")[0]["text"]).group(0)
    assert (first, second) == ("AKL-0001", "AKL-0002")


def test_a_mother_nik_that_decodes_as_a_man_is_accepted_with_a_note(chat):
    chat.say("halo")
    chat.press("svc:akta_kelahiran")
    chat.press("ibu")
    chat.press("agree")
    answer_child(chat, "Putri")
    chat.press("ada")  # the father is known
    answer_father(chat)
    chat.say("Siti")
    chat.press("WNI")
    chat.say("6408012505880009")  # a man's NIK (not the father's) given as the mother's
    assert "menurut NIK tersebut, jenis kelaminnya laki-laki" in chat.text
    assert "Di mana ibu lahir?" in chat.text


def test_a_birth_date_that_differs_from_the_nik_gets_a_soft_note(chat, png):
    chat.say("halo")
    chat.press("svc:akta_kelahiran")
    chat.press("ayah")
    chat.press("agree")
    answer_child(chat, "Putri")
    chat.say("Budi")
    chat.press("WNI")
    chat.say(FATHER_NIK)
    say_place(chat, "Sangatta")
    chat.say("18/8/1990")
    assert "berbeda dengan tanggal yang tertera di NIK" in chat.text
    assert "data *ibu*" in chat.text


def test_a_late_registration_is_explained_as_still_free(chat):
    chat.say("halo")
    chat.press("svc:akta_kelahiran")
    chat.press("ayah")
    chat.press("agree")
    chat.say("Putri")
    chat.press("P")
    chat.say("5 januari 2020")
    assert "sudah lewat 60 hari" in chat.text and "gratis" in chat.text.lower()


def test_a_family_member_needs_the_parents_permission(chat):
    chat.say("halo")
    chat.press("svc:akta_kelahiran")
    chat.press("keluarga")
    assert "sudah mengizinkan" in chat.text and chat.buttons == ["agree", "disagree"]
    chat.press("disagree")
    assert "minta izin orang tua" in chat.text
    chat.say("menu")
    assert "svc:akta_kelahiran" in chat.buttons and not any(b.startswith("resume:") for b in chat.buttons)


def test_a_family_member_with_permission_reports_as_pelapor(chat):
    chat.say("halo")
    chat.press("svc:akta_kelahiran")
    chat.press("keluarga")
    chat.press("agree")
    chat.press("agree")
    assert "nama lengkap* Bapak/Ibu (sebagai pelapor)" in chat.text
    chat.say("Hj. Maimunah")
    assert "Kewarganegaraan Bapak/Ibu?" in chat.text  # F-2.01 asks the reporter's citizenship
    chat.press("WNI")
    chat.say("6408015203550007")
    assert "nomor KK* Bapak/Ibu" in chat.text


def test_refusing_the_privacy_notice_records_nothing(app, chat):
    chat.say("halo")
    chat.press("svc:akta_kelahiran")
    chat.press("ayah")
    assert "Pemberitahuan data pribadi" in chat.text and "90 hari" in chat.text
    chat.press("disagree")
    assert "tidak akan mencatat data" in chat.text
    with app.app_context():
        s = db.session()
        conv = s.execute(select(Conversation)).scalar_one()
        assert conv.flow is None and conv.answers == {}
        assert "consent_declined" in [a.action for a in s.execute(select(AuditLog)).scalars()]
