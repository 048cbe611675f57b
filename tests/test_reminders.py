"""Visit reminders and no-shows (delivery/reminders.py): the eve and morning reminders at their
times and once each, none for a cancelled visit, a moved visit reminded for its new day, the
buttons working from the reminder, each channel outside the 24-hour window (a WhatsApp template
with its quick replies, Messenger's CONFIRMED_EVENT_UPDATE), no-shows, and "Saya datang" after
repeated no-shows. The clock is the `now` given to send_due."""
import os
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from redis import Redis
from sqlalchemy import select

from bot.core import db
from bot.core.inbound_store import get_contact
from bot.core.models import Appointment, AuditLog, Contact, Outbox
from delivery.channels.twilio import fake as twilio_fake
from delivery import reminders as reminders_module
from delivery.reminders import send_due
from flows import appointments as ap
from flows.validators import format_date_id
from tests.booking_drivers import CODE, appointments
from tests.channel_drivers import MetaChat, contact_with_outbox, outbox, sent_bodies
from tests.twilio_drivers import CITIZEN, TwilioChat

WITA = ZoneInfo("Asia/Makassar")
NIK = "6408011708900001"
WA_ID = "6281234567890"
PSID = "7766554433221100"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment in office time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WITA)


def today() -> date:
    return datetime.now(WITA).date()


def book(chat, day_index: int = 1) -> str:
    """Book cetak KTP-el at the main office (an offered day after the first, so its eve is still
    to come), the first slot; the code."""
    chat.say("halo")
    chat.press("svc:ktp_print")
    chat.press("rusak")
    chat.press("sudah")
    chat.press("agree")
    chat.say("Budi Santoso")
    chat.say(NIK)
    chat.press("sangatta")
    chat.press(chat.buttons[day_index])
    chat.press(chat.buttons[0])
    chat.press("submit")
    return CODE.search(chat.text).group(1)


def remind(app, now: datetime) -> dict:
    with app.app_context():
        return send_due(now=now)


def reminders(app) -> list[Outbox]:
    """The reminder rows queued so far, oldest first."""
    return [row for row in outbox(app) if row.payload.get("event_reminder")]


def open_day(app, index: int = 2) -> date:
    """A coming day the main office is open."""
    return ap.open_days(app.config["OFFICE"], "sangatta", today())[index]


def visit_for(app, contact_id: int, day: date, code: str = "KTP-0101", status: str = "booked") -> int:
    """A booking written directly (for the channel tests, whose citizen did not book in this test)."""
    with app.app_context(), db.new_session() as s:
        appt = Appointment(code=code, service="ktp_print", place="sangatta", day=day, slot="pagi", queue_number=7,
                           contact_id=contact_id, status=status, answers={},
                           bring=["KTP-el yang rusak", "Kode jadwal ini"])
        s.add(appt)
        s.commit()
        return appt.id


def simulator_contact(app, user: str = "citizen-1") -> int:
    with app.app_context(), db.new_session() as s:
        return s.execute(select(Contact.id).where(Contact.channel == "simulator",
                                                  Contact.external_id == user)).scalar_one()


