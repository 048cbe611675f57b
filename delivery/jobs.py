"""Background jobs behind one small interface: RQ when REDIS_URL is set, inline otherwise.

Jobs are named by dotted path and take plain ids, so the database stays the source of truth:
a job that dies loses nothing, because what it was to do is still a row (an unprocessed
message, a pending outbox entry) that the next job or `flask sweep` picks up.
"""
import importlib
import logging
import threading
import time
from collections import deque

from flask import Flask, current_app, has_app_context

from bot.core import office_settings

log = logging.getLogger(__name__)

QUEUE_NAME = "sapa"  # RQ_QUEUE overrides it (tests run their own queue beside a developer's)
# Seconds a finished job stays in Redis (see RQExecutor.enqueue).
RESULT_TTL = 30
# While Redis is down, jobs the web process could not queue are tried again this often.
OWED_RETRY_SECONDS = 2.0


class InlineExecutor:
    """Runs jobs in this process, one after another, after the caller's work is committed."""

    def __init__(self, app: Flask):
        self.app = app
        self._pending: deque = deque()
        self._running = False

    def enqueue(self, func: str, *args, delay: float = 0) -> None:
        """Run `func(*args)` now; a job enqueued by a job runs after it, not inside it."""
        if delay:
            # Inline mode has no scheduler: a delayed retry waits for the next message or sweep.
            return
        self._pending.append((func, args))
        if self._running:
            return
        self._running = True
        try:
            while self._pending:
                name, job_args = self._pending.popleft()
                try:
                    run_job(name, *job_args)
                except Exception:  # a failed job must not break the citizen's request
                    log.exception("inline job %s failed", name)
        finally:
            self._running = False


class RQExecutor:
    """Puts jobs on a Redis queue for `rq worker --with-scheduler`."""

    def __init__(self, redis_url: str, queue_name: str = QUEUE_NAME):
        from redis import Redis
        from rq import Queue

        self.redis = Redis.from_url(redis_url)
        self.queue = Queue(queue_name, connection=self.redis)

    def enqueue(self, func: str, *args, delay: float = 0) -> None:
        """Queue `func(*args)`, optionally after `delay` seconds (needs the scheduler)."""
        from datetime import timedelta

        # Nothing reads a job's result, but RQ 2 deletes a job kept for no time (result_ttl=0) with
        # more round trips (14 a job in bot.worker.AppWorker) than it takes to keep it briefly (5):
        # a finished job and its empty result stay RESULT_TTL seconds, then Redis expires them.
        if delay:
            self.queue.enqueue_in(timedelta(seconds=delay), "delivery.jobs.run_job", func, *args,
                                  result_ttl=RESULT_TTL)
            return
        # Given a pipeline, RQ queues the job in one round trip (the queue's name in the set of
        # queues, the job, its id on the list) instead of two.
        with self.redis.pipeline() as pipe:
            self.queue.enqueue("delivery.jobs.run_job", func, *args, job_timeout=300, result_ttl=RESULT_TTL,
                               pipeline=pipe)
            pipe.execute()

    def _answered_key(self, message_id: int) -> str:
        return f"{self.queue.name}:answered:{message_id}"

    def announce_answered(self, message_ids: list[int]) -> None:
        """Mark these messages answered for whoever waits on them (a list, so a wait that starts
        after the mark still sees it; gone after a minute)."""
        pipe = self.redis.pipeline(transaction=False)
        for message_id in message_ids:
            pipe.rpush(self._answered_key(message_id), 1)
            pipe.expire(self._answered_key(message_id), 60)
        pipe.execute()

    def wait_answered(self, message_id: int, seconds: float) -> bool:
        """Wait up to `seconds` for the message's mark; True when it came."""
        return self.redis.blpop([self._answered_key(message_id)], timeout=max(seconds, 0.01)) is not None


def init_app(app: Flask) -> None:
    """Pick the executor from the configuration."""
    url = app.config.get("REDIS_URL")
    app.extensions["jobs"] = RQExecutor(url, app.config.get("RQ_QUEUE") or QUEUE_NAME) if url else InlineExecutor(app)
    app.extensions["jobs_owed"] = Owed(app)


