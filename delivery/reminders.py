"""Visit reminders and no-shows: the sweep the worker runs every few minutes (`flask remind` by hand
or from cron).

For each visit still booked: the eve reminder (the day before, from config.yml
`appointments.reminders.eve`) and the morning one (the visit day, from `...morning` until the place
closes), each queued once: a conditional UPDATE claims it (`reminded_x_at IS NULL`), so two workers
never both send it. The text has the code, service, place, day, slot, queue number and what to
bring, with the buttons *Batal* and *Ubah jadwal* (flows/aftercare/appointments.py); a citizen with
repeated no-shows (flows/reminder_rules.py) is asked *Saya datang* in the eve reminder.

Outside the messaging window the sender's window rule decides: a WhatsApp template of kind
`appointment_reminder` (or `appointment_confirm`, with the *Saya datang* button) when config.yml
`templates:` has one, Messenger's CONFIRMED_EVENT_UPDATE tag, else the reminder is held. A reminder
that could not go out before its visit was over, or whose booking was cancelled or moved
meanwhile, is dropped rather than sent late (`stale`).

No-shows: a visit still booked after its day is marked `no_show` (audited, actor "system"), but
only where the counter recorded attendance that day (another visit of the same place, service and
day checked in or served): without check-ins nobody's attendance is known, and a citizen who came
must not be counted absent. Nor on a day an officer closed for the service (check-ins made before
the closing do not count): its citizens were told not to come.
"""
import logging
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import exists, false, func, select, update
from sqlalchemy.orm import aliased

from bot.core import db
from bot.core.models import Appointment, AppointmentOverride, Outbox, audit, utcnow
from delivery import jobs
from delivery.window import channel_policy
from flows import appointments as ap
from flows import booking, reminder_rules
from flows.office import office_tz
from flows.placeholders import fill

log = logging.getLogger(__name__)

REMINDER, CONFIRM = "appointment_reminder", "appointment_confirm"   # config.yml templates: kinds
BATCH = 500                    # bookings looked at per run; a backlog is worked off over several runs
NO_SHOW_LOOKBACK = timedelta(days=7)   # past days still looked at for attendance recorded late


def reach(channel: str, office: dict) -> frozenset[str]:
    """Which reminders reach a chat on this channel whenever they are due: "reminder" and/or
    "confirm" (empty when the office sends none, or a WhatsApp template is missing)."""
    if not reminder_rules.times(office):
        return frozenset()
    if channel_policy(channel) in ("none", "tag"):  # always open, or Messenger's CONFIRMED_EVENT_UPDATE
        return frozenset({"reminder", "confirm"})
    templates = office.get("templates") or {}
    return frozenset(name for name, kind in (("reminder", REMINDER), ("confirm", CONFIRM))
                     if (templates.get(kind) or {}).get(channel))


def send_due(now: datetime | None = None) -> dict:
    """Mark the no-shows and queue the reminders due at `now`; returns the counts."""
    now = now or utcnow()
    office = current_app.config["OFFICE"]
    local = now.astimezone(office_tz(office))
    today = local.date()
    counts = {"eve": 0, "morning": 0, "no_show": 0}
    contacts = set()
    with db.new_session() as s:
        counts["no_show"] = _mark_no_shows(s, today, now)
        for kind, at in reminder_rules.times(office).items():
            if local.time() < at:
                continue  # neither reminder can be due before its time of day
            # Each kind looks only at what it may still owe, so the rows of the other kind (a day
            # whose morning reminders were missed, an office sending no morning reminder) never
            # crowd it out of its batch.
            day = today + timedelta(days=1) if kind == "eve" else today
            column = getattr(Appointment, f"reminded_{kind}_at")
            rows = s.execute(select(Appointment).where(Appointment.status == "booked", Appointment.day == day,
                                                       column.is_(None))
                             .order_by(Appointment.id).limit(BATCH)).scalars().all()
            for appt in rows:
                if reminder_rules.due(office, kind, appt.place, appt.day, local) and _claim(s, appt, kind, now):
                    _queue(s, office, appt, kind, local)
                    counts[kind] += 1
                    contacts.add(appt.contact_id)
        s.commit()
    for contact_id in sorted(contacts):
        jobs.enqueue("delivery.sender.send_pending", contact_id)
    if any(counts.values()):
        log.info("reminders: %(eve)s eve, %(morning)s morning queued; %(no_show)s no-shows marked", counts)
    return counts


def send_if_due(redis, queue_name: str, every: timedelta) -> dict | None:
    """`send_due` at most once per `every` across the workers of a queue (a Redis lock); the claims
    keep each reminder single even without it."""
    if not redis.set(f"sapa:remind:{queue_name}", "1", nx=True, ex=max(1, int(every.total_seconds() * 0.9))):
        return None
    return send_due()


