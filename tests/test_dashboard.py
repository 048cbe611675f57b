"""Dasbor (bot/web/inbox/dashboard.py): a known set of chats, requests, visits and handoffs, and the
exact figures each day and service must show, on the page and in the CSV; the CSV's contract."""
import csv
import io
import re
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.core import db
from bot.core.models import Appointment, Contact, Conversation, Document, Message, Request
from bot.web.inbox.dashboard import CSV_COLUMNS
from bot.web.inbox.schedule import office_today
from tests.conftest import Chat
from tests.inbox_drivers import add_officer, form_token, sign_in

WITA = ZoneInfo("Asia/Makassar")
ASK = "saya mau bicara dengan petugas"
ZERO = {c: "0" for c in ("percakapan_dimulai", "layanan_dimulai", "permohonan_diajukan", "permohonan_terbit",
                         "permohonan_ditolak", "jadwal_dibuat", "hadir", "tidak_hadir", "dialihkan_ke_petugas",
                         "dijawab_petugas", "terbit_tanpa_kedatangan", "tidak_tercatat")}
BLANK = {"median_jam_diajukan_sampai_terbit": "", "median_menit_tunggu_petugas": "", "terbit_tanpa_kedatangan_persen": ""}


def at(day, clock: str) -> datetime:
    """An office time (WITA) as stored: UTC."""
    return datetime.combine(day, time.fromisoformat(clock), WITA).astimezone(timezone.utc)


def known_set(app) -> dict:
    """Three days back (d1) and two (d2): chats, requests filed, issued, rejected, visits."""
    with app.app_context():
        today = office_today()
    d1, d2 = today - timedelta(days=3), today - timedelta(days=2)
    with app.app_context(), db.new_session() as s:
        a, b, c = (Contact(channel="simulator", external_id=name, display_name=name.title())
                   for name in ("ani", "budi", "citra"))
        s.add_all([a, b, c])
        s.flush()

        def said(contact, when):
            s.add(Message(contact_id=contact.id, channel="simulator", direction="in", kind="text", text="halo",
                          status="processed", created_at=when))
        said(a, at(d1, "09:00"))
        said(a, at(d1, "10:00"))          # the same chat
        said(a, at(d2, "11:00"))          # 25 hours later: a new chat
        said(b, at(d2, "00:30"))          # still d1 in UTC: counted on the office's day, d2
        said(c, at(d1 - timedelta(days=5), "09:00"))  # before the range

        def filed(n, contact, service, created, status="submitted", closed=None):
            req = Request(ticket=f"TST-{n:04d}", service=service, status=status, contact_id=contact.id,
                          applicant_name=contact.display_name, created_at=created, closed_at=closed)
            s.add(req)
            s.flush()
            return req

        def issued(req, when, n, status="current"):
            s.add(Document(request_id=req.id, kind="issued", code=f"doc-{req.id}-{n}", filename="a.pdf", size=1,
                           sha256="0" * 64, storage_key="k", created_at=when, status=status))
        issued(filed(1, a, "akta_kelahiran", at(d1, "08:00"), "delivered"), at(d2, "08:00"), 1)   # 24 h, no visit
        issued(filed(2, b, "akta_kelahiran", at(d1, "10:00"), "delivered"), at(d2, "14:00"), 1)   # 28 h, came on d2
        filed(3, a, "akta_kelahiran", at(d2, "09:00"), "rejected", at(d2, "12:00"))
        filed(4, b, "akta_kematian", at(d2, "10:00"))
        old = filed(5, c, "akta_kelahiran", at(d1 - timedelta(days=40), "08:00"), "issued")
        issued(old, at(d2, "09:00"), 1, "superseded")                                           # 961 h, no visit
        issued(old, at(d2, "15:00"), 2)                                                         # a correction: not again

        def booked(n, contact, service, day, status, created):
            s.add(Appointment(code=f"VIS-{n:04d}", service=service, place="sangatta", day=day, slot="",
                              queue_number=n, contact_id=contact.id, status=status, answers={}, bring=[],
                              created_at=created))
        booked(1, b, "ktp_print", d2, "checked_in", at(d1, "12:00"))
        booked(2, c, "kia", d2, "booked", at(d1, "13:00"))             # the day passed, nobody recorded it
        booked(3, a, "ktp_print", today + timedelta(days=2), "booked", at(d2, "16:00"))
        s.commit()
    return {"d1": d1, "d2": d2, "today": today}


def kepala(app):
    add_officer(app, username="kepala", role="operator", name="Kepala Dinas")
    client = app.test_client()
    assert sign_in(client, "kepala").status_code == 302
    return client


def chats_today(app, client) -> None:
    """Now: one citizen starts the birth certificate and asks for a person, whom an officer takes
    over; another asks and is not answered yet."""
    first = Chat(app.test_client(), "warga-1")
    first.say("halo")
    first.press("svc:akta_kelahiran")
    first.say(ASK)
    Chat(app.test_client(), "warga-2").say(ASK)
    with app.app_context():
        conv = db.session().execute(select(Conversation.id).join(Contact, Contact.id == Conversation.contact_id)
                                    .where(Contact.external_id == "warga-1")).scalar_one()
    token = form_token(client.get(f"/inbox/conversations/{conv}").get_data(as_text=True))
    assert client.post(f"/inbox/conversations/{conv}/take", data={"csrf_token": token}).status_code == 302


