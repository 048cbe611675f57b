"""The list of every conversation: its filters (waiting, mine, unassigned, channel, service, the
search box), the rows an officer sees, and each officer's unread counts."""
import hashlib
import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, case, false, func, or_, select

from bot.core import db, handoff
from bot.core.models import (Appointment, Contact, Conversation, ConversationLabel, ConversationRead, Label, Message,
                              Officer, Request, utcnow)
from bot.web.inbox import citizens, transcript
from bot.web.inbox.display import local_time, office_zone, reach
from delivery.channels.registry import CHANNELS, officer_label
from delivery.channels.text import shorten

SHOWN = 100  # the longest list; the search finds the others
SHOWS = {"": "Semua", "waiting": "Menunggu petugas", "mine": "Ditangani atau ditugaskan ke saya",
         "unassigned": "Belum ditangani petugas"}


@dataclass
class Filters:
    """What the officer chose above the list (all optional)."""
    q: str = ""
    show: str = ""        # "" | waiting | mine | unassigned
    channel: str = ""
    service: str = ""
    label: str = ""       # a label's name (labels are stored in lower case)

    @classmethod
    def from_args(cls, args) -> "Filters":
        """The filters from a query string, unknown values dropped."""
        services = current_app.config["OFFICE"].get("services", {})
        show = args.get("show", "")
        channel = args.get("channel", "")
        service = args.get("service", "")
        return cls(q=(args.get("q") or "").strip()[:100], show=show if show in SHOWS else "",
                   channel=channel if channel in CHANNELS else "", service=service if service in services else "",
                   label=(args.get("label") or "").strip().lower()[:40])

    def args(self) -> dict:
        """The filters as query arguments (empty ones left out)."""
        return {k: v for k, v in (("q", self.q), ("show", self.show), ("channel", self.channel),
                                  ("service", self.service), ("label", self.label)) if v}


def _where(s, officer: Officer, f: Filters) -> list:
    """The filters as conditions on Conversation (joined to Contact)."""
    where = []
    if f.show == "waiting":
        where.append(Conversation.needs_human.is_(True))
    elif f.show == "mine":  # taken by me, or given to me by whoever assigns (replies.py)
        where.append(or_(and_(Conversation.owner == "officer", Conversation.officer_id == officer.id),
                         Conversation.assignee_id == officer.id))
    elif f.show == "unassigned":  # no officer has taken it (the bot answers, or it waits for one)
        where.append(Conversation.owner != "officer")
    if f.channel:
        where.append(Contact.channel == f.channel)
    if f.service:
        flow = current_app.config["OFFICE"]["services"][f.service].get("flow")
        where.append(or_(Conversation.flow == flow if flow else false(),
                         Conversation.contact_id.in_(select(Request.contact_id).where(Request.service == f.service)),
                         Conversation.contact_id.in_(select(Appointment.contact_id)
                                                     .where(Appointment.service == f.service))))
    if f.label:
        where.append(Conversation.id.in_(select(ConversationLabel.conversation_id)
                                         .join(Label, Label.id == ConversationLabel.label_id)
                                         .where(Label.name == f.label)))
    if f.q:
        where.append(citizens.matching(s, f.q))
    return where


def unread_counts(s, officer_id: int, conversation_ids: list[int]) -> dict[int, int]:
    """The citizen's messages each conversation has that this officer has not seen there."""
    if not conversation_ids:
        return {}
    seen = (select(ConversationRead.last_message_id).where(ConversationRead.officer_id == officer_id,
                                                          ConversationRead.conversation_id == Conversation.id)
            .correlate(Conversation).scalar_subquery())
    rows = s.execute(select(Conversation.id, func.count(Message.id))
                     .join(Message, Message.contact_id == Conversation.contact_id)
                     .where(Conversation.id.in_(conversation_ids), Message.direction == "in",
                            Message.id > func.coalesce(seen, 0))
                     .group_by(Conversation.id)).all()
    return dict(rows)


def mark_read(s, officer_id: int, conversation_id: int, last_message_id: int) -> None:
    """The officer has seen this conversation up to this message (never moves back: two tabs)."""
    table = ConversationRead.__table__
    insert = db.insert_for(s)(table).values(officer_id=officer_id, conversation_id=conversation_id,
                                             last_message_id=last_message_id, read_at=utcnow())
    s.execute(insert.on_conflict_do_update(
        index_elements=["officer_id", "conversation_id"],
        set_={"last_message_id": insert.excluded.last_message_id, "read_at": insert.excluded.read_at},
        where=table.c.last_message_id < insert.excluded.last_message_id))


def _latest(s, contact_ids: list[int], *where) -> dict[int, Message]:
    """Each contact's newest message (of those `where` selects)."""
    newest = (select(func.max(Message.id)).where(Message.contact_id.in_(contact_ids), *where)
              .group_by(Message.contact_id))
    return {m.contact_id: m for m in s.execute(select(Message).where(Message.id.in_(newest))).scalars()}


