"""Kuota & hari tutup in the officers' inbox (bot/web/inbox/schedule.py, delivery/appointment_changes.py):
a quota changed is what the chat offers, a closed day tells every citizen booked there (with the
buttons to move or cancel) and is no longer offered, the citizen moves the booking from that
message, a lowered quota keeps the bookings, operators only see, and every change is audited."""
import re
from datetime import date

from sqlalchemy import select

from bot.core import db
from bot.core.models import AppointmentOverride, AuditLog, Contact, Outbox
from tests.booking_drivers import appointments, counters, visit
from tests.conftest import Chat
from tests.inbox_drivers import add_officer, form_token, sign_in

PLACE, SERVICE = "muara_wahau", "ktp_print"  # books whole days (no slots), quota 20


def officer(app, username: str = "ani", role: str = "verifier"):
    """A signed-in officer's browser."""
    add_officer(app, username=username, role=role, name=username.title())
    client = app.test_client()
    assert sign_in(client, username).status_code == 302
    return client


def page(client, place: str = PLACE, service: str = SERVICE) -> str:
    return client.get(f"/inbox/schedule?place={place}&service={service}").get_data(as_text=True)


def change(client, day: date, action: str, place: str = PLACE, service: str = SERVICE, **form):
    """Submit one of the Jadwal page's forms; the page the officer lands on."""
    token = form_token(client.get("/inbox/schedule").get_data(as_text=True))
    return client.post("/inbox/schedule/change", follow_redirects=True, data={
        "csrf_token": token, "place": place, "service": service, "day": day.isoformat(), "action": action, **form})


def to_place(chat: Chat) -> None:
    """A citizen asks for a KTP-el print and answers up to the place."""
    chat.say("halo")
    chat.press("svc:ktp_print")
    chat.press("rusak")
    chat.press("sudah")
    chat.press("agree")
    chat.say("Budi Santoso")
    chat.say("6408011708900001")


def at_day(app, user: str) -> Chat:
    """A new citizen at the day question for Muara Wahau."""
    chat = Chat(app.test_client(), user)
    to_place(chat)
    chat.press(PLACE)
    return chat


def offered_days(app, user: str) -> list[str]:
    """The days the chat offers a new citizen at Muara Wahau."""
    return at_day(app, user).buttons


def told(app, contact_user: str) -> list[dict]:
    """The outbox payloads about a booking change owed to a citizen of the simulator."""
    with app.app_context(), db.new_session() as s:
        return [row.payload for row in s.execute(
            select(Outbox).join(Contact, Contact.id == Outbox.contact_id)
            .where(Contact.external_id == contact_user).order_by(Outbox.id)).scalars()
                if row.payload.get("appointment_id")]


def actions(app) -> list[AuditLog]:
    with app.app_context(), db.new_session() as s:
        rows = list(s.execute(select(AuditLog).order_by(AuditLog.id)).scalars())
        s.expunge_all()
        return rows


def test_a_changed_quota_is_what_the_chat_offers(sqlite_app):
    days = offered_days(sqlite_app, "early")
    first = date.fromisoformat(days[0])
    ani = officer(sqlite_app)
    assert f'data-day="{first.isoformat()}"' in page(ani)

    landed = change(ani, first, "quota", quota="3").get_data(as_text=True)
    assert re.search(r"Kuota [^<]* diubah\.", landed)  # the officer is told what changed
    row = landed[landed.index(f'data-day="{first.isoformat()}"'):]
    assert '<td data-testid="quota">3' in row and "diubah petugas" in row

    chat = Chat(sqlite_app.test_client(), "later")
    to_place(chat)
    chat.press(PLACE)
    assert chat.buttons[0] == first.isoformat()
    assert "(sisa 3 tempat)" in next(line for line in chat.text.splitlines() if line.startswith("1. "))

    change(ani, first, "quota", quota="0")
    assert first.isoformat() not in offered_days(sqlite_app, "latest")
    change(ani, first, "quota", quota="")  # empty: the configured quota again
    assert first.isoformat() in offered_days(sqlite_app, "last")
    changed = [e for e in actions(sqlite_app) if e.action == "appointment_quota_changed"]
    assert [e.detail["quota"] for e in changed] == [3, 0, None] and changed[0].actor.startswith("officer:")


