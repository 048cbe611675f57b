"""PDF documents for requests: built once, stored, and given a public verification code."""
import secrets

from flask import current_app
from sqlalchemy import select

from bot.core import storage
from bot.core.models import Document, Request, as_utc, audit, utcnow
from delivery.receipt import build_receipt

RECEIPT_STEPS = [
    "Petugas memeriksa data dan foto dokumen yang Bapak/Ibu kirim.",
    "Bila ada yang kurang atau perlu diperbaiki, petugas menghubungi Bapak/Ibu lewat chat yang sama.",
    "Setelah disetujui, dokumen dikirim sebagai PDF di chat ini (dan ke email bila diisi).",
    "Cetak sendiri di kertas HVS putih A4 80 gram; hitam-putih boleh, tidak perlu legalisir.",
]


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
    received, missing = _documents(s, req)
    pdf = build_receipt({
        "office": config["office"], "ticket": req.ticket, "service_title": service["title"],
        "submitted_at": as_utc(req.created_at), "applicant_name": req.applicant_name or "-",
        "applicant_nik": req.applicant_nik or "", "applicant_relation": req.applicant_relation or "-",
        "subject_label": "Nama anak" if req.service == "akta_kelahiran" else "Atas nama",
        "subject_name": req.subject_name or "-", "channel": _channel_name(req.contact.channel),
        "documents_received": received, "documents_missing": missing, "next_steps": RECEIPT_STEPS,
        "duration": service.get("duration", "-"),
        "verify_url": current_app.config["PUBLIC_BASE_URL"].rstrip("/") + f"/v/{code}",
        "notes": ["Layanan ini GRATIS. Jangan berikan uang kepada siapa pun yang menjanjikan percepatan."],
    })
    key, digest = storage.save(pdf, "documents", ".pdf")
    doc = Document(request_id=req.id, kind="receipt", code=code, filename=f"Tanda-terima-{req.ticket}.pdf",
                   size=len(pdf), sha256=digest, storage_key=key, created_at=utcnow())
    s.add(doc)
    s.flush()
    audit(s, "system", "receipt_built", doc, ticket=req.ticket)
    return doc


def _documents(s, req: Request) -> tuple[list[str], list[str]]:
    """Document names received and still missing, from the answers filed at submission."""
    from flows.definition import load_flow
    from flows.summary import documents

    flow_name = current_app.config["OFFICE"]["services"][req.service].get("flow")
    return documents(load_flow(flow_name), req.answers, req.created_at.date())


def _channel_name(channel: str) -> str:
    """How the channel is called on paper."""
    return {"twilio": "WhatsApp", "whatsapp": "WhatsApp", "messenger": "Messenger"}.get(channel, "Simulator")
