"""The counter (*Loket*, bot/web/inbox/counter.py): the day's visits per place and service, checking
a citizen in by queue number, booking code or the slip's QR link, each refusal said plainly,
served and not come, all audited; and an officer's phone on /v/<code>."""
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.models import Appointment, AuditLog
from tests.booking_drivers import add_visit, book_print_visit, move_to, office_today, slip_link
from tests.conftest import FATHER_NIK, MOTHER_NIK, Chat
from tests.inbox_drivers import add_officer, form_token, sign_in

SANGATTA = "Kantor Disdukcapil Kutai Timur, Sangatta"
BUDI = {"nama": "Budi Santoso", "nik": FATHER_NIK}
SITI = {"nama": "Siti Aminah", "nik": MOTHER_NIK}


@pytest.fixture
def officer(app):
    """A signed-in operator's browser (the lowest role: anyone signed in works the counter)."""
    officer_id = add_officer(app)
    client = app.test_client()
    assert sign_in(client).status_code == 302
    client.officer_id = officer_id
    return client


def page(client, **args) -> str:
    response = client.get("/inbox/counter", query_string=args)
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def rows(html: str) -> dict:
    """code -> (status, the row's text) of the visits listed."""
    found = {}
    for match in re.finditer(r'<tr data-testid="visit" data-code="([^"]+)" data-status="([^"]+)".*?</tr>', html, re.S):
        found[match.group(1)] = (match.group(2), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))))
    return found


def count(html: str, status: str) -> int:
    return int(re.search(rf'data-testid="count-{status}">[^<]*<strong>(\d+)</strong>', html).group(1))


def post(client, url: str, **form):
    """A form post as the page sends it (its CSRF token), following the redirect; the page shown."""
    token = form_token(client.get("/inbox/counter").get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, **form}, follow_redirects=True)
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def check_in(client, kode: str, service: str = "", place: str = "sangatta") -> str:
    return post(client, "/inbox/counter/check-in", kode=kode, place=place, service=service)


def flash(html: str) -> str:
    return re.search(r'<div class="(?:flash|box ok)" role="status">(.*?)</div>', html, re.S).group(1).strip()


def status_of(app, code: str) -> Appointment:
    with app.app_context(), db.new_session() as s:
        appt = s.execute(select(Appointment).where(Appointment.code == code)).scalar_one()
        s.expunge(appt)
        return appt


def audits(app, action: str) -> list[AuditLog]:
    with app.app_context(), db.new_session() as s:
        found = list(s.execute(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).scalars())
        s.expunge_all()
        return found


def test_the_day_is_listed_per_place_and_service_with_counts_and_no_full_nik(app, officer):
    today = office_today()
    add_visit(app, "KTP-0001", queue=1, answers=BUDI, chat_name="Pak Budi")
    add_visit(app, "KTP-0002", queue=2, slot="siang", answers=SITI)
    add_visit(app, "REK-0001", service="ktp_recording", queue=1, chat_name="Ibu Rina")  # no name answered
    add_visit(app, "KTP-0003", queue=3, answers=BUDI, status="cancelled")
    add_visit(app, "KTP-0004", place="muara_wahau", slot="", answers=BUDI)
    add_visit(app, "KTP-0005", day=today + timedelta(days=1), answers=SITI)

    html = page(officer)  # the first place, every service
    assert f"Loket — {SANGATTA}" in html and 'href="/inbox/counter">Loket</a>' in html
    listed = rows(html)
    assert list(listed) == ["KTP-0001", "KTP-0002", "REK-0001"]  # cancelled, other places and days left out
    status, text = listed["KTP-0001"]
    assert status == "booked" and "001" in text and "Cetak KTP-el" in text and "08.00–10.00 WITA" in text
    assert "Budi Santoso" in text and "di chat: Pak Budi" in text and "NIK 6408********0001" in text
    assert "Terjadwal" in text and "Kode jadwal ini (cukup ditunjukkan dari HP)" in text
    assert "Ibu Rina" in listed["REK-0001"][1]  # the chat's name when none was answered
    assert FATHER_NIK not in html and MOTHER_NIK not in html
    assert (count(html, "booked"), count(html, "checked_in"), count(html, "served"), count(html, "no_show")) == (3, 0, 0, 0)
    assert "Dibatalkan: 1" in html

    assert list(rows(page(officer, service="ktp_recording"))) == ["REK-0001"]
    assert list(rows(page(officer, place="sangatta", service="ktp_print"))) == ["KTP-0001", "KTP-0002"]
    wahau = page(officer, place="muara_wahau")
    assert list(rows(wahau)) == ["KTP-0004"] and "Sepanjang hari" in rows(wahau)["KTP-0004"][1]
    assert list(rows(page(officer))) == ["KTP-0004"]  # the place is remembered
    tomorrow = page(officer, place="sangatta", day=(today + timedelta(days=1)).isoformat())
    assert list(rows(tomorrow)) == ["KTP-0005"] and "Check-in hanya untuk jadwal hari ini." in tomorrow
    assert 'id="check-in-form"' not in tomorrow
    viewed = audits(app, "counter_viewed")[-1]
    assert viewed.actor == f"officer:{officer.officer_id}" and viewed.detail["day"] == (today + timedelta(days=1)).isoformat()


