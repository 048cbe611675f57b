"""Angka: the visits booked in the chat per day, place and service over a range, for the head of
office, on a page and as CSV. What each number counts is defined in docs/appointments.md
("Numbers") and in `Row` below."""
import csv
import io
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app, make_response, render_template, request
from sqlalchemy import select

from bot.core import db
from bot.core.models import Appointment, AuditLog, as_utc, audit
from bot.web.inbox.auth import current_officer, login_required
from bot.web.inbox.blueprint import bp
from bot.web.inbox.schedule import office_today
from flows import appointments as ap
from flows.definition import available_flows, load_flow
from flows.office import office_tz

DEFAULT_DAYS = 30
MAX_DAYS = 366
ATTENDED = ("checked_in", "served")


@dataclass
class Row:
    """One day, place and service (place "" for the citizens turned away in the chat, who had not
    chosen a place yet)."""
    day: date
    place: str
    service: str
    booked: int = 0        # bookings for the day, whatever became of them, but the cancelled
    attended: int = 0      # checked in at the counter or served
    no_show: int = 0       # marked absent (no_show): by the counter, or by the reminders' sweep
    cancelled: int = 0     # cancelled by the citizen (in the chat)
    prepared: int = 0      # attended, and the booking carried the list of what to bring
    turned_away: int = 0   # a booking flow ended by the office's rule before a trip (docs/appointments.md)
    unrecorded: int = 0    # still only booked once the day has passed: nobody recorded whether they came

    def add(self, other: "Row") -> None:
        for f in COUNTS:
            setattr(self, f, getattr(self, f) + getattr(other, f))

    @property
    def avoided_share(self) -> float | None:
        """Of the trips that were made or stopped, the share made prepared or spared (None: none).
        The visits not recorded are left out (neither attended nor not): the page says how many."""
        trips = self.attended + self.turned_away
        return (self.prepared + self.turned_away) / trips if trips else None


COUNTS = [f.name for f in fields(Row) if f.name not in ("day", "place", "service")]
# The columns as first published stay where they were; the ones added since go at the end.
CSV_COLUMNS = ["tanggal", "tempat", "nama_tempat", "layanan", "nama_layanan", "terjadwal", "hadir", "tidak_hadir",
               "dibatalkan", "hadir_dengan_daftar_bawaan", "dicegah_di_chat", "perjalanan_sia_sia_dicegah_persen",
               "tidak_tercatat"]


def _office() -> dict:
    return current_app.config["OFFICE"]


def booking_flows(office: dict) -> dict[str, str]:
    """flow name -> service key, of the services whose flow books a visit."""
    found = {}
    for key, svc in office.get("services", {}).items():
        name = svc.get("flow")
        if name and name in available_flows() and load_flow(name).booking:
            found[name] = key
    return found


def count(s, office: dict, start: date, end: date, today: date) -> list[Row]:
    """The rows for the days from start to end (both included), in day, place and service order."""
    rows: dict[tuple, Row] = {}

    def row(day: date, place: str, service: str) -> Row:
        return rows.setdefault((day, place, service), Row(day, place, service))

    for appt in s.execute(select(Appointment).where(Appointment.day >= start, Appointment.day <= end)).scalars():
        r = row(appt.day, appt.place, appt.service)
        if appt.status == "cancelled":
            r.cancelled += 1
            continue
        r.booked += 1
        if appt.status in ATTENDED:
            r.attended += 1
            r.prepared += bool(appt.bring)
        elif appt.status == "no_show":
            r.no_show += 1
        elif appt.status == "booked" and appt.day < today:
            # delivery/reminders.py marks no-shows only on days the counter recorded attendance:
            # without check-ins a citizen who came must not be counted absent.
            r.unrecorded += 1
    zone, flows = office_tz(office), booking_flows(office)
    # In UTC, as stored (SQLite keeps no offset: an office-time bound would be read 8 hours off).
    since = datetime.combine(start, time.min, zone).astimezone(timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(timezone.utc)
    for at, detail in s.execute(select(AuditLog.at, AuditLog.detail).where(
            AuditLog.action == "flow_redirected", AuditLog.at >= since, AuditLog.at < until)).all():
        service = flows.get((detail or {}).get("flow"))
        if service is not None and (detail or {}).get("to") != service:  # not a restart of the same request
            row(as_utc(at).astimezone(zone).date(), "", service).turned_away += 1
    places = list((ap.settings(office).get("places") or {}))
    services = list(office.get("services", {}))
    order = {p: i for i, p in enumerate(["", *places])}
    return sorted(rows.values(), key=lambda r: (r.day, order.get(r.place, len(order)), r.place,
                                                services.index(r.service) if r.service in services else len(services)))


def total(rows: list[Row], start: date) -> Row:
    summed = Row(start, "", "")
    for r in rows:
        summed.add(r)
    return summed


def _range(today: date) -> tuple[date, date, str | None]:
    """The range asked for (default: the last 30 days up to today), and why it was changed, if it was."""
    end, start, note = today, today - timedelta(days=DEFAULT_DAYS - 1), None
    try:
        if request.args.get("end"):
            end = date.fromisoformat(request.args["end"])
        if request.args.get("start"):
            start = date.fromisoformat(request.args["start"])
        elif request.args.get("end"):
            start = end - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        return today - timedelta(days=DEFAULT_DAYS - 1), today, "Tanggal tidak terbaca; menampilkan 30 hari terakhir."
    if start > end:
        start, end = end, start
    if (end - start).days >= MAX_DAYS:
        start, note = end - timedelta(days=MAX_DAYS - 1), f"Rentang dibatasi {MAX_DAYS} hari."
    return start, end, note


def _names(office: dict):
    services = office.get("services", {})

    def place_name(key: str) -> str:
        return (ap.place(office, key).get("short") or ap.place(office, key).get("name") or key) if key else ""

    def service_name(key: str) -> str:
        return services.get(key, {}).get("title", key)
    return place_name, service_name


def percent(share: float | None) -> str:
    return "" if share is None else f"{round(share * 100)}"


@bp.get("/numbers")
@login_required
def appointment_numbers():
    """The numbers per day, place and service, with the totals."""
    office, officer, s = _office(), current_officer(), db.session()
    today = office_today()
    start, end, note = _range(today)
    rows = count(s, office, start, end, today)
    audit(s, f"officer:{officer.id}", "appointment_numbers_viewed", start=start.isoformat(), end=end.isoformat())
    s.commit()
    place_name, service_name = _names(office)
    return render_template("inbox/numbers.html", officer=officer, rows=rows, total=total(rows, start), start=start,
                           end=end, note=note, place_name=place_name, service_name=service_name, percent=percent)


@bp.get("/appointments.csv")
@login_required
def appointments_csv():
    """The same rows as CSV (no totals row: a spreadsheet sums the columns itself)."""
    office, officer, s = _office(), current_officer(), db.session()
    today = office_today()
    start, end, _ = _range(today)
    rows = count(s, office, start, end, today)
    audit(s, f"officer:{officer.id}", "appointment_numbers_downloaded", start=start.isoformat(), end=end.isoformat())
    s.commit()
    place_name, service_name = _names(office)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([r.day.isoformat(), r.place, place_name(r.place), r.service, service_name(r.service),
                         r.booked, r.attended, r.no_show, r.cancelled, r.prepared, r.turned_away,
                         percent(r.avoided_share), r.unrecorded])
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="jadwal-{start.isoformat()}-{end.isoformat()}.csv"'
    return response
