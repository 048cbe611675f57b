"""Booking a visit in the chat (flows/cetak_ktp.yml, flows/booking.py): from "halo" to the code and
queue number, "jadwal saya", "ubah jadwal", "batal jadwal"; a full day, a holiday, a past date, a
day an officer closed, a full slot, and the last place taken by someone else at the summary."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.models import AppointmentOverride, AuditLog
from flows.validators import format_date_id
from nlu import faq
from tests.conftest import Chat
from tests.booking_drivers import CODE, TODAY, appointments, counters, visit

# Every message here is answered on the office day of tests/booking_drivers.py's TODAY.
pytestmark = pytest.mark.usefixtures("office_clock")

NIK = "6408011708900001"


def today() -> date:
    """The office's date these tests are answered on (tests/booking_drivers.py)."""
    return TODAY


def until_place(chat, why: str = "rusak") -> None:
    chat.say("halo")
    chat.press("svc:ktp_print")
    chat.press(why)
    chat.press("sudah")
    chat.press("agree")
    chat.say("Budi Santoso")
    chat.say(NIK)


def book(chat, why: str = "rusak", place: str = "sangatta", day_index: int = 0) -> str:
    """Book the first offered day (and slot) and return the code."""
    until_place(chat, why)
    return visit(chat, place, day_index)


def override(app, day: date, slot: str = "", **change) -> None:
    with app.app_context(), db.new_session() as s:
        s.add(AppointmentOverride(place="sangatta", service="ktp_print", day=day, slot=slot, actor="officer:1",
                                  reason="uji", **change))
        s.commit()


def test_a_visit_is_booked_from_halo_with_a_code_a_queue_number_and_what_to_bring(chat, app):
    until_place(chat)
    assert chat.where()["step"] == "tempat"
    assert chat.buttons == ["sangatta", "muara_wahau", "sangkulirang", "bengalon"]
    chat.say("sangatta")
    assert chat.where()["step"] == "hari"
    offered = chat.buttons
    # the office clock's Wednesday: from Thursday on, Friday's short hours, then the next week
    assert offered == ["2026-11-05", "2026-11-06", "2026-11-09", "2026-11-10", "2026-11-11", "2026-11-12"]
    assert "Kamis, 5 November 2026 (sisa 60 tempat)" in chat.text
    chat.say("1")  # the first day listed, by its number
    assert chat.where()["answers"]["hari"] == offered[0]
    assert chat.where()["step"] == "jam" and chat.buttons[0] == "pagi"
    chat.say("1")
    assert chat.where()["mode"] == "confirm"
    assert "08.00–10.00 WITA" in chat.text and format_date_id(date.fromisoformat(offered[0])) in chat.text
    chat.press("submit")
    code = CODE.search(chat.text).group(1)
    assert code.startswith("KTP-")
    assert "Nomor antrean: *001*" in chat.text
    assert "KTP-el yang rusak (diserahkan kembali kepada petugas)" in chat.text
    assert "surat keterangan hilang" not in chat.text.lower()
    [appt] = appointments(app)
    assert (appt.code, appt.status, appt.place, appt.slot, appt.queue_number) == (code, "booked", "sangatta", "pagi", 1)
    assert appt.day.isoformat() == offered[0] and appt.answers["nik"] == NIK
    assert counters(app) == {("sangatta", appt.day, ""): 1, ("sangatta", appt.day, "pagi"): 1}
    assert chat.where()["mode"] == "idle"


