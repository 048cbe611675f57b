"""Officer sign-in: a signed session cookie ended server-side, CSRF tokens on every form, a
throttle per user name and per client address, and an optional TOTP code."""
import hashlib
import hmac
import ipaddress
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

import pyotp
from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import delete, or_, select, update
from werkzeug.security import check_password_hash

from bot.core import db
from bot.core.models import Officer, SignInThrottle, as_utc, audit, utcnow
from bot.web.inbox.blueprint import bp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """How one kind of throttle key slows down: `free` failures cost nothing, each further one
    doubles the wait (capped); failures older than `window` are forgotten."""
    free: int
    cap_seconds: int
    window: timedelta

    def delay(self, failures: int) -> timedelta:
        """The wait after this many recent failures."""
        if failures <= self.free:
            return timedelta(0)
        return timedelta(seconds=min(2 ** (failures - self.free), self.cap_seconds))


# The address's wait is what grows (up to 15 minutes): one client cannot try many passwords or
# many names. The name's wait stays short (15 s at most), so an attacker elsewhere can slow a
# real officer down a little but never keep them out; from the address of the officer's last
# successful sign-in the name's wait does not apply at all.
ADDRESS = Limits(free=2, cap_seconds=15 * 60, window=timedelta(hours=1))
USERNAME = Limits(free=2, cap_seconds=15, window=timedelta(minutes=15))
# An attempt being checked holds its keys (at most this long), so parallel guesses wait their turn.
HOLD = timedelta(seconds=10)
# A password accepted for an officer with TOTP waits this long for the code.
CODE_WAIT = timedelta(minutes=5)
# Checked against when the user name is unknown, so both cases take the same time.
_NO_SUCH_OFFICER = "scrypt:32768:8:1$AAAAAAAAAAAAAAAA$" + "0" * 128


def current_officer() -> Officer | None:
    """The signed-in, still active officer of this request, if any."""
    if "officer" not in g:
        officer_id = session.get("officer_id")
        officer = db.session().get(Officer, officer_id) if isinstance(officer_id, int) else None
        # Signing out, a new password or deactivation raised the version: this cookie is over.
        current = officer is not None and officer.active and officer.session_version == session.get("sv")
        g.officer = officer if current else None
    return g.officer


def login_required(view):
    """Send a visitor without a session to the sign-in page (and back afterwards)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_officer() is None:
            return redirect(url_for("inbox.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


def csrf_token() -> str:
    """This session's form token (created on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


@bp.before_request
def _check_csrf():
    """Refuse a form post that does not carry this session's token (a cross-site forgery)."""
    if request.method == "POST":
        sent, expected = request.form.get("csrf_token", ""), session.get("csrf", "")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            abort(400, description="Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi.")


@bp.errorhandler(400)
@bp.errorhandler(404)
@bp.errorhandler(409)
def _refused(err):
    """A refused or stale action, said in the inbox's own page and language."""
    return render_template("inbox/error.html", message=err.description, officer=current_officer(),
                           back=_same_inbox_page(request.referrer)), err.code


def _same_inbox_page(referrer: str | None) -> str | None:
    """The inbox page the officer came from (never another site), for a link back."""
    parts = urlsplit(referrer or "")
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "") if parts.path.startswith("/inbox") else None


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path inside the inbox (never another site)."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/inbox"):
        return url_for("inbox.home")
    return target


# ---- the throttle -------------------------------------------------------------------------------
def client_address() -> str:
    """The client's address as the throttle counts it: `request.remote_addr` (behind a reverse
    proxy, ProxyFix must be configured, or every officer shares the proxy's address); an IPv6
    client by its /64 network, which one household or host usually holds whole."""
    address = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _key(kind: str, value: str) -> str:
    """The stored key for a user name or an address: keyed, so the table holds neither."""
    secret = str(current_app.secret_key or "").encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _keys(officer: Officer | None, username: str, address: str) -> list[tuple[str, Limits]]:
    """The throttle keys an attempt counts against: its address, and its user name unless it
    comes from where this officer last signed in."""
    address_key = _key("address", address)
    keys = [(address_key, ADDRESS)]
    if officer is None or officer.usual_address is None or not hmac.compare_digest(officer.usual_address, address_key):
        keys.append((_key("username", username.lower()), USERNAME))
    return sorted(keys)  # one order for everyone: no deadlock between two attempts


