"""Messages we could not deliver: officers see why, then send again or close the case.

Real delivery failures (`failed`) come first, a page at a time, so a flood of anything else never
buries them; rows the loop guard stopped (`suppressed`: a runaway we chose not to send) are
counted and listed apart, collapsed.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from bot.core import db
from bot.core.models import Contact, Outbox, Request, audit
from bot.core.privacy import mask_email
from bot.web.inbox.auth import current_officer, login_required
from bot.web.inbox.blueprint import bp
from bot.web.inbox.display import local_time, office_zone, reach
from delivery import jobs
from delivery.channels.text import shorten

SHOWN = 100  # failures per page, newest first
SUPPRESSED_SHOWN = 50  # the newest loop-guard stops listed under their count
ACTIONABLE = ("failed", "suppressed")


@bp.get("/failures")
@login_required
def failures():
    """Every outbox row that failed for good, newest first, a page at a time; the loop guard's
    stops counted and listed apart."""
    s = db.session()
    page = request.args.get("page", 1, type=int) or 1
    page = max(page, 1)
    total = s.execute(select(func.count()).select_from(Outbox).where(Outbox.status == "failed")).scalar_one()
    pages = max(1, -(-total // SHOWN))
    page = min(page, pages)
    rows = _rows(s, "failed", SHOWN, (page - 1) * SHOWN)
    suppressed_total = s.execute(select(func.count()).select_from(Outbox)
                                 .where(Outbox.status == "suppressed")).scalar_one()
    suppressed = _rows(s, "suppressed", SUPPRESSED_SHOWN, 0) if suppressed_total else []
    tickets = _tickets(s, [row for row, _ in rows + suppressed])
    zone = office_zone()
    items, stopped = ([{"id": row.id, "at": local_time(row.created_at, zone),
                        "citizen": contact.display_name or "(tanpa nama)", "reach": reach(contact),
                        "what": _what(row, tickets), "error": row.last_error or "tidak diketahui",
                        "attempts": row.attempts}
                       for row, contact in found] for found in (rows, suppressed))
    officer = current_officer()
    # Officers' reads are recorded too: this page shows citizens' numbers.
    audit(s, f"officer:{officer.id}", "send_failures_viewed", shown=len(items) + len(stopped))
    s.commit()
    return render_template("inbox/failures.html", items=items, officer=officer, total=total, page=page,
                           pages=pages, suppressed=stopped, suppressed_total=suppressed_total)


def _rows(s, status: str, limit: int, offset: int) -> list:
    """Outbox rows of a status with their contacts, newest first."""
    return s.execute(select(Outbox, Contact).join(Contact, Contact.id == Outbox.contact_id)
                     .where(Outbox.status == status).order_by(Outbox.id.desc())
                     .limit(limit).offset(offset)).all()


@bp.post("/failures/<int:row_id>/retry")
@login_required
def retry(row_id: int):
    """Send a failed row again from the start (e.g. after the citizen fixed their number)."""
    s = db.session()
    row = _failed_row(s, row_id)
    row.status, row.attempts, row.next_attempt_at = "pending", 0, None
    audit(s, f"officer:{current_officer().id}", "send_retry_requested", row, error=row.last_error)
    s.commit()
    jobs.enqueue("delivery.sender.send_pending", row.contact_id)
    flash(f"Pesan #{row.id} dijadwalkan untuk dikirim ulang.")
    return redirect(url_for("inbox.failures"))


@bp.post("/failures/<int:row_id>/dismiss")
@login_required
def dismiss(row_id: int):
    """Close a failure an officer has dealt with another way (a phone call, the counter)."""
    s = db.session()
    row = _failed_row(s, row_id)
    row.status = "dismissed"
    audit(s, f"officer:{current_officer().id}", "send_failure_dismissed", row, error=row.last_error)
    s.commit()
    flash(f"Pesan #{row.id} ditandai sudah ditangani.")
    return redirect(url_for("inbox.failures"))


def _failed_row(s, row_id: int) -> Outbox:
    """The outbox row, locked, if it is still failed; 404 otherwise (another officer acted first)."""
    row = s.execute(select(Outbox).where(Outbox.id == row_id).with_for_update()).scalar_one_or_none()
    if row is None or row.status not in ACTIONABLE:
        abort(404, description="Pesan ini tidak ada atau sudah ditangani petugas lain.")
    return row


def _tickets(s, rows: list[Outbox]) -> dict[int, str]:
    """Ticket numbers of the requests whose documents are among the rows."""
    ids = {(row.payload.get("document") or {}).get("request_id") or row.payload.get("request_id")
           for row in rows} - {None}
    if not ids:
        return {}
    return dict(s.execute(select(Request.id, Request.ticket).where(Request.id.in_(ids))).all())


DOCUMENT_KINDS = {"receipt": "tanda terima", "issued": "terbit"}


def _what(row: Outbox, tickets: dict[int, str]) -> str:
    """A short description of what the citizen did not get."""
    if row.kind == "email" or (row.payload.get("to") and row.payload.get("subject")):
        subject = shorten(row.payload.get("subject") or "", 100)
        attached = " (dengan lampiran dokumen)" if row.payload.get("document_id") else ""
        ticket = tickets.get(row.payload.get("request_id"))
        return (f"Email ke {mask_email(row.payload.get('to') or '')}: {subject}{attached}"
                + (f" ({ticket})" if ticket and ticket not in subject else ""))
    document = row.payload.get("document")
    if document:
        ticket = tickets.get(document.get("request_id"))
        kind = DOCUMENT_KINDS.get(document.get("kind"), "")
        return f"Dokumen {kind}".strip() + (f" ({ticket})" if ticket else "")
    text = shorten(row.payload.get("text") or "", 120)
    return f"Balasan: {text}" if text else "Balasan"


