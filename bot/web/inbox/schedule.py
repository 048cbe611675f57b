"""Kuota & hari tutup: per place and service, the coming open days with their quota, places taken
and left; admins and verifiers change a day's or a slot's quota, close a day (the citizens booked
there are told, delivery/appointment_changes.py) and open it again. Operators see the page only."""
from datetime import date, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from bot.core import db
from bot.core.lifecycle import Refused
from bot.core.models import Appointment, audit
from bot.web.inbox.auth import current_officer, login_required
from bot.web.inbox.blueprint import bp
from delivery import appointment_changes as changes
from flows import appointments as ap
from flows.booking import long_date, slot_label
from flows.office import office_tz

CHANGERS = frozenset({"admin", "verifier"})  # who may change quotas and close days


def may_change(officer) -> bool:
    """Whether the officer may change quotas and close or open days (operators see the page only)."""
    return officer is not None and officer.role in CHANGERS


def _office() -> dict:
    return current_app.config["OFFICE"]


def office_today() -> date:
    """Today at the office (WITA)."""
    return datetime.now(office_tz(_office())).date()


def choices(office: dict) -> list[tuple[str, str, str, str]]:
    """(place key, place name, service key, service title) of every place and service booked."""
    services = office.get("services", {})
    return [(key, p.get("short") or p["name"], svc, services.get(svc, {}).get("title", svc))
            for key, p in (ap.settings(office).get("places") or {}).items() for svc in (p.get("services") or {})]


def days_shown(office: dict, place: str, today: date) -> list[date]:
    """Today (when the place is open: a day closed this morning still needs its citizens told) and
    the place's bookable days."""
    first = [today] if ap.hours(office, place, today) and not ap.holiday(office, today) else []
    return first + ap.open_days(office, place, today)


def day_rows(s, office: dict, place: str, service: str, today: date) -> list[dict]:
    """Each shown day: quota, taken, left, its slots, and whether (and why) an officer closed it."""
    days = days_shown(office, place, today)
    booked = dict(s.execute(select(Appointment.day, func.count()).where(
        Appointment.place == place, Appointment.service == service, Appointment.status == "booked",
        Appointment.day.in_(days)).group_by(Appointment.day)).all()) if days else {}
    rows = []
    for day in days:
        change = ap.newest_change(s, place, service, day, ap.DAY)
        closed = bool(change and change.closed)
        rows.append({
            "day": day, "label": long_date(day), "today": day == today, "closed": closed,
            "reason": change.reason if closed else None,
            "changed": change is not None and not closed and change.quota is not None,
            "quota": ap.quota(s, office, place, service, day), "taken": ap.taken(s, place, service, day),
            "left": ap.left(s, office, place, service, day), "booked": booked.get(day, 0),
            "slots": [{"id": sl.id, "label": slot_label(office, sl), "quota": ap.quota(s, office, place, service, day, sl.id),
                       "taken": ap.taken(s, place, service, day, sl.id),
                       "left": ap.left(s, office, place, service, day, sl.id)}
                      for sl in ap.slots_on(office, place, service, day)]})
    return rows


@bp.get("/schedule")
@login_required
def schedule():
    """The coming days of one place and service, with the forms to change them."""
    office, officer, s = _office(), current_officer(), db.session()
    options = choices(office)
    if not options:
        return render_template("inbox/schedule.html", officer=officer, options=[], rows=[])
    picked = request.args.get("pick", "")  # the page's own picker: "<place>|<service>"
    wanted = tuple(picked.split("|", 1)) if "|" in picked else (request.args.get("place", ""),
                                                                 request.args.get("service", ""))
    place, _, service, _ = next((o for o in options if (o[0], o[2]) == wanted), options[0])
    today = office_today()
    rows = day_rows(s, office, place, service, today)
    audit(s, f"officer:{officer.id}", "appointment_schedule_viewed", place=place, service=service)
    s.commit()
    return render_template("inbox/schedule.html", officer=officer, options=options, place=place, service=service,
                           place_name=ap.place(office, place)["name"], rows=rows, may_change=may_change(officer),
                           service_title=office.get("services", {}).get(service, {}).get("title", service))


def _form_day(today: date) -> date:
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        abort(400, description="Tanggal tidak terbaca.")
    if day < today:
        abort(400, description="Hari yang sudah lewat tidak bisa diubah.")
    return day


def _form_quota() -> int | None:
    """The quota typed (empty: back to the configured quota)."""
    raw = request.form.get("quota", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise Refused(400, "Kuota harus angka (0 atau lebih), atau kosong untuk kembali ke kuota bawaan.")
    return int(raw)


@bp.post("/schedule/change")
@login_required
def schedule_change():
    """Change a day's or a slot's quota, close a day, or open it again."""
    officer = current_officer()
    place, service = request.form.get("place", ""), request.form.get("service", "")
    back = url_for("inbox.schedule", place=place, service=service)
    if not may_change(officer):
        return render_template("inbox/error.html", officer=officer, back=back,
                               message="Hanya admin atau verifikator yang dapat mengubah kuota dan menutup hari."), 403
    day = _form_day(office_today())
    action, slot = request.form.get("action", ""), request.form.get("slot", ap.DAY)
    actor, s = f"officer:{officer.id}", db.session()
    try:
        if action == "quota":
            done = changes.set_quota(s, actor, place, service, day, _form_quota(), slot)
        elif action == "close":
            done = changes.close(s, actor, place, service, day, request.form.get("reason", ""))
        elif action == "reopen":
            done = changes.reopen(s, actor, place, service, day)
        else:
            raise Refused(400, "Tindakan tidak dikenal.")
    except Refused as refused:
        s.rollback()
        if refused.code == 400:
            flash(refused.reason)
            return redirect(back, code=303)
        return render_template("inbox/error.html", message=refused.reason, officer=officer, back=back), refused.code
    flash(_done_text(done, day, slot))
    return redirect(back, code=303)


def _done_text(done: changes.Outcome, day: date, slot: str) -> str:
    """What the officer is told after a change: above all, who was told and who was not moved."""
    when = long_date(day) + (f", jam {slot}" if slot != ap.DAY else "")
    if done.action == "closed":
        if not done.told:
            return f"{when} ditutup. Belum ada warga yang terjadwal pada hari itu."
        return (f"{when} ditutup. {done.told} warga yang sudah terjadwal diberi tahu lewat chat, dengan tombol "
                "Ubah jadwal dan Batal; jadwal mereka tetap tercatat sampai mereka memindahkan atau membatalkannya.")
    if done.action == "reopened":
        return (f"{when} dibuka kembali. "
                + (f"{done.told} warga yang masih terjadwal pada hari itu diberi tahu." if done.told
                   else "Tidak ada warga yang masih terjadwal pada hari itu."))
    text = f"Kuota {when} diubah."
    if done.over:
        text += (f" Sudah ada {done.booked} jadwal, {done.over} di atas kuota baru: jadwal itu tetap berlaku dan "
                 "tidak dipindahkan; tidak ada tempat baru sampai ada yang batal.")
    return text
