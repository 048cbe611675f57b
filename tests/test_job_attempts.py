"""A message whose conversation job keeps dying (a timeout, a crash, a killed worker) is failed
with an apology after three attempts, instead of being queued again forever."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.inbound_store import get_contact
from bot.core.models import Message, Outbox
from delivery import conversation
from delivery.recovery import requeue_stalled


class JobKilled(BaseException):
    """What a work horse killed mid-job looks like to the code after it: nothing runs."""


def test_a_message_that_kills_its_job_three_times_is_failed_with_an_apology(sqlite_app, monkeypatch):
    with sqlite_app.app_context(), db.new_session() as s:
        contact = get_contact(s, "simulator", "killer")
        s.flush()
        s.add(Message(contact_id=contact.id, channel="simulator", direction="in", provider_id="k-1",
                      kind="text", text="halo", payload={}, status="received"))
        s.commit()
        contact_id = contact.id

    def die(*_args, **_kw):
        raise JobKilled

    with sqlite_app.app_context():
        monkeypatch.setattr(conversation, "_handle", die)
        for _ in range(conversation.MAX_ATTEMPTS):
            with pytest.raises(JobKilled):
                conversation.process_contact(contact_id)
        message = db.session().execute(select(Message).where(Message.provider_id == "k-1")).scalar_one()
        assert (message.status, message.attempts) == ("received", conversation.MAX_ATTEMPTS)
        db.session().rollback()  # end this read's snapshot
        monkeypatch.undo()

        assert conversation.process_contact(contact_id) == 1  # the fourth job gives it up at once
        message = db.session().execute(select(Message).where(Message.provider_id == "k-1")).scalar_one()
        assert message.status == "failed"
        [apology] = db.session().execute(select(Outbox).where(Outbox.in_reply_to == message.id)).scalars().all()
        assert apology.payload["text"]  # the citizen is told their progress is kept (texts.yml internal_error)
        assert requeue_stalled(older_than=timedelta(0), jobs_lost=True)[0] == 0  # nothing left to queue


def test_a_message_handled_on_its_first_attempt_counts_one(sqlite_app):
    with sqlite_app.app_context():
        from delivery.ingest import receive
        message_id = receive("simulator", "once", kind="text", text="halo")
        assert db.session().get(Message, message_id).attempts == 1
