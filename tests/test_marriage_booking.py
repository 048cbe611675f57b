"""The akta perkawinan visit (flows/akta_perkawinan.yml): religion first (a Muslim couple is sent to
the KUA, nothing booked), the couple, what to bring worked out from the answers, and the visit
booked at the main office; then "jadwal saya", "ubah jadwal", "batal jadwal".

One whole walk runs on both databases (`chat`); every detail runs on SQLite with inline jobs
(`inline_chat`, `sqlite_app`)."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.models import Request
from tests.conftest import FATHER_NIK, MOTHER_NIK
from tests.booking_drivers import CODE, TODAY, appointments, typed, visit

# Every message here is answered on the office day of tests/booking_drivers.py's TODAY.
pytestmark = pytest.mark.usefixtures("office_clock")

HUSBAND_NIK, WIFE_NIK = FATHER_NIK, MOTHER_NIK  # a man's and a woman's NIK (tests/conftest.py)


def today() -> date:
    """The office's date these tests are answered on (tests/booking_drivers.py)."""
    return TODAY



def start(chat, religion: str = "kristen") -> None:
    chat.say("halo")
    chat.press("svc:marriage_certificate")
    chat.press(religion)


def until_place(chat, husband_before: str = "belum", wife_before: str = "belum", husband_age: str = "dewasa",
                wife_age: str = "dewasa", married: date | None = None, tni: str = "tidak") -> None:
    """Past the religion, the notice and the couple, up to the place."""
    start(chat)
    chat.press("agree")
    chat.say(typed(married or today() - timedelta(days=10)))
    chat.say("Yohanes Manurung")
    chat.press("WNI")
    chat.say(HUSBAND_NIK)
    chat.press(husband_before)
    chat.press(husband_age)
    chat.say("Maria Magdalena Siahaan")
    chat.press("WNI")
    chat.say(WIFE_NIK)
    chat.press(wife_before)
    chat.press(wife_age)
    chat.press(tni)


def book(chat, **answers) -> str:
    until_place(chat, **answers)
    return visit(chat, "sangatta")




def test_a_marriage_is_booked_from_halo_at_the_main_office_with_what_to_bring(chat, app):
    start(chat)
    assert chat.where()["step"] == "persetujuan" and "UU 27/2022" in chat.text
    chat.press("agree")
    chat.say(typed(today() - timedelta(days=10)))
    chat.say("Yohanes Manurung")
    chat.press("WNI")
    chat.say(HUSBAND_NIK)
    chat.say("belum pernah")
    chat.say("21 tahun ke atas")
    chat.say("Maria Magdalena Siahaan")
    chat.press("WNI")
    chat.say(WIFE_NIK)
    chat.press("belum")
    chat.press("dewasa")
    chat.say("tidak")
    assert "suami, istri, dan 2 orang saksi" in chat.text
    assert chat.where()["step"] == "tempat" and chat.buttons == ["sangatta"]  # the main office only
    chat.press("sangatta")
    offered = chat.buttons
    chat.say("1")
    assert chat.where()["step"] == "jam" and chat.buttons == ["pagi", "siang"]
    chat.press("pagi")
    assert chat.where()["mode"] == "confirm"
    chat.press("submit")
    code = CODE.search(chat.text).group(1)
    assert code.startswith("AKP-") and "Nomor antrean: *001*" in chat.text
    for item in ("Surat keterangan telah terjadinya perkawinan dari pemuka agama", "4×6",
                 "KK dan KTP-el suami", "KK dan KTP-el istri", "KTP-el 2 orang saksi"):
        assert item in chat.text
    for absent in ("akta kematian", "akta perceraian", "dispensasi", "izin tertulis", "TNI", "Paspor"):
        assert absent not in chat.text
    assert "Yohanes Manurung" in chat.text and "datang bersama" in chat.text
    [appt] = appointments(app)
    assert (appt.code, appt.service, appt.place, appt.slot, appt.status) == (code, "marriage_certificate", "sangatta",
                                                                             "pagi", "booked")
    assert appt.day.isoformat() == offered[0] and appt.answers["istri_nik"] == WIFE_NIK
    assert chat.where()["mode"] == "idle"


