"""Ingestion: every channel's inbound message is stored once, then its contact's job is queued
(`bot.core.inbound_store` holds how); a media message is downloaded and checked by the job.

A file is stored when it arrives (re-encoded or checked, see bot.core.uploads), before anyone knows
what it is for; once the dialogue has answered it, a file no consent covers is deleted again
(`not_kept_before_consent`)."""
import logging
import uuid

from sqlalchemy import select

from bot.core import crypto, inbound_store
from bot.core.lifecycle import CLOSED
from bot.core.models import Contact, Conversation, Message, Request, Upload, audit, utcnow
from bot.core.uploads import discard, store_upload
from delivery import jobs
from delivery.channels import registry
from delivery.channels.base import TransportError
from flows import definition
from flows.messages import Reply
from flows.office import office_tz

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
    # A NIK or KK number is never stored as typed: the text is masked, the original kept
    # encrypted until the conversation job has read it (bot.core.crypto).
    text = crypto.seal_typed(text, payload)
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
        if not jobs.enqueue_or_owe("delivery.conversation.process_contact", stored.contact_id, channel):
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


def not_kept_before_consent(s, conv: Conversation, message: Message, office: dict) -> list[Reply]:
    """After the dialogue answered a file message: delete the file unless a consent covers it, and
    return what the citizen is told then (nothing while an officer has the chat: the bot is quiet).

    A consent covers a file the dialogue took (a photo step, a document for a filed request), any
    file of a citizen with a request still open (they agreed when filing it; a late document may
    wait for their choice of request), and any file in a flow whose consents up to its first photo
    step are all given. A file sent before that, e.g. while the privacy notice is still asked, was
    needed only to answer the message (a document checked by its QR code) and is not kept."""
    upload_id = (message.payload or {}).get("upload_id")
    upload = s.get(Upload, upload_id) if message.kind == "file" and upload_id else None
    if upload is None or upload.purged_at is not None or upload.slot or upload.request_id:
        return []
    if s.execute(select(Request.id).where(Request.contact_id == conv.contact_id, Request.status.not_in(CLOSED))
                 .limit(1)).first() is not None:
        return []
    if conv.flow and _consented(conv, office):
        return []
    discard(s, upload)
    payload = dict(message.payload)
    payload["file_name"] = (upload.original_name or "")[:255]
    payload["reason"] = definition.texts()["uploads"]["not_kept_before_consent"]
    message.kind, message.payload = "rejected_file", payload  # the inbox shows it refused, with no link
    audit(s, "system", "upload_discarded_without_consent", upload)
    return [] if conv.owner == "officer" else [Reply(payload["reason"])]


def _consented(conv: Conversation, office: dict) -> bool:
    """Whether every consent step of the conversation's flow that comes before its first photo step
    (and applies to the answers given) is answered yes; a flow that asks none covers nothing."""
    try:
        flow = definition.load_flow(conv.flow)
    except (FileNotFoundError, KeyError):
        return False
    answers, today = conv.answers or {}, utcnow().astimezone(office_tz(office)).date()
    consents = []
    for step in flow.steps:
        if step.kind == "photo":
            break
        if step.kind == "consent" and definition.applies(step, answers, today):
            consents.append(answers.get(step.id) is True)
    return bool(consents) and all(consents)
