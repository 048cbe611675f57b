"""Admin without a terminal (admins only): officers created, their role changed, deactivated or
active again, a new password, the sign-in code on or off, each audited (never a password or a
secret); and the office's hours and places as they hold now (edited in office_admin.py)."""
from functools import wraps

import pyotp
import segno
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from bot.core import db
from bot.core.lifecycle import ANY_OFFICER, MIN_PASSWORD, USERNAME
from bot.core.models import Officer, audit
from bot.web.inbox.auth import current_officer, end_sessions, login_required
from bot.web.inbox.blueprint import bp
from bot.web.inbox.display import DAYS, hours_text
from bot.web.inbox.roles import ROLE_LABELS, is_admin
from flows import appointments as ap


def admin_required(view):
    """Signed in, and an admin: anyone else is told so (403)."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        officer = current_officer()
        if not is_admin(officer):
            return render_template("inbox/error.html", officer=officer, back=None,
                                   message="Halaman ini hanya untuk admin."), 403
        return view(*args, **kwargs)
    return wrapped


def _password() -> str:
    password = request.form.get("password", "")
    if len(password) < MIN_PASSWORD:
        abort(400, description=f"Kata sandi paling sedikit {MIN_PASSWORD} karakter.")
    if password != request.form.get("password_again", ""):
        abort(400, description="Kedua kata sandi tidak sama. Ketik ulang.")
    return password


def _totp_setup(officer: Officer) -> dict:
    """What the new officer's authenticator app needs, shown once: the address as a QR code and
    the secret typed by hand."""
    issuer = current_app.config["OFFICE"].get("office", {}).get("short_name") or "Sapa Dukcapil"
    uri = pyotp.TOTP(officer.totp_secret).provisioning_uri(name=officer.username, issuer_name=issuer)
    return {"username": officer.username, "secret": officer.totp_secret, "uri": uri,
            "qr": Markup(segno.make(uri, error="m").svg_inline(scale=4, title="Kode QR autentikator"))}


def _hours(office: dict) -> list[tuple[str, str]]:
    hours = office.get("office", {}).get("hours", {}) or {}
    return [(DAYS[d], f"{hours[d][0]}–{hours[d][1]}" if d in hours else "tutup") for d in range(7)]


def _places(office: dict) -> list[dict]:
    services = office.get("services", {})
    found = []
    for key, place in (ap.settings(office).get("places") or {}).items():
        hours = place.get("hours")
        found.append({"key": key, "name": place.get("name", key), "address": place.get("address", ""),
                      "hours": hours_text(hours) if hours else "jam kantor",
                      "services": ", ".join(f"{services.get(svc, {}).get('title', svc)} ({spec.get('quota', '–')}/hari)"
                                            for svc, spec in (place.get("services") or {}).items())})
    return found


def _page(status: int = 200, setup: dict | None = None):
    """The admin page; a TOTP secret is only ever in this response (never in a flash, a log or the
    audit), which no cache keeps."""
    s, office = db.session(), current_app.config["OFFICE"]
    officers = s.execute(select(Officer).order_by(Officer.active.desc(), Officer.name)).scalars().all()
    audit(s, f"officer:{current_officer().id}", "officers_viewed", shown=len(officers))
    s.commit()
    response = current_app.make_response((render_template(
        "inbox/admin.html", officer=current_officer(), officers=officers, roles=ROLE_LABELS, setup=setup,
        hours=_hours(office), places=_places(office)), status))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/officers")
@admin_required
def admin_officers():
    """Every officer, with the forms to change them; the office's hours and places."""
    return _page()


