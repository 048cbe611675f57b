"""Is this a document the office issued? By its QR code's verification code or by its bytes.

The public page (/v), the API (POST /v) and the chat (a PDF or a QR photo sent to the assistant)
all ask here, so they can never disagree. A document is found by the code in its QR or by the
sha256 of the exact file; a changed byte is a different hash and is not ours.
"""
import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import or_, select

from bot.core.models import Appointment, Document, Request

# /v/<code> inside whatever a QR code or a pasted link holds.
CODE_IN_URL = re.compile(r"/v/([A-Za-z0-9_-]{8,40})(?![A-Za-z0-9_-])")


# A request's document or a booked visit's slip (a blank form is neither).
ISSUED_TO_SOMEONE = or_(Document.request_id.is_not(None), Document.appointment_id.is_not(None))


@dataclass(frozen=True)
class Finding:
    """What a check found: the document (None when it is not ours) and whether it is current."""
    document: Document | None

    @property
    def genuine(self) -> bool:
        return self.document is not None

    @property
    def request(self) -> Request | None:
        return self.document.request if self.document is not None else None

    @property
    def appointment(self) -> Appointment | None:
        """The booked visit a slip is for."""
        return self.document.appointment if self.document is not None else None

    @property
    def current(self) -> bool:
        """Genuine and not replaced by a corrected document or revoked."""
        return self.genuine and self.document.status == "current"


def by_code(s, code: str) -> Finding:
    """The document a verification code names."""
    if not code or len(code) > 40:
        return Finding(None)
    # A blank form (no request, no booking) is the office's paper for anyone to fill in, not a
    # document it issued.
    return Finding(s.execute(select(Document).where(Document.code == code, ISSUED_TO_SOMEONE))
                   .scalar_one_or_none())


def by_content(s, data: bytes) -> Finding:
    """The document whose stored file is exactly these bytes (the newest, if stored twice)."""
    digest = hashlib.sha256(data).hexdigest()
    doc = s.execute(select(Document).where(Document.sha256 == digest, ISSUED_TO_SOMEONE)
                    .order_by(Document.id.desc())
                    .limit(1)).scalar_one_or_none()
    return Finding(doc)


def current_issued(s, request_id: int) -> Document | None:
    """The request's issued document in force (not superseded or revoked), if any."""
    return s.execute(select(Document).where(Document.request_id == request_id, Document.kind == "issued",
                                            Document.status == "current")).scalar_one_or_none()


def code_in(text: str) -> str | None:
    """The verification code in a URL or text (what a decoded QR code holds), if any."""
    found = CODE_IN_URL.search(text or "")
    return found.group(1) if found else None


def masked_name(name: str | None) -> str:
    """A holder's name partly hidden: the first letters of each word ("Budi Santoso" → "Bu** Sa*****")."""
    if not name:
        return "-"
    words = []
    for word in name.split():
        keep = 2 if len(word) > 3 else 1
        words.append(word[:keep] + "*" * (len(word) - keep))
    return " ".join(words)
