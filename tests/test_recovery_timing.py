"""Recovery on time: the sweep runs at its own interval whatever `rq worker` passes, and a
message stored while Redis was down is answered 200 and queued as soon as Redis is back."""
import time

from fakeredis import FakeStrictRedis
from redis import Redis
from rq import Queue
from sqlalchemy import select

from bot.core import db
from bot.core.models import Message
from bot.worker import SWEEP_EVERY, AppWorker
from delivery import jobs
from tests.conftest import require

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_the_worker_sweeps_every_five_minutes_even_when_rq_passes_its_default(monkeypatch):
    from rq.defaults import DEFAULT_MAINTENANCE_TASK_INTERVAL
    monkeypatch.setattr("bot.worker.create_app", lambda: __import__("flask").Flask("x"))
    monkeypatch.setattr("bot.worker.understand.warm", lambda: None)
    # `rq worker` hands every option to the class, its 600-second default included.
    worker = AppWorker(["sapa"], connection=FakeStrictRedis(),
                       maintenance_interval=DEFAULT_MAINTENANCE_TASK_INTERVAL)
    assert DEFAULT_MAINTENANCE_TASK_INTERVAL == 600
    assert worker.maintenance_interval == SWEEP_EVERY.total_seconds() == 300


def test_a_message_stored_while_redis_is_down_is_queued_when_it_is_back(sqlite_app, monkeypatch):
    import os
    redis_url = os.environ.get("REDIS_URL")
    require(bool(redis_url), "Redis (REDIS_URL)")
    monkeypatch.setattr(jobs, "OWED_RETRY_SECONDS", 0.2)
    queue_name = f"owed-test-{os.getpid()}"
    sqlite_app.extensions["jobs"] = jobs.RQExecutor(DEAD_REDIS, queue_name)  # Redis is down
    client = sqlite_app.test_client()

    response = client.post("/try/api/messages", json={"user": "warga-1", "text": "halo"})
    assert response.status_code == 200  # stored and acknowledged, not an error
    with sqlite_app.app_context():
        [message] = db.session().execute(select(Message).where(Message.direction == "in")).scalars()
        assert message.status == "received"

    queue = Queue(queue_name, connection=Redis.from_url(redis_url))
    queue.empty()
    try:
        sqlite_app.extensions["jobs"] = jobs.RQExecutor(redis_url, queue_name)  # Redis is back
        deadline = time.monotonic() + 10
        while queue.count == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        [job] = queue.jobs
        assert job.args[0] == "delivery.conversation.process_contact"
    finally:
        queue.empty()
        queue.delete()