def test_the_list_change_and_cancel_of_a_booking(chat, app):
    code = book(chat, why="hilang", place="muara_wahau")
    assert "Surat keterangan hilang dari kepolisian" in chat.text
    first = appointments(app)[0]
    chat.say("jadwal saya")
    assert code in chat.text and "Muara Wahau" in chat.text and "nomor antrean 001" in chat.text
    # ubah jadwal: the earlier answers are kept, the day asked again
    chat.say(f"ubah jadwal {code}")
    assert chat.where()["step"] == "hari" and chat.where()["answers"]["nama"] == "Budi Santoso"
    other = next(d for d in chat.buttons if d != first.day.isoformat())
    chat.press(other)
    assert chat.where()["mode"] == "confirm"
    chat.say("kirim")
    assert f"Jadwal *{code}* sudah kami ganti" in chat.text
    [moved] = appointments(app)
    assert (moved.code, moved.day.isoformat(), moved.status) == (code, other, "booked")
    taken = counters(app)
    assert taken[("muara_wahau", first.day, "")] == 0 and taken[("muara_wahau", moved.day, "")] == 1
    # batal jadwal: confirmed first; "tidak" keeps it
    chat.say(f"batal jadwal {code}")
    assert chat.buttons == ["bcancel_yes", "bcancel_no"]
    chat.press("bcancel_no")
    assert appointments(app)[0].status == "booked"
    chat.say(f"batal jadwal {code}")
    chat.press("bcancel_yes")
    assert f"Jadwal *{code}* sudah dibatalkan" in chat.text
    [gone] = appointments(app)
    assert gone.status == "cancelled" and gone.cancelled_at is not None
    assert counters(app)[("muara_wahau", moved.day, "")] == 0
    chat.say("jadwal saya")
    assert "belum punya jadwal" in chat.text
    chat.say(f"ubah jadwal {code}")
    assert "Dibatalkan" in chat.text
    with app.app_context(), db.new_session() as s:
        actions = set(s.execute(select(AuditLog.action)).scalars())
    assert {"appointment_booked", "appointment_rescheduled", "appointment_cancelled"} <= actions


def test_a_past_date_today_and_a_holiday_are_refused_with_their_reason_and_days_with_room(chat):
    until_place(chat)
    chat.press("sangatta")
    chat.say("kemarin")
    assert "sudah lewat" in chat.text and chat.where()["step"] == "hari" and chat.buttons
    chat.say("hari ini")
    assert "paling cepat besok" in chat.text
    holiday = next(d for d in (today() + timedelta(days=n) for n in range(2, 400))
                   if d.weekday() < 5 and faq.holiday_name(d, chat.client.application.config["OFFICE"]))
    chat.say(f"{holiday.day}/{holiday.month}/{holiday.year}")
    assert "kantor tutup" in chat.text and faq.holiday_name(holiday, chat.client.application.config["OFFICE"]) in chat.text
    assert chat.where()["step"] == "hari" and chat.buttons
    chat.say("hari minggu")  # Sunday: the office does not serve
    assert "tidak melayani pada hari Minggu" in chat.text
    chat.say("31/2/2027")
    assert chat.where()["step"] == "hari"


def test_a_full_day_a_closed_day_and_a_full_slot(chat, client, app):
    until_place(chat)
    chat.press("sangatta")
    first, second = (date.fromisoformat(d) for d in chat.buttons[:2])
    override(app, first, quota=0)
    chat.say(f"{first.day}/{first.month}/{first.year}")
    assert "sudah penuh" in chat.text and first.isoformat() not in chat.buttons
    override(app, second, closed=True)
    chat.say(f"{second.day}/{second.month}/{second.year}")
    assert "ditutup" in chat.text and second.isoformat() not in chat.buttons
    # A day with more than one slot: on a Friday only *pagi* fits the shorter hours.
    third = next(d for d in map(date.fromisoformat, chat.buttons) if d.weekday() != 4)
    override(app, third, slot="pagi", quota=0)
    chat.press(third.isoformat())
    assert "pagi" not in chat.buttons and chat.buttons
    chat.say("08.00")
    assert "sudah penuh" in chat.text and chat.where()["step"] == "jam"


def test_the_last_place_taken_at_the_summary_by_someone_else_asks_the_day_again(chat, client, app):
    other = Chat(client, "citizen-2")
    until_place(chat)
    chat.press("sangatta")
    day = date.fromisoformat(chat.buttons[0])
    override(app, day, quota=1)
    chat.press(day.isoformat())
    chat.press(chat.buttons[0])
    assert chat.where()["mode"] == "confirm"
    # the other citizen books the last place of that day first
    until_place(other)
    other.press("sangatta")
    other.press(day.isoformat())
    other.press(other.buttons[0])
    other.press("submit")
    assert CODE.search(other.text)
    chat.press("submit")
    assert "baru saja diambil warga lain" in chat.text
    assert chat.where()["step"] == "hari" and day.isoformat() not in chat.buttons and chat.buttons
    assert len(appointments(app)) == 1
    chat.press(chat.buttons[0])
    chat.press(chat.buttons[0])
    chat.press("submit")
    assert CODE.search(chat.text) and len(appointments(app)) == 2


