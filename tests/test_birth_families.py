"""The birth flow for real families (issue 12, item 4): who is asking, a father who died or is not
known, a found child, twins, a foreign parent, what may be unknown, checks across answers, the
F-2.01 fields, the SPTJM forms, the privacy notice and the grouped summary.

Each test walks the simulator with `walk`, which answers whatever question the conversation is at
from a plan keyed by step id, so a test names only what its family does differently.

Each checks one detail of the dialogue, on SQLite alone with its jobs inline (`inline_chat`,
`sqlite_app`); the twins' linked second request runs on both databases (on PostgreSQL through the
RQ worker), as the whole birth flow does in its own tests."""
import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.core import db
from bot.core.models import Request
from delivery import certificates
from tests.conftest import FATHER_NIK, KK_NUMBER, MOTHER_NIK, WITNESS_1, WITNESS_2, png_bytes

TICKET = re.compile(r"[A-Z]{2,5}-[0-9]{4,}")
PNG = png_bytes()


class Press:
    """A button pressed (by id) instead of a typed answer."""

    def __init__(self, button: str):
        self.button = button


PHOTO = object()  # send a photo at this step
CONFIRM = "propose_yes"  # "Maksud Bapak/Ibu *Sangatta, Kutai Timur*?" Ya

# A father applying, every answer that applies to him, keyed by step id (the conftest helpers' family).
FATHER = {
    "anak_nama": "Putri Ayu Lestari", "anak_jk": "perempuan", "anak_tgl_lahir": "5 Januari 2026",
    "anak_pukul": "14.30", "anak_tempat_dilahirkan": Press("puskesmas"),
    "anak_faskes": "Puskesmas Sangatta Utara", "anak_kota_lahir": "Sangatta", "anak_jenis_kelahiran": Press("tunggal"),
    "anak_ke": "2", "anak_agama": Press("islam"), "anak_penolong": "bidan", "anak_berat": "3200", "anak_panjang": "49",
    "ayah_nama": "Budi Santoso", "ayah_wn": Press("WNI"), "ayah_nik": FATHER_NIK, "ayah_tempat_lahir": "Samarinda",
    "ayah_tgl_lahir": "17/8/1990",
    "ibu_nama": "Siti Aminah", "ibu_wn": Press("WNI"), "ibu_nik": MOTHER_NIK, "ibu_tempat_lahir": "Balikpapan",
    "ibu_tgl_lahir": "3-2-1993", "no_kk": KK_NUMBER, "domisili_desa": "Swarga Bara",
    "punya_surat_lahir": Press("yes"), "foto_surat_lahir": PHOTO, "punya_buku_nikah": Press("yes"),
    "foto_buku_nikah": PHOTO, "foto_kk": PHOTO, "foto_ktp_ayah": PHOTO, "foto_ktp_ibu": PHOTO, "email": "lewati",
    # The SPTJM paths.
    "sptjm_lahir": Press("agree"), "sptjm_nikah": Press("agree"), "sptjm_keduanya": Press("agree"),
    "saksi1_nama": WITNESS_1[0], "saksi1_nik": WITNESS_1[1], "saksi1_kk": WITNESS_1[2], "saksi1_wn": Press("WNI"),
    "saksi2_nama": WITNESS_2[0], "saksi2_nik": WITNESS_2[1], "saksi2_kk": WITNESS_2[2], "saksi2_wn": Press("WNI"),
    "foto_sptjm_lahir": "belum ada", "foto_sptjm_nikah": "belum ada",
    # Someone else applying.
    "izin_ortu": Press("agree"), "pelapor_nama": "Hj. Maimunah", "pelapor_wn": Press("WNI"),
    "pelapor_nik": "6408015203550007", "pelapor_kk": "6408010705190005", "pelapor_hp": "lewati",
}


def give(chat, answer) -> None:
    """One answer: typed, pressed or a photo."""
    if answer is PHOTO:
        chat.send_file(PNG, "foto.png", "image/png")
    elif isinstance(answer, Press):
        chat.press(answer.button)
    else:
        chat.say(answer)


