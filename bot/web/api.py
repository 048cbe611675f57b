"""The officer JSON API under /api/v1: the inbox's request actions for scripts and other systems.

A bearer token from `flask officer token USERNAME` names the officer; the lifecycle table
decides (401 without a valid token, 403 for a role that may not, 409 for a forbidden change).
"""
import hashlib
from functools import wraps

from flask import Blueprint, abort, current_app, g, jsonify, make_response, request
from sqlalchemy import select

from bot.core import db
from bot.core.lifecycle import STATUSES, Actor, Refused
from bot.core.models import AuditLog, Document, Officer, Request, as_utc, audit
from delivery import review
from flows import request_items

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def token_hash(token: str) -> str:
    """What is stored for a token (a leaked table gives no usable token)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _error(code: int, message: str):
    return jsonify({"error": message}), code


def officer_required(view):
    """The officer whose bearer token came with the request, or 401."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        officer = None
        if scheme.lower() == "bearer" and token.strip():
            officer = db.session().execute(select(Officer).where(
                Officer.token_hash == token_hash(token.strip()))).scalar_one_or_none()
        if officer is None or not officer.active:
            response, code = _error(401, "Token tidak ada atau tidak berlaku.")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response, code
        g.api_officer = officer
        return view(*args, **kwargs)
    return wrapped


def _office() -> dict:
    return current_app.config["OFFICE"]


def summary(req: Request) -> dict:
    """A request as the list shows it."""
    flow = request_items.flow_of(req, _office())
    return {"ticket": req.ticket, "service": req.service, "status": req.status,
            "submitted_at": as_utc(req.created_at).isoformat(),
            "assigned_to": req.officer.username if req.officer else None,
            "missing": request_items.missing(flow, req)}


def detail(s, req: Request) -> dict:
    """A request with its answers, documents, flags, fix items and history."""
    documents = s.execute(select(Document).where(Document.request_id == req.id)
                          .order_by(Document.id)).scalars().all()
    history = s.execute(select(AuditLog).where(AuditLog.target_type == "requests",
                                               AuditLog.target_id == str(req.id))
                        .order_by(AuditLog.id)).scalars().all()
    return {**summary(req), "answers": req.answers, "flags": req.flags, "fix_items": req.fix_items,
            "reason": req.reason, "document_number": req.document_number,
            "documents": [{"kind": d.kind, "number": d.number, "status": d.status, "sha256": d.sha256,
                           "source": d.source, "verify_url": review.verify_url(d.code),
                           "created_at": as_utc(d.created_at).isoformat()} for d in documents],
            "history": [{"at": as_utc(h.at).isoformat(), "actor": h.actor, "action": h.action,
                         "from": h.detail.get("status_from"), "to": h.detail.get("status_to"),
                         "reason": h.detail.get("reason")} for h in history]}


def _find(s, ticket: str) -> Request:
    """The request with this ticket, or a 404 answer."""
    req = s.execute(select(Request).where(Request.ticket == ticket.upper())).scalar_one_or_none()
    if req is None:
        abort(make_response(*_error(404, f"Permohonan {ticket} tidak ditemukan.")))
    return req


@bp.get("/requests")
@officer_required
def list_requests():
    """Requests, oldest first, optionally of one status."""
    status = request.args.get("status")
    if status and status not in STATUSES:
        return _error(400, f"Status tidak dikenal: {status}. Pilihan: {', '.join(STATUSES)}.")
    query = select(Request).order_by(Request.created_at, Request.id)
    if status:
        query = query.where(Request.status == status)
    if request.args.get("service"):
        query = query.where(Request.service == request.args["service"])
    s = db.session()
    return jsonify({"requests": [summary(r) for r in s.execute(query.limit(500)).scalars()]})


@bp.get("/requests/<ticket>")
@officer_required
def show_request(ticket: str):
    """One request in full (the read is recorded, as every write is)."""
    s = db.session()
    req = _find(s, ticket)
    audit(s, f"officer:{g.api_officer.id}", "request_viewed", req, via="api")
    s.commit()
    return jsonify(detail(s, req))


@bp.post("/requests/<ticket>/actions")
@officer_required
def request_action(ticket: str):
    """One lifecycle action, as JSON or (to issue with a PDF) multipart."""
    s = db.session()
    req = _find(s, ticket)
    if request.mimetype == "multipart/form-data":
        body = dict(request.form)
        upload = request.files.get("file")
        pdf = upload.read() if upload else None
    else:
        body = request.get_json(silent=True)
        pdf = None
        if not isinstance(body, dict):
            return _error(400, "Kirim JSON, misalnya {\"action\": \"assign\"}.")
    action = body.get("action")
    if not isinstance(action, str):
        return _error(400, "Kolom 'action' wajib diisi.")
    generate = body.get("generate") in (True, "true", "1", "on")
    try:
        review.act(s, req, action, Actor("officer", g.api_officer), items=body.get("items"),
                   reason=body.get("reason"), document_number=body.get("document_number"),
                   generate=generate and pdf is None, pdf=pdf, subject_nik=body.get("subject_nik"))
    except Refused as refused:
        s.rollback()
        return _error(refused.code, refused.reason)
    s.refresh(req)
    return jsonify(detail(s, req))
