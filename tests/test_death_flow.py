"""The akta kematian report through the simulator API, from "halo" to ticket and receipt, with the
awkward answers a grieving family gives: a death date before the deceased's birth, one in the
future, a report after the 30 days, an unknown hour, an unknown identity, a reporter who is not
family, a witness given twice, and the follow-up requests offered with the ticket.

The whole report, the family's KK follow-up and the channel walks run on both databases (on
PostgreSQL every message goes through the RQ worker); a test of one dialogue detail runs on SQLite
alone, its jobs inline (`inline_chat`, `sqlite_app`)."""
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.core import db, storage
from bot.core.lifecycle import Actor
from bot.core.models import Document, Officer, Request, Upload
from delivery import review
from delivery.channels.twilio import fake as twilio_fake
from tests.channel_drivers import MetaChat
from tests.death_drivers import (
    DECEASED_KK, DECEASED_NIK, REPORTER_NIK, TICKET, WITNESS_1, WITNESS_2, deceased, documents, reporter,
    say_place, start, today, typed, walk_to_summary, where, witnesses,
)
from tests.twilio_drivers import CITIZEN, TwilioChat, configure


def the_request(app, ticket: str) -> Request:
    """The filed request (read in its own app context)."""
    with app.app_context():
        s = db.session()
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        s.expunge(req)
        return req


# ---- the whole flow ------------------------------------------------------------------------------
def test_the_intro_begins_with_condolences_then_says_free_and_30_days(inline_chat):
    inline_chat.say("halo")
    inline_chat.press("svc:akta_kematian")
    assert inline_chat.text.startswith("Kami turut berduka cita")
    said = inline_chat.text
    assert said.index("turut berduka cita") < said.index("GRATIS") < said.index("30 hari")
    assert inline_chat.buttons == ["pasangan", "anak", "orang_tua", "saudara", "lainnya"]


def test_it_files_a_complete_death_report_and_sends_the_receipt(app, chat, client, png):
    walk_to_summary(chat, png)
    summary = chat.text
    assert chat.where()["mode"] == "confirm"
    assert "Abdul Rahman" in summary and "Siti Rahmawati" in summary
    assert "Kota/kabupaten tempat meninggal: Sangatta" in summary  # typed "sangata", proposal confirmed
    for section in ("Pelapor", "Almarhum/almarhumah", "Saksi", "Dokumen"):
        assert section in summary
    assert DECEASED_NIK not in summary and REPORTER_NIK not in summary and WITNESS_1[1] not in summary
    assert "Tidak diketahui" in summary  # the mother's name
    assert chat.buttons == ["submit", "cmd:edit", "cmd:cancel"]

    replies = chat.press("submit")
    ticket = TICKET.search(replies[0]["text"]).group(0)
    assert ticket == "AKM-0001"
    assert "GRATIS" in replies[0]["text"] and "Abdul Rahman" in replies[0]["text"]
    assert "HVS A4 80 gram" in replies[0]["text"]
    document = next(r["document"] for r in replies if "document" in r)
    assert document["content_type"] == "application/pdf" and ticket in document["filename"]

    pdf = client.get(document["url"])
    assert pdf.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert ticket in text and "Akta Kematian" in text and "Abdul Rahman" in text
    assert DECEASED_NIK not in text and REPORTER_NIK not in text
    assert "Surat keterangan kematian dari dokter/rumah sakit" in text and "KTP-el pelapor" in text
    assert "GRATIS" in text

    req = the_request(app, ticket)
    assert req.status == "submitted" and req.service == "akta_kematian"
    assert req.applicant_name == "Siti Rahmawati" and req.applicant_nik == REPORTER_NIK
    assert req.subject_name == "Abdul Rahman" and req.subject_nik == DECEASED_NIK
    assert req.answers["saksi2_nik"] == WITNESS_2[1] and req.answers["ibu_almarhum"] == {"unknown": True}
    assert req.missing_documents == ["KTP-el pelapor"]
    assert not any("30 hari" in f for f in req.flags)
    assert any("ibu almarhum" in f.lower() for f in req.flags)  # the unknown_ok flag for the officer
    with app.app_context():
        slots = {u.slot for u in db.session().execute(select(Upload).where(Upload.request_id == req.id)).scalars()}
    assert slots == {"foto_sk_dokter", "foto_kk", "foto_ktp_almarhum"}

    chat.say("status")
    assert ticket in chat.text


