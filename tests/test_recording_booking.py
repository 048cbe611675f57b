"""Booking a first KTP-el recording in the chat (flows/perekaman_ktp.yml): the age from the date of
birth (checked against the NIK), 16 and over books, under 16 is told when and books nothing unless
married, a married 16-year-old brings the buku nikah; someone already recorded is not booked; list,
change and cancel. One whole walk on `chat`; every detail on `inline_chat` (SQLite, jobs inline)."""
import io
from datetime import date, timedelta

import pytest

from pypdf import PdfReader

from tests.booking_drivers import CODE, TODAY, appointments, counters, typed, visit, years_before
from tests.booking_drivers import nik_born as nik_for

# Every message here is answered on the office day of tests/booking_drivers.py's TODAY.
pytestmark = pytest.mark.usefixtures("office_clock")

ADULT_BORN = date(2000, 5, 10)
# The last day a visit can be booked at every place on TODAY: the main office's 14th open day
# (config.yml days_ahead; the kecamatan points, open two days a week, reach to 22 December).
LAST_EVERYWHERE = date(2026, 11, 24)


def today() -> date:
    """The office's date these tests are answered on (tests/booking_drivers.py)."""
    return TODAY



def until_age(chat, born: date, woman: bool = False) -> None:
    """From "halo" to the answer after the date of birth."""
    chat.say("halo")
    chat.press("svc:ktp_recording")
    assert chat.where()["flow"] == "perekaman_ktp" and chat.buttons == ["agree", "disagree"]
    chat.press("agree")
    chat.say(nik_for(born, woman))
    chat.say(typed(born))


def book(chat, place: str = "sangatta") -> str:
    """An adult's booking of the first day (and slot) offered; returns the code."""
    until_age(chat, ADULT_BORN)
    chat.press("belum")
    chat.say("Siti Aminah")
    return visit(chat, place)






def test_an_adult_books_a_recording_from_halo(chat, app):
    chat.say("halo")
    assert "svc:ktp_recording" in chat.buttons
    chat.press("svc:ktp_recording")
    assert "tidak bisa diwakilkan" in chat.text and "GRATIS" in chat.text and "22 tahun" in chat.text
    chat.press("agree")
    chat.say(nik_for(ADULT_BORN))
    assert chat.where()["step"] == "tanggal_lahir"
    chat.say(typed(ADULT_BORN))
    assert chat.where()["step"] == "rekam_17" and chat.buttons == ["belum", "sudah"]
    chat.press("belum")
    assert chat.where()["step"] == "nama"
    chat.say("Siti Aminah")
    assert chat.where()["step"] == "tempat"
    assert chat.buttons == ["sangatta", "muara_wahau", "sangkulirang", "bengalon"]
    chat.press("sangatta")
    offered = chat.buttons
    assert offered and all(date.fromisoformat(d) > today() for d in offered)
    chat.say("1")
    assert chat.where()["step"] == "jam" and chat.buttons[0] == "pagi"
    chat.say("1")
    assert chat.where()["mode"] == "confirm"
    assert "Siti Aminah" in chat.text and nik_for(ADULT_BORN) not in chat.text
    replies = chat.press("submit")
    code = CODE.search(chat.text).group(1)
    assert code.startswith("REK-") and "Nomor antrean: *001*" in chat.text
    slip = chat.client.get(replies[1]["document"]["url"])
    assert slip.status_code == 200 and slip.mimetype == "application/pdf"
    page = PdfReader(io.BytesIO(slip.data)).pages[0].extract_text()
    assert code in page and "Fotokopi Kartu Keluarga (KK)" in page and "6408********0001" in page
    assert "Fotokopi Kartu Keluarga (KK)" in chat.text and "buku nikah" not in chat.text.lower()
    assert "datang sendiri" in chat.text
    [appt] = appointments(app)
    assert (appt.code, appt.service, appt.status, appt.place, appt.slot) == (code, "ktp_recording", "booked",
                                                                             "sangatta", "pagi")
    assert appt.day.isoformat() == offered[0] and appt.answers["nik"] == nik_for(ADULT_BORN)
    assert appt.bring == ["Fotokopi Kartu Keluarga (KK)", "Kode jadwal ini (cukup ditunjukkan dari HP)"]
    assert counters(app)[("sangatta", appt.day, "pagi")] == 1
    assert chat.where()["mode"] == "idle"


