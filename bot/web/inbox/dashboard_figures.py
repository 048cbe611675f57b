"""Dasbor: the figures per office day (WITA) and service, each defined where it is counted and in
docs/dashboard.md. Service "" is the row of what belongs to no one service (chats, handoffs)."""
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from bot.core.models import Appointment, AuditLog, Document, Message, Request, as_utc
from bot.web.inbox import numbers
from flows.office import office_tz

# A citizen's message after this long without one opens a new chat (WhatsApp's own conversation
# window is 24 hours, so the office's chats are counted the way the channel counts them).
CHAT_GAP = timedelta(hours=24)
# What counts as an officer answering a citizen who asked for a person (bot/web/inbox/conversations.py).
ANSWERS = ("conversation_taken", "officer_replied")
ATTENDED = numbers.ATTENDED


@dataclass
class Row:
    """One office day and service."""
    day: date
    service: str
    chats: int = 0               # "" row: chats opened (a citizen's message after 24 h of silence, or the first)
    started: int = 0             # a citizen began this service's questions in the chat
    submitted: int = 0           # requests filed (created) that day
    issued: int = 0              # requests whose first issued document was made that day
    rejected: int = 0            # requests rejected that day
    booked: int = 0              # visits booked in the chat that day (for any visit day, cancelled or not)
    attended: int = 0            # visits for that day checked in or served
    no_show: int = 0             # visits for that day marked absent (`no_show`)
    unrecorded: int = 0          # visits still only booked once their day passed: nobody recorded whether they came
    handoffs: int = 0            # chats put in the officers' queue (a citizen asked for a person)
    answered: int = 0            # of those, taken over or replied to by an officer (at any later time)
    issued_remote: int = 0       # issued, with no visit of the citizen recorded between filing and issue
    issue_hours: list = field(default_factory=list, repr=False)   # filing -> issue, per issued request
    wait_minutes: list = field(default_factory=list, repr=False)  # handoff -> officer, per answered handoff

    def add(self, other: "Row") -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.issue_hours += other.issue_hours
        self.wait_minutes += other.wait_minutes

    @property
    def median_issue_hours(self) -> float | None:
        return round(statistics.median(self.issue_hours), 1) if self.issue_hours else None

    @property
    def median_wait_minutes(self) -> float | None:
        return round(statistics.median(self.wait_minutes), 1) if self.wait_minutes else None

    @property
    def unanswered(self) -> int:
        return self.handoffs - self.answered

    @property
    def remote_share(self) -> int | None:
        """Percent of the requests issued that day that needed no visit (None: none issued)."""
        return round(100 * self.issued_remote / self.issued) if self.issued else None


COUNTS = ("chats", "started", "submitted", "issued", "rejected", "booked", "attended", "no_show", "unrecorded", "handoffs",
          "answered", "issued_remote")


def _bounds(office: dict, start: date, end: date) -> tuple[datetime, datetime]:
    """The range's first and last instants in UTC, as stored (SQLite keeps no offset)."""
    zone = office_tz(office)
    return (datetime.combine(start, time.min, zone).astimezone(timezone.utc),
            datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(timezone.utc))


def service_keys(office: dict) -> list[str]:
    """The row order: the chats' row, then the services as config.yml lists them."""
    return ["", *office.get("services", {})]


def count(s, office: dict, start: date, end: date, today: date) -> list[Row]:
    """Every day from start to end (both included) times every service, in that order."""
    zone = office_tz(office)
    since, until = _bounds(office, start, end)
    rows: dict[tuple[date, str], Row] = {}
    keys = service_keys(office)
    for n in range((end - start).days + 1):
        for key in keys:
            rows[(start + timedelta(days=n), key)] = Row(start + timedelta(days=n), key)

    def row(at, service: str) -> Row | None:
        """The row of an instant (a stored UTC time) or an office day; None outside the range."""
        day = at if isinstance(at, date) and not isinstance(at, datetime) else as_utc(at).astimezone(zone).date()
        if (day, service) not in rows and start <= day <= end and service:
            rows[(day, service)] = Row(day, service)  # a service no longer in config.yml
        return rows.get((day, service))

    _chats(s, since, until, row)
    _flows_started(s, office, since, until, row)
    _requests(s, since, until, zone, row)
    _visits(s, office, start, end, since, until, today, row)
    _handoffs(s, office, since, until, row)
    order = {k: i for i, k in enumerate(keys)}
    return sorted(rows.values(), key=lambda r: (r.day, order.get(r.service, len(order)), r.service))


def _chats(s, since, until, row) -> None:
    """Chats opened: a citizen's message with none from them in the 24 hours before."""
    last: dict[int, datetime] = {}
    for contact_id, at in s.execute(select(Message.contact_id, Message.created_at).where(
            Message.direction == "in", Message.created_at >= since - CHAT_GAP, Message.created_at < until)
            .order_by(Message.created_at, Message.id)):
        at = as_utc(at)
        before = last.get(contact_id)
        last[contact_id] = at
        if at >= since and (before is None or at - before >= CHAT_GAP):
            found = row(at, "")
            if found:
                found.chats += 1


