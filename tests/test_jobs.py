"""A burst of messages from one citizen queues one conversation job, until that job starts."""
import uuid
from datetime import timedelta

from sqlalchemy import update

from bot.core import db, inbound_store
from bot.core.models import Message, QueuedContact
from delivery.ingest import receive


def waiting_jobs(app) -> list[int]:
    """The contact ids of the conversation jobs waiting on the app's queue."""
    queue = app.extensions["jobs"].queue
    return [job.args[1] for job in queue.get_jobs()]


def send(app, who: str, text: str) -> int:
    """One inbound message from `who`; its contact id."""
    with app.app_context():
        message_id = receive("twilio", who, kind="text", text=text, provider_id="SM" + uuid.uuid4().hex)
        return db.session().get(Message, message_id).contact_id


def test_a_burst_from_one_citizen_queues_one_job_until_it_starts(unworked_app):
    app = unworked_app
    budi = send(app, "+6281211110001", "pesan 0")
    for k in range(1, 5):
        send(app, "+6281211110001", f"pesan {k}")
    siti = send(app, "+6281211110002", "halo")
    assert waiting_jobs(app) == [budi, siti]  # one job drains all five of Budi's messages
    with app.app_context():
        inbound_store.job_started(budi)  # the job began: a message from now on needs its own job
    send(app, "+6281211110001", "satu lagi")
    send(app, "+6281211110002", "halo lagi")  # Siti's job has not started: nothing new
    assert waiting_jobs(app) == [budi, siti, budi]


def test_a_job_lost_before_it_started_is_queued_again_by_the_next_message(unworked_app):
    app = unworked_app
    budi = send(app, "+6281211110001", "halo")
    with app.app_context(), db.new_session() as s:  # time passes; the worker died meanwhile
        s.execute(update(QueuedContact).values(
            queued_at=QueuedContact.queued_at - inbound_store.QUEUED_STALE_AFTER - timedelta(seconds=1)))
        s.commit()
    send(app, "+6281211110001", "halo? ada orang?")
    assert waiting_jobs(app) == [budi, budi]


def test_a_duplicate_delivery_queues_nothing(unworked_app):
    app = unworked_app
    with app.app_context():
        first = receive("twilio", "+6281211110003", kind="text", text="halo", provider_id="SM" + "5" * 32)
        inbound_store.job_started(db.session().get(Message, first).contact_id)
        again = receive("twilio", "+6281211110003", kind="text", text="halo", provider_id="SM" + "5" * 32)
    assert first is not None and again is None
    assert len(waiting_jobs(app)) == 1
