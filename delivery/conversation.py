"""The conversation job: one contact's unprocessed messages, one at a time, in order."""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, exists, insert, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from bot.core import db, handoff, inbound_store, ratelimit
from bot.core.clock import dialogue_now
from bot.core.crypto import TEXT_KEY, forget_typed, typed_text
from bot.core.models import (
    Contact,
    Conversation,
    Message,
    Outbox,
    Upload,
    as_utc,
    audit,
    utcnow,
)
from bot.core.text import fill
from delivery import jobs
from delivery.channels import registry
from delivery.channels.base import TransportError
from delivery import reminders
from delivery.ingest import not_kept_before_consent, resolve_media
from delivery.review import email_update
from delivery.sender import deliver, send_pending
from flows.definition import texts
from flows.engine import Engine
from flows.messages import Event

log = logging.getLogger(__name__)

# Jobs that may start on one message; a message that took down this many is failed with an apology.
MAX_ATTEMPTS = 3

# The statements every turn runs, built once: building one costs about as much as running it
# (docs/dialogue-bench.md). Column reads and writes that need no object go past the ORM, on the
# session's connection, in the same transaction.
_messages, _outbox = Message.__table__, Outbox.__table__
_earlier = _messages.alias("earlier")
# When the citizen wrote before this message, or when the bot handed the chat back after that (it
# asked its question again then, so an answer to it is no return after a gap).
_PREVIOUS = (select(_earlier.c.created_at).where(
    _earlier.c.contact_id == Message.contact_id,
    or_(and_(_earlier.c.direction == "in", _earlier.c.id < Message.id),
        and_(_earlier.c.direction == "out", handoff.handed_back(_earlier.c.payload))))
    .order_by(_earlier.c.id.desc()).limit(1).scalar_subquery())
# Whether replies wait for the citizen to write again (held outside the window, see the sender).
_HELD = exists().where(_outbox.c.contact_id == Message.contact_id, _outbox.c.status == "held")
# When the citizen sent the message `webhook_sender`'s count of messages before this one (None:
# fewer before it; `b_offset` is that count less one), so a turn knows from the stored rows whether
# its sender writes faster than the limit allows (_flooding): the webhook counts nothing for it.
_recent = _messages.alias("recent")
_LIMIT_BACK = (select(_recent.c.created_at).where(
    _recent.c.contact_id == Message.contact_id, _recent.c.direction == "in", _recent.c.id < Message.id)
    .order_by(_recent.c.id.desc()).offset(bindparam("b_offset")).limit(1).scalar_subquery())
# The next two waiting messages, the conversation, the time of the citizen's message before,
# whether replies are held and the time for the sender limit: one statement after the lock.
_WAITING = (select(Message, Conversation, _PREVIOUS.label("previous"), _HELD.label("held"),
                   _LIMIT_BACK.label("limit_back"))
            .outerjoin(Conversation, Conversation.contact_id == Message.contact_id)
            .where(Message.contact_id == bindparam("contact_id"), Message.direction == "in",
                   Message.status == "received").order_by(Message.id).limit(2))
_COUNT_ATTEMPT = db.Direct(update(_messages).where(_messages.c.id == bindparam("message_id"))
                           .values(attempts=_messages.c.attempts + 1))
_RELEASE_HELD = db.Direct(update(_outbox).where(_outbox.c.contact_id == bindparam("b_contact_id"),
                                                 _outbox.c.status == "held")
                          .values(status="pending", next_attempt_at=None))
_ADD_REPLY = insert(_outbox)
_SEEN = db.Direct(update(Contact.__table__).where(Contact.__table__.c.id == bindparam("b_id")).values(
    last_inbound_at=bindparam("b_at")))
_processed_update = update(_messages).where(_messages.c.id == bindparam("b_id")).values(
    status=bindparam("b_status"), processed_at=bindparam("b_processed_at"))
_PROCESSED = db.Direct(_processed_update)
_PROCESSED_FORGETTING = db.Direct(_processed_update.values(payload=bindparam("b_payload")))