def _claim(s, appt: Appointment, kind: str, now: datetime) -> bool:
    """Mark one reminder sent, unless another run did (or the booking changed) first."""
    column = getattr(Appointment, f"reminded_{kind}_at")
    done = s.execute(update(Appointment).where(Appointment.id == appt.id, Appointment.status == "booked",
                                               Appointment.day == appt.day, column.is_(None))
                     .values({column: now}).execution_options(synchronize_session=False))
    return done.rowcount == 1


def _queue(s, office: dict, appt: Appointment, kind: str, local: datetime) -> None:
    """The reminder's outbox row (and its audit entry)."""
    t = booking.words()
    ask = kind == "eve" and appt.confirmed_at is None and reminder_rules.asks_confirmation(s, office, appt.contact_id)
    values = details(office, appt)
    text = fill(t["remind_eve_confirm" if ask else f"remind_{kind}"], service=values["service"],
                details=fill(t["remind_details"], **{**values, "slot": fill(t["remind_slot"], slot=values["slot"])
                                                     if values["slot"] else ""}))
    buttons = [{"id": f"bcancel:{appt.code}", "title": t["remind_cancel_button"]},
               {"id": f"bchange:{appt.code}", "title": t["remind_change_button"]}]
    if ask:
        buttons.insert(0, {"id": f"bconfirm:{appt.code}", "title": t["remind_confirm_button"]})
    span = reminder_rules.window(office, kind, appt.place, appt.day)
    s.add(Outbox(contact_id=appt.contact_id, kind="reply", status="pending", payload={
        "text": text, "buttons": buttons, "template_kind": CONFIRM if ask else REMINDER, "event_reminder": True,
        "appointment_id": appt.id, "visit_day": appt.day.isoformat(), "ticket": appt.code, "values": values,
        "expires_at": span[1].isoformat()}))
    audit(s, "system", "appointment_reminded", appt, code=appt.code, reminder=kind, confirm_asked=ask)


def details(office: dict, appt: Appointment) -> dict:
    """What a reminder (and a template's parameters) may quote: one line each, no line breaks."""
    t = booking.words()
    slot = next((sl for sl in ap.slots(office, appt.place, appt.service) if sl.id == appt.slot), None)
    place = ap.place(office, appt.place)
    return {"code": appt.code, "service": office.get("services", {}).get(appt.service, {}).get("title", appt.service),
            "place": place.get("name", appt.place), "address": place.get("address", ""),
            "date": booking.long_date(appt.day), "slot": booking.slot_label(office, slot) if slot else "",
            "queue": booking.queue_text(appt.queue_number),
            "bring": t["remind_bring_join"].join(appt.bring or []) or "-"}


def stale(s, payload: dict, now: datetime) -> bool:
    """A reminder no longer worth sending: its visit is over, or the booking was cancelled or moved."""
    if not payload.get("event_reminder"):
        return False
    if payload.get("expires_at") and now >= datetime.fromisoformat(payload["expires_at"]):
        return True
    appt = s.get(Appointment, payload.get("appointment_id") or 0)
    return appt is None or appt.status != "booked" or appt.day.isoformat() != payload.get("visit_day")


def _mark_no_shows(s, today: date, now: datetime) -> int:
    """Mark the visits still booked after their day as no-shows, where attendance was recorded."""
    other = aliased(Appointment)
    attended = exists().where(other.place == Appointment.place, other.service == Appointment.service,
                              other.day == Appointment.day, other.status.in_(("checked_in", "served")))
    # The newest officer's change of the whole day holds (flows/appointments.py): closed or not.
    closed = (select(AppointmentOverride.closed).where(
        AppointmentOverride.place == Appointment.place, AppointmentOverride.service == Appointment.service,
        AppointmentOverride.day == Appointment.day, AppointmentOverride.slot == ap.DAY)
        .order_by(AppointmentOverride.id.desc()).limit(1).scalar_subquery())
    rows = s.execute(select(Appointment).where(
        Appointment.status == "booked", Appointment.day < today, Appointment.day >= today - NO_SHOW_LOOKBACK,
        attended, func.coalesce(closed, false()) == false()).order_by(Appointment.id).limit(BATCH)).scalars().all()
    marked = 0
    for appt in rows:
        done = s.execute(update(Appointment).where(Appointment.id == appt.id, Appointment.status == "booked")
                         .values(status="no_show", updated_at=now).execution_options(synchronize_session=False))
        if done.rowcount == 1:
            audit(s, "system", "appointment_no_show", appt, code=appt.code, day=appt.day.isoformat())
            marked += 1
    return marked