def walk(chat, plan: dict, *, until: str | tuple = ()) -> list[str]:
    """Answer the question the conversation is at from `plan` (step id -> answer) until the summary,
    the step(s) `until`, or a question the plan has no answer for; the steps asked, in order."""
    asked, until = [], (until,) if isinstance(until, str) else until
    for _ in range(150):
        step = chat.where()["step"]
        if step is None or step in until or step not in plan:
            return asked
        asked.append(step)
        give(chat, plan[step])
        if chat.where()["step"] == step:
            if CONFIRM in chat.buttons:  # "Maksud Bapak/Ibu ...?" Ya
                chat.press(CONFIRM)
            if chat.where()["step"] == step:
                raise AssertionError(f"{step}: {plan[step]!r} was not taken: {chat.text}")
    raise AssertionError("the walk did not end")


def start(chat, who: str) -> None:
    """Open the birth flow and say who is applying."""
    chat.say("halo")
    chat.press("svc:akta_kelahiran")
    chat.press(who)


def filed(app) -> Request:
    """The one request filed in the test."""
    with app.app_context(), db.new_session() as s:
        req = s.execute(select(Request).order_by(Request.id.desc())).scalars().first()
        s.expunge(req)
        return req


def submit(chat) -> str:
    """Send the summary; the ticket."""
    chat.press("submit")
    return TICKET.search(chat.text).group(0)


# ---- who is asking ------------------------------------------------------------------------------------
def test_anak_saya_is_not_taken_as_other_family_and_asks_father_or_mother(inline_chat):
    inline_chat.say("halo")
    inline_chat.press("svc:akta_kelahiran")
    inline_chat.say("anak saya")
    assert inline_chat.where()["step"] == "hubungan"  # not "Keluarga lain" (whose permission question would follow)
    assert "sudah mengizinkan" not in inline_chat.text
    assert "*Ayah si anak* atau *Ibu si anak*" in inline_chat.text
    assert {"ayah", "ibu"} <= set(inline_chat.buttons)
    inline_chat.say("saya ibunya")
    assert inline_chat.where()["answers"]["hubungan"] == "ibu"


def test_an_adult_registers_their_own_birth_late(sqlite_app, inline_chat):
    start(inline_chat, "sendiri")
    plan = {**FATHER, "persetujuan": Press("agree"), "anak_nama": "Rahmat Hidayat", "anak_jk": "laki-laki",
            "anak_nik": "6408011005000007", "anak_tgl_lahir": "10/5/2000", "ayah_status": Press("ada"),
            "ayah_nik": FATHER_NIK, "ayah_tgl_lahir": "17/8/1970", "ibu_tgl_lahir": "3/2/1973",
            "ibu_nik": "6408014302730002", "no_kk": KK_NUMBER}
    asked = walk(inline_chat, plan)
    assert "anak_nik" in asked and {"ayah_nama", "ibu_nama"} <= set(asked)  # the parents are still asked
    assert "pelapor_nama" not in asked and "izin_ortu" not in asked
    submit(inline_chat)
    req = filed(sqlite_app)
    assert req.applicant_relation.startswith("Diri sendiri")
    assert req.applicant_name == "Rahmat Hidayat" and req.applicant_nik == "6408011005000007"
    assert req.subject_name == "Rahmat Hidayat"


# ---- the father ---------------------------------------------------------------------------------------
def test_a_father_who_died_is_named_without_nik_or_ktp(sqlite_app, inline_chat):
    start(inline_chat, "ibu")
    plan = {**FATHER, "persetujuan": Press("agree"), "ayah_status": "bapaknya udah meninggal",
            "ayah_nik_alm": "tidak tahu", "ada_akta_kematian_ayah": Press("yes"), "foto_akta_kematian_ayah": PHOTO}
    asked = walk(inline_chat, plan)
    answers = inline_chat.where()["answers"]
    assert answers["ayah_status"] == "meninggal" and answers["ayah_nama"] == "Budi Santoso"
    assert answers["ayah_nik_alm"] == {"unknown": True}
    assert "foto_ktp_ayah" not in asked and "foto_akta_kematian_ayah" in asked
    assert "Tidak diketahui" in inline_chat.text  # the summary shows the unknown NIK as such
    submit(inline_chat)
    req = filed(sqlite_app)
    assert "KTP-el ayah" not in req.missing_documents
    assert any("NIK ayah (almarhum) tidak diketahui" in f for f in req.flags)


