"""A citizen's rights over their data (UU 27/2022 PDP): everything held about them, and erasure.

A citizen is found by one identifier: a chat identity (`whatsapp:6281…`, `messenger:<PSID>`,
`twilio:+62…`, `simulator:<id>`), a phone number, a ticket (`AKL-0001`) or a NIK. The export is
a ZIP of what is held: the chat identity, the conversation, the messages, the requests with
their answers, the files, the documents, and the audit entries about them. Erasure removes or
anonymises it, keeping what the law requires for a document the office issued: the request's
ticket, service, status and dates, and the document's number and fingerprint (so a printed copy
can still be verified). The audit log is append-only and holds no personal data by design; it
keeps its entries, and records the export or erasure itself.
"""
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, or_, select

from bot.core import storage
from bot.core.files import delete_unless_shared
from bot.core.models import (
    AuditLog,
    Contact,
    Conversation,
    ConversationRead,
    ConversationLabel,
    ConversationNote,
    OFFICER_FILE,
    Document,
    Message,
    Outbox,
    QueuedContact,
    Request,
    Upload,
    as_utc,
    audit,
    utcnow,
)

IDENTITY = re.compile(r"\A(?P<channel>[a-z]+):(?P<id>.+)\Z")  # anchored: one try, not one per letter
TICKET = re.compile(r"[A-Z]{2,5}-[0-9]{4,}(-[0-9]+)*")
PHONE = re.compile(r"\+?[0-9][0-9 .-]{6,}")
ISSUED = ("issued", "delivered")
ERASED = "(dihapus atas permintaan warga)"


ASKED, DECIDED = "citizen_data_requested", "citizen_data_request_decided"
KINDS = ("export", "erase")


class NotFound(Exception):
    """No citizen matches the identifier."""


@dataclass
class Subject:
    """The chat identities one identifier names (a citizen may write on several channels)."""
    identifier: str
    contact_ids: list[int] = field(default_factory=list)


def _phone_forms(text: str) -> set[str]:
    """The ways a phone number is stored: +6281…, 6281…, 081…, whatsapp:+6281…."""
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return {digits, "+" + digits, "0" + digits[2:], f"whatsapp:+{digits}"} if digits else set()


def find(s, identifier: str, nik_lookup=None) -> Subject:
    """The contacts an identifier names; NotFound when there are none.

    `nik_lookup(s, nik) -> contact ids` finds the contacts whose requests name a NIK (the NIKs
    are stored encrypted; the caller knows how they are looked up)."""
    text = identifier.strip()
    ids: set[int] = set()
    identity = IDENTITY.fullmatch(text)
    if identity and not text.startswith("+"):
        ids |= set(s.execute(select(Contact.id).where(Contact.channel == identity["channel"],
                                                      Contact.external_id == identity["id"])).scalars())
    elif TICKET.fullmatch(text.upper()):
        ids |= set(s.execute(select(Request.contact_id).where(Request.ticket == text.upper())).scalars())
    elif re.fullmatch(r"\d{16}", text) and nik_lookup is not None:
        ids |= set(nik_lookup(s, text))
    elif PHONE.fullmatch(text):
        forms = _phone_forms(text)
        ids |= set(s.execute(select(Contact.id).where(or_(Contact.phone.in_(forms),
                                                          Contact.external_id.in_(forms)))).scalars())
    if not ids:
        raise NotFound(identifier)
    return Subject(text, sorted(ids))


# ---- export -------------------------------------------------------------------------------------

def _row(obj, skip=()) -> dict:
    """A model row as JSON-ready data."""
    out = {}
    for column in obj.__table__.columns:
        if column.key in skip:
            continue
        value = getattr(obj, column.key)
        out[column.key] = as_utc(value).isoformat() if isinstance(value, datetime) else value
    return out