def test_closing_a_day_tells_everyone_booked_there_who_can_move_or_cancel_from_the_message(app):
    budi, sari = Chat(app.test_client(), "budi"), Chat(app.test_client(), "sari")
    to_place(budi)
    code_budi = visit(budi, PLACE)
    to_place(sari)
    code_sari = visit(sari, PLACE)
    day = appointments(app)[0].day
    ani = officer(app)

    refused = change(ani, day, "close", reason="  ").get_data(as_text=True)
    assert "Tuliskan alasan penutupan" in refused
    assert not [e for e in actions(app) if e.action == "appointment_day_closed"]

    landed = change(ani, day, "close", reason="Listrik padam di kantor camat").get_data(as_text=True)
    assert "2 warga yang sudah terjadwal diberi tahu lewat chat" in landed
    row = landed[landed.index(f'data-day="{day.isoformat()}"'):]
    assert 'data-closed="yes"' in row[:80] and "Listrik padam di kantor camat" in row and "2 warga masih terjadwal" in row

    for user, code in (("budi", code_budi), ("sari", code_sari)):
        [news] = told(app, user)
        assert code in news["text"] and "ditutup" in news["text"] and "Alasannya: Listrik padam di kantor camat" in news["text"]
        assert "Muara Wahau" in news["text"]
        assert [b["id"] for b in news["buttons"]] == [f"bchange:{code}", f"bcancel:{code}"]
        assert [b["title"] for b in news["buttons"]] == ["Ubah jadwal", "Batal"]
        assert news["template_kind"] == "appointment_update"
    assert {a.status for a in appointments(app)} == {"booked"}  # nobody is moved for them

    # the closed day is no longer offered, and typed it is refused with the reason
    newcomer = at_day(app, "newcomer")
    assert day.isoformat() not in newcomer.buttons
    newcomer.say(f"{day.day}/{day.month}/{day.year}")
    assert "ditutup" in newcomer.text

    # Budi presses "Ubah jadwal" on the message: asked the day again, the closed day not among them
    budi.press(f"bchange:{code_budi}")
    assert budi.where()["step"] == "hari" and day.isoformat() not in budi.buttons
    other = budi.buttons[0]
    budi.press(other)
    budi.press("submit")
    assert f"Jadwal *{code_budi}* sudah kami ganti" in budi.text
    moved = next(a for a in appointments(app) if a.code == code_budi)
    assert (moved.day.isoformat(), moved.status) == (other, "booked")
    assert counters(app)[(PLACE, day, "")] == 1  # Budi's place on the closed day given back

    # Sari presses "Batal": asked to confirm first
    sari.press(f"bcancel:{code_sari}")
    assert sari.buttons == ["bcancel_yes", "bcancel_no"] and code_sari in sari.text

    # the day opened again: Sari, still booked there, hears that her booking holds
    landed = change(ani, day, "reopen").get_data(as_text=True)
    assert "dibuka kembali" in landed and "1 warga yang masih terjadwal" in landed
    news = told(app, "sari")[-1]
    assert "dibuka kembali" in news["text"] and code_sari in news["text"] and "buttons" not in news
    assert len(told(app, "budi")) == 1
    assert day.isoformat() in offered_days(app, "after-reopen")

    log = actions(app)
    closed = next(e for e in log if e.action == "appointment_day_closed")
    assert closed.detail["reason"] == "Listrik padam di kantor camat" and closed.detail["day"] == day.isoformat()
    assert sorted(e.detail["code"] for e in log if e.action == "appointment_change_told"
                  and e.detail["news"] == "closed") == sorted([code_budi, code_sari])
    assert [e.detail["code"] for e in log if e.action == "appointment_change_told"
            and e.detail["news"] == "reopened"] == [code_sari]
    assert any(e.action == "appointment_day_reopened" for e in log)


