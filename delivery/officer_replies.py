"""What an officer sends a citizen from the inbox: the outbox payload, signed "Petugas Rina:" so the
citizen sees a person is answering, and a file (PDF or photo) stored to go out like our own PDFs.

The signature is put on here, once, when the payload is written: the sender, the window's email
copy, a template's {text} and the transcript all carry the same words the citizen got.
"""
import secrets

from flask import current_app

from bot.core import storage
from bot.core.models import OFFICER_FILE, Document, Officer, audit, utcnow
from bot.core.uploads import clean_upload, sniff_upload
from flows.definition import texts

# Officer files: what the channels take as a document or a photo, and no more than WhatsApp's 16 MB
# media limit (the Messenger and Twilio limits are higher); config.yml `uploads.officer_max_bytes`.
FILE_TYPES = ("application/pdf", "image/jpeg", "image/png")
FILE_MAX_BYTES = 10 * 1024 * 1024
# Words before a name that are no name to be called by ("Hj. Rina" is Petugas Rina).
TITLES = {"h", "hj", "dr", "drs", "ir", "bapak", "ibu", "pak", "bu", "sdr", "sdri"}


def first_name(officer: Officer) -> str:
    """How the citizen is told who answers: the officer's first name, without a title."""
    words = [w for w in (officer.name or "").split() if w.strip(".,").lower() not in TITLES]
    return words[0].strip(".,") if words else (officer.username or "")


def signature(officer: Officer) -> str:
    """The words before every message an officer sends: "Petugas Rina:"."""
    return f"Petugas {first_name(officer)}:"


def officer_payload(officer: Officer, text: str, document: dict | None = None) -> dict:
    """The outbox payload of an officer's message (with a file's document spec when there is one).
    `officer` marks it for the window rule (Messenger's HUMAN_AGENT) and the transcript."""
    text = (text or "").strip()
    signed = f"{signature(officer)} {text}" if text else signature(officer).rstrip(":")
    payload = {"text": signed, "officer": True, "officer_id": officer.id, "officer_name": first_name(officer)}
    if document:
        payload["document"] = document
    return payload


def store_officer_file(s, data: bytes, filename: str | None, declared: str | None) -> Document:
    """Check a file an officer attached as a citizen's upload is checked (type by content, size, a
    picture re-encoded without metadata, a PDF with nothing active) and store it to be sent; raises
    Invalid with the reason. Its kind is unique to it (one current document per kind and no request)."""
    limits = current_app.config["OFFICE"].get("uploads", {})
    content_type, extension = sniff_upload(data, texts=texts(), filename=filename, declared_type=declared,
                                           max_bytes=int(limits.get("officer_max_bytes", FILE_MAX_BYTES)),
                                           accepted=FILE_TYPES)
    data, content_type = clean_upload(data, content_type, texts=texts())
    extension = ".png" if content_type == "image/png" else ".jpg" if content_type == "image/jpeg" else extension
    key, digest = storage.save(data, "officer-files", extension)
    doc = Document(request_id=None, kind=f"{OFFICER_FILE}:{secrets.token_hex(8)}", code=secrets.token_urlsafe(12),
                   filename=_filename(filename, extension), content_type=content_type, size=len(data),
                   sha256=digest, storage_key=key, source="attached", created_at=utcnow())
    s.add(doc)
    s.flush()
    return doc


def _filename(name: str | None, extension: str) -> str:
    """The name the citizen sees: the officer's file name (its last part, printable), our extension."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?').strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return (stem[:100] or "Dokumen") + extension


def document_spec(doc: Document) -> dict:
    """The outbox payload's `document` for a stored officer file (what the adapters send)."""
    return {"kind": doc.kind, "document_id": doc.id, "filename": doc.filename, "content_type": doc.content_type}


def audit_file_sent(s, officer: Officer, row, doc: Document, conversation_id: int) -> None:
    """Record that an officer sent a file (the row is the outbox row that carries it)."""
    audit(s, f"officer:{officer.id}", "officer_file_sent", row, conversation_id=conversation_id,
          document_id=doc.id, content_type=doc.content_type, size=doc.size)

