"""The sender job: delivers a contact's pending outbox rows, in order, through its channel."""
import logging
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import bindparam, func, insert, select, update

from bot.core import db, storage
from bot.core.models import Contact, Document, Message, Outbox, as_utc, audit, utcnow
from delivery import jobs, reminders
from delivery.channels.base import LAST_PROVIDER_ID, PARTS_SENT, TransportError
from delivery.channels.registry import adapter_for
from delivery.documents import ensure_form, ensure_receipt, ensure_slip
from delivery.email import EmailFailed, send_copy
from delivery.email import deliver as deliver_email
from delivery.forms import UnknownForm
from delivery.forms import caption as form_caption
from delivery.review import mark_delivered
from delivery.window import decide

log = logging.getLogger(__name__)

# Seconds to wait before each retry of a transient failure; after the last, the row fails.
BACKOFF = [5, 30, 120, 600, 1800]
# Loop guard: more than this many messages to one contact in a minute (a whole birth request is
# ~50 replies, spread over minutes by a real person), or the same text this many
# times in two minutes, is a runaway (a bot answering a bot, a bug), not a conversation. Rows it
# stops are `suppressed`, not `failed`.
LOOP_PER_MINUTE = 120
LOOP_SAME_TEXT = 10

# Built once (docs/dialogue-bench.md): every run of the sender runs these, past the ORM. A row is
# read as plain columns; only a row that takes an unusual turn (a document, a hold, a failure) is
# loaded as an object, and the rows that went out are marked in one statement at the end.
_messages, _outbox = Message.__table__, Outbox.__table__


def _sent_lately(since: str, same_text: bool):
    """How many chat messages went out to the row's contact since `since` (a bound parameter); with
    `same_text`, only those saying what the row says."""
    query = select(func.count()).where(_messages.c.contact_id == _outbox.c.contact_id,
                                       _messages.c.direction == "out", _messages.c.created_at > bindparam(since))
    if same_text:
        query = query.where(_messages.c.text == _outbox.c.payload["text"].as_string())
    return query.scalar_subquery()


# The due rows with the loop guard's two counts (LOOP_PER_MINUTE, LOOP_SAME_TEXT): one statement.
_PENDING = (select(_outbox.c.id, _outbox.c.kind, _outbox.c.payload, _outbox.c.attempts, _outbox.c.next_attempt_at,
                   _sent_lately("minute_ago", False).label("last_minute"),
                   _sent_lately("two_minutes_ago", True).label("same_text"))
            .where(_outbox.c.contact_id == bindparam("contact_id"), _outbox.c.status == "pending")
            .order_by(_outbox.c.id))
_MARK_SENT = db.Direct(update(_outbox).where(_outbox.c.id == bindparam("b_id"))
                       .values(status="sent", sent_at=bindparam("b_sent_at"), attempts=bindparam("b_attempts"),
                               payload=bindparam("b_payload")))
# Every column given: a Direct statement takes no model defaults.
_RECORD_SENT = db.Direct(insert(_messages).values({
    "attempts": 0, **{column: bindparam(f"r_{column}", type_=_messages.c[column].type) for column in (
        "contact_id", "channel", "direction", "provider_id", "kind", "text", "payload", "status", "outbox_id",
        "created_at")}}))


def send_pending(contact_id: int) -> int:
    """Send every due outbox row of one contact, oldest first; returns how many were sent."""
    with db.new_session() as s:
        sent, _ = deliver(s, db.lock_contact(s, contact_id))
        s.commit()
    return sent


def deliver(s, contact: Contact, chat_only: bool = False) -> tuple[int, bool]:
    """Send the contact's due rows in this transaction, which holds the contact's lock: (how many went
    out, whether rows were left for a run of their own). `chat_only` (a channel whose delivery is
    this transaction's own write, delivering with the dialogue: Channel.delivers_in_database) stops
    before a document, which is built after the reply before it is out, and leaves mail alone."""
    # A statement of its own, after the lock: one that waited for the lock would still see the
    # rows as they were before the wait, as pending when the job before sent them.
    now = utcnow()
    rows = s.connection().execute(_PENDING, {"contact_id": contact.id, "minute_ago": now - timedelta(minutes=1),
                                             "two_minutes_ago": now - timedelta(minutes=2)}).all()
    blocked, left, run = False, False, Run(s, contact)
    for row in rows:
        if chat_only and row.kind == "email":
            left = True  # mail goes in the sender's run, after the commit
            continue
        if chat_only and row.payload.get("document"):
            left = True  # built in the sender's run, after the reply before it is out
            break
        if row.kind == "email":
            # Mail goes beside the chat: it neither waits for the chat's order nor holds it up.
            due = not row.next_attempt_at or as_utc(row.next_attempt_at) <= utcnow()
            run.sent += due and _email_one(s, s.get(Outbox, row.id))
            continue
        if blocked:
            continue
        if row.next_attempt_at and as_utc(row.next_attempt_at) > utcnow():
            blocked = True  # keep order: nothing after a row that is waiting to be retried
            continue
        if not _send_one(run, row):
            blocked = True
    run.record()
    return run.sent, left


