"""Who answers a chat besides the bot. Staff answering outside the officers' inbox (the Facebook
Page inbox): their reply is recorded with the conversation, and the bot keeps quiet in that chat
for a while. An officer who took a chat in the inbox and then left it: the bot takes it back.

Today the office answers Facebook messages by hand, and staff may go on doing so beside the bot.
Meta echoes every message the Page sends; ours carry our metadata, so an echo without it was
typed by a person (docs/providers.md §3), and the bot keeps quiet in that chat for a while.
"""
import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from bot.core import db
from bot.core.inbound_store import get_contact
from bot.core.models import Message, as_utc, audit, utcnow

log = logging.getLogger(__name__)

STAFF_KIND = "staff"  # Message.kind of a reply staff sent from outside the inbox
QUIET_HOURS = 12      # config.yml `handoff.staff_reply_quiet_hours` overrides it
OFFICER_IDLE_HOURS = 24  # config.yml `handoff.officer_idle_hours` overrides it


def record_staff_reply(channel: str, external_id: str, provider_id: str, text: str | None) -> int | None:
    """Store a staff reply as an outbound message of the chat (once per provider id); its id."""
    with db.new_session() as s:
        contact = get_contact(s, channel, external_id)
        s.flush()
        messages = Message.__table__
        # Only a row of its own: the contact's running job may hold the contact, and this never waits.
        message_id = s.execute(db.insert_for(s)(messages).values(
            contact_id=contact.id, channel=channel, direction="out", provider_id=provider_id, kind=STAFF_KIND,
            text=text, payload={"source": "page_inbox"}, status="sent", created_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["channel", "provider_id"]).returning(messages.c.id)).scalar()
        if message_id is None:
            return None  # a redelivered echo
        entry = audit(s, "staff", "staff_replied_outside_inbox", channel=channel)
        entry.target_type, entry.target_id = "messages", str(message_id)
        s.commit()
    log.info("%s: staff replied from the page inbox; the bot keeps quiet in that chat", channel)
    return message_id


def _hours(office: dict, key: str, default: float) -> timedelta:
    """A `handoff:` setting of config.yml, in hours."""
    return timedelta(hours=float((office.get("handoff") or {}).get(key, default)))


def _replied_since(s, contact_id: int, by, since: datetime) -> bool:
    """Whether a reply matching `by` went to this contact after `since`."""
    return s.execute(select(Message.id).where(Message.contact_id == contact_id, Message.direction == "out", by,
                                              Message.created_at > since).limit(1)).first() is not None


# The two kinds of reply a person gives: typed by staff outside the inbox, or by an officer in it.
BY_STAFF = Message.kind == STAFF_KIND
BY_OFFICER = Message.payload["officer"].as_boolean().is_(True)
BY_A_PERSON = or_(BY_STAFF, BY_OFFICER)
# The bot's message when an officer hands a chat back (it asks the request's question again).
HANDED_BACK_KEY = "handed_back"


def handed_back(payload):
    """The condition "this message is the bot's hand-back question", on a messages table's (or
    alias's) payload column."""
    return payload[HANDED_BACK_KEY].as_boolean().is_(True)


def bot_keeps_quiet(s, contact_id: int, at: datetime, office: dict) -> bool:
    """Whether staff are answering this chat themselves (their last reply is recent at `at`)."""
    return _replied_since(s, contact_id, BY_STAFF, at - _hours(office, "staff_reply_quiet_hours", QUIET_HOURS))


def officer_gone(s, conv, at: datetime, office: dict) -> bool:
    """Whether the officer who took this chat has done nothing in it for too long: neither taken
    it nor replied within `handoff.officer_idle_hours`. Then the bot answers again, so a chat an
    officer forgot to hand back never leaves the citizen without any answer."""
    since = at - _hours(office, "officer_idle_hours", OFFICER_IDLE_HOURS)
    return as_utc(conv.updated_at) <= since and not _replied_since(s, conv.contact_id, BY_OFFICER, since)


def request_lapsed(conv, at: datetime, office: dict) -> bool:
    """Whether the citizen's request for an officer has waited in the queue, taken by nobody, for
    longer than `handoff.officer_idle_hours` at `at`. Then the bot answers again, as for an officer
    gone idle: a request nobody picked up must not leave the chat silent for good."""
    asked = conv.handoff_requested_at
    return bool(conv.needs_human and conv.owner == "bot" and asked is not None
                and as_utc(asked) <= at - _hours(office, "officer_idle_hours", OFFICER_IDLE_HOURS))