def test_check_in_by_queue_number_needs_the_service_chosen(app, officer):
    add_visit(app, "KTP-0001", queue=1, answers=BUDI)
    add_visit(app, "KTP-0002", queue=2, answers=SITI)
    add_visit(app, "REK-0001", service="ktp_recording", queue=2)

    assert "Pilih layanan dulu: nomor antrean berlaku per layanan." in flash(check_in(officer, "2"))
    html = check_in(officer, "2", service="ktp_print")
    assert flash(html) == "KTP-0002 (antrean 002, Cetak KTP-el) hadir: Siti Aminah."
    status, text = rows(html)["KTP-0002"]
    assert status == "checked_in" and "Sudah hadir" in text
    assert count(html, "checked_in") == 1 and count(html, "booked") == 1
    assert status_of(app, "REK-0001").status == "booked"  # the same number of another service
    assert flash(check_in(officer, "9", service="ktp_print")) == \
        f"Tidak ada antrean 009 untuk Cetak KTP-el hari ini di {SANGATTA}."
    [entry] = audits(app, "appointment_checked_in")
    assert entry.actor == f"officer:{officer.officer_id}" and entry.target_type == "appointments"
    assert entry.detail == {"code": "KTP-0002", "via": "number", "place": "sangatta"}
    assert status_of(app, "KTP-0002").checked_in_at is not None


def test_check_in_by_code_and_every_refusal_said_plainly(app, officer):
    today = office_today()
    add_visit(app, "KTP-0001", answers=BUDI)
    add_visit(app, "KTP-0002", queue=2, answers=SITI, status="cancelled")
    add_visit(app, "KTP-0003", queue=3, day=today + timedelta(days=2))
    add_visit(app, "KTP-0004", queue=4, day=today - timedelta(days=1))
    add_visit(app, "KTP-0005", place="muara_wahau", slot="")

    assert flash(check_in(officer, " ktp-0001 ")).startswith("KTP-0001 (antrean 001, Cetak KTP-el) hadir: Budi Santoso")
    again = flash(check_in(officer, "KTP-0001"))
    assert re.fullmatch(r"KTP-0001 sudah check-in pukul \d\d:\d\d WITA \(antrean 001\)\.", again)
    assert flash(check_in(officer, "KTP-0002")).startswith("KTP-0002 sudah dibatalkan warga; tidak bisa check-in.")
    assert "bukan hari ini. Warga dapat datang pada hari itu" in flash(check_in(officer, "KTP-0003"))
    assert "sudah lewat, bukan hari ini" in flash(check_in(officer, "KTP-0004"))
    assert flash(check_in(officer, "KTP-0005")) == \
        f"KTP-0005 terjadwal di UPT Layanan Kecamatan Muara Wahau, bukan di {SANGATTA}."
    assert flash(check_in(officer, "KTP-9999")) == "Kode booking KTP-9999 tidak ditemukan."
    assert flash(check_in(officer, "http://contoh.test/v/TIDAKADA1234")).startswith(
        "Kode ini bukan bukti jadwal kedatangan dari kantor ini.")
    assert flash(check_in(officer, "")).startswith("Ketik nomor antrean atau kode booking")
    assert [status_of(app, f"KTP-000{n}").status for n in range(1, 6)] == \
        ["checked_in", "cancelled", "booked", "booked", "booked"]
    assert [e.detail["via"] for e in audits(app, "appointment_checked_in")] == ["code"]
    # at Muara Wahau's counter the same booking checks in
    assert flash(check_in(officer, "KTP-0005", place="muara_wahau")).startswith("KTP-0005 (antrean 001")