def test_a_muslim_couple_is_sent_to_the_kua_and_nothing_is_booked(inline_chat, sqlite_app):
    start(inline_chat, "islam")
    assert "KUA kecamatan" in inline_chat.text and "buku nikah" in inline_chat.text
    assert inline_chat.where()["flow"] is None
    assert appointments(sqlite_app) == []
    with sqlite_app.app_context(), db.new_session() as s:
        assert s.execute(select(Request)).first() is None


def test_the_religion_is_read_from_words(inline_chat):
    inline_chat.say("halo")
    inline_chat.press("svc:marriage_certificate")
    inline_chat.say("katholik")
    assert inline_chat.where()["answers"]["agama"] == "katolik"


def test_a_widow_brings_the_death_certificate_of_her_late_husband(inline_chat):
    book(inline_chat, wife_before="cerai_mati")
    assert "Kutipan akta kematian suami terdahulu (istri)" in inline_chat.text
    assert "akta perceraian" not in inline_chat.text


def test_a_divorced_husband_brings_the_divorce_certificate(inline_chat):
    book(inline_chat, husband_before="cerai_hidup")
    assert "Kutipan akta perceraian dari perkawinan terdahulu (suami)" in inline_chat.text
    assert "akta kematian" not in inline_chat.text


def test_under_19_brings_the_court_dispensation_and_the_parents_permission(inline_chat):
    book(inline_chat, wife_age="bawah_19")
    assert "Penetapan dispensasi kawin dari pengadilan (istri di bawah 19 tahun)" in inline_chat.text
    assert "Surat izin tertulis dari orang tua istri" in inline_chat.text
    assert "(suami di bawah 19 tahun)" not in inline_chat.text


def test_19_or_20_brings_the_parents_permission_only(inline_chat):
    book(inline_chat, husband_age="u19_20")
    assert "Surat izin tertulis dari orang tua suami (umur di bawah 21 tahun)" in inline_chat.text
    assert "dispensasi" not in inline_chat.text and "orang tua istri" not in inline_chat.text


def test_typed_ages_are_read(inline_chat):
    start(inline_chat)
    inline_chat.press("agree")
    inline_chat.say(typed(today() - timedelta(days=3)))
    inline_chat.say("Yohanes Manurung")
    inline_chat.press("WNI")
    inline_chat.say(HUSBAND_NIK)
    inline_chat.press("belum")
    inline_chat.say("20 tahun")
    assert inline_chat.where()["answers"]["suami_umur"] == "u19_20"
    inline_chat.say("Maria Magdalena Siahaan")
    inline_chat.press("WNI")
    inline_chat.say(WIFE_NIK)
    inline_chat.press("belum")
    inline_chat.say("di bawah 19")
    assert inline_chat.where()["answers"]["istri_umur"] == "bawah_19"


def test_a_soldier_and_a_foreign_wife_bring_the_permit_and_the_embassy_letter(inline_chat):
    start(inline_chat)
    inline_chat.press("agree")
    inline_chat.say(typed(today() - timedelta(days=5)))
    inline_chat.say("Yohanes Manurung")
    inline_chat.press("WNI")
    inline_chat.say(HUSBAND_NIK)
    inline_chat.press("belum")
    inline_chat.press("dewasa")
    inline_chat.say("Anna Schmidt")
    inline_chat.press("WNA")
    assert inline_chat.where()["step"] == "istri_paspor"
    inline_chat.say("C01X00T47")
    inline_chat.press("belum")
    inline_chat.press("dewasa")
    inline_chat.press("suami")
    inline_chat.press("sangatta")
    inline_chat.press(inline_chat.buttons[0])
    inline_chat.press(inline_chat.buttons[0])
    inline_chat.press("submit")
    assert "Surat izin kawin dari komandan/atasan (anggota TNI/Polri)" in inline_chat.text
    assert "Paspor istri dan surat keterangan dari kedutaan" in inline_chat.text
    assert "KK dan KTP-el istri" not in inline_chat.text and "KK dan KTP-el suami" in inline_chat.text


def test_the_same_nik_for_both_is_refused(inline_chat):
    start(inline_chat)
    inline_chat.press("agree")
    inline_chat.say(typed(today() - timedelta(days=3)))
    inline_chat.say("Yohanes Manurung")
    inline_chat.press("WNI")
    inline_chat.say(HUSBAND_NIK)
    inline_chat.press("belum")
    inline_chat.press("dewasa")
    inline_chat.say("Maria Magdalena Siahaan")
    inline_chat.press("WNI")
    inline_chat.say(HUSBAND_NIK)
    assert "NIK istri sama dengan NIK suami" in inline_chat.text
    assert inline_chat.where()["step"] == "istri_nik"
    inline_chat.say(WIFE_NIK)
    assert inline_chat.where()["step"] == "istri_status"


