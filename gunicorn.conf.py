"""gunicorn's settings for the `web` process (Procfile); read from the working directory."""
import gc


def post_worker_init(worker):
    """The app is built: what it holds lives as long as the process, so the garbage collector
    stops scanning it (a full collection over the app's ~300,000 objects paused every request
    thread of the process for about 130 ms: docs/dialogue-bench.md)."""
    gc.collect()  # what is garbage already is freed, not kept for good
    gc.freeze()
