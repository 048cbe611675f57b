"""The job executors: a burst from one contact needs one waiting job, on RQ."""
import os
import uuid

from delivery.jobs import RQExecutor
from tests.conftest import require


def test_a_burst_from_one_contact_queues_one_job_until_it_starts(sqlite_app):
    app = sqlite_app
    require(bool(os.environ.get("REDIS_URL")), "Redis (REDIS_URL)")
    executor = RQExecutor(os.environ["REDIS_URL"], f"test-once-{uuid.uuid4().hex[:8]}")
    try:
        for _ in range(5):
            executor.enqueue("flows.runner.process_contact", 7, once_key="contact:7")
        executor.enqueue("flows.runner.process_contact", 8, once_key="contact:8")
        assert executor.queue.count == 2  # one for contact 7, one for contact 8
        with app.app_context():
            app.extensions["jobs"], saved = executor, app.extensions["jobs"]
            try:
                from delivery import jobs
                jobs.started("contact:7")  # the job began: a new message needs a new job
            finally:
                app.extensions["jobs"] = saved
        executor.enqueue("flows.runner.process_contact", 7, once_key="contact:7")
        assert executor.queue.count == 3
    finally:
        executor.queue.delete(delete_jobs=True)
        executor.redis.delete(executor.waiting_key("contact:7"), executor.waiting_key("contact:8"))
