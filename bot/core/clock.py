"""The time the dialogue reads: when the message arrived, or a test's fixed office time.

The conversation job answers a message as of when it arrived (Message.created_at): that is the
engine's `now`, and its date in the office's zone is the `today` every date rule and every
bookable day counts from. Tests of dates need one fixed day whatever the day they run on, on
SQLite with inline jobs and on PostgreSQL with a separate RQ worker alike, so the setting lives in
a file both processes read: CLOCK_FILE (environment or app config) names a file holding an ISO
time with its offset ("2026-12-02T09:00:00+08:00"); while it holds one, every message is answered
as of that time. No setting, no file or an empty file: the real time. Only the dialogue's time
moves; when a message arrived, the messaging window, retries and records keep the real clock.
For tests only (tests/conftest.py, the `office_clock` fixture); production never sets it.
"""
from datetime import datetime, timezone
from pathlib import Path


def dialogue_now(received: datetime, config) -> datetime:
    """The time a message received at `received` (UTC) is answered as."""
    path = config.get("CLOCK_FILE")
    if not path:
        return received
    try:
        fixed = Path(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return received
    if not fixed:
        return received
    at = datetime.fromisoformat(fixed)
    if at.tzinfo is None:
        raise ValueError(f"CLOCK_FILE {path} holds a time without its offset: {fixed!r}")
    return at.astimezone(timezone.utc)
