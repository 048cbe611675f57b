"""Booking a visit on the three real channels: from "halo" to the code, the queue number and the
booking slip PDF sent the way each provider takes documents, then *jadwal saya*, *ubah jadwal* to
another day and *batal jadwal*; every one of the four booked services on every channel, each
message within the channel's limits (WhatsApp: 3 reply buttons or 10 list rows; Messenger: 13
quick replies of 20 characters; Twilio: numbered choices). Signed webhooks in, the fake provider
APIs out (tests/channel_drivers.py, tests/twilio_drivers.py); every message is answered on the
office clock's day (tests/booking_drivers.py TODAY)."""
import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.core import db
from bot.core.models import AppointmentOverride, Document
from tests.booking_drivers import (
    CODE,
    SERVICES,
    TODAY,
    appointments,
    counters,
    nik_born,
    typed,
    until_place,
    years_before,
)
from tests.channel_drivers import MetaChat, sent_bodies
from tests.twilio_drivers import TwilioChat, media_path, sent_to

pytestmark = pytest.mark.usefixtures("office_clock")

WA_ID, PSID = "6281234567890", "7101234567890123"
CHANNELS = ("whatsapp", "messenger", "twilio")


def citizen(request, channel: str, app_fixture: str = "sqlite_app"):
    """A citizen of `channel` talking to the app (SQLite with inline jobs unless `app_fixture`
    names the parametrised `app`, which runs again on PostgreSQL with a worker)."""
    if channel == "twilio":
        app = request.getfixturevalue("twilio_app")
        return TwilioChat(app, app.test_client(), request.getfixturevalue("fake_twilio"))
    server = request.getfixturevalue("fake_meta")
    app = request.getfixturevalue(app_fixture)
    app.config.update(server.env())
    return MetaChat(app, server, channel, WA_ID if channel == "whatsapp" else PSID)


def slip_text(chat, code: str) -> str:
    """The text of the booking slip the provider was given, checked to be the slip we stored."""
    app = chat.app
    with app.app_context(), db.new_session() as s:
        stored = s.execute(select(Document).where(Document.kind == f"slip:{code}", Document.status == "current")
                           ).scalar_one()
        sha256, name = stored.sha256, stored.filename
    assert code in name and name.endswith(".pdf")
    if isinstance(chat, TwilioChat):
        last = sent_to(chat.state, chat.number)[-1]
        assert last["Body"] == f"📄 {name}"
        pdf = chat.client.get(media_path(last["MediaUrl"][0]))
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        data = pdf.data
    elif chat.channel == "whatsapp":
        document = chat.replies[-1]["document"]
        assert document["filename"] == name and document["content_type"] == "application/pdf"
        assert document["sha256"] == sha256
        data = chat.server.state["media"][document["id"]]["data"]
    else:
        file = chat.replies[-1]["document"]
        assert (file["filename"], file["content_type"], file["sha256"]) == (name, "application/pdf", sha256)
        return ""  # Messenger's fake keeps the hash of the upload, not its bytes
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def within_limits(chat) -> None:
    """Every message the provider got kept that channel's limits (the adapters' numbered list is
    the fallback; the booking's choices must not need it where a native one fits)."""
    if isinstance(chat, TwilioChat):
        return  # numbered choices; checked as the citizen types each number (TwilioChat.press)
    for body in sent_bodies(chat.server, chat.channel):
        if chat.channel == "messenger":
            quick = body["message"].get("quick_replies") or []
            assert len(quick) <= 13 and all(len(q["title"]) <= 20 for q in quick), quick
            assert len(body["message"].get("text", "")) <= 2000
            continue
        if body["type"] != "interactive":
            continue
        action = body["interactive"]["action"]
        if "buttons" in action:
            assert len(action["buttons"]) <= 3 and all(len(b["reply"]["title"]) <= 20 for b in action["buttons"])
        else:
            rows = [row for section in action["sections"] for row in section["rows"]]
            assert len(rows) <= 10 and all(len(r["title"]) <= 24 for r in rows), rows
            assert len(action["button"]) <= 20
        assert len(body["interactive"]["body"]["text"]) <= 1024


