"""Booking a visit for a Kartu Identitas Anak in the chat (flows/kia.yml): a parent books for a
child under 17; under 5 no photo, 5 up to 17 less one day two 2×3 colour photos; at 17 it is a
KTP-el recording, not a KIA, and nothing is booked. "jadwal saya", "ubah jadwal", "batal jadwal"."""
from datetime import date

import pytest

from tests.booking_drivers import CODE, TODAY, appointments, visit
from tests.booking_drivers import nik_born as nik_for

# Every message here is answered on the office day of tests/booking_drivers.py's TODAY.
pytestmark = pytest.mark.usefixtures("office_clock")

PHOTOS = "2 lembar pas foto anak berwarna ukuran 2×3"


def today() -> date:
    """The office's date these tests are answered on (tests/booking_drivers.py)."""
    return TODAY


def born(years: int) -> date:
    """A birth date `years` years and about two months ago (never near a birthday)."""
    t = today()
    month = (t.month - 3) % 12 + 1
    year = t.year - years - (1 if month > t.month else 0)
    return date(year, month, 10)



def until_age(chat, years: int, who: str = "ibu", why: str = "baru") -> date:
    birth = born(years)
    chat.say("halo")
    chat.press("svc:kia")
    chat.press(who)
    chat.press(why)
    chat.press("agree")
    chat.say("Putri Ayu Lestari")
    chat.say(nik_for(birth))
    chat.say(f"{birth.day}/{birth.month}/{birth.year}")
    return birth


def band(years: int) -> str:
    return "balita" if years < 5 else "lima_17" if years < 17 else "tujuh_belas"


def book(chat, years: int, place: str = "sangatta", **kw) -> str:
    until_age(chat, years, **kw)
    chat.press(band(years))
    return visit(chat, place)




def test_a_kia_visit_is_booked_from_halo_with_code_queue_and_what_to_bring(chat, app):
    birth = until_age(chat, 3)
    assert chat.where()["step"] == "umur"
    assert chat.buttons == ["balita", "lima_17", "tujuh_belas"]
    chat.press("balita")
    assert "tanpa foto" in chat.text
    assert chat.where()["step"] == "tempat"
    assert chat.buttons == ["sangatta", "muara_wahau", "sangkulirang", "bengalon"]
    chat.press("sangatta")
    assert chat.where()["step"] == "hari"
    day = chat.buttons[0]
    chat.press(day)
    assert chat.where()["step"] == "jam" and chat.buttons == ["pagi", "siang"]
    chat.press("pagi")
    assert chat.where()["mode"] == "confirm"
    assert "Putri Ayu Lestari" in chat.text and nik_for(birth) not in chat.text
    chat.press("submit")
    code = CODE.search(chat.text).group(1)
    assert code.startswith("KIA-")
    assert "Nomor antrean: *001*" in chat.text
    assert "KIA Putri Ayu Lestari" in chat.text
    assert "Kutipan akta kelahiran anak yang asli beserta fotokopinya" in chat.text
    assert "KK asli orang tua" in chat.text and "KTP-el asli ayah dan ibu" in chat.text
    assert "pas foto" not in chat.text
    assert nik_for(birth) not in chat.text
    [appt] = appointments(app)
    assert (appt.code, appt.service, appt.status, appt.place, appt.slot, appt.queue_number) == (
        code, "kia", "booked", "sangatta", "pagi", 1)
    assert appt.day.isoformat() == day and appt.answers["anak_tgl_lahir"] == birth.isoformat()
    assert appt.answers["umur"] == "balita"
    assert chat.where()["mode"] == "idle"


def test_a_child_under_five_brings_no_photo(inline_chat, sqlite_app):
    book(inline_chat, 4, place="sangkulirang")
    assert "pas foto" not in inline_chat.text
    [appt] = appointments(sqlite_app)
    assert not any("pas foto" in item for item in appt.bring)


def test_a_ten_year_old_brings_two_colour_photos(inline_chat, sqlite_app):
    until_age(inline_chat, 10, who="ayah")
    inline_chat.press("lima_17")
    assert "2 lembar pas foto anak berwarna ukuran 2×3" in inline_chat.text
    inline_chat.press("bengalon")
    inline_chat.press(inline_chat.buttons[0])
    assert inline_chat.where()["mode"] == "confirm"  # no slots at Bengalon
    inline_chat.press("submit")
    assert CODE.search(inline_chat.text).group(1).startswith("KIA-")
    assert PHOTOS in inline_chat.text and "KTP-el asli ayah dan ibu" in inline_chat.text
    [appt] = appointments(sqlite_app)
    assert PHOTOS in appt.bring


def test_the_age_band_can_be_typed(inline_chat):
    until_age(inline_chat, 10)
    inline_chat.say("10 tahun")
    assert inline_chat.where()["answers"]["umur"] == "lima_17"


def test_a_seventeen_year_old_is_told_it_is_a_ktp_recording_and_nothing_is_booked(inline_chat, sqlite_app):
    until_age(inline_chat, 17)
    inline_chat.press("tujuh_belas")
    text = inline_chat.text
    assert "tidak membuat jadwal KIA" in text and "perekaman KTP-el" in text
    assert "sehari sebelum anak berumur 17 tahun" in text
    assert "jadi untuk Putri Ayu Lestari kami tidak membuat jadwal KIA" in text  # the answers quoted, not {anak_nama}
    assert inline_chat.where()["flow"] is None and appointments(sqlite_app) == []


