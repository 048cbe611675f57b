"""The RQ worker class (`rq worker --worker-class bot.worker.AppWorker`): builds the app once and
runs every job in this same process, inside the app's context, with its database connections
kept open between jobs; and queues again any work whose job was lost.

No work horse is forked per job (RQ's default): forking a 250 MB process, reconnecting to
PostgreSQL and warming the first queries in the child cost more than the job itself (a turn's
job takes ~20 ms of CPU warm, about twice that in a fresh horse, plus the fork and the horse's
exit: docs/dialogue-bench.md). What the horse gave is kept another way:
- a job that runs too long is stopped by RQ's own timeout (SIGALRM raises in the job, as it did
  in the horse), and the worker goes on to the next job;
- a job that kills the process (a crash, the OOM killer) takes the worker with it: the process
  supervisor starts it again, the sweep finds the work it left (delivery/recovery.py), and a
  message that keeps killing its job is failed after MAX_ATTEMPTS (delivery/conversation.py);
- each job runs in a fresh app context and database session, and what it owes lives in the
  database, not in the process.
"""
import gc
import logging
import os
import time
from datetime import timedelta

from rq import SimpleWorker
from rq.executions import Execution
from rq.utils import now
from rq.worker import WorkerStatus

# The job modules (PDF fonts, flows) are imported at start, not by the first job.
import delivery.conversation  # noqa: F401
import delivery.sender  # noqa: F401
from bot.core import audit_chain, db, office_settings
from bot.web.app import create_app
from delivery import pdf_fonts, recovery, reminders, retention
from flows import definition, understand

log = logging.getLogger(__name__)

# How often one of the workers looks for stalled work. RQ runs maintenance when a worker starts,
# then at this interval: between jobs when busy, after each wait for a job (~7 min) when idle.
SWEEP_EVERY = timedelta(minutes=5)
# How often the files of closed requests past their retention period are deleted.
RETENTION_EVERY = timedelta(hours=1)
# How stale the worker's own Redis record may get while it is busy (see AppWorker.heartbeat), and
# how often it looks whether `rq suspend` was run.
HEARTBEAT_SLACK = 10
SUSPENSION_CHECK_EVERY = 1.0