def book_move_cancel(chat, service: str, by_words: bool) -> None:
    """The whole walk of one service on one channel, with what the citizen notices at each turn."""
    prefix = SERVICES[service][0]
    until_place(chat, service, by_words=by_words)
    places = chat.buttons
    assert places[0] == "sangatta" and chat.buttons  # a native list or quick replies, not typed words
    chat.press("sangatta")
    assert chat.where()["step"] == "hari"
    days = chat.buttons
    assert days[0] == "2026-11-05" and len(days) == 6  # the office clock's Thursday first
    chat.press(days[0])
    if chat.where()["step"] == "jam":
        assert chat.buttons[0] == "pagi"
        chat.press("pagi")
    assert chat.where()["mode"] == "confirm"
    chat.press("submit")
    code = CODE.search(chat.text).group(1)
    assert code.startswith(prefix + "-") and "Nomor antrean: *001*" in chat.text
    assert "Kamis, 5 November 2026" in chat.text
    page = slip_text(chat, code)
    if page:
        assert "BUKTI JADWAL KEDATANGAN" in page and code in page and "Kamis, 5 November 2026" in page
    [booked] = appointments(chat.app)
    assert (booked.code, booked.service, booked.status, booked.day.isoformat()) == (code, service, "booked", days[0])

    chat.say("jadwal saya")
    assert code in chat.text and "nomor antrean 001" in chat.text

    chat.say(f"ubah jadwal {code}")
    assert chat.where()["step"] == "hari" and chat.buttons
    other = chat.buttons[2]  # Monday 9 November
    assert other == "2026-11-09"
    chat.press(other)
    if chat.where()["step"] == "jam":
        chat.press(chat.buttons[-1])
    chat.press("submit")
    assert f"Jadwal *{code}* sudah kami ganti" in chat.text and "Senin, 9 November 2026" in chat.text
    page = slip_text(chat, code)  # a new slip for the new day
    if page:
        assert "Senin, 9 November 2026" in page
    [moved] = appointments(chat.app)
    assert (moved.code, moved.day.isoformat(), moved.status) == (code, other, "booked")
    taken = counters(chat.app)
    assert taken[("sangatta", booked.day, "")] == 0 and taken[("sangatta", moved.day, "")] == 1

    chat.say(f"batal jadwal {code}")
    assert code in chat.text and "bcancel_yes" in chat.buttons
    chat.press("bcancel_yes")
    assert f"Jadwal *{code}* sudah dibatalkan" in chat.text
    assert appointments(chat.app)[0].status == "cancelled"
    assert counters(chat.app)[("sangatta", moved.day, "")] == 0
    within_limits(chat)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("service", list(SERVICES))
def test_every_service_is_booked_moved_and_cancelled_on_every_channel(request, channel, service):
    # Twilio and Messenger citizens say what they want in words; WhatsApp ones press the menu.
    book_move_cancel(citizen(request, channel), service, by_words=channel != "whatsapp")


@pytest.mark.parametrize("channel", ("whatsapp", "messenger"))
def test_a_cetak_ktp_visit_on_the_meta_channels_with_a_worker_too(request, app, channel):
    # `app`: again on PostgreSQL, where the RQ worker answers on the same office clock
    book_move_cancel(citizen(request, channel, "app"), "ktp_print", by_words=False)


# ---- awkward inputs, each on a real channel --------------------------------------------------------
def start_kia(chat, born: date, band: str) -> None:
    """A mother's KIA for a child born on `born`, up to the place."""
    chat.say("halo")
    chat.press("svc:kia")
    chat.press("ibu")
    chat.press("baru")
    chat.press("agree")
    chat.say("Putri Ayu Lestari")
    chat.say(nik_born(born, woman=True))
    chat.say(typed(born))
    chat.press(band)