def test_the_real_slip_qr_link_checks_a_chat_booking_in(app, officer):
    code = book_print_visit(Chat(app.test_client(), "warga-1"), "Budi Santoso", FATHER_NIK)
    move_to(app, code, office_today())
    html = check_in(officer, f"http://testserver/v/{slip_link(app, code)}")
    assert flash(html).startswith(f"{code} (antrean 001, Cetak KTP-el) hadir: Budi Santoso")
    assert rows(html)[code][0] == "checked_in"
    assert audits(app, "appointment_checked_in")[0].detail["via"] == "qr"


def test_served_and_not_come_are_marked_and_audited(app, officer):
    today = office_today()
    add_visit(app, "KTP-0001", answers=BUDI)
    add_visit(app, "KTP-0002", queue=2, answers=SITI)
    add_visit(app, "KTP-0003", queue=3, day=today + timedelta(days=1))

    assert flash(post(officer, "/inbox/counter/KTP-0001/mark", action="served")) == "KTP-0001 belum check-in."
    html = page(officer)
    assert "Dilayani" not in rows(html)["KTP-0001"][1] and "Tidak datang" in rows(html)["KTP-0001"][1]
    check_in(officer, "KTP-0001")
    html = page(officer)
    assert "Dilayani" in rows(html)["KTP-0001"][1] and "Tidak datang" not in rows(html)["KTP-0001"][1]
    html = post(officer, "/inbox/counter/KTP-0001/mark", action="served")
    assert flash(html) == "KTP-0001: sudah dilayani." and rows(html)["KTP-0001"][0] == "served"
    html = post(officer, "/inbox/counter/KTP-0002/mark", action="no_show")
    assert flash(html) == "KTP-0002: tidak hadir." and rows(html)["KTP-0002"][0] == "no_show"
    assert (count(html, "booked"), count(html, "checked_in"), count(html, "served"), count(html, "no_show")) == (0, 0, 1, 1)
    assert flash(post(officer, "/inbox/counter/KTP-0002/mark", action="served")) == \
        "KTP-0002 sudah ditandai tidak datang."
    assert flash(check_in(officer, "KTP-0002")).startswith("KTP-0002 sudah ditandai tidak datang")
    assert flash(post(officer, "/inbox/counter/KTP-0003/mark", action="no_show")).startswith(
        "Jadwal KTP-0003 (") and status_of(app, "KTP-0003").status == "booked"
    served, gone = status_of(app, "KTP-0001"), status_of(app, "KTP-0002")
    assert served.served_at is not None and served.served_at >= served.checked_in_at and gone.no_show_at is not None
    actor = f"officer:{officer.officer_id}"
    assert [(e.actor, e.detail["code"]) for e in audits(app, "appointment_served")] == [(actor, "KTP-0001")]
    assert [(e.actor, e.detail["code"]) for e in audits(app, "appointment_no_show")] == [(actor, "KTP-0002")]


def test_the_counter_needs_a_signed_in_officer_and_the_form_token(app, officer):
    add_visit(app, "KTP-0001", answers=BUDI)
    stranger = app.test_client()
    assert stranger.get("/inbox/counter").headers["Location"].startswith("/inbox/login")
    assert stranger.post("/inbox/counter/check-in", data={"kode": "KTP-0001"}).status_code == 400  # no token
    assert officer.post("/inbox/counter/check-in", data={"kode": "KTP-0001", "csrf_token": "palsu"}).status_code == 400
    assert status_of(app, "KTP-0001").status == "booked"


