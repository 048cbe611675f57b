"""Storing an inbound message once, and knowing whether its contact needs a conversation job.

The webhooks' hot path. The messages arriving together in a process are stored together, in one
transaction committed once (group commit, bot.core.group_commit), and each webhook is answered
only after that commit. On PostgreSQL that transaction is one autocommitted statement for the
whole batch: find or create the contacts, insert the messages (a duplicate provider id makes one
nothing), and mark each contact queued (`queued_contacts`) unless a job already waits for it.
A message whose batch failed is stored alone, by the one-message version of the statement.
Elsewhere (SQLite, or a file to check first) the same steps run in one session.

Neither path writes or waits for an existing contact's row: the contact's running job holds it
(`db.lock_contact`), and a webhook must not wait for a dialogue step or a send.
"""
import json
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, delete, exists, select, true, union_all, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from bot.core import db, group_commit
from bot.core.models import Contact, Message, QueuedContact, utcnow

MESSAGE_COLUMNS = ("channel", "direction", "provider_id", "kind", "text", "payload", "status", "created_at")
# A queued mark older than this is taken for a lost job (a worker killed before it started):
# the next message queues a new one. Long, because while the workers are behind every mark
# ages, and a shorter limit made each waiting citizen's next message queue a duplicate job
# every minute: a burst of enqueues on the webhooks at the worst moment. Lost jobs are found
# sooner by the workers' sweep (delivery/recovery.py), and at once after Redis lost its data.
QUEUED_STALE_AFTER = timedelta(minutes=10)


class Stored(NamedTuple):
    """A newly stored message, and whether its contact's job must be queued."""
    message_id: int
    contact_id: int
    needs_job: bool


def store(external_id: str, display_name: str | None, row: dict,
          attach: Callable | None = None) -> Stored | None:
    """Store `row` (Message columns) for the contact, committed before this returns; None for a duplicate.

    Messages arriving together share one transaction and one commit (bot.core.group_commit); if
    that transaction fails, the message is stored on its own, as without it.
    `attach(session, contact_id, row)` runs before the insert when given (a file to check and
    store in the same transaction), which needs a session of its own.
    """
    if attach is not None:
        return _store_in_a_session(external_id, display_name, row, attach)
    postgres = db.engine().dialect.name == "postgresql"
    batch = _store_batch_in_one_statement if postgres else _store_batch_in_a_session
    stored = group_commit.committer(current_app._get_current_object(), "inbound", batch).submit(
        (external_id, display_name, row))
    if stored is group_commit.FAILED:
        if postgres:
            return _store_in_one_statement(external_id, display_name, row)
        return _store_in_a_session(external_id, display_name, row, None)
    return stored


def job_started(contact_id: int) -> None:
    """The contact's job is running: a message stored from now on queues a job of its own.

    Called before the job reads any message, so none is missed: either this job reads it, or
    its webhook finds the mark gone and queues another job.
    """
    _JOB_STARTED.run({"b_contact_id": contact_id})


# Built once: every job runs it first.
_JOB_STARTED = db.Direct(delete(QueuedContact.__table__).where(
    QueuedContact.__table__.c.contact_id == bindparam("b_contact_id")))


