"""Filed requests: the queue by service and status, one request's review page, and the officer's
actions on it (assign, take over, ask for a fix, approve, reject, issue, resend).

Every action goes through delivery.review.act, so the lifecycle table (bot.core.lifecycle)
decides who may do what: an operator never approves, rejects or issues (403), and only the
officer the request is assigned to acts on it; another must take it over first (409).
"""
from datetime import timedelta

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select

from bot.core import db, lifecycle
from bot.core.lifecycle import Refused
from bot.core.models import AuditLog, Document, Officer, Request, Upload, as_utc, audit, utcnow
from bot.web.files import kept_bytes
from bot.web.inbox.auth import current_officer, login_required
from bot.web.inbox.blueprint import bp
from bot.web.inbox.display import local_time, office_zone, reach
from bot.web.inbox.roles import ACTION_LABELS, ROLE_LABELS, STATUS_SHORT, officer_actor
from delivery import review
from flows import request_items
from flows.definition import applies
from flows.records import STATUS_LABELS
from flows.summary import answered_steps, format_value

SHOWN = 300  # the queue's longest page; a busier office filters by service or status
DEFAULT_STATUSES = ("submitted", "in_review", "needs_fix", "approved", "issued")
# Files a browser may show inline; anything else is offered as a download, never rendered.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"})
ACTION_DONE = {
    "assign": "Permohonan ditugaskan kepada Anda.",
    "take_over": "Permohonan Anda ambil alih.",
    "ask_fix": "Permintaan perbaikan dikirim ke warga.",
    "approve": "Permohonan disetujui.",
    "reject": "Permohonan ditolak; alasannya dikirim ke warga.",
    "issue": "Dokumen diterbitkan dan sedang dikirim ke warga.",
    "resend": "Dokumen dikirim ulang ke warga.",
    "reissue": "Dokumen perbaikan diterbitkan; dokumen lama tidak berlaku lagi.",
}


def age(created, now) -> str:
    """How long a request has waited, as officers say it: '3 hari', '5 jam', '12 menit'."""
    delta = now - as_utc(created)
    if delta >= timedelta(days=1):
        return f"{delta.days} hari"
    if delta >= timedelta(hours=1):
        return f"{int(delta.total_seconds() // 3600)} jam"
    return f"{max(0, int(delta.total_seconds() // 60))} menit"


def _services() -> dict:
    return current_app.config["OFFICE"].get("services", {})


def _officer_names(s, ids) -> dict:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(s.execute(select(Officer.id, Officer.name).where(Officer.id.in_(ids))).all())


@bp.get("/requests")
@login_required
def requests_queue():
    """Filed requests, oldest first, by service and status (default: the open ones)."""
    s = db.session()
    officer = current_officer()
    status = request.args.get("status", "")
    service = request.args.get("service", "")
    mine = request.args.get("mine") == "1"
    services = _services()
    query = select(Request)
    counts_query = select(Request.status, func.count()).group_by(Request.status)
    if service in services:
        query = query.where(Request.service == service)
        counts_query = counts_query.where(Request.service == service)
    else:
        service = ""
    if mine:
        query = query.where(Request.assigned_to == officer.id)
        counts_query = counts_query.where(Request.assigned_to == officer.id)
    if status in lifecycle.STATUSES:
        query = query.where(Request.status == status)
    elif status == "all":
        pass
    else:
        status = ""
        query = query.where(Request.status.in_(DEFAULT_STATUSES))
    rows = s.execute(query.order_by(Request.created_at, Request.id).limit(SHOWN)).scalars().all()
    counts = dict(s.execute(counts_query).all())
    names = _officer_names(s, {r.assigned_to for r in rows})
    now, zone = utcnow(), office_zone()
    items = [{"ticket": r.ticket, "service": services.get(r.service, {}).get("title", r.service),
              "applicant": r.applicant_name or "(tanpa nama)", "status": r.status,
              "status_label": STATUS_LABELS.get(r.status, r.status), "age": age(r.created_at, now),
              "at": local_time(r.created_at, zone), "assigned": names.get(r.assigned_to),
              "mine": r.assigned_to == officer.id, "flags": len(r.flags or [])}
             for r in rows]
    audit(s, f"officer:{officer.id}", "request_queue_viewed", shown=len(items))
    s.commit()
    return render_template(
        "inbox/requests.html", officer=officer, items=items, shown_max=SHOWN, status=status, service=service,
        mine=mine, services=[(key, spec.get("title", key)) for key, spec in services.items()],
        counts=[(st, STATUS_LABELS.get(st, st), counts.get(st, 0)) for st in lifecycle.STATUSES],
        total_open=sum(counts.get(st, 0) for st in DEFAULT_STATUSES))


