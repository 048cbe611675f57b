"""When a booked visit is reminded, and who is asked to confirm it (delivery/reminders.py sends).

    config.yml appointments:
      reminders: {eve: "16:00", morning: "06:30"}   office time (WITA); a time left out is not sent
      no_show_confirm_after: 2                       no-shows after which the eve reminder asks
                                                     for "Saya datang" (0: never)

The eve reminder goes from `eve` the day before until the visit day begins; the morning one from
`morning` on the visit day until the place closes. A booking made (or moved) after its eve moment
gets no eve reminder: the confirmation it was just given says the same.
"""
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from bot.core.models import Appointment
from flows import appointments as ap
from flows.office import office_tz

KINDS = ("eve", "morning")


def times(office: dict) -> dict[str, time]:
    """{"eve": 16:00, "morning": 06:30}: the reminders the office sends, at what time."""
    conf = ap.settings(office).get("reminders") or {}
    return {kind: time.fromisoformat(str(conf[kind])) for kind in KINDS if conf.get(kind)}


def window(office: dict, kind: str, place_key: str, day: date) -> tuple[datetime, datetime] | None:
    """From when until when a reminder of a visit on `day` may go out (office time), or None."""
    at = times(office).get(kind)
    if at is None:
        return None
    tz = office_tz(office)
    if kind == "eve":
        return datetime.combine(day - timedelta(days=1), at, tz), datetime.combine(day, time(0), tz)
    span = ap.hours(office, place_key, day)
    until = datetime.combine(day, span[1], tz) if span else datetime.combine(day + timedelta(days=1), time(0), tz)
    return datetime.combine(day, at, tz), until


def due(office: dict, kind: str, place_key: str, day: date, now: datetime) -> bool:
    """Whether that reminder of a visit on `day` is due at `now`."""
    span = window(office, kind, place_key, day)
    return span is not None and span[0] <= now < span[1]


def eve_passed(office: dict, place_key: str, day: date, now: datetime) -> bool:
    """Whether a booking made now for `day` is past its eve moment (no eve reminder then)."""
    span = window(office, "eve", place_key, day)
    return span is not None and now >= span[0]


def confirm_after(office: dict) -> int:
    """No-shows after which attendance is asked to be confirmed (0: never)."""
    return int(ap.settings(office).get("no_show_confirm_after", 2) or 0)


def no_shows(s, contact_id: int) -> int:
    """How many of this contact's visits were marked no-show."""
    return s.execute(select(func.count()).select_from(Appointment).where(
        Appointment.contact_id == contact_id, Appointment.status == "no_show")).scalar_one()


def asks_confirmation(s, office: dict, contact_id: int) -> bool:
    """Whether this contact's eve reminder asks "Saya datang" (repeated no-shows)."""
    after = confirm_after(office)
    return bool(after) and no_shows(s, contact_id) >= after