@bp.post("/admin/officers")
@admin_required
def admin_officer_create():
    """A new officer, with an initial password, and the sign-in code when asked for."""
    me, s = current_officer(), db.session()
    username = request.form.get("username", "").strip().lower()
    name = request.form.get("name", "").strip()[:200]
    role = request.form.get("role", "")
    if not USERNAME.fullmatch(username):
        abort(400, description="Nama pengguna: 3–80 huruf kecil, angka, titik, garis bawah atau tanda minus.")
    if role not in ANY_OFFICER:
        abort(400, description="Pilih peran: Operator, Verifikator atau Admin.")
    password = _password()
    if s.execute(select(Officer.id).where(Officer.username == username)).scalar() is not None:
        abort(409, description=f"Nama pengguna {username} sudah dipakai.")
    found = Officer(username=username, name=name or username, role=role, active=True,
                    password_hash=generate_password_hash(password))
    with_code = request.form.get("totp") == "on"
    if with_code:
        found.totp_secret = pyotp.random_base32()
    s.add(found)
    s.flush()
    audit(s, f"officer:{me.id}", "officer_created", found, username=username, role=role, totp=with_code, via="inbox")
    s.commit()
    flash(f"Petugas {found.name} ({username}, {ROLE_LABELS[role]}) dibuat. Berikan kata sandi awalnya secara langsung, "
          "bukan lewat chat.")
    if with_code:
        return _page(setup=_totp_setup(found))
    return redirect(url_for("inbox.admin_officers"), code=303)


def _target(s, officer_id: int) -> Officer:
    found = s.get(Officer, officer_id, with_for_update=True)
    if found is None:
        abort(404, description="Petugas itu tidak ada.")
    return found


def _other_admins(s, officer: Officer) -> int:
    return s.execute(select(func.count()).select_from(Officer).where(
        Officer.role == "admin", Officer.active.is_(True), Officer.id != officer.id)).scalar()


@bp.post("/admin/officers/<int:officer_id>")
@admin_required
def admin_officer_change(officer_id: int):
    """One change to one officer: role, deactivate, activate, password, code on, code off."""
    me, s = current_officer(), db.session()
    found = _target(s, officer_id)
    action, actor, setup = request.form.get("action", ""), f"officer:{me.id}", None
    if action == "role":
        role = request.form.get("role", "")
        if role not in ANY_OFFICER:
            abort(400, description="Pilih peran: Operator, Verifikator atau Admin.")
        if found.role == "admin" and role != "admin" and _other_admins(s, found) == 0:
            abort(409, description="Harus ada paling sedikit satu admin aktif lain sebelum peran admin ini diubah.")
        before, found.role = found.role, role
        audit(s, actor, "officer_role_changed", found, role_from=before, role_to=role, via="inbox")
        done = f"Peran {found.name} sekarang {ROLE_LABELS[role]}."
    elif action == "deactivate":
        if found.id == me.id:
            abort(409, description="Anda tidak dapat menonaktifkan akun Anda sendiri.")
        if found.role == "admin" and _other_admins(s, found) == 0:
            abort(409, description="Ini admin aktif terakhir; jadikan petugas lain admin dulu.")
        found.active, found.token_hash = False, None
        end_sessions(s, found)
        audit(s, actor, "officer_deactivated", found, via="inbox")
        done = f"{found.name} dinonaktifkan; semua sesinya berakhir dan token API-nya tidak berlaku lagi."
    elif action == "activate":
        found.active = True
        audit(s, actor, "officer_reactivated", found, via="inbox")
        done = f"{found.name} aktif kembali (dengan kata sandi yang lama; ganti bila perlu)."
    elif action == "password":
        found.password_hash = generate_password_hash(_password())
        end_sessions(s, found)
        audit(s, actor, "officer_password_reset", found, via="inbox")  # never the password
        done = f"Kata sandi {found.name} diganti; sesinya yang masih terbuka berakhir."
    elif action in ("totp_on", "totp_off"):
        found.totp_secret = pyotp.random_base32() if action == "totp_on" else None
        found.totp_last_step = None
        audit(s, actor, f"officer_{action}", found, via="inbox")  # never the secret
        done = (f"Kode autentikator {found.name} dinyalakan: pindai kode QR di bawah dengan aplikasinya sekarang."
                if action == "totp_on" else f"Kode autentikator {found.name} dimatikan.")
    else:
        abort(400, description="Tindakan tidak dikenal.")
    s.commit()
    if action == "totp_on":
        setup = _totp_setup(found)
    flash(done)
    if setup:
        return _page(setup=setup)
    return redirect(url_for("inbox.admin_officers"), code=303)