def _request(s, ticket: str, lock: bool = False) -> Request:
    query = select(Request).where(Request.ticket == ticket.upper())
    if lock:
        query = query.with_for_update()
    req = s.execute(query).scalar_one_or_none()
    if req is None:
        abort(404, description=f"Permohonan {ticket} tidak ada.")
    return req


def _flow(req: Request):
    try:
        return request_items.flow_of(req, current_app.config["OFFICE"])
    except (KeyError, FileNotFoundError):
        return None  # a service filed without a flow of its own: answers shown as stored


def _answer_rows(s, flow, req: Request) -> tuple[list[dict], list[dict]]:
    """(answers, photos): every answer with its label (full NIK and KK: officers check them),
    and every photo step that applies, received or missing, with its upload."""
    answers, photos = [], []
    uploads = {u.id: u for u in s.execute(select(Upload).where(Upload.request_id == req.id)).scalars()}
    by_slot = {u.slot: u for u in uploads.values() if u.slot}
    if flow is None:
        return [{"id": k, "label": k, "value": str(v)} for k, v in (req.answers or {}).items()], []
    today = as_utc(req.created_at).date()
    for step in answered_steps(flow, req.answers, today):
        value = req.answers[step.id]
        if step.kind == "photo":
            continue
        shown = value if step.kind in ("nik", "kk") and isinstance(value, str) else format_value(step, value)
        answers.append({"id": step.id, "label": step.label, "value": shown})
    for step in flow.steps:
        if step.kind != "photo" or not applies(step, req.answers, today):
            continue
        value = req.answers.get(step.id) or {"missing": True}
        upload = None
        if not value.get("missing"):
            upload = uploads.get(value.get("upload_id")) or s.get(Upload, value.get("upload_id") or 0) \
                or by_slot.get(step.id)
        photos.append({"id": step.id, "title": step.document or step.label, "received": upload is not None
                       or not value.get("missing"),
                       "upload_id": upload.id if upload is not None else None,
                       "purged": upload is not None and upload.purged_at is not None,
                       "pdf": upload is not None and upload.content_type == "application/pdf",
                       "name": (upload.original_name if upload is not None else None) or value.get("name")})
    return answers, photos


def _history(s, req: Request, zone) -> list[dict]:
    """The request's audit entries: when, who, what, from→to, why."""
    rows = s.execute(select(AuditLog).where(AuditLog.target_type == "requests", AuditLog.target_id == str(req.id),
                                            AuditLog.action != "request_viewed")
                     .order_by(AuditLog.id)).scalars().all()
    ids = {int(r.actor.split(":", 1)[1]) for r in rows
           if r.actor.startswith("officer:") and r.actor.split(":", 1)[1].isdigit()}
    names = _officer_names(s, ids)
    found = []
    for row in rows:
        detail = row.detail or {}
        if row.actor.startswith("officer:"):
            who = names.get(int(row.actor.split(":", 1)[1]) if row.actor.split(":", 1)[1].isdigit() else 0,
                            "petugas")
        elif row.actor.startswith("citizen"):
            who = "Warga"
        else:
            who = "Sistem"
        change = ""
        if detail.get("status_from") and detail.get("status_to") and detail["status_from"] != detail["status_to"]:
            change = (f"{STATUS_SHORT.get(detail['status_from'], detail['status_from'])} → "
                      f"{STATUS_SHORT.get(detail['status_to'], detail['status_to'])}")
        notes = []
        if detail.get("previous_officer"):
            notes.append(f"sebelumnya {names.get(detail['previous_officer']) or _officer_names(s, {detail['previous_officer']}).get(detail['previous_officer'], 'petugas lain')}")
        if detail.get("reason"):
            notes.append(f"alasan: {detail['reason']}")
        if detail.get("document_number"):
            notes.append(f"nomor: {detail['document_number']}")
        if detail.get("items"):
            notes.append("butir: " + ", ".join(i.get("document") or i.get("answer") or "" for i in detail["items"]))
        if detail.get("step"):
            notes.append(f"langkah: {detail['step']}")
        found.append({"at": local_time(row.at, zone), "who": who,
                      "what": ACTION_LABELS.get(row.action, row.action), "change": change, "note": "; ".join(notes)})
    return found