# ---- when, and once --------------------------------------------------------------------------
def test_the_eve_reminder_at_16_once_and_the_morning_one_at_0630(inline_chat, sqlite_app):
    code = book(inline_chat)
    assert "Kami akan mengingatkan Bapak/Ibu di chat ini sehari sebelumnya pukul 16.00 WITA" in inline_chat.text
    [appt] = appointments(sqlite_app)
    eve = appt.day - timedelta(days=1)
    assert remind(sqlite_app, at(eve, 15, 59)) == {"eve": 0, "morning": 0, "no_show": 0}
    assert reminders(sqlite_app) == []
    assert remind(sqlite_app, at(eve, 16, 0))["eve"] == 1
    assert remind(sqlite_app, at(eve, 16, 5))["eve"] == 0  # run again: nothing more
    [row] = reminders(sqlite_app)
    text = row.payload["text"]
    assert "besok ada jadwal kedatangan" in text and "*Cetak KTP-el*" in text
    assert f"*{code}*" in text and "Kantor Disdukcapil Kutai Timur, Sangatta, Jl. Soekarno-Hatta" in text
    assert format_date_id(appt.day) in text and "08.00–10.00 WITA" in text and "Nomor antrean: *001*" in text
    assert "Bawa: KTP-el yang rusak (diserahkan kembali kepada petugas) dan fotokopi KK; Kode jadwal" in text
    assert [b["id"] for b in row.payload["buttons"]] == [f"bcancel:{code}", f"bchange:{code}"]
    assert [b["title"] for b in row.payload["buttons"]] == ["Batal", "Ubah jadwal"]
    assert row.payload["template_kind"] == "appointment_reminder" and row.status == "sent"  # the simulator is always open
    assert remind(sqlite_app, at(appt.day, 6, 29))["morning"] == 0
    assert remind(sqlite_app, at(appt.day, 6, 30))["morning"] == 1
    assert remind(sqlite_app, at(appt.day, 7, 0))["morning"] == 0
    morning = reminders(sqlite_app)[-1].payload["text"]
    assert "Hari ini jadwal kedatangan" in morning and f"*{code}*" in morning
    with sqlite_app.app_context(), db.new_session() as s:
        audited = s.execute(select(AuditLog.detail).where(AuditLog.action == "appointment_reminded")).scalars().all()
    assert [d["reminder"] for d in audited] == ["eve", "morning"]


def test_a_late_worker_sends_the_eve_reminder_until_midnight_and_never_on_the_day(inline_chat, sqlite_app):
    book(inline_chat)
    [appt] = appointments(sqlite_app)
    assert remind(sqlite_app, at(appt.day, 0, 1))["eve"] == 0  # the eve is over: none sent late
    assert remind(sqlite_app, at(appt.day, 16, 0))["morning"] == 0  # the place has closed (15.30)
    assert reminders(sqlite_app) == []


def test_visits_owed_no_reminder_today_never_crowd_out_tomorrows_eve_reminders(sqlite_app, monkeypatch):
    """An office that sends no morning reminder: today's visits stay unreminded, and however many
    there are, the eve reminders of tomorrow's still go out (each kind has its own batch)."""
    from copy import deepcopy

    from delivery import reminders as reminders_module

    office = deepcopy(sqlite_app.config["OFFICE"])
    office["appointments"]["reminders"] = {"eve": "16:00"}
    sqlite_app.config["OFFICE"] = office
    monkeypatch.setattr(reminders_module, "BATCH", 2)  # a big day, in small
    contact = simulator_contact_made(sqlite_app)
    day = open_day(sqlite_app, 1)
    for n in range(3):
        visit_for(sqlite_app, contact, day - timedelta(days=1), code=f"KTP-02{n:02d}")
    visit_for(sqlite_app, contact, day, code="KTP-0300")
    assert remind(sqlite_app, at(day - timedelta(days=1), 16, 0)) == {"eve": 1, "morning": 0, "no_show": 0}
    assert [r.payload["ticket"] for r in reminders(sqlite_app)] == ["KTP-0300"]


def simulator_contact_made(app, user: str = "citizen-9") -> int:
    """A simulator contact with no chat of its own (the visits are written directly)."""
    from bot.core.inbound_store import get_contact

    with app.app_context(), db.new_session() as s:
        contact = get_contact(s, "simulator", user, "Warga")
        s.commit()
        return contact.id


def test_a_cancelled_visit_is_not_reminded(inline_chat, sqlite_app):
    code = book(inline_chat)
    inline_chat.say(f"batal jadwal {code}")
    inline_chat.press("bcancel_yes")
    [appt] = appointments(sqlite_app)
    assert appt.status == "cancelled"
    remind(sqlite_app, at(appt.day - timedelta(days=1), 16, 0))
    remind(sqlite_app, at(appt.day, 6, 30))
    assert reminders(sqlite_app) == []


