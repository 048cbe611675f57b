"""The akta perceraian report (flows/akta_perceraian.yml) through the simulator, from "halo" to
ticket and receipt, with the awkward answers a citizen gives; then the same walk over WhatsApp and
Messenger webhooks.

The whole report, its KK follow-up, the officer issuing and the channel walks run on both databases
(on PostgreSQL every message goes through the RQ worker); a test of one dialogue detail runs on
SQLite alone, its jobs inline (`inline_chat`, `sqlite_app`)."""
import io
import re
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.core import db
from bot.core.models import Request, Upload
from flows.definition import available_flows, load_flow
from flows.office import placeholder_values
from tests.channel_drivers import MetaChat
from tests.conftest import FATHER_NIK, KK_NUMBER, MOTHER_NIK, conversation

TICKET = re.compile(r"[A-Z]{2,5}-[0-9]{4,}(-[0-9]+)*")
HUSBAND_NIK, WIFE_NIK = FATHER_NIK, MOTHER_NIK  # a man's and a woman's NIK (tests/conftest.py)


def today() -> date:
    """Today in Kutai Timur, as the assistant counts it."""
    return datetime.now(ZoneInfo("Asia/Makassar")).date()


def typed(d: date) -> str:
    """A date as a citizen types it (day first)."""
    return f"{d.day}/{d.month}/{d.year}"


RULED = today() - timedelta(days=30)   # the putusan, a month ago ...
FINAL = today() - timedelta(days=16)   # ... final two weeks later: within the 60 days


def start(chat, religion: str = "kristen") -> None:
    """Open the divorce service from the menu and answer the religion question."""
    chat.say("halo")
    chat.press("svc:akta_perceraian")
    chat.press(religion)


def answer_until_ruling_date(chat, reporter: str = "istri") -> None:
    """Past the privacy notice, the reporter and the marriage, up to the putusan date."""
    start(chat)
    chat.press("agree")
    chat.press(reporter)
    if reporter.startswith("kuasa"):
        chat.say("Yohanes Manurung")
        chat.say("6408010101800005")
    chat.say("6408-KW-20062015-0012")
    chat.say("20 Juni 2015")
    chat.say("Pengadilan Negeri Sangatta")
    chat.say("45/Pdt.G/2026/PN Sgt")


def answer_until_spouses(chat, *, ruled: date = RULED, final: date = FINAL, reporter: str = "istri") -> None:
    """Up to the husband's name: the putusan and its finality answered."""
    answer_until_ruling_date(chat, reporter)
    chat.say(typed(ruled))
    chat.say("W18.U9/112/HK.02/2026")
    chat.say(typed(final))


def answer_spouses(chat) -> None:
    """Both former spouses: names, citizenship, NIK, KK (the husband's KK not known)."""
    chat.say("Budi Santoso")
    chat.press("WNI")
    chat.say(HUSBAND_NIK)
    chat.say("tidak tahu")
    chat.say("Maria Magdalena Siahaan")
    chat.press("WNI")
    chat.say(WIFE_NIK)
    chat.say(KK_NUMBER)


def answer_until_summary(chat, png: bytes, *, marriage_book: bool = True, reporter: str = "istri", **dates) -> None:
    """The whole report up to the summary: photos sent, the reporter's KTP-el still missing."""
    answer_until_spouses(chat, reporter=reporter, **dates)
    answer_spouses(chat)
    chat.send_file(png, "putusan.png", "image/png")
    chat.send_file(png, "inkracht.png", "image/png")
    chat.press("yes" if marriage_book else "no")
    if marriage_book:
        chat.send_file(png, "akta-perkawinan.png", "image/png")
    else:
        chat.send_file(png, "sptjm.png", "image/png")
    if reporter.startswith("kuasa"):
        chat.send_file(png, "surat-kuasa.png", "image/png")
    chat.send_file(png, "kk.png", "image/png")
    chat.say("belum ada")
    chat.say("lewati")


