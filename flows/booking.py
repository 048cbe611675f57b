"""A flow that ends in a visit booked instead of a request filed (a flow file's `booking:` section).

Three step kinds ask where and when, from config.yml `appointments:` (flows/appointments.py):

    visit_place   the places that book this service: {"id": <place key>, "name": ...}
    visit_day     a day with room among the place's next open days: "2026-12-01". A number from
                  the list, a button, "besok", "senin depan", "5/12/2026" or "5 Desember" are read;
                  a past day, today, a holiday, a day the place is closed, a day closed by an
                  officer, one too far ahead or a full one is refused with its own reason and the
                  days with room nearest to it.
    visit_slot    one of the place's slots with room that day: {"id": "pagi", "label": "08.00–10.00 WITA"};
                  skipped when the place books the day as a whole.

The engine asks these through `ask` and reads them through `parse`; at the summary `book` takes
the place (flows/appointments.reserve: the last place goes to one booker only) and writes the
Appointment with its code (the ticket pattern, the service's prefix) and queue number. A booking
whose day filled, closed or passed meanwhile asks the day again, saying which. A draft with `_reschedule: <code>` (from *ubah jadwal*)
moves that booking instead: the new place is taken first, then the old one given back.
"""
import re
from datetime import date

from sqlalchemy import select, update
from bot.core.models import Appointment, Document, audit
from flows import appointments as ap
from flows import reminder_rules
from flows.definition import Flow, Step, birthday, condition_holds, live_answers, texts
from flows.inputs import clean
from flows.messages import Reply
from flows.placeholders import fill
from flows.tickets import next_ticket
from flows.validators import Invalid, Propose, format_date_id, parse_date
from flows.modes import Mode
from nlu.faq import HARI as DAYS
from nlu.faq import texts as faq_texts

KINDS = ("visit_place", "visit_day", "visit_slot")
RESCHEDULE = "_reschedule"   # the code of the booking a draft moves (*ubah jadwal KTP-0001*)
OFFERED = "_days"            # the days listed at the last question, for a typed number
NEAR = "_near"               # a day refused: the next list shows the days with room nearest to it
TODAY_WORDS = {"hari ini", "hr ini", "sekarang", "skrg", "sekarang juga", "siang ini", "pagi ini", "nanti", "today"}
NO_YEAR = re.compile(r"^(?:tanggal |tgl )?(\d{1,2})(?:\s*[-/.]\s*(\d{1,2})|\s+([a-z]+))$")


class Unavailable(Invalid):
    """A day or slot read well that cannot be booked (past, holiday, full...): an answer, never
    taken for a question to the assistant."""


def words() -> dict:
    """The booking texts (flows/texts.yml `booking:`)."""
    return texts()["booking"]


def step_of(flow: Flow, kind: str) -> Step | None:
    """The flow's step of a visit kind."""
    return next((s for s in flow.steps if s.kind == kind), None)


def queue_text(number: int) -> str:
    """A queue number as it is said and printed: 007."""
    return f"{number:03d}"


def slot_label(office: dict, slot: ap.Slot) -> str:
    """08.00–10.00 WITA."""
    zone = _zone(office)
    return fill(words()["slot_label"], start=slot.start.replace(":", "."), end=slot.end.replace(":", "."), zone=zone)


def _zone(office: dict) -> str:
    """WITA for the office's time zone."""
    return faq_texts()["zone_labels"].get(office.get("office", {}).get("timezone") or "Asia/Makassar", "")


def _place_key(engine, flow: Flow) -> str | None:
    step = step_of(flow, "visit_place")
    value = (engine.conv.answers or {}).get(step.id) if step else None
    return value.get("id") if isinstance(value, dict) else None


def _day(engine, flow: Flow) -> date | None:
    step = step_of(flow, "visit_day")
    value = (engine.conv.answers or {}).get(step.id) if step else None
    return date.fromisoformat(value) if isinstance(value, str) else None


def window(engine, flow: Flow) -> ap.Window | None:
    """The days the flow's service can be booked today, read by its conditions (None for a flow
    that books nothing); one per message, kept by the engine."""
    if flow.booking is None:
        return None
    if flow.service not in engine.windows:
        engine.windows[flow.service] = ap.Window(engine.office, flow.service, engine.today)
    return engine.windows[flow.service]


