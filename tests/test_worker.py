"""The worker runs its jobs itself (no work horse per job), and RQ's timeout still stops a job that
runs too long without taking the worker down."""
import os

from fakeredis import FakeStrictRedis
from rq import Queue
from rq.job import JobStatus

from bot.worker import AppWorker


def test_a_job_past_its_timeout_is_stopped_and_the_next_runs_in_the_same_process(monkeypatch):
    monkeypatch.setattr("bot.worker.create_app", lambda: __import__("flask").Flask("x"))
    monkeypatch.setattr("bot.worker.understand.warm", lambda: None)
    monkeypatch.setattr(AppWorker, "run_maintenance_tasks", lambda self: None)  # no database here
    redis = FakeStrictRedis()
    queue = Queue("sapa", connection=redis)
    stuck = queue.enqueue("delivery.jobs.run_job", "time.sleep", 30, job_timeout=1)
    after = queue.enqueue("delivery.jobs.run_job", "os.getpid", result_ttl=60)

    AppWorker(["sapa"], connection=redis).work(burst=True)

    assert stuck.get_status(refresh=True) == JobStatus.FAILED
    assert "JobTimeoutException" in stuck.latest_result().exc_string
    assert after.get_status(refresh=True) == JobStatus.FINISHED
    assert after.return_value() == os.getpid()  # run by the worker itself, not a forked child
