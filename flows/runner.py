"""The conversation job: one contact's unprocessed messages, one at a time, in order."""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from bot import db
from bot.models import Conversation, Message, Outbox, Upload, as_utc, audit, utcnow
from delivery import jobs
from flows.engine import Engine
from flows.messages import Event

log = logging.getLogger(__name__)


def process_contact(contact_id: int) -> int:
    """Advance the dialogue for every message this contact sent that is not handled yet."""
    handled = 0
    while True:
        with db.new_session() as s:
            contact = db.lock_contact(s, contact_id)
            message = s.execute(select(Message).where(
                Message.contact_id == contact_id, Message.direction == "in", Message.status == "received")
                .order_by(Message.id).limit(1)).scalar_one_or_none()
            if message is None:
                s.commit()
                break
            _handle(s, contact, message)
            s.commit()  # state, outbox rows and the message's status land together or not at all
            handled += 1
    if handled:
        jobs.enqueue("delivery.sender.send_pending", contact_id)
    return handled


def _handle(s, contact, message: Message) -> None:
    """Run the engine on one message and write its replies to the outbox."""
    conv = s.execute(select(Conversation).where(Conversation.contact_id == contact.id)).scalar_one_or_none()
    if conv is None:
        conv = Conversation(contact_id=contact.id, answers={}, history=[], paused=[], mode="idle", owner="bot")
        s.add(conv)
        s.flush()
    previous = s.execute(select(Message.created_at).where(
        Message.contact_id == contact.id, Message.direction == "in", Message.id < message.id)
        .order_by(Message.id.desc()).limit(1)).scalar_one_or_none()
    engine = Engine(s, conv, current_app.config["OFFICE"], now=as_utc(message.created_at),
                    resume_after=timedelta(minutes=current_app.config["RESUME_AFTER_MINUTES"]),
                    previous_inbound=as_utc(previous))
    replies = engine.handle(event_of(s, message))
    for reply in replies:
        payload = reply.as_payload()
        if payload:
            s.add(Outbox(contact_id=contact.id, in_reply_to=message.id,
                         kind="document" if reply.document else "reply", payload=payload, status="pending"))
    message.status, message.processed_at = "processed", utcnow()
    audit(s, f"citizen:{contact.id}", "message_handled", message, kind=message.kind, replies=len(replies))


def event_of(s, message: Message) -> Event:
    """The engine's view of a stored inbound message."""
    payload = message.payload or {}
    if message.kind == "file":
        upload = s.get(Upload, payload["upload_id"])
        return Event("file", upload={"id": upload.id, "name": upload.original_name,
                                     "content_type": upload.content_type})
    if message.kind == "text" and not (message.text or "").strip():
        return Event("empty", text="")
    return Event(message.kind, text=message.text, button=payload.get("button"), reason=payload.get("reason"))