# ---- PostgreSQL: one statement --------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _one_statement():
    """The ingestion statement as SQL for the driver, and its fixed parameters (built once:
    building it per message cost more than running it)."""
    contacts, messages, queued = Contact.__table__, Message.__table__, QueuedContact.__table__
    channel, external_id = bindparam("c_channel", type_=contacts.c.channel.type), bindparam("c_external_id")
    name = bindparam("c_display_name", type_=contacts.c.display_name.type)
    existing = select(contacts.c.id, contacts.c.display_name).where(
        contacts.c.channel == channel, contacts.c.external_id == external_id).cte("existing")
    created = (pg_insert(contacts)
               .from_select(["channel", "external_id", "display_name", "created_at"],
                            select(channel, external_id, name, bindparam("c_created_at", type_=contacts.c.created_at.type))
                            .where(~exists(select(existing.c.id))))
               .on_conflict_do_nothing(index_elements=["channel", "external_id"])
               .returning(contacts.c.id).cte("created"))
    # At most one of the two has a row; neither does when a concurrent first message created the
    # contact after this statement's snapshot was taken (the caller runs it again).
    contact = union_all(select(created.c.id), select(existing.c.id)).cte("contact")
    renamed = _rename(select(existing.c.id).where(name.is_not(None), existing.c.display_name.is_distinct_from(name)),
                      name).cte("renamed")
    values = select(contact.c.id, *(bindparam(f"m_{col}", type_=messages.c[col].type) for col in MESSAGE_COLUMNS))
    # Columns with defaults not listed here (attempts) take the server's default.
    stored = (pg_insert(messages).from_select(["contact_id", *MESSAGE_COLUMNS], values, include_defaults=False)
              .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
              .returning(messages.c.id, messages.c.contact_id).cte("stored"))
    marked = _mark_queued(pg_insert(queued).from_select(
        ["contact_id", "queued_at"], select(stored.c.contact_id, bindparam("q_at", type_=queued.c.queued_at.type)))
    ).cte("marked")
    statement = (select(stored.c.id, stored.c.contact_id, marked.c.contact_id.is_not(None))
                 .select_from(stored.outerjoin(marked, true())).add_cte(renamed))
    compiled = statement.compile(dialect=postgresql.psycopg.dialect())
    return str(compiled), {key: value for key, value in compiled.params.items() if value is not None}


def _params(external_id: str, display_name: str | None, row: dict) -> dict:
    """The ingestion statement's parameters for one message."""
    sql, fixed = _one_statement()
    now = row["created_at"]
    params = {**fixed, "c_channel": row["channel"], "c_external_id": external_id, "c_display_name": display_name,
              "c_created_at": now, "q_at": now, "q_stale_before": now - QUEUED_STALE_AFTER,
              **{f"m_{col}": row[col] for col in MESSAGE_COLUMNS}}
    params["m_payload"] = json.dumps(row["payload"])
    return params


def _store_in_one_statement(external_id: str, display_name: str | None, row: dict) -> Stored | None:
    """Run the ingestion statement on an autocommitted driver connection (one round trip).

    The statement goes straight to psycopg, prepared: SQLAlchemy's execution layer cost as much
    as the statement itself on this path."""
    sql, _ = _one_statement()
    params = _params(external_id, display_name, row)
    with db.driver_connection() as conn, conn.cursor() as cursor:
        found = cursor.execute(sql, params, prepare=True).fetchone()
        if found is None:
            # Nothing stored: a duplicate, or a contact created by a concurrent first message
            # that this statement's snapshot could not see. A second run sees that contact;
            # if it stores nothing either, the message was a duplicate.
            found = cursor.execute(sql, params, prepare=True).fetchone()
    return Stored(*found) if found else None


