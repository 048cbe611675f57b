"""The worker runs its jobs itself (no work horse per job), and RQ's timeout still stops a job that
runs too long without taking the worker down. Its lighter bookkeeping (bot/worker.py) still keeps
what RQ's tools and maintenance read: failed jobs, the started registry, the worker's record."""
import logging
import os
import threading
from datetime import datetime, timedelta, timezone

import pytest
from fakeredis import FakeStrictRedis
from redis.connection import AbstractConnection
from rq import Queue, Worker, get_current_job
from rq.job import JobStatus
from rq.registry import StartedJobRegistry

from bot.worker import AppWorker


@pytest.fixture
def queue(monkeypatch):
    """A queue on a fake Redis, for an AppWorker around a bare app and with RQ's maintenance only."""
    monkeypatch.setattr("bot.worker.create_app", lambda: __import__("flask").Flask("x"))
    monkeypatch.setattr("bot.worker.understand.warm", lambda: None)
    monkeypatch.setattr(AppWorker, "run_maintenance_tasks", lambda self: None)  # no database here
    return Queue("sapa", connection=FakeStrictRedis())


def run(queue, **kwargs) -> AppWorker:
    """One AppWorker in burst mode on the queue."""
    worker = AppWorker(["sapa"], connection=queue.connection)
    worker.work(burst=True, **kwargs)
    return worker


def test_a_job_past_its_timeout_is_stopped_and_the_next_runs_in_the_same_process(queue):
    stuck = queue.enqueue("delivery.jobs.run_job", "time.sleep", 30, job_timeout=1)
    after = queue.enqueue("delivery.jobs.run_job", "os.getpid", result_ttl=60)

    run(queue)

    assert stuck.get_status(refresh=True) == JobStatus.FAILED
    assert "JobTimeoutException" in stuck.latest_result().exc_string
    assert after.get_status(refresh=True) == JobStatus.FINISHED
    assert after.return_value() == os.getpid()  # run by the worker itself, not a forked child


def test_a_job_that_raises_is_failed_and_logged_and_the_next_runs(queue, caplog):
    broken = queue.enqueue("delivery.jobs.run_job", "json.loads", "{")
    after = queue.enqueue("delivery.jobs.run_job", "os.getpid", result_ttl=60)

    with caplog.at_level(logging.ERROR, logger="rq.worker"):
        run(queue)

    assert broken.id in queue.failed_job_registry
    assert "JSONDecodeError" in broken.latest_result().exc_string
    assert any(broken.id in r.getMessage() and "JSONDecodeError" in r.getMessage() for r in caplog.records)
    assert after.get_status(refresh=True) == JobStatus.FINISHED
    assert not StartedJobRegistry("sapa", connection=queue.connection).get_job_ids()


def snapshot():
    """What `rq info` and RQ's maintenance see of the worker running this job."""
    job = get_current_job()
    worker = next(w for w in Worker.all(connection=job.connection) if w.name == job.worker_name)
    started = StartedJobRegistry(job.origin, connection=job.connection)
    return worker.get_state(), worker.get_current_job_id(), job.id in started


def test_the_workers_record_shows_it_busy_on_its_job_then_idle_with_its_counts(queue, monkeypatch):
    monkeypatch.setattr(AppWorker, "register_death", lambda self: None)  # as if it waited for the next job
    looked = queue.enqueue("delivery.jobs.run_job", "test_worker.snapshot", result_ttl=60)
    queue.enqueue("delivery.jobs.run_job", "json.loads", "{")

    worker = run(queue)

    assert looked.return_value() == ("busy", looked.id, True)
    record = Worker.find_by_key(worker.key, connection=queue.connection)
    assert (record.get_state(), record.get_current_job_id()) == ("idle", None)
    assert (record.successful_job_count, record.failed_job_count) == (1, 1)
    # While it waits for a job, its record outlives the wait: `rq info` keeps showing it.
    assert queue.connection.ttl(worker.key) > worker.dequeue_timeout


def test_a_delayed_job_is_run_once_due(queue):
    later = queue.enqueue_at(datetime.now(timezone.utc) - timedelta(seconds=1), "delivery.jobs.run_job",
                             "os.getpid", result_ttl=60)

    run(queue, with_scheduler=True)

    assert later.return_value() == os.getpid()


def test_a_job_costs_five_round_trips_to_redis(queue, monkeypatch):
    # RQ's own bookkeeping was 18 round trips a job (bot/worker.py): a new RQ that bypasses the
    # worker's overrides shows here.
    trips = [0]
    send, send_one = AbstractConnection.send_packed_command, AbstractConnection.send_command
    main = threading.main_thread()

    def counted(conn, *args, **kwargs):
        if threading.current_thread() is main:  # not RQ's pubsub thread
            trips[0] += 1
        return send(conn, *args, **kwargs)

    def one(conn, *args, **kwargs):
        if args[0] == "INFO":  # fakeredis has none, so RQ asks at every dequeue; Redis's answer is kept
            trips[0] -= 1
        return send_one(conn, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    monkeypatch.setattr(AbstractConnection, "send_command", one)

    def burst_trips(jobs: int) -> int:
        for _ in range(jobs):
            queue.enqueue("delivery.jobs.run_job", "os.getpid")
        trips[0] = 0
        run(queue)
        return trips[0]

    idle = burst_trips(0)
    busy = burst_trips(20)
    # Five a job; `rq suspend` is looked for once a second, not per job.
    assert busy - idle <= 5 * 20 + 2
    assert queue.finished_job_registry.count == 20
