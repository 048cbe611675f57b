"""Perubahan / perbaikan Kartu Keluarga through the simulator, from "halo" to ticket and receipt:
one request per kind of change, several changes in one request, the repeats, the awkward answers;
then the same walk over WhatsApp and Messenger, and an officer issuing the KK with SIAK's PDF.

The whole correction and the channel walks run on both databases (on PostgreSQL every message goes
through the RQ worker); each other kind of change and each dialogue detail runs on SQLite alone, its
jobs inline (`inline_chat`, `sqlite_app`)."""
import io
import re
import textwrap

import pytest
import yaml
from pypdf import PdfReader
from sqlalchemy import select

from bot.core import db, storage
from bot.core.models import Document, Outbox, Request
from delivery import review
from flows import repeats
from flows.aftercare import common
from tests.channel_drivers import MetaChat
from tests.conftest import FATHER_NIK, KK_NUMBER, MOTHER_NIK, conversation
from tests.inbox_drivers import add_officer, form_token, sign_in, small_pdf
from tests.twilio_drivers import CITIZEN, TwilioChat, sent_to

TICKET = re.compile(r"KK-[0-9]{4,}")
NEWCOMER_NIK = "6408012005950004"     # 20-05-1995, man
GRANDFATHER_NIK = "6408010101500003"  # 01-01-1950, man


# ---- walking the flow ---------------------------------------------------------------------
def start(chat, *, kk: str = KK_NUMBER) -> None:
    """Open the KK flow as the head of family, accept the notice, up to the question what changed."""
    chat.say("halo")
    chat.press("svc:kartu_keluarga")
    assert "Pemberitahuan data pribadi" in chat.text
    chat.press("agree")
    chat.press("kepala")
    chat.say("Budi Santoso")
    chat.say(FATHER_NIK)
    chat.say("lewati")
    chat.say(kk)


def finish(chat, png: bytes, *, kk_photo: bool = True, f106: bool = False) -> None:
    """The documents every request ends with, up to the summary."""
    if kk_photo:
        chat.send_file(png, "kk.png", "image/png")
    chat.send_file(png, "ktp.png", "image/png")
    if f106:
        chat.say("belum ada")
    chat.say("lewati")


def submit(chat, client) -> tuple[str, str]:
    """Send the summary; the ticket and the receipt PDF's text."""
    assert chat.buttons == ["submit", "cmd:edit", "cmd:cancel"]
    replies = chat.press("submit")
    ticket = TICKET.search(replies[0]["text"]).group(0)
    document = replies[1]["document"]
    assert document["content_type"] == "application/pdf" and ticket in document["filename"]
    pdf = client.get(document["url"])
    assert pdf.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert ticket in text and "Kartu Keluarga" in text and "Budi Santoso" in text
    assert FATHER_NIK not in text and KK_NUMBER not in text
    return ticket, text


def filed(app, ticket: str) -> Request:
    with app.app_context(), db.new_session() as s:
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        s.expunge(req)
        return req


# ---- each kind of change ----------------------------------------------------------------------
def test_a_correction_keeps_the_old_and_the_new_value_with_its_proof(app, chat, client, png):
    start(chat)
    chat.say("perbaikan data")
    assert "Perbaikan ke-1" in chat.text
    chat.say("Putri Ayu Lestari")
    chat.press("nama")
    chat.say("PUTRI AYU LESTRI")
    chat.say("PUTRI AYU LESTRI")  # the same as the KK says: nothing to correct
    assert "sama persis dengan yang tertulis di KK" in chat.text
    assert chat.where()["step"] == "koreksi_1_baru"
    chat.say("PUTRI AYU LESTARI")
    assert "foto bukti" in chat.text and "ijazah" in chat.text
    chat.send_file(png, "akta.png", "image/png")
    assert "data lain" in chat.text
    chat.press("no")
    finish(chat, png, f106=True)
    summary = chat.text
    assert "Perbaikan data 1" in summary
    assert "PUTRI AYU LESTRI" in summary and "PUTRI AYU LESTARI" in summary
    assert FATHER_NIK not in summary and KK_NUMBER not in summary

    ticket, receipt = submit(chat, client)
    assert ticket == "KK-0001"
    assert "Formulir F-1.06" in receipt
    req = filed(app, ticket)
    assert req.service == "kartu_keluarga" and req.subject_name == "Budi Santoso"
    assert req.applicant_nik == FATHER_NIK and req.applicant_relation == "Kepala keluarga"
    assert req.answers["perubahan"] == ["koreksi"] and req.answers["no_kk"] == KK_NUMBER
    assert (req.answers["koreksi_1_elemen"], req.answers["koreksi_1_lama"], req.answers["koreksi_1_baru"]) == (
        "nama", "PUTRI AYU LESTRI", "PUTRI AYU LESTARI")
    assert req.missing_documents == ["Formulir F-1.06 (pernyataan perubahan elemen data)"]


