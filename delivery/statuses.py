"""Delivery statuses of our outbound messages, from every channel, recorded one way.

A status only moves forward (sent → delivered → read; failed ends it), so a repeated or late
callback changes nothing: that is the dedupe. A failure is audited once as `send_failed` (the
action the sender uses when a provider refuses at once) on the outbox row it came from; a
refusal for the 24-hour window holds that row until the citizen writes again, any other failure
shows it to officers under *Gagal terkirim*.
"""
import logging
from dataclasses import asdict
from datetime import datetime, timezone

from sqlalchemy import select, update

from bot.core import db
from bot.core.models import Contact, Message, Outbox, as_utc, audit
from delivery import jobs
from delivery.channels.base import Status

log = logging.getLogger(__name__)

RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
# A provider can report a status before the sender's transaction that stores the provider id
# commits: look again after these many seconds (a worker's scheduler runs it).
RETRY_AFTER = (5, 60)


def record(channel: str, statuses: list[Status]) -> None:
    """Apply a webhook's statuses in one short transaction; unknown ids are looked at again later."""
    later = []
    with db.new_session() as s:
        for status in statuses:
            if status.status not in RANK:
                continue
            if status.watermark_ms is not None:
                _up_to_watermark(s, channel, status)
            elif not _apply(s, channel, status):
                later.append(status)
        s.commit()
    for status in later:
        jobs.enqueue("delivery.statuses.retry", channel, asdict(status), 1, delay=RETRY_AFTER[0])


def retry(channel: str, status: dict, attempt: int) -> None:
    """Job: apply a status whose message was unknown a moment ago."""
    with db.new_session() as s:
        known = _apply(s, channel, Status(**status))
        s.commit()
    if not known and attempt < len(RETRY_AFTER):
        jobs.enqueue("delivery.statuses.retry", channel, status, attempt + 1, delay=RETRY_AFTER[attempt])


def _apply(s, channel: str, status: Status) -> bool:
    """Move one message forward (never back); False when we sent no message with that id."""
    found = s.execute(select(Message.id).where(
        Message.channel == channel, Message.provider_id == status.provider_id, Message.direction == "out")).first()
    if found is None:
        return False
    earlier = [name for name, rank in RANK.items() if rank < RANK[status.status]]
    values = {"status": status.status}
    if status.status == "failed":
        values["error"] = (status.error or f"{channel} failed")[:500]
    # One conditional UPDATE: atomic across web processes, and a no-op for a repeat.
    row = s.execute(update(Message).where(Message.id == found.id, Message.status.in_(earlier))
                    .values(**values).returning(Message.id, Message.outbox_id)).first()
    if row is not None and status.status == "failed":
        _failed(s, channel, row.id, row.outbox_id, status, values["error"])
    return True


def _failed(s, channel: str, message_id: int, outbox_id: int | None, status: Status, error: str) -> None:
    """Hold the row for the window, or show it to officers; audit it once."""
    target = s.get(Outbox, outbox_id) if outbox_id else s.get(Message, message_id)
    if isinstance(target, Outbox) and target.status == "sent":
        target.status, target.last_error = ("held" if status.window_closed else "failed"), error
    audit(s, "system", "send_failed", target, channel=channel, error=error, permanent=status.permanent,
          message_id=message_id)
    log.warning("%s message %s failed: %s", channel, message_id, error.split(":")[0])


def _up_to_watermark(s, channel: str, status: Status) -> None:
    """Messenger's reads and deliveries: every message to the contact sent up to a time."""
    contact_id = s.execute(select(Contact.id).where(
        Contact.channel == channel, Contact.external_id == status.external_id)).scalar_one_or_none()
    if contact_id is None:
        return
    until = datetime.fromtimestamp(status.watermark_ms / 1000, tz=timezone.utc)
    earlier = [name for name, rank in RANK.items() if rank < RANK[status.status] and name != "failed"]
    rows = s.execute(select(Message.id, Message.created_at).where(
        Message.contact_id == contact_id, Message.direction == "out", Message.status.in_(earlier))).all()
    ids = [r.id for r in rows if as_utc(r.created_at) <= until]  # compared here: SQLite keeps naive times
    if ids:
        s.execute(update(Message).where(Message.id.in_(ids), Message.status.in_(earlier))
                  .values(status=status.status))
