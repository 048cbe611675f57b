"""*Loket*: the day's booked visits at one place, checking citizens in (by queue number, by booking
code, or by the booking slip's QR code read with the office's webcam or an officer's phone through
/v/<code>), marking each one served or not come, and undoing a mark pressed wrongly (a citizen
marked not come who turns up late, *Dilayani* on the wrong line). Any signed-in officer works the
counter. A day an officer closed for a service (Jadwal) takes no check-in and no *Tidak datang*:
its citizens were told not to come.

Every change is one conditional UPDATE from the status it leaves (a check-in also on today and this
place), so two officers, or an officer and a citizen moving the booking in the chat, never both win.
"""
import re
from dataclasses import dataclass
from datetime import date

from flask import current_app, flash, redirect, render_template, request, session, url_for
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from bot.core import db, verification
from bot.core.models import Appointment, AuditLog, Document, Officer, audit, utcnow
from bot.core.privacy import mask_nik
from bot.web.inbox.auth import current_officer, login_required
from bot.web.inbox.blueprint import bp
from bot.web.inbox.display import local_time, office_zone
from bot.web.inbox.roles import APPOINTMENT_LABELS, VIA_LABELS
from flows import appointments, booking
from flows.definition import load_flow, texts

BOOKING_CODE = re.compile(r"[A-Z]{2,5}-[0-9]{4,}(?:-[0-9]+)*")
VERIFY_CODE = re.compile(r"[A-Za-z0-9_-]{8,40}")
COUNTED = ("booked", "checked_in", "served", "no_show")
# Why a button cannot apply: where the booking stands now.
STATE_NOW = {"booked": "belum check-in", "checked_in": "sudah hadir (check-in)", "served": "sudah dilayani",
             "no_show": "sudah ditandai tidak datang", "cancelled": "sudah dibatalkan warga"}
# What each counter button does: the action's audit name, the status it leaves, the one it sets,
# and the time it stamps.
MARKS = {"served": ("appointment_served", "checked_in", "served", "served_at"),
         "no_show": ("appointment_no_show", "booked", "no_show", "no_show_at")}
# Undoing a mark (Batalkan tanda): the status marked, the one it goes back to, the stamp cleared,
# and what the officer is told the visit can now be given.
UNDO = {"served": ("checked_in", "served_at", "Kembali ke status sudah hadir: tekan Dilayani setelah selesai dilayani."),
        "no_show": ("booked", "no_show_at", "Kembali terjadwal: warga dapat check-in sekarang.")}
MARK_LABELS = {"served": "Dilayani", "no_show": "Tidak datang"}