def test_a_newborn_without_a_nik_and_a_marriage_in_one_request(sqlite_app, inline_chat, png):
    start(inline_chat)
    inline_chat.say("1 dan 3")
    inline_chat.say("Ahmad Fauzi")
    inline_chat.press("lahir")
    assert "tidak tahu" in inline_chat.text
    inline_chat.say("tidak tahu")
    inline_chat.press("anak")
    assert "Akta Kelahiran" in inline_chat.text  # it can be applied for in this chat too
    inline_chat.say("belum ada")
    inline_chat.press("no")  # no other member to add
    inline_chat.say("Siti Aminah")
    inline_chat.say(MOTHER_NIK)
    inline_chat.press("kawin")
    inline_chat.press("yes")
    inline_chat.send_file(png, "buku-nikah.png", "image/png")
    inline_chat.press("no")
    finish(inline_chat, png)
    summary = inline_chat.text
    assert "Anggota baru 1" in summary and "Status perkawinan 1" in summary
    assert "Tidak diketahui" in summary

    ticket, receipt = submit(inline_chat, inline_chat.client)
    req = filed(sqlite_app, ticket)
    assert req.answers["perubahan"] == ["tambah", "status"]
    assert req.answers["tambah_1_nik"] == {"unknown": True} and req.answers["tambah_1_alasan"] == "lahir"
    assert req.answers["status_1_jadi"] == "kawin"
    assert any("bayi baru lahir" in f for f in req.flags)
    assert req.missing_documents == ["Kutipan akta kelahiran anggota baru 1"]


def test_an_unregistered_marriage_gets_the_sptjm_form_in_the_chat(inline_chat, png):
    start(inline_chat)
    inline_chat.say("status perkawinan")
    inline_chat.say("Siti Aminah")
    inline_chat.say(MOTHER_NIK)
    inline_chat.press("kawin")
    replies = inline_chat.press("no")
    assert "kawin belum tercatat" in inline_chat.text and "F-2.04" in inline_chat.text
    assert any((r.get("document") or {}).get("content_type") == "application/pdf" for r in replies)
    assert "foto SPTJM (F-2.04)" in inline_chat.text


def test_removing_a_member_who_died(sqlite_app, inline_chat, png):
    start(inline_chat)
    inline_chat.say("2")
    inline_chat.say("Abdul Rahman")
    inline_chat.say(GRANDFATHER_NIK)
    inline_chat.press("meninggal")
    assert "turut berduka cita" in inline_chat.text and "Abdul Rahman" in inline_chat.text
    assert "Akta Kematian" in inline_chat.text  # may be applied for in this chat too
    inline_chat.send_file(png, "akta-kematian.png", "image/png")
    inline_chat.press("no")
    finish(inline_chat, png)
    assert "Anggota keluar 1" in inline_chat.text and "Meninggal dunia" in inline_chat.text

    ticket, receipt = submit(inline_chat, inline_chat.client)
    req = filed(sqlite_app, ticket)
    assert (req.answers["kurang_1_nama"], req.answers["kurang_1_nik"], req.answers["kurang_1_alasan"]) == (
        "Abdul Rahman", GRANDFATHER_NIK, "meninggal")
    assert req.missing_documents == []
    assert "Kutipan akta kematian" in receipt