def process_contact(contact_id: int, channel: str | None = None) -> int:
    """Advance the dialogue for every message this contact sent that is not handled yet;
    `channel`, the contact's channel when the caller knows it (a webhook does)."""
    inbound_store.job_started(contact_id)
    if _may_show_typing(channel):
        _show_typing(contact_id)
    handled, awaited, owed, more = [], False, False, True
    while more:
        with db.new_session() as s:
            contact = db.lock_contact(s, contact_id)
            awaited = _channel_says(contact.channel, "replies_awaited")
            # Read once the lock is held, in a statement of its own: a statement that waited for the
            # lock still sees the rest of the database as it was before the wait.
            waiting = s.execute(_WAITING, {"contact_id": contact_id, "b_offset": _sender_limit()[0] - 1}).all()
            if not waiting:
                s.commit()
                break
            # A message stored after job_started above queued a job of its own: when this one is the
            # last seen here, the job ends after it, without another round (a lock and a commit).
            (message, conv, previous, held, limit_back), more = waiting[0], len(waiting) > 1
            message_id = message.id
            handled.append(message_id)
            if message.attempts >= MAX_ATTEMPTS:
                # Its jobs died while handling it (a timeout, a crash): never queue it again.
                log.error("message %s given up after %d attempts", message_id, message.attempts)
                s.rollback()
                _give_up(s, contact_id, message_id)
                owed = True
                continue
            if not _count_attempt(s, contact_id, message):
                s.commit()  # another job took it while the count was written: look again
                more = True
                continue
            try:
                owed |= _handle(s, contact, conv, message, previous, held,
                                _flooding(contact.channel, message, limit_back))
                s.commit()  # state, outbox rows and the message's status land together or not at all
            except Exception:
                # One bad message must not block the contact's later ones: apologise, move on.
                log.exception("message %s could not be handled", message_id)
                s.rollback()
                _give_up(s, contact_id, message_id)
                owed = True
    if handled:
        # Replies go out from this same job: one job per message keeps a reply's latency low;
        # retries of a failed send are scheduled on their own by the sender.
        if owed:
            send_pending(contact_id)
        if awaited:
            jobs.announce_answered(handled)
    return len(handled)


def _sender_limit() -> tuple[int, int]:
    """`webhook_sender`: (messages, seconds) a citizen may send before they count as a flood."""
    return ratelimit.limits()["webhook_sender"]


def _flooding(channel_name: str, message: Message, limit_back) -> bool:
    """Whether the citizen sent this message faster than `webhook_sender` allows (`limit_back`: when
    they sent the message the limit's count before it). Only on a provider's channel, whose messages
    are never refused (it would only retry them); the simulator refuses a flood with 429 itself."""
    if limit_back is None or not ratelimit.enabled() or not _channel_says(channel_name, "webhook_paths"):
        return False
    return as_utc(message.created_at) - as_utc(limit_back) < timedelta(seconds=_sender_limit()[1])


def _count_attempt(s, contact_id: int, message: Message) -> bool:
    """Count one more attempt at the message before the work, committed at once, so that a job
    killed mid-way still leaves it. False when another job took the message meanwhile."""
    if s.get_bind().dialect.name == "sqlite":
        # One writer at a time on SQLite: commit the count, then take the lock again.
        message.attempts += 1
        s.commit()
        db.lock_contact(s, contact_id)
        s.refresh(message)
        return message.status == "received"
    # The contact stays locked, so no other job can take the message: the count is committed on
    # the autocommit connection without ending this transaction (no second lock, no reload).
    _COUNT_ATTEMPT.run({"message_id": message.id})
    set_committed_value(message, "attempts", message.attempts + 1)
    return True


def _staff_may_reply(channel_name: str) -> bool:
    """Whether staff can answer this channel's chats outside the inbox (their replies are recorded)."""
    channel = registry.channel(channel_name)
    return channel is None or channel.adapter.capabilities.staff_replies


def _channel_says(channel_name: str, flag: str) -> bool:
    """One of the channel's flags (see Channel): `replies_awaited` (someone waits over HTTP for the
    replies: the simulator page), `delivers_in_database` (delivering is writing the rows),
    `webhook_paths` (a provider's messages come by webhook); False for a channel we do not know."""
    channel = registry.channel(channel_name)
    return bool(channel is not None and getattr(channel, flag))


# Only for a message this recent: "typing…" for one answered late (a backlog, a sweep) misleads.
TYPING_FOR = timedelta(minutes=1)


def _may_show_typing(channel_name: str | None) -> bool:
    """Whether the channel may have a "typing…" indicator (not known: it may). A job that knows
    its channel skips the lookup for the indicator where there is none (Twilio, the simulator)."""
    if channel_name is None:
        return True
    channel = registry.channel(channel_name)
    return channel is not None and channel.adapter.capabilities.typing