# ---- the death date -------------------------------------------------------------------------------
def test_a_death_date_before_the_nik_birth_date_is_asked_again(inline_chat):
    start(inline_chat)
    reporter(inline_chat)
    inline_chat.say(DECEASED_NIK)          # born 12-03-1950
    inline_chat.say("Abdul Rahman")
    inline_chat.press("L")
    inline_chat.say(DECEASED_KK)
    inline_chat.say("1/1/1949")
    assert inline_chat.where()["step"] == "tgl_kematian"
    assert "lebih awal dari tanggal lahir Abdul Rahman menurut NIK" in inline_chat.text
    inline_chat.say(typed(today() - timedelta(days=2)))
    assert inline_chat.where()["step"] == "pukul_kematian"


def test_a_death_date_in_the_future_is_asked_again(inline_chat):
    start(inline_chat)
    reporter(inline_chat)
    for answer in [DECEASED_NIK, "Abdul Rahman"]:
        inline_chat.say(answer)
    inline_chat.press("L")
    inline_chat.say(DECEASED_KK)
    inline_chat.say(typed(today() + timedelta(days=5)))
    assert inline_chat.where()["step"] == "tgl_kematian" and "belum terjadi" in inline_chat.text


def test_a_report_after_30_days_is_flagged_and_explained_not_refused(sqlite_app, inline_chat, png):
    walk_to_summary(inline_chat, png, died=today() - timedelta(days=45))
    assert inline_chat.where()["mode"] == "confirm"
    ticket = TICKET.search(inline_chat.press("submit")[0]["text"]).group(0)
    assert any("lewat 30 hari" in f for f in the_request(sqlite_app, ticket).flags)


def test_the_late_note_is_said_right_after_the_date(inline_chat):
    start(inline_chat)
    reporter(inline_chat)
    for answer in [DECEASED_NIK, "Abdul Rahman"]:
        inline_chat.say(answer)
    inline_chat.press("L")
    inline_chat.say(DECEASED_KK)
    inline_chat.say(typed(today() - timedelta(days=45)))
    assert "sudah lewat 30 hari" in inline_chat.text and "tetap gratis" in inline_chat.text
    assert inline_chat.where()["step"] == "pukul_kematian"


def test_an_unknown_hour_of_death_is_accepted_and_flagged(sqlite_app, inline_chat, png):
    walk_to_summary(inline_chat, png, hour="tidak tahu")
    assert inline_chat.where()["answers"]["pukul_kematian"] == {"unknown": True}
    ticket = TICKET.search(inline_chat.press("submit")[0]["text"]).group(0)
    assert any("Pukul kematian tidak diketahui" in f for f in the_request(sqlite_app, ticket).flags)


