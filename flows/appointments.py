"""Places, open days and capacity for visits booked in the chat (config.yml `appointments:`), and
the one way a place is taken or given back.

    config.yml appointments:
      days_ahead: 14          open days of a place that can be booked, counted from tomorrow
      offer_days: 6           days with room listed at once
      places:
        <key>: {name, address, hours: {weekday: [start, end]} (default office.hours),
                services: {<service>: {quota: N, slots: [{id, start, end, quota}]}}}

A place is closed on the office's holidays (nlu.faq.holiday_name: office.holidays, national
holidays and cuti bersama) and on the weekdays its hours leave out. An officer's override
(AppointmentOverride, newest first) changes a day's or a slot's quota or closes the day.

Taking a place is one conditional UPDATE per counter row (`taken = taken + 1 WHERE taken <
quota`): PostgreSQL locks the row and checks the condition again on the row it waited for, so of
N bookers for the last place exactly one gets a row back. A slot's row is taken first, then the
day's (always in that order, so two bookers never wait on each other crosswise); the day's row
numbers the queue.
"""
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cached_property

from sqlalchemy import select, update

from bot.core.db import insert_for
from bot.core.models import Appointment, AppointmentCounter, AppointmentOverride, audit
from nlu import faq

DAY = ""  # the counter/override row of the whole day (a slot's row has the slot's id)


@dataclass(frozen=True)
class Slot:
    """A part of the day with its own quota."""
    id: str
    start: str
    end: str
    quota: int


def settings(office: dict) -> dict:
    """config.yml `appointments:` (empty when the office books nothing)."""
    return office.get("appointments") or {}


def places_for(office: dict, service: str) -> list[tuple[str, dict]]:
    """(key, place) of every place that books this service, in config order."""
    return [(key, place) for key, place in (settings(office).get("places") or {}).items()
            if service in (place.get("services") or {})]


def place(office: dict, key: str) -> dict:
    """One place's settings ({} for an unknown key)."""
    return (settings(office).get("places") or {}).get(key) or {}


def _service(office: dict, place_key: str, service: str) -> dict:
    return (place(office, place_key).get("services") or {}).get(service) or {}


def slots(office: dict, place_key: str, service: str) -> list[Slot]:
    """The slots a place has for a service (empty: the day is booked as a whole)."""
    return [Slot(str(s["id"]), str(s["start"]), str(s["end"]), int(s["quota"]))
            for s in _service(office, place_key, service).get("slots") or []]


def slots_on(office: dict, place_key: str, service: str, day: date) -> list[Slot]:
    """The slots that fall within the place's hours on that day (Friday's short hours drop the
    afternoon)."""
    span = hours(office, place_key, day)
    if span is None:
        return []
    return [sl for sl in slots(office, place_key, service)
            if time.fromisoformat(sl.start) >= span[0] and time.fromisoformat(sl.end) <= span[1]]


def hours(office: dict, place_key: str, day: date) -> tuple[time, time] | None:
    """The place's opening hours on a weekday (its own, else the office's), ignoring holidays."""
    own = place(office, place_key).get("hours")
    table = {int(k): v for k, v in (own if own else office.get("office", {}).get("hours", {})).items()}
    span = table.get(day.weekday())
    if not span:
        return None
    return time.fromisoformat(str(span[0])), time.fromisoformat(str(span[1]))


def holiday(office: dict, day: date) -> str | None:
    """Why every place is closed on `day` (a holiday, cuti bersama, the office's own closure)."""
    return faq.holiday_name(day, office)


def newest_change(s, place_key: str, service: str, day: date, slot: str) -> AppointmentOverride | None:
    """The newest officer's change for this day (or slot)."""
    return s.execute(select(AppointmentOverride).filter_by(**_key(place_key, service, day, slot))
                     .order_by(AppointmentOverride.id.desc()).limit(1)).scalar_one_or_none()


def closed_by_officer(s, place_key: str, service: str, day: date) -> bool:
    """Whether an officer closed this day for this service."""
    return closing(s, place_key, service, day) is not None