# The ingestion statement for many messages at once: the same steps, each over the whole batch.
# `ord` is a message's place in the batch: contacts are created and messages inserted in that
# order (so a citizen's messages keep it in their ids), and queued marks are taken in contact
# order, so that two processes' batches do not wait for each other in a circle.
BATCH_STATEMENT = """WITH input AS (
    SELECT * FROM json_to_recordset(%(rows)s::json)
        AS i(ord int, channel text, external_id text, display_name text, direction text, provider_id text,
             kind text, text text, payload json, status text, created_at timestamptz)
), existing AS (
    SELECT c.id, c.channel, c.external_id, c.display_name FROM contacts c
    WHERE (c.channel, c.external_id) IN (SELECT channel, external_id FROM input)
), created AS (
    INSERT INTO contacts (channel, external_id, display_name, created_at)
    SELECT channel, external_id, display_name, created_at FROM (
        SELECT DISTINCT ON (channel, external_id) * FROM input
        WHERE (channel, external_id) NOT IN (SELECT channel, external_id FROM existing)
        ORDER BY channel, external_id, ord) first_message
    ORDER BY ord
    ON CONFLICT (channel, external_id) DO NOTHING
    RETURNING id, channel, external_id
), contact AS (
    SELECT id, channel, external_id FROM created UNION ALL SELECT id, channel, external_id FROM existing
), named AS (
    -- A changed profile name, from the contact's last message that has one.
    SELECT DISTINCT ON (e.id) e.id, i.display_name FROM input i JOIN existing e USING (channel, external_id)
    WHERE i.display_name IS NOT NULL ORDER BY e.id, i.ord DESC
), renamed AS (
    -- Only contacts no job holds right now (SKIP LOCKED): the webhook never waits for a job.
    UPDATE contacts SET display_name = named.display_name FROM named
    WHERE contacts.id = named.id AND contacts.display_name IS DISTINCT FROM named.display_name
      AND contacts.id IN (SELECT id FROM contacts WHERE id IN (SELECT id FROM named)
                          FOR NO KEY UPDATE SKIP LOCKED)
), stored AS (
    INSERT INTO messages (contact_id, channel, direction, provider_id, kind, text, payload, status, created_at)
    SELECT c.id, i.channel, i.direction, i.provider_id, i.kind, i.text, i.payload, i.status, i.created_at
    FROM input i JOIN contact c USING (channel, external_id) ORDER BY i.ord
    ON CONFLICT (channel, provider_id) DO NOTHING
    RETURNING id, contact_id, channel, provider_id
), marked AS (
    INSERT INTO queued_contacts (contact_id, queued_at)
    SELECT DISTINCT contact_id, %(q_at)s::timestamptz FROM stored ORDER BY contact_id
    ON CONFLICT (contact_id) DO UPDATE SET queued_at = excluded.queued_at
        WHERE queued_contacts.queued_at < %(q_stale_before)s::timestamptz
    RETURNING contact_id
)
SELECT stored.channel, stored.provider_id, stored.id, stored.contact_id, marked.contact_id IS NOT NULL
FROM stored LEFT JOIN marked USING (contact_id) ORDER BY stored.id
"""


def _store_batch_in_one_statement(items: list[tuple]) -> list[Stored | None]:
    """Store each (external_id, display_name, row) with one statement for the batch, committed once.

    A message the statement did not store is either a duplicate or one whose contact another
    process created meanwhile (unseen by the statement's snapshot, as in `_store_in_one_statement`):
    those run once more, and what still stores nothing is a duplicate.
    A contact's job is asked of its first new message only."""
    results: list[Stored | None] = [None] * len(items)
    # Autocommitted: the statement is its transaction, so the batch costs one round trip; on the
    # process's held connection, since batches run one at a time.
    with db.held_connection("inbound") as conn, conn.cursor() as cursor:
        todo = list(range(len(items)))
        for _ in range(2):
            found = {(channel, provider_id): Stored(message_id, contact_id, needs_job)
                     for channel, provider_id, message_id, contact_id, needs_job
                     in cursor.execute(BATCH_STATEMENT, _batch_params([items[i] for i in todo]), prepare=True)}
            missing = []
            for i in todo:
                # A second copy of a message in the same batch finds it taken by the first.
                results[i] = found.pop((items[i][2]["channel"], items[i][2]["provider_id"]), None)
                if results[i] is None:
                    missing.append(i)
            todo = missing
            if not todo:
                break
    asked = set()
    for i, stored in enumerate(results):
        if stored is not None and stored.needs_job:
            if stored.contact_id in asked:
                results[i] = stored._replace(needs_job=False)
            asked.add(stored.contact_id)
    return results


def _batch_params(items: list[tuple]) -> dict:
    """The batch statement's parameters: the messages as one JSON array, in the batch's order
    (one parameter: adapting a list per column cost the client more than the statement)."""
    rows = []
    for ord_, (external_id, display_name, row) in enumerate(items):
        rows.append({**row, "ord": ord_, "external_id": external_id, "display_name": display_name,
                     "created_at": row["created_at"].isoformat()})
    now = max(row["created_at"] for _, _, row in items)
    return {"rows": json.dumps(rows), "q_at": now, "q_stale_before": now - QUEUED_STALE_AFTER}