# ---- who and what --------------------------------------------------------------------------------
def test_an_unknown_identity_goes_with_the_police_letter_and_no_ktp(sqlite_app, inline_chat, png):
    start(inline_chat, "lainnya")
    reporter(inline_chat, name="Bripka Joko Susilo", nik="6408011708850003")
    inline_chat.say("tidak tahu")          # the NIK
    assert inline_chat.where()["answers"]["almarhum_nik"] == {"unknown": True}
    inline_chat.say("Mr. X")
    inline_chat.press("L")
    inline_chat.say("tidak tahu")          # the KK
    inline_chat.say(typed(today() - timedelta(days=4)))
    inline_chat.say("tidak tahu")
    inline_chat.press("lainnya")
    inline_chat.press("perjalanan")
    say_place(inline_chat, "Sangatta")
    inline_chat.press("polisi")
    inline_chat.say("tidak tahu")
    inline_chat.say("tidak tahu")
    witnesses(inline_chat)
    inline_chat.press("polisi")
    assert inline_chat.where()["step"] == "foto_surat_polisi"
    inline_chat.send_file(png, "surat-polisi.png", "image/png")
    assert inline_chat.where()["step"] == "foto_surat_kuasa"
    inline_chat.send_file(png, "surat-kuasa.png", "image/png")
    inline_chat.say("belum ada")           # the KK
    assert inline_chat.where()["step"] == "foto_ktp_pelapor"  # no KTP-el of an unknown person
    inline_chat.send_file(png, "ktp.png", "image/png")
    inline_chat.say("lewati")
    assert inline_chat.where()["mode"] == "confirm"
    replies = inline_chat.press("submit")
    ticket = TICKET.search(replies[0]["text"]).group(0)
    req = the_request(sqlite_app, ticket)
    assert req.subject_name == "Mr. X" and not req.subject_nik
    assert "Surat keterangan kepolisian" not in req.missing_documents
    assert any("Identitas/NIK almarhum tidak diketahui" in f for f in req.flags)
    assert "ktp_almarhum" not in str(req.answers)


def test_a_reporter_who_is_not_family_gets_the_blank_surat_kuasa_and_is_asked_for_it(inline_chat, png):
    inline_chat.say("halo")
    inline_chat.press("svc:akta_kematian")
    inline_chat.press("lainnya")
    assert "surat kuasa" in inline_chat.text
    form = next(r["document"] for r in inline_chat.replies if "document" in r)
    assert form["content_type"] == "application/pdf"
    assert inline_chat.client.get(form["url"]).status_code == 200
    inline_chat.press("agree")
    reporter(inline_chat)
    deceased(inline_chat)
    witnesses(inline_chat)
    inline_chat.press("desa")
    inline_chat.send_file(png, "sk-desa.png", "image/png")
    assert inline_chat.where()["step"] == "foto_surat_kuasa"
    inline_chat.say("belum ada")
    assert "Surat kuasa dari keluarga" in inline_chat.text


def test_family_is_not_asked_for_a_surat_kuasa(inline_chat, png):
    walk_to_summary(inline_chat, png)
    assert "foto_surat_kuasa" not in inline_chat.where()["answers"]
    assert "Surat kuasa" not in inline_chat.text


def test_the_same_witness_nik_twice_is_asked_again(inline_chat):
    start(inline_chat)
    reporter(inline_chat)
    deceased(inline_chat)
    inline_chat.say(WITNESS_1[0])
    inline_chat.press("WNI")
    inline_chat.say(WITNESS_1[1])
    inline_chat.say(WITNESS_1[2])
    inline_chat.say(WITNESS_2[0])
    inline_chat.press("WNI")
    inline_chat.say(WITNESS_1[1])          # the first witness's NIK again
    assert inline_chat.where()["step"] == "saksi2_nik"
    assert "tidak boleh sama dengan NIK saksi pertama" in inline_chat.text
    inline_chat.say(WITNESS_2[1])
    assert inline_chat.where()["step"] == "saksi2_kk"


def test_a_witness_with_the_reporter_nik_is_asked_again(inline_chat):
    start(inline_chat)
    reporter(inline_chat)
    deceased(inline_chat)
    inline_chat.say(WITNESS_1[0])
    inline_chat.press("WNI")
    inline_chat.say(REPORTER_NIK)
    assert inline_chat.where()["step"] == "saksi1_nik" and "NIK saksi pertama tidak boleh sama" in inline_chat.text


def test_the_privacy_notice_says_the_law_the_retention_the_provider_and_the_witnesses(inline_chat):
    inline_chat.say("halo")
    inline_chat.press("svc:akta_kematian")
    inline_chat.press("anak")
    notice = inline_chat.text
    for words in ("UU 24/2013", "UU 27/2022", "90 hari", "milik Meta", "luar negeri", "saksi",
                  "Pejabat pelindungan data kami:", "Sangatta"):
        assert words in notice, words
    assert inline_chat.buttons == ["agree", "disagree"]


