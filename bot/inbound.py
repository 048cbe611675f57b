"""Ingestion: every channel's inbound message is stored once, then its contact's job is queued."""
import logging
import uuid
from functools import lru_cache

from flask import current_app
from sqlalchemy import bindparam, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from bot import db, storage
from bot.models import Contact, Message, Upload, utcnow
from delivery import jobs
from flows.file_checks import sniff_upload
from flows.validators import Invalid

log = logging.getLogger(__name__)


def get_contact(s, channel: str, external_id: str, display_name: str | None = None) -> Contact:
    """The contact for a chat identity, created on first contact (race-safe)."""
    found = s.execute(select(Contact).where(Contact.channel == channel,
                                            Contact.external_id == external_id)).scalar_one_or_none()
    if found is not None:
        return found
    try:
        with s.begin_nested():
            contact = Contact(channel=channel, external_id=external_id, display_name=display_name)
            s.add(contact)
        return contact
    except IntegrityError:
        # Another process created it between our read and our insert.
        return s.execute(select(Contact).where(Contact.channel == channel,
                                               Contact.external_id == external_id)).scalar_one()


def store_upload(s, contact: Contact, data: bytes, filename: str | None, declared: str | None):
    """Check a file by its content and store it; returns (Upload, None) or (None, reason)."""
    uploads = current_app.config["OFFICE"].get("uploads", {})
    try:
        content_type, extension = sniff_upload(
            data, filename=filename, declared_type=declared,
            max_bytes=int(uploads.get("max_bytes", 10 * 1024 * 1024)),
            accepted=tuple(uploads.get("accepted", ("image/jpeg", "image/png", "image/webp", "application/pdf"))))
    except Invalid as err:
        return None, err.message
    key, digest = storage.save(data, "uploads", extension)
    upload = Upload(contact_id=contact.id, original_name=(filename or "")[:255] or None,
                    content_type=content_type, size=len(data), sha256=digest, storage_key=key)
    s.add(upload)
    s.flush()
    return upload, None


def receive(channel: str, external_id: str, *, kind: str, text: str | None = None,
            button: str | None = None, provider_id: str | None = None, display_name: str | None = None,
            file: tuple[bytes, str | None, str | None] | None = None, extra: dict | None = None) -> int | None:
    """Store one inbound message and queue its contact's job; its id, or None for a duplicate.

    This is the webhook's hot path: a contact upsert and a message insert that a duplicate
    provider id turns into nothing. On PostgreSQL both go in one autocommitted statement (one
    round trip); the contact's reply window is moved by the conversation job, so a provider's
    late redelivery of an old message never reopens it.
    """
    payload = dict(extra or {})
    if button is not None:
        payload["button"] = button
    row = {"channel": channel, "direction": "in", "provider_id": provider_id or f"local-{uuid.uuid4().hex}",
           "kind": kind, "text": text, "payload": payload, "status": "received", "created_at": utcnow()}
    if file is None and db.engine().dialect.name == "postgresql":
        stored = _store_in_one_statement(external_id, display_name, row)
    else:
        stored = _store_in_a_session(external_id, display_name, row, file)
    if stored is None:
        log.info("duplicate %s message ignored", channel)
        return None
    message_id, contact_id = stored
    jobs.enqueue("flows.runner.process_contact", contact_id, once_key=f"contact:{contact_id}")
    return message_id


MESSAGE_COLUMNS = ("channel", "direction", "provider_id", "kind", "text", "payload", "status", "created_at")


@lru_cache(maxsize=1)
def _rename():
    """An existing contact's new profile name, written only if no job holds the row right now
    (SKIP LOCKED): the webhook never waits, and a later message carries the name again."""
    contacts = Contact.__table__
    name = bindparam("c_display_name", type_=contacts.c.display_name.type)
    target = (select(contacts.c.id).where(contacts.c.channel == bindparam("c_channel"),
                                          contacts.c.external_id == bindparam("c_external_id"),
                                          name.is_not(None), contacts.c.display_name.is_distinct_from(name))
              .with_for_update(key_share=True, skip_locked=True).scalar_subquery())
    return update(contacts).where(contacts.c.id == target).values(display_name=name)


@lru_cache(maxsize=1)
def _one_statement():
    """The PostgreSQL ingestion statement, built once (building it per message cost more than
    running it): a data-modifying CTE that finds or creates the contact, then inserts the message.

    It never writes (or locks) an existing contact's row: that row is locked by the contact's
    running job (`db.lock_contact`), and the webhook must not wait for a dialogue step or a send.
    """
    contacts, messages = Contact.__table__, Message.__table__
    created = (pg_insert(contacts).values(channel=bindparam("c_channel"), external_id=bindparam("c_external_id"),
                                          display_name=bindparam("c_display_name"),
                                          created_at=bindparam("c_created_at"))
               .on_conflict_do_nothing(index_elements=["channel", "external_id"])
               .returning(contacts.c.id).cte("created"))
    existing = select(contacts.c.id).where(contacts.c.channel == bindparam("c_channel"),
                                           contacts.c.external_id == bindparam("c_external_id"))
    # The existing row is only read when nothing was created (UNION ALL under LIMIT stops early).
    contact = union_all(select(created.c.id), existing).limit(1).cte("contact")
    # A data-modifying CTE runs even though nothing reads it.
    renamed = _rename().cte("renamed")
    values = select(contact.c.id, *(bindparam(f"m_{name}", type_=messages.c[name].type) for name in MESSAGE_COLUMNS))
    return (pg_insert(messages).add_cte(renamed).from_select(["contact_id", *MESSAGE_COLUMNS], values)
            .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
            .returning(messages.c.id, messages.c.contact_id))