def test_a_single_mother_is_not_asked_about_the_father_and_the_akta_names_her_only(sqlite_app, inline_chat):
    start(inline_chat, "ibu")
    inline_chat.press("agree")
    walk(inline_chat, FATHER, until="ayah_status")
    inline_chat.press("tidak_diketahui")
    assert "nama ibu saja" in inline_chat.text
    asked = walk(inline_chat, FATHER)
    assert not [s for s in asked if s.startswith("ayah_") or s == "foto_ktp_ayah"]
    assert "punya_buku_nikah" not in asked and "sptjm_nikah" not in asked
    submit(inline_chat)
    answers = filed(sqlite_app).answers
    pdf = certificates.render("akta_kelahiran", answers, document_number="6408-LT-1", issued_on=date(2026, 2, 1),
                              verify_url="https://example.test/v/1", office={"name": "Disdukcapil"}, specimen=True)
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "dari ibu" in text and "Siti Aminah" in text
    assert "ayah" not in text.lower()


def test_the_certificate_prints_the_parents_as_the_family_is():
    base = {"anak_nama": "Putri", "anak_jk": "P", "anak_tgl_lahir": "2026-01-05", "anak_kota_lahir": "Sangatta",
            "anak_ke": 1, "ayah_nama": "Budi Santoso", "ibu_nama": "Siti Aminah", "ayah_wn": "WNI", "ibu_wn": "WNI"}

    def text(**answers) -> str:
        pdf = certificates.render("akta_kelahiran", {**base, **answers}, document_number="1",
                                  issued_on=date(2026, 2, 1), verify_url="https://example.test/v/1",
                                  office={"name": "Disdukcapil"}, specimen=True)
        return " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())

    both = text()
    assert "dari ayah" in both and "Budi Santoso" in both and "belum tercatat" not in both
    assert "perkawinannya belum tercatat" in text(punya_buku_nikah=False)
    found = text(asal_usul="ditemukan", anak_ke={"unknown": True})
    assert "Budi" not in found and "Siti" not in found and "anak ke" not in found
    assert "INDONESIA" in found


def test_a_found_child_needs_the_police_report_and_no_parents(sqlite_app, inline_chat):
    start(inline_chat, "wali")
    inline_chat.press("ditemukan")
    assert "berita acara" in inline_chat.text
    plan = {**FATHER, "persetujuan": Press("agree"), "foto_berita_acara": "belum ada"}
    asked = walk(inline_chat, plan)
    assert "foto_berita_acara" in asked and "pelapor_nama" in asked
    assert not [s for s in asked if s.startswith(("ayah_", "ibu_", "punya_", "foto_ktp"))]
    submit(inline_chat)
    req = filed(sqlite_app)
    assert req.missing_documents == ["Berita acara penemuan anak dari kepolisian"]
    assert req.applicant_relation == "Wali"


# ---- a foreign parent ------------------------------------------------------------------------------------
def test_a_foreign_father_gives_his_passport_instead_of_a_nik(sqlite_app, inline_chat):
    start(inline_chat, "ibu")
    inline_chat.press("agree")
    walk(inline_chat, {**FATHER, "ayah_status": Press("ada")}, until="ayah_wn")
    inline_chat.press("WNI")
    assert inline_chat.where()["step"] == "ayah_nik"
    inline_chat.say("tidak punya NIK, WNA")  # not taken as a NIK: back to the citizenship, the old answer shown
    assert inline_chat.where()["step"] == "ayah_wn" and "pilih *WNA*" in inline_chat.text
    assert "Jawaban sebelumnya: WNI" in inline_chat.text
    inline_chat.press("WNA")
    assert inline_chat.where()["step"] == "ayah_paspor"  # citizenship comes before the NIK
    inline_chat.say("A1234567")
    inline_chat.say("Malaysia")
    asked = walk(inline_chat, {**FATHER, "foto_paspor_ayah": PHOTO})
    assert "foto_paspor_ayah" in asked and "foto_ktp_ayah" not in asked
    answers = inline_chat.where()["answers"]
    assert answers["ayah_paspor"] == "A1234567" and "ayah_nik" not in answers


# ---- what may be unknown ----------------------------------------------------------------------------------
def test_a_home_birth_may_not_know_weight_length_or_time_and_the_officer_is_told(sqlite_app, inline_chat):
    start(inline_chat, "ayah")
    plan = {**FATHER, "persetujuan": Press("agree"), "anak_tempat_dilahirkan": Press("rumah"),
            "anak_penolong": "dukun", "anak_pukul": "tidak tahu", "anak_berat": "tidak tahu",
            "anak_panjang": "gak tahu"}
    asked = walk(inline_chat, plan)
    assert "anak_faskes" not in asked
    answers = inline_chat.where()["answers"]
    assert answers["anak_berat"] == answers["anak_panjang"] == answers["anak_pukul"] == {"unknown": True}
    submit(inline_chat)
    flags = " | ".join(filed(sqlite_app).flags)
    assert "Berat lahir tidak diketahui" in flags and "Panjang lahir tidak diketahui" in flags
    assert "Pukul lahir tidak diketahui" in flags