def enqueue(func: str, *args, delay: float = 0) -> None:
    """Queue a job on the current app's executor."""
    current_app.extensions["jobs"].enqueue(func, *args, delay=delay)


class Owed:
    """Jobs this process could not queue (Redis down), queued by a retry thread once Redis answers.

    The work itself is safe in the database whatever happens here (a stored message, a pending
    outbox row): this only makes it start seconds after Redis is back instead of at the workers'
    next sweep. A process that dies with jobs owed leaves them to that sweep.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.lock = threading.Lock()
        self.jobs: deque = deque()
        self.retrying = False

    def add(self, func: str, args: tuple) -> None:
        """Keep a job, and start the retry thread if none runs."""
        with self.lock:
            self.jobs.append((func, args))
            if self.retrying:
                return
            self.retrying = True
        threading.Thread(target=self._retry, name="owed-jobs", daemon=True).start()

    def flush(self) -> int:
        """Queue what is owed, oldest first, stopping at the first failure; how many were queued."""
        queued = 0
        while True:
            with self.lock:
                if not self.jobs:
                    return queued
                func, args = self.jobs[0]
            try:
                self.app.extensions["jobs"].enqueue(func, *args)
            except Exception:  # still down: keep it (and those after it) for the next round
                return queued
            with self.lock:
                self.jobs.popleft()
            queued += 1

    def _retry(self) -> None:
        """Every OWED_RETRY_SECONDS until nothing is owed."""
        while True:
            time.sleep(OWED_RETRY_SECONDS)
            queued = self.flush()
            if queued:
                log.info("queued %d jobs owed while Redis was unreachable", queued)
            with self.lock:
                if not self.jobs:
                    self.retrying = False
                    return


def enqueue_or_owe(func: str, *args) -> bool:
    """Queue a job now, or, when the queue cannot be reached, owe it (see Owed); True when queued."""
    try:
        enqueue(func, *args)
        return True
    except Exception:
        log.warning("job %s not queued (queue unreachable): retried in %.0f s", func, OWED_RETRY_SECONDS)
        current_app.extensions["jobs_owed"].add(func, args)
        return False


def announce_answered(message_ids: list[int]) -> None:
    """Tell a wait for these messages' replies (`wait_answered`) that they are out; best effort:
    a wait that misses it looks at the database again within WAIT_STEP."""
    announce = getattr(current_app.extensions["jobs"], "announce_answered", None)
    if announce is None or not message_ids:
        return
    try:
        announce(message_ids)
    except Exception as err:  # the replies are out; a wait finds them by itself
        log.warning("replies not announced: %s", type(err).__name__)


# A wait for replies looks at the database at least this often (a missed announcement, a reply
# waiting for its retry); without a queue to wait on, it sleeps between looks this long.
WAIT_STEP = 0.5
POLL_STEP = 0.05


def wait_answered(message_id: int, seconds: float) -> None:
    """Wait until the job announces the message answered, or `seconds` (at most WAIT_STEP) pass."""
    wait = getattr(current_app.extensions["jobs"], "wait_answered", None)
    if wait is None:
        time.sleep(min(seconds, POLL_STEP))
        return
    try:
        wait(message_id, min(seconds, WAIT_STEP))
    except Exception as err:  # Redis unreachable: look at the database again soon
        log.warning("waiting for replies: %s", type(err).__name__)
        time.sleep(min(seconds, POLL_STEP))


def run_job(func: str, *args):
    """Resolve a dotted job name and run it in the current app context (the caller's when
    inline; the one `bot.worker.AppWorker` pushes around every RQ job)."""
    if not has_app_context():
        raise RuntimeError(f"job {func} needs an app context: run RQ with --worker-class bot.worker.AppWorker")
    # An admin may have changed the office's hours or places since this process last looked.
    office_settings.refresh(current_app._get_current_object())
    module, _, name = func.rpartition(".")
    return getattr(importlib.import_module(module), name)(*args)