class Refused(Exception):
    """A check-in or mark the counter cannot do, with what the officer is told."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Desk:
    """Where and what the officer is working: a place, a service (or all), a day."""
    place: str
    service: str
    day: date


# ---- the office's places and today ------------------------------------------------------------
def _office() -> dict:
    return current_app.config["OFFICE"]


def places() -> list[tuple[str, dict]]:
    """(key, place) of every place that books visits, in config order."""
    return list((appointments.settings(_office()).get("places") or {}).items())


def place_name(key: str) -> str:
    return appointments.place(_office(), key).get("name", key)


def services_at(place_key: str) -> list[tuple[str, str]]:
    """(key, title) of the services a place books."""
    titles = _office().get("services", {})
    return [(key, titles.get(key, {}).get("title", key))
            for key in (appointments.place(_office(), place_key).get("services") or {})]


def service_title(key: str) -> str:
    return _office().get("services", {}).get(key, {}).get("title", key)


def today() -> date:
    """Today at the office (WITA): after 16:00 UTC it is already tomorrow there."""
    return utcnow().astimezone(office_zone()).date()


def chosen_place(asked: str | None) -> str:
    """The place asked for, else the one this browser last worked at, else the first; remembered."""
    keys = [key for key, _ in places()]
    for candidate in (asked, session.get("counter_place")):
        if candidate in keys:
            session["counter_place"] = candidate
            return candidate
    return keys[0] if keys else ""


def chosen_service(place_key: str, asked: str | None) -> str:
    """The service asked for ("" for all), else the one remembered; a place with one service has it."""
    keys = [key for key, _ in services_at(place_key)]
    if len(keys) == 1:
        return keys[0]
    picked = session.get("counter_service", "") if asked is None else asked
    picked = picked if picked in keys else ""
    session["counter_service"] = picked
    return picked


# ---- finding a booking ------------------------------------------------------------------------
def find(s, desk: Desk, typed: str) -> tuple[Appointment, str]:
    """The booking a typed queue number, booking code, slip QR link or verification code names,
    and how it was named (number, code, qr)."""
    typed = (typed or "").strip()[:300]
    if not typed:
        raise Refused("Ketik nomor antrean atau kode booking, atau pindai QR bukti jadwal.")
    if typed.isdigit() and len(typed) <= 4:
        number = int(typed)
        if not desk.service:
            raise Refused("Pilih layanan dulu: nomor antrean berlaku per layanan. Atau ketik kode booking "
                          "(mis. KTP-0001).")
        appt = s.execute(select(Appointment).where(
            Appointment.place == desk.place, Appointment.service == desk.service,
            Appointment.day == desk.day, Appointment.queue_number == number,
            Appointment.status != "cancelled")).scalars().first()
        if appt is None:
            raise Refused(f"Tidak ada antrean {booking.queue_text(number)} untuk {service_title(desk.service)} "
                          f"hari ini di {place_name(desk.place)}.")
        return appt, "number"
    booking_code = typed.upper() if BOOKING_CODE.fullmatch(typed.upper()) else None
    if booking_code:
        appt = s.execute(select(Appointment).where(Appointment.code == booking_code)).scalar_one_or_none()
        if appt is not None:
            return appt, "code"
    # The slip's QR link (the webcam), or its verification code alone (an officer's phone on /v/<code>).
    code = verification.code_in(typed) or (typed if VERIFY_CODE.fullmatch(typed) else None)
    slip = s.execute(select(Document).where(Document.code == code, Document.appointment_id.is_not(None))
                     ).scalar_one_or_none() if code else None
    if slip is not None:
        return s.get(Appointment, slip.appointment_id), "qr"
    if booking_code:
        raise Refused(f"Kode booking {booking_code} tidak ditemukan.")
    raise Refused("Kode ini bukan bukti jadwal kedatangan dari kantor ini. Ketik nomor antrean atau "
                  "kode booking yang tertulis di bukti jadwal.")


def closed_note(s, place_key: str, service: str, day: date) -> str | None:
    """What the counter says of a day an officer closed for this service (None: not closed)."""
    closing = appointments.closing(s, place_key, service, day)
    if closing is None:
        return None
    why = f" ({closing.reason})" if closing.reason else ""
    return f"{service_title(service)} di {place_name(place_key)} ditutup petugas pada {booking.long_date(day)}{why}."


REOPEN = ("Bila kantor tetap melayani, hari itu perlu dibuka kembali di menu Jadwal (admin atau verifikator); "
          "warga juga dapat mengubah jadwalnya di chat.")


def refusal(appt: Appointment, desk: Desk, s=None) -> str | None:
    """Why this booking cannot be checked in here today (None: it can); with a session, also a day
    an officer closed."""
    zone = office_zone()
    if appt.status == "cancelled":
        return f"{appt.code} sudah dibatalkan warga; tidak bisa check-in. Warga dapat membuat jadwal baru di chat."
    if appt.status == "checked_in":
        return (f"{appt.code} sudah check-in pukul {local_time(appt.checked_in_at, zone)[-5:]} WITA "
                f"(antrean {booking.queue_text(appt.queue_number)}).")
    if appt.status == "served":
        return f"{appt.code} sudah dilayani pukul {local_time(appt.served_at, zone)[-5:]} WITA."
    if appt.status == "no_show":
        return f"{appt.code} sudah ditandai tidak datang pada jadwalnya ({booking.long_date(appt.day)})."
    if appt.day < desk.day:
        return (f"Jadwal {appt.code} adalah {booking.long_date(appt.day)}: sudah lewat, bukan hari ini. "
                "Warga perlu membuat jadwal baru di chat.")
    if appt.day > desk.day:
        return (f"Jadwal {appt.code} adalah {booking.long_date(appt.day)}, bukan hari ini. "
                "Warga dapat datang pada hari itu, atau mengubah jadwalnya di chat.")
    if appt.place != desk.place:
        return f"{appt.code} terjadwal di {place_name(appt.place)}, bukan di {place_name(desk.place)}."
    closed = closed_note(s, appt.place, appt.service, appt.day) if s is not None else None
    if closed:
        return f"{closed} {appt.code} tidak bisa check-in. {REOPEN}"
    return None


def check_in(s, desk: Desk, typed: str) -> Appointment:
    """Check the named booking in (booked, today, this place), audited; Refused says why not."""
    appt, via = find(s, desk, typed)
    why = refusal(appt, desk, s)
    if why is not None:
        raise Refused(why)
    now = utcnow()
    done = s.execute(update(Appointment).where(
        Appointment.id == appt.id, Appointment.status == "booked", Appointment.day == desk.day,
        Appointment.place == desk.place).values(status="checked_in", checked_in_at=now, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        s.rollback()
        raise Refused(refusal(s.get(Appointment, appt.id, populate_existing=True), desk, s)
                      or f"{appt.code} baru saja diubah. Muat ulang lalu coba lagi.")
    s.refresh(appt)
    audit(s, f"officer:{current_officer().id}", "appointment_checked_in", appt, code=appt.code, via=via,
          place=desk.place)
    return appt


def mark(s, code: str, action: str) -> Appointment:
    """Served (after check-in) or not come (a booking of today or earlier), audited."""
    if action not in MARKS:
        raise Refused("Tindakan ini tidak dikenal.")
    appt = s.execute(select(Appointment).where(Appointment.code == code.upper())).scalar_one_or_none()
    if appt is None:
        raise Refused(f"Kode booking {code.upper()} tidak ditemukan.")
    audit_name, leaves, sets, stamp = MARKS[action]
    if action == "no_show" and appt.day > today():
        raise Refused(f"Jadwal {appt.code} ({booking.long_date(appt.day)}) belum tiba.")
    if appt.status != leaves:
        raise Refused(f"{appt.code} {STATE_NOW.get(appt.status, appt.status)}.")
    closed = closed_note(s, appt.place, appt.service, appt.day) if action == "no_show" else None
    if closed:  # the citizen was told not to come: not coming is not a no-show
        raise Refused(f"{closed} Warga yang tidak datang tidak ditandai tidak datang.")
    now = utcnow()
    done = s.execute(update(Appointment).where(Appointment.id == appt.id, Appointment.status == leaves)
                     .values(status=sets, updated_at=now, **{stamp: now})
                     .execution_options(synchronize_session=False)).rowcount
    if not done:
        s.rollback()
        raise Refused(f"{appt.code} baru saja diubah petugas lain. Muat ulang lalu coba lagi.")
    s.refresh(appt)
    audit(s, f"officer:{current_officer().id}", audit_name, appt, code=appt.code)
    return appt


def undo(s, code: str) -> tuple[Appointment, str]:
    """Batalkan tanda: the visit's last mark undone (not come -> booked, served -> checked in), on
    the visit's own day only, audited; the appointment and the mark undone."""
    appt = s.execute(select(Appointment).where(Appointment.code == code.upper())).scalar_one_or_none()
    if appt is None:
        raise Refused(f"Kode booking {code.upper()} tidak ditemukan.")
    if appt.status not in UNDO:
        raise Refused(f"{appt.code} {STATE_NOW.get(appt.status, appt.status)}: tidak ada tanda untuk dibatalkan.")
    if appt.day != today():
        # A past day's visit cannot be checked in or served any more: its mark stands.
        raise Refused(f"Tanda {appt.code} hanya bisa dibatalkan pada hari jadwalnya ({booking.long_date(appt.day)}).")
    marked = appt.status
    back, stamp, _ = UNDO[marked]
    now = utcnow()
    done = s.execute(update(Appointment).where(Appointment.id == appt.id, Appointment.status == marked,
                                               Appointment.day == appt.day)
                     .values(status=back, updated_at=now, **{stamp: None})
                     .execution_options(synchronize_session=False)).rowcount
    if not done:
        s.rollback()
        raise Refused(f"{appt.code} baru saja diubah petugas lain. Muat ulang lalu coba lagi.")
    s.refresh(appt)
    audit(s, f"officer:{current_officer().id}", "appointment_mark_undone", appt, code=appt.code, undone=marked,
          status=back)
    return appt, marked


