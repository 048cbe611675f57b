"""PDF documents for requests: built once, stored, and given a public verification code."""
import secrets

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.core import storage
from bot.core.models import Appointment, Document, Request, as_utc, audit, utcnow
from delivery import forms
from delivery.channels.registry import display_name
from delivery.receipt import build_receipt
from delivery.signing import sign_pdf
from delivery.slip import build_slip
from flows import appointments, booking
from flows.definition import load_flow
from flows.summary import documents


def ensure_receipt(s, request_id: int) -> Document:
    """The receipt for a request, building and storing it the first time it is asked for."""
    existing = s.execute(select(Document).where(Document.request_id == request_id,
                                                Document.kind == "receipt")).scalar_one_or_none()
    if existing is not None:
        return existing
    req = s.get(Request, request_id)
    config = current_app.config["OFFICE"]
    service = config["services"][req.service]
    code = secrets.token_urlsafe(12)
    flow = _flow(req)
    received, missing = documents(flow, req.answers, req.created_at.date())
    pdf = sign_pdf(build_receipt({
        "office": config["office"], "ticket": req.ticket, "service_title": service["title"],
        "submitted_at": as_utc(req.created_at), "applicant_name": req.applicant_name or "-",
        "applicant_nik": req.applicant_nik or "", "applicant_relation": req.applicant_relation or "-",
        "subject_label": flow.submit.subject_label,
        "subject_name": req.subject_name or "-", "channel": display_name(req.contact.channel),
        "documents_received": received, "documents_missing": missing, "next_steps": list(flow.receipt_next_steps),
        "duration": service.get("duration", "-"),
        "verify_url": current_app.config["PUBLIC_BASE_URL"].rstrip("/") + f"/v/{code}",
        "notes": list(flow.receipt_notes),
        "linked_ticket": s.get(Request, req.linked_to).ticket if req.linked_to else None,
    }), reason="Tanda terima permohonan")
    key, digest = storage.save(pdf, "documents", ".pdf")
    doc = Document(request_id=req.id, kind="receipt", code=code, filename=f"Tanda-terima-{req.ticket}.pdf",
                   size=len(pdf), sha256=digest, storage_key=key, created_at=utcnow())
    s.add(doc)
    s.flush()
    audit(s, "system", "receipt_built", doc, ticket=req.ticket)
    return doc


def _flow(req: Request):
    """The flow the request was filed through: its subject label, documents and receipt texts."""
    return load_flow(current_app.config["OFFICE"]["services"][req.service]["flow"])


def ensure_form(s, name: str) -> Document:
    """The stored copy of the blank form `name` (no request), built and stored the first time and again
    only when the form or the office's letterhead changed; forms.UnknownForm for a name not catalogued."""
    pdf = forms.build(name, current_app.config["OFFICE"]["office"])  # the same bytes for the same office
    kind = f"form:{name}"
    current = s.execute(select(Document).where(Document.request_id.is_(None), Document.kind == kind,
                                               Document.status == "current")).scalar_one_or_none()
    key, digest = storage.save(pdf, "forms", ".pdf")
    if current is not None and current.sha256 == digest:
        return current
    try:
        with s.begin_nested():  # two senders storing the same new form at once: one row wins
            if current is not None:
                current.status = "superseded"  # the office's details changed since it was stored
                s.flush()
            doc = Document(request_id=None, kind=kind, code=secrets.token_urlsafe(12), filename=forms.filename(name),
                           size=len(pdf), sha256=digest, storage_key=key, source="generated", created_at=utcnow())
            s.add(doc)
    except IntegrityError:
        return s.execute(select(Document).where(Document.request_id.is_(None), Document.kind == kind,
                                                Document.status == "current")).scalar_one()
    audit(s, "system", "form_stored", doc, form=name)
    return doc


def ensure_slip(s, appointment_id: int) -> Document:
    """The booked visit's current slip, built, signed and stored the first time it is asked for (a
    moved booking's old slip is superseded, a cancelled one's revoked: flows/booking.py)."""
    appt = s.get(Appointment, appointment_id)
    kind = f"slip:{appt.code}"
    existing = s.execute(select(Document).where(Document.appointment_id == appt.id, Document.kind == kind,
                                                Document.status == "current")).scalar_one_or_none()
    if existing is not None:
        return existing
    config = current_app.config["OFFICE"]
    service = config["services"][appt.service]
    flow = load_flow(service["flow"])
    place = appointments.place(config, appt.place)
    slot = next((sl for sl in appointments.slots(config, appt.place, appt.service) if sl.id == appt.slot), None)
    answers = appt.answers or {}
    code = secrets.token_urlsafe(12)
    pdf = sign_pdf(build_slip({
        "office": config["office"], "code": appt.code, "service_title": service["title"],
        "queue": booking.queue_text(appt.queue_number),
        "place": ", ".join(p for p in (place.get("name"), place.get("address")) if p) or appt.place,
        "day": booking.long_date(appt.day), "slot": booking.slot_label(config, slot) if slot else None,
        "name": answers.get(flow.submit.subject), "nik": answers.get(flow.submit.subject_nik or ""),
        "booked_at": as_utc(appt.created_at), "bring": list(appt.bring or []),
        "verify_url": current_app.config["PUBLIC_BASE_URL"].rstrip("/") + f"/v/{code}",
    }), reason="Bukti jadwal kedatangan")
    key, digest = storage.save(pdf, "documents", ".pdf")
    doc = Document(request_id=None, appointment_id=appt.id, kind=kind, code=code,
                   filename=f"Jadwal-{appt.code}.pdf", size=len(pdf), sha256=digest, storage_key=key,
                   source="generated", created_at=utcnow())
    s.add(doc)
    s.flush()
    audit(s, "system", "slip_built", doc, code=appt.code)
    return doc