class Run:
    """One run of the sender for one contact: what went out so far (the loop guard counts it), and the
    rows delivered, written together by `record`."""

    def __init__(self, s, contact: Contact):
        self.s, self.contact = s, contact
        self.sent = 0
        self.texts: list[str | None] = []  # what this run sent, for the loop guard
        self.delivered: list[tuple] = []  # (row, payload, provider id, when)

    def runaway(self, row, payload: dict) -> bool:
        """Whether sending this now would be part of a runaway loop (a bot answering a bot, a bug)."""
        if row.last_minute + len(self.texts) >= LOOP_PER_MINUTE:
            return True
        text = payload.get("text")
        return bool(text) and row.same_text + self.texts.count(text) >= LOOP_SAME_TEXT

    def went_out(self, row, payload: dict, provider_id: str | None) -> None:
        """A row was delivered."""
        self.sent += 1
        self.texts.append(payload.get("text"))
        self.delivered.append((row, payload, provider_id, utcnow()))

    def record(self) -> None:
        """Mark the delivered rows sent, and write the chat's record of what went out (nothing here
        reads either back)."""
        if not self.delivered:
            return
        s, contact = self.s, self.contact
        _MARK_SENT.run_in(s, _one_or_many([
            {"b_id": row.id, "b_sent_at": at, "b_attempts": row.attempts + 1, "b_payload": payload}
            for row, payload, _, at in self.delivered]))
        _RECORD_SENT.run_in(s, _one_or_many([{
            "r_contact_id": contact.id, "r_channel": contact.channel, "r_direction": "out",
            "r_provider_id": provider_id, "r_kind": "document" if payload.get("document") else "text",
            "r_text": payload.get("text"), "r_payload": payload, "r_status": "sent", "r_outbox_id": row.id,
            "r_created_at": at}
            for row, payload, provider_id, at in self.delivered]))


def _one_or_many(rows: list[dict]) -> dict | list[dict]:
    """One row's parameters as they are: a list of one would take the costlier executemany path."""
    return rows[0] if len(rows) == 1 else rows


def _send_one(run: Run, row) -> bool:
    """Deliver one row (its columns, as read); on failure record it and schedule a retry. False when
    the rows after it must wait."""
    s, contact = run.s, run.contact
    payload = dict(row.payload)
    try:
        if payload.get("document", {}).get("kind") == "receipt":
            doc = ensure_receipt(s, payload["document"]["request_id"])
            payload["document"] = {**payload["document"], "document_id": doc.id, "filename": doc.filename,
                                   "content_type": doc.content_type}
        elif payload.get("document", {}).get("kind") == "slip":
            doc = ensure_slip(s, payload["document"]["appointment_id"])
            payload["document"] = {**payload["document"], "document_id": doc.id, "filename": doc.filename,
                                   "content_type": doc.content_type}
        elif payload.get("document", {}).get("kind") == "form":
            name = payload["document"].get("form")
            try:
                doc = ensure_form(s, name)
            except UnknownForm:
                return _refused(s, s.get(Outbox, row.id), f"unknown form {name!r}")
            payload["document"] = {**payload["document"], "document_id": doc.id, "filename": doc.filename,
                                   "content_type": doc.content_type}
            # A form sent on its own says what it is (the text rides as the file's caption).
            payload["text"] = payload.get("text") or form_caption(name)
        if reminders.stale(s, payload, utcnow()):
            # A visit reminder whose visit is over, cancelled or moved (held until now, say).
            obj = s.get(Outbox, row.id)
            obj.status, obj.last_error = "expired", "reminder no longer holds"
            audit(s, "system", "reminder_dropped", obj, appointment_id=payload.get("appointment_id"))
            return True
        decision = decide(contact.channel, contact.last_inbound_at, payload,
                          current_app.config["OFFICE"].get("templates") or {}, utcnow())
        if decision.action == "hold":
            # Outside the window with no template or tag allowed: wait for the citizen's next message.
            _hold(s, contact, s.get(Outbox, row.id), payload)
            return True
        if run.runaway(row, payload):
            # Its own status: a stop we chose, not a delivery that failed; the inbox lists these
            # apart from the real failures (bot/web/inbox/failures.py).
            obj = s.get(Outbox, row.id)
            obj.status, obj.last_error = "suppressed", "loop guard"
            audit(s, "system", "loop_guard_tripped", obj)
            log.warning("loop guard stopped outbox %s", row.id)
            return True
        adapter = adapter_for(contact.channel)
        if decision.action == "template":
            provider_id = adapter.send_template(contact, decision.template, payload, row.id)
        elif decision.action == "tag":
            provider_id = adapter.send(contact, payload, row.id, tag=decision.tag)
        else:
            provider_id = adapter.send(contact, payload, row.id)
    except TransportError as err:
        obj = s.get(Outbox, row.id)
        obj.payload = payload  # keeps which parts went out, so a retry sends only the rest
        if err.window_closed:
            obj.last_error = str(err)[:500]
            _hold(s, contact, obj, payload)
            return True
        return _failed(s, obj, str(err), permanent=err.permanent)
    for key in (PARTS_SENT, LAST_PROVIDER_ID):
        payload.pop(key, None)  # progress of a partly sent row: done with now
    run.went_out(row, payload, provider_id)
    if payload.get("document", {}).get("kind") == "issued":
        mark_delivered(s, payload["document"]["request_id"], via=contact.channel)
    return True