def test_a_late_report_is_noted_and_still_booked(inline_chat, sqlite_app):
    code = book(inline_chat, married=today() - timedelta(days=100))
    assert code.startswith("AKP-")
    assert len(appointments(sqlite_app)) == 1


def test_a_late_report_note_is_said_after_the_date(inline_chat):
    start(inline_chat)
    inline_chat.press("agree")
    inline_chat.say(typed(today() - timedelta(days=100)))
    assert "lebih dari 60 hari" in inline_chat.text and "tetap dicatat" in inline_chat.text
    assert inline_chat.where()["step"] == "suami_nama"


def test_a_future_marriage_date_is_asked_again(inline_chat):
    start(inline_chat)
    inline_chat.press("agree")
    inline_chat.say(typed(today() + timedelta(days=10)))
    assert inline_chat.where()["step"] == "tgl_perkawinan"


def test_the_list_change_and_cancel_of_a_marriage_booking(inline_chat, sqlite_app):
    code = book(inline_chat)
    first = appointments(sqlite_app)[0]
    inline_chat.say("jadwal saya")
    assert code in inline_chat.text and "nomor antrean 001" in inline_chat.text
    inline_chat.say(f"ubah jadwal {code}")
    assert inline_chat.where()["step"] == "hari"
    assert inline_chat.where()["answers"]["suami_nama"] == "Yohanes Manurung"
    other = next(d for d in inline_chat.buttons if d != first.day.isoformat())
    inline_chat.press(other)
    inline_chat.press(inline_chat.buttons[0])
    assert inline_chat.where()["mode"] == "confirm"
    inline_chat.say("kirim")
    assert f"Jadwal *{code}* sudah kami ganti" in inline_chat.text
    [moved] = appointments(sqlite_app)
    assert (moved.code, moved.day.isoformat(), moved.status) == (code, other, "booked")
    inline_chat.say(f"batal jadwal {code}")
    inline_chat.press("bcancel_yes")
    assert f"Jadwal *{code}* sudah dibatalkan" in inline_chat.text
    assert appointments(sqlite_app)[0].status == "cancelled"
    inline_chat.say("jadwal saya")
    assert "belum punya jadwal" in inline_chat.text


def test_the_requirements_answer_says_the_visit_can_be_booked_here():
    from nlu import faq
    from tests.test_truth import CONFIG, NOW

    answer = faq.answer("ask_requirements", [{"entity": "service", "value": "marriage_certificate"}], CONFIG, NOW)
    assert "jadwal kedatangannya bisa dibuat lewat chat ini" in answer and "4×6" in answer
    assert "KUA kecamatan" in answer


def test_asking_to_book_offers_the_marriage_visit(inline_chat):
    inline_chat.say("pesan jadwal kedatangan")
    assert "Akta Perkawinan (non-Muslim)" in inline_chat.text and "svc:marriage_certificate" in inline_chat.buttons
    inline_chat.press("svc:marriage_certificate")
    assert inline_chat.where()["flow"] == "akta_perkawinan" and inline_chat.where()["step"] == "agama"


def test_the_nik_says_when_a_spouse_was_under_21_or_19_on_the_wedding_day(inline_chat):
    start(inline_chat)
    inline_chat.press("agree")
    inline_chat.say(typed(today() - timedelta(days=10)))
    inline_chat.say("Yohanes Manurung")
    inline_chat.press("WNI")
    young = today() - timedelta(days=10) - timedelta(days=365 * 18)  # 18 on the wedding day
    inline_chat.say(f"640801{young.day:02d}{young.month:02d}{young.year % 100:02d}0001")
    assert "Yohanes Manurung belum berumur 21 tahun" in inline_chat.text
    assert "dispensasi kawin dari pengadilan" in inline_chat.text
    assert inline_chat.where()["step"] == "suami_status"  # a note, not a refusal
    inline_chat.press("belum")
    inline_chat.press("bawah_19")
    inline_chat.say("Maria Magdalena Siahaan")
    inline_chat.press("WNI")
    inline_chat.say(WIFE_NIK)  # born 1993: no note
    assert "belum berumur" not in inline_chat.text and inline_chat.where()["step"] == "istri_status"