def _show_typing(contact_id: int) -> None:
    """Best effort, before the work: the citizen sees "typing…" (and, on WhatsApp Cloud, the
    read ticks) for the oldest message waiting. Done outside the contact lock: a slow provider
    must not hold it."""
    with db.read_session() as s:
        found = s.execute(select(Contact, Message.provider_id, Message.created_at).join(
            Message, Message.contact_id == Contact.id).where(
            Contact.id == contact_id, Message.direction == "in", Message.status == "received")
            .order_by(Message.id).limit(1)).first()
        if found is None or as_utc(found.created_at) < utcnow() - TYPING_FOR:
            return
        channel = registry.channel(found.Contact.channel)
        if channel is None or not channel.adapter.capabilities.typing:
            return
        try:
            channel.adapter.typing(found.Contact, found.provider_id)
        except TransportError as err:  # the reply matters, the indicator does not
            log.info("typing indicator not shown on %s: %s", found.Contact.channel, err)


def _handle(s, contact, conv: Conversation | None, message: Message, previous, held: bool, flood: bool) -> bool:
    """Run the engine on one message (`conv`: the contact's conversation, None before the first;
    `previous`: when the citizen wrote before it, see _PREVIOUS; `held`: whether replies are held
    for the citizen's next message; `flood`: see _flooding) and write its replies to the outbox;
    True when rows are left for the sender to send after the commit."""
    if message.kind == "media":
        resolve_media(s, contact, message)  # download now: the provider's copy is short-lived
    # The citizen wrote: the window is open again, so what waited for it can go out.
    received = as_utc(message.created_at)
    if contact.last_inbound_at is None or as_utc(contact.last_inbound_at) < received:
        _SEEN.run_in(s, {"b_id": contact.id, "b_at": received})
        set_committed_value(contact, "last_inbound_at", received)
    if held:
        _RELEASE_HELD.run_in(s, {"b_contact_id": contact.id})
    if conv is None:
        conv = Conversation(contact_id=contact.id, answers={}, history=[], paused=[], mode="idle", owner="bot")
        s.add(conv)
        s.flush()
    if conv.owner == "officer" and handoff.officer_gone(s, conv, received, current_app.config["OFFICE"]):
        conv.owner, conv.officer_id = "bot", None
        audit(s, "system", "conversation_returned_to_bot", conv, reason="officer_idle")
    config = current_app.config  # the dialogue's time: the message's, or a test's clock (bot/core/clock.py)
    if handoff.request_lapsed(conv, dialogue_now(received, config), config["OFFICE"]):
        conv.needs_human, conv.handoff_requested_at = False, None
        audit(s, "system", "handoff_withdrawn", conv, reason="no_officer")
    if _staff_may_reply(contact.channel) and handoff.bot_keeps_quiet(s, contact.id, received,
                                                                      current_app.config["OFFICE"]):
        # Staff are answering this chat from the Page inbox: the bot does not talk over them.
        # The message is kept (and a photo stored) for them and for the officers' inbox.
        conv.needs_human = False  # someone is answering
        _processed(s, message)
        audit(s, f"citizen:{contact.id}", "message_left_to_staff", message, kind=message.kind)
        return True  # anything owed before (a reply held, a retry) is still the sender's
    engine = Engine(s, conv, config["OFFICE"], now=dialogue_now(as_utc(message.created_at), config),
                    resume_after=timedelta(minutes=config["RESUME_AFTER_MINUTES"]),
                    previous_inbound=dialogue_now(as_utc(previous), config) if previous is not None else None,
                    reminders_reach=reminders.reach(contact.channel, config["OFFICE"]))
    replies = engine.handle(event_of(s, message))
    replies = not_kept_before_consent(s, conv, message, current_app.config["OFFICE"]) + replies
    typed = typed_text(message.text, message.payload)
    cut_from = (message.payload or {}).get("cut_from")
    rows = []  # the chat replies, in order
    if cut_from:
        # The channel cut a text longer than its provider allows: say so, before the answer.
        rows.append(("reply", {"text": fill(texts()["message_cut"], {"kept": len(typed or ""), "sent": cut_from})}))
    keep = _flood_filter(s, contact.id, rows) if flood else None
    for reply in replies:
        payload = reply.as_payload()
        if payload and (keep is None or keep(payload)):
            rows.append(("document" if reply.document else "reply", payload))
        if reply.email_for and reply.text:
            email_update(s, reply.email_for, reply.text)
    if rows:
        # Written past the ORM (nothing here needs the objects), after what the engine added, so the
        # outbox ids keep the order the citizen reads them in.
        s.flush()  # the columns' defaults (pending, no attempts, created now) apply as in the ORM
        s.connection().execute(_ADD_REPLY, [{"contact_id": contact.id, "in_reply_to": message.id, "kind": kind,
                                             "payload": payload} for kind, payload in rows])
    _processed(s, message)
    audit(s, f"citizen:{contact.id}", "message_handled", message, kind=message.kind, replies=len(replies))
    if not _channel_says(contact.channel, "delivers_in_database"):
        return True
    # The replies go out with the state that made them: one transaction and no sender run for the
    # turn. A document is left for the sender, after this commit: the reply before it is out first.
    s.flush()
    return deliver(s, contact, chat_only=True)[1]