def test_a_fifteen_year_old_is_told_when_and_nothing_is_booked(inline_chat, sqlite_app):
    born = years_before(today(), 15) - timedelta(days=30)
    until_age(inline_chat, born, woman=True)
    assert inline_chat.where()["step"] == "kawin_15"
    inline_chat.press("belum")
    assert "belum 16 tahun" in inline_chat.text
    # 16 on 5 October 2027: the main office's 14 open days from 15 September reach it
    assert "Silakan kembali ke chat ini mulai sekitar *Rabu, 15 September 2027*" in inline_chat.text
    assert "untuk hari kedatangan mulai hari ulang tahun ke-16" in inline_chat.text
    assert "belum ada jadwal" in inline_chat.text
    assert inline_chat.where()["flow"] is None and inline_chat.where()["answers"] == {}
    assert appointments(sqlite_app) == []


def test_sixteen_starts_on_the_sixteenth_birthday(inline_chat):
    until_age(inline_chat, years_before(today(), 16))  # 16 today
    assert inline_chat.where()["step"] == "rekam_16"
    inline_chat.say("batal")
    inline_chat.press("cancel_yes")
    assert inline_chat.where()["flow"] is None
    until_age(inline_chat, years_before(today() + timedelta(days=1), 16))  # 16 tomorrow
    assert inline_chat.where()["step"] == "kawin_jelang_16"
    inline_chat.say("batal")
    inline_chat.press("cancel_yes")
    until_age(inline_chat, years_before(today() + timedelta(days=61), 16))  # 16 in two months and a day
    assert inline_chat.where()["step"] == "kawin_15"


def test_sixteen_on_the_last_day_every_place_books_is_near_and_the_day_after_is_not(inline_chat, sqlite_app):
    chat = inline_chat
    until_age(chat, years_before(LAST_EVERYWHERE, 16))
    assert chat.where()["step"] == "kawin_jelang_16"
    chat.press("belum")
    assert "Jadwal perekaman bisa dibuat sekarang" in chat.text
    chat.say("Rina Putri")
    chat.press("sangatta")
    assert chat.buttons == [LAST_EVERYWHERE.isoformat()]  # the birthday, the main office's last day
    chat.say("batal")
    chat.press("cancel_yes")
    until_age(chat, years_before(LAST_EVERYWHERE + timedelta(days=1), 16))
    assert chat.where()["step"] == "kawin_15"
    chat.press("belum")
    assert "mulai sekitar *Kamis, 5 November 2026*" in chat.text  # tomorrow the window reaches the 25th
    assert chat.where()["flow"] is None and appointments(sqlite_app) == []


def test_sixteen_in_ten_days_books_a_day_from_the_birthday_at_every_place(inline_chat):
    chat = inline_chat
    birthday = today() + timedelta(days=10)  # Saturday 14 November
    for place in ("sangatta", "muara_wahau", "sangkulirang", "bengalon"):
        until_age(chat, years_before(birthday, 16))
        assert chat.where()["step"] == "kawin_jelang_16"
        chat.press("belum")
        chat.say("Rina Putri")
        chat.press(place)
        assert "Hari yang bisa dipilih mulai hari ulang tahun ke-16, *Sabtu, 14 November 2026*." in chat.text
        assert chat.buttons and all(d > birthday.isoformat() for d in chat.buttons), place
        chat.say("batal")
        chat.press("cancel_yes")