def test_pecah_kk_says_the_new_kk_gets_a_new_number(sqlite_app, inline_chat, png):
    start(inline_chat)
    inline_chat.say("pecah kk")
    assert "KK baru dengan nomor KK baru" in inline_chat.text
    inline_chat.say("Rudi Hartono")
    inline_chat.say(NEWCOMER_NIK)
    inline_chat.say("1")
    inline_chat.say("Dewi Lestari")
    inline_chat.press("menikah")
    inline_chat.send_file(png, "buku-nikah.png", "image/png")
    inline_chat.say("Jl. Poros Sangatta RT 05, Desa Swarga Bara, Sangatta Utara")
    finish(inline_chat, png)
    assert "Pecah KK" in inline_chat.text and "Rudi Hartono" in inline_chat.text and "1 orang" in inline_chat.text

    ticket, _ = submit(inline_chat, inline_chat.client)
    req = filed(sqlite_app, ticket)
    assert req.answers["pecah_nik"] == NEWCOMER_NIK and req.answers["pecah_anggota"] == "Dewi Lestari"


def test_pecah_kk_alone_asks_no_names(inline_chat, png):
    start(inline_chat)
    inline_chat.say("4")
    inline_chat.say("Rudi Hartono")
    inline_chat.say(NEWCOMER_NIK)
    inline_chat.say("0")
    assert "alasan pecah KK" in inline_chat.text  # no list of names for nobody
    inline_chat.press("lainnya")
    inline_chat.say("sudah bekerja dan tinggal di rumah sendiri")
    inline_chat.say("sama")
    assert "foto Kartu Keluarga" in inline_chat.text


def test_a_new_head_of_family_is_told_the_kk_number_changes(sqlite_app, inline_chat, png):
    start(inline_chat)
    inline_chat.say("ganti kepala keluarga")
    inline_chat.say("Siti Aminah")
    inline_chat.say(MOTHER_NIK)
    inline_chat.press("meninggal")
    assert "*nomor KK ikut berubah*" in inline_chat.text and "Pasal 61" in inline_chat.text
    inline_chat.send_file(png, "akta-kematian.png", "image/png")
    finish(inline_chat, png)
    assert "Kepala keluarga baru" in inline_chat.text

    ticket, receipt = submit(inline_chat, inline_chat.client)
    assert filed(sqlite_app, ticket).answers["kepala_baru_nama"] == "Siti Aminah"
    assert "Nomor KK hanya berubah bila kepala keluarga berganti" in receipt


def test_a_lost_kk_may_have_an_unknown_number_and_asks_no_kk_photo(sqlite_app, inline_chat, png):
    start(inline_chat, kk="tidak tahu")
    inline_chat.say("kk hilang")
    inline_chat.press("hilang")
    assert "surat keterangan kehilangan dari kepolisian" in inline_chat.text
    inline_chat.send_file(png, "surat-polisi.png", "image/png")
    assert "KTP-el" in inline_chat.text and "foto Kartu Keluarga" not in inline_chat.text
    finish(inline_chat, png, kk_photo=False)
    assert "Tidak diketahui" in inline_chat.text

    ticket, receipt = submit(inline_chat, inline_chat.client)
    req = filed(sqlite_app, ticket)
    assert req.answers["no_kk"] == {"unknown": True} and "foto_kk" not in req.answers
    assert any("No. KK tidak diketahui" in f for f in req.flags)
    assert "Surat keterangan kehilangan dari kepolisian" in receipt


def test_a_damaged_kk_photo_stands_for_the_kk_photo(inline_chat, png):
    start(inline_chat)
    inline_chat.say("7")
    inline_chat.press("rusak")
    inline_chat.send_file(png, "kk-rusak.png", "image/png")
    assert "KTP-el" in inline_chat.text and "foto Kartu Keluarga" not in inline_chat.text


