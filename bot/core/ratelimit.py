"""Counting requests per sender and per client address: in Redis when REDIS_URL is set (every web
process agrees), in this process otherwise (the demo, the SQLite tests).

Two kinds of limit:
- `hit(key, limit, window)`: a fixed-window counter (INCR + EXPIRE in one script call on Redis); True
  while the key stays within `limit` hits in the current `window` seconds.
- `Slot(name, key)`: at most `limit` holders at a time in this process (the simulator's waits,
  which hold this process's request threads: its own count is the one that matters, and it costs
  no round trip).

Keys name a channel and a sender id or an address, never a message. A Redis that cannot be reached
lets everything through (logged): a limit must never cost a citizen's message.

The limits themselves are settings (`LIMITS`, merged over `DEFAULT_LIMITS`); `RATE_LIMITS` false
turns the counting limits off (the test suite, which chats at machine speed).
"""
import logging
import threading
import time

from flask import current_app

log = logging.getLogger(__name__)

# (hits, seconds) per key; docs/architecture.md ("Limits") says why each is what it is.
DEFAULT_LIMITS = {
    # A sender's messages on a webhook beyond this are still stored, but answered as a flood.
    "webhook_sender": (6, 10),
    # Requests from one address that fail the signature check; beyond this, 429 without checking.
    "webhook_forged_address": (20, 60),
    # The simulator API (no provider retries it: beyond these, 429).
    "simulator_address": (60, 60),
    "simulator_user": (20, 10),
    # The simulator's waits for a worker's replies held at once per address in each web process
    # (the rest answer at once).
    "simulator_waits": (4, 0),
}


UNDER_LIMIT_SECONDS = 1.0  # how long `over` trusts a "not over" it read (see there)


def limits() -> dict:
    """The limits in force: the defaults, with the app's `LIMITS` over them."""
    return {**DEFAULT_LIMITS, **(current_app.config.get("LIMITS") or {})}


def enabled() -> bool:
    """Whether the counting limits apply (they do unless `RATE_LIMITS` is false)."""
    return bool(current_app.config.get("RATE_LIMITS", True))


class MemoryStore:
    """Counters of this process (no Redis): a dict under a lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.under_limit: dict[str, float] = {}  # `over`'s answers: counter -> trusted until (monotonic)
        self.windows: dict[str, tuple[int, int]] = {}  # key -> (window number, count)
        self.slots: dict[str, int] = {}

    def hit(self, key: str, window: int) -> int:
        """Count one hit in the current window; the count so far."""
        now = int(time.time() // window)
        with self.lock:
            if len(self.windows) > 10_000:  # forget windows gone by, so a flood of keys cannot grow it
                self.windows = {k: v for k, v in self.windows.items() if v[0] >= now}
            number, count = self.windows.get(key, (now, 0))
            count = count + 1 if number == now else 1
            self.windows[key] = (now, count)
            return count

    def peek(self, key: str, window: int) -> int:
        """The hits counted in the current window, without counting one."""
        now = int(time.time() // window)
        with self.lock:
            number, count = self.windows.get(key, (now, 0))
            return count if number == now else 0

    def acquire(self, key: str, limit: int) -> bool:
        """Take a slot if fewer than `limit` are held."""
        with self.lock:
            if self.slots.get(key, 0) >= limit:
                return False
            self.slots[key] = self.slots.get(key, 0) + 1
            return True

    def release(self, key: str) -> None:
        """Give a slot back."""
        with self.lock:
            held = self.slots.get(key, 0) - 1
            if held > 0:
                self.slots[key] = held
            else:
                self.slots.pop(key, None)


COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class RedisStore:
    """Counters every web process shares."""

    def __init__(self, url: str, prefix: str):
        from redis import Redis

        self.redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix
        self._count = self.redis.register_script(COUNT_SCRIPT)
        self.under_limit: dict[str, float] = {}  # `over`'s answers: counter -> trusted until (monotonic)

    def hit(self, key: str, window: int) -> int:
        """INCR, and EXPIRE on the window's first hit, in one script: the key lives one window.
        (One command: a MULTI of INCR and EXPIRE cost the webhook twice the client work.)"""
        name = f"{self.prefix}:rl:{key}:{int(time.time() // window)}"
        return int(self._count(keys=[name], args=[window + 1]))

    def peek(self, key: str, window: int) -> int:
        """The hits counted in the current window."""
        return int(self.redis.get(f"{self.prefix}:rl:{key}:{int(time.time() // window)}") or 0)


def _store():
    """This app's store, made on first use."""
    found = current_app.extensions.get("ratelimit")
    if found is None:
        url = current_app.config.get("REDIS_URL")
        prefix = current_app.config.get("RATE_LIMIT_PREFIX") or current_app.config.get("RQ_QUEUE") or "sapa"
        found = RedisStore(url, prefix) if url else MemoryStore()
        current_app.extensions["ratelimit"] = found
    return found


def hit(name: str, key: str) -> bool:
    """Count one hit of limit `name` for `key`; True while within the limit (or limits are off)."""
    if not enabled():
        return True
    limit, window = limits()[name]
    store = _store()
    store.under_limit.pop(f"{name}:{key}", None)  # `over` reads this key's count afresh
    try:
        return store.hit(f"{name}:{key}", window) <= limit
    except Exception as err:  # Redis unreachable: let it through
        log.warning("rate limit %s not counted: %s", name, type(err).__name__)
        return True


def over(name: str, key: str) -> bool:
    """Whether `key` is already over limit `name` in the current window (counts nothing).

    A "not over" read from Redis is trusted for UNDER_LIMIT_SECONDS in this process, unless this
    process counts a hit for the key meanwhile: the check runs on every webhook, and for the
    providers' addresses the answer is always the same. Another process's hits show within
    that second."""
    if not enabled():
        return False
    limit, window = limits()[name]
    store, counter = _store(), f"{name}:{key}"
    if store.under_limit.get(counter, 0.0) > time.monotonic():
        return False
    try:
        found = store.peek(counter, window) >= limit
    except Exception as err:
        log.warning("rate limit %s not read: %s", name, type(err).__name__)
        return False
    if not found:
        if len(store.under_limit) > 10_000:  # addresses come and go: never let it grow
            store.under_limit.clear()
        store.under_limit[counter] = time.monotonic() + UNDER_LIMIT_SECONDS
    return found


def _slots() -> MemoryStore:
    """This process's slot counts (see Slot)."""
    found = current_app.extensions.get("ratelimit_slots")
    if found is None:
        found = current_app.extensions["ratelimit_slots"] = MemoryStore()
    return found


class Slot:
    """`with Slot(name, key) as got:` holds one of limit `name`'s slots for `key` in this process
    when `got`. Counted here, not in Redis: what a slot holds is one of this process's threads,
    and a count in Redis cost two round trips a wait."""

    def __init__(self, name: str, key: str):
        self.name, self.key, self.got = name, f"{name}:{key}", False

    def __enter__(self) -> bool:
        self.got = _slots().acquire(self.key, limits()[self.name][0])
        return self.got

    def __exit__(self, *exc) -> None:
        if self.got:
            _slots().release(self.key)