def closing(s, place_key: str, service: str, day: date) -> AppointmentOverride | None:
    """The officer's closing of this day for this service (with its reason), while it holds."""
    found = newest_change(s, place_key, service, day, DAY)
    return found if found is not None and found.closed else None


def quota(s, office: dict, place_key: str, service: str, day: date, slot: str = DAY) -> int:
    """The quota of a day (slot "") or of one slot, after the officers' changes; 0 when closed."""
    day_change = newest_change(s, place_key, service, day, DAY)
    if day_change is not None and day_change.closed:
        return 0
    change = day_change if slot == DAY else newest_change(s, place_key, service, day, slot)
    if change is not None and change.closed:
        return 0
    if change is not None and change.quota is not None:
        return change.quota
    conf = _service(office, place_key, service)
    if slot == DAY:
        return int(conf["quota"]) if "quota" in conf else sum(sl.quota for sl in slots_on(office, place_key, service, day))
    return next((sl.quota for sl in slots_on(office, place_key, service, day) if sl.id == slot), 0)


def taken(s, place_key: str, service: str, day: date, slot: str = DAY) -> int:
    """Places taken on a day (or in a slot)."""
    return s.execute(select(AppointmentCounter.taken)
                     .filter_by(**_key(place_key, service, day, slot))).scalar_one_or_none() or 0


def left(s, office: dict, place_key: str, service: str, day: date, slot: str = DAY) -> int:
    """Places still free on a day (the day's quota, and with slots the slots' together) or in a slot."""
    free = max(0, quota(s, office, place_key, service, day, slot) - taken(s, place_key, service, day, slot))
    if slot == DAY and slots(office, place_key, service):
        free = min(free, sum(left(s, office, place_key, service, day, sl.id)
                             for sl in slots_on(office, place_key, service, day)))
    return free


def open_days(office: dict, place_key: str, today: date) -> list[date]:
    """The days this place may be booked: its next `days_ahead` open days from tomorrow."""
    wanted = int(settings(office).get("days_ahead", 14))
    found, day = [], today
    while len(found) < wanted and day < today + timedelta(days=wanted * 4):
        day += timedelta(days=1)
        if hours(office, place_key, day) and not holiday(office, day):
            found.append(day)
    return found


def last_day_everywhere(office: dict, service: str, today: date) -> date | None:
    """The last day a visit for this service can be booked at every place that books it (the
    earliest of the places' last bookable days); None when none books it or one has no open day."""
    lasts = [open_days(office, key, today)[-1:] for key, _ in places_for(office, service)]
    return min(last[0] for last in lasts) if lasts and all(lasts) else None


class Window:
    """The days a service can be booked from `today`, for the flow conditions that read them
    (`age_by_last_visit_day`): worked out once, and only when a condition asks."""

    def __init__(self, office: dict, service: str, today: date):
        self.office, self.service, self.today = office, service, today

    @cached_property
    def last_day(self) -> date | None:
        """The last day every place that books the service can be booked (last_day_everywhere)."""
        return last_day_everywhere(self.office, self.service, self.today)

    def opens(self, day: date) -> date | None:
        """The first day, from today, on which `day` can be booked at every place, as the calendar
        stands now (a holiday added later moves it); None when some place never can."""
        def reaches(on: date) -> bool:
            last = last_day_everywhere(self.office, self.service, on)
            return last is not None and last >= day

        lo, hi = self.today, max(self.today, day)
        if not reaches(hi):
            return None
        while lo < hi:  # the last bookable day only moves later as the days pass: halve the range
            mid = lo + (hi - lo) // 2
            lo, hi = (lo, mid) if reaches(mid) else (mid + timedelta(days=1), hi)
        return lo