def test_a_quota_lowered_below_the_bookings_keeps_them_and_says_so(sqlite_app):
    codes = []
    for user in ("a1", "a2"):
        chat = Chat(sqlite_app.test_client(), user)
        to_place(chat)
        codes.append(visit(chat, PLACE))
    day = appointments(sqlite_app)[0].day
    ani = officer(sqlite_app)
    landed = change(ani, day, "quota", quota="1").get_data(as_text=True)
    assert "Sudah ada 2 jadwal, 1 di atas kuota baru" in landed and "tetap berlaku" in landed
    assert [a.status for a in appointments(sqlite_app)] == ["booked", "booked"]
    assert told(sqlite_app, "a1") == [] and told(sqlite_app, "a2") == []
    assert day.isoformat() not in offered_days(sqlite_app, "a3")


def test_a_slot_quota_changes_that_slot_only(sqlite_app):
    chat = Chat(sqlite_app.test_client(), "s1")
    to_place(chat)
    chat.press("sangatta")
    day = next(d for d in map(date.fromisoformat, chat.buttons) if d.weekday() < 4)  # Friday has no afternoon
    ani = officer(sqlite_app)
    change(ani, day, "quota", place="sangatta", slot="pagi", quota="0")
    chat.press(day.isoformat())
    assert "pagi" not in chat.buttons and "siang" in chat.buttons
    shown = page(ani, "sangatta", SERVICE)
    row = shown[shown.index(f'data-day="{day.isoformat()}"'):]
    assert "08.00–10.00 WITA: 0/0" in row and "10.00–12.00 WITA: 0/25" in row
    # the day keeps its quota of 60, but only its slots' places are left: 0 + 25 + 10
    assert '<td data-testid="quota">60' in row and '<td data-testid="left">35' in row


def test_an_operator_sees_the_days_but_changes_nothing(sqlite_app):
    days = offered_days(sqlite_app, "early")
    day = date.fromisoformat(days[0])
    budi = officer(sqlite_app, "budi", "operator")
    shown = page(budi)
    assert f'data-day="{day.isoformat()}"' in shown and "Simpan kuota" not in shown and "Tutup hari" not in shown
    assert "Hanya admin atau verifikator" in shown
    refused = change(budi, day, "close", reason="banjir")
    assert refused.status_code == 403 and "Hanya admin atau verifikator" in refused.get_data(as_text=True)
    with sqlite_app.app_context(), db.new_session() as s:
        assert s.execute(select(AppointmentOverride)).first() is None
    admin = officer(sqlite_app, "kepala", "admin")
    assert "Tutup hari" in page(admin)


def test_the_page_needs_a_signed_in_officer(sqlite_app):
    assert sqlite_app.test_client().get("/inbox/schedule").status_code == 302
    assert sqlite_app.test_client().get("/inbox/numbers").status_code == 302


def test_a_booking_for_today_is_moved_off_a_day_an_officer_closed_this_morning(sqlite_app):
    """A day closed this morning (a flood, a power cut): today's citizens are told, and the chat
    moves the booking to a later day, never to the closed one."""
    from copy import deepcopy

    from bot.core.models import Appointment
    from bot.web.inbox.schedule import office_today

    office = deepcopy(sqlite_app.config["OFFICE"])
    office["office"]["national_holidays"] = False  # every day of the week open, whatever today is
    office["appointments"]["places"][PLACE]["hours"] = {d: ["00:00", "23:59"] for d in range(7)}
    sqlite_app.config["OFFICE"] = office
    chat = Chat(sqlite_app.test_client(), "pagi")
    to_place(chat)
    code = visit(chat, PLACE)
    with sqlite_app.app_context(), db.new_session() as s:  # as if booked days ago for today
        today = office_today()
        s.execute(Appointment.__table__.update().values(day=today))
        s.commit()
    ani = officer(sqlite_app)
    assert '<small>hari ini</small>' in page(ani)  # today's row is listed, so it can be closed
    assert "1 warga yang sudah terjadwal diberi tahu" in change(ani, today, "close", reason="Banjir").get_data(as_text=True)
    chat.press(f"bchange:{code}")
    assert chat.where()["step"] == "hari" and today.isoformat() not in chat.buttons
    chat.press(chat.buttons[0])
    chat.press("submit")
    assert f"Jadwal *{code}* sudah kami ganti" in chat.text
    assert appointments(sqlite_app)[0].day > today
