"""Group commit: the rows of webhooks arriving together written in one transaction, one commit.

Each process (and app) has one committer thread. A request thread hands over its row and waits;
the committer takes everything queued (up to `CAP`), writes it with the batch function in one
transaction, commits once, then wakes each waiter with its own result. While one batch commits,
the next one gathers, so under load the commits (and their WAL flushes) are shared and at low
load a row waits for nobody. A waiter is woken only after the commit: what it acknowledges is
durable.

When a batch fails, every waiter gets FAILED and stores its row alone, as it would without
group commit, so a database outage reaches each request as its own error (and the spool).
"""
import logging
import os
import threading
from collections import deque

log = logging.getLogger(__name__)

FAILED = object()  # the batch did not commit: the waiter stores its row on its own
CAP = 64  # rows per transaction: enough to share a commit, few enough to keep the batch short
IDLE_SECONDS = 5.0  # an idle committer thread ends; the next row starts another
WAIT_LIMIT = 30.0  # a committer that never answers (a bug) must not hold a request forever
_creating = threading.Lock()


class _Waiter:
    """One request's row, and its result once the batch is done."""
    __slots__ = ("item", "done", "result")

    def __init__(self, item):
        self.item, self.done, self.result = item, threading.Event(), FAILED


class Committer:
    """One process's queue of rows for one batch function, and the thread committing them."""

    def __init__(self, app, store_batch):
        """`store_batch(items)` writes and commits the items in one transaction; one result each."""
        self.app, self.store_batch, self.pid = app, store_batch, os.getpid()
        self.lock = threading.Lock()
        self.queued = threading.Condition(self.lock)
        self.waiters: deque[_Waiter] = deque()
        self.running = False

    def submit(self, item):
        """`item`'s result once its transaction committed, or FAILED."""
        waiter = _Waiter(item)
        with self.lock:
            self.waiters.append(waiter)
            if self.running:
                self.queued.notify()
            else:
                self.running = True
                threading.Thread(target=self._run, name="group-commit", daemon=True).start()
        if not waiter.done.wait(WAIT_LIMIT):
            log.error("group commit: no answer within %.0f s; the row is stored on its own", WAIT_LIMIT)
            return FAILED
        return waiter.result

    def _run(self) -> None:
        """Commit whatever is queued, batch after batch, until idle for IDLE_SECONDS."""
        while True:
            with self.lock:
                if not self.waiters:
                    self.queued.wait(IDLE_SECONDS)
                if not self.waiters:
                    self.running = False
                    return
                batch = [self.waiters.popleft() for _ in range(min(CAP, len(self.waiters)))]
            try:
                with self.app.app_context():
                    results = self.store_batch([w.item for w in batch])
                if len(results) != len(batch):
                    raise RuntimeError(f"{len(results)} results for {len(batch)} rows")
                for waiter, result in zip(batch, results):
                    waiter.result = result
            except Exception as err:
                # The type only: the message may quote the rows. Each waiter tries alone.
                log.warning("group commit of %d row(s) failed (%s.%s); each is stored on its own",
                            len(batch), type(err).__module__, type(err).__qualname__)
            finally:
                for waiter in batch:
                    waiter.done.set()


def committer(app, name: str, store_batch) -> Committer:
    """The app's committer called `name` in this process (a forked child gets its own)."""
    committers = app.extensions.setdefault("group_commit", {})
    found = committers.get(name)
    if found is None or found.pid != os.getpid():
        with _creating:
            found = committers.get(name)
            if found is None or found.pid != os.getpid():
                found = committers[name] = Committer(app, store_batch)
    return found