def table(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_each_day_and_service_has_its_exact_figures(app):
    days = known_set(app)
    client = kepala(app)
    chats_today(app, client)
    d1, d2, today = days["d1"], days["d2"], days["today"]
    rows = table(client.get(f"/inbox/dashboard.csv?from={d1}&to={today}"))
    services = ["", *app.config["OFFICE"]["services"]]
    assert [(r["tanggal"], r["layanan"]) for r in rows] == [
        ((d1 + timedelta(days=n)).isoformat(), key) for n in range(4) for key in services]
    got = {(r["tanggal"], r["layanan"]): r for r in rows}
    expected = {
        (d1, ""): {"percakapan_dimulai": "1"},
        (d1, "akta_kelahiran"): {"permohonan_diajukan": "2"},
        (d1, "ktp_print"): {"jadwal_dibuat": "1"},
        (d1, "kia"): {"jadwal_dibuat": "1"},
        (d2, ""): {"percakapan_dimulai": "2"},
        (d2, "akta_kelahiran"): {"permohonan_diajukan": "1", "permohonan_terbit": "3", "permohonan_ditolak": "1",
                                 "median_jam_diajukan_sampai_terbit": "28", "terbit_tanpa_kedatangan": "2",
                                 "terbit_tanpa_kedatangan_persen": "67"},
        (d2, "akta_kematian"): {"permohonan_diajukan": "1"},
        (d2, "ktp_print"): {"hadir": "1", "jadwal_dibuat": "1"},
        (d2, "kia"): {"tidak_tercatat": "1"},
        # warga-1 asked in the middle of the birth certificate: counted under it; warga-2 from no service
        (today, ""): {"percakapan_dimulai": "2", "dialihkan_ke_petugas": "1"},
        (today, "akta_kelahiran"): {"layanan_dimulai": "1", "dialihkan_ke_petugas": "1", "dijawab_petugas": "1"},
    }
    for (day, service), row in got.items():
        want = {"tanggal": day, "layanan": service, **ZERO, **BLANK,
                **expected.get((datetime.fromisoformat(day).date(), service), {})}
        if (day, service) == (today.isoformat(), "akta_kelahiran"):
            assert float(row.pop("median_menit_tunggu_petugas")) < 1  # taken over a moment after asking
            want.pop("median_menit_tunggu_petugas")
        assert {k: v for k, v in row.items() if k != "nama_layanan"} == want, (day, service)
    assert got[(d2.isoformat(), "akta_kelahiran")]["nama_layanan"] == "Akta Kelahiran"
    assert got[(d2.isoformat(), "")]["nama_layanan"] == "(semua chat)"

    page = client.get(f"/inbox/dashboard?from={d1}&to={today}").get_data(as_text=True)
    for testid, value in (("total-chats", "5"), ("total-submitted", "4"), ("total-issued", "3"), ("total-rejected", "1"),
                          ("total-issue-hours", "28 jam"), ("total-booked", "3"), ("total-attended", "1"),
                          ("total-handoffs", "2"), ("total-remote", "67%")):
        assert re.search(rf'data-testid="{testid}">{re.escape(value)}<', page), testid
    assert page.count("<svg") == 4 and 'data-testid="chart-requests"' in page


def test_the_csv_header_names_every_column_and_the_default_is_the_last_30_days(sqlite_app):
    client = kepala(sqlite_app)
    response = client.get("/inbox/dashboard.csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="dasbor-')
    header = response.get_data(as_text=True).splitlines()[0]
    assert header.split(",") == CSV_COLUMNS
    rows = table(response)
    with sqlite_app.app_context():
        today = office_today()
    assert rows[0]["tanggal"] == (today - timedelta(days=29)).isoformat() and rows[-1]["tanggal"] == today.isoformat()
    assert len(rows) == 30 * (1 + len(sqlite_app.config["OFFICE"]["services"]))


def test_bad_dates_are_refused_in_indonesian(sqlite_app):
    client = kepala(sqlite_app)
    for query, words in (("from=2026-13-01&to=2026-12-01", "Tanggal tidak terbaca"),
                         ("from=kemarin", "Tanggal tidak terbaca"),
                         ("from=2026-11-10&to=2026-11-01", "harus sama dengan atau sebelum"),
                         ("from=2024-01-01&to=2026-11-01", "paling panjang 366 hari")):
        response = client.get(f"/inbox/dashboard.csv?{query}")
        assert response.status_code == 400 and words in response.get_data(as_text=True), query
        page = client.get(f"/inbox/dashboard?{query}")
        assert page.status_code == 400 and words in page.get_data(as_text=True), query
    assert client.get("/inbox/dashboard.csv?from=2026-11-01&to=2026-11-01").status_code == 200


def test_the_dashboard_needs_a_signed_in_officer(sqlite_app):
    response = sqlite_app.test_client().get("/inbox/dashboard.csv")
    assert response.status_code == 302 and "/inbox/login" in response.headers["Location"]