def test_a_moved_visit_is_reminded_for_its_new_day(inline_chat, sqlite_app):
    code = book(inline_chat)
    first = appointments(sqlite_app)[0].day
    assert remind(sqlite_app, at(first - timedelta(days=1), 16, 0))["eve"] == 1
    inline_chat.say(f"ubah jadwal {code}")
    later = next(d for d in inline_chat.buttons if date.fromisoformat(d) > first + timedelta(days=1))
    inline_chat.press(later)
    inline_chat.press(inline_chat.buttons[0])
    inline_chat.press("submit")
    [moved] = appointments(sqlite_app)
    assert moved.day.isoformat() == later and moved.reminded_eve_at is None and moved.reminded_morning_at is None
    assert remind(sqlite_app, at(first, 6, 30))["morning"] == 0  # the old day: nothing
    assert remind(sqlite_app, at(moved.day - timedelta(days=1), 16, 0))["eve"] == 1
    latest = reminders(sqlite_app)[-1].payload
    assert f"*{code}*" in latest["text"] and format_date_id(moved.day) in latest["text"]


# ---- the buttons ---------------------------------------------------------------------------
def test_batal_and_ubah_jadwal_pressed_from_the_reminder(inline_chat, sqlite_app):
    code = book(inline_chat)
    [appt] = appointments(sqlite_app)
    remind(sqlite_app, at(appt.day, 6, 30))  # the morning one: on the visit day the buttons still work
    [row] = reminders(sqlite_app)
    inline_chat.press(row.payload["buttons"][1]["id"])  # Ubah jadwal
    assert inline_chat.where()["step"] == "hari"
    inline_chat.say("batal")  # leaves the change; the booking stays
    inline_chat.press("yes")
    assert appointments(sqlite_app)[0].status == "booked"
    inline_chat.press(row.payload["buttons"][0]["id"])  # Batal
    assert inline_chat.buttons == ["bcancel_yes", "bcancel_no"] and code in inline_chat.text
    inline_chat.press("bcancel_yes")
    assert f"Jadwal *{code}* sudah dibatalkan" in inline_chat.text
    assert appointments(sqlite_app)[0].status == "cancelled"


def test_a_reminder_button_pressed_in_the_middle_of_another_request(inline_chat, sqlite_app):
    code = book(inline_chat)
    inline_chat.say("halo")
    inline_chat.press("svc:kia")
    step = inline_chat.where()["step"]
    assert inline_chat.where()["mode"] == "collect"
    inline_chat.press(f"bconfirm:{code}")  # recorded, and the open question asked again
    assert "sudah kami catat" in inline_chat.text and inline_chat.where()["step"] == step
    inline_chat.press(f"bcancel:{code}")   # the request is kept aside, the cancel asked
    assert inline_chat.buttons[-2:] == ["bcancel_yes", "bcancel_no"]
    assert inline_chat.where()["paused"][0]["flow"] == "kia"
    inline_chat.press("bcancel_yes")
    assert appointments(sqlite_app)[0].status == "cancelled"


def test_a_whatsapp_template_quick_reply_comes_in_as_our_button(meta_sqlite_app, fake_meta):
    contact_id = contact_with_outbox(meta_sqlite_app, "whatsapp", WA_ID, [], last_inbound_hours=30)
    visit_for(meta_sqlite_app, contact_id, open_day(meta_sqlite_app))
    chat = MetaChat(meta_sqlite_app, fake_meta, "whatsapp", WA_ID)
    chat._send(chat._wa("button", {"payload": "bcancel:KTP-0101", "text": "Batal"}))
    assert chat.buttons == ["bcancel_yes", "bcancel_no"] and "KTP-0101" in chat.text


