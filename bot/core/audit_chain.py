"""The audit log as a hash chain, its recorded heads, and its verification (docs/audit.md).

Each entry carries `seq` (its place in the chain: 1, 2, 3 … with no gap), `prev_hash` (the hash of
the entry before it; 64 zeros for the first) and `hash`: sha256 over `canonical()` of the entry.
On PostgreSQL a BEFORE INSERT trigger fills these (and `at`) under a transaction-level advisory
lock, so no writer, concurrent or hostile, chooses them; on SQLite (one writer at a time)
`chain_pending` does it in Python under the write lock, just before the entries are inserted.

The newest (seq, hash) is appended now and then to a file the database user cannot rewrite
(`AUDIT_HEAD_FILE`); `verify` checks the chain entry by entry and against every recorded head,
which is what reveals a truncated tail or table.
"""
import fcntl
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import text

log = logging.getLogger(__name__)

GENESIS = "0" * 64
COLUMNS = "seq, id, at, actor, action, target_type, target_id, {detail}, prev_hash, hash"


def at_text(at) -> str:
    """The timestamp as the chain hashes it: UTC, microseconds ("2026-01-05T10:00:00.000000Z")."""
    if isinstance(at, str):  # SQLite hands back the stored text
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(seq, entry_id, at, actor, action, target_type, target_id, detail_text, prev_hash) -> str:
    """Every field length-prefixed (`<bytes>:<value>;`, `-;` for none): unambiguous, and simple to
    produce identically in PL/pgSQL (the trigger of migration audit_chain)."""
    parts = [str(seq), str(entry_id), at_text(at), actor, action, target_type, target_id, detail_text, prev_hash]
    return "".join("-;" if p is None else f"{len(p.encode())}:{p};" for p in parts)


def entry_hash(*fields) -> str:
    """The sha256 (hex) of an entry's canonical form (fields in `canonical`'s order)."""
    return hashlib.sha256(canonical(*fields).encode()).hexdigest()


# ---- appending on SQLite --------------------------------------------------------------------------
def chain_pending(conn, entries, serialize=json.dumps) -> None:
    """Give new AuditLog objects their id, seq, at, prev_hash and hash (SQLite), in order.

    A no-op write first takes SQLite's write lock, so the chain's head cannot move before these
    entries are inserted by the same transaction. `serialize` is the dialect's JSON serializer:
    the detail is hashed as the exact text stored."""
    conn.exec_driver_sql("UPDATE audit_log SET seq = seq WHERE 0")
    last = conn.exec_driver_sql("SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1").first()
    next_id = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM audit_log").scalar() + 1
    seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS)
    floor = _aware(last[2]) if last else None
    for entry in entries:
        now = datetime.now(timezone.utc)
        at = max(now, floor) if floor else now
        seq, entry.id, entry.at, entry.seq, entry.prev_hash = seq + 1, next_id, at, seq + 1, prev_hash
        entry.hash = entry_hash(seq, entry.id, at, entry.actor, entry.action, entry.target_type,
                                entry.target_id, serialize(entry.detail), prev_hash)
        prev_hash, floor, next_id = entry.hash, at, next_id + 1


def _aware(at) -> datetime:
    """A stored timestamp as an aware UTC datetime."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


# ---- recorded heads ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Head:
    """One recorded chain head: the newest entry's seq and hash at `recorded_at`."""
    seq: int
    hash: str
    recorded_at: str


def read_heads(path) -> list[Head]:
    """Every head recorded in the file (none when it does not exist yet)."""
    path = Path(path)
    if not path.exists():
        return []
    heads = []
    for line in path.read_text(encoding="ascii").splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[0].isdigit():
            heads.append(Head(int(fields[0]), fields[1], fields[2]))
    return heads