def _throttle_session(s) -> None:
    """Writes to the throttle table are serialised: an IMMEDIATE transaction on SQLite."""
    if s.get_bind().dialect.name == "sqlite":
        s.connection(execution_options={"sqlite_immediate": True})


def _claim(keys: list[tuple[str, Limits]]) -> timedelta | None:
    """Take the next attempt for every key (held until it is settled), or say how long to wait.

    One conditional statement per key, committed before the password is checked: of attempts
    arriving together, one gets the keys and the others are refused."""
    now = utcnow()
    with db.new_session() as s:
        _throttle_session(s)
        insert = db.insert_for(s)
        for key, _limits in keys:
            taken = s.execute(insert(SignInThrottle).values(
                key=key, failures=0, blocked_until=now + HOLD).on_conflict_do_nothing(
                index_elements=["key"]).returning(SignInThrottle.key)).scalar()
            if taken is None:
                taken = s.execute(update(SignInThrottle).where(
                    SignInThrottle.key == key, SignInThrottle.blocked_until <= now).values(
                    blocked_until=now + HOLD).returning(SignInThrottle.key)).scalar()
            if taken is None:
                s.rollback()  # the keys taken so far are given back
                until = max((as_utc(t) for t in s.execute(select(SignInThrottle.blocked_until).where(
                    SignInThrottle.key.in_([k for k, _ in keys]))).scalars()), default=now)
                s.rollback()
                return max(until - now, timedelta(seconds=1))
        s.commit()
    return None


def _settle(keys: list[tuple[str, Limits]], failed: bool) -> None:
    """After the check: a failure sets each key's next allowed time by its recent failures; a
    success gives the keys back and forgets the user name's failures (not the address's)."""
    now = utcnow()
    with db.new_session() as s:
        _throttle_session(s)
        for key, limits in keys:
            row = s.execute(select(SignInThrottle).where(SignInThrottle.key == key).with_for_update()).scalar_one_or_none()
            if row is None:
                continue
            if failed:
                recent = row.last_failure_at is not None and as_utc(row.last_failure_at) > now - limits.window
                row.failures = row.failures + 1 if recent else 1
                row.last_failure_at = now
                row.blocked_until = now + limits.delay(row.failures)
            else:
                row.blocked_until = now
                if limits is USERNAME:
                    row.failures, row.last_failure_at = 0, None
        if not failed:  # keep the table small: keys quiet for a day are forgotten
            day_ago = now - timedelta(days=1)
            s.execute(delete(SignInThrottle).where(SignInThrottle.blocked_until < day_ago, or_(
                SignInThrottle.last_failure_at.is_(None), SignInThrottle.last_failure_at < day_ago)))
        s.commit()


def _too_many(wait: timedelta, template: str, **context):
    """429: the sign-in page again, saying when the next attempt is allowed."""
    seconds = math.ceil(wait.total_seconds())
    when = f"{seconds} detik" if seconds < 60 else f"{math.ceil(seconds / 60)} menit"
    log.warning("inbox sign-in throttled")
    response = current_app.make_response((render_template(
        template, error=f"Terlalu banyak percobaan gagal. Coba lagi dalam {when}.", **context), 429))
    response.headers["Retry-After"] = str(seconds)
    return response


# ---- TOTP -----------------------------------------------------------------------------------------------
def totp_step(secret: str, code: str, at=None) -> int | None:
    """The time step whose code this is (this step, or one either side for a clock a little
    off), or None."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    at = at or utcnow()
    found = None
    for offset in (-1, 0, 1):
        moment = at + timedelta(seconds=offset * totp.interval)
        if hmac.compare_digest(totp.at(moment), code):
            found = totp.timecode(moment)
    return found


def _use_code(s, officer: Officer, code: str) -> bool:
    """Accept a code once: its step must be later than the last step accepted (one statement,
    so two requests with the same code cannot both pass)."""
    step = totp_step(officer.totp_secret or "", code)
    if step is None:
        return False
    taken = s.execute(update(Officer).where(
        Officer.id == officer.id,
        or_(Officer.totp_last_step.is_(None), Officer.totp_last_step < step)).values(
        totp_last_step=step).returning(Officer.id))
    return taken.scalar() is not None


# ---- the pages ---------------------------------------------------------------------------------------
def _detached(s, officer: Officer | None) -> Officer | None:
    """The officer as read, with the request's read transaction ended: on SQLite a transaction
    that read before the throttle's commits could not write afterwards."""
    if officer is not None:
        s.expunge(officer)
    s.rollback()
    return officer