def test_the_questions_say_what_may_be_left_unknown(inline_chat):
    start(inline_chat, "ayah")
    inline_chat.press("agree")
    walk(inline_chat, FATHER, until="anak_berat")
    assert "tidak tahu" in inline_chat.text
    walk(inline_chat, FATHER, until="ayah_nik")
    assert "tidak tahu" not in inline_chat.text  # a living father's NIK is needed
    inline_chat.say("tidak tahu")
    assert inline_chat.where()["step"] == "ayah_nik"


def test_a_witness_nik_may_be_unknown(sqlite_app, inline_chat):
    start(inline_chat, "ayah")
    plan = {**FATHER, "persetujuan": Press("agree"), "punya_surat_lahir": Press("no"), "saksi2_nik": "tidak tahu",
            "saksi2_kk": "tidak tahu"}
    walk(inline_chat, plan)
    submit(inline_chat)
    flags = " | ".join(filed(sqlite_app).flags)
    assert "NIK saksi 2 tidak diketahui" in flags


# ---- checks across answers ---------------------------------------------------------------------------------
def test_a_mother_younger_than_ten_at_the_birth_is_asked_again(inline_chat):
    start(inline_chat, "ayah")
    inline_chat.press("agree")
    walk(inline_chat, {**FATHER, "anak_tgl_lahir": "5/1/1930", "ayah_tgl_lahir": "1/1/1900"}, until="ibu_tgl_lahir")
    inline_chat.say("3/2/2015")
    assert inline_chat.where()["step"] == "ibu_tgl_lahir" and "10 tahun" in inline_chat.text
    assert "ibu_tgl_lahir" not in inline_chat.where()["answers"]


def test_a_father_younger_than_ten_at_the_birth_is_asked_again(inline_chat):
    start(inline_chat, "ayah")
    inline_chat.press("agree")
    walk(inline_chat, FATHER, until="ayah_tgl_lahir")
    inline_chat.say("17/8/2020")
    assert inline_chat.where()["step"] == "ayah_tgl_lahir" and "10 tahun" in inline_chat.text


def test_a_witness_with_the_father_nik_is_asked_again(inline_chat):
    start(inline_chat, "ayah")
    inline_chat.press("agree")
    walk(inline_chat, {**FATHER, "punya_surat_lahir": Press("no")}, until="saksi1_nik")
    inline_chat.say(FATHER_NIK)
    assert inline_chat.where()["step"] == "saksi1_nik" and "NIK saksi" in inline_chat.text
    inline_chat.say(WITNESS_1[1])
    walk(inline_chat, FATHER, until="saksi2_nik")
    inline_chat.say(WITNESS_1[1])  # the first witness's NIK again
    assert inline_chat.where()["step"] == "saksi2_nik"
    inline_chat.say(MOTHER_NIK)
    assert inline_chat.where()["step"] == "saksi2_nik"
    inline_chat.say(WITNESS_2[1])
    assert inline_chat.where()["step"] == "saksi2_kk"


def test_the_father_nik_given_again_as_the_mother_nik_is_asked_again(inline_chat):
    start(inline_chat, "ayah")
    inline_chat.press("agree")
    walk(inline_chat, FATHER, until="ibu_nik")
    inline_chat.say(FATHER_NIK)
    assert inline_chat.where()["step"] == "ibu_nik" and "NIK ibu" in inline_chat.text
    inline_chat.say(MOTHER_NIK)
    assert inline_chat.where()["step"] == "ibu_tempat_lahir"


def test_the_father_nik_typed_as_the_kk_number_is_asked_again(inline_chat):
    start(inline_chat, "ayah")
    inline_chat.press("agree")
    walk(inline_chat, FATHER, until="no_kk")
    inline_chat.say(FATHER_NIK)
    assert inline_chat.where()["step"] == "no_kk" and "nomor KK" in inline_chat.text
    inline_chat.say(KK_NUMBER)
    assert inline_chat.where()["step"] == "domisili_desa"


