"""Dasbor for the head of office: chats, requests, visits and handoffs per day and service, with
charts drawn on the server, and the same rows as CSV (GET /inbox/dashboard.csv?from=…&to=…; the
contract is in docs/dashboard.md)."""
import csv
import io
from datetime import date, timedelta

from flask import abort, current_app, make_response, render_template, request

from bot.core import db
from bot.core.models import audit
from bot.web.inbox import charts
from bot.web.inbox import dashboard_figures as figures
from bot.web.inbox.auth import current_officer, login_required
from bot.web.inbox.blueprint import bp
from bot.web.inbox.schedule import office_today

DEFAULT_DAYS = 30
MAX_DAYS = 366
CHATS_ROW = "(semua chat)"  # how the row of service "" is named
CSV_COLUMNS = ["tanggal", "layanan", "nama_layanan", "percakapan_dimulai", "layanan_dimulai", "permohonan_diajukan",
               "permohonan_terbit", "permohonan_ditolak", "median_jam_diajukan_sampai_terbit", "jadwal_dibuat",
               "hadir", "tidak_hadir", "dialihkan_ke_petugas", "dijawab_petugas", "median_menit_tunggu_petugas",
               "terbit_tanpa_kedatangan", "terbit_tanpa_kedatangan_persen", "tidak_tercatat"]


class BadRange(ValueError):
    """A range the dashboard refuses, with the officer's words for why."""


def parse_range(args, today: date) -> tuple[date, date]:
    """`from` and `to` (YYYY-MM-DD, office days, both included); by default the last 30 days up to
    today; `to` alone means the 30 days up to it."""
    try:
        end = date.fromisoformat(args["to"]) if args.get("to") else today
        start = date.fromisoformat(args["from"]) if args.get("from") else end - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise BadRange("Tanggal tidak terbaca. Tulis tanggal sebagai TTTT-BB-HH, misalnya "
                       f"from={today - timedelta(days=DEFAULT_DAYS - 1)}&to={today}.") from None
    if start > end:
        raise BadRange("Tanggal awal (from) harus sama dengan atau sebelum tanggal akhir (to).")
    if (end - start).days >= MAX_DAYS:
        raise BadRange(f"Rentang paling panjang {MAX_DAYS} hari; persempit tanggalnya.")
    return start, end


def _office() -> dict:
    return current_app.config["OFFICE"]


def service_name(office: dict, key: str) -> str:
    return office.get("services", {}).get(key, {}).get("title", key) if key else CHATS_ROW


def _blank(value) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def csv_row(office: dict, r: figures.Row) -> list[str]:
    """One CSV line: counts as integers, medians with a decimal point, blank where nothing was measured."""
    return [r.day.isoformat(), r.service, service_name(office, r.service), r.chats, r.started, r.submitted,
            r.issued, r.rejected, _blank(r.median_issue_hours), r.booked, r.attended, r.no_show, r.handoffs,
            r.answered, _blank(r.median_wait_minutes), r.issued_remote, _blank(r.remote_share), r.unrecorded]


@bp.get("/dashboard")
@login_required
def dashboard():
    """The range's totals, charts per day and per service, and the table per service."""
    office, officer, s = _office(), current_officer(), db.session()
    today = office_today()
    try:
        start, end = parse_range(request.args, today)
    except BadRange as bad:
        abort(400, description=str(bad))
    rows = figures.count(s, office, start, end, today)
    audit(s, f"officer:{officer.id}", "dashboard_viewed", start=start.isoformat(), end=end.isoformat())
    s.commit()
    days = figures.by_day(rows)
    services = [r for r in figures.by_service(rows, start) if r.service]
    labels = [d.day.strftime("%d/%m") for d in days]
    chart_requests = charts.grouped_bars(
        "Permohonan per hari", labels, [("Diajukan", [d.submitted for d in days]), ("Terbit", [d.issued for d in days]),
                                        ("Ditolak", [d.rejected for d in days])], "chart-requests")
    chart_chats = charts.grouped_bars(
        "Chat per hari", labels, [("Percakapan dimulai", [d.chats for d in days]),
                                  ("Dialihkan ke petugas", [d.handoffs for d in days])], "chart-chats")
    chart_visits = charts.grouped_bars(
        "Kedatangan per hari", labels, [("Jadwal dibuat", [d.booked for d in days]), ("Hadir", [d.attended for d in days]),
                                        ("Tidak hadir", [d.no_show for d in days])], "chart-visits")
    chart_services = charts.horizontal_bars(
        "Permohonan diajukan per layanan", [(service_name(office, r.service), r.submitted) for r in services],
        "chart-services")
    return render_template("inbox/dashboard.html", officer=officer, start=start, end=end, today=today,
                           total=figures.total(rows, start), services=services, days=days,
                           name=lambda key: service_name(office, key),
                           charts=[("Permohonan per hari", chart_requests), ("Chat per hari", chart_chats),
                                   ("Kedatangan per hari (jadwal dibuat pada hari itu; hadir dan tidak hadir menurut hari kedatangan)",
                                    chart_visits), ("Permohonan diajukan per layanan", chart_services)])


@bp.get("/dashboard.csv")
@login_required
def dashboard_csv():
    """One row per office day and service (the chats' row first), with a header row."""
    office, officer, s = _office(), current_officer(), db.session()
    today = office_today()
    try:
        start, end = parse_range(request.args, today)
    except BadRange as bad:
        response = make_response(str(bad) + "\n", 400)
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
        return response
    rows = figures.count(s, office, start, end, today)
    audit(s, f"officer:{officer.id}", "dashboard_downloaded", start=start.isoformat(), end=end.isoformat())
    s.commit()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(csv_row(office, r))
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="dasbor-{start.isoformat()}-{end.isoformat()}.csv"'
    return response