def _targets(s, contact_ids: list[int]) -> dict[str, set[str]]:
    """The audit targets that belong to these contacts: their rows of each table."""
    requests = s.execute(select(Request.id).where(Request.contact_id.in_(contact_ids))).scalars().all()
    return {
        "contacts": {str(i) for i in contact_ids},
        "conversations": {str(i) for i in s.execute(select(Conversation.id).where(
            Conversation.contact_id.in_(contact_ids))).scalars()},
        "messages": {str(i) for i in s.execute(select(Message.id).where(
            Message.contact_id.in_(contact_ids))).scalars()},
        "requests": {str(i) for i in requests},
        "uploads": {str(i) for i in s.execute(select(Upload.id).where(Upload.contact_id.in_(contact_ids))).scalars()},
        "documents": {str(i) for i in s.execute(select(Document.id).where(
            Document.request_id.in_(requests))).scalars()} if requests else set(),
        "outbox": {str(i) for i in s.execute(select(Outbox.id).where(Outbox.contact_id.in_(contact_ids))).scalars()},
    }


def _audit_entries(s, contact_ids: list[int]) -> list[AuditLog]:
    """Audit entries about these contacts' rows, or done by them."""
    targets = _targets(s, contact_ids)
    actors = [f"citizen:{i}" for i in contact_ids]
    conditions = [AuditLog.actor.in_(actors)] + [
        (AuditLog.target_type == table) & AuditLog.target_id.in_(ids) for table, ids in targets.items() if ids]
    return s.execute(select(AuditLog).where(or_(*conditions)).order_by(AuditLog.id)).scalars().all()


README = """Salinan data pribadi dari layanan Sapa Dukcapil ({office})
Dibuat: {when}

Isi berkas ini:
- data.json: identitas chat, percakapan, pesan, permohonan beserta jawabannya, daftar berkas dan
  dokumen, serta catatan audit tentang data tersebut.
- berkas/: foto dan dokumen yang Bapak/Ibu kirim (yang masih disimpan).
- dokumen/: dokumen yang kami terbitkan atau buat untuk Bapak/Ibu (yang masih disimpan).

Berkas yang sudah dihapus karena masa simpannya habis tidak ada lagi di sini; catatannya tetap
tercantum di data.json.
"""