# ---- on the real channels ------------------------------------------------------------------------
def walk_and_submit_on(chat, png: bytes) -> str:
    """The whole flow on a channel driver, submitted; the ticket."""
    walk_to_summary(chat, png)
    assert where(chat)["mode"] == "confirm" and "Abdul Rahman" in chat.text
    assert DECEASED_NIK not in chat.text
    ticket = TICKET.search(chat.press("submit")[0]["text"]).group(0)
    assert ticket.startswith("AKM-")
    return ticket


def test_the_whole_report_over_whatsapp_cloud(meta_app, fake_meta, png):
    chat = MetaChat(meta_app, fake_meta, "whatsapp", "6281234567890", name="Siti Rahmawati")
    ticket = walk_and_submit_on(chat, png)
    upload = [c for c in fake_meta.state["calls"] if c["kind"] == "upload"][-1]
    assert upload["filename"] == f"Tanda-terima-{ticket}.pdf"
    assert chat.calls[-1]["body"]["type"] == "document"
    req = the_request(meta_app, ticket)
    assert req.subject_name == "Abdul Rahman" and req.applicant_nik == REPORTER_NIK


def test_the_whole_report_over_messenger(meta_app, fake_meta, png):
    chat = MetaChat(meta_app, fake_meta, "messenger", "24023456789012345", name="Siti Rahmawati")
    ticket = walk_and_submit_on(chat, png)
    assert chat.calls[-1]["file"]["filename"] == f"Tanda-terima-{ticket}.pdf"
    # Every choice of the flow fits Messenger's quick replies (20 characters a title).
    assert the_request(meta_app, ticket).subject_nik == DECEASED_NIK


def test_the_whole_report_over_twilio(app, png):
    server = twilio_fake.shared_server()
    server.reset()
    server.state["url"] = server.url
    configure(app, server.state)
    try:
        chat = TwilioChat(app, app.test_client(), server.state)
        ticket = walk_and_submit_on(chat, png)
        assert the_request(app, ticket).applicant_name == "Siti Rahmawati"
        assert CITIZEN in str(server.state["messages"][-1]["To"])
    finally:
        server.reset()


# ---- the follow-up requests ------------------------------------------------------------------------
def test_the_family_kk_update_starts_with_the_deceased_filled_in(app, chat, png):
    walk_to_summary(chat, png)  # reported by a child of the deceased
    replies = chat.press("submit")
    ticket = TICKET.search(replies[0]["text"]).group(0)
    offered = [b for r in replies for b in r.get("buttons", [])]
    assert [b["title"] for b in offered] == ["Ubah KK keluarga"]
    assert "dikeluarkan dari Kartu Keluarga" in replies[0]["text"]
    assert "cerai mati" not in replies[0]["text"]  # only a surviving spouse is offered the status change

    chat.press(offered[0]["id"])
    now = chat.where()
    assert now["flow"] == "kartu_keluarga"
    answers = now["answers"]
    assert answers["no_kk"] == DECEASED_KK and answers["perubahan"] == ["kurang"]
    assert answers["kurang_1_nama"] == "Abdul Rahman" and answers["kurang_1_nik"] == DECEASED_NIK
    assert answers["kurang_1_alasan"] == "meninggal" and answers["_linked"] == ticket


def test_a_surviving_spouse_is_also_offered_the_status_change_and_told_where_the_ktp_is_printed(inline_chat, png):
    walk_to_summary(inline_chat, png, relation="pasangan")
    replies = inline_chat.press("submit")
    offered = [b["title"] for r in replies for b in r.get("buttons", [])]
    assert offered == ["Ubah KK keluarga", "Status di KK & KTP"]
    assert "cerai mati" in replies[0]["text"] and "dicetak di kantor" in replies[0]["text"]