def redirect_values(engine, flow: Flow) -> dict:
    """The placeholders a redirect's text may quote in a flow with `booking: from_age:`:
    {booking_opens}, the day from which a visit on or after that birthday can be booked at every
    place (someone turning 16 in three months is told when to come back)."""
    found = _birthday(engine, flow, flow.booking.from_age if flow.booking else None)
    if found is None:
        return {}
    opens = window(engine, flow).opens(found[0])
    # No place books it at all: the birthday is the earliest any day from it could be booked.
    return {"booking_opens": long_date(opens or found[0])}


def age_limit(engine, flow: Flow) -> tuple[date, int] | None:
    """(the birthday, the years) from which the flow's `booking: before_age:` refuses a visit day:
    the age that matters is the one on the day of the visit, not today's."""
    return _birthday(engine, flow, flow.booking.before_age if flow.booking else None)


def age_start(engine, flow: Flow) -> tuple[date, int] | None:
    """(the birthday, the years) before which the flow's `booking: from_age:` refuses a visit day
    (its mirror: someone turning 16 soon books a day from their birthday), when its `when` holds;
    None once the birthday is today or past (every bookable day is after it)."""
    spec = flow.booking.from_age if flow.booking else None
    books = window(engine, flow)
    if spec and spec.get("when") and not condition_holds(
            spec["when"], live_answers(flow.steps, engine.conv.answers or {}, engine.today, books), engine.today,
            books):
        return None
    found = _birthday(engine, flow, spec)
    return found if found and found[0] > engine.today else None


def _birthday(engine, flow: Flow, spec: dict | None) -> tuple[date, int] | None:
    """(the `years`-th birthday of the date answered at `spec["born"]`, the years), or None."""
    born = (engine.conv.answers or {}).get(spec["born"]) if spec else None
    if not isinstance(born, str):
        return None
    years = int(spec["years"])
    return birthday(date.fromisoformat(born), years), years


def long_date(day: date) -> str:
    """Selasa, 1 Desember 2026."""
    return f"{DAYS[day.weekday()]}, {format_date_id(day)}"


# ---- asking ------------------------------------------------------------------------------------
def skipped(engine, flow: Flow, step: Step) -> bool:
    """Whether a visit step is not asked: the slot where the place books whole days."""
    if step.kind != "visit_slot":
        return False
    place_key = _place_key(engine, flow)
    return place_key is None or not ap.slots(engine.office, place_key, flow.service)


def ask(engine, flow: Flow, step: Step, text: str) -> tuple[str, list[dict], str]:
    """The question of a visit step with what can be chosen now, its buttons, and the question as
    a channel that writes buttons out as numbers shows it (its lines are the numbered choices
    already: the list is not written twice; "" when there is nothing to choose)."""
    office, t = engine.office, words()
    if step.kind == "visit_place":
        places = ap.places_for(office, flow.service)
        if not places:
            return engine._fmt(t["place_none"]), [], ""
        lines = [fill(t["place_line"], number=i, name=p["name"], address=p.get("address", ""))
                 for i, (_, p) in enumerate(places, 1)]
        return ("\n".join([text, *lines]), [{"id": key, "title": p.get("short", p["name"])} for key, p in places],
                "\n".join([text, *lines, t["pick_numbered"]]))
    place_key = _place_key(engine, flow)
    place = ap.place(office, place_key or "")
    if step.kind == "visit_day":
        answers = dict(engine.conv.answers or {})
        near = answers.pop(NEAR, None)
        limit, start = age_limit(engine, flow), age_start(engine, flow)
        rooms = ap.days_with_room(engine.s, office, place_key, flow.service, engine.today,
                                  near=date.fromisoformat(near) if near else None, before=limit and limit[0],
                                  since=start and start[0])
        answers[OFFERED] = [d.isoformat() for d, _ in rooms]
        engine.conv.answers = answers
        days = ap.open_days(office, place_key, engine.today)
        if limit and (not days or limit[0] <= days[0]):
            return "\n".join([text, fill(t["day_age_none"], years=limit[1], birthday=long_date(limit[0]))]), [], ""
        if start and (not days or start[0] > days[-1]):
            last = long_date(days[-1]) if days else long_date(engine.today)
            return "\n".join([text, fill(t["day_from_age_none"], years=start[1], birthday=long_date(start[0]),
                                         last=last, place=place.get("name", ""))]), [], ""
        if not rooms:
            last = format_date_id(days[-1]) if days else format_date_id(engine.today)
            return "\n".join([text, fill(t["day_none"], last=last, place=place.get("name", ""))]), [], ""
        lines = [fill(t["day_line"], number=i, date=long_date(d), left=n) for i, (d, n) in enumerate(rooms, 1)]
        example = rooms[-1][0]
        example = f"{example.day}/{example.month}/{example.year}"
        buttons = [{"id": d.isoformat(), "title": fill(t["day_button"], weekday=DAYS[d.weekday()], day=d.day,
                                                       month=d.month)} for d, _ in rooms]
        head = [text, *([fill(t["day_from_age_note"], years=start[1], birthday=long_date(start[0]))] if start else []),
                fill(t["day_head"], place=place.get("name", "")), *lines]
        return ("\n".join([*head, fill(t["day_hint"], example=example)]), buttons,
                "\n".join([*head, fill(t["day_hint_numbered"], example=example)]))
    day = _day(engine, flow)
    rooms = _slots_with_room(engine, flow, place_key, day)
    lines = [fill(t["slot_line"], number=i, label=slot_label(office, sl), left=n) for i, (sl, n) in enumerate(rooms, 1)]
    buttons = [{"id": sl.id, "title": f"{sl.start.replace(':', '.')}–{sl.end.replace(':', '.')}"} for sl, _ in rooms]
    head = [text, fill(t["slot_head"], date=long_date(day)), *lines]
    return "\n".join(head), buttons, "\n".join([*head, t["pick_numbered"]]) if rooms else ""


