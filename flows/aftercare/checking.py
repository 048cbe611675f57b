"""Checking a document in the chat: a PDF by its exact bytes, a photo by the code in its QR."""
import io

import zxingcpp
from PIL import Image

from bot.core import storage, verification
from bot.core.models import Upload, as_utc, audit
from flows.aftercare.common import service_title, words
from flows.messages import Reply
from flows.office import office_tz
from flows.placeholders import fill
from flows.validators import format_date_id


def check_file(engine, upload_id: int | None, offered: bool) -> list[Reply]:
    """Is this file a document we issued? A PDF by its bytes, a photo by the code in its QR."""
    t = words()
    upload = engine.s.get(Upload, upload_id) if upload_id else None
    if upload is None or upload.purged_at is not None:
        return [Reply(t["not_attached"])]
    data = storage.load(upload.storage_key)
    if upload.content_type == "application/pdf":
        return [verdict(engine, verification.by_content(engine.s, data), upload)]
    text = qr_text(data)
    code = verification.code_in(text) if text else None
    if code:
        return [verdict(engine, verification.by_code(engine.s, code), upload)]
    if text is not None:
        return [verdict(engine, verification.Finding(None), upload)]
    return [Reply(t["not_attached"] if offered else t["verify_no_qr"])]


def qr_text(data: bytes) -> str | None:
    """The text of the first QR code in a photo, or None (no code, or not a picture)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            found = zxingcpp.read_barcodes(image.convert("RGB"))
    except Exception:  # a photo Pillow cannot read is no QR code either
        return None
    return next((r.text for r in found if r.text), None)


def verdict(engine, finding, upload: Upload) -> Reply:
    """What the check found, in plain words (the holder's name partly hidden)."""
    t = words()
    audit(engine.s, engine._actor(), "document_checked_in_chat", upload, genuine=finding.genuine,
          current=finding.current)
    if not finding.genuine:
        return Reply(t["verify_unknown"])
    doc, req = finding.document, finding.request
    what = service_title(req, engine.office) if doc.kind == "issued" else fill(t["receipt_name"], ticket=req.ticket)
    values = {"document": what, "number": doc.number or req.ticket, "name": verification.masked_name(req.subject_name)}
    if finding.current:
        issued = as_utc(doc.created_at).astimezone(office_tz(engine.office)).date()
        return Reply(fill(t["verify_genuine"], **values, date=format_date_id(issued)))
    return Reply(fill(t["verify_superseded" if doc.status == "superseded" else "verify_revoked"], **values))
