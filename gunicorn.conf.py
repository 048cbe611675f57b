"""gunicorn's settings for the `web` process (Procfile); read from the working directory, and
the benches' defaults (bench/webhook_bench.py)."""
import gc
import os

# Two processes (one per CPU of the reference box: docs/deploy.md), each with many request threads. The
# threads mostly wait (for PostgreSQL, a provider, a simulator's long poll), and the webhooks that
# arrive together in one process share one commit (bot/core/group_commit.py): 16 threads made
# those batches larger and the webhook faster than 4 or 8 (docs/webhook-bench.md, session 9).
# `WEB_CONCURRENCY` sets the processes for a bigger box, as gunicorn's own default does.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 16


def post_worker_init(worker):
    """The app is built: what it holds lives as long as the process, so the garbage collector
    stops scanning it (a full collection over the app's ~300,000 objects paused every request
    thread of the process for about 130 ms: docs/dialogue-bench.md)."""
    gc.collect()  # what is garbage already is freed, not kept for good
    gc.freeze()