def test_a_twilio_template_quick_reply_comes_in_as_our_button(twilio_app, fake_twilio):
    with twilio_app.app_context(), db.new_session() as s:
        contact = get_contact(s, "twilio", CITIZEN, "Warga Uji")
        s.commit()
        contact_id = contact.id
    visit_for(twilio_app, contact_id, open_day(twilio_app))
    chat = TwilioChat(twilio_app, twilio_app.test_client(), fake_twilio)
    chat._post(twilio_fake.inbound_params(CITIZEN, "Batal", account_sid=fake_twilio["account_sid"],
                                          ButtonPayload="bcancel:KTP-0101", ButtonText="Batal", MessageType="button"))
    assert chat.buttons == ["bcancel_yes", "bcancel_no"] and "KTP-0101" in chat.text


# ---- outside the 24-hour window --------------------------------------------------------------
def test_whatsapp_outside_the_window_sends_the_configured_template_with_its_quick_replies(meta_sqlite_app, fake_meta):
    meta_sqlite_app.config["OFFICE"]["templates"] = {"appointment_reminder": {"whatsapp": {
        "name": "pengingat_jadwal", "language": "id", "params": ["{name}", "{ticket}", "{date}", "{place}"],
        "buttons": ["bcancel:{ticket}", "bchange:{ticket}"]}}}
    contact_id = contact_with_outbox(meta_sqlite_app, "whatsapp", WA_ID, [], last_inbound_hours=30)
    day = open_day(meta_sqlite_app)
    visit_for(meta_sqlite_app, contact_id, day)
    assert remind(meta_sqlite_app, at(day - timedelta(days=1), 16, 0))["eve"] == 1
    [body] = sent_bodies(fake_meta, "whatsapp")
    assert body["type"] == "template" and body["template"]["name"] == "pengingat_jadwal"
    assert body["template"]["components"] == [
        {"type": "body", "parameters": [{"type": "text", "text": t} for t in (
            "Budi", "KTP-0101", f"{ap.faq.HARI[day.weekday()]}, {format_date_id(day)}",
            "Kantor Disdukcapil Kutai Timur, Sangatta")]},
        {"type": "button", "sub_type": "quick_reply", "index": "0",
         "parameters": [{"type": "payload", "payload": "bcancel:KTP-0101"}]},
        {"type": "button", "sub_type": "quick_reply", "index": "1",
         "parameters": [{"type": "payload", "payload": "bchange:KTP-0101"}]}]
    assert reminders(meta_sqlite_app)[0].status == "sent"


def test_whatsapp_outside_the_window_without_a_template_holds_the_reminder(meta_sqlite_app, fake_meta):
    contact_id = contact_with_outbox(meta_sqlite_app, "whatsapp", WA_ID, [], last_inbound_hours=30)
    day = open_day(meta_sqlite_app)
    visit_for(meta_sqlite_app, contact_id, day)
    remind(meta_sqlite_app, at(day - timedelta(days=1), 16, 0))
    [row] = reminders(meta_sqlite_app)
    assert row.status == "held" and sent_bodies(fake_meta, "whatsapp") == []
    # Cancelled meanwhile: when the citizen writes again, the held reminder is dropped, not sent.
    with meta_sqlite_app.app_context(), db.new_session() as s:
        s.execute(select(Appointment)).scalar_one().status = "cancelled"
        s.commit()
    MetaChat(meta_sqlite_app, fake_meta, "whatsapp", WA_ID).say("halo")
    assert reminders(meta_sqlite_app)[0].status == "expired"
    assert not any("besok ada jadwal" in str(b) for b in sent_bodies(fake_meta, "whatsapp"))