def test_turning_sixteen_within_the_booking_days_books_a_day_from_the_birthday(inline_chat, sqlite_app):
    chat = inline_chat
    birthday = today() + timedelta(days=6)  # Tuesday 10 November: Thursday to Monday come before it
    until_age(chat, years_before(birthday, 16))
    assert chat.where()["step"] == "kawin_jelang_16"
    chat.press("belum")
    assert "Jadwal perekaman bisa dibuat sekarang, untuk hari *mulai ulang tahun ke-16*" in chat.text
    assert "bisa dibuat lewat chat ini mulai" not in chat.text and chat.where()["step"] == "nama"
    chat.say("Rina Putri")
    chat.press("sangatta")
    assert "Hari yang bisa dipilih mulai hari ulang tahun ke-16, *Selasa, 10 November 2026*." in chat.text
    assert chat.buttons[0] == birthday.isoformat() and all(d >= birthday.isoformat() for d in chat.buttons)
    chat.say("besok")  # Thursday: still 15
    assert "pada *Kamis, 5 November 2026* umurnya belum 16 tahun" in chat.text
    assert "Silakan pilih hari mulai Selasa, 10 November 2026" in chat.text
    assert chat.where()["step"] == "hari" and all(d >= birthday.isoformat() for d in chat.buttons)
    chat.press(birthday.isoformat())
    chat.press(chat.buttons[0])  # the slot
    chat.press("submit")
    code = CODE.search(chat.text).group(1)
    [appt] = appointments(sqlite_app)
    assert (appt.code, appt.day, appt.status) == (code, birthday, "booked")
    assert "buku nikah" not in chat.text.lower()


def test_sixteen_in_45_days_is_told_when_to_come_back_and_can_book_then(inline_chat, sqlite_app, office_clock):
    chat = inline_chat
    birthday = today() + timedelta(days=45)  # Saturday 19 December: past the main office's 14 open days
    until_age(chat, years_before(birthday, 16))
    assert chat.where()["step"] == "kawin_15"  # not "jadwal bisa dibuat sekarang"
    chat.press("belum")
    assert "belum 16 tahun" in chat.text and "Jadwal perekaman bisa dibuat sekarang" not in chat.text
    assert "Silakan kembali ke chat ini mulai sekitar *Selasa, 1 Desember 2026*" in chat.text
    assert chat.where()["flow"] is None and "Di mana perekaman" not in chat.text and appointments(sqlite_app) == []
    office_clock.set("2026-11-30 09:00")  # a day early: the main office's last day is still the 18th
    until_age(chat, years_before(birthday, 16))
    assert chat.where()["step"] == "kawin_15"
    chat.say("batal")
    chat.press("cancel_yes")
    office_clock.set("2026-12-01 09:00")  # the day said: the birthday can be booked everywhere
    until_age(chat, years_before(birthday, 16))
    assert chat.where()["step"] == "kawin_jelang_16"
    chat.press("belum")
    chat.say("Rina Putri")
    chat.press("sangatta")
    assert chat.buttons[0] == "2026-12-21"  # the Monday after the Saturday birthday
    chat.press("2026-12-21")
    chat.press(chat.buttons[0])
    chat.press("submit")
    assert appointments(sqlite_app)[0].day == date(2026, 12, 21)


def test_a_married_sixteen_year_old_brings_the_buku_nikah(inline_chat, sqlite_app):
    born = years_before(today(), 16) - timedelta(days=30)
    until_age(inline_chat, born)
    assert inline_chat.where()["step"] == "rekam_16"
    inline_chat.press("belum")
    assert inline_chat.where()["step"] == "kawin_16"
    inline_chat.press("sudah")
    assert "tanpa menunggu umur 17 tahun" in inline_chat.text and inline_chat.where()["step"] == "nama"
    inline_chat.say("Rina Putri")
    inline_chat.press("bengalon")
    inline_chat.press(inline_chat.buttons[0])
    assert inline_chat.where()["mode"] == "confirm"  # Bengalon books the day as a whole
    inline_chat.press("submit")
    assert "Buku nikah atau kutipan akta perkawinan" in inline_chat.text
    [appt] = appointments(sqlite_app)
    assert "Buku nikah atau kutipan akta perkawinan" in appt.bring and appt.place == "bengalon"


def test_an_unmarried_sixteen_year_old_is_told_the_card_comes_at_seventeen(inline_chat, sqlite_app):
    until_age(inline_chat, years_before(today(), 16) - timedelta(days=30))
    inline_chat.press("belum")
    inline_chat.press("belum")
    assert "setelah berumur *17 tahun*" in inline_chat.text and inline_chat.where()["step"] == "nama"