# A flood (the sender wrote faster than `webhook_sender` allows, see _flooding): one calm
# notice per FLOOD_QUIET, no reply repeated within FLOOD_QUIET, and at most FLOOD_REPLIES_PER_MINUTE
# chat rows to the contact in a minute, far below the sender's loop guard (LOOP_PER_MINUTE), so a
# flood is answered in one go and never fails rows. Every message still runs through the dialogue.
FLOOD_QUIET = timedelta(minutes=2)
FLOOD_REPLIES_PER_MINUTE = 30


def _flood_filter(s, contact_id: int, rows: list):
    """For a message of a flood: add the calm notice to `rows` if not said lately, and return which
    of its replies to keep (documents always; a text or question not already sent lately)."""
    now = utcnow()
    recent = s.execute(select(Outbox.payload, Outbox.created_at).where(
        Outbox.contact_id == contact_id, Outbox.kind != "email", Outbox.created_at > now - FLOOD_QUIET,
        Outbox.status.in_(("pending", "sent", "held")))).all()  # said, or about to be
    seen = {_same(payload) for payload, _ in recent}
    in_minute = sum(1 for _, at in recent if as_utc(at) > now - timedelta(minutes=1))
    notice = {"text": texts()["flood_notice"]}
    if _same(notice) not in seen:
        seen.add(_same(notice))
        rows.append(("reply", notice))
        in_minute += 1

    def keep(payload: dict) -> bool:
        nonlocal in_minute
        if payload.get("document"):
            return True  # a receipt or a document is never dropped
        if _same(payload) in seen or in_minute >= FLOOD_REPLIES_PER_MINUTE:
            return False
        seen.add(_same(payload))
        in_minute += 1
        return True
    return keep


def _same(payload: dict) -> tuple:
    """What makes two chat replies the same to the citizen: the text and the buttons offered."""
    return payload.get("text"), tuple(b.get("id") for b in payload.get("buttons") or ())


def _processed(s, message: Message) -> None:
    """Mark the message processed, dropping its encrypted copy of what was typed (as _forget_typed):
    a Core update, the object told (the ORM's flush of it cost several times the statement)."""
    values = {"status": "processed", "processed_at": utcnow()}
    if TEXT_KEY in (message.payload or {}):
        values["payload"] = forget_typed(message.payload)
    (_PROCESSED_FORGETTING if "payload" in values else _PROCESSED).run_in(
        s, {"b_id": message.id, **{f"b_{key}": value for key, value in values.items()}})
    for key, value in values.items():
        set_committed_value(message, key, value)


def _give_up(s, contact_id: int, message_id: int) -> None:
    """Mark a message failed, tell the citizen their progress is kept, and record it."""
    db.lock_contact(s, contact_id)
    message = s.get(Message, message_id)
    message.status, message.processed_at = "failed", utcnow()
    _forget_typed(message)
    s.add(Outbox(contact_id=contact_id, in_reply_to=message_id, kind="reply", status="pending",
                 payload={"text": texts()["internal_error"]}))
    audit(s, "system", "message_failed", message)
    s.commit()


def _forget_typed(message: Message) -> None:
    """Drop the encrypted copy of what was typed once the message is handled: a NIK or KK number in
    it lives on (encrypted) in the answers, and the stored text is masked (delivery.ingest)."""
    if TEXT_KEY in (message.payload or {}):
        message.payload = forget_typed(message.payload)


def event_of(s, message: Message) -> Event:
    """The engine's view of a stored inbound message."""
    payload = message.payload or {}
    if message.kind == "file":
        upload = s.get(Upload, payload["upload_id"])
        return Event("file", upload={"id": upload.id, "name": upload.original_name,
                                     "content_type": upload.content_type})
    text = typed_text(message.text, payload)
    if message.kind == "text" and not (text or "").strip():
        return Event("empty", text="")
    return Event(message.kind, text=text, button=payload.get("button"), reason=payload.get("reason"))
