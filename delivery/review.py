"""Officers moving a request on: the one place the inbox and the API both act through.

Each action goes through the lifecycle table (bot.core.lifecycle), is committed with what the
citizen is owed (a chat message in the outbox, an email when they gave an address), and only
then are the jobs queued that send it and, for `issue`, build and deliver the document.
"""
import io
import logging
import secrets

from flask import current_app
from pypdf import PdfReader

from bot.core import db, lifecycle, storage
from bot.core.verification import current_issued
from bot.core.lifecycle import Actor, Refused
from bot.core.privacy import mask_nik
from bot.core.models import Document, Outbox, Request, audit, utcnow
from delivery import certificates, jobs, signing
from flows import request_items
from flows.definition import texts
from flows.office import office_tz
from flows.placeholders import fill
from flows.validators import Invalid, parse_nik

log = logging.getLogger(__name__)

MAX_NOTE, MAX_REASON, MAX_NUMBER = 500, 1000, 80
MAX_PDF_BYTES = 20 * 1024 * 1024


def _office() -> dict:
    return current_app.config["OFFICE"]


def service_title(req: Request) -> str:
    """The service's title as citizens know it (config.yml)."""
    return _office()["services"].get(req.service, {}).get("title", req.service)


def act(s, req: Request, action: str, actor: Actor, *, items=None, reason: str | None = None,
        document_number: str | None = None, generate: bool = False, pdf: bytes | None = None,
        subject_nik: str | None = None) -> None:
    """Do one officer action on a request and commit it; Refused (400/403/409) says why not."""
    flow = request_items.flow_of(req, _office())
    lifecycle.check(req, action, actor)  # role and state first: a forbidden action learns nothing more
    after: list[tuple] = []
    if action in ("assign", "take_over"):
        before = lifecycle.apply(s, req, action, actor)
        if before == "submitted":
            _tell(s, req, "in_review")
    elif action == "ask_fix":
        req.fix_items = _fix_items(flow, req, items)
        lifecycle.apply(s, req, action, actor, items=[_item_ref(i) for i in req.fix_items])
        _tell(s, req, None, text=fix_request_text(flow, req))
    elif action == "approve":
        lifecycle.apply(s, req, action, actor)
        _tell(s, req, "approved")
    elif action == "reject":
        reason = (reason or "").strip()
        if not reason:
            raise Refused(400, "Tuliskan alasan penolakan dengan kata-kata yang mudah dipahami warga.")
        req.reason = reason[:MAX_REASON]
        lifecycle.apply(s, req, action, actor, reason=req.reason)
        _tell(s, req, "rejected", reason=req.reason)
    elif action in ("issue", "reissue"):
        number = (document_number or "").strip()
        if not number or len(number) > MAX_NUMBER:
            raise Refused(400, "Isi nomor dokumen (nomor akta dari SIAK).")
        reason = (reason or "").strip()
        if action == "reissue" and not reason:
            raise Refused(400, "Tuliskan apa yang diperbaiki; warga membacanya bersama dokumen barunya.")
        if pdf is None and not generate:
            raise Refused(400, "Lampirkan PDF dari SIAK, atau pilih dibuat otomatis.")
        if pdf is not None:
            _check_pdf(pdf)
        elif not certificates.has_layout(req.service):
            raise Refused(400, f"Belum ada templat dokumen untuk layanan {service_title(req)}; "
                               "lampirkan PDF dari SIAK.")
        if (subject_nik or "").strip():
            # The NIK SIAK gave the subject (a newborn has none when the request is filed).
            try:
                req.subject_nik = parse_nik(subject_nik, today=utcnow().date()).nik
            except Invalid as err:
                raise Refused(400, f"NIK pada dokumen: {err.message}") from None
        req.document_number = number
        if action == "reissue":
            req.reason = reason[:MAX_REASON]
            old = current_issued(s, req.id)
            if old is not None:
                old.status = "superseded"  # /v says so from now on, before the new one is built
                s.flush()
        if pdf is not None:
            store_issued(s, req, pdf, source="attached")
        why = {"reason": req.reason} if action == "reissue" else {}
        lifecycle.apply(s, req, action, actor, document_number=number,
                        source="attached" if pdf is not None else "generated", **why)
        after.append(("delivery.review.deliver_issued", req.id, False, action == "reissue"))
    elif action == "resend":
        lifecycle.apply(s, req, action, actor)
        after.append(("delivery.review.deliver_issued", req.id, True))
    else:
        raise Refused(400, f"Tindakan tidak dikenal: {action}")
    s.commit()
    jobs.enqueue("delivery.sender.send_pending", req.contact_id)
    for job in after:
        jobs.enqueue(*job)