# ---- from "halo" to the ticket ------------------------------------------------------------------
def test_it_files_a_divorce_report_and_sends_the_receipt(app, chat, client, png):
    chat.say("halo")
    assert "svc:akta_perceraian" in chat.buttons
    chat.press("svc:akta_perceraian")
    assert "60 hari" in chat.text and "Pengadilan Agama" in chat.text  # the intro, then the religion question
    assert chat.buttons[:2] == ["islam", "kristen"] and "kepercayaan" in chat.buttons
    chat.press("kristen")
    notice = chat.text
    assert "Pemberitahuan data pribadi" in notice and "UU 27/2022" in notice and "UU 24/2013" in notice
    assert "90 hari" in notice and "luar negeri" in notice and "Meta" in notice
    dpo = placeholder_values(app.config["OFFICE"])["dpo_contact"]  # config.yml's, or "ketik *petugas*" until set
    assert f"Petugas pelindungan data kami: {dpo}." in notice
    chat.press("agree")
    chat.press("istri")
    for answer in ["6408-KW-20062015-0012", "20 Juni 2015", "Pengadilan Negeri Sangatta", "45/Pdt.G/2026/PN Sgt",
                   typed(RULED), "W18.U9/112/HK.02/2026", typed(FINAL)]:
        chat.say(answer)
    assert "sudah berkekuatan hukum tetap lebih dari" not in chat.text  # within 60 days: no note
    answer_spouses(chat)
    chat.send_file(png, "putusan.png", "image/png")
    chat.send_file(png, "inkracht.png", "image/png")
    chat.press("yes")
    assert "ditarik" in chat.text  # the original kutipan akta perkawinan is handed in
    chat.send_file(png, "akta-perkawinan.png", "image/png")
    chat.send_file(png, "kk.png", "image/png")
    chat.say("belum ada")
    chat.say("lewati")

    summary = chat.text
    assert "Budi Santoso" in summary and "Maria Magdalena Siahaan" in summary
    assert "Pengadilan Negeri Sangatta" in summary and "20 Juni 2015" in summary
    assert HUSBAND_NIK not in summary and "6408********0001" in summary
    for section in ("Perkawinan", "Putusan", "Suami", "Istri", "Dokumen"):
        assert section in summary, section
    assert chat.buttons == ["submit", "cmd:edit", "cmd:cancel"]

    replies = chat.press("submit")
    ticket = TICKET.search(replies[0]["text"]).group(0)
    assert ticket.startswith("AKC-")
    assert "Budi Santoso" in replies[0]["text"] and "Kutipan akta perceraian" in replies[0]["text"]
    assert "GRATIS" in replies[0]["text"]
    document = next(r["document"] for r in replies if r.get("document"))
    assert document["content_type"] == "application/pdf" and ticket in document["filename"]
    assert chat.buttons == [f"follow:1:{ticket}"] and "cerai hidup" in replies[0]["text"]  # the wife's side

    pdf = client.get(document["url"])
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert ticket in text and "Akta Perceraian" in text
    assert "Salinan putusan pengadilan" in text and "KTP-el pelapor" in text  # received, and still missing
    assert WIFE_NIK not in text

    with app.app_context():
        s = db.session()
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        assert req.status == "submitted" and req.service == "akta_perceraian"
        assert req.applicant_nik == WIFE_NIK and req.applicant_relation == "Mantan istri"
        assert req.answers["tgl_perkawinan"] == "2015-06-20" and req.answers["tgl_inkracht"] == FINAL.isoformat()
        assert req.answers["suami_kk"] == {"unknown": True}
        assert req.missing_documents == ["KTP-el pelapor"]
        assert not any("lewat 60 hari" in f for f in req.flags)
        assert any("No. KK mantan suami" in f for f in req.flags)  # "tidak tahu" flagged for the officer
        assert {u.slot for u in s.execute(select(Upload).where(Upload.request_id == req.id)).scalars()} == {
            "foto_putusan", "foto_inkracht", "foto_akta_perkawinan", "foto_kk"}


def test_the_kk_status_update_after_the_ticket_carries_the_reporters_side(app, chat, png):
    answer_until_summary(chat, png)  # reported by the former wife
    ticket = TICKET.search(chat.press("submit")[0]["text"]).group(0)
    chat.press(next(b for b in chat.buttons if b.startswith("follow:")))
    where = chat.where()
    assert where["flow"] == "kartu_keluarga"
    answers = where["answers"]
    assert answers["perubahan"] == ["status"] and answers["status_1_jadi"] == "cerai_hidup"
    assert answers["no_kk"] == KK_NUMBER  # the wife's KK, not the husband's (unknown)
    assert answers["status_1_nama"] == "Maria Magdalena Siahaan" and answers["status_1_nik"] == WIFE_NIK
    assert answers["_linked"] == ticket


def test_a_kk_number_not_known_is_asked_in_the_kk_update(inline_chat, png):
    answer_until_summary(inline_chat, png, reporter="suami")  # the husband's KK number was "tidak tahu"
    ticket = TICKET.search(inline_chat.press("submit")[0]["text"]).group(0)
    inline_chat.press(next(b for b in inline_chat.buttons if b.startswith("follow:")))
    answers = inline_chat.where()["answers"]
    assert "no_kk" not in answers and answers["status_1_nik"] == HUSBAND_NIK