# ---- elsewhere: one session -----------------------------------------------------------------------------
def _store_in_a_session(external_id: str, display_name: str | None, row: dict, attach) -> Stored | None:
    """The same steps as the statement, in one transaction."""
    with db.new_session() as s:
        stored = _store_steps(s, external_id, display_name, row, attach)
        if stored is None:
            s.rollback()  # drops an upload stored for a duplicate, too
            return None
        s.commit()
    return stored


def _store_batch_in_a_session(items: list[tuple]) -> list[Stored | None]:
    """The same steps for each (external_id, display_name, row), in one transaction."""
    with db.new_session() as s:
        found = [_store_steps(s, external_id, display_name, row, None) for external_id, display_name, row in items]
        s.commit()
    return found


def _store_steps(s, external_id: str, display_name: str | None, row: dict, attach) -> Stored | None:
    """Find or create the contact, insert the message and mark the contact queued; None for a duplicate."""
    insert = db.insert_for(s)
    conn = s.connection()
    contact_id = _find_or_create_contact(conn, insert, row["channel"], external_id, display_name)
    if attach is not None:
        attach(s, contact_id, row)
    messages = Message.__table__
    message_id = conn.execute(
        insert(messages).values(contact_id=contact_id, **row)
        .on_conflict_do_nothing(index_elements=["channel", "provider_id"]).returning(messages.c.id)
    ).scalar_one_or_none()
    if message_id is None:
        return None
    now = row["created_at"]
    marked = conn.execute(_mark_queued(insert(QueuedContact.__table__).values(contact_id=contact_id, queued_at=now)),
                          {"q_stale_before": now - QUEUED_STALE_AFTER}).first()
    return Stored(message_id, contact_id, marked is not None)


def _find_or_create_contact(conn, insert, channel: str, external_id: str, display_name: str | None) -> int:
    """The contact id for a chat identity, created on first contact; an existing row is only read."""
    contacts = Contact.__table__
    created = conn.execute(
        insert(contacts).values(channel=channel, external_id=external_id, display_name=display_name,
                                created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["channel", "external_id"]).returning(contacts.c.id)
    ).scalar_one_or_none()
    if created is not None:
        return created
    found = contacts.c.channel == channel, contacts.c.external_id == external_id
    if display_name:
        conn.execute(_rename(select(contacts.c.id).where(*found, contacts.c.display_name.is_distinct_from(display_name)),
                             display_name))
    return conn.execute(select(contacts.c.id).where(*found)).scalar_one()


# ---- the parts both paths share -------------------------------------------------------------------------
def _rename(target_ids, name):
    """Give the contact among `target_ids` its new profile name, only if no job holds its row
    right now (SKIP LOCKED): the webhook never waits, and a later message brings the name again."""
    contacts = Contact.__table__
    free = (select(contacts.c.id).where(contacts.c.id.in_(target_ids))
            .with_for_update(key_share=True, skip_locked=True).scalar_subquery())
    return update(contacts).where(contacts.c.id == free).values(display_name=name)


def _mark_queued(statement):
    """Mark contacts as queued (`statement` inserts their rows); RETURNING names those that had
    no fresh mark: they need a job."""
    queued = QueuedContact.__table__
    return statement.on_conflict_do_update(
        index_elements=["contact_id"], set_={"queued_at": statement.excluded.queued_at},
        where=queued.c.queued_at < bindparam("q_stale_before", type_=queued.c.queued_at.type),
    ).returning(queued.c.contact_id)


def get_contact(s, channel: str, external_id: str, display_name: str | None = None) -> Contact:
    """The contact for a chat identity, created on first contact (race-safe)."""
    found = s.execute(select(Contact).where(Contact.channel == channel,
                                            Contact.external_id == external_id)).scalar_one_or_none()
    if found is not None:
        return found
    try:
        with s.begin_nested():
            contact = Contact(channel=channel, external_id=external_id, display_name=display_name)
            s.add(contact)
        return contact
    except IntegrityError:
        # Another process created it between our read and our insert.
        return s.execute(select(Contact).where(Contact.channel == channel,
                                               Contact.external_id == external_id)).scalar_one()
