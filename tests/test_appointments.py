"""Places, open days and capacity (config.yml `appointments:`, flows/appointments.py), and the last
place going to exactly one of several bookers at the same moment (PostgreSQL)."""
import threading
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from bot.core import db
from bot.core.models import AppointmentCounter, AppointmentOverride, audit
from flows import appointments as ap

MONDAY = date(2026, 11, 30)  # so MONDAY + 1..3 are Tuesday to Thursday (full hours)


def office_with(quota: int, slots: list | None = None) -> dict:
    """The real office settings with one test place of the given capacity."""
    office = dict(current_app.config["OFFICE"])
    service = {"quota": quota, **({"slots": slots} if slots else {})}
    office["appointments"] = {**office.get("appointments", {}), "places": {
        "test": {"name": "Tempat Uji", "address": "Sangatta", "services": {"ktp_print": service}}}}
    return office


def test_the_configured_places_book_cetak_ktp_with_slots_at_the_main_office(app):
    office = app.config["OFFICE"]
    keys = [key for key, _ in ap.places_for(office, "ktp_print")]
    assert keys[0] == "sangatta" and {"muara_wahau", "sangkulirang", "bengalon"} <= set(keys)
    assert [s.id for s in ap.slots(office, "sangatta", "ktp_print")] == ["pagi", "siang", "sore"]
    assert ap.slots(office, "muara_wahau", "ktp_print") == []
    # the akta perkawinan is signed at the main office only
    assert [key for key, _ in ap.places_for(office, "marriage_certificate")] == ["sangatta"]


def test_open_days_follow_the_place_hours_and_skip_holidays(app):
    office = app.config["OFFICE"]
    days = ap.open_days(office, "sangatta", date(2026, 12, 20))
    assert len(days) == 14 and days[0] > date(2026, 12, 20)
    assert all(d.weekday() < 5 for d in days)
    assert date(2026, 12, 25) not in days  # Hari Raya Natal
    assert all(ap.holiday(office, d) is None for d in days)
    wahau = ap.open_days(office, "muara_wahau", MONDAY)
    assert {d.weekday() for d in wahau} <= {1, 3}  # Selasa and Kamis only
    assert ap.holiday(office, date(2026, 12, 25))


def test_reserve_gives_queue_numbers_until_the_quota_then_refuses(app):
    day = MONDAY + timedelta(days=1)
    with app.app_context(), db.new_session() as s:
        office = office_with(2)
        assert ap.reserve(s, office, "test", "ktp_print", day) == 1
        assert ap.reserve(s, office, "test", "ktp_print", day) == 2
        assert ap.reserve(s, office, "test", "ktp_print", day) is None
        assert ap.left(s, office, "test", "ktp_print", day) == 0
        ap.release(s, "test", "ktp_print", day)
        assert ap.left(s, office, "test", "ktp_print", day) == 1
        assert ap.reserve(s, office, "test", "ktp_print", day) == 3  # numbers given stay given
        s.commit()


def test_slots_have_their_own_quota_and_the_day_counts_them_all(app):
    day = MONDAY + timedelta(days=1)
    slots = [{"id": "pagi", "start": "08:00", "end": "10:00", "quota": 1},
             {"id": "siang", "start": "10:00", "end": "12:00", "quota": 2}]
    with app.app_context(), db.new_session() as s:
        office = office_with(2, slots)
        assert ap.reserve(s, office, "test", "ktp_print", day, "pagi") == 1
        assert ap.reserve(s, office, "test", "ktp_print", day, "pagi") is None
        assert ap.reserve(s, office, "test", "ktp_print", day, "siang") == 2
        # the day's quota (2) is reached although the slot 'siang' has room: refused, and the slot given back
        assert ap.reserve(s, office, "test", "ktp_print", day, "siang") is None
        assert ap.taken(s, "test", "ktp_print", day, "siang") == 1
        assert ap.left(s, office, "test", "ktp_print", day) == 0
        s.commit()


def test_an_officer_override_changes_the_quota_or_closes_the_day(app):
    day = MONDAY + timedelta(days=2)
    with app.app_context(), db.new_session() as s:
        office = office_with(5)
        change = AppointmentOverride(place="test", service="ktp_print", day=day, slot="", quota=1,
                                     actor="officer:1", reason="blangko terbatas")
        s.add(change)
        s.flush()
        audit(s, "officer:1", "appointment_quota_changed", change, quota=1)
        assert ap.left(s, office, "test", "ktp_print", day) == 1
        s.add(AppointmentOverride(place="test", service="ktp_print", day=day, slot="", closed=True,
                                  actor="officer:1", reason="listrik padam"))
        s.flush()
        assert ap.left(s, office, "test", "ktp_print", day) == 0
        assert ap.reserve(s, office, "test", "ktp_print", day) is None
        assert ap.closed_by_officer(s, "test", "ktp_print", day)
        s.commit()


def test_exactly_one_of_many_concurrent_bookers_gets_the_last_place(pg_app):
    """N threads, each with its own connection, wait at a barrier and book the one place left."""
    bookers, day = 12, MONDAY + timedelta(days=3)
    with pg_app.app_context():
        office = office_with(1, [{"id": "pagi", "start": "08:00", "end": "10:00", "quota": 1}])
    barrier = threading.Barrier(bookers)
    results, errors = [], []

    def book():
        try:
            with pg_app.app_context(), db.new_session() as s:
                s.connection()  # its own connection before the race starts
                barrier.wait(timeout=20)
                number = ap.reserve(s, office, "test", "ktp_print", day, "pagi")
                s.commit()
                results.append(number)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=book) for _ in range(bookers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(results, key=lambda n: n or 0) == [None] * (bookers - 1) + [1]
    with pg_app.app_context(), db.new_session() as s:
        rows = {r.slot: r.taken for r in s.execute(select(AppointmentCounter).where(AppointmentCounter.day == day)).scalars()}
    assert rows == {"": 1, "pagi": 1}
    with pg_app.app_context(), db.new_session() as s:  # the loser is offered the next day with room
        days = ap.days_with_room(s, office, "test", "ktp_print", day - timedelta(days=1))
        assert days and days[0][0] > day


def test_an_officer_closing_a_day_is_audited_and_names_the_visits_booked_there(app):
    from bot.core.models import Appointment, AuditLog, Contact

    day = MONDAY + timedelta(days=2)
    with app.app_context(), db.new_session() as s:
        office = office_with(5)
        contact = Contact(channel="simulator", external_id="x")
        s.add(contact)
        s.flush()
        number = ap.reserve(s, office, "test", "ktp_print", day)
        s.add(Appointment(code="KTP-0009", service="ktp_print", place="test", day=day, slot="", queue_number=number,
                          contact_id=contact.id, answers={}, bring=[]))
        s.flush()
        affected = ap.change_day(s, "officer:1", "test", "ktp_print", day, closed=True, reason="banjir")
        assert [a.code for a in affected] == ["KTP-0009"]
        assert ap.left(s, office, "test", "ktp_print", day) == 0
        s.commit()
        entry = s.execute(select(AuditLog).where(AuditLog.action == "appointment_day_closed")).scalar_one()
        assert entry.actor == "officer:1" and entry.detail["reason"] == "banjir"