# ---- F-2.01 fields ------------------------------------------------------------------------------------------
def test_f201_fields_reporter_citizenship_witness_kk_and_citizenship_domicile_and_religion(sqlite_app, inline_chat):
    start(inline_chat, "keluarga")
    plan = {**FATHER, "persetujuan": Press("agree"), "ayah_status": Press("ada"), "punya_surat_lahir": Press("no"),
            "anak_jenis_kelahiran": Press("kembar4"), "anak_agama": Press("katolik")}
    asked = walk(inline_chat, plan)
    assert {"pelapor_wn", "saksi1_kk", "saksi1_wn", "saksi2_kk", "saksi2_wn", "domisili_desa", "anak_agama"} <= set(asked)
    answers = inline_chat.where()["answers"]
    assert answers["anak_jenis_kelahiran"] == "kembar4" and answers["anak_agama"] == "katolik"
    assert answers["saksi1_kk"] == WITNESS_1[2]


def test_birth_types_include_quadruplets_and_other(inline_chat):
    start(inline_chat, "ayah")
    inline_chat.press("agree")
    walk(inline_chat, FATHER, until="anak_jenis_kelahiran")
    assert {"tunggal", "kembar2", "kembar3", "kembar4", "lainnya"} <= set(inline_chat.buttons)


def test_a_hospital_birth_asks_the_hospital_name_as_its_own_answer(inline_chat):
    start(inline_chat, "ayah")
    inline_chat.press("agree")
    walk(inline_chat, FATHER, until="anak_tempat_dilahirkan")
    inline_chat.press("rs")
    assert inline_chat.where()["step"] == "anak_faskes"
    inline_chat.say("RS Kudungga")
    assert inline_chat.where()["answers"]["anak_faskes"] == "RS Kudungga"


# ---- SPTJM ------------------------------------------------------------------------------------------------
def sptjm_question(chat, surat_lahir: bool, buku_nikah: bool) -> str:
    """Walk to the SPTJM question of a family with/without a birth letter and a marriage book; its id."""
    start(chat, "ayah")
    chat.press("agree")
    plan = {**FATHER, "punya_surat_lahir": Press("yes" if surat_lahir else "no"),
            "punya_buku_nikah": Press("yes" if buku_nikah else "no")}
    walk(chat, plan, until=("sptjm_lahir", "sptjm_nikah", "sptjm_keduanya"))
    return chat.where()["step"]


def documents_sent(replies: list[dict]) -> list[dict]:
    return [r["document"] for r in replies if r.get("document")]


def test_no_birth_letter_asks_for_f203_and_sends_it(inline_chat):
    assert sptjm_question(inline_chat, surat_lahir=False, buku_nikah=True) == "sptjm_lahir"
    assert "F-2.03" in inline_chat.text and "F-2.04" not in inline_chat.text and "di kantor" not in inline_chat.text
    replies = inline_chat.press("agree")
    sent = documents_sent(replies)
    assert len(sent) == 1 and sent[0]["content_type"] == "application/pdf"
    assert "saksi pertama" in inline_chat.text


def test_no_marriage_book_asks_for_f204_warns_of_its_phrase_and_sends_it(inline_chat):
    assert sptjm_question(inline_chat, surat_lahir=True, buku_nikah=False) == "sptjm_nikah"
    assert "F-2.04" in inline_chat.text and "F-2.03" not in inline_chat.text
    assert "perkawinannya belum tercatat" in inline_chat.text
    assert len(documents_sent(inline_chat.press("agree"))) == 1


def test_neither_asks_for_both_forms_and_sends_both(inline_chat):
    assert sptjm_question(inline_chat, surat_lahir=False, buku_nikah=False) == "sptjm_keduanya"
    assert "F-2.03" in inline_chat.text and "F-2.04" in inline_chat.text
    assert "perkawinannya belum tercatat" in inline_chat.text
    assert len(documents_sent(inline_chat.press("agree"))) == 2


# ---- the privacy notice and the summary --------------------------------------------------------------------
def test_the_privacy_notice_names_law_retention_transfer_and_who_to_contact(inline_chat):
    start(inline_chat, "ayah")
    notice = inline_chat.text
    assert "UU 24/2013" in notice and "UU 27/2022" in notice
    assert "arsip" in notice and "90 hari" in notice  # photos deleted; the request record kept as archive
    assert "Meta" in notice and "luar Indonesia" in notice
    assert "pelindungan data" in notice


def test_the_privacy_notice_gives_the_dpo_contact(sqlite_app, inline_chat):
    from flows.office import placeholder_values
    start(inline_chat, "ayah")
    dpo = placeholder_values(sqlite_app.config["OFFICE"])["dpo_contact"]
    assert "Pejabat pelindungan data kami: " + dpo in inline_chat.text