# ---- what the citizen is told ----------------------------------------------------------------

def fix_request_text(flow, req: Request) -> str:
    """The officer's fix items as the citizen reads them: what, and the officer's note."""
    words = texts()["request_updates"]
    lines = [fill(words["needs_fix_head"], ticket=req.ticket, service=service_title(req))]
    for item in request_items.open_fix_items(req):
        note = fill(words["note_line"], note=item["note"]) if item.get("note") else ""
        key = "fix_document" if item.get("document") else "fix_answer"
        lines.append(fill(words[key], title=item["title"], note=note))
    lines.append(fill(words["needs_fix_foot"], ticket=req.ticket))
    return "\n".join(lines)


def _tell(s, req: Request, key: str | None, text: str | None = None, **values) -> None:
    """Owe the citizen one update: in the chat (the window rule decides how) and by email."""
    words = texts()["request_updates"]
    email = req.contact.email
    base = {"ticket": req.ticket, "service": service_title(req),
            "email_note": words["email_note"] if email else ""}
    text = text or fill(words[key], **base, **values)
    s.add(Outbox(contact_id=req.contact_id, kind="reply", status="pending",
                 payload={"text": text, "template_kind": "request_update", "request_id": req.id}))
    if email:
        email_update(s, req.id, text)


def email_update(s, request_id: int, text: str) -> None:
    """The same news by email, for a change the citizen made in the chat (when they gave one)."""
    req = s.get(Request, request_id)
    if req is not None and req.contact.email:
        body = fill(texts()["request_updates"]["email_update"], text=text.replace("*", ""),
                    office=_office()["office"]["name"])
        _email(s, req, req.contact.email, body)


def _email(s, req: Request, to: str, body: str, document_id: int | None = None) -> None:
    """An email owed to the citizen, sent by the sender job beside the chat (never blocking it)."""
    words = texts()["request_updates"]
    s.add(Outbox(contact_id=req.contact_id, kind="email", status="pending", payload={
        "to": to, "subject": fill(words["email_subject"], ticket=req.ticket, service=service_title(req)),
        "body": body, "request_id": req.id, **({"document_id": document_id} if document_id else {})}))


# ---- fixes ---------------------------------------------------------------------------------

def _fix_items(flow, req: Request, items) -> list[dict]:
    """The officer's fix items, each naming one step of the request's flow, with a note."""
    if not isinstance(items, list) or not items:
        raise Refused(400, "Pilih paling sedikit satu hal yang harus diperbaiki warga.")
    found, seen = [], set()
    for raw in items:
        if not isinstance(raw, dict) or ("document" in raw) == ("answer" in raw):
            raise Refused(400, "Setiap butir perbaikan menyebut 'document' atau 'answer' (satu saja).")
        kind = "document" if "document" in raw else "answer"
        step_id = str(raw[kind])
        try:
            step = flow.step(step_id)
        except KeyError:
            raise Refused(400, f"Langkah '{step_id}' tidak ada di alur {flow.title}.") from None
        if (step.kind == "photo") != (kind == "document"):
            raise Refused(400, f"'{step_id}' adalah {'dokumen' if step.kind == 'photo' else 'jawaban'}, "
                               f"bukan {'dokumen' if kind == 'document' else 'jawaban'}.")
        note = raw.get("note") or ""
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            raise Refused(400, f"Catatan untuk '{step_id}' paling banyak {MAX_NOTE} huruf.")
        if (kind, step_id) in seen:
            continue
        seen.add((kind, step_id))
        found.append({kind: step_id, "title": step.document or step.label, "note": note.strip(),
                      "done": False})
    return found


def _item_ref(item: dict) -> dict:
    """A fix item as the audit log keeps it (no note text: it may quote personal data)."""
    return {k: v for k, v in item.items() if k in ("document", "answer")}


# ---- the issued document -----------------------------------------------------------------