def days_with_room(s, office: dict, place_key: str, service: str, today: date, near: date | None = None,
                   before: date | None = None, since: date | None = None) -> list[tuple[date, int]]:
    """(day, places left) of the bookable days with room (and before `before`, from `since`, when
    given): the first `offer_days`, or those nearest to `near` (a day asked for that is full), in
    date order."""
    count = int(settings(office).get("offer_days", 6))
    rooms = [(d, left(s, office, place_key, service, d)) for d in open_days(office, place_key, today)
             if (before is None or d < before) and (since is None or d >= since)]
    rooms = [(d, n) for d, n in rooms if n > 0]
    if near is not None:
        rooms = sorted(sorted(rooms, key=lambda r: abs((r[0] - near).days))[:count])
    return rooms[:count]


# ---- taking and giving back a place ------------------------------------------------------------
def _key(place_key: str, service: str, day: date, slot: str) -> dict:
    """A counter's (or an override's) key, for filter_by."""
    return {"place": place_key, "service": service, "day": day, "slot": slot}


def _take(s, place_key: str, service: str, day: date, slot: str, limit: int) -> int | None:
    """Raise a counter below its limit in one statement: its `issued` after, or None when full."""
    s.execute(insert_for(s)(AppointmentCounter).values(place=place_key, service=service, day=day, slot=slot,
                                                       taken=0, issued=0).on_conflict_do_nothing())
    c = AppointmentCounter
    return s.execute(update(c).filter_by(**_key(place_key, service, day, slot)).where(c.taken < limit)
                     .values(taken=c.taken + 1, issued=c.issued + 1).returning(c.issued)).scalar_one_or_none()


def _give_back(s, place_key: str, service: str, day: date, slot: str) -> None:
    c = AppointmentCounter
    s.execute(update(c).filter_by(**_key(place_key, service, day, slot)).where(c.taken > 0).values(taken=c.taken - 1))


def reserve(s, office: dict, place_key: str, service: str, day: date, slot: str = DAY) -> int | None:
    """Take one place (in the slot, then the day): the queue number, or None when there is no room.
    Runs in the caller's transaction; its commit makes the place taken."""
    if slot != DAY:
        if _take(s, place_key, service, day, slot, quota(s, office, place_key, service, day, slot)) is None:
            return None
    number = _take(s, place_key, service, day, DAY, quota(s, office, place_key, service, day))
    if number is None and slot != DAY:
        _give_back(s, place_key, service, day, slot)
    return number


def release(s, place_key: str, service: str, day: date, slot: str = DAY) -> None:
    """Give a cancelled or moved booking's place back (the queue numbers given stay given)."""
    if slot != DAY:
        _give_back(s, place_key, service, day, slot)
    _give_back(s, place_key, service, day, DAY)


def change_day(s, actor: str, place_key: str, service: str, day: date, *, slot: str = DAY,
               quota: int | None = None, closed: bool = False, reason: str | None = None) -> list[Appointment]:
    """An officer's change to a day or a slot (another quota, closed, or a closed day opened again),
    recorded and audited; returns the visits booked there (delivery/appointment_changes.py tells
    their citizens)."""
    before = newest_change(s, place_key, service, day, slot)
    change = AppointmentOverride(place=place_key, service=service, day=day, slot=slot, quota=quota,
                                 closed=closed, actor=actor, reason=reason)
    s.add(change)
    s.flush()
    action = ("appointment_day_closed" if closed else
              "appointment_day_reopened" if before is not None and before.closed else "appointment_quota_changed")
    audit(s, actor, action, change, place=place_key, service=service, day=day.isoformat(), slot=slot, quota=quota,
          reason=reason)
    booked = select(Appointment).filter_by(place=place_key, service=service, day=day, status="booked")
    if slot != DAY:
        booked = booked.filter_by(slot=slot)
    return list(s.execute(booked.order_by(Appointment.queue_number)).scalars())


def quota_before_closing(s, place_key: str, service: str, day: date, slot: str = DAY) -> int | None:
    """The quota an officer last set for a day before closing it (None: the configured one), so
    opening it again gives back what held before."""
    return s.execute(select(AppointmentOverride.quota).filter_by(**_key(place_key, service, day, slot), closed=False)
                     .order_by(AppointmentOverride.id.desc()).limit(1)).scalar_one_or_none()