def _slots_with_room(engine, flow: Flow, place_key: str, day: date) -> list[tuple[ap.Slot, int]]:
    rooms = [(sl, ap.left(engine.s, engine.office, place_key, flow.service, day, sl.id))
             for sl in ap.slots_on(engine.office, place_key, flow.service, day)]
    return [(sl, n) for sl, n in rooms if n > 0]


# ---- reading the answer ------------------------------------------------------------------------
def parse(engine, flow: Flow, step: Step, event):
    """The value of a visit step's answer, or Invalid with the reason."""
    if event.kind == "file":
        raise Invalid(texts()["file_not_expected"])
    raw = (event.button if event.kind == "button" else event.text) or ""
    said = clean(raw)
    if step.kind == "visit_place":
        return _parse_place(engine, flow, said)
    if step.kind == "visit_day":
        return _parse_day(engine, flow, said, raw)
    return _parse_slot(engine, flow, said)


def _parse_place(engine, flow: Flow, said: str) -> dict:
    places = ap.places_for(engine.office, flow.service)
    for i, (key, p) in enumerate(places, 1):
        names = {key, str(i), clean(p["name"]), clean(p.get("short", "")), clean(key.replace("_", " "))}
        if said in names or (len(said) >= 4 and any(said in n for n in names if n)):
            return {"id": key, "name": p["name"]}
    raise Invalid(words()["place_unknown"])


def _read_day(said: str, raw: str, offered: list, today: date) -> date:
    """The day a citizen typed or pressed (no check of whether it can be booked)."""
    if re.fullmatch(r"\d{1,2}", said) and 1 <= int(said) <= len(offered):
        return date.fromisoformat(offered[int(said) - 1])
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", said):
        return date.fromisoformat(said)
    if said in TODAY_WORDS:
        return today
    try:
        return parse_date(raw, today=today, allow_future=True)
    except Propose as guess:  # "jumat", "minggu depan": the day it names
        return date.fromisoformat(guess.value)
    except Invalid:
        pass
    short = NO_YEAR.match(said)
    if short:  # "5 desember", "5/12": this year's, or next year's once it has passed
        for year in (today.year, today.year + 1):
            rest = f"/{short.group(2)}/{year}" if short.group(2) else f" {short.group(3)} {year}"
            try:
                found = parse_date(short.group(1) + rest, today=today, allow_future=True)
            except (Invalid, Propose):
                break
            if found >= today:
                return found
    raise Invalid(words()["day_unreadable"])


