"""Officers' sessions end on the server, sign-in guessing is slowed per name and per address
(never into a lock an attacker can turn on a real officer), and the optional 6-digit code."""
import re
import threading
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.models import AuditLog
from tests.inbox_drivers import PASSWORD, add_officer, form_token, sign_in

OFFICE = "10.20.30.40"       # where the officer works from
ATTACKER = "203.0.113.66"    # somewhere else


@pytest.fixture
def clock(monkeypatch):
    """The sign-in's clock, standing still until a test moves it (no test waits for real time)."""
    class Clock:
        now = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)

        def advance(self, seconds: float) -> None:
            self.now += timedelta(seconds=seconds)

    found = Clock()
    monkeypatch.setattr("bot.web.inbox.auth.utcnow", lambda: found.now)
    return found


def browser(app, address: str = OFFICE):
    """A browser at an address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_out(client):
    """Press *Keluar* on an inbox page."""
    page = client.get("/inbox/failures").get_data(as_text=True)
    return client.post("/inbox/logout", data={"csrf_token": form_token(page)})


def signed_in(client) -> bool:
    """Whether this browser opens the inbox."""
    return client.get("/inbox/failures").status_code == 200


def cli(app, *args: str):
    """Run a `flask` command."""
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def failed_checks(app) -> int:
    """Sign-ins whose password (or code) was actually checked and found wrong."""
    with app.app_context(), db.new_session() as s:
        return len(s.execute(select(AuditLog).where(AuditLog.action == "officer_login_failed")).scalars().all())


# ---- sessions end on the server --------------------------------------------------------------------
def test_a_cookie_saved_before_signing_out_no_longer_opens_the_inbox(sqlite_app):
    add_officer(sqlite_app)
    client = browser(sqlite_app)
    sign_in(client)
    saved = client.get_cookie("session").value
    sign_out(client)
    thief = browser(sqlite_app, ATTACKER)
    thief.set_cookie("session", saved)
    assert thief.get("/inbox/failures").status_code == 302
    assert thief.get("/inbox/").status_code == 302


def test_signing_out_ends_the_officers_sessions_in_every_browser(sqlite_app):
    add_officer(sqlite_app)
    desk, phone = browser(sqlite_app), browser(sqlite_app)
    sign_in(desk)
    sign_in(phone)
    sign_out(desk)
    assert not signed_in(phone)
    sign_in(phone)
    assert signed_in(phone)  # signing in again works as before


def test_a_new_password_ends_every_session_and_the_old_password_stops(sqlite_app):
    add_officer(sqlite_app)
    client = browser(sqlite_app)
    sign_in(client)
    other = browser(sqlite_app)
    add_officer(sqlite_app, username="budi", name="Budi")
    sign_in(other, username="budi")
    cli(sqlite_app, "officer", "create", "siti", "--role", "operator", "--password", "sandi-baru-2026-x")
    assert not signed_in(client)
    assert signed_in(other)  # another officer is not touched
    assert sign_in(browser(sqlite_app), password=PASSWORD).status_code == 401
    fresh = browser(sqlite_app)
    assert sign_in(fresh, password="sandi-baru-2026-x").status_code == 302 and signed_in(fresh)


def test_deactivation_ends_the_sessions_and_the_api_token(app):
    add_officer(app, role="verifier")
    client = browser(app)
    sign_in(client)
    token = cli(app, "officer", "token", "siti").strip()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/requests", headers=headers).status_code == 200
    cli(app, "officer", "deactivate", "siti")
    assert not signed_in(client)
    assert app.test_client().get("/api/v1/requests", headers=headers).status_code == 401
    assert sign_in(browser(app)).status_code == 401
    # Made active again (a new password): neither the old cookie nor the old token come back.
    cli(app, "officer", "create", "siti", "--role", "verifier", "--password", "sandi-baru-2026-x")
    assert not signed_in(client)
    assert app.test_client().get("/api/v1/requests", headers=headers).status_code == 401


# ---- the throttle -----------------------------------------------------------------------------------
def test_an_attacker_hammering_a_name_cannot_keep_the_officer_out(sqlite_app, clock):
    add_officer(sqlite_app)
    assert sign_in(browser(sqlite_app)).status_code == 302  # her usual place
    attacker = browser(sqlite_app, ATTACKER)
    answers = []
    for _ in range(30):
        answers.append(sign_in(attacker, password="tebakan-salah").status_code)
        clock.advance(1)
    assert 429 in answers
    officer = browser(sqlite_app)
    assert sign_in(officer).status_code == 302 and signed_in(officer)


def test_one_address_trying_many_names_is_slowed_down_and_told_when_to_try_again(sqlite_app, clock):
    add_officer(sqlite_app)
    attacker = browser(sqlite_app, ATTACKER)
    answers = [sign_in(attacker, username=f"petugas{i}", password="tebakan-salah") for i in range(40)]
    assert [r.status_code for r in answers[:3]] == [401, 401, 401]  # a mistyped password or two costs nothing
    assert {r.status_code for r in answers[3:]} == {429}
    assert failed_checks(sqlite_app) == 3
    refused = answers[-1]
    assert "Terlalu banyak percobaan gagal. Coba lagi dalam 2 detik." in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == "2"
    # The wait doubles with every further failure, up to 15 minutes.
    waits = []
    for _ in range(12):
        refused = sign_in(attacker, username="siapa", password="tebakan-salah")
        assert refused.status_code == 429
        clock.advance(int(refused.headers["Retry-After"]))
        assert sign_in(attacker, username="siapa", password="tebakan-salah").status_code == 401
        waits.append(int(sign_in(attacker, username="siapa", password="x").headers["Retry-After"]))
    assert waits[:4] == [4, 8, 16, 32] and waits[-1] == 900
    # Another address is not held up by this one.
    assert sign_in(browser(sqlite_app, "198.51.100.7")).status_code == 302


def test_one_ipv6_network_counts_as_one_address(sqlite_app, clock):
    for i in range(3):
        assert sign_in(browser(sqlite_app, f"2001:db8:1:2::{i + 1}"), username=f"nama{i}",
                       password="tebakan-salah").status_code == 401
    assert sign_in(browser(sqlite_app, "2001:db8:1:2:ffff::9"), username="lain").status_code == 429
    assert sign_in(browser(sqlite_app, "2001:db8:1:3::1"), username="lain").status_code == 401


def test_a_name_tried_from_many_addresses_is_slowed_down_but_its_officer_gets_in(sqlite_app, clock):
    add_officer(sqlite_app)
    assert sign_in(browser(sqlite_app)).status_code == 302
    answers = [sign_in(browser(sqlite_app, f"198.51.100.{i}"), password="tebakan-salah").status_code
               for i in range(1, 21)]
    assert answers[:3] == [401, 401, 401] and set(answers[3:]) == {429}
    assert failed_checks(sqlite_app) == 3
    assert sign_in(browser(sqlite_app)).status_code == 302  # from her usual place, at once
    # From a new place she waits seconds at most, never a lock: the name's wait is capped at 15 s.
    clock.advance(15)
    assert sign_in(browser(sqlite_app, "192.0.2.200")).status_code == 302


def test_thirty_wrong_passwords_at_once_are_not_all_checked(app, clock):
    add_officer(app)
    codes, start = [], threading.Barrier(30)

    def guess():
        client = browser(app, ATTACKER)
        page = client.get("/inbox/login").get_data(as_text=True)
        start.wait()
        codes.append(client.post("/inbox/login", data={
            "csrf_token": form_token(page), "username": "siti", "password": "tebakan-salah"}).status_code)

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(codes) == 30 and set(codes) <= {401, 429}
    assert codes.count(401) <= 3 and failed_checks(app) == codes.count(401)


# ---- the 6-digit code ---------------------------------------------------------------------------------
def turn_on_totp(app, username: str = "siti") -> pyotp.TOTP:
    """`flask officer totp` prints the address an authenticator app reads."""
    uri = cli(app, "officer", "totp", username).strip()
    assert uri.startswith("otpauth://totp/") and f"{username}" in uri
    return pyotp.TOTP(parse_qs(urlsplit(uri).query)["secret"][0])


def enter_code(client, code: str):
    """The code page's form."""
    page = client.get("/inbox/login/code")
    return client.post("/inbox/login/code", data={"csrf_token": form_token(page.get_data(as_text=True)), "code": code})


