"""The data model: contacts, conversations, messages, requests, files, outbox, audit log."""
import json
from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.schema import FetchedValue

from bot.core import audit_chain

from bot.core import crypto
from bot.core.crypto import EncryptedText, SealedJSON


class Base(DeclarativeBase):
    """Declarative base for every model."""


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (every timestamp is stored in UTC)."""
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored in UTC, so say so."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


class Contact(Base):
    """A citizen's chat identity on one channel (the chat identity is the account)."""
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_contact_channel_ext"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))          # simulator | twilio | whatsapp | messenger
    external_id: Mapped[str] = mapped_column(String(200))    # phone, wa_id/BSUID, PSID, simulator id
    display_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_inbound_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Conversation(Base):
    """Where a contact is in the dialogue: flow, step, answers so far, and who owns it."""
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), unique=True)
    flow: Mapped[str | None] = mapped_column(String(50))
    step: Mapped[str | None] = mapped_column(String(80))
    mode: Mapped[str] = mapped_column(String(60), default="idle")  # idle|collect|confirm|edit_pick|...
    # NIK/KK-shaped strings in the answers and the paused drafts are stored encrypted (bot.core.crypto).
    answers: Mapped[dict] = mapped_column(SealedJSON, default=dict)
    history: Mapped[list] = mapped_column(JSON, default=list)      # steps visited, for *kembali*
    paused: Mapped[list] = mapped_column(SealedJSON, default=list)  # other unfinished requests
    owner: Mapped[str] = mapped_column(String(20), default="bot")  # bot | officer
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    needs_human: Mapped[bool] = mapped_column(Boolean, default=False)  # waiting in the officers' queue
    handoff_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The officer responsible for the chat (assigned by an admin or verifier, or self-assigned);
    # apart from `officer_id`, who holds it now (the bot is silent while an officer holds it).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    contact: Mapped[Contact] = relationship()


class Message(Base):
    """One message in or out, unique per channel and provider id (duplicates are dropped)."""
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("channel", "provider_id", name="uq_message_channel_provider"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(3))         # in | out
    provider_id: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))             # text|button|file|rejected_file|sticker|audio|...
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)  # buttons, document, upload id, reasons
    status: Mapped[str] = mapped_column(String(20))           # received|processed|sent|delivered|read|failed
    error: Mapped[str | None] = mapped_column(Text)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Conversation jobs that started on this (inbound) message: one that killed its job (a
    # timeout, a crash) is given up after MAX_ATTEMPTS instead of being queued forever.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ConversationRead(Base):
    """How far an officer has read a conversation: the newest message shown to them there. The
    citizen's messages after it are the officer's unread ones (the inbox's counts)."""
    __tablename__ = "conversation_reads"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"),
                                                 primary_key=True, index=True)
    last_message_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Officer(Base):
    """A member of staff who works the inbox (operator, verifier, admin)."""
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))             # operator | verifier | admin
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # sha256 of the API bearer token (`flask officer token`); the token itself is never stored.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Kept in the session cookie and compared on every request: signing out, a new password or
    # deactivation raises it, which ends every session of this officer at once.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Optional second step at sign-in (`flask officer totp`): the base32 secret, and the time step
    # of the last code accepted (a code is never taken twice).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # A keyed hash of the address of the last successful sign-in: from there, the throttle on
    # this user name does not apply (an attacker elsewhere cannot keep the officer out).
    usual_address: Mapped[str | None] = mapped_column(String(64))


class SignInThrottle(Base):
    """Failed sign-ins per user name and per client address (keyed hashes, never the values):
    the next attempt for a key is allowed only from `blocked_until` (bot/web/inbox/auth.py)."""
    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Request(Base):
    """A citizen's request for a service, from submission to issue."""
    __tablename__ = "requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket: Mapped[str] = mapped_column(String(40), unique=True)
    service: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    applicant_name: Mapped[str | None] = mapped_column(String(200))
    # NIKs are stored encrypted (the *_enc columns) and found by their keyed hash (*_hash):
    # `crypto.lookups(nik)` gives the hashes to match; setting the NIK sets its hash.
    applicant_nik: Mapped[str | None] = mapped_column("applicant_nik_enc", EncryptedText, key="applicant_nik")
    applicant_nik_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    applicant_relation: Mapped[str | None] = mapped_column(String(80))
    subject_name: Mapped[str | None] = mapped_column(String(200))
    subject_nik: Mapped[str | None] = mapped_column("subject_nik_enc", EncryptedText, key="subject_nik")
    subject_nik_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    answers: Mapped[dict] = mapped_column(SealedJSON, default=dict)
    flags: Mapped[list] = mapped_column(JSON, default=list)  # things the officer must check
    missing_documents: Mapped[list] = mapped_column(JSON, default=list)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    # What the officer asked to be fixed: [{"document"|"answer": step id, "note", "done"}].
    fix_items: Mapped[list] = mapped_column(SealedJSON, default=list)
    reason: Mapped[str | None] = mapped_column(Text)           # why it was rejected, in plain words
    document_number: Mapped[str | None] = mapped_column(String(80))
    # The request this one follows from (the KK update offered after an akta kematian, a twin's akta).
    linked_to: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # delivered, rejected, cancelled
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # its files deleted (retention)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    contact: Mapped[Contact] = relationship()
    officer: Mapped["Officer | None"] = relationship()