def test_an_officers_phone_on_the_slip_link_checks_in_and_a_strangers_sees_only_the_verification(app, officer):
    code = book_print_visit(Chat(app.test_client(), "warga-1"), "Budi Santoso", FATHER_NIK)
    link = f"/v/{slip_link(app, code)}"
    stranger = unescape(app.test_client().get(link).get_data(as_text=True))
    assert "Dokumen ini asli" in stranger and code in stranger
    assert "Check-in" not in stranger and "Budi Santoso" not in stranger and "Bu** Sa*****" in stranger

    future = unescape(officer.get(link).get_data(as_text=True))  # booked for a later day
    assert 'data-testid="counter"' in future and "bukan hari ini" in future
    assert '<button type="submit">Check-in</button>' not in future

    move_to(app, code, office_today())
    mine = unescape(officer.get(link).get_data(as_text=True))
    assert "Budi Santoso" in mine and "NIK 6408********0001" in mine and FATHER_NIK not in mine
    assert '<button type="submit">Check-in</button>' in mine
    token = form_token(mine.split('data-testid="counter"')[1])
    done = officer.post("/inbox/counter/check-in", data={
        "csrf_token": token, "kode": slip_link(app, code), "from": "verify",
        "doc": slip_link(app, code), "place": "sangatta"})
    assert done.status_code == 303 and done.headers["Location"].endswith(link)
    after = unescape(officer.get(link).get_data(as_text=True))
    assert flash(after).startswith(f"{code} (antrean 001, Cetak KTP-el) hadir: Budi Santoso")
    assert 'data-status="checked_in"' in after and "sudah check-in pukul" in after
    history = re.search(r'data-testid="counter-history">(.*?)</ul>', after, re.S).group(1)
    assert "Dijadwalkan warga — Warga" in history
    assert "Hadir (check-in) (lewat QR bukti jadwal) — Siti Petugas" in history
    assert status_of(app, code).status == "checked_in"
    verified = audits(app, "document_verified")
    assert [e.actor for e in verified] == ["public", f"officer:{officer.officer_id}", f"officer:{officer.officer_id}",
                                            f"officer:{officer.officer_id}"]


def test_an_officers_phone_at_another_place_is_told_where_the_visit_is(app, officer):
    code = book_print_visit(Chat(app.test_client(), "warga-1"), "Budi Santoso", FATHER_NIK, place="muara_wahau")
    move_to(app, code, office_today())
    page(officer, place="sangatta")  # this officer works at Sangatta
    link = f"/v/{slip_link(app, code)}"
    mine = unescape(officer.get(link).get_data(as_text=True))
    assert re.search(r'<option value="sangatta" selected>', mine)
    token = form_token(mine.split('data-testid="counter"')[1])
    officer.post("/inbox/counter/check-in", data={"csrf_token": token, "kode": slip_link(app, code),
                                                  "from": "verify", "doc": slip_link(app, code),
                                                  "place": "sangatta"})
    after = unescape(officer.get(link).get_data(as_text=True))
    assert flash(after).startswith(f"{code} terjadwal di ") and f"bukan di {SANGATTA}." in flash(after)
    assert status_of(app, code).status == "booked"