def _store_in_one_statement(external_id: str, display_name: str | None, row: dict) -> tuple[int, int] | None:
    """PostgreSQL: find or create the contact and insert the message in one autocommitted round trip."""
    params = {"c_channel": row["channel"], "c_external_id": external_id, "c_display_name": display_name,
              "c_created_at": row["created_at"], **{f"m_{name}": row[name] for name in MESSAGE_COLUMNS}}
    with db.autocommit_engine().connect() as conn:
        found = conn.execute(_one_statement(), params).first()
        if found is None:
            # Nothing stored: a duplicate, or a new contact created by a concurrent first message
            # after this statement's snapshot was taken (its row was invisible to it). A second
            # run sees that contact; if it stores nothing either, the message was a duplicate.
            found = conn.execute(_one_statement(), params).first()
    return (found.id, found.contact_id) if found else None


def _store_in_a_session(external_id: str, display_name: str | None, row: dict, file) -> tuple[int, int] | None:
    """SQLite, or a file to check and store first: the same two inserts in one transaction."""
    with db.new_session() as s:
        contact_id = _upsert_contact(s, row["channel"], external_id, display_name)
        if file is not None:
            upload, reason = store_upload(s, s.get(Contact, contact_id), *file)
            if upload is None:
                row["kind"], row["payload"]["reason"] = "rejected_file", reason
                row["payload"]["file_name"] = (file[1] or "")[:255]
            else:
                row["kind"], row["payload"]["upload_id"] = "file", upload.id
        messages = Message.__table__
        message_id = s.connection().execute(
            _insert(s)(messages).values(contact_id=contact_id, **row)
            .on_conflict_do_nothing(index_elements=["channel", "provider_id"]).returning(messages.c.id)
        ).scalar_one_or_none()
        if message_id is None:
            s.rollback()  # drops an upload stored for a duplicate, too
            return None
        s.commit()
    return message_id, contact_id


def _insert(s):
    """The dialect's INSERT, which knows ON CONFLICT (PostgreSQL and SQLite alike)."""
    return pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert


def _upsert_contact(s, channel: str, external_id: str, display_name: str | None) -> int:
    """The contact id for a chat identity, created on first contact; an existing row is only read."""
    contacts = Contact.__table__
    created = s.connection().execute(
        _insert(s)(contacts).values(channel=channel, external_id=external_id, display_name=display_name,
                                    created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["channel", "external_id"]).returning(contacts.c.id)
    ).scalar_one_or_none()
    if created is not None:
        return created
    if display_name:
        s.connection().execute(_rename(), {"c_channel": channel, "c_external_id": external_id,
                                           "c_display_name": display_name})
    return s.connection().execute(select(contacts.c.id).where(
        contacts.c.channel == channel, contacts.c.external_id == external_id)).scalar_one()


# Channel name -> callable(payload) -> (bytes, filename, content_type); raises TransportError.
MEDIA_FETCHERS: dict = {}
# Channel name -> callable(payload) that deletes the provider's copy (where the API allows).
MEDIA_DELETERS: dict = {}


def resolve_media(s, contact: Contact, message: Message) -> None:
    """Download a channel's media message, check and store it, and turn it into a file message."""
    from delivery.channels import TransportError

    payload = dict(message.payload or {})
    try:
        data, filename, content_type = MEDIA_FETCHERS[message.channel](payload)
    except (TransportError, KeyError) as err:
        log.warning("media download failed on %s: %s", message.channel, type(err).__name__)
        message.kind = "rejected_file"
        payload["reason"] = ("Maaf, foto/dokumen Bapak/Ibu gagal kami unduh. "
                             "Mohon kirim ulang sebentar lagi.")
        message.payload = payload
        return
    upload, reason = store_upload(s, contact, data, filename, content_type)
    if upload is None:
        message.kind, payload["reason"] = "rejected_file", reason
    else:
        message.kind, payload["upload_id"] = "file", upload.id
    message.payload = payload
    deleter = MEDIA_DELETERS.get(message.channel)
    if deleter is not None:
        try:
            deleter(payload)  # privacy: the provider keeps no copy once we have ours
        except Exception:  # the download succeeded; a failed delete is logged, not fatal
            log.warning("could not delete provider media on %s", message.channel)
