"""Ingestion: every channel's inbound message is stored once, then its contact's job is queued
(`bot.core.inbound_store` holds how); a media message is downloaded and checked by the job."""
import logging
import uuid

from bot.core import inbound_store
from bot.core.models import Contact, Message, utcnow
from bot.core.uploads import store_upload
from delivery import jobs
from delivery.channels import registry
from delivery.channels.base import TransportError
from flows import definition

log = logging.getLogger(__name__)


def receive(channel: str, external_id: str, *, kind: str, text: str | None = None,
            button: str | None = None, provider_id: str | None = None, display_name: str | None = None,
            file: tuple[bytes, str | None, str | None] | None = None, extra: dict | None = None) -> int | None:
    """Store one inbound message and queue its contact's job; its id, or None for a duplicate.

    The contact's reply window is moved by the conversation job, not here, so a provider's late
    redelivery of an old message never reopens it.
    """
    payload = dict(extra or {})
    if button is not None:
        payload["button"] = button
    row = {"channel": channel, "direction": "in", "provider_id": provider_id or f"local-{uuid.uuid4().hex}",
           "kind": kind, "text": text, "payload": payload, "status": "received", "created_at": utcnow()}
    attach = None
    if file is not None:
        def attach(s, contact_id, row):
            """Check and store the file in the message's transaction."""
            upload, reason = store_upload(s, s.get(Contact, contact_id), *file, texts=definition.texts())
            if upload is None:
                row["kind"], row["payload"]["reason"] = "rejected_file", reason
                row["payload"]["file_name"] = (file[1] or "")[:255]
            else:
                row["kind"], row["payload"]["upload_id"] = "file", upload.id
    stored = inbound_store.store(external_id, display_name, row, attach)
    if stored is None:
        log.info("duplicate %s message ignored", channel)
        return None
    if stored.needs_job:  # otherwise a job waiting for this contact will read this message too
        if not jobs.enqueue_or_owe("delivery.conversation.process_contact", stored.contact_id):
            # No job waits in the queue after all: the next message may queue one, and if this
            # process dies before Redis is back, the workers' sweep finds the message.
            inbound_store.job_started(stored.contact_id)
    return stored.message_id


def resolve_media(s, contact: Contact, message: Message) -> None:
    """Download a channel's media message, check and store it, and turn it into a file message."""
    payload = dict(message.payload or {})
    try:
        channel = registry.channel(message.channel)
        if channel is None:
            raise TransportError(f"no channel {message.channel!r}", permanent=True)
        data, filename, content_type = channel.fetch_media(payload)
    except TransportError as err:
        log.warning("media download failed on %s: %s", message.channel, type(err).__name__)
        message.kind = "rejected_file"
        payload["reason"] = definition.texts()["uploads"]["download_failed"]
        message.payload = payload
        return
    upload, reason = store_upload(s, contact, data, filename, content_type, texts=definition.texts())
    if upload is None:
        message.kind, payload["reason"] = "rejected_file", reason
    else:
        message.kind, payload["upload_id"] = "file", upload.id
    message.payload = payload
    try:
        channel.delete_media(payload)  # privacy: the provider keeps no copy once we have ours
    except Exception:  # the download succeeded; a failed delete is logged, not fatal
        log.warning("could not delete provider media on %s", message.channel)