def test_the_officer_issues_the_kutipan_akta_perceraian_from_the_answers(app, chat, client, png):
    """Filed with every document, assigned, approved and issued with the generated layout: the
    signed Kutipan Akta Perceraian arrives in the chat, drawn from what the citizen answered."""
    answer_until_spouses(chat)
    answer_spouses(chat)
    for name in ("putusan.png", "inkracht.png"):
        chat.send_file(png, name, "image/png")
    chat.press("yes")
    for name in ("akta.png", "kk.png", "ktp.png"):
        chat.send_file(png, name, "image/png")
    chat.say("lewati")
    ticket = TICKET.search(chat.press("submit")[0]["text"]).group(0)

    runner = app.test_cli_runner()
    assert runner.invoke(args=["officer", "create", "vera", "--role", "verifier", "--password", "rahasia-sekali-1"]
                         ).exit_code == 0
    headers = {"Authorization": f"Bearer {runner.invoke(args=['officer', 'token', 'vera']).output.strip()}"}

    def act(**body):
        response = client.post(f"/api/v1/requests/{ticket}/actions", json=body, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    act(action="assign")
    act(action="approve")
    act(action="issue", document_number="6408-CR-30112026-0001", generate=True)

    def issued() -> list[dict]:
        """The issued documents sent in the chat (not the receipt)."""
        messages = client.get("/try/api/messages?user=citizen-1").get_json()["messages"]
        return [m["document"] for m in messages
                if m.get("document") and m["document"]["filename"].startswith("akta-perceraian")]

    deadline = time.monotonic() + 30
    while not issued() and time.monotonic() < deadline:
        time.sleep(0.1)  # on PostgreSQL the worker builds and sends it
    document = issued()[0]
    text = PdfReader(io.BytesIO(client.get(document["url"]).data)).pages[0].extract_text()
    for expected in ("KUTIPAN AKTA PERCERAIAN", "6408-CR-30112026-0001", "Budi Santoso", "Maria Magdalena Siahaan",
                     "Pengadilan Negeri Sangatta", "45/Pdt.G/2026/PN Sgt", "20 Juni 2015"):
        assert expected in text, expected


# ---- awkward answers ------------------------------------------------------------------------------
def test_a_putusan_before_the_marriage_is_asked_again(inline_chat):
    answer_until_ruling_date(inline_chat)
    inline_chat.say("1/3/2014")  # the marriage was on 20 June 2015
    assert "harus *sesudah* tanggal perkawinan" in inline_chat.text
    assert inline_chat.where()["step"] == "tgl_putusan" and "tgl_putusan" not in inline_chat.where()["answers"]
    inline_chat.say("20/6/2015")  # the same day is not after it either
    assert "harus *sesudah* tanggal perkawinan" in inline_chat.text
    inline_chat.say(typed(RULED))
    assert inline_chat.where()["step"] == "no_inkracht"


def test_a_putusan_in_the_future_is_refused(inline_chat):
    answer_until_ruling_date(inline_chat)
    inline_chat.say(typed(today() + timedelta(days=10)))
    assert inline_chat.where()["step"] == "tgl_putusan" and "tgl_putusan" not in inline_chat.where()["answers"]
    assert "belum terjadi" in inline_chat.text and "Tanggal berapa *putusan*" in inline_chat.text


def test_a_putusan_final_before_it_was_read_is_asked_again(inline_chat):
    answer_until_ruling_date(inline_chat)
    inline_chat.say(typed(RULED))
    inline_chat.say("W18.U9/112/HK.02/2026")
    inline_chat.say(typed(RULED - timedelta(days=3)))
    assert "*sebelum* tanggal putusannya" in inline_chat.text and inline_chat.where()["step"] == "tgl_inkracht"


def test_a_report_later_than_60_days_is_flagged_and_explained_not_refused(sqlite_app, inline_chat, png):
    ruled, final = today() - timedelta(days=200), today() - timedelta(days=180)
    answer_until_spouses(inline_chat, ruled=ruled, final=final)
    assert "lebih dari 60 hari" in inline_chat.text and "tetap dicatat" in inline_chat.text
    assert inline_chat.where()["step"] == "suami_nama"  # and the report goes on
    answer_spouses(inline_chat)
    for name in ("putusan.png", "inkracht.png"):
        inline_chat.send_file(png, name, "image/png")
    inline_chat.press("yes")
    for name in ("akta.png", "kk.png", "ktp.png"):
        inline_chat.send_file(png, name, "image/png")
    inline_chat.say("lewati")
    replies = inline_chat.press("submit")
    assert TICKET.search(replies[0]["text"]).group(0).startswith("AKC-")
    with sqlite_app.app_context():
        req = db.session().execute(select(Request)).scalar_one()
        assert "Pelaporan perceraian lewat 60 hari sejak putusan berkekuatan hukum tetap" in req.flags
        assert req.missing_documents == []


def test_the_same_nik_for_both_spouses_is_asked_again(inline_chat):
    answer_until_spouses(inline_chat)
    inline_chat.say("Budi Santoso")
    inline_chat.press("WNI")
    inline_chat.say(HUSBAND_NIK)
    inline_chat.say(KK_NUMBER)
    inline_chat.say("Maria Magdalena Siahaan")
    inline_chat.press("WNI")
    inline_chat.say(HUSBAND_NIK)
    assert "NIK mantan istri sama dengan NIK mantan suami" in inline_chat.text
    assert inline_chat.where()["step"] == "istri_nik"
    inline_chat.say(WIFE_NIK)
    assert inline_chat.where()["step"] == "istri_kk"


def test_a_husband_nik_that_reads_female_gets_a_soft_note(inline_chat):
    answer_until_spouses(inline_chat)
    inline_chat.say("Budi Santoso")
    inline_chat.press("WNI")
    inline_chat.say(WIFE_NIK)  # a woman's NIK typed as the husband's
    assert "jenis kelaminnya perempuan" in inline_chat.text
    assert inline_chat.where()["step"] == "suami_kk"  # a note, not a refusal


def test_a_foreign_spouse_gives_a_passport_number_instead_of_a_nik(inline_chat):
    answer_until_spouses(inline_chat)
    inline_chat.say("John Smith")
    inline_chat.press("WNA")
    assert inline_chat.where()["step"] == "suami_paspor"
    inline_chat.say("X1234567")
    assert inline_chat.where()["step"] == "istri_nama"


def test_a_lost_marriage_certificate_gets_the_sptjm_form_as_a_pdf(sqlite_app, inline_chat, png):
    answer_until_spouses(inline_chat)
    answer_spouses(inline_chat)
    inline_chat.send_file(png, "putusan.png", "image/png")
    inline_chat.send_file(png, "inkracht.png", "image/png")
    replies = inline_chat.press("no")
    assert "SPTJM" in inline_chat.text and "hilang" in inline_chat.text
    forms = [r["document"] for r in replies if r.get("document")]
    assert len(forms) == 1 and forms[0]["content_type"] == "application/pdf"
    form = inline_chat.client.get(forms[0]["url"])
    assert form.status_code == 200 and form.data.startswith(b"%PDF")
    assert inline_chat.where()["step"] == "foto_sptjm"
    inline_chat.say("belum ada")
    inline_chat.send_file(png, "kk.png", "image/png")
    inline_chat.send_file(png, "ktp.png", "image/png")
    inline_chat.say("lewati")
    inline_chat.press("submit")
    with sqlite_app.app_context():
        req = db.session().execute(select(Request)).scalar_one()
        assert req.missing_documents == ["SPTJM kutipan akta perkawinan hilang"]
        assert "foto_akta_perkawinan" not in req.answers


def test_a_proxy_gets_the_power_of_attorney_form_and_is_the_applicant(sqlite_app, inline_chat, png):
    start(inline_chat)
    inline_chat.press("agree")
    replies = inline_chat.press("kuasa_suami")
    assert "surat kuasa" in inline_chat.text and any(r.get("document") for r in replies)
    inline_chat.say("Yohanes Manurung")
    inline_chat.say("6408010101800005")
    assert inline_chat.where()["step"] == "no_akta_perkawinan"


def test_a_muslim_divorce_is_sent_to_the_pengadilan_agama_and_the_kk_update(sqlite_app, inline_chat):
    start(inline_chat, religion="islam")
    said = inline_chat.text
    assert "akta cerai diterbitkan oleh Pengadilan Agama" in said
    assert "cerai hidup" in said and "KTP-el baru" in said and "dicetak di kantor kami" in said
    assert "Pemberitahuan data pribadi" not in said.split("KTP-el lama")[0]  # no divorce data asked for
    where = inline_chat.where()
    assert where["flow"] != "akta_perceraian" and "akta_perceraian" not in [d["flow"] for d in where["paused"]]
    target = load_flow("akta_perceraian").step("agama").options["redirect"]["islam"].get("service")
    if target and "kartu_keluarga" in available_flows():  # the KK status update starts, preset
        assert where["flow"] == "kartu_keluarga"
        assert where["answers"].get("perubahan") == ["status"]
        assert where["answers"].get("status_1_jadi") == "cerai_hidup"
    else:  # the KK flow is not online yet: the explanation, and the menu
        assert where["flow"] is None and "svc:kartu_keluarga" in inline_chat.buttons
    with sqlite_app.app_context():
        assert db.session().execute(select(Request)).first() is None  # nothing filed


def test_religion_is_understood_when_typed(inline_chat):
    inline_chat.say("sy udh cerai di pengadilan negeri, mau urus akta cerai")  # no menu needed
    assert inline_chat.where()["flow"] == "akta_perceraian" and inline_chat.where()["step"] == "agama"
    inline_chat.say("protestan")
    assert inline_chat.where()["answers"]["agama"] == "kristen" and inline_chat.where()["step"] == "persetujuan"


def test_a_typed_muslim_answer_is_routed_too(sqlite_app, inline_chat):
    inline_chat.say("halo")
    inline_chat.press("svc:akta_perceraian")
    inline_chat.say("saya muslim")
    assert "akta cerai diterbitkan oleh Pengadilan Agama" in inline_chat.text
    assert inline_chat.where()["flow"] != "akta_perceraian"


def test_refusing_the_privacy_notice_records_nothing(sqlite_app, inline_chat):
    start(inline_chat)
    inline_chat.press("disagree")
    assert "tidak akan mencatat data" in inline_chat.text
    assert inline_chat.where()["flow"] is None and inline_chat.where()["answers"] == {}


def test_a_marriage_date_changed_to_after_the_putusan_is_asked_again(inline_chat, png):
    answer_until_summary(inline_chat, png)
    inline_chat.press("cmd:edit")
    inline_chat.say("perkawinan")  # a section by its name
    assert "*Perkawinan*" in inline_chat.text and "Pengadilan Negeri Sangatta" not in inline_chat.text
    number = re.search(r"(\d+)\. Tanggal perkawinan: 20 Juni 2015", inline_chat.text).group(1)
    inline_chat.say(f"yg no {number}")
    inline_chat.say(typed(RULED + timedelta(days=3)))
    assert "harus *sesudah* tanggal perkawinan" in inline_chat.text and inline_chat.where()["step"] == "tgl_perkawinan"
    inline_chat.say("21/6/2015")
    assert inline_chat.where()["mode"] == "confirm" and "21 Juni 2015" in inline_chat.text


# ---- the real channels --------------------------------------------------------------------------
@pytest.mark.parametrize("channel, user", [("whatsapp", "6281234567891"), ("messenger", "24023456789012346")])
def test_it_files_a_divorce_report_over_the_meta_channels(meta_app, fake_meta, png, channel, user):
    chat = MetaChat(meta_app, fake_meta, channel, user, name="Maria Siahaan")
    answer_until_summary(chat, png)
    where = conversation(meta_app, channel, user)
    assert where["mode"] == "confirm" and where["flow"] == "akta_perceraian"
    assert "Maria Magdalena Siahaan" in chat.text and WIFE_NIK not in chat.text
    replies = chat.press("submit")
    ticket = TICKET.search(replies[0]["text"]).group(0)
    assert ticket.startswith("AKC-")
    documents = [r["document"] for r in replies if r.get("document")]
    assert documents and documents[-1]["filename"] == f"Tanda-terima-{ticket}.pdf"
    with meta_app.app_context():
        req = db.session().execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        assert req.contact.channel == channel and req.applicant_nik == WIFE_NIK
        assert req.missing_documents == ["KTP-el pelapor"]


def test_it_files_a_divorce_report_over_twilio(app, png):
    from delivery.channels.twilio import fake as twilio_fake
    from tests.twilio_drivers import CITIZEN, TwilioChat, configure
    server = twilio_fake.shared_server()
    server.reset()
    server.state["url"] = server.url
    configure(app, server.state)
    try:
        chat = TwilioChat(app, app.test_client(), server.state)
        answer_until_summary(chat, png)
        assert "Maria Magdalena Siahaan" in chat.text and WIFE_NIK not in chat.text
        replies = chat.press("submit")
        ticket = TICKET.search(" ".join(r.get("text", "") for r in replies)).group(0)
        assert ticket.startswith("AKC-")
        with app.app_context():
            req = db.session().execute(select(Request).where(Request.ticket == ticket)).scalar_one()
            assert req.contact.channel == "twilio" and req.applicant_nik == WIFE_NIK
        assert CITIZEN in str(server.state["messages"][-1]["To"])
    finally:
        server.reset()
