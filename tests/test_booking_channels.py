"""Booking a visit on the three real channels: from "halo" to the code, the queue number and the
booking slip PDF sent the way each provider takes documents, then *jadwal saya*, *ubah jadwal* to
another day and *batal jadwal*; every one of the four booked services on every channel, each
message within the channel's limits (WhatsApp: 3 reply buttons or 10 list rows; Messenger: 13
quick replies of 20 characters; Twilio: numbered choices). Signed webhooks in, the fake provider
APIs out (tests/channel_drivers.py, tests/twilio_drivers.py); every message is answered on the
office clock's day (tests/booking_drivers.py TODAY)."""
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.core import db
from bot.core.models import Document
from tests.booking_drivers import CODE, SERVICES, appointments, counters, until_place
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