def _failed(s, username: str, keys, step: str | None = None) -> None:
    """A failed attempt: counted by the throttle and in the audit log (the name, never a password)."""
    _settle(keys, failed=True)
    entry = audit(s, "anonymous", "officer_login_failed", **({"step": step} if step else {}))
    entry.target_type, entry.target_id = "officers", username
    s.commit()


def _start_session(s, officer: Officer, keys):
    """Both steps passed: the officer's session starts (a fresh cookie and CSRF token)."""
    _settle(keys, failed=False)
    officer = s.get(Officer, officer.id)
    officer.usual_address = _key("address", client_address())
    audit(s, f"officer:{officer.id}", "officer_login", officer)
    s.commit()
    target = session.get("pending", {}).get("next") if "pending" in session else request.form.get("next")
    session.clear()
    session.permanent = True
    session["officer_id"], session["sv"] = officer.id, officer.session_version
    return redirect(_safe_next(target))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; on success the officer's session starts (or the code is asked)."""
    if request.method == "GET":
        if current_officer() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("inbox/login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()[:80]
    password = request.form.get("password", "")
    form = {"next": request.form.get("next", ""), "username": username}
    s = db.session()
    officer = _detached(s, s.execute(select(Officer).where(Officer.username == username)).scalar_one_or_none())
    keys = _keys(officer, username, client_address())
    wait = _claim(keys)
    if wait is not None:
        return _too_many(wait, "inbox/login.html", **form)
    valid = check_password_hash(officer.password_hash if officer else _NO_SUCH_OFFICER, password)
    if officer is None or not valid or not officer.active:
        _failed(s, username, keys)
        return render_template("inbox/login.html", error="Nama pengguna atau kata sandi salah.", **form), 401
    if officer.totp_secret:
        _settle(keys, failed=False)  # the code step takes the keys again
        session.clear()
        session["pending"] = {"officer_id": officer.id, "sv": officer.session_version,
                              "at": utcnow().timestamp(), "next": form["next"]}
        return redirect(url_for("inbox.login_code"))
    return _start_session(s, officer, keys)


def _pending_officer(s) -> Officer | None:
    """The officer whose password was accepted in this browser a moment ago, waiting for the code."""
    pending = session.get("pending")
    if not isinstance(pending, dict) or utcnow().timestamp() - float(pending.get("at", 0)) > CODE_WAIT.total_seconds():
        return None
    officer_id = pending.get("officer_id")
    officer = s.get(Officer, officer_id) if isinstance(officer_id, int) else None
    if officer is None or not officer.active or not officer.totp_secret or officer.session_version != pending.get("sv"):
        return None
    return officer


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step for an officer with TOTP: the 6-digit code from the authenticator app."""
    s = db.session()
    officer = _detached(s, _pending_officer(s))
    if officer is None:
        session.pop("pending", None)
        return redirect(url_for("inbox.login"))
    if request.method == "GET":
        return render_template("inbox/login_code.html")
    keys = _keys(officer, officer.username, client_address())
    wait = _claim(keys)
    if wait is not None:
        return _too_many(wait, "inbox/login_code.html")
    accepted = _use_code(s, officer, request.form.get("code", ""))
    s.commit()
    if not accepted:
        _failed(s, officer.username, keys, step="totp")
        return render_template("inbox/login_code.html", error="Kode salah atau sudah dipakai. "
                               "Masukkan kode yang sedang tampil di aplikasi autentikator."), 401
    return _start_session(s, officer, keys)


@bp.post("/logout")
def logout():
    """End the officer's session, and every other session of this officer (server-side)."""
    officer = current_officer()
    if officer is not None:
        s = db.session()
        end_sessions(s, officer)
        audit(s, f"officer:{officer.id}", "officer_logout", officer)
        s.commit()
    session.clear()
    flash("Anda sudah keluar.")
    return redirect(url_for("inbox.login"))


def end_sessions(s, officer: Officer) -> None:
    """Every session cookie of this officer stops working (at the caller's commit)."""
    s.execute(update(Officer).where(Officer.id == officer.id).values(session_version=Officer.session_version + 1))