def test_a_guardian_and_a_lost_kia_bring_their_own_papers(inline_chat, sqlite_app):
    book(inline_chat, 8, who="wali", why="hilang")
    text = inline_chat.text
    assert "KK asli dan KTP-el asli wali" in text and "Surat keterangan hilang dari kepolisian" in text
    assert "KTP-el asli ayah dan ibu" not in text and PHOTOS in text


def test_declining_the_notice_books_nothing(inline_chat, sqlite_app):
    inline_chat.say("halo")
    inline_chat.press("svc:kia")
    inline_chat.press("ibu")
    inline_chat.press("baru")
    inline_chat.press("disagree")
    assert "tidak akan mencatat data" in inline_chat.text
    assert appointments(sqlite_app) == []


def test_list_change_and_cancel_of_a_kia_booking(inline_chat, sqlite_app):
    chat, app = inline_chat, sqlite_app
    code = book(chat, 10, place="muara_wahau")
    first = appointments(app)[0]
    chat.say("jadwal saya")
    assert code in chat.text and "Muara Wahau" in chat.text and "Kartu Identitas Anak" in chat.text
    chat.say(f"ubah jadwal {code}")
    assert chat.where()["step"] == "hari" and chat.where()["answers"]["anak_nama"] == "Putri Ayu Lestari"
    other = next(d for d in chat.buttons if d != first.day.isoformat())
    chat.press(other)
    assert chat.where()["mode"] == "confirm"
    chat.say("kirim")
    assert f"Jadwal *{code}* sudah kami ganti" in chat.text
    [moved] = appointments(app)
    assert (moved.code, moved.day.isoformat(), moved.status) == (code, other, "booked")
    chat.say(f"batal jadwal {code}")
    assert chat.buttons == ["bcancel_yes", "bcancel_no"]
    chat.press("bcancel_yes")
    assert f"Jadwal *{code}* sudah dibatalkan" in chat.text
    assert appointments(app)[0].status == "cancelled"
    chat.say("jadwal saya")
    assert "belum punya jadwal" in chat.text


def test_a_date_that_says_five_or_older_adds_the_photos_whatever_band_was_chosen(inline_chat, sqlite_app):
    until_age(inline_chat, 7)
    inline_chat.press("balita")
    assert "sudah berumur 5 tahun" in inline_chat.text and PHOTOS in inline_chat.text
    inline_chat.press("bengalon")
    inline_chat.press(inline_chat.buttons[0])
    inline_chat.press("submit")
    assert PHOTOS in inline_chat.text
    assert PHOTOS in appointments(sqlite_app)[0].bring


def test_a_date_that_says_seventeen_or_older_is_asked_about_and_books_nothing(inline_chat, sqlite_app):
    until_age(inline_chat, 20)
    inline_chat.press("lima_17")
    assert inline_chat.where()["step"] == "cek_umur" and "17 tahun atau lebih" in inline_chat.text
    inline_chat.press("sudah_17")
    assert "perekaman KTP-el" in inline_chat.text and "tidak membuat jadwal KIA" in inline_chat.text
    assert inline_chat.where()["flow"] is None and appointments(sqlite_app) == []


def test_a_wrong_birth_date_starts_the_kia_again(inline_chat, sqlite_app):
    until_age(inline_chat, 20)
    inline_chat.press("balita")
    assert inline_chat.where()["step"] == "cek_umur"
    inline_chat.press("tanggal_keliru")
    assert "kita ulangi dari awal" in inline_chat.text
    where = inline_chat.where()
    assert where["flow"] == "kia" and where["step"] == "hubungan" and appointments(sqlite_app) == []


def test_a_child_well_under_seventeen_is_not_asked_again(inline_chat):
    until_age(inline_chat, 16)
    inline_chat.press("lima_17")
    assert inline_chat.where()["step"] == "tempat"


def test_asking_for_a_kia_in_words_starts_the_booking(inline_chat):
    inline_chat.say("mau bikin kia anak saya")
    assert inline_chat.where()["flow"] == "kia" and inline_chat.where()["step"] == "hubungan"


def test_the_kia_slip_masks_the_childs_nik_and_lists_what_to_bring(inline_chat, sqlite_app):
    import io

    from pypdf import PdfReader

    birth = until_age(inline_chat, 9)
    inline_chat.press("lima_17")
    inline_chat.press("sangatta")
    inline_chat.press(inline_chat.buttons[0])
    inline_chat.press(inline_chat.buttons[0])
    replies = inline_chat.press("submit")
    code = CODE.search(replies[0]["text"]).group(1)
    document = replies[1]["document"]
    assert code in document["filename"]
    text = PdfReader(io.BytesIO(inline_chat.client.get(document["url"]).data)).pages[0].extract_text()
    nik = nik_for(birth)
    assert code in text and f"{nik[:4]}********{nik[-4:]}" in text and nik not in text
    assert "2 lembar pas foto anak berwarna" in text


def test_the_kia_is_booked_at_every_place_with_slots_at_the_main_office(app):
    from flows import appointments as ap

    office = app.config["OFFICE"]
    assert [key for key, _ in ap.places_for(office, "kia")] == ["sangatta", "muara_wahau", "sangkulirang", "bengalon"]
    assert [s.id for s in ap.slots(office, "sangatta", "kia")] == ["pagi", "siang"]
    assert ap.slots(office, "bengalon", "kia") == []