def test_the_spouse_status_button_starts_the_status_change(inline_chat, png):
    walk_to_summary(inline_chat, png, relation="pasangan")
    replies = inline_chat.press("submit")
    status = [b for r in replies for b in r.get("buttons", []) if b["title"] == "Status di KK & KTP"][0]
    inline_chat.press(status["id"])
    answers = inline_chat.where()["answers"]
    assert answers["perubahan"] == ["status"] and answers["status_1_jadi"] == "cerai_mati"
    assert answers["status_1_nama"] == "Siti Rahmawati" and answers["status_1_nik"] == REPORTER_NIK


def test_an_unknown_person_gets_no_kk_follow_up(inline_chat, png):
    start(inline_chat, "lainnya")
    reporter(inline_chat, name="Bripka Joko Susilo", nik="6408011708850003")
    inline_chat.say("tidak tahu")
    inline_chat.say("Mr. X")
    inline_chat.press("L")
    inline_chat.say("tidak tahu")
    inline_chat.say(typed(today() - timedelta(days=1)))
    inline_chat.press("unknown:pukul_kematian")
    inline_chat.press("lainnya")
    inline_chat.press("perjalanan")
    say_place(inline_chat, "Sangatta")
    inline_chat.press("polisi")
    inline_chat.say("tidak tahu")
    inline_chat.say("tidak tahu")
    witnesses(inline_chat)
    documents(inline_chat, png, proof="polisi")
    replies = inline_chat.press("submit")
    assert TICKET.search(replies[0]["text"])
    assert not [b for r in replies for b in r.get("buttons", [])]


# ---- more awkward answers ------------------------------------------------------------------------
def test_the_deceased_nik_equal_to_the_reporter_nik_is_asked_again(inline_chat):
    start(inline_chat)
    reporter(inline_chat)
    inline_chat.say(REPORTER_NIK)
    assert inline_chat.where()["step"] == "almarhum_nik"
    assert "tidak mungkin sama dengan NIK atau nomor KK pelapor" in inline_chat.text


def test_a_nik_typed_as_the_kk_number_is_asked_again(inline_chat):
    start(inline_chat)
    inline_chat.say("Siti Rahmawati")
    inline_chat.press("WNI")
    inline_chat.say(REPORTER_NIK)
    inline_chat.say(REPORTER_NIK)          # the NIK again where the KK number belongs
    assert inline_chat.where()["step"] == "pelapor_kk" and "bagian atas Kartu Keluarga" in inline_chat.text


def test_a_foreign_reporter_and_witness_give_a_passport_and_no_kk(sqlite_app, inline_chat, png):
    start(inline_chat)
    inline_chat.say("John Smith")
    inline_chat.press("WNI")
    inline_chat.say("tidak punya NIK, WNA")  # the citizenship was wrong: back to it
    assert inline_chat.where()["step"] == "pelapor_wn"
    inline_chat.press("WNA")
    assert inline_chat.where()["step"] == "pelapor_paspor"
    inline_chat.say("C1234567")
    deceased(inline_chat)
    inline_chat.say(WITNESS_1[0])
    inline_chat.press("WNA")
    inline_chat.say("X7654321")
    assert inline_chat.where()["step"] == "saksi2_nama"
    inline_chat.say(WITNESS_2[0])
    inline_chat.press("WNI")
    inline_chat.say("tidak tahu")          # a witness's NIK the reporter does not know
    inline_chat.say("tidak tahu")
    documents(inline_chat, png)
    assert inline_chat.where()["mode"] == "confirm"
    ticket = TICKET.search(inline_chat.press("submit")[0]["text"]).group(0)
    req = the_request(sqlite_app, ticket)
    assert req.applicant_name == "John Smith" and req.applicant_nik is None
    assert req.answers["pelapor_paspor"] == "C1234567" and req.answers["saksi1_paspor"] == "X7654321"
    assert "pelapor_kk" not in req.answers and "saksi1_kk" not in req.answers
    assert any("NIK saksi 2 tidak diketahui" in f for f in req.flags)