def test_two_members_added_in_one_request(sqlite_app, inline_chat, png):
    start(inline_chat)
    inline_chat.say("tambah anggota")
    inline_chat.say("Ahmad Fauzi")
    inline_chat.press("lahir")
    inline_chat.say("tidak tahu")
    inline_chat.press("anak")
    inline_chat.send_file(png, "akta-1.png", "image/png")
    assert "anggota lain" in inline_chat.text
    inline_chat.press("yes")
    assert "anggota baru ke-2" in inline_chat.text
    inline_chat.say("Rudi Hartono")
    inline_chat.press("datang")
    inline_chat.say(NEWCOMER_NIK)
    inline_chat.press("menantu")
    assert "SKPWNI" in inline_chat.text and "Rudi Hartono" in inline_chat.text
    inline_chat.send_file(png, "skpwni.png", "image/png")
    inline_chat.press("no")
    finish(inline_chat, png)
    summary = inline_chat.text
    assert "Anggota baru 1" in summary and "Anggota baru 2" in summary
    assert "Ahmad Fauzi" in summary and "Rudi Hartono" in summary and "Menantu" in summary

    ticket, _ = submit(inline_chat, inline_chat.client)
    answers = filed(sqlite_app, ticket).answers
    assert (answers["tambah_1_nama"], answers["tambah_2_nama"]) == ("Ahmad Fauzi", "Rudi Hartono")
    assert answers["tambah_2_alasan"] == "datang" and answers["tambah_2_nik"] == NEWCOMER_NIK


def test_unchoosing_a_damaged_kk_asks_for_the_kk_photo_again(inline_chat, png):
    start(inline_chat)
    inline_chat.say("2, 7")
    inline_chat.say("Abdul Rahman")
    inline_chat.say(GRANDFATHER_NIK)
    inline_chat.press("pindah")
    inline_chat.send_file(png, "skpwni.png", "image/png")
    inline_chat.press("no")
    inline_chat.press("rusak")
    inline_chat.send_file(png, "kk-rusak.png", "image/png")
    finish(inline_chat, png, kk_photo=False)
    inline_chat.press("cmd:edit")
    inline_chat.say("7")  # Yang berubah
    inline_chat.say("2")  # the KK is not damaged after all
    assert inline_chat.where()["step"] == "foto_kk"


def test_two_members_removed_cannot_share_a_nik(inline_chat, png):
    start(inline_chat)
    inline_chat.say("2")
    inline_chat.say("Abdul Rahman")
    inline_chat.say(GRANDFATHER_NIK)
    inline_chat.press("pindah")
    inline_chat.say("belum ada")
    inline_chat.press("yes")
    inline_chat.say("Rudi Hartono")
    inline_chat.say(GRANDFATHER_NIK)
    assert "sama dengan NIK anggota lain" in inline_chat.text and "Rudi Hartono" in inline_chat.text
    assert inline_chat.where()["step"] == "kurang_2_nik"
    inline_chat.say(NEWCOMER_NIK)
    assert inline_chat.where()["step"] == "kurang_2_alasan"


# ---- awkward answers ------------------------------------------------------------------------------
def test_what_changed_refuses_numbers_out_of_range_all_and_empty_answers(inline_chat):
    start(inline_chat)
    assert "1. Tambah anggota" in inline_chat.text and "7. KK hilang / rusak" in inline_chat.text
    inline_chat.say("7, 9")
    assert inline_chat.where()["step"] == "perubahan" and "Nomor 9 tidak ada di pilihan" in inline_chat.text
    inline_chat.say("semua")  # seven kinds at once is never what a family means: asked to name them
    assert inline_chat.where()["step"] == "perubahan" and '"semua" belum kami kenali' in inline_chat.text
    inline_chat.say(", ,")
    assert inline_chat.where()["step"] == "perubahan" and "1. Tambah anggota" in inline_chat.text
    inline_chat.say("   ")
    assert inline_chat.where()["step"] == "perubahan"
    inline_chat.say("pindah")  # moving in or moving out? not guessed
    assert inline_chat.where()["step"] == "perubahan" and '"pindah" belum kami kenali' in inline_chat.text
    assert "perubahan" not in inline_chat.where()["answers"]
    inline_chat.say("lahir dan cerai")  # words, not numbers
    assert inline_chat.where()["answers"]["perubahan"] == ["tambah", "status"]