# ---- how a booking is shown -------------------------------------------------------------------
def status_label(status: str) -> str:
    """Terjadwal, Sudah hadir, Sudah dilayani, Tidak hadir, Dibatalkan (flows/texts.yml booking)."""
    return texts()["booking"].get(f"status_{status}", status)


def who(appt: Appointment) -> dict:
    """The citizen as the counter knows them: the name answered (else the chat's name), NIK masked."""
    spec = _office().get("services", {}).get(appt.service, {})
    try:
        flow = load_flow(spec["flow"]) if spec.get("flow") else None
    except (KeyError, FileNotFoundError):
        flow = None
    answers = appt.answers or {}
    name = answers.get(flow.submit.subject) if flow is not None and flow.submit.subject else None
    nik = answers.get(flow.submit.subject_nik) if flow is not None and flow.submit.subject_nik else None
    chat_name = appt.contact.display_name if appt.contact is not None else None
    return {"name": name or chat_name or "(tanpa nama)",
            "chat_name": chat_name if chat_name and name and chat_name != name else None,
            "nik": mask_nik(nik) if isinstance(nik, str) and nik else None}


def slot_text(appt: Appointment) -> str:
    slot = next((sl for sl in appointments.slots(_office(), appt.place, appt.service) if sl.id == appt.slot), None)
    return booking.slot_label(_office(), slot) if slot else "Sepanjang hari"


