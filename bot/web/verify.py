"""Public verification: /v/<code> from a document's QR code, and /v for an uploaded PDF. No login.

Whoever a citizen shows a document to (a school, a bank, a hospital) can check it here: its type,
number and date, the holder's name partly hidden, and whether it is still current.
"""
from flask import Blueprint, current_app, jsonify, render_template, request

from bot.core import db, verification
from bot.core.models import as_utc, audit
from bot.core.text import fill
from bot.web.inbox import counter
from bot.web.inbox.auth import current_officer
from delivery.signing import signature_intact
from flows import appointments, booking
from flows.definition import load_flow, texts
from flows.office import office_tz
from flows.records import STATUS_LABELS

bp = Blueprint("verify", __name__)

DOCUMENT_STATES = {
    "current": "Berlaku",
    "superseded": "Tidak berlaku lagi: sudah diganti dokumen perbaikan",
    "revoked": "Dicabut",
}
MAX_UPLOAD = 20 * 1024 * 1024


def _page(finding: verification.Finding, status_code: int = 200, **extra):
    """The verification page for what was found (or not)."""
    office = current_app.config["OFFICE"]
    context = {"office": office["office"], "found": finding.genuine, **extra}
    if finding.genuine and finding.appointment is not None:
        context.update(_slip(finding, office))
        if current_officer() is not None:  # an officer's phone read the slip at the counter
            context.update(officer=current_officer(), counter=counter.for_verify_page(finding.appointment),
                           verify_code=finding.document.code)
    elif finding.genuine:
        doc, req = finding.document, finding.request
        service = office["services"].get(req.service, {}).get("title", req.service)
        issued = doc.kind == "issued"
        context.update(
            kind=f"Kutipan {service}" if issued else f"Tanda terima permohonan {service}",
            number=doc.number if issued else None, ticket=req.ticket,
            holder=verification.masked_name(req.subject_name if issued else req.applicant_name),
            made=as_utc(doc.created_at).astimezone(office_tz(office)).strftime("%d/%m/%Y %H:%M") + " WITA",
            state=DOCUMENT_STATES.get(doc.status, doc.status), current=finding.current,
            request_status=STATUS_LABELS.get(req.status, req.status), issued=issued)
    return render_template("verify.html", **context), status_code


def _slip(finding: verification.Finding, office: dict) -> dict:
    """What the page says of a booking slip: the visit's code, day and status (for the counter)."""
    doc, appt = finding.document, finding.appointment
    words, booked = texts()["slip"], texts()["booking"]
    service = office["services"].get(appt.service, {})
    flow = load_flow(service["flow"]) if service.get("flow") else None
    name = (appt.answers or {}).get(flow.submit.subject) if flow else None
    slot = next((sl for sl in appointments.slots(office, appt.place, appt.service) if sl.id == appt.slot), None)
    when = booking.long_date(appt.day) + (f", {booking.slot_label(office, slot)}" if slot else "")
    place = appointments.place(office, appt.place).get("name", appt.place)
    return dict(
        kind=fill(words["verify_kind"], {"service": service.get("title", appt.service)}), number=None,
        ticket=appt.code, ticket_label=words["verify_ticket"], holder=verification.masked_name(name),
        made=as_utc(doc.created_at).astimezone(office_tz(office)).strftime("%d/%m/%Y %H:%M") + " WITA",
        state=DOCUMENT_STATES.get(doc.status, doc.status), current=finding.current,
        request_status=f"{booked['status_' + appt.status]}: {when}, {place}, "
                       f"{words['queue'].lower()} {booking.queue_text(appt.queue_number)}",
        status_label=words["verify_status"], issued=False)


@bp.get("/v/<code>")
def verify(code: str):
    """What the QR code on a document points to."""
    s = db.session()
    finding = verification.by_code(s, code)
    if finding.genuine:
        officer = current_officer()
        audit(s, f"officer:{officer.id}" if officer is not None else "public", "document_verified",
              finding.document, via="code")  # reads are recorded
        s.commit()
        return _page(finding)
    return _page(finding, 404, unknown_code=True)


@bp.get("/v")
def upload_form():
    """The form to check a PDF file."""
    return _page(verification.Finding(None), asked=False)


@bp.post("/v")
def check_upload():
    """Is this PDF exactly a document the office issued? (HTML, or JSON for scripts.)"""
    upload = request.files.get("file")
    data = upload.read(MAX_UPLOAD + 1) if upload else b""
    wants_json = request.accept_mimetypes.best == "application/json" or request.is_json
    if not data or len(data) > MAX_UPLOAD:
        message = "Kirim berkas PDF di kolom 'file' (paling besar 20 MB)."
        if wants_json:
            return jsonify({"error": message}), 400
        return _page(verification.Finding(None), 400, asked=False, error=message)
    s = db.session()
    finding = verification.by_content(s, data)
    signed = signature_intact(data)
    if finding.genuine:
        audit(s, "public", "document_verified", finding.document, via="upload")
        s.commit()
    if wants_json:
        doc, req = finding.document, finding.request
        return jsonify({"genuine": finding.genuine, "ticket": req.ticket if req else None,
                        "document_number": doc.number if doc else None,
                        "status": doc.status if doc else None, "signature_intact": signed})
    return _page(finding, asked=True, signed=signed)