def test_with_totp_the_password_alone_does_not_open_the_inbox(sqlite_app, clock):
    add_officer(sqlite_app)
    totp = turn_on_totp(sqlite_app)
    client = browser(sqlite_app)
    response = sign_in(client, next_path="/inbox/failures")
    assert response.status_code == 302 and response.location == "/inbox/login/code"
    assert "Kode 6 angka" in client.get("/inbox/login/code").get_data(as_text=True)
    assert not signed_in(client)
    wrong = enter_code(client, "000000" if totp.at(clock.now) != "000000" else "111111")
    assert wrong.status_code == 401 and "Kode salah atau sudah dipakai." in wrong.get_data(as_text=True)
    assert not signed_in(client) and failed_checks(sqlite_app) == 1
    right = enter_code(client, totp.at(clock.now))
    assert right.status_code == 302 and right.location == "/inbox/failures" and signed_in(client)


def test_a_used_code_cannot_be_used_again(sqlite_app, clock):
    add_officer(sqlite_app)
    totp = turn_on_totp(sqlite_app)
    code = totp.at(clock.now)
    first = browser(sqlite_app)
    sign_in(first)
    assert enter_code(first, code).status_code == 302
    thief = browser(sqlite_app, ATTACKER)  # saw the code over her shoulder, knows the password
    sign_in(thief)
    assert enter_code(thief, code).status_code == 401 and not signed_in(thief)
    clock.advance(30)
    assert enter_code(thief, totp.at(clock.now)).status_code == 302  # (the next code would do)


def test_wrong_codes_count_as_failures(sqlite_app, clock):
    add_officer(sqlite_app)
    totp = turn_on_totp(sqlite_app)
    client = browser(sqlite_app, ATTACKER)
    sign_in(client)
    wrong = f"{(int(totp.at(clock.now)) + 500000) % 1000000:06d}"
    assert [enter_code(client, wrong).status_code for _ in range(4)] == [401, 401, 401, 429]
    assert enter_code(client, totp.at(clock.now)).status_code == 429  # even the right one, for now
    assert not signed_in(client)


def test_the_code_page_without_a_password_first_leads_back_to_the_sign_in(sqlite_app):
    add_officer(sqlite_app)
    turn_on_totp(sqlite_app)
    client = browser(sqlite_app)
    assert client.get("/inbox/login/code").location == "/inbox/login"
    assert re.search(r"Masuk petugas", client.get("/inbox/login").get_data(as_text=True))


def test_totp_can_be_turned_off_again(sqlite_app):
    add_officer(sqlite_app)
    turn_on_totp(sqlite_app)
    cli(sqlite_app, "officer", "totp", "siti", "--off")
    client = browser(sqlite_app)
    assert sign_in(client, next_path="/inbox/failures").location == "/inbox/failures" and signed_in(client)
