"""Work whose job was lost (a Redis outage, a killed worker) is found and queued again."""
import os
import subprocess
import sys
from datetime import timedelta

from redis import Redis
from sqlalchemy import select

from bot.core import db
from bot.core.inbound_store import get_contact
from delivery.ingest import receive
from bot.core.models import Message, Outbox, utcnow
from delivery import recovery
from tests.conftest import ROOT


def waiting(app) -> list[tuple[str, int]]:
    """The jobs waiting on the app's queue: (job name, contact id)."""
    return [(job.args[0], job.args[1]) for job in app.extensions["jobs"].queue.get_jobs()]


def contact(app, who: str, channel: str = "twilio") -> int:
    """A contact id for a chat identity."""
    with app.app_context(), db.new_session() as s:
        found = get_contact(s, channel, who)
        s.commit()
        return found.id


def left_message(app, contact_id: int, age: timedelta, text: str = "halo") -> int:
    """An inbound message stored `age` ago whose job never ran."""
    with app.app_context(), db.new_session() as s:
        message = Message(contact_id=contact_id, channel="twilio", direction="in", provider_id=f"SM-{contact_id}-{text}",
                          kind="text", text=text, payload={}, status="received", created_at=utcnow() - age)
        s.add(message)
        s.commit()
        return message.id


def left_outbox(app, contact_id: int, age: timedelta, retry_in: timedelta | None = None) -> None:
    """A reply owed since `age` ago, waiting for a retry `retry_in` from now (None: due now)."""
    with app.app_context(), db.new_session() as s:
        s.add(Outbox(contact_id=contact_id, kind="reply", payload={"text": "halo"}, status="pending",
                     created_at=utcnow() - age, next_attempt_at=utcnow() + retry_in if retry_in else None))
        s.commit()


def test_only_work_left_waiting_is_queued_again(unworked_app):
    app = unworked_app
    stuck, fresh = contact(app, "+6281200000001"), contact(app, "+6281200000002")
    owed, backing_off, retry_missed = (contact(app, f"+628120000000{k}") for k in (3, 4, 5))
    left_message(app, stuck, timedelta(minutes=10))
    left_message(app, fresh, timedelta(seconds=5))        # its job is surely still in the queue
    left_outbox(app, owed, timedelta(minutes=10))
    left_outbox(app, backing_off, timedelta(minutes=10), retry_in=timedelta(minutes=20))
    left_outbox(app, retry_missed, timedelta(hours=1), retry_in=-timedelta(minutes=30))
    with app.app_context():
        assert recovery.requeue_stalled() == (1, 2)
    assert waiting(app) == [("delivery.conversation.process_contact", stuck), ("delivery.sender.send_pending", owed),
                            ("delivery.sender.send_pending", retry_missed)]


def test_a_contact_whose_job_still_waits_in_the_queue_gets_no_second_job(unworked_app):
    app = unworked_app
    with app.app_context():  # a real message: stored, marked as queued, its job waiting
        message_id = receive("twilio", "+6281200000001", kind="text", text="halo", provider_id="SM" + "1" * 32)
        budi = db.session().get(Message, message_id).contact_id
    age(app, message_id, timedelta(minutes=5))  # the workers are that far behind
    with app.app_context():
        assert recovery.requeue_stalled() == (0, 0)
    assert waiting(app) == [("delivery.conversation.process_contact", budi)]


def one_sweep(app, queue: str):
    """A worker's sweep round, as if no other worker swept lately."""
    with app.app_context(), Redis.from_url(os.environ["REDIS_URL"]) as redis:
        redis.delete(f"sapa:sweep:{queue}")
        return recovery.sweep_if_due(redis, queue, timedelta(minutes=5))


def test_one_worker_sweeps_per_interval(unworked_app):
    app = unworked_app
    left_message(app, contact(app, "+6281200000001"), timedelta(minutes=10))
    queue = app.extensions["jobs"].queue.name
    assert one_sweep(app, queue) == (1, 0)
    with app.app_context(), Redis.from_url(os.environ["REDIS_URL"]) as redis:
        assert recovery.sweep_if_due(redis, queue, timedelta(minutes=5)) is None  # another worker, just after
        redis.delete(f"sapa:sweep:{queue}", f"sapa:jobs-alive:{queue}")
    assert len(waiting(app)) == 1


def test_after_redis_lost_its_data_every_waiting_message_is_queued_again(unworked_app):
    app = unworked_app
    queue = app.extensions["jobs"].queue
    one_sweep(app, queue.name)  # a first round: Redis is known to hold its jobs
    with app.app_context():
        message_id = receive("twilio", "+6281200000001", kind="text", text="halo", provider_id="SM" + "2" * 32)
        budi = db.session().get(Message, message_id).contact_id
    assert one_sweep(app, queue.name) == (0, 0)  # its job waits in the queue: nothing to do
    with Redis.from_url(os.environ["REDIS_URL"]) as redis:  # Redis restarts without its data
        queue.empty()
        redis.delete(f"sapa:jobs-alive:{queue.name}")
    assert one_sweep(app, queue.name) == (1, 0)  # even a message seconds old
    assert waiting(app) == [("delivery.conversation.process_contact", budi)]
    with app.app_context():  # the mark went with the lost job: the citizen's next message queues its own
        receive("twilio", "+6281200000001", kind="text", text="halo?", provider_id="SM" + "3" * 32)
    assert len(waiting(app)) == 2
    with Redis.from_url(os.environ["REDIS_URL"]) as redis:
        redis.delete(f"sapa:sweep:{queue.name}", f"sapa:jobs-alive:{queue.name}")


def age(app, message_id: int, by: timedelta) -> None:
    """Make a stored message older, as if the workers had been behind that long."""
    with app.app_context(), db.new_session() as s:
        message = s.get(Message, message_id)
        message.created_at = utcnow() - by
        s.commit()


def test_a_worker_starting_after_an_outage_answers_the_message_left_behind(unworked_app, tmp_path):
    app = unworked_app
    citizen = contact(app, "warga-1", channel="simulator")
    message_id = left_message(app, citizen, timedelta(minutes=10), text="halo")
    queue = app.extensions["jobs"].queue.name
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": os.environ["REDIS_URL"],
           "RQ_QUEUE": queue, "INSTANCE_PATH": str(tmp_path / "worker"), "SECRET_KEY": "test-secret",
           "STORAGE_DIR": str(tmp_path / "files")}
    with Redis.from_url(os.environ["REDIS_URL"]) as redis:
        redis.delete(f"sapa:sweep:{queue}")
        redis.set(f"sapa:jobs-alive:{queue}", "1")  # Redis kept its data: only the lost job is redone
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "rq"), "worker", "--burst",
                           "--worker-class", "bot.worker.AppWorker", "--url", os.environ["REDIS_URL"], queue],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    with app.app_context():
        assert db.session().get(Message, message_id).status == "processed"
        replies = db.session().execute(select(Outbox).where(Outbox.contact_id == citizen)).scalars().all()
        assert replies and all(row.status == "sent" for row in replies)
    with Redis.from_url(os.environ["REDIS_URL"]) as redis:
        redis.delete(f"sapa:sweep:{queue}", f"sapa:jobs-alive:{queue}")