def _parse_day(engine, flow: Flow, said: str, raw: str) -> str:
    t, office, today = words(), engine.office, engine.today
    place_key = _place_key(engine, flow)
    place = ap.place(office, place_key or "")
    day = _read_day(said, raw, (engine.conv.answers or {}).get(OFFERED) or [], today)
    reason = None
    days = ap.open_days(office, place_key, today)
    if day < today:
        reason = fill(t["day_past"], date=long_date(day))
    elif day == today:
        reason = t["day_today"]
    elif ap.holiday(office, day):
        reason = fill(t["day_holiday"], date=long_date(day), holiday=ap.holiday(office, day))
    elif ap.hours(office, place_key, day) is None:
        reason = fill(t["day_not_open"], place=place.get("name", ""), weekday=DAYS[day.weekday()])
    elif days and day > days[-1]:
        reason = fill(t["day_too_far"], last=long_date(days[-1]))
    elif (limit := age_limit(engine, flow)) and day >= limit[0]:
        reason = fill(t["day_age"], date=long_date(day), years=limit[1], birthday=long_date(limit[0]))
    elif (start := age_start(engine, flow)) and day < start[0]:
        reason = fill(t["day_from_age"], date=long_date(day), years=start[1], birthday=long_date(start[0]))
    elif ap.closed_by_officer(engine.s, place_key, flow.service, day):
        reason = fill(t["day_closed"], place=place.get("name", ""), date=long_date(day))
    elif ap.left(engine.s, office, place_key, flow.service, day) <= 0:
        reason = fill(t["day_full"], date=long_date(day), place=place.get("name", ""))
    if reason is not None:
        engine.conv.answers = {**(engine.conv.answers or {}), NEAR: max(day, today).isoformat()}
        raise Unavailable(reason)
    return day.isoformat()


def _parse_slot(engine, flow: Flow, said: str) -> dict:
    place_key, day = _place_key(engine, flow), _day(engine, flow)
    every = ap.slots_on(engine.office, place_key, flow.service, day)
    rooms = dict((sl.id, n) for sl, n in _slots_with_room(engine, flow, place_key, day))
    offered = [sl for sl in every if sl.id in rooms]
    picked = None
    if re.fullmatch(r"\d{1,2}", said) and 1 <= int(said) <= len(offered):
        picked = offered[int(said) - 1]
    else:
        hour = re.search(r"(\d{1,2})(?:[.:](\d{2}))?", said)
        for sl in every:
            label = clean(slot_label(engine.office, sl))
            if said in (sl.id, label) or (hour and sl.start.startswith(f"{int(hour.group(1)):02d}")):
                picked = sl
                break
    if picked is None:
        raise Invalid(words()["slot_unknown"])
    if picked.id not in rooms:
        raise Unavailable(fill(words()["slot_full"], label=slot_label(engine.office, picked), date=long_date(day)))
    return {"id": picked.id, "label": slot_label(engine.office, picked)}


def after_take(engine, flow: Flow, step: Step) -> None:
    """A new place drops the day and slot chosen for the old one; a new day drops the slot."""
    later = {"visit_place": ("visit_day", "visit_slot"), "visit_day": ("visit_slot",)}.get(step.kind, ())
    drop = {s.id for s in flow.steps if s.kind in later}
    if drop:
        engine.conv.answers = {k: v for k, v in engine.conv.answers.items() if k not in drop}


# ---- booking -----------------------------------------------------------------------------------
def bring_list(flow: Flow, answers: dict, day: date, books: ap.Window | None = None) -> list[str]:
    """What to bring, from the flow's `booking: bring:` items whose conditions hold on the visit `day`
    (a child who is 5 by then brings the photos); `books`: the booking window, for its conditions."""
    return [item["text"].strip() for item in flow.booking.bring
            if item.get("when") is None or condition_holds(item["when"], answers, day, books)]