def test_witness_data_is_announced_before_the_witness_questions(inline_chat):
    sptjm_question(inline_chat, surat_lahir=False, buku_nikah=True)
    inline_chat.press("agree")
    assert inline_chat.where()["step"] == "saksi1_nama"
    assert "kami catat" in inline_chat.text and "beri tahu kedua saksi" in inline_chat.text


def test_the_summary_groups_answers_by_section_and_ubah_takes_a_section(inline_chat):
    start(inline_chat, "ayah")
    inline_chat.press("agree")
    walk(inline_chat, FATHER)
    summary = inline_chat.text
    headings = ["*Pemohon*", "*Anak*", "*Ayah*", "*Ibu*", "*Dokumen*", "*Kontak*"]
    positions = [summary.find(heading) for heading in headings]
    assert -1 not in positions and positions == sorted(positions), summary
    inline_chat.press("cmd:edit")
    inline_chat.say("ayah")
    assert "Nama ayah: Budi Santoso" in inline_chat.text and "Nama ibu" not in inline_chat.text
    number = next(line for line in inline_chat.text.splitlines() if "Nama ayah:" in line).split(".")[0]
    inline_chat.say(f"yg no {number}")
    inline_chat.say("Budi Santosa")
    assert "*Ayah*" in inline_chat.text and "Budi Santosa" in inline_chat.text and "Nama ibu" not in inline_chat.text


# ---- twins ---------------------------------------------------------------------------------------------------
def test_twins_one_request_each_the_second_carries_the_parents_and_asks_the_order_again(app, chat):
    start(chat, "ayah")
    chat.press("agree")
    walk(chat, {**FATHER, "anak_jenis_kelahiran": Press("kembar2"), "anak_ke": "2"})
    first = submit(chat)
    follow = [b for b in chat.buttons if "akta_kelahiran" in b or "follow" in b]
    assert follow, chat.buttons
    assert "kembar" in chat.text.lower()
    chat.press(follow[0])
    where = chat.where()
    assert where["flow"] == "akta_kelahiran"
    carried = where["answers"]
    assert carried["ayah_nama"] == "Budi Santoso" and carried["ibu_nik"] == MOTHER_NIK
    assert carried["anak_jenis_kelahiran"] == "kembar2"
    assert "anak_nama" not in carried and "anak_ke" not in carried
    asked = walk(chat, {**FATHER, "persetujuan": Press("agree"), "anak_nama": "Putra Ayu Lestari",
                        "anak_jk": "laki-laki", "anak_ke": "3", "anak_pukul": "14.35"})
    assert "anak_ke" in asked and "ayah_nama" not in asked and "anak_jenis_kelahiran" not in asked
    second = submit(chat)
    assert second != first
    req = filed(app)
    assert req.answers["anak_ke"] == 3 and req.subject_name == "Putra Ayu Lestari"


# ---- places ----------------------------------------------------------------------------------------------
def test_birth_places_are_read_against_the_gazetteer_and_written_properly(inline_chat):
    start(inline_chat, "ayah")
    inline_chat.press("agree")
    walk(inline_chat, FATHER, until="anak_kota_lahir")
    inline_chat.say("sangata")
    assert inline_chat.where()["step"] == "anak_kota_lahir" and "Sangatta, Kutai Timur" in inline_chat.text  # proposed
    inline_chat.press(CONFIRM)
    assert inline_chat.where()["answers"]["anak_kota_lahir"] == "Sangatta, Kutai Timur"
    walk(inline_chat, FATHER, until="ayah_tempat_lahir")
    inline_chat.say("samarinda")
    assert inline_chat.where()["answers"]["ayah_tempat_lahir"] == "Samarinda"


def test_what_may_be_unknown_is_decided_per_field_and_said_in_its_question():
    from flows.definition import load_flow

    flow = load_flow("akta_kelahiran")
    unknown_ok = {s.id for s in flow.steps if s.options.get("unknown_ok")}
    assert unknown_ok == {"anak_pukul", "anak_berat", "anak_panjang", "ayah_nik_alm",
                          "saksi1_nik", "saksi1_kk", "saksi2_nik", "saksi2_kk"}
    for step in flow.steps:
        assert ("tidak tahu" in step.ask) == (step.id in unknown_ok), step.id
        assert step.section in {"Pemohon", "Pelapor", "Anak", "Ayah", "Ibu", "Saksi", "Dokumen", "Kontak"}, step.id