@event.listens_for(Request.applicant_nik, "set")
def _hash_applicant_nik(target, value, _old, _initiator):
    """Keep the lookup hash beside the encrypted NIK."""
    target.applicant_nik_hash = crypto.lookup(value)


@event.listens_for(Request.subject_nik, "set")
def _hash_subject_nik(target, value, _old, _initiator):
    """Keep the lookup hash beside the encrypted NIK."""
    target.subject_nik_hash = crypto.lookup(value)


def contacts_naming(s, nik: str) -> list[int]:
    """The contacts whose requests name this NIK (applicant or subject), found by its keyed hash
    (`flask citizen export|erase NIK`, through app.extensions["nik_lookup"])."""
    hashes = crypto.lookups(nik)
    return list(s.execute(select(Request.contact_id).where(or_(Request.applicant_nik_hash.in_(hashes),
                                                               Request.subject_nik_hash.in_(hashes)))).scalars())


class TicketCounter(Base):
    """The last ticket number given per prefix."""
    __tablename__ = "ticket_counters"

    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    """A visit booked for a service done in person (a flow with a `booking:` section): where, which
    day and slot, the queue number, and what the citizen answered (flows/booking.py)."""
    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointment_day", "place", "service", "day"),
                      Index("ix_appointment_status_day", "status", "day"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)   # KTP-0001: the ticket pattern
    service: Mapped[str] = mapped_column(String(50))
    place: Mapped[str] = mapped_column(String(50))               # config.yml appointments.places key
    day: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(30), default="")     # "" when the place has no slots
    queue_number: Mapped[int] = mapped_column(Integer)           # per place, service and day
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    # booked | cancelled | checked_in | served | no_show
    status: Mapped[str] = mapped_column(String(20), default="booked")
    answers: Mapped[dict] = mapped_column(SealedJSON, default=dict)
    bring: Mapped[list] = mapped_column(JSON, default=list)       # what to bring, worked out from the answers
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    served_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))     # at the counter
    no_show_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))    # marked by an officer
    # Reminders sent (delivery/reminders.py), each claimed once by a conditional UPDATE; a move to
    # another day clears them. confirmed_at: "Saya datang" pressed (asked after repeated no-shows).
    reminded_eve_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_morning_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    contact: Mapped[Contact] = relationship()


class AppointmentCounter(Base):
    """Places taken per place, service, day and slot ("" for the whole day): a booking raises
    `taken` only while it is below the quota, in one UPDATE (the last place goes to exactly one);
    `issued` only grows and numbers the queue."""
    __tablename__ = "appointment_counters"

    place: Mapped[str] = mapped_column(String(50), primary_key=True)
    service: Mapped[str] = mapped_column(String(50), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    slot: Mapped[str] = mapped_column(String(30), primary_key=True)
    taken: Mapped[int] = mapped_column(Integer, default=0)
    issued: Mapped[int] = mapped_column(Integer, default=0)


class AppointmentOverride(Base):
    """An officer's change to a day: another quota, or the day closed (slot "" for the whole day).
    The newest row for a key holds; older ones stay as the history (and each is audited)."""
    __tablename__ = "appointment_overrides"
    __table_args__ = (Index("ix_appointment_override_key", "place", "service", "day", "slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    place: Mapped[str] = mapped_column(String(50))
    service: Mapped[str] = mapped_column(String(50))
    day: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(30), default="")
    quota: Mapped[int | None] = mapped_column(Integer)            # None: the configured quota
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(80))                # officer:<id> | system
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OfficeSetting(Base):
    """A value of config.yml an admin changed in the inbox (bot/core/office_settings.py): the newest
    row for a key holds (value None: back to config.yml); older ones stay as the history."""
    __tablename__ = "office_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)     # e.g. appointments.places.x.name
    value: Mapped[object | None] = mapped_column(JSON(none_as_null=True))
    actor: Mapped[str] = mapped_column(String(80))                # officer:<id>
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QueuedContact(Base):
    """A contact whose conversation job is queued and not started yet: one job drains a burst,
    so the webhook queues another only when this row is absent (or stale: a lost job)."""
    __tablename__ = "queued_contacts"

    # No foreign key: the row is a hint, and its check would cost every webhook a lookup.
    contact_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Upload(Base):
    """A file a citizen sent: checked by content, stored by its hash."""
    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    slot: Mapped[str | None] = mapped_column(String(80))      # the flow step it answers
    original_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    storage_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # file deleted (retention)


class Document(Base):
    """A PDF for a request (receipt, the issued document), one current per kind; a booked visit's slip
    (no request; kind "slip:<code>", one current per booking); or a blank official form sent in the
    chat (no request; kind "form:<name>", one current per form)."""
    __tablename__ = "documents"
    __table_args__ = (Index("uq_document_current_kind", "request_id", "kind", unique=True,
                            postgresql_where=text("status = 'current'"),
                            sqlite_where=text("status = 'current'")),
                      Index("uq_document_current_form", "kind", unique=True,
                            postgresql_where=text("request_id IS NULL AND status = 'current'"),
                            sqlite_where=text("request_id IS NULL AND status = 'current'")))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)  # None: a blank form
    # A booking slip (kind "slip:<code>") belongs to a booked visit instead of a request.
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))             # receipt | issued | form:<name>
    # current | superseded (a corrected document replaced it) | revoked; /v says which.
    status: Mapped[str] = mapped_column(String(20), default="current", server_default="current")
    number: Mapped[str | None] = mapped_column(String(80))    # the register number (issued documents)
    source: Mapped[str | None] = mapped_column(String(20))    # generated | attached (from SIAK)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # file deleted (retention)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # public verification code (/v/<code>)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # /v finds an uploaded PDF by it
    storage_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    request: Mapped[Request | None] = relationship()
    appointment: Mapped["Appointment | None"] = relationship()