def book(engine, flow: Flow) -> list[Reply]:
    """Take the place and write the booking (or move the one being rescheduled); the day again when
    its last place went to someone else meanwhile."""
    s, office, t = engine.s, engine.office, words()
    answers = live_answers(flow.steps, engine.conv.answers, engine.today, window(engine, flow))
    place_key, day = _place_key(engine, flow), _day(engine, flow)
    slot_step = step_of(flow, "visit_slot")
    slot = (answers.get(slot_step.id) or {}).get("id", ap.DAY) if slot_step else ap.DAY
    if day is None or day <= engine.today:  # the day came (or went) while the summary waited
        return _lost(engine, flow, day, "day_passed_meanwhile")
    number = ap.reserve(s, office, place_key, flow.service, day, slot)
    if number is None:
        closed = ap.closed_by_officer(s, place_key, flow.service, day)
        return _lost(engine, flow, day, "day_closed_meanwhile" if closed else "race_lost")
    moving = (engine.conv.answers or {}).get(RESCHEDULE)
    appt = _own(engine, moving) if moving else None
    bring = bring_list(flow, answers, day, window(engine, flow))  # an age in a condition counts on the visit day
    if appt is not None and appt.status == "booked":
        ap.release(s, appt.place, appt.service, appt.day, appt.slot)
        old = {"place": appt.place, "day": appt.day.isoformat(), "slot": appt.slot}
        appt.place, appt.day, appt.slot, appt.queue_number = place_key, day, slot, number
        appt.answers, appt.bring = answers, bring
        if old["day"] != day.isoformat():  # another day: its reminders (and the confirmation) anew
            appt.reminded_eve_at = appt.reminded_morning_at = appt.confirmed_at = None
        retire_slip(s, appt, "superseded")  # the next slip shows the new day
        audit(s, engine._actor(), "appointment_rescheduled", appt, code=appt.code, was=old)
        prefix = fill(t["rescheduled"], code=appt.code)
    else:
        service = office["services"][flow.service]
        prefix_code = flow.booking.prefix or service.get("prefix") or office.get("office", {}).get(
            "ticket_prefix_default", "SD")
        appt = Appointment(code=next_ticket(s, prefix_code), service=flow.service, place=place_key, day=day,
                           slot=slot, queue_number=number, contact_id=engine.conv.contact_id, status="booked",
                           answers=answers, bring=bring)
        s.add(appt)
        s.flush()
        audit(s, engine._actor(), "appointment_booked", appt, code=appt.code, service=flow.service,
              place=place_key, day=day.isoformat(), slot=slot)
        prefix = ""
    if appt.reminded_eve_at is None and reminder_rules.eve_passed(office, place_key, day, engine.now):
        appt.reminded_eve_at = engine.now  # booked for tomorrow after the eve time: this is the reminder
    engine._clear()
    place = ap.place(office, place_key)
    slot_text = (answers.get(slot_step.id) or {}).get("label", "") if slot_step else ""
    done = engine._fmt(flow.done, code=appt.code, queue=queue_text(number), place=place.get("name", ""),
                       address=place.get("address", ""), date=long_date(day), slot=slot_text,
                       bring="\n".join(fill(t["bring_line"], item=b) for b in bring),
                       **{k: v for k, v in answers.items() if isinstance(v, str)})
    note = reminder_note(engine, appt)
    return [Reply((prefix + "\n\n" if prefix else "") + done + ("\n\n" + note if note else "")),
            Reply(document={"kind": "slip", "appointment_id": appt.id})]


def reminder_note(engine, appt: Appointment) -> str:
    """What the citizen is told of the reminders to come (nothing when none will reach them), and
    that attendance will be asked after repeated no-shows."""
    if "reminder" not in engine.reminders_reach:
        return ""
    t, office, zone = words(), engine.office, _zone(engine.office)
    at = reminder_rules.times(office)
    eve = at.get("eve") if appt.reminded_eve_at is None else None
    parts = {kind: fill(t["reminder_" + kind], time=f"{when.strftime('%H.%M')} {zone}".strip())
             for kind, when in (("eve", eve), ("morning", at.get("morning"))) if when is not None}
    if not parts:
        return ""
    when = fill(t["reminder_both"], **parts) if len(parts) == 2 else next(iter(parts.values()))
    lines = [fill(t["reminder_note"], when=when)]
    if eve is not None and "confirm" in engine.reminders_reach and reminder_rules.asks_confirmation(engine.s, office, appt.contact_id):
        lines.append(fill(t["confirm_note"], count=reminder_rules.no_shows(engine.s, appt.contact_id)))
    return " ".join(lines)


def retire_slip(s, appt: Appointment, status: str) -> None:
    """The booking's current slip is no longer what holds: superseded (moved) or revoked (cancelled);
    /v/<code> says so."""
    s.execute(update(Document).where(Document.appointment_id == appt.id, Document.status == "current")
              .values(status=status))


def _lost(engine, flow: Flow, day: date | None, why: str) -> list[Reply]:
    """The day cannot be booked after all when the citizen confirms (it filled up, an officer closed
    it, or it is today or past by now): say which (`why`, a booking text), ask the day again,
    nearest days first."""
    drop = {s.id for s in flow.steps if s.kind in ("visit_day", "visit_slot")}
    answers = {k: v for k, v in engine.conv.answers.items() if k not in drop}
    if day is not None:
        answers[NEAR] = max(day, engine.today).isoformat()
    engine.conv.answers = answers
    step = step_of(flow, "visit_day")
    engine.conv.step = step.id
    engine._enter(Mode.COLLECT)
    place = ap.place(engine.office, _place_key(engine, flow) or "")
    return [engine._ask(flow, step, prefix=fill(words()[why], date=long_date(day) if day else "-",
                                                place=place.get("name", "")))]


def _own(engine, code: str | None) -> Appointment | None:
    """This contact's booking with that code."""
    if not code:
        return None
    return engine.s.execute(select(Appointment).where(Appointment.contact_id == engine.conv.contact_id,
                                                      Appointment.code == code.upper())).scalar_one_or_none()