def _email_one(s, row: Outbox) -> bool:
    """Send one email row (SMTP, or an .eml file in the demo); True when the server took it."""
    payload = row.payload
    attachments = []
    if payload.get("document_id"):
        doc = s.get(Document, payload["document_id"])
        attachments.append((doc.filename, storage.load(doc.storage_key), doc.content_type))
    if payload.get("export_file"):
        # A citizen's copy of their data (bot/web/inbox/data_requests.py), gone once erased.
        name = payload["export_file"]
        path = Path(current_app.instance_path) / "exports" / name
        if "/" in name or not path.is_file():
            return _failed(s, row, "export file missing", permanent=True)
        attachments.append((name, path.read_bytes(), "application/zip"))
    try:
        how = deliver_email(payload["to"], payload["subject"], payload["body"], attachments)
    except EmailFailed as err:
        return _failed(s, row, str(err), permanent=err.permanent)
    row.status, row.sent_at, row.attempts = "sent", utcnow(), row.attempts + 1
    audit(s, "system", "email_sent", row, via="smtp" if how == "smtp" else "file",
          document=bool(attachments))
    if attachments and payload.get("request_id"):
        mark_delivered(s, payload["request_id"], via="email")
    return True


def _hold(s, contact: Contact, row: Outbox, payload: dict) -> None:
    """Keep a row until the citizen writes again (the window reopens), emailing a copy once."""
    row.status = "held"
    emailed = not payload.get("emailed") and send_copy(s, contact, payload)
    row.payload = {**payload, "emailed": True} if emailed else payload
    audit(s, "system", "send_held_window_closed", row, emailed=bool(emailed))


def _refused(s, row: Outbox, error: str) -> bool:
    """A row that can never be sent as written (a flow naming a form that does not exist): failed at
    once for the officers to see, without holding up the rows after it. True: done with."""
    row.status, row.attempts, row.last_error = "failed", row.attempts + 1, error[:500]
    audit(s, "system", "send_failed", row, error=row.last_error, permanent=True)
    log.error("outbox %s refused: %s", row.id, row.last_error)
    return True


def _failed(s, row: Outbox, error: str, permanent: bool) -> bool:
    """Record a failed attempt: retry later with backoff, or stop and show it to officers."""
    row.attempts += 1
    row.last_error = error[:500]
    if permanent or row.attempts > len(BACKOFF):
        row.status = "failed"
        audit(s, "system", "send_failed", row, error=row.last_error, permanent=permanent)
        log.warning("outbox %s failed permanently", row.id)
        return False
    delay = BACKOFF[row.attempts - 1]
    row.next_attempt_at = utcnow() + timedelta(seconds=delay)
    jobs.enqueue("delivery.sender.send_pending", row.contact_id, delay=delay)
    return False