def _check_pdf(data: bytes) -> None:
    """The officer's upload must be a readable PDF (exported and signed in SIAK)."""
    if len(data) > MAX_PDF_BYTES:
        raise Refused(400, f"PDF terlalu besar (maksimal {MAX_PDF_BYTES // (1024 * 1024)} MB).")
    if not data.startswith(b"%PDF-"):
        raise Refused(400, "Berkas yang dilampirkan bukan PDF.")
    try:
        if len(PdfReader(io.BytesIO(data)).pages) < 1:
            raise ValueError("no pages")
    except Exception:  # pypdf raises many kinds on a broken file; all mean the same to the officer
        raise Refused(400, "PDF tidak bisa dibaca (rusak atau terpotong). Ekspor ulang dari SIAK.") from None


def store_issued(s, req: Request, pdf: bytes, *, source: str, code: str | None = None) -> Document:
    """Store the issued PDF as it is; a document issued before for the request is superseded."""
    old = current_issued(s, req.id)
    if old is not None:
        old.status = "superseded"
        s.flush()
    key, digest = storage.save(pdf, "documents", ".pdf")
    doc = Document(request_id=req.id, kind="issued", code=code or secrets.token_urlsafe(12),
                   filename=f"{req.service}-{req.ticket}.pdf".replace("_", "-"), size=len(pdf),
                   sha256=digest, storage_key=key, number=req.document_number, source=source,
                   created_at=utcnow())
    s.add(doc)
    s.flush()
    audit(s, "system", "document_stored", doc, ticket=req.ticket, source=source, sha256=digest,
          superseded=old.id if old is not None else None)
    return doc


def verify_url(code: str) -> str:
    """The public verification address a document's QR code holds."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + f"/v/{code}"


def generate_issued(s, req: Request) -> Document:
    """Render the document from the verified answers, sign it, and store it."""
    code = secrets.token_urlsafe(12)
    issued_on = utcnow().astimezone(office_tz(_office())).date()
    answers = {**req.answers, "subject_nik": req.subject_nik} if req.subject_nik else req.answers
    pdf = certificates.render(req.service, answers, document_number=req.document_number,
                              issued_on=issued_on, verify_url=verify_url(code),
                              office=_office()["office"], specimen=signing.is_specimen())
    return store_issued(s, req, signing.sign_pdf(pdf), source="generated", code=code)


def deliver_issued(request_id: int, resend: bool = False, corrected: bool = False) -> None:
    """Job: build the document if it is to be generated, then owe it in the chat and by email."""
    with db.new_session() as s:
        req = s.get(Request, request_id)
        if req is None or req.status not in ("issued", "delivered"):
            return
        doc = current_issued(s, req.id)
        if doc is None:
            doc = generate_issued(s, req)
        if doc.purged_at is not None:
            raise Refused(409, f"Berkas dokumen {req.ticket} sudah dihapus (masa simpan habis).")
        words = texts()["request_updates"]
        email = req.contact.email
        # A KK's document number is the KK number itself: masked in the chat like every NIK/KK.
        number = mask_nik(doc.number) if doc.number and doc.number.isdigit() and len(doc.number) == 16 else doc.number
        values = {"ticket": req.ticket, "service": service_title(req), "number": number or "-",
                  "email_note": words["email_note"] if email else ""}
        text = fill(words["resent" if resend else "corrected" if corrected else "issued"], **values,
                    reason=req.reason or "")
        s.add(Outbox(contact_id=req.contact_id, kind="reply", status="pending",
                     payload={"text": text, "template_kind": "request_update", "request_id": req.id}))
        s.add(Outbox(contact_id=req.contact_id, kind="document", status="pending", payload={
            "document": {"kind": "issued", "request_id": req.id, "document_id": doc.id,
                         "filename": doc.filename, "content_type": doc.content_type},
            "template_kind": "document_ready"}))
        if email:
            body = fill(words["email_issued"], **values, office=_office()["office"]["name"])
            _email(s, req, email, body, document_id=doc.id)
        audit(s, "system", "document_queued", doc, ticket=req.ticket, resend=resend, corrected=corrected,
              email=bool(email))
        s.commit()
        contact_id = req.contact_id
    jobs.enqueue("delivery.sender.send_pending", contact_id)


def mark_delivered(s, request_id: int, via: str) -> None:
    """The provider (or the mail server) accepted the document: the request is delivered."""
    req = s.get(Request, request_id)
    if req is not None and req.status == "issued":
        lifecycle.apply(s, req, "delivered", lifecycle.SYSTEM, via=via)