def _flow_services(office: dict) -> dict[str, str]:
    """flow name -> service key."""
    return {svc["flow"]: key for key, svc in office.get("services", {}).items() if svc.get("flow")}


def _flows_started(s, office, since, until, row) -> None:
    flows = _flow_services(office)
    for at, detail in s.execute(select(AuditLog.at, AuditLog.detail).where(
            AuditLog.action == "flow_started", AuditLog.at >= since, AuditLog.at < until)):
        service = flows.get((detail or {}).get("flow"))
        found = row(at, service) if service else None
        if found:
            found.started += 1


def _requests(s, since, until, zone, row) -> None:
    """Filed, issued (the first issued document: a correction issued again is not counted twice),
    rejected; and for each issued request, the hours it took and whether a visit came between."""
    for created, service in s.execute(select(Request.created_at, Request.service).where(
            Request.created_at >= since, Request.created_at < until)):
        found = row(created, service)
        if found:
            found.submitted += 1
    for closed, service in s.execute(select(Request.closed_at, Request.service).where(
            Request.status == "rejected", Request.closed_at >= since, Request.closed_at < until)):
        found = row(closed, service)
        if found:
            found.rejected += 1
    first = (select(Document.request_id, func.min(Document.created_at).label("at"))
             .where(Document.kind == "issued", Document.request_id.is_not(None))
             .group_by(Document.request_id).subquery())
    issued = s.execute(select(Request.id, Request.service, Request.contact_id, Request.created_at, first.c.at)
                       .join(first, first.c.request_id == Request.id)
                       .where(first.c.at >= since, first.c.at < until)).all()
    visits = defaultdict(list)
    contacts = {r.contact_id for r in issued}
    if contacts:
        for contact_id, day in s.execute(select(Appointment.contact_id, Appointment.day).where(
                Appointment.contact_id.in_(contacts), Appointment.status.in_(ATTENDED))):
            visits[contact_id].append(day)
    for _id, service, contact_id, created, at in issued:
        found = row(at, service)
        if not found:
            continue
        found.issued += 1
        found.issue_hours.append((as_utc(at) - as_utc(created)).total_seconds() / 3600)
        filed_day, issue_day = as_utc(created).astimezone(zone).date(), as_utc(at).astimezone(zone).date()
        if not any(filed_day <= day <= issue_day for day in visits[contact_id]):
            found.issued_remote += 1


def _visits(s, office, start, end, since, until, today, row) -> None:
    """Bookings made that day; attendance and absence by the visit's day (as on the Angka page)."""
    for created, service in s.execute(select(Appointment.created_at, Appointment.service).where(
            Appointment.created_at >= since, Appointment.created_at < until)):
        found = row(created, service)
        if found:
            found.booked += 1
    for counted in numbers.count(s, office, start, end, today):
        found = row(counted.day, counted.service)
        if found:
            found.attended += counted.attended
            found.no_show += counted.no_show
            found.unrecorded += counted.unrecorded


def _handoffs(s, office, since, until, row) -> None:
    """Each request for a person, and the first officer's answer on that chat after it (the wait)."""
    asked = s.execute(select(AuditLog.at, AuditLog.target_id, AuditLog.detail).where(
        AuditLog.action == "handoff_requested", AuditLog.target_type == "conversations",
        AuditLog.at >= since, AuditLog.at < until).order_by(AuditLog.seq)).all()
    if not asked:
        return
    answers = defaultdict(list)
    for action, target_id, detail, at in s.execute(select(AuditLog.action, AuditLog.target_id, AuditLog.detail,
                                                          AuditLog.at).where(
            AuditLog.action.in_(ANSWERS), AuditLog.at >= since).order_by(AuditLog.seq)):
        conv = target_id if action == "conversation_taken" else str((detail or {}).get("conversation_id"))
        answers[conv].append(as_utc(at))
    # The next request on the same chat ends the wait for the one before (it was never answered).
    flows = _flow_services(office)
    by_conv = defaultdict(list)
    for at, conv, detail in asked:
        by_conv[conv].append((as_utc(at), detail or {}))
    for conv, items in by_conv.items():
        for i, (at, detail) in enumerate(items):
            service = flows.get(detail.get("flow"), "")
            found = row(at, service) or row(at, "")
            if not found:
                continue
            found.handoffs += 1
            limit = items[i + 1][0] if i + 1 < len(items) else None
            reply = next((a for a in answers.get(conv, []) if a >= at and (limit is None or a < limit)), None)
            if reply is not None:
                found.answered += 1
                found.wait_minutes.append((reply - at).total_seconds() / 60)


def by_service(rows: list[Row], start: date) -> list[Row]:
    """The range's rows summed per service (medians over every request or chat of the range)."""
    summed: dict[str, Row] = {}
    for r in rows:
        summed.setdefault(r.service, Row(start, r.service)).add(r)
    return list(summed.values())


def by_day(rows: list[Row]) -> list[Row]:
    """The rows summed per day, all services together."""
    summed: dict[date, Row] = {}
    for r in rows:
        summed.setdefault(r.day, Row(r.day, "")).add(r)
    return list(summed.values())


def total(rows: list[Row], start: date) -> Row:
    summed = Row(start, "")
    for r in rows:
        summed.add(r)
    return summed