def test_koreksi_typed_at_what_changed_is_the_answer_not_the_edit_command(inline_chat):
    start(inline_chat)
    inline_chat.say("koreksi")
    assert inline_chat.where()["answers"].get("perubahan") == ["koreksi"]


def test_the_kk_number_typed_as_the_nik_is_asked_again(inline_chat):
    inline_chat.say("halo")
    inline_chat.press("svc:kartu_keluarga")
    inline_chat.press("agree")
    inline_chat.press("anggota")
    inline_chat.say("Abdul Rahman")
    inline_chat.say("Budi Santoso")
    inline_chat.press("anak")
    inline_chat.say(FATHER_NIK)
    inline_chat.say("lewati")
    inline_chat.say(FATHER_NIK)  # a NIK that also reads as a KK number
    assert inline_chat.where()["step"] == "no_kk" and "sama dengan NIK" in inline_chat.text


def test_refusing_the_notice_records_nothing(sqlite_app, inline_chat):
    inline_chat.say("halo")
    inline_chat.press("svc:kartu_keluarga")
    notice = inline_chat.text
    assert "UU 27/2022" in notice and "90 hari" in notice and "Meta" in notice and "luar negeri" in notice
    inline_chat.press("disagree")
    assert "tidak akan mencatat data" in inline_chat.text
    assert inline_chat.where()["flow"] is None


# ---- started from another service -------------------------------------------------------------------
# Other flows (akta kematian, akta perceraian, the birth flow) start this one as a linked follow-up,
# carrying and presetting the ids named in the contract: no_kk, perubahan, kurang_1_nama/nik/alasan.
SOURCE = textwrap.dedent("""
    service: akta_kelahiran
    title: Uji Sumber
    intro: Mulai uji.
    steps:
      - {id: nama, kind: name, section: Almarhum, label: Nama, ask: "Nama almarhum?"}
      - {id: nik, kind: nik, section: Almarhum, label: NIK, ask: "NIK almarhum?"}
      - {id: kk, kind: kk, section: Almarhum, label: No. KK, ask: "No. KK almarhum?"}
    submit: {subject_label: Nama, subject: nama}
    done: "Terkirim {ticket}."
    follow_ups:
      - service: kartu_keluarga
        title: Ubah KK keluarga
        text: "Untuk mengeluarkan almarhum dari KK, tekan *Ubah KK keluarga*."
        carry: {no_kk: kk, kurang_1_nama: nama, kurang_1_nik: nik}
        preset: {perubahan: [kurang], kurang_1_alasan: meninggal}
    """)


@pytest.fixture
def source_flow(monkeypatch, tmp_path):
    """SOURCE served as the birth-certificate flow, leading to the real KK flow."""
    from flows import definition, schema

    assert schema.check_links({"sumber": yaml.safe_load(SOURCE),
                               "kartu_keluarga": repeats.expand(yaml.safe_load(
                                   (definition.FLOW_DIR / "kartu_keluarga.yml").read_text()))[0]}) == []
    path = tmp_path / "akta_kelahiran.yml"
    path.write_text(SOURCE)
    flow = definition.read_flow(path, "akta_kelahiran")
    real = definition.load_flow
    monkeypatch.setattr("flows.engine.load_flow", lambda name: flow if name == "akta_kelahiran" else real(name))
    real_filed = common.flow_or_none
    monkeypatch.setattr("flows.engine.flow_or_none",
                        lambda req, office: flow if req.service == "akta_kelahiran" else real_filed(req, office))
    return flow