def test_a_married_fifteen_year_old_can_book(inline_chat, sqlite_app):
    until_age(inline_chat, years_before(today(), 15) - timedelta(days=30))
    inline_chat.press("sudah")
    assert "buku nikah" in inline_chat.text and inline_chat.where()["step"] == "rekam_15"
    inline_chat.press("belum")
    assert inline_chat.where()["step"] == "nama"


def test_someone_already_recorded_is_not_booked(inline_chat, sqlite_app):
    until_age(inline_chat, ADULT_BORN)
    inline_chat.press("sudah")
    assert "sekali seumur hidup" in inline_chat.text and "Cetak KTP-el" in inline_chat.text
    assert inline_chat.where()["flow"] is None and appointments(sqlite_app) == []


def test_a_date_of_birth_unlike_the_nik_is_noted(inline_chat):
    inline_chat.say("halo")
    inline_chat.press("svc:ktp_recording")
    inline_chat.press("agree")
    inline_chat.say(nik_for(ADULT_BORN))
    inline_chat.say("11/05/2000")
    assert "berbeda dengan tanggal yang tertera di NIK" in inline_chat.text
    assert inline_chat.where()["step"] == "rekam_17"


def test_list_change_and_cancel_of_a_recording_booking(inline_chat, sqlite_app):
    chat, app = inline_chat, sqlite_app
    code = book(chat, place="muara_wahau")
    first = appointments(app)[0]
    chat.say("jadwal saya")
    assert code in chat.text and "Muara Wahau" in chat.text and "nomor antrean 001" in chat.text
    chat.say(f"ubah jadwal {code}")
    assert chat.where()["step"] == "hari" and chat.where()["answers"]["nama"] == "Siti Aminah"
    other = next(d for d in chat.buttons if d != first.day.isoformat())
    chat.press(other)
    chat.say("kirim")
    assert f"Jadwal *{code}* sudah kami ganti" in chat.text
    [moved] = appointments(app)
    assert (moved.code, moved.day.isoformat(), moved.status) == (code, other, "booked")
    assert counters(app)[("muara_wahau", first.day, "")] == 0
    chat.say(f"batal jadwal {code}")
    chat.press("bcancel_yes")
    assert f"Jadwal *{code}* sudah dibatalkan" in chat.text
    assert appointments(app)[0].status == "cancelled" and counters(app)[("muara_wahau", moved.day, "")] == 0
    chat.say("jadwal saya")
    assert "belum punya jadwal" in chat.text


def test_asking_to_book_offers_the_recording(inline_chat):
    inline_chat.say("pesan jadwal kedatangan")
    assert "Perekaman KTP-el Pemula" in inline_chat.text and "svc:ktp_recording" in inline_chat.buttons
    inline_chat.say("mau rekam ktp")  # the service named: its flow starts at the consent
    assert inline_chat.where()["flow"] == "perekaman_ktp" and inline_chat.buttons == ["agree", "disagree"]


def test_no_recording_yet_at_cetak_ktp_points_to_this_booking(inline_chat):
    inline_chat.say("halo")
    inline_chat.press("svc:ktp_print")
    inline_chat.press("rusak")
    inline_chat.press("belum")
    assert "Perekaman KTP-el Pemula" in inline_chat.text and "svc:ktp_recording" in inline_chat.buttons


def test_married_and_sixteen_soon_books_any_day_with_the_buku_nikah(inline_chat, sqlite_app):
    until_age(inline_chat, years_before(today() + timedelta(days=6), 16))
    inline_chat.press("sudah")
    assert "buku nikah" in inline_chat.text and inline_chat.where()["step"] == "rekam_15"
    inline_chat.press("belum")
    inline_chat.say("Rina Putri")
    inline_chat.press("sangatta")
    assert "ulang tahun ke-16" not in inline_chat.text  # married: recorded now, no day held back
    assert inline_chat.buttons[0] == (today() + timedelta(days=1)).isoformat()
    visit_day = inline_chat.buttons[0]
    inline_chat.press(visit_day)
    inline_chat.press(inline_chat.buttons[0])
    inline_chat.press("submit")
    [appt] = appointments(sqlite_app)
    assert appt.day.isoformat() == visit_day and "Buku nikah atau kutipan akta perkawinan" in appt.bring
