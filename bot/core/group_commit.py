"""Group commit: the rows of webhooks arriving together written in one transaction, one commit.

A request thread hands over its row. If no transaction is under way in this process, the
thread leads: it takes every row queued by then (its own first), writes them with the batch
function in one transaction, commits, and wakes each waiting thread with its own result. Rows
that arrive while a batch commits wait for the next one, led by the first of them. So under load
commits (and their WAL flushes) are shared, and a lone row waits for nobody and changes thread
for nothing. Every result is handed out after the commit: what a webhook acknowledges is durable.

When a batch fails, every row in it gets FAILED and its thread stores it alone, as it would
without group commit, so a database outage reaches each request as its own error (and the spool).
"""
import logging
import os
import threading
from collections import deque

log = logging.getLogger(__name__)

FAILED = object()  # the batch did not commit: the caller stores its row on its own
_LEAD = object()  # handed to the first waiting row: its thread leads the next batch
CAP = 64  # rows per transaction
_creating = threading.Lock()


class _Waiter:
    """One request's row, and its result once its batch is done (`done` is released then)."""
    __slots__ = ("item", "done", "result")

    def __init__(self, item):
        # A held lock rather than an Event: an Event builds a Condition, which cost more per
        # webhook than the rest of this module.
        self.item, self.done, self.result = item, threading.Lock(), FAILED
        self.done.acquire()


class Committer:
    """One process's queue of rows for one batch function."""

    def __init__(self, store_batch):
        """`store_batch(items)` writes and commits the items in one transaction; one result each."""
        self.store_batch, self.pid = store_batch, os.getpid()
        self.lock = threading.Lock()
        self.waiting: deque[_Waiter] = deque()
        self.leading = False  # a thread is writing a batch

    def submit(self, item):
        """`item`'s result once its transaction committed, or FAILED."""
        waiter = _Waiter(item)
        with self.lock:
            self.waiting.append(waiter)
            lead, self.leading = not self.leading, True
        if not lead:
            waiter.done.acquire()  # until the lead releases it
            if waiter.result is not _LEAD:
                return waiter.result
        self._lead(waiter)
        return waiter.result

    def _lead(self, own: _Waiter) -> None:
        """Write what is queued (`own` first) as one batch, hand out the results, pass the lead on."""
        with self.lock:
            batch = [self.waiting.popleft() for _ in range(min(CAP, len(self.waiting)))]
        results = [FAILED] * len(batch)
        try:
            found = self.store_batch([w.item for w in batch])
            if len(found) != len(batch):
                raise RuntimeError(f"{len(found)} results for {len(batch)} rows")
            results = found
        except Exception as err:
            # The type only: the message may quote the rows. Each row is then stored alone.
            log.warning("group commit of %d row(s) failed (%s.%s); each is stored on its own",
                        len(batch), type(err).__module__, type(err).__qualname__)
        finally:
            for waiter, result in zip(batch, results):
                waiter.result = result
                if waiter is not own:
                    waiter.done.release()
            with self.lock:
                if self.waiting:
                    follower = self.waiting[0]
                    follower.result = _LEAD
                    follower.done.release()
                else:
                    self.leading = False


def committer(app, name: str, store_batch) -> Committer:
    """The app's committer called `name` in this process (a forked child gets its own)."""
    committers = app.extensions.setdefault("group_commit", {})
    found = committers.get(name)
    if found is None or found.pid != os.getpid():
        with _creating:
            found = committers.get(name)
            if found is None or found.pid != os.getpid():
                found = committers[name] = Committer(store_batch)
    return found