def test_a_death_reported_elsewhere_starts_the_kk_change_with_the_deceased_filled_in(sqlite_app, inline_chat, png, source_flow):
    chat = inline_chat  # the flow is served from this process (monkeypatched): no separate worker
    chat.say("halo")
    chat.press("svc:akta_kelahiran")
    chat.say("Abdul Rahman")
    chat.say(GRANDFATHER_NIK)
    chat.say(KK_NUMBER)
    chat.press("submit")
    first = re.search(r"Terkirim ([A-Z]+-[0-9]+)", chat.text).group(1)
    chat.press(f"follow:0:{first}")
    assert "Pemberitahuan data pribadi" in chat.text  # consent is never carried
    chat.press("agree")
    chat.press("anggota")
    chat.say("Budi Santoso")
    chat.say("Siti Aminah")
    chat.press("pasangan")
    chat.say(MOTHER_NIK)
    chat.say("lewati")
    # The KK number, what changed, and who leaves and why came with the first request.
    assert chat.where()["step"] == "kurang_1_akta_mati" and "Abdul Rahman" in chat.text
    chat.say("belum ada")
    chat.press("no")
    finish(chat, png)
    assert "Anggota keluar 1" in chat.text and "Meninggal dunia" in chat.text
    replies = chat.press("submit")
    ticket = TICKET.search(replies[0]["text"]).group(0)
    req = filed(sqlite_app, ticket)
    assert req.answers["no_kk"] == KK_NUMBER and req.answers["perubahan"] == ["kurang"]
    assert req.answers["kurang_1_nik"] == GRANDFATHER_NIK and req.linked_to is not None
    assert req.applicant_name == "Siti Aminah" and req.subject_name == "Budi Santoso"


# ---- real channels ---------------------------------------------------------------------------------
def walk_correction(chat, png: bytes) -> None:
    start(chat)
    chat.say("6")
    chat.say("Putri Ayu Lestari")
    chat.press("ttl")
    chat.say("Sangata, 5-1-2026")
    chat.say("Sangatta, 5 Januari 2026")
    chat.send_file(png, "akta.png", "image/png")
    chat.press("no")
    finish(chat, png, f106=True)


def test_a_correction_over_whatsapp(meta_app, fake_meta, png):
    chat = MetaChat(meta_app, fake_meta, "whatsapp", "6281234567891")
    walk_correction(chat, png)
    assert conversation(meta_app, "whatsapp", "6281234567891")["mode"] == "confirm"
    assert "Sangatta, 5 Januari 2026" in chat.text
    replies = chat.press("submit")
    ticket = TICKET.search(replies[0]["text"]).group(0)
    assert chat.calls[-1]["body"]["type"] == "document"
    assert chat.calls[-1]["body"]["document"]["filename"] == f"Tanda-terima-{ticket}.pdf"
    assert filed(meta_app, ticket).answers["koreksi_1_baru"] == "Sangatta, 5 Januari 2026"


def test_a_correction_over_messenger(meta_app, fake_meta, png):
    chat = MetaChat(meta_app, fake_meta, "messenger", "24023456789012399")
    walk_correction(chat, png)
    assert conversation(meta_app, "messenger", "24023456789012399")["mode"] == "confirm"
    replies = chat.press("submit")
    ticket = TICKET.search(replies[0]["text"]).group(0)
    assert chat.calls[-1]["file"]["filename"] == f"Tanda-terima-{ticket}.pdf"
    assert filed(meta_app, ticket).answers["koreksi_1_elemen"] == "ttl"


def test_a_correction_over_whatsapp_through_twilio(twilio_app, fake_twilio, png):
    chat = TwilioChat(twilio_app, twilio_app.test_client(), fake_twilio)
    walk_correction(chat, png)  # every button pressed by typing its number
    assert conversation(twilio_app, "twilio", CITIZEN)["mode"] == "confirm"
    assert FATHER_NIK not in sent_to(fake_twilio)[-1]["Body"]
    replies = chat.press("submit")
    ticket = TICKET.search(replies[0]["text"]).group(0)
    assert sent_to(fake_twilio)[-1]["Body"] == f"📄 Tanda-terima-{ticket}.pdf"
    assert filed(twilio_app, ticket).answers["koreksi_1_lama"] == "Sangata, 5-1-2026"


