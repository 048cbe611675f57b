"""An officer's change to a day of a place (another quota, the day closed, or opened again), and
what the citizens booked there are owed.

A closed day tells each citizen booked there in the chat, with the buttons *Ubah jadwal*
(`bchange:<code>`) and *Batal* (`bcancel:<code>`) that flows/aftercare/appointments.py answers;
their bookings stay `booked` until they move or cancel them. A day opened again tells those still
booked there that their booking holds. A quota lowered below the places already taken keeps every
booking (nobody is moved by a quota): the officer is told how many are over it.
"""
from dataclasses import dataclass
from datetime import date

from flask import current_app

from bot.core.lifecycle import Refused
from bot.core.models import Appointment, Outbox, audit
from delivery import jobs
from flows import appointments as ap
from delivery.reminders import details
from flows.definition import texts
from flows.placeholders import fill

MAX_REASON, MAX_QUOTA = 500, 1000
TEMPLATE_KIND = "appointment_update"  # config.yml templates: for a WhatsApp chat outside 24 hours


@dataclass(frozen=True)
class Outcome:
    """What a change did: the visits booked there, the citizens told, the bookings over the quota."""
    action: str   # quota | closed | reopened
    booked: int
    told: int
    over: int = 0


def _office() -> dict:
    return current_app.config["OFFICE"]


def _check_place(office: dict, place: str, service: str, slot: str, day: date) -> None:
    if service not in (ap.place(office, place).get("services") or {}):
        raise Refused(404, "Tempat atau layanan ini tidak dijadwalkan.")
    if slot != ap.DAY and slot not in {sl.id for sl in ap.slots_on(office, place, service, day)}:
        raise Refused(400, "Jam ini tidak ada pada hari itu.")


def set_quota(s, actor: str, place: str, service: str, day: date, quota: int | None, slot: str = ap.DAY) -> Outcome:
    """Another quota for a day or a slot (None: the configured one again); commits. Bookings over
    the new quota are kept."""
    office = _office()
    _check_place(office, place, service, slot, day)
    if quota is not None and not 0 <= quota <= MAX_QUOTA:
        raise Refused(400, f"Kuota harus angka 0 sampai {MAX_QUOTA}.")
    if ap.closed_by_officer(s, place, service, day):
        raise Refused(409, "Hari ini ditutup. Buka kembali harinya dulu, lalu ubah kuotanya.")
    booked = ap.change_day(s, actor, place, service, day, slot=slot, quota=quota)
    over = max(0, ap.taken(s, place, service, day, slot) - ap.quota(s, office, place, service, day, slot))
    s.commit()
    return Outcome("quota", len(booked), 0, over)


def close(s, actor: str, place: str, service: str, day: date, reason: str) -> Outcome:
    """Close a day (the reason is told to the citizens) and tell everyone booked there; commits."""
    office = _office()
    _check_place(office, place, service, ap.DAY, day)
    reason = " ".join((reason or "").split())[:MAX_REASON]
    if not reason:
        raise Refused(400, "Tuliskan alasan penutupan dengan kata-kata yang mudah dipahami warga; "
                           "alasan itu dikirim kepada warga yang sudah terjadwal.")
    if ap.closed_by_officer(s, place, service, day):
        raise Refused(409, "Hari ini sudah ditutup.")
    booked = ap.change_day(s, actor, place, service, day, closed=True, reason=reason)
    words = texts()["appointment_changes"]
    for appt in booked:
        _tell(s, actor, appt, fill(words["closed"], **details(office, appt),
                                   reason=fill(words["closed_reason"], reason=reason)),
              [{"id": f"bchange:{appt.code}", "title": words["change_button"]},
               {"id": f"bcancel:{appt.code}", "title": words["cancel_button"]}], "closed")
    s.commit()
    _send(booked)
    return Outcome("closed", len(booked), len(booked))


def reopen(s, actor: str, place: str, service: str, day: date) -> Outcome:
    """Open a closed day again with the quota that held before it closed, and tell those still
    booked there that their booking holds; commits."""
    office = _office()
    _check_place(office, place, service, ap.DAY, day)
    if not ap.closed_by_officer(s, place, service, day):
        raise Refused(409, "Hari ini tidak sedang ditutup.")
    booked = ap.change_day(s, actor, place, service, day, quota=ap.quota_before_closing(s, place, service, day))
    words = texts()["appointment_changes"]
    for appt in booked:
        _tell(s, actor, appt, fill(words["reopened"], **details(office, appt)),
              [], "reopened")
    s.commit()
    _send(booked)
    return Outcome("reopened", len(booked), len(booked))


def _tell(s, actor: str, appt: Appointment, text: str, buttons: list[dict], news: str) -> None:
    """One message owed to a booked citizen (the window rule decides how it goes), audited."""
    payload = {"text": text, "template_kind": TEMPLATE_KIND, "appointment_id": appt.id}
    if buttons:
        payload["buttons"] = buttons
    s.add(Outbox(contact_id=appt.contact_id, kind="reply", status="pending", payload=payload))
    audit(s, actor, "appointment_change_told", appt, code=appt.code, news=news)


def _send(booked: list[Appointment]) -> None:
    for contact_id in sorted({a.contact_id for a in booked}):
        jobs.enqueue("delivery.sender.send_pending", contact_id)