def test_messenger_outside_the_window_tags_the_reminder_confirmed_event_update(meta_sqlite_app, fake_meta):
    contact_id = contact_with_outbox(meta_sqlite_app, "messenger", PSID, [], last_inbound_hours=24 * 9)
    day = open_day(meta_sqlite_app)
    visit_for(meta_sqlite_app, contact_id, day)
    remind(meta_sqlite_app, at(day - timedelta(days=1), 16, 0))
    [body] = sent_bodies(fake_meta, "messenger")
    assert (body["messaging_type"], body["tag"]) == ("MESSAGE_TAG", "CONFIRMED_EVENT_UPDATE")
    assert "besok ada jadwal" in body["message"]["text"]
    assert [q["payload"] for q in body["message"]["quick_replies"]] == ["bcancel:KTP-0101", "bchange:KTP-0101"]
    assert reminders(meta_sqlite_app)[0].status == "sent"


# ---- no-shows -------------------------------------------------------------------------------
def test_a_visit_still_booked_after_its_day_is_a_no_show_where_attendance_was_recorded(sqlite_app):
    with sqlite_app.app_context(), db.new_session() as s:
        ids = [get_contact(s, "simulator", f"warga-{i}", None).id for i in range(3)]
        s.commit()
    day = open_day(sqlite_app, 0)
    other_day = open_day(sqlite_app, 1)
    absent = visit_for(sqlite_app, ids[0], day, "KTP-0201")
    visit_for(sqlite_app, ids[1], day, "KTP-0202", status="checked_in")  # the counter recorded that day
    unknown = visit_for(sqlite_app, ids[2], other_day, "KTP-0203")     # a day with no check-in at all
    assert remind(sqlite_app, at(day, 23, 0))["no_show"] == 0  # the day is not over yet
    assert remind(sqlite_app, at(other_day + timedelta(days=1), 8, 0))["no_show"] == 1
    with sqlite_app.app_context(), db.new_session() as s:
        assert s.get(Appointment, absent).status == "no_show"
        assert s.get(Appointment, unknown).status == "booked"
        [entry] = s.execute(select(AuditLog).where(AuditLog.action == "appointment_no_show")).scalars().all()
    assert (entry.actor, entry.target_id, entry.detail["code"]) == ("system", str(absent), "KTP-0201")


def test_no_one_is_a_no_show_on_a_day_an_officer_closed(sqlite_app):
    """Closed at ten after a first check-in (a flood): the citizens told not to come are not absent."""
    from flows import appointments as ap

    with sqlite_app.app_context(), db.new_session() as s:
        ids = [get_contact(s, "simulator", f"warga-{i}", None).id for i in range(2)]
        s.commit()
    day = open_day(sqlite_app, 0)
    told = visit_for(sqlite_app, ids[0], day, "KTP-0301")
    visit_for(sqlite_app, ids[1], day, "KTP-0302", status="checked_in")
    with sqlite_app.app_context(), db.new_session() as s:
        ap.change_day(s, "officer:1", "sangatta", "ktp_print", day, closed=True, reason="banjir")
        s.commit()
    assert remind(sqlite_app, at(day + timedelta(days=1), 8, 0))["no_show"] == 0
    with sqlite_app.app_context(), db.new_session() as s:
        assert s.get(Appointment, told).status == "booked"
        ap.change_day(s, "officer:1", "sangatta", "ktp_print", day)  # opened again: the day counts
        s.commit()
    assert remind(sqlite_app, at(day + timedelta(days=1), 8, 5))["no_show"] == 1