def test_a_mark_pressed_wrongly_is_undone_audited_and_the_officer_told(app, officer):
    today = office_today()
    add_visit(app, "KTP-0001", answers=BUDI)
    add_visit(app, "KTP-0002", queue=2, answers=SITI)
    add_visit(app, "KTP-0003", queue=3, day=today - timedelta(days=1), status="no_show")
    html = post(officer, "/inbox/counter/KTP-0002/mark", action="no_show")
    assert "Batalkan tanda" in rows(html)["KTP-0002"][1] and "Batalkan tanda" not in rows(html)["KTP-0001"][1]

    # Siti turns up late: the mark is undone, and she checks in
    html = post(officer, "/inbox/counter/KTP-0002/undo")
    assert flash(html) == "KTP-0002: tanda “Tidak datang” dibatalkan. Kembali terjadwal: warga dapat check-in sekarang."
    assert rows(html)["KTP-0002"][0] == "booked" and status_of(app, "KTP-0002").no_show_at is None
    assert flash(check_in(officer, "KTP-0002")).startswith("KTP-0002 (antrean 002, Cetak KTP-el) hadir: Siti Aminah")

    # Dilayani pressed on the wrong line: back to checked in, served again later
    check_in(officer, "KTP-0001")
    post(officer, "/inbox/counter/KTP-0001/mark", action="served")
    html = post(officer, "/inbox/counter/KTP-0001/undo")
    assert flash(html) == ("KTP-0001: tanda “Dilayani” dibatalkan. Kembali ke status sudah hadir: "
                           "tekan Dilayani setelah selesai dilayani.")
    status, text = rows(html)["KTP-0001"]
    assert status == "checked_in" and "Dilayani" in text and "Batalkan tanda" not in text
    assert status_of(app, "KTP-0001").served_at is None and status_of(app, "KTP-0001").checked_in_at is not None

    # nothing to undo, and a past day's mark stands
    assert flash(post(officer, "/inbox/counter/KTP-0001/undo")) == \
        "KTP-0001 sudah hadir (check-in): tidak ada tanda untuk dibatalkan."
    assert flash(post(officer, "/inbox/counter/KTP-0003/undo")).startswith(
        "Tanda KTP-0003 hanya bisa dibatalkan pada hari jadwalnya")
    assert status_of(app, "KTP-0003").status == "no_show"
    actor = f"officer:{officer.officer_id}"
    assert [(e.actor, e.detail) for e in audits(app, "appointment_mark_undone")] == [
        (actor, {"code": "KTP-0002", "undone": "no_show", "status": "booked"}),
        (actor, {"code": "KTP-0001", "undone": "served", "status": "checked_in"})]


def test_the_cancelled_bookings_are_shown_folded_apart(app, officer):
    add_visit(app, "KTP-0001", answers=BUDI)
    add_visit(app, "KTP-0002", queue=2, answers=SITI, status="cancelled")
    html = page(officer)
    assert list(rows(html)) == ["KTP-0001"]
    folded = html[html.index('data-testid="cancelled-visits"'):]
    assert "<summary>Dibatalkan warga (1)</summary>" in folded
    assert 'data-testid="cancelled-visit" data-code="KTP-0002"' in folded and "Siti Aminah" in folded
    assert "Check-in" not in folded.split("</details>")[0] and MOTHER_NIK not in html


def test_a_day_an_officer_closed_shows_a_banner_and_takes_no_check_in(app, officer):
    from flows import appointments as ap

    today = office_today()
    add_visit(app, "KTP-0001", answers=BUDI)
    add_visit(app, "KTP-0002", queue=2, answers=SITI)
    add_visit(app, "REK-0001", service="ktp_recording", queue=1)
    with app.app_context(), db.new_session() as s:
        ap.change_day(s, "officer:1", "sangatta", "ktp_print", today, closed=True, reason="listrik padam")
        s.commit()

    html = page(officer, place="sangatta", service="")
    banner = re.sub(r"\s+", " ", re.search(r'data-testid="closed-banner">(.*?)</div>', html, re.S).group(1))
    assert f"Cetak KTP-el di {SANGATTA} ditutup petugas pada" in banner and "(listrik padam)" in banner
    assert "Perekaman KTP-el" not in banner  # the other service is open
    assert 'data-testid="closed-banner"' not in page(officer, service="ktp_recording")

    refused = flash(check_in(officer, "KTP-0001"))
    assert "ditutup petugas" in refused and "KTP-0001 tidak bisa check-in." in refused
    assert "dibuka kembali di menu Jadwal" in refused and status_of(app, "KTP-0001").status == "booked"
    assert "Tidak datang" not in rows(page(officer, service="ktp_print"))["KTP-0002"][1]
    no_show = flash(post(officer, "/inbox/counter/KTP-0002/mark", action="no_show"))
    assert no_show.endswith("Warga yang tidak datang tidak ditandai tidak datang.")
    assert status_of(app, "KTP-0002").status == "booked"
    assert flash(check_in(officer, "REK-0001", service="ktp_recording")).startswith("REK-0001 (antrean 001")

    with app.app_context(), db.new_session() as s:  # opened again: the counter works as before
        ap.change_day(s, "officer:1", "sangatta", "ktp_print", today)
        s.commit()
    assert flash(check_in(officer, "KTP-0001")).startswith("KTP-0001 (antrean 001, Cetak KTP-el) hadir")
    assert 'data-testid="closed-banner"' not in page(officer)