def test_no_recording_yet_says_to_record_first_and_books_nothing(chat, app):
    chat.say("halo")
    chat.press("svc:ktp_print")
    chat.press("rusak")
    chat.press("belum")
    assert "perekaman KTP-el" in chat.text and "tidak bisa diwakilkan" in chat.text
    assert chat.where()["flow"] is None and appointments(app) == []


def test_a_changed_place_asks_the_day_again(chat):
    until_place(chat)
    chat.press("sangatta")
    chat.press(chat.buttons[0])
    chat.press(chat.buttons[0])
    chat.say("ubah")
    chat.say("6")  # Tempat
    chat.press("bengalon")
    assert chat.where()["step"] == "hari" and "jam" not in chat.where()["answers"]


def test_the_booking_slip_is_one_signed_a4_page_with_its_qr_and_what_to_bring(chat, client, app):
    import io

    from pypdf import PdfReader

    from bot.core.models import Document

    until_place(chat, "hilang")
    chat.press("sangatta")
    chat.press(chat.buttons[0])
    chat.press(chat.buttons[0])
    replies = chat.press("submit")
    code = CODE.search(replies[0]["text"]).group(1)
    document = replies[1]["document"]
    assert document["content_type"] == "application/pdf" and code in document["filename"]
    pdf = client.get(document["url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
    text = page.extract_text()
    assert "BUKTI JADWAL KEDATANGAN" in text and code in text and "001" in text
    assert "Surat keterangan hilang dari kepolisian" in text and "08.00–10.00" in text
    assert "Pindai di loket" in text  # the QR code's caption
    assert "6408********0001" in text and NIK not in text
    assert "/Sig" in pdf.data.decode("latin-1")  # signed like the receipt
    with app.app_context(), db.new_session() as s:
        slip = s.execute(select(Document).where(Document.kind == f"slip:{code}")).scalar_one()
        verify_code = slip.code
    page_v = client.get(f"/v/{verify_code}")
    assert page_v.status_code == 200
    html = page_v.get_data(as_text=True)
    assert code in html and "Bukti jadwal kedatangan Cetak KTP-el" in html and "Terjadwal" in html
    chat.say(f"batal jadwal {code}")
    chat.press("bcancel_yes")
    html = client.get(f"/v/{verify_code}").get_data(as_text=True)
    assert "Dicabut" in html and "Dibatalkan" in html


def test_asking_to_book_names_what_can_be_booked_and_what_is_done_at_the_office(chat):
    for text in ("bikin janji besok?", "pesan jadwal kedatangan", "mau daftar antrian"):
        chat.say(text)
        # every in-person service can be booked now: all four are offered, none "not yet"
        assert chat.buttons == ["svc:ktp_print", "svc:kia", "svc:ktp_recording", "svc:marriage_certificate"]
        assert "belum bisa dijadwalkan" not in chat.text
    chat.press("svc:ktp_print")
    assert chat.where()["flow"] == "cetak_ktp"


def test_another_citizens_code_or_an_unknown_one_is_never_cancelled_or_moved(sqlite_app):
    """A booking code is only its owner's: typed or pressed by anyone else it is "not found", and
    the booking stays as it was."""
    owner = Chat(sqlite_app.test_client(), "warga-pemilik")
    code = book(owner)
    other = Chat(sqlite_app.test_client(), "warga-lain")
    other.say("halo")
    for said in (f"batal jadwal {code}", f"ubah jadwal {code}", "batal jadwal KTP-9999"):
        other.say(said)
        shown = code if "KTP-9999" not in said else "KTP-9999"
        assert f"Jadwal *{shown}* tidak kami temukan di chat ini" in other.text, said
    other.press(f"bcancel:{code}")  # a reminder's button, forged
    assert f"Jadwal *{code}* tidak kami temukan di chat ini" in other.text
    [kept] = appointments(sqlite_app)
    assert (kept.code, kept.status) == (code, "booked")


def test_a_day_typed_that_cannot_be_read_is_asked_again_with_the_days_kept(sqlite_app):
    chat = Chat(sqlite_app.test_client(), "warga-hari")
    until_place(chat)
    chat.say("sangatta")
    offered = chat.buttons
    chat.say("kapan aja boleh lah")
    assert "Mohon maaf, tanggalnya belum terbaca." in chat.text
    assert chat.where()["step"] == "hari" and chat.buttons == offered
    assert appointments(sqlite_app) == []
