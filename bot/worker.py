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
import logging
import os
from datetime import timedelta

from rq import SimpleWorker

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


class AppWorker(SimpleWorker):
    """An rq worker that runs each job itself (no work horse), in the app it built once."""

    def __init__(self, *args, **kwargs):
        # Always ours: `rq worker` passes its own default (600 s) explicitly, which would double it.
        kwargs["maintenance_interval"] = int(SWEEP_EVERY.total_seconds())
        super().__init__(*args, **kwargs)
        app = create_app()
        with app.app_context():
            understand.warm()
            definition.available_flows()  # every flow read and checked now, not by its first citizen
        pdf_fonts.warm()  # the first receipt of the process must not wait for the fonts to be cut
        # A forked child (RQ's scheduler process) must not share this process's database connections.
        os.register_at_fork(after_in_child=lambda: db.dispose(app, close=False))
        self.app = app

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