def test_a_seventeen_year_old_asking_for_a_kia_over_whatsapp_is_sent_to_the_recording(request):
    chat = citizen(request, "whatsapp")
    start_kia(chat, years_before(TODAY, 17) - timedelta(days=40), "tujuh_belas")
    assert "tidak membuat jadwal KIA" in chat.text and "perekaman KTP-el" in chat.text
    assert chat.where()["flow"] is None and appointments(chat.app) == []


def test_a_kia_for_a_child_turning_17_before_the_day_is_booked_only_before_the_birthday(request):
    chat = citizen(request, "messenger")
    birthday = date(2026, 11, 10)  # the 17th, on the Tuesday after the office clock's Wednesday
    start_kia(chat, years_before(birthday, 17), "lima_17")
    chat.press("sangatta")
    # the age that counts is the one on the day of the visit: Thursday, Friday and Monday only
    assert chat.buttons == ["2026-11-05", "2026-11-06", "2026-11-09"]
    chat.say("10/11/2026")
    assert "umurnya sudah 17 tahun" in chat.text and "Selasa, 10 November 2026" in chat.text
    assert chat.where()["step"] == "hari" and chat.buttons == ["2026-11-05", "2026-11-06", "2026-11-09"]
    chat.press("2026-11-09")
    chat.press("pagi")
    chat.press("submit")
    assert CODE.search(chat.text).group(1).startswith("KIA-")


def test_a_child_who_is_five_by_the_visit_day_brings_the_photos(request, office_clock):
    chat = citizen(request, "twilio")
    born = years_before(date(2026, 11, 7), 5)  # 5 on Saturday: under 5 today, 5 on Monday's visit
    start_kia(chat, born, "balita")
    assert "tanpa foto" in chat.text and "pada hari kedatangan" in chat.text  # under 5 today
    chat.press("sangatta")
    chat.press("2026-11-09")
    chat.press("pagi")
    chat.press("submit")
    assert "2 lembar pas foto anak berwarna ukuran 2×3" in chat.text
    [booked] = appointments(chat.app)
    assert "2 lembar pas foto anak berwarna ukuran 2×3" in booked.bring


def test_a_fifteen_year_old_recording_over_twilio_is_told_when_and_nothing_is_booked(request):
    chat = citizen(request, "twilio")
    born = years_before(TODAY, 15) - timedelta(days=30)
    chat.say("halo")
    chat.say("mau rekam ktp")
    chat.press("agree")
    chat.say(nik_born(born))
    chat.say(typed(born))
    chat.press("belum")  # not married
    assert "belum 16 tahun" in chat.text and "hari ulang tahun ke-16" in chat.text
    assert chat.where()["flow"] is None and appointments(chat.app) == []


def test_the_days_are_listed_once_on_twilio_and_with_their_buttons_on_whatsapp(request):
    """Twilio has no buttons: the question's own numbered days are the choices, not followed by the
    same days again as "Balas dengan angka"; WhatsApp keeps the lines (with the places left) and
    the list to tap."""
    chat = citizen(request, "twilio")
    until_place(chat, "ktp_print", by_words=True)
    chat.press("sangatta")
    body = sent_to(chat.state, chat.number)[-1]["Body"]
    assert body.count("5 November 2026") == 1 and body.count("\n1. ") == 1 and "Kamis 5/11" not in body
    assert "\n1. Kamis, 5 November 2026 (sisa 60 tempat)\n" in body and "\n6. Kamis, 12 November 2026" in body
    assert body.endswith("Balas dengan angkanya, atau tulis tanggalnya (misalnya *besok*, *senin depan*, *12/11/2026*).")
    assert "Balas dengan angka:" not in body and "Tekan tombolnya" not in body  # no buttons to press here
    chat.say("3")  # the third day listed
    assert chat.where()["answers"]["hari"] == "2026-11-09"
    slots = sent_to(chat.state, chat.number)[-1]["Body"]
    assert slots.count("08.00–10.00") == 1 and slots.endswith("Balas dengan angkanya.")

    chat = citizen(request, "whatsapp")
    until_place(chat, "ktp_print")
    chat.press("sangatta")
    [listed] = [b for b in sent_bodies(chat.server, "whatsapp") if b["type"] == "interactive"][-1:]
    text = listed["interactive"]["body"]["text"]
    assert "\n1. Kamis, 5 November 2026 (sisa 60 tempat)\n" in text and "Tekan tombolnya atau ketik nomornya" in text
    rows = [r["title"] for section in listed["interactive"]["action"]["sections"] for r in section["rows"]]
    assert rows[0] == "Kamis 5/11" and len(rows) == 6


