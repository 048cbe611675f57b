"""Balasan cepat (canned responses): admins write them once, officers pick one in the reply box.

A text may name the citizen's {nama}, their latest ticket {tiket}, their booked visit's code
{kode_jadwal} and the officer's own first name {petugas}; they are filled in for the conversation
when the page is shown. One the conversation has no value for stays as written, and a reply still
holding one is refused, so a citizen never gets "{tiket}".
"""
import re

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.core import db
from bot.core.models import Appointment, CannedResponse, Contact, Conversation, Request, audit
from bot.core.text import fill
from bot.web.inbox import citizens
from bot.web.inbox.admin import admin_required
from bot.web.inbox.auth import current_officer
from bot.web.inbox.blueprint import bp
from delivery.officer_replies import first_name

PLACEHOLDERS = {"nama": "nama warga (dari permohonan atau profil chat)", "tiket": "nomor tiket terakhir warga",
                "kode_jadwal": "kode jadwal kedatangan terakhir", "petugas": "nama depan petugas yang membalas"}
TITLE_MAX, TEXT_MAX = 80, 2000
_PLACEHOLDER = re.compile(r"\{(nama|tiket|kode_jadwal|petugas)\}")


def values_for(s, contact: Contact, officer) -> dict:
    """The placeholders' values for one citizen (only those known)."""
    latest = s.execute(select(Request).where(Request.contact_id == contact.id)
                       .order_by(Request.id.desc()).limit(1)).scalar_one_or_none()
    visit = s.execute(select(Appointment.code).where(Appointment.contact_id == contact.id)
                      .order_by((Appointment.status == "booked").desc(), Appointment.id.desc()).limit(1)).scalar()
    # No request filed yet: the name they gave in the one they are filling in, as the list shows it.
    answering = s.execute(select(Conversation).where(Conversation.contact_id == contact.id)).scalars().first()
    found = {"nama": (latest.applicant_name if latest else None) or contact.display_name
             or citizens.answered_name(answering),
             "tiket": latest.ticket if latest else None, "kode_jadwal": visit,
             "petugas": first_name(officer) if officer else None}
    return {key: value for key, value in found.items() if value}


def filled(s, contact: Contact, officer) -> list[dict]:
    """Every canned response, with this conversation's values put in."""
    values = values_for(s, contact, officer)
    return [{"id": c.id, "title": c.title, "text": fill(c.text, values)}
            for c in s.execute(select(CannedResponse).order_by(CannedResponse.title)).scalars()]


def unfilled(text: str) -> list[str]:
    """The placeholders a reply still holds (its canned text had no value for them)."""
    return sorted({"{" + m.group(1) + "}" for m in _PLACEHOLDER.finditer(text or "")})


def _form() -> tuple[str, str] | None:
    """The title and text of the submitted form, or None (with the reason flashed)."""
    title = " ".join((request.form.get("title") or "").split())
    text = (request.form.get("text") or "").strip()
    if not title or not text:
        flash("Judul dan isi balasan wajib diisi.")
        return None
    if len(title) > TITLE_MAX or len(text) > TEXT_MAX:
        flash(f"Judul paling panjang {TITLE_MAX} karakter dan isi {TEXT_MAX} karakter.")
        return None
    return title, text


def _title_taken(s, title: str, own_id: int | None = None) -> bool:
    """Whether another canned response already has this title."""
    other = s.execute(select(CannedResponse.id).where(CannedResponse.title == title)).scalar()
    if other is not None and other != own_id:
        flash(f"Sudah ada balasan cepat berjudul \u201c{title}\u201d.")
        return True
    return False


@bp.get("/canned")
@admin_required
def canned_list():
    """The canned responses, to add, change or delete (admins only)."""
    officer = current_officer()
    s = db.session()
    rows = s.execute(select(CannedResponse).order_by(CannedResponse.title)).scalars().all()
    return render_template("inbox/canned.html", officer=officer, rows=rows, placeholders=PLACEHOLDERS,
                           title_max=TITLE_MAX, text_max=TEXT_MAX)


@bp.post("/canned")
@admin_required
def canned_create():
    """Add a canned response."""
    officer = current_officer()
    form = _form()
    s = db.session()
    if form is not None and not _title_taken(s, form[0]):
        row = CannedResponse(title=form[0], text=form[1])
        s.add(row)
        s.flush()
        audit(s, f"officer:{officer.id}", "canned_response_created", row, title=row.title)
        s.commit()
        flash(f"Balasan cepat \u201c{row.title}\u201d disimpan.")
    return redirect(url_for("inbox.canned_list"))


@bp.post("/canned/<int:canned_id>")
@admin_required
def canned_update(canned_id: int):
    """Change a canned response's title or text."""
    officer = current_officer()
    s = db.session()
    row = s.get(CannedResponse, canned_id) or abort(404)
    form = _form()
    if form is not None and not _title_taken(s, form[0], row.id):
        before = row.title
        row.title, row.text = form
        audit(s, f"officer:{officer.id}", "canned_response_updated", row, title=row.title,
              **({"was": before} if before != row.title else {}))
        s.commit()
        flash(f"Balasan cepat \u201c{row.title}\u201d diubah.")
    return redirect(url_for("inbox.canned_list"))


@bp.post("/canned/<int:canned_id>/delete")
@admin_required
def canned_delete(canned_id: int):
    """Delete a canned response."""
    officer = current_officer()
    s = db.session()
    row = s.get(CannedResponse, canned_id) or abort(404)
    audit(s, f"officer:{officer.id}", "canned_response_deleted", row, title=row.title)
    s.delete(row)
    s.commit()
    flash(f"Balasan cepat \u201c{row.title}\u201d dihapus.")
    return redirect(url_for("inbox.canned_list"))
