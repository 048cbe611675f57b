"""The officers' inbox: signing in, and the messages that could not be delivered."""
import re

import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.models import AuditLog, Outbox
from tests.channel_drivers import outbox
from tests.inbox_drivers import PASSWORD, add_officer, form_token, sign_in
from tests.twilio_drivers import CITIZEN, deliver, owe


def post_form(client, path: str, page_path: str = "/inbox/failures"):
    """Press a button on an inbox page: its form, with the page's token."""
    page = client.get(page_path)
    return client.post(path, data={"csrf_token": form_token(page.get_data(as_text=True))})


def audit_actions(app) -> list[AuditLog]:
    """Every audit entry, oldest first."""
    with app.app_context():
        return db.session().execute(select(AuditLog).order_by(AuditLog.id)).scalars().all()


def failed_send(app, fake_twilio, code: int = 21211) -> int:
    """A reply Twilio refuses for good; returns its outbox row id."""
    fake_twilio["fail_to"][f"whatsapp:{CITIZEN}"] = {"status": 400, "code": code}
    deliver(app, owe(app, {"text": "Permohonan Bapak/Ibu sudah kami terima."}))
    [row] = outbox(app)
    assert row.status == "failed"
    return row.id


# ---- signing in --------------------------------------------------------------------------------------
def test_the_inbox_sends_a_visitor_to_the_sign_in_page(sqlite_app):
    client = sqlite_app.test_client()
    response = client.get("/inbox/failures")
    assert response.status_code == 302 and response.location == "/inbox/login?next=/inbox/failures"
    assert "Masuk petugas" in client.get(response.location).get_data(as_text=True)


def test_signing_in_leads_back_to_the_page_asked_for(sqlite_app):
    add_officer(sqlite_app)
    client = sqlite_app.test_client()
    response = sign_in(client, next_path="/inbox/failures")
    assert response.status_code == 302 and response.location == "/inbox/failures"
    page = client.get("/inbox/failures").get_data(as_text=True)
    assert "Siti Petugas" in page and "Tidak ada pesan yang gagal terkirim." in page
    assert [e.action for e in audit_actions(sqlite_app)] == ["officer_login", "send_failures_viewed"]


def test_after_signing_in_the_next_address_cannot_leave_the_inbox(sqlite_app):
    add_officer(sqlite_app)
    response = sign_in(sqlite_app.test_client(), next_path="https://contoh-jahat.example/inbox")
    assert response.location == "/inbox/"


@pytest.mark.parametrize("username, password, active", [
    ("siti", "salah", True), ("tidak-ada", PASSWORD, True), ("siti", PASSWORD, False),
])
def test_a_wrong_name_password_or_inactive_officer_is_refused_alike(sqlite_app, username, password, active):
    add_officer(sqlite_app, active=active)
    client = sqlite_app.test_client()
    response = sign_in(client, username, password)
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    assert client.get("/inbox/failures").status_code == 302  # still not signed in
    [entry] = audit_actions(sqlite_app)
    assert (entry.action, entry.target_id) == ("officer_login_failed", username)
    assert password not in repr(entry.detail)


def test_failures_slow_down_the_next_attempt_but_never_lock_out_other_officers(sqlite_app):
    # The throttle in full (per name, per address, in parallel): tests/test_inbox_security.py.
    add_officer(sqlite_app)
    client = sqlite_app.test_client()
    for _ in range(3):
        assert sign_in(client, password="tebak").status_code == 401
    response = sign_in(client)  # even the right password, for a moment
    assert response.status_code == 429
    assert re.search(r"Terlalu banyak percobaan gagal\. Coba lagi dalam \d detik\.", response.get_data(as_text=True))
    add_officer(sqlite_app, username="budi")
    elsewhere = sqlite_app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert sign_in(elsewhere, username="budi").status_code == 302  # other officers elsewhere are not held up


def test_a_form_without_the_session_token_is_refused(sqlite_app):
    add_officer(sqlite_app)
    client = sqlite_app.test_client()
    response = client.post("/inbox/login", data={"username": "siti", "password": PASSWORD})
    assert response.status_code == 400
    assert "Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi." in response.get_data(as_text=True)
    assert client.get("/inbox/failures").status_code == 302


def test_signing_out_ends_the_session(sqlite_app):
    add_officer(sqlite_app)
    client = sqlite_app.test_client()
    sign_in(client)
    response = post_form(client, "/inbox/logout")
    assert response.location == "/inbox/login"
    assert "Anda sudah keluar." in client.get("/inbox/login").get_data(as_text=True)
    assert client.get("/inbox/failures").status_code == 302


