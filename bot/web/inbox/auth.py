"""Officer sign-in: a signed session cookie, CSRF tokens on every form, throttled failures."""
import hmac
import logging
import secrets
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from bot.core import db
from bot.core.models import AuditLog, Officer, audit, utcnow
from bot.web.inbox.blueprint import bp

log = logging.getLogger(__name__)

# Failed sign-ins per user name before it is refused for a while (counted in the audit log, so
# every web process sees the same count).
MAX_FAILURES, FAILURE_WINDOW = 5, timedelta(minutes=15)
# Checked against when the user name is unknown, so both cases take the same time.
_NO_SUCH_OFFICER = "scrypt:32768:8:1$AAAAAAAAAAAAAAAA$" + "0" * 128


def current_officer() -> Officer | None:
    """The signed-in, still active officer of this request, if any."""
    if "officer" not in g:
        officer_id = session.get("officer_id")
        officer = db.session().get(Officer, officer_id) if isinstance(officer_id, int) else None
        g.officer = officer if officer is not None and officer.active else None
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


def _recent_failures(s, username: str) -> int:
    """Failed sign-ins for this user name within the window."""
    return s.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "officer_login_failed", AuditLog.target_id == username,
        AuditLog.at > utcnow() - FAILURE_WINDOW)).scalar_one()


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; on success the officer's session starts."""
    if request.method == "GET":
        if current_officer() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("inbox/login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()[:80]
    password = request.form.get("password", "")
    s = db.session()
    if _recent_failures(s, username) >= MAX_FAILURES:
        log.warning("inbox sign-in refused: too many failures")
        return render_template("inbox/login.html", next=request.form.get("next", ""), username=username,
                               error="Terlalu banyak percobaan gagal. Coba lagi 15 menit lagi."), 429
    officer = s.execute(select(Officer).where(Officer.username == username)).scalar_one_or_none()
    valid = check_password_hash(officer.password_hash if officer else _NO_SUCH_OFFICER, password)
    if officer is None or not valid or not officer.active:
        entry = audit(s, "anonymous", "officer_login_failed")
        entry.target_type, entry.target_id = "officers", username  # the name tried, never the password
        s.commit()
        return render_template("inbox/login.html", next=request.form.get("next", ""), username=username,
                               error="Nama pengguna atau kata sandi salah."), 401
    audit(s, f"officer:{officer.id}", "officer_login", officer)
    s.commit()
    session.clear()  # a fresh session (and CSRF token) for the signed-in officer
    session.permanent = True
    session["officer_id"] = officer.id
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    """End the officer's session."""
    officer = current_officer()
    if officer is not None:
        s = db.session()
        audit(s, f"officer:{officer.id}", "officer_logout", officer)
        s.commit()
    session.clear()
    flash("Anda sudah keluar.")
    return redirect(url_for("inbox.login"))