def test_a_muslim_couple_on_messenger_is_sent_to_the_kua(request):
    chat = citizen(request, "messenger")
    chat.say("halo")
    chat.say("mau catat akta perkawinan")
    chat.press("islam")
    assert "KUA kecamatan" in chat.text
    assert chat.where()["flow"] is None and appointments(chat.app) == []


def test_a_full_day_a_cuti_bersama_today_and_a_past_day_over_whatsapp(request, office_clock):
    office_clock.set("2026-12-22 09:00")  # a Tuesday before Christmas
    chat = citizen(request, "whatsapp")
    until_place(chat, "ktp_print")
    chat.press("sangatta")
    # Wednesday 23; Thursday 24 (cuti bersama), Friday 25 (Natal) and 1 January skipped
    assert chat.buttons == ["2026-12-23", "2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-04"]
    chat.say("24/12/2026")
    assert "kantor tutup: Cuti Bersama Hari Raya Natal" in chat.text and "2026-12-24" not in chat.buttons
    chat.say("hari ini")  # today's slots, even the ones still to come, are not booked in the chat
    assert "paling cepat besok" in chat.text and chat.where()["step"] == "hari"
    chat.say("21/12/2026")
    assert "sudah lewat" in chat.text and chat.buttons
    with chat.app.app_context(), db.new_session() as s:
        s.add(AppointmentOverride(place="sangatta", service="ktp_print", day=date(2026, 12, 23), slot="",
                                  quota=0, actor="officer:1", reason="uji"))
        s.commit()
    chat.say("23/12/2026")
    assert "sudah penuh" in chat.text and "2026-12-23" not in chat.buttons
    assert appointments(chat.app) == []
    within_limits(chat)


# ---- dialogue gaps -------------------------------------------------------------------------------------
def test_jadwal_saya_in_the_middle_of_another_booking_answers_and_keeps_its_progress(request):
    chat = citizen(request, "messenger")
    until_place(chat, "ktp_print")
    chat.press("sangatta")
    chat.press(chat.buttons[0])
    chat.press("pagi")
    chat.press("submit")
    code = CODE.search(chat.text).group(1)
    until_place(chat, "kia")
    before = chat.where()
    chat.say("jadwal saya")
    assert code in chat.text and "Kita lanjutkan permohonan" in chat.text
    assert chat.where() == before and chat.buttons[0] == "sangatta"  # the place asked again
    chat.press("sangatta")
    chat.press(chat.buttons[0])
    chat.press("pagi")
    chat.say("lihat jadwal saya")  # at the summary too
    assert code in chat.text and chat.where()["mode"] == "confirm" and "submit" in chat.buttons
    chat.press("submit")
    assert CODE.search(chat.text).group(1).startswith("KIA-") and len(appointments(chat.app)) == 2


def test_a_day_that_came_before_kirim_says_so_and_offers_days_again(request, office_clock):
    chat = citizen(request, "twilio")
    until_place(chat, "ktp_print")
    chat.press("sangatta")
    chat.press("2026-11-05")
    chat.press("pagi")
    assert chat.where()["mode"] == "confirm"
    office_clock.set("2026-11-05 08:00")  # the citizen comes back on the morning of the day itself
    chat.press("submit")
    assert "sudah hari ini atau sudah lewat" in chat.text and "diambil warga lain" not in chat.text
    assert chat.where()["step"] == "hari" and chat.buttons[0] == "2026-11-06"
    assert appointments(chat.app) == []
    chat.press("2026-11-06")
    chat.press("pagi")
    chat.press("submit")
    assert CODE.search(chat.text) and appointments(chat.app)[0].day == date(2026, 11, 6)