def append_head(path, seq: int, hash_: str) -> Head:
    """Append `seq hash time` to the head file (created with its folder when missing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = Head(seq, hash_, datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, f"{head.seq} {head.hash} {head.recorded_at}\n".encode("ascii"))
    finally:
        os.close(fd)  # closing releases the lock
    log.info("audit chain head recorded: seq %s hash %s", head.seq, head.hash)
    return head


# ---- verification ------------------------------------------------------------------------------------
@dataclass
class Result:
    """What `verify` found: `problem` names the first broken entry, None when the chain is intact."""
    entries: int = 0
    head: Head | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _rows(conn, start_seq: int = 0):
    """The entries in chain order from `start_seq` on, read as stored (detail as its text)."""
    detail = "detail::text AS detail" if conn.dialect.name == "postgresql" else "CAST(detail AS TEXT) AS detail"
    return conn.execute(text(f"SELECT {COLUMNS.format(detail=detail)} FROM audit_log WHERE seq >= :s ORDER BY seq")
                        .bindparams(s=start_seq)).yield_per(1000)


def _name(row) -> str:
    """How a report names an entry: its id, place, time and action (nothing personal)."""
    return f"#{row.id} (seq {row.seq}, {at_text(row.at)}, {row.action})"


def verify(conn, heads: list[Head] = (), start: Head | None = None) -> Result:
    """Check the chain entry by entry (from `start`, a recorded head, or from the first entry) and
    against the recorded `heads`; stop at the first broken entry."""
    result = Result()
    unchained = conn.execute(text("SELECT id FROM audit_log WHERE seq IS NULL OR hash IS NULL OR prev_hash IS NULL "
                                  "ORDER BY id LIMIT 1")).scalar()
    if unchained is not None:
        result.problem = f"audit entry #{unchained} is outside the chain (no seq or hash): inserted around it"
        return result
    recorded = {}
    for head in heads:
        recorded.setdefault(head.seq, head)
    prev = None
    expected_seq, expected_prev = (start.seq, None) if start else (1, GENESIS)
    for row in _rows(conn, start.seq if start else 0):
        problem = _check(row, prev, expected_seq, expected_prev, recorded.get(row.seq), start)
        if problem:
            result.problem = problem
            return result
        result.entries += 1
        prev, expected_seq, expected_prev = row, row.seq + 1, row.hash
        result.head = Head(row.seq, row.hash, at_text(row.at))
    if start and prev is None:
        result.problem = f"audit entry seq {start.seq} is missing: the log was truncated before it (recorded {start.recorded_at})"
        return result
    beyond = [h for h in heads if h.seq >= expected_seq]
    if beyond:
        newest = max(beyond, key=lambda h: h.seq)
        last = f"ends at seq {prev.seq} {_name(prev)}" if prev else "is empty"
        result.problem = (f"audit entry seq {expected_seq} is missing: the log {last}, but seq {newest.seq} "
                          f"was recorded at {newest.recorded_at} (truncated)")
    return result


def _check(row, prev, expected_seq, expected_prev, head, start) -> str | None:
    """The first thing wrong with one entry, in the words a report uses; None when it is sound."""
    if row.seq != expected_seq:
        before = f"after {_name(prev)}" if prev else "at the start of the log"
        missing = expected_seq if row.seq > expected_seq else row.seq
        return (f"audit entry seq {missing} is missing {before}: the next entry is {_name(row)} "
                f"(deleted)")
    if expected_prev is not None and row.prev_hash != expected_prev:
        return (f"audit entry {_name(row)} does not link to the entry before it "
                f"(an entry deleted, inserted or moved there: reordered)")
    actual = entry_hash(row.seq, row.id, row.at, row.actor, row.action, row.target_type, row.target_id,
                        row.detail, row.prev_hash)
    if actual != row.hash:
        return f"audit entry {_name(row)} does not match its hash (edited)"
    if start and prev is None and row.hash != start.hash:
        return f"audit entry {_name(row)} differs from the head recorded at {start.recorded_at} (rewritten)"
    if head and row.hash != head.hash:
        return f"audit entry {_name(row)} differs from the head recorded at {head.recorded_at} (rewritten)"
    if prev is not None and _aware(row.at) < _aware(prev.at):
        return f"audit entry {_name(row)} is dated before the entry before it {_name(prev)} (back-dated)"
    return None


def record_head(conn, path) -> Result:
    """Check the entries added since the last recorded head and append the new head (the worker's
    maintenance). A broken chain is logged (ids only) and no head is recorded."""
    heads = read_heads(path)
    last = max(heads, key=lambda h: h.seq) if heads else None
    result = verify(conn, heads=[last] if last else [], start=last)
    if not result.ok:
        log.error("audit chain check failed; run `flask audit verify`: %s", result.problem)
        return result
    if result.head and (last is None or result.head.seq > last.seq):
        result.head = append_head(path, result.head.seq, result.head.hash)
    return result