# ---- the officer issues the KK from SIAK ------------------------------------------------------------
def act(client, ticket: str, action: str, files=None, **form):
    """Submit the review page's action form, with the page's CSRF token."""
    token = form_token(client.get(f"/inbox/requests/{ticket}").get_data(as_text=True))
    data = {"csrf_token": token, "action": action, **form, **(files or {})}
    return client.post(f"/inbox/requests/{ticket}/action", data=data, content_type="multipart/form-data")


def test_an_officer_issues_the_kk_by_uploading_the_pdf_from_siak(sqlite_app, png):
    from tests.conftest import Chat

    chat = Chat(sqlite_app.test_client(), "citizen-1")
    start(chat, kk="tidak tahu")
    chat.say("hilang")
    chat.press("hilang")
    chat.send_file(png, "surat-polisi.png", "image/png")
    finish(chat, png, kk_photo=False)
    ticket, _ = submit(chat, chat.client)

    add_officer(sqlite_app, username="ani", role="verifier", name="Ani Verifikator")
    officer = sqlite_app.test_client()
    assert sign_in(officer, "ani").status_code == 302
    page = officer.get(f"/inbox/requests/{ticket}").get_data(as_text=True)
    assert "Budi Santoso" in page and FATHER_NIK in page  # officers see the full NIK
    assert "Surat keterangan kehilangan dari kepolisian" in page and "KK hilang / rusak" in page
    assert "Tidak diketahui" in page and "{'unknown'" not in page.replace("&#39;", "'")  # the KK number nobody remembered
    assert "No. KK tidak diketahui pemohon" in page  # the flag: find it in SIAK by the NIK
    assert act(officer, ticket, "assign").status_code == 303
    assert act(officer, ticket, "approve").status_code == 303
    # The office has no KK layout of its own: generating is refused, saying to attach SIAK's PDF.
    refused = act(officer, ticket, "issue", document_number=KK_NUMBER, generate="1")
    assert refused.status_code == 303
    assert "lampirkan PDF dari SIAK" in officer.get(f"/inbox/requests/{ticket}").get_data(as_text=True)
    assert filed(sqlite_app, ticket).status == "approved"

    pdf = small_pdf("KARTU KELUARGA")
    issued = act(officer, ticket, "issue", files={"pdf": (io.BytesIO(pdf), "kk.pdf", "application/pdf")},
                 document_number=KK_NUMBER)
    assert issued.status_code == 303
    req = filed(sqlite_app, ticket)
    assert req.status in ("issued", "delivered") and req.document_number == KK_NUMBER
    with sqlite_app.app_context(), db.new_session() as s:
        doc = review.current_issued(s, req.id)
        assert storage.load(doc.storage_key) == pdf and doc.source == "attached"
        assert doc.filename == f"kartu-keluarga-{ticket}.pdf"
        sent = s.execute(select(Outbox).where(Outbox.contact_id == req.contact_id, Outbox.kind == "document")
                         .order_by(Outbox.id.desc())).scalars().first()
        assert sent.payload["document"]["document_id"] == doc.id
        assert s.get(Document, doc.id).kind == "issued"
    messages = chat.client.get("/try/api/messages?user=citizen-1").get_json()["messages"]
    told = next(m["text"] for m in reversed(messages) if m["direction"] == "out" and m.get("text")
                and ticket in m["text"])
    assert "Perubahan / Perbaikan Kartu Keluarga" in told and "HVS A4 80 gram" in told
    assert KK_NUMBER not in told and KK_NUMBER[:4] in told  # the KK number, masked like every NIK/KK in a chat
    assert messages[-1]["document"]["filename"] == f"kartu-keluarga-{ticket}.pdf"
