"""Finding work that lost its job (a Redis outage, a killed worker) and queueing it again.

Every piece of work is a row: an inbound message still `received`, an outbox row still
`pending`. A job that never ran leaves such a row behind; this finds it and queues a job for
its contact. The RQ worker runs it on its own (`bot.worker`); `flask sweep` runs it by hand.
"""
import logging
from datetime import timedelta

from sqlalchemy import delete, or_, select

from bot.core import db
from bot.core.inbound_store import QUEUED_STALE_AFTER
from bot.core.models import Message, Outbox, QueuedContact, utcnow
from delivery import jobs

log = logging.getLogger(__name__)

# Work younger than this is most likely still waiting in the queue behind other jobs: queueing
# it again would only add a job with nothing left to do.
STALLED_AFTER = timedelta(minutes=2)


def requeue_stalled(older_than: timedelta = STALLED_AFTER, jobs_lost: bool = False) -> tuple[int, int]:
    """Queue a job for each contact with a message or a due outbox row waiting longer than
    `older_than`; returns (conversations, send queues) queued.

    A contact whose job was queued lately (a fresh `queued_contacts` mark) is left alone: while
    the workers are behind, its job is still waiting, and another would be a duplicate. With
    `jobs_lost` (Redis lost its data, or an operator says so) every mark is dropped first, so
    that everything waiting is queued again and the next message of anyone queues a job.
    """
    now = utcnow()
    cutoff = now - older_than
    with db.new_session() as s:
        if jobs_lost:
            s.execute(delete(QueuedContact))
            s.commit()
        recently_queued = select(QueuedContact.contact_id).where(QueuedContact.queued_at > now - QUEUED_STALE_AFTER)
        contacts = set(s.execute(select(Message.contact_id).where(
            Message.direction == "in", Message.status == "received", Message.created_at <= cutoff,
            Message.contact_id.not_in(recently_queued))).scalars())
        senders = set(s.execute(select(Outbox.contact_id).where(
            Outbox.status == "pending", Outbox.created_at <= cutoff,
            # A row waiting for its backoff is not stalled until its retry time has passed too.
            or_(Outbox.next_attempt_at.is_(None), Outbox.next_attempt_at <= cutoff))).scalars())
    senders -= contacts  # a conversation job sends its contact's outbox as well
    for contact_id in sorted(contacts):
        jobs.enqueue("delivery.conversation.process_contact", contact_id)
    for contact_id in sorted(senders):
        jobs.enqueue("delivery.sender.send_pending", contact_id)
    if contacts or senders:
        log.warning("recovered stalled work: %d conversations, %d send queues", len(contacts), len(senders))
    return len(contacts), len(senders)


def sweep_if_due(redis, queue_name: str, every: timedelta) -> tuple[int, int] | None:
    """`requeue_stalled` at most once per `every` across all workers of a queue (a Redis lock);
    None when another worker has swept within that time."""
    # The lock lapses a little before `every`, so the same worker's next round finds it gone.
    if not redis.set(f"sapa:sweep:{queue_name}", "1", nx=True, ex=max(1, int(every.total_seconds() * 0.9))):
        return None
    # A key with no expiry, set by every sweep: when it is gone, Redis restarted without its data
    # (or was flushed), and with it every queued job. Then nothing queued can be trusted.
    alive = f"sapa:jobs-alive:{queue_name}"
    lost = not redis.exists(alive)
    result = requeue_stalled(timedelta(0), jobs_lost=True) if lost else requeue_stalled()
    redis.set(alive, "1")
    return result