class AppWorker(SimpleWorker):
    """An rq worker that runs each job itself (no work horse), in the app it built once."""

    # RQ's bookkeeping took 18 round trips to Redis per job; here it takes 5: the dequeue, the job's
    # fetch, one pipeline at its start, RQ's PERSIST of the job and one pipeline at its end
    # (bench/rq_overhead.py, docs/dialogue-bench.md). RQ's loop wrote the worker's state and
    # heartbeat on their own, again and again; they go in those pipelines, and a write that would
    # repeat what the worker's record already says is skipped. `rq suspend` is looked for once a
    # second instead of before every job. tests/test_worker.py checks what RQ's tools still see.

    # "result is kept for 30 seconds" after every job says nothing the job's own lines do not.
    log_result_lifespan = False

    def __init__(self, *args, **kwargs):
        # Always ours: `rq worker` passes its own default (600 s) explicitly, which would double it.
        kwargs["maintenance_interval"] = int(SWEEP_EVERY.total_seconds())
        self._written_state = None  # the state last written to the worker's record in Redis
        self._record_expires = 0.0  # time.monotonic() when that record expires, by our last heartbeat
        self._suspension_checked = float("-inf")
        super().__init__(*args, **kwargs)
        app = create_app()
        with app.app_context():
            understand.warm()
            definition.available_flows()  # every flow read and checked now, not by its first citizen
        pdf_fonts.warm()  # the first receipt of the process must not wait for the fonts to be cut
        # `rq worker` gives RQ's logger a handler of its own before create_app gives the root logger
        # one: each of RQ's lines (3 a job) was written twice. Now once, in the app's format.
        if logging.getLogger().handlers:
            rq_log = logging.getLogger("rq.worker")
            for handler in rq_log.handlers[:]:
                rq_log.removeHandler(handler)
        # A forked child (RQ's scheduler process) must not share this process's database connections.
        os.register_at_fork(after_in_child=lambda: db.dispose(app, close=False))
        self.app = app
        # What was built and warmed above lives as long as the process: out of the garbage
        # collector's sight, a full collection no longer pauses a job for ~130 ms scanning it.
        gc.collect()  # what is garbage already is freed, not kept for good
        gc.freeze()

    def run_maintenance_tasks(self):
        """RQ's own maintenance, then queue again the work of jobs lost to an outage or a crash."""
        super().run_maintenance_tasks()
        try:
            with self.app.app_context():
                recovery.sweep_if_due(self.connection, self.queue_names()[0], SWEEP_EVERY)
        except Exception:  # the database may be down right now: the next round tries again
            log.exception("sweep for stalled work failed")
        try:
            with self.app.app_context():
                retention.purge_if_due(self.connection, self.queue_names()[0], RETENTION_EVERY)
        except Exception:
            log.exception("retention run failed")
        office_settings.refresh(self.app)  # the reminders read the places' hours
        try:
            with self.app.app_context():
                # Visit reminders due and no-shows, each claimed once (delivery/reminders.py).
                reminders.send_if_due(self.connection, self.queue_names()[0], SWEEP_EVERY)
        except Exception:
            log.exception("visit reminders failed")
        try:
            with self.app.app_context(), db.engine().connect() as conn:
                # The chain's head, where the database user cannot rewrite it (docs/audit.md).
                audit_chain.record_head(conn, self.app.config["AUDIT_HEAD_FILE"])
        except Exception:
            log.exception("recording the audit chain's head failed")

    def perform_job(self, job, queue) -> bool:
        """Run one job inside the app's context."""
        with self.app.app_context():
            return super().perform_job(job, queue)

    def execute_job(self, job, queue):
        """Run the job here, without RQ's own writes around it."""
        # The execution's record is made in prepare_job_execution's round trip, and the worker is
        # marked idle in the job's end pipeline (_count_job_end).
        self.perform_job(job, queue)

    def prepare_job_execution(self, job, remove_from_intermediate_queue: bool = False) -> None:
        """RQ's prepare_execution and prepare_job_execution in one round trip instead of two."""
        with self.connection.pipeline() as pipe:
            ttl = self.get_heartbeat_ttl(job)
            # The started registry's entry: a job that outlives it (the worker was killed) is moved
            # to the failed registry by RQ's maintenance; the work itself is the sweep's.
            self.execution = Execution.create(job, ttl, pipeline=pipe, worker_name=self.name)
            self.set_state(WorkerStatus.BUSY, pipeline=pipe)
            self.set_current_job_id(job.id, pipeline=pipe)
            self.heartbeat(ttl, pipeline=pipe)
            job.prepare_for_execution(self.name, pipeline=pipe)  # status started, its heartbeat too
            if remove_from_intermediate_queue:  # one queue: the dequeue moved the id to its intermediate list
                pipe.lrem(self.queues[0].intermediate_queue_key, 1, job.id)
            pipe.execute()
        # Left out: current_job_working_time = 0 (only the forking worker's monitor updates it).

    def handle_execution_ended(self, job, queue, heartbeat_ttl):
        """Note the job's end time."""
        # RQ also writes the job's last heartbeat here, a round trip of its own, for a success or
        # failure callback; our jobs have none, and the end's pipeline follows at once.
        job.ended_at = now()

    def handle_job_success(self, job, queue, started_job_registry):
        """RQ's end of a successful job, in one round trip."""
        # Without RQ's watch and read of the job's dependents (two round trips): no job of ours is
        # a dependency (RQExecutor passes no depends_on). Job._handle_success is RQ's own step,
        # private: a change in it fails the job, which tests/test_worker.py sees.
        with self.connection.pipeline() as pipe:
            self.increment_successful_job_count(pipe)
            self.increment_total_working_time(job.ended_at - job.started_at, pipe)
            result_ttl = job.get_result_ttl(self.default_result_ttl)
            if result_ttl != 0:
                execution = self.execution
                job._handle_success(result_ttl, pipeline=pipe, worker_name=self.name, execution_id=execution.id,
                                    execution_started_at=execution.created_at, execution_ended_at=job.ended_at)
            job.cleanup(result_ttl, pipeline=pipe, remove_from_queue=False)
            self.cleanup_execution(job, pipeline=pipe)
            pipe.execute()
        self.log.info("Successfully completed %s job in %ss on worker %s", job.description,
                      job.ended_at - job.started_at, self.name)

    def increment_successful_job_count(self, pipeline=None):
        """RQ's counter, and the worker back to idle, in the job's end pipeline."""
        super().increment_successful_job_count(pipeline)
        self._count_job_end(pipeline)

    def increment_failed_job_count(self, pipeline=None):
        """RQ's counter, and the worker back to idle, in the job's end pipeline."""
        super().increment_failed_job_count(pipeline)
        self._count_job_end(pipeline)

    def _count_job_end(self, pipeline) -> None:
        """What RQ's loop writes on its own after a job (idle, a heartbeat), in the end's pipeline."""
        if pipeline is not None:
            self.set_state(WorkerStatus.IDLE, pipeline=pipeline)
            self.heartbeat(pipeline=pipeline)

    def set_state(self, state, pipeline=None):
        """RQ's set_state, skipped when the record already says so (the loop repeats idle)."""
        # After a write that failed (Redis down), the next job's pipelines set the record right.
        if pipeline is None and state == self._written_state:
            self._state = state
            return
        super().set_state(state, pipeline)
        self._written_state = state

    def heartbeat(self, timeout=None, pipeline=None):
        """RQ's heartbeat, skipped when one as long was sent in the last HEARTBEAT_SLACK seconds."""
        # RQ sends one before and after each dequeue and after each job, each in two round trips of
        # its own. The record lives worker_ttl + 60 s, 75 s longer than a dequeue waits for a job.
        timeout = timeout or self.worker_ttl + 60
        if pipeline is None and self._record_expires - time.monotonic() > timeout - HEARTBEAT_SLACK:
            return
        super().heartbeat(timeout, pipeline)
        self._record_expires = time.monotonic() + timeout

    def check_for_suspension(self, burst: bool):
        """RQ's check for `rq suspend`, at most once every SUSPENSION_CHECK_EVERY seconds."""
        if time.monotonic() - self._suspension_checked < SUSPENSION_CHECK_EVERY:
            return
        self._suspension_checked = time.monotonic()
        super().check_for_suspension(burst)