def test_a_rotated_secret_key_keeps_officers_in_only_while_the_old_key_is_a_fallback(sqlite_app):
    add_officer(sqlite_app)
    active, away = sqlite_app.test_client(), sqlite_app.test_client()
    sign_in(active)
    sign_in(away)
    sqlite_app.config.update(SECRET_KEY="kunci-baru", SECRET_KEY_FALLBACKS=["test-secret"])
    assert active.get("/inbox/failures").status_code == 200  # its cookie is signed anew, with the new key
    sqlite_app.config["SECRET_KEY_FALLBACKS"] = []
    assert active.get("/inbox/failures").status_code == 200
    assert away.get("/inbox/failures").status_code == 302  # still signed with the retired key


def test_the_session_cookie_is_http_only_lax_and_secure_behind_https(sqlite_app, tmp_path, sqlite_template):
    from tests.conftest import _sqlite_app

    add_officer(sqlite_app)
    cookie = sign_in(sqlite_app.test_client()).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https_dir = tmp_path / "https"
    https_dir.mkdir()
    https_app = _sqlite_app(https_dir, sqlite_template, PUBLIC_BASE_URL="https://sapa.example")
    add_officer(https_app)
    assert "Secure" in sign_in(https_app.test_client()).headers["Set-Cookie"]


# ---- send failures --------------------------------------------------------------------------------------
def test_a_message_refused_for_good_is_shown_with_the_citizen_and_the_reason(twilio_app, fake_twilio):
    failed_send(twilio_app, fake_twilio)
    add_officer(twilio_app)
    client = twilio_app.test_client()
    sign_in(client)
    page = client.get("/inbox/failures").get_data(as_text=True)
    assert page.count('data-testid="failure"') == 1
    assert "Warga Uji" in page and f"WhatsApp (Twilio) {CITIZEN}" in page
    assert "Balasan: Permohonan Bapak/Ibu sudah kami terima." in page
    assert "twilio HTTP 400 code 21211: nomor tujuan tidak valid" in page
    viewed = [e for e in audit_actions(twilio_app) if e.action == "send_failures_viewed"]
    assert [e.detail for e in viewed] == [{"shown": 1}] and viewed[0].actor.startswith("officer:")


def test_send_again_delivers_it_once_the_number_works(twilio_app, fake_twilio):
    row_id = failed_send(twilio_app, fake_twilio)
    fake_twilio["fail_to"].clear()  # e.g. the citizen activated WhatsApp on that number
    add_officer(twilio_app)
    client = twilio_app.test_client()
    sign_in(client)
    response = post_form(client, f"/inbox/failures/{row_id}/retry")
    assert response.location == "/inbox/failures"
    page = client.get("/inbox/failures").get_data(as_text=True)
    assert f"Pesan #{row_id} dijadwalkan untuk dikirim ulang." in page
    assert "Tidak ada pesan yang gagal terkirim." in page
    [row] = outbox(twilio_app)
    assert row.status == "sent"
    assert [m["Body"] for m in fake_twilio["messages"]] == ["Permohonan Bapak/Ibu sudah kami terima."]
    assert "send_retry_requested" in [e.action for e in audit_actions(twilio_app)]


def test_a_failure_dealt_with_is_closed_and_a_second_officer_is_told(twilio_app, fake_twilio):
    row_id = failed_send(twilio_app, fake_twilio)
    add_officer(twilio_app)
    first, second = twilio_app.test_client(), twilio_app.test_client()
    sign_in(first)
    sign_in(second)
    second_page = second.get("/inbox/failures").get_data(as_text=True)  # opened before the first acts
    post_form(first, f"/inbox/failures/{row_id}/dismiss")
    assert "ditandai sudah ditangani" in first.get("/inbox/failures").get_data(as_text=True)
    response = second.post(f"/inbox/failures/{row_id}/retry", data={"csrf_token": form_token(second_page)})
    assert response.status_code == 404
    assert "Pesan ini tidak ada atau sudah ditangani petugas lain." in response.get_data(as_text=True)
    [row] = outbox(twilio_app)
    assert row.status == "dismissed" and fake_twilio["messages"] == []


def test_the_failures_page_works_on_postgresql(pg_app):
    from bot.core.inbound_store import get_contact

    with pg_app.app_context(), db.new_session() as s:
        contact = get_contact(s, "messenger", "psid-1234", "Ibu Ani")
        s.flush()
        s.add(Outbox(contact_id=contact.id, kind="reply", payload={"text": "halo"}, status="failed",
                     attempts=6, last_error="graph HTTP 500"))
        s.commit()
    add_officer(pg_app)
    client = pg_app.test_client()
    sign_in(client)
    page = client.get("/inbox/failures").get_data(as_text=True)
    assert "Ibu Ani" in page and "Messenger" in page and "psid-1234" not in page and "graph HTTP 500" in page
    [row_id] = re.findall(r"/inbox/failures/(\d+)/dismiss", page)
    post_form(client, f"/inbox/failures/{row_id}/dismiss")
    assert "Tidak ada pesan yang gagal terkirim." in client.get("/inbox/failures").get_data(as_text=True)