def test_after_two_no_shows_the_citizen_is_told_and_asked_to_confirm(inline_chat, sqlite_app):
    inline_chat.say("halo")
    contact_id = simulator_contact(sqlite_app)
    past = today() - timedelta(days=20)
    visit_for(sqlite_app, contact_id, past, "KTP-0901", status="no_show")
    visit_for(sqlite_app, contact_id, past + timedelta(days=1), "KTP-0902", status="no_show")
    code = book(inline_chat)
    assert "sudah 2 kali jadwal tidak didatangi" in inline_chat.text and "*Saya datang*" in inline_chat.text
    appt = next(a for a in appointments(sqlite_app) if a.code == code)
    remind(sqlite_app, at(appt.day - timedelta(days=1), 16, 0))
    [row] = reminders(sqlite_app)
    assert [b["id"] for b in row.payload["buttons"]] == [f"bconfirm:{code}", f"bcancel:{code}", f"bchange:{code}"]
    assert row.payload["template_kind"] == "appointment_confirm" and "Saya datang" in row.payload["text"]
    inline_chat.press(f"bconfirm:{code}")
    assert "sudah kami catat" in inline_chat.text
    confirmed = next(a for a in appointments(sqlite_app) if a.code == code)
    assert confirmed.confirmed_at is not None and confirmed.status == "booked"


def test_one_no_show_is_not_enough_to_be_asked(inline_chat, sqlite_app):
    inline_chat.say("halo")
    visit_for(sqlite_app, simulator_contact(sqlite_app), today() - timedelta(days=20), "KTP-0901", status="no_show")
    book(inline_chat)
    assert "tidak didatangi" not in inline_chat.text
    appt = appointments(sqlite_app)[-1]
    remind(sqlite_app, at(appt.day - timedelta(days=1), 16, 0))
    assert [b["title"] for b in reminders(sqlite_app)[0].payload["buttons"]] == ["Batal", "Ubah jadwal"]


# ---- by hand, and two workers at once ------------------------------------------------------------
def test_flask_remind_runs_the_sweep(sqlite_app):
    result = sqlite_app.test_cli_runner().invoke(args=["remind"])
    assert result.exit_code == 0 and "Pengingat dikirim: 0 untuk besok" in result.output


def test_two_workers_at_once_queue_each_reminder_once(pg_app):
    with pg_app.app_context(), db.new_session() as s:
        ids = [get_contact(s, "simulator", f"warga-{i}", None).id for i in range(5)]
        s.commit()
    day = open_day(pg_app)
    for i, contact_id in enumerate(ids):
        visit_for(pg_app, contact_id, day, f"KTP-05{i:02d}")
    start = threading.Barrier(4)

    def run():
        start.wait()
        remind(pg_app, at(day - timedelta(days=1), 16, 1))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with pg_app.app_context(), db.new_session() as s:
        rows = s.execute(select(Outbox)).scalars().all()
        assert sorted(r.payload["ticket"] for r in rows) == [f"KTP-05{i:02d}" for i in range(5)]
        assert all(a.reminded_eve_at is not None for a in s.execute(select(Appointment)).scalars())
    # The worker's round: one per interval across the workers of a queue.
    queue = pg_app.extensions["jobs"].queue.name
    with pg_app.app_context(), Redis.from_url(os.environ["REDIS_URL"]) as redis:
        redis.delete(f"sapa:remind:{queue}")
        assert reminders_module.send_if_due(redis, queue, timedelta(minutes=5)) == {"eve": 0, "morning": 0,
                                                                                      "no_show": 0}
        assert reminders_module.send_if_due(redis, queue, timedelta(minutes=5)) is None
        redis.delete(f"sapa:remind:{queue}")


def test_a_booking_promises_reminders_only_where_they_reach(sqlite_app):
    office = dict(sqlite_app.config["OFFICE"])
    with sqlite_app.app_context():
        assert reminders_module.reach("simulator", office) == {"reminder", "confirm"}
        assert reminders_module.reach("messenger", office) == {"reminder", "confirm"}  # CONFIRMED_EVENT_UPDATE
        assert reminders_module.reach("whatsapp", office) == set()  # no template: held outside the window
        with_template = {**office, "templates": {"appointment_reminder": {"twilio": {"content_sid": "HX1"}}}}
        assert reminders_module.reach("twilio", with_template) == {"reminder"}
        silent = {**office, "appointments": {**office["appointments"], "reminders": {}}}
        assert reminders_module.reach("simulator", silent) == set()