@bp.get("/requests/<ticket>")
@login_required
def request_page(ticket: str):
    """One request, everything an officer checks before acting, and the actions they may take."""
    s = db.session()
    officer = current_officer()
    req = _request(s, ticket)
    flow = _flow(req)
    zone = office_zone()
    answers, photos = _answer_rows(s, flow, req)
    spec = _services().get(req.service, {})
    names = _officer_names(s, {req.assigned_to})
    documents = s.execute(select(Document).where(Document.request_id == req.id)
                          .order_by(Document.id)).scalars().all()
    fix_choices = []
    if flow is not None:
        today = as_utc(req.created_at).date()
        fix_choices = [{"kind": "document", "id": p["id"], "title": p["title"]} for p in photos]
        fix_choices += [{"kind": "answer", "id": step.id, "title": step.label}
                        for step in answered_steps(flow, req.answers, today)
                        if step.kind not in ("photo", "consent")]
    allowed = lifecycle.allowed_actions(req, officer_actor())
    # Requests that follow from one another (an akta kematian and the family's KK update, twins).
    linked = [{"ticket": r.ticket, "service": review.service_title(r)} for r in s.execute(
        select(Request).where(or_(Request.id == req.linked_to, Request.linked_to == req.id))
        .order_by(Request.id)).scalars()]
    audit(s, f"officer:{officer.id}", "request_viewed", req, ticket=req.ticket)
    s.commit()
    return render_template(
        "inbox/request.html", officer=officer, req=req, service=review.service_title(req),
        status_label=STATUS_LABELS.get(req.status, req.status), contact=reach(req.contact),
        citizen=req.contact.display_name or "(tanpa nama)", email=req.contact.email,
        age=age(req.created_at, utcnow()), at=local_time(req.created_at, zone),
        assigned=names.get(req.assigned_to), mine=req.assigned_to == officer.id,
        role=ROLE_LABELS.get(officer.role, officer.role), answers=answers, photos=photos,
        requirements=[str(r) for r in spec.get("requirements", [])], flags=req.flags or [], fix_items=req.fix_items or [],
        fix_choices=fix_choices, history=_history(s, req, zone), allowed=allowed, linked=linked,
        subject_label=flow.submit.subject_label if flow is not None else "subjek",
        documents=[{"kind": "Tanda terima" if d.kind == "receipt" else "Dokumen terbit", "number": d.number,
                    "status": "berlaku" if d.status == "current" else "digantikan", "code": d.code,
                    "at": local_time(d.created_at, zone), "source": d.source} for d in documents])


def _fix_items_from_form(form) -> list[dict]:
    """The ticked fix items: checkboxes `fix` = 'document:<step>' | 'answer:<step>', notes beside."""
    items = []
    for value in form.getlist("fix"):
        kind, _, step_id = value.partition(":")
        if kind not in ("document", "answer") or not step_id:
            continue
        items.append({kind: step_id, "note": (form.get(f"note:{kind}:{step_id}") or "").strip()})
    return items


@bp.post("/requests/<ticket>/action")
@login_required
def request_action(ticket: str):
    """Do one action on the request; the lifecycle refuses what the role or the state forbids."""
    action = request.form.get("action", "")
    back = url_for("inbox.request_page", ticket=ticket.upper())
    kwargs = {}
    if action == "ask_fix":
        kwargs["items"] = _fix_items_from_form(request.form)
    elif action == "reject":
        kwargs["reason"] = request.form.get("reason", "")
        kwargs["subject_nik"] = request.form.get("subject_nik", "")
    elif action in ("issue", "reissue"):
        kwargs["document_number"] = request.form.get("document_number", "")
        kwargs["reason"] = request.form.get("reason", "")
        kwargs["subject_nik"] = request.form.get("subject_nik", "")
        upload = request.files.get("pdf")
        data = upload.read(review.MAX_PDF_BYTES + 1) if upload is not None and upload.filename else b""
        if data:
            kwargs["pdf"] = data
        else:
            kwargs["generate"] = request.form.get("generate") == "1"
    s = db.session()
    req = _request(s, ticket, lock=True)
    try:
        review.act(s, req, action, officer_actor(), **kwargs)
    except Refused as refused:
        s.rollback()
        if refused.code == 400:  # the form lacks something: back to it, saying what
            flash(refused.reason)
            return redirect(back, code=303)
        return render_template("inbox/error.html", message=refused.reason, officer=current_officer(),
                               back=back), refused.code
    flash(ACTION_DONE.get(action, "Selesai."))
    return redirect(back, code=303)


@bp.get("/uploads/<int:upload_id>")
@login_required
def upload_file(upload_id: int):
    """A citizen's uploaded file, for officers only; shown inline only when it is an image or a PDF."""
    s = db.session()
    upload = s.get(Upload, upload_id)
    data = kept_bytes(upload, "Berkas ini tidak ada atau sudah dihapus (masa simpan habis).")
    inline = upload.content_type in INLINE_TYPES
    response = make_response(data)
    response.headers["Content-Type"] = upload.content_type if inline else "application/octet-stream"
    response.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="upload-{upload.id}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    if upload.content_type.startswith("image/"):
        response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    return response