# Document.kind of a file an officer sent from the inbox: "officer_file:<random>", one kind per file
# (a document of no request is one current per kind), found for erasure through its outbox row.
OFFICER_FILE = "officer_file"


class Outbox(Base):
    """Something owed to a citizen: written with the state change, sent by a job."""
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    in_reply_to: Mapped[int | None] = mapped_column(Integer, index=True)  # inbound message id
    kind: Mapped[str] = mapped_column(String(20))             # reply | document
    payload: Mapped[dict] = mapped_column(JSON)               # text, buttons, document spec
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending|sent|failed|held|suppressed|expired
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CannedResponse(Base):
    """A reply officers pick instead of typing it (managed by admins; {nama}, {tiket}, {kode_jadwal})."""
    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(80), unique=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ConversationNote(Base):
    """A private note between officers on a conversation: never sent to the citizen."""
    __tablename__ = "conversation_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Label(Base):
    """A free tag officers put on conversations ("pindah datang", "lansia"), stored in lower case."""
    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConversationLabel(Base):
    """A label on a conversation (filter conversations by joining on this)."""
    __tablename__ = "conversation_labels"

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditLog(Base):
    """Append-only record of every action: who, what, when, on what."""
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))            # citizen:<contact id> | officer:<id> | system
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(80))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # never a full NIK
    # The hash chain (bot/core/audit_chain.py, docs/audit.md): the entry's place, the hash of the
    # entry before it, its own hash. Set by the database's trigger (PostgreSQL) or at commit (SQLite).
    seq: Mapped[int] = mapped_column(BigInteger, server_default=FetchedValue(), unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64), server_default=FetchedValue())
    hash: Mapped[str] = mapped_column(String(64), server_default=FetchedValue())


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _audit_is_append_only(_mapper, _conn, _target):
    """Refuse to change history through the ORM (the database refuses it too)."""
    raise RuntimeError("audit_log is append-only")


AUDIT_PENDING = "audit_pending"


def audit(s, actor: str, action: str, target=None, **detail) -> AuditLog:
    """Add an audit entry to the session: it is inserted at commit, after the change it records, so
    the chain's lock is held for the commit alone (audit_chain)."""
    entry = AuditLog(actor=actor, action=action, detail=detail)
    if target is not None:
        entry.target_type = target.__tablename__
        entry.target_id = str(target.id)
    if not s.in_transaction():
        s.begin()  # so that a rollback, which ends it, takes the entry with it
    s.info.setdefault(AUDIT_PENDING, []).append(entry)
    return entry


@event.listens_for(Session, "before_commit")
def _append_audit_entries(s):
    """Insert the session's audit entries last: the change first, then the chain's entries."""
    pending = s.info.pop(AUDIT_PENDING, None)
    if not pending:
        return
    s.flush()
    if s.get_bind().dialect.name == "sqlite":
        dialect = s.get_bind().dialect
        audit_chain.chain_pending(s.connection(), pending, getattr(dialect, "_json_serializer", None) or json.dumps)
        s.add_all(pending)
        return
    # PostgreSQL's trigger chains them. One statement past the ORM (a turn's most frequent write:
    # the ORM's insert of an entry cost several times the statement); each entry learns its id.
    now = utcnow()
    rows = [{"at": e.at or now, "actor": e.actor, "action": e.action, "target_type": e.target_type,
             "target_id": e.target_id, "detail": e.detail if e.detail is not None else {}} for e in pending]
    ids = s.connection().execute(_INSERT_AUDIT, rows).scalars().all()
    for entry, row, entry_id in zip(pending, rows, ids):
        set_committed_value(entry, "id", entry_id)
        set_committed_value(entry, "at", row["at"])


_INSERT_AUDIT = insert(AuditLog.__table__).returning(AuditLog.__table__.c.id, sort_by_parameter_order=True)


@event.listens_for(Session, "after_transaction_end")
def _forget_audit_entries(s, transaction):
    """A transaction rolled back (or closed) takes its audit entries with it."""
    if transaction.parent is None:
        s.info.pop(AUDIT_PENDING, None)