def test_the_unknown_button_is_offered_where_the_law_allows_it(inline_chat):
    start(inline_chat)
    reporter(inline_chat)
    assert inline_chat.where()["step"] == "almarhum_nik" and "unknown:almarhum_nik" in inline_chat.buttons
    inline_chat.press("unknown:almarhum_nik")
    now = inline_chat.where()
    assert now["answers"]["almarhum_nik"] == {"unknown": True} and now["step"] == "almarhum_nama"


def test_a_witness_changed_from_the_summary_is_checked_again(inline_chat, png):
    walk_to_summary(inline_chat, png)
    inline_chat.press("cmd:edit")
    inline_chat.say("Saksi")
    assert "Nama saksi 1" in inline_chat.text and "Nama pelapor" not in inline_chat.text
    inline_chat.say("yg no 21")
    assert inline_chat.where()["step"] == "saksi1_nik"
    inline_chat.say(WITNESS_2[1])  # the second witness's NIK
    assert inline_chat.where()["step"] == "saksi1_nik" and "tidak boleh sama" in inline_chat.text
    inline_chat.say("6408010202790007")
    assert inline_chat.where()["mode"] == "confirm" and "Bagian *Saksi* sudah diperbarui" in inline_chat.text
    assert inline_chat.where()["answers"]["saksi1_nik"] == "6408010202790007"


# ---- the officer issues the Kutipan Akta Kematian ----------------------------------------------------
def test_an_officer_issues_the_kutipan_and_the_family_receives_it(inline_chat, png):
    app = inline_chat.client.application
    walk_to_summary(inline_chat, png)
    ticket = TICKET.search(inline_chat.press("submit")[0]["text"]).group(0)
    with app.app_context():
        s = db.session()
        officer = Officer(username="vera", name="Vera", role="verifier", password_hash="-")
        s.add(officer)
        s.commit()
        for action, kwargs in (("assign", {}), ("approve", {}),
                               ("issue", {"document_number": "6408-KM-27112026-0001", "generate": True})):
            req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
            review.act(s, req, action, Actor("officer", officer), **kwargs)
    with app.app_context(), db.new_session() as s:
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        assert req.status == "delivered"
        doc = s.execute(select(Document).where(Document.request_id == req.id, Document.kind == "issued")).scalar_one()
        pdf = storage.load(doc.storage_key)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "KUTIPAN AKTA KEMATIAN" in text and "6408-KM-27112026-0001" in text
    assert "Abdul Rahman" in text and DECEASED_NIK in text  # the extract shows the whole NIK
    messages = inline_chat.client.get("/try/api/messages?user=citizen-1").get_json()["messages"]
    assert any((m.get("document") or {}).get("filename") == doc.filename for m in messages if m["direction"] == "out")


def test_a_follow_up_leaves_unknown_answers_to_be_asked(inline_chat, png):
    start(inline_chat)
    reporter(inline_chat)
    deceased(inline_chat, nik="tidak tahu")
    witnesses(inline_chat)
    documents(inline_chat, png)
    replies = inline_chat.press("submit")
    inline_chat.press(next(b["id"] for r in replies for b in r.get("buttons", [])))
    answers = inline_chat.where()["answers"]
    assert answers["kurang_1_nama"] == "Abdul Rahman" and "kurang_1_nik" not in answers


def test_no_ktp_photo_is_asked_of_a_deceased_whose_nik_is_unknown():
    from datetime import date

    from flows.definition import applies, load_flow
    step = load_flow("akta_kematian").step("foto_ktp_almarhum")
    today = date(2026, 11, 30)
    assert not applies(step, {"bukti_kematian": "dokter", "almarhum_nik": {"unknown": True}}, today)
    assert applies(step, {"bukti_kematian": "dokter", "almarhum_nik": "6408015001500003"}, today)