def export(s, subject: Subject, folder: Path, office_name: str) -> Path:
    """Write everything held about the subject as a ZIP in `folder`; returns its path."""
    ids = subject.contact_ids
    contacts = s.execute(select(Contact).where(Contact.id.in_(ids))).scalars().all()
    requests = s.execute(select(Request).where(Request.contact_id.in_(ids)).order_by(Request.id)).scalars().all()
    request_ids = [r.id for r in requests]
    uploads = s.execute(select(Upload).where(Upload.contact_id.in_(ids)).order_by(Upload.id)).scalars().all()
    documents = s.execute(select(Document).where(Document.request_id.in_(request_ids))
                          .order_by(Document.id)).scalars().all() if request_ids else []
    documents = [*documents, *officer_files(s, ids)]  # and the files officers sent them
    conversations = select(Conversation.id).where(Conversation.contact_id.in_(ids))
    data = {
        "contacts": [_row(c) for c in contacts],
        "conversations": [_row(c) for c in s.execute(select(Conversation).where(
            Conversation.contact_id.in_(ids))).scalars()],
        "messages": [_row(m) for m in s.execute(select(Message).where(Message.contact_id.in_(ids))
                                                .order_by(Message.id)).scalars()],
        # Officers' notes are about the citizen, so they are the citizen's to see (UU PDP, access).
        "officer_notes": [_row(n) for n in s.execute(select(ConversationNote).where(
            ConversationNote.conversation_id.in_(conversations)).order_by(ConversationNote.id)).scalars()],
        "requests": [_row(r) for r in requests],
        "uploads": [_row(u, skip=("storage_key",)) for u in uploads],
        "documents": [_row(d, skip=("storage_key",)) for d in documents],
        "audit": [_row(a) for a in _audit_entries(s, ids)],
    }
    now = utcnow()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"data-warga-{now.strftime('%Y%m%d-%H%M%S')}-{ids[0]}.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("BACA-SAYA.txt", README.format(office=office_name, when=now.isoformat()))
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        for upload in uploads:
            _add_file(archive, f"berkas/{upload.id}-{upload.slot or 'file'}{_extension(upload.content_type)}",
                      upload.storage_key, upload.purged_at)
        for doc in documents:
            _add_file(archive, f"dokumen/{doc.id}-{doc.filename}", doc.storage_key, doc.purged_at)
    tmp = path.with_suffix(".zip.tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.chmod(0o600)  # personal data: readable by the service's own user only
    tmp.replace(path)
    for contact_id in ids:
        entry = audit(s, "system", "citizen_data_exported", None, files=len(uploads) + len(documents))
        entry.target_type, entry.target_id = "contacts", str(contact_id)
    return path


def _add_file(archive: zipfile.ZipFile, name: str, key: str, purged_at) -> None:
    """A stored file into the ZIP, unless it was deleted at the end of its retention."""
    if purged_at is not None:
        return
    try:
        archive.writestr(name, storage.load(key))
    except OSError:
        pass  # the file is gone from the disk; data.json still lists it


def _extension(content_type: str) -> str:
    return {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp",
            "application/pdf": ".pdf"}.get(content_type, "")


# ---- erasure ------------------------------------------------------------------------------------

@dataclass
class Erased:
    """What an erasure removed and what it kept."""
    contacts: int = 0
    messages: int = 0
    files: int = 0
    requests_deleted: int = 0
    requests_kept: list[str] = field(default_factory=list)  # tickets kept for an issued document


def erase(s, subject: Subject, actor: str, exports: Path | None = None) -> Erased:
    """Remove or anonymise everything held about the subject, and the copies of it exported to
    `exports` (the caller commits)."""
    ids = subject.contact_ids
    if exports is not None and exports.is_dir():
        for contact_id in ids:
            for old in exports.glob(f"data-warga-*-{contact_id}.zip"):
                old.unlink(missing_ok=True)
    result = Erased(contacts=len(ids))
    requests = s.execute(select(Request).where(Request.contact_id.in_(ids))).scalars().all()
    issued_ids = set(s.execute(select(Document.request_id).where(
        Document.request_id.in_([r.id for r in requests] or [-1]), Document.kind == "issued")).scalars())
    # Files first: the citizen's photos and every PDF of theirs (document records stay for /v).
    uploads = s.execute(select(Upload).where(Upload.contact_id.in_(ids))).scalars().all()
    documents = s.execute(select(Document).where(
        Document.request_id.in_([r.id for r in requests] or [-1]))).scalars().all()
    documents += officer_files(s, ids)
    now = utcnow()
    keys = {u.storage_key for u in uploads} | {d.storage_key for d in documents if d.purged_at is None}
    result.files = len([u for u in uploads if u.purged_at is None]) + len(
        [d for d in documents if d.purged_at is None])
    for upload in uploads:
        s.delete(upload)
    for doc in documents:
        if doc.request_id in issued_ids:
            doc.purged_at = doc.purged_at or now
        else:
            s.delete(doc)
    s.flush()
    for key in keys:
        delete_unless_shared(s, key)
    for req in requests:
        if req.id in issued_ids:
            # What the law requires for an issued document: its request's ticket, service,
            # status, number and dates; none of the citizen's answers or names.
            req.answers, req.flags, req.fix_items, req.missing_documents = {}, [], [], []
            req.applicant_name = req.subject_name = req.applicant_relation = None
            req.applicant_nik = req.subject_nik = None
            req.reason = None
            req.purged_at = req.purged_at or now
            result.requests_kept.append(req.ticket)
        else:
            s.delete(req)
            result.requests_deleted += 1
    result.messages = s.execute(delete(Message).where(Message.contact_id.in_(ids))).rowcount or 0
    s.execute(delete(Outbox).where(Outbox.contact_id.in_(ids)))
    conversations = select(Conversation.id).where(Conversation.contact_id.in_(ids))
    s.execute(delete(ConversationRead).where(ConversationRead.conversation_id.in_(conversations)))
    s.execute(delete(ConversationNote).where(ConversationNote.conversation_id.in_(conversations)))
    s.execute(delete(ConversationLabel).where(ConversationLabel.conversation_id.in_(conversations)))
    s.execute(delete(Conversation).where(Conversation.contact_id.in_(ids)))
    s.execute(delete(QueuedContact).where(QueuedContact.contact_id.in_(ids)))
    for contact in s.execute(select(Contact).where(Contact.id.in_(ids))).scalars():
        # The row stays (requests kept for an issued document point to it), without the person.
        contact.external_id, contact.display_name = f"erased-{contact.id}", None
        contact.phone = contact.email = None
        audit(s, actor, "citizen_data_erased", contact, messages=result.messages, files=result.files,
                      requests_deleted=result.requests_deleted, requests_kept=len(result.requests_kept))
    return result


def officer_files(s, contact_ids: list[int]) -> list[Document]:
    """The files officers sent these contacts from the inbox (Documents of kind officer_file:…, found
    through the outbox rows that carried them: such a document belongs to no request)."""
    found = {(payload or {}).get("document", {}).get("document_id")
             for payload in s.execute(select(Outbox.payload).where(Outbox.contact_id.in_(contact_ids))).scalars()
             if str(((payload or {}).get("document") or {}).get("kind", "")).startswith(OFFICER_FILE)}
    found.discard(None)
    return list(s.execute(select(Document).where(Document.id.in_(found))).scalars()) if found else []


# ---- asked for in the chat, decided by an officer -----------------------------------------------
# The requests live in the audit log itself: an entry when the citizen asks, another when an
# officer decides. The log is append-only, so what was asked, by whom and what became of it can
# never be lost or quietly changed; pending ones are those without a decision.

@dataclass(frozen=True)
class Asked:
    """A citizen's request for their data (export) or its erasure, still to be decided."""
    entry_id: int
    contact_id: int
    kind: str
    at: datetime


def pending(s, contact_id: int | None = None) -> list[Asked]:
    """Requests no officer has decided yet, oldest first (of one contact, or everyone's)."""
    query = select(AuditLog).where(AuditLog.action == ASKED, AuditLog.target_type == "contacts")
    if contact_id is not None:
        query = query.where(AuditLog.target_id == str(contact_id))
    asked = s.execute(query.order_by(AuditLog.id)).scalars().all()
    if not asked:
        return []
    decided = {entry.detail.get("request") for entry in s.execute(select(AuditLog).where(
        AuditLog.action == DECIDED, AuditLog.id > asked[0].id)).scalars()}
    return [Asked(a.id, int(a.target_id), a.detail.get("kind"), as_utc(a.at)) for a in asked
            if a.id not in decided and a.detail.get("kind") in KINDS]


def ask(s, contact_id: int, kind: str) -> Asked | None:
    """Record the citizen's request (once: the same kind already waiting is not asked twice);
    None when it was already waiting."""
    if any(p.kind == kind for p in pending(s, contact_id)):
        return None
    entry = audit(s, f"citizen:{contact_id}", ASKED, None, kind=kind)
    entry.target_type, entry.target_id = "contacts", str(contact_id)
    s.flush()
    return Asked(entry.id, contact_id, kind, as_utc(entry.at) or utcnow())


def decide(s, asked: Asked, actor: str, outcome: str, **detail) -> None:
    """An officer's decision on a request: done (carried out) or refused (with the reason)."""
    entry = audit(s, actor, DECIDED, None, request=asked.entry_id, kind=asked.kind, outcome=outcome, **detail)
    entry.target_type, entry.target_id = "contacts", str(asked.contact_id)