def _unanswered(s, contact_ids: list[int]) -> set[int]:
    """Contacts whose citizen wrote after the last reply a person gave (the bot's do not count)."""
    last_in = dict(s.execute(select(Message.contact_id, func.max(Message.id)).where(
        Message.contact_id.in_(contact_ids), Message.direction == "in").group_by(Message.contact_id)).all())
    last_human = dict(s.execute(select(Message.contact_id, func.max(Message.id)).where(
        Message.contact_id.in_(contact_ids), Message.direction == "out", handoff.BY_A_PERSON)
        .group_by(Message.contact_id)).all())
    return {c for c, i in last_in.items() if i > (last_human.get(c) or 0)}


def _services_of(s, contact_ids: list[int]) -> dict[int, list[str]]:
    """The services each contact has asked for (requests and bookings), newest first."""
    titles = {k: v.get("title", k) for k, v in current_app.config["OFFICE"].get("services", {}).items()}
    found: dict[int, list[str]] = {}
    rows = s.execute(select(Request.contact_id, Request.service, Request.id).where(Request.contact_id.in_(contact_ids))
                     .union_all(select(Appointment.contact_id, Appointment.service, Appointment.id)
                                .where(Appointment.contact_id.in_(contact_ids)))).all()
    for contact_id, service, _ in sorted(rows, key=lambda r: -r[2]):
        title = titles.get(service, service)
        if title not in found.setdefault(contact_id, []):
            found[contact_id].append(title)
    return found


def rows(s, officer: Officer, f: Filters) -> list[dict]:
    """The conversations the filters select: waiting ones first (the longest wait first), then the
    rest by their latest message, newest first; at most SHOWN."""
    last_id = (select(Message.contact_id, func.max(Message.id).label("last_id"))
               .group_by(Message.contact_id).subquery())
    query = (select(Conversation, Contact).join(Contact, Contact.id == Conversation.contact_id)
             .outerjoin(last_id, last_id.c.contact_id == Conversation.contact_id)
             .where(*_where(s, officer, f))
             .order_by(Conversation.needs_human.is_(True).desc(),
                       case((Conversation.needs_human.is_(True), Conversation.handoff_requested_at)),
                       func.coalesce(last_id.c.last_id, 0).desc(), Conversation.id.desc())
             .limit(SHOWN))
    found = s.execute(query).all()
    contact_ids = [contact.id for _, contact in found]
    names = citizens.names(s, found)
    latest = _latest(s, contact_ids) if contact_ids else {}
    # What the citizen last said tells an officer more than the bot's last answer.
    said = _latest(s, contact_ids, Message.direction == "in") if contact_ids else {}
    unread = unread_counts(s, officer.id, [conv.id for conv, _ in found])
    unanswered = _unanswered(s, contact_ids) if contact_ids else set()
    services = _services_of(s, contact_ids) if contact_ids else {}
    officers = dict(s.execute(select(Officer.id, Officer.name).where(
        Officer.id.in_({conv.officer_id for conv, _ in found if conv.officer_id} or {-1}))).all())
    zone = office_zone()
    items = []
    for conv, contact in found:
        message = latest.get(contact.id)
        shown = said.get(contact.id) or message
        taken = conv.owner == "officer"
        items.append({
            "id": conv.id, "citizen": names[contact.id], "reach": reach(contact),
            "channel": officer_label(contact.channel),
            "last": shorten(_snippet(shown), 80) if shown else "",
            "last_in": shown is not None and shown.direction == "in",
            "at": local_time(message.created_at if message else conv.updated_at, zone),
            "waiting": bool(conv.needs_human), "asked": local_time(conv.handoff_requested_at, zone),
            "taken_by": officers.get(conv.officer_id, "petugas") if taken else None,
            "mine": taken and conv.officer_id == officer.id,
            "unanswered": (conv.needs_human or taken) and contact.id in unanswered,
            "unread": unread.get(conv.id, 0), "services": services.get(contact.id, [])[:3]})
    return items


def _snippet(message: Message) -> str:
    """A message in one short line for the list."""
    if message.text:
        return " ".join(transcript.plain(message.text).split())
    if message.kind == "file":
        return "(foto/dokumen)"
    if (message.payload or {}).get("document"):
        return "(dokumen)"
    return f"({message.kind})"


def fingerprint(items: list[dict]) -> str:
    """A short hash of what the list shows: the page's script asks again only for a change."""
    return hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()[:16]


def live(s, officer: Officer) -> dict:
    """What every inbox page's badge shows: who waits for an officer, and this officer's unread
    messages in the conversations they have taken."""
    waiting = s.execute(select(Conversation.id).where(Conversation.needs_human.is_(True))
                        .order_by(Conversation.id)).scalars().all()
    mine = s.execute(select(Conversation.id).where(Conversation.owner == "officer",
                                                   Conversation.officer_id == officer.id)).scalars().all()
    unread = sum(unread_counts(s, officer.id, list(mine)).values()) if mine else 0
    return {"waiting": len(waiting), "waiting_ids": list(waiting), "unread_mine": unread}