def row(appt: Appointment, zone, on_day: date, closed: bool = False) -> dict:
    """One line of the counter's list (`closed`: an officer closed its day for its service)."""
    return {"code": appt.code, "queue": booking.queue_text(appt.queue_number), "service": service_title(appt.service),
            "slot": slot_text(appt), **who(appt), "status": appt.status, "status_label": status_label(appt.status),
            "bring": list(appt.bring or []),
            "checked_in": local_time(appt.checked_in_at, zone)[-5:] if appt.checked_in_at else None,
            "may_serve": appt.status == "checked_in",
            "may_no_show": appt.status == "booked" and on_day <= today() and not closed,
            "may_undo": appt.status in UNDO and appt.day == today()}


def _day_asked(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else today()
    except ValueError:
        return today()


# ---- the pages --------------------------------------------------------------------------------
@bp.get("/counter")
@login_required
def counter():
    """The day's visits at the chosen place (and service), the counts, and the check-in form."""
    s = db.session()
    officer = current_officer()
    place_key = chosen_place(request.args.get("place"))
    service = chosen_service(place_key, request.args.get("service"))
    day = _day_asked(request.args.get("day"))
    where = [Appointment.place == place_key, Appointment.day == day]
    if service:
        where.append(Appointment.service == service)
    # Each row names its citizen: their contacts come in one query, not one a row.
    listed = s.execute(select(Appointment).where(*where).options(selectinload(Appointment.contact))
                       .order_by(Appointment.service, Appointment.queue_number)).scalars().all()
    shown = [a for a in listed if a.status != "cancelled"]
    gone = [a for a in listed if a.status == "cancelled"]  # shown apart, folded and greyed
    counts = dict(s.execute(select(Appointment.status, func.count()).where(*where)
                            .group_by(Appointment.status)).all())
    zone = office_zone()
    notes = {key: closed_note(s, place_key, key, day) for key, _ in services_at(place_key) if key == service or not service}
    closed = [note for note in notes.values() if note]
    audit(s, f"officer:{officer.id}", "counter_viewed", place=place_key, service=service or None,
          day=day.isoformat(), shown=len(shown))
    s.commit()
    return render_template(
        "inbox/counter.html", officer=officer, places=[(k, p.get("name", k)) for k, p in places()],
        place=place_key, place_name=place_name(place_key) if place_key else "", services=services_at(place_key),
        service=service, day=day, today=today(), is_today=day == today(), long_day=booking.long_date(day),
        items=[row(a, zone, day, bool(notes.get(a.service))) for a in shown], cancelled=counts.get("cancelled", 0),
        cancelled_items=[row(a, zone, day) for a in gone],
        closed=closed,
        counts=[(st, status_label(st), counts.get(st, 0)) for st in COUNTED])


def _back(desk: Desk | None = None):
    """The counter page again (a form post answers with a redirect, 303)."""
    if request.form.get("from") == "verify" and VERIFY_CODE.fullmatch(request.form.get("doc", "")):
        return redirect(url_for("verify.verify", code=request.form["doc"]), code=303)
    if desk is None:
        return redirect(url_for("inbox.counter"), code=303)
    return redirect(url_for("inbox.counter", place=desk.place, service=desk.service), code=303)


@bp.post("/counter/check-in")
@login_required
def counter_check_in():
    """Check a citizen in by queue number (with the service), booking code or the slip's QR link."""
    place_key = chosen_place(request.form.get("place"))
    desk = Desk(place_key, chosen_service(place_key, request.form.get("service")), today())
    s = db.session()
    try:
        appt = check_in(s, desk, request.form.get("kode", ""))
    except Refused as refused:
        s.rollback()
        flash(refused.message)
        return _back(desk)
    person = who(appt)
    s.commit()
    flash(f"{appt.code} (antrean {booking.queue_text(appt.queue_number)}, {service_title(appt.service)}) "
          f"hadir: {person['name']}.")
    return _back(desk)


@bp.post("/counter/<code>/mark")
@login_required
def counter_mark(code: str):
    """Dilayani (served) or Tidak datang (no-show) for one booking."""
    action = request.form.get("action", "")
    s = db.session()
    try:
        appt = mark(s, code, action)
    except Refused as refused:
        s.rollback()
        flash(refused.message)
        return _back()
    s.commit()
    flash(f"{appt.code}: {status_label(appt.status).lower()}.")
    return redirect(url_for("inbox.counter", place=appt.place, day=appt.day.isoformat()), code=303)


@bp.post("/counter/<code>/undo")
@login_required
def counter_undo(code: str):
    """Batalkan tanda: undo Dilayani or Tidak datang pressed for one booking."""
    s = db.session()
    try:
        appt, marked = undo(s, code)
    except Refused as refused:
        s.rollback()
        flash(refused.message)
        return _back()
    s.commit()
    flash(f"{appt.code}: tanda “{MARK_LABELS[marked]}” dibatalkan. {UNDO[marked][2]}")
    return redirect(url_for("inbox.counter", place=appt.place, day=appt.day.isoformat()), code=303)


def history(s, appt: Appointment) -> list[dict]:
    """The booking's audited steps: when (WITA), who, what (booked, moved, checked in, served...)."""
    entries = s.execute(select(AuditLog).where(AuditLog.target_type == "appointments",
                                               AuditLog.target_id == str(appt.id),
                                               AuditLog.action.in_(tuple(APPOINTMENT_LABELS)))
                        .order_by(AuditLog.id)).scalars().all()
    ids = {int(e.actor.split(":", 1)[1]) for e in entries
           if e.actor.startswith("officer:") and e.actor.split(":", 1)[1].isdigit()}
    names = dict(s.execute(select(Officer.id, Officer.name).where(Officer.id.in_(ids))).all()) if ids else {}
    zone = office_zone()
    found = []
    for entry in entries:
        _, _, who_id = entry.actor.partition(":")
        by = (names.get(int(who_id), "petugas") if entry.actor.startswith("officer:") and who_id.isdigit()
              else "Warga" if entry.actor.startswith("citizen") else "Sistem")
        via = VIA_LABELS.get((entry.detail or {}).get("via"))
        found.append({"at": local_time(entry.at, zone), "who": by,
                      "what": APPOINTMENT_LABELS[entry.action] + (f" (lewat {via})" if via else "")})
    return found


def for_verify_page(appt: Appointment) -> dict:
    """What an officer signed in to the inbox sees of a booking on /v/<code> (their phone read the
    slip's QR): the booking in full but the NIK, whether it can be checked in today, and the place
    they check it in at (the one they last worked at, else the booking's own)."""
    keys = dict(places())
    remembered = session.get("counter_place")
    return {"row": row(appt, office_zone(), appt.day), "place_name": place_name(appt.place),
            "day": booking.long_date(appt.day), "places": [(k, p.get("name", k)) for k, p in places()],
            "desk_place": remembered if remembered in keys else appt.place,
            # the place is checked when the officer presses the button, against the place chosen
            "refusal": refusal(appt, Desk(appt.place, appt.service, today()), db.session()),
            "history": history(db.session(), appt)}
