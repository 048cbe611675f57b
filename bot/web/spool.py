"""When the database is down, a verified webhook is written to disk and replayed later.

RapidPro's courier does the same. Twilio does not retry a messaging webhook that failed, so
answering a database outage with 500 would lose what the citizen sent. A verified request that
hits a connection error is therefore kept as one JSON file in SPOOL_DIR and acknowledged as
usual. Later it goes through the same route again (signature, dedupe on the provider's id,
storage, the job), with a marker that it is a replay. That happens automatically after the
next webhook that stores fine, or by hand with `flask replay-spool`.

Wired in by bot.web.webhooks: `spool.init_app(app, bp)`. In the view, right after the
signature checked out, call `spool.verified(ack)`, where `ack()` builds the provider's usual
success answer.
"""
import base64
import contextlib
import contextvars
import json
import logging
import os
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import click
import psycopg
from flask import Response, current_app, g, request
from flask.cli import with_appcontext
from sqlalchemy import exc as sa_exc

from bot.core import crypto
from delivery.channels.registry import CHANNELS

log = logging.getLogger(__name__)

# "The database cannot be reached". The PostgreSQL hot path (bot/core/inbound_store.py) talks to
# psycopg directly, so psycopg's own errors surface there unwrapped.
DATABASE_ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
REPLAY_KEY = "sapa.spool.replay"  # a WSGI environ key: it cannot be set from outside, unlike a header
# What verifying a request again needs: its type and each channel's signature headers.
KEPT_HEADERS = {"content-type"} | {h.lower() for c in CHANNELS.values() for h in c.signature_headers}
STALE_CLAIM_NS = 5 * 60 * 10**9  # a claim older than this belongs to a replayer that crashed
# Replays ending in a server error that is not the database (Redis down, a bug) before a file is
# moved to failed/ for a person to look at; the database being down never counts.
MAX_ATTEMPTS = 10


class _Replayer:
    """Per app (one per process in production, several in tests): the spooled blueprints,
    whether spooled files may be waiting, when to look next, and the one replay thread."""

    def __init__(self):
        self.blueprints: set[str] = set()
        self.may_have_files = True  # a previous process may have left some behind
        self.next_check = 0.0
        self.lock = threading.Lock()


def init_app(app, bp) -> None:
    """Spool `bp`'s verified requests on a database error; the hooks are registered once per app."""
    state = app.extensions.get("spool")
    if state is None:
        state = app.extensions["spool"] = _Replayer()
        for error in DATABASE_ERRORS:
            app.register_error_handler(error, _on_database_error)
        app.before_request(_keep_raw_body)
        app.after_request(_replay_when_back)
    state.blueprints.add(bp.name)


def verified(ack) -> None:
    """The request's signature checked out: from here a database error spools it and answers `ack()`."""
    g.webhook_verified, g.webhook_ack = True, ack


def is_replay() -> bool:
    """Whether the current request is a spooled one being replayed."""
    return REPLAY_KEY in request.environ


# ---- the request side ---------------------------------------------------------------------------------
def _keep_raw_body() -> None:
    """Read a webhook's body into the request's cache first: parsing a form consumes it otherwise."""
    if request.method == "POST" and request.blueprint in current_app.extensions["spool"].blueprints:
        request.get_data(cache=True)


def _on_database_error(err):
    """Spool a verified request the database could not take, and answer as if it had."""
    if is_replay():
        request.environ[REPLAY_KEY]["database_down"] = True  # tells the replayer to stop this pass
        raise err
    if not g.get("webhook_verified"):
        raise err  # unverified: nothing worth keeping (a 500)
    try:
        path = save(request)
    except OSError as spool_err:
        log.error("database unavailable (%s) and %s could not be spooled: %s", _name(err), request.path, spool_err)
        return Response("Service Unavailable", 503, mimetype="text/plain")
    g.webhook_spooled = True
    current_app.extensions["spool"].may_have_files = True
    # Path, size and error type only: the body and the sender are personal data.
    log.warning("database unavailable (%s): %s spooled as %s (%d bytes)",
                _name(err), request.path, path.name, len(request.get_data(cache=True)))
    return g.webhook_ack()


def _name(err: Exception) -> str:
    """An error's qualified type, never its message (which may quote data)."""
    return f"{type(err).__module__}.{type(err).__qualname__}"


def save(req) -> Path:
    """Write a verified request to the spool durably (temp file, fsync, rename); its path."""
    directory = Path(current_app.config["SPOOL_DIR"])
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    record = {
        "method": req.method, "path": req.path,
        "query_string": req.query_string.decode("latin-1"),
        # What verification needs again: Twilio signs PUBLIC_BASE_URL + path and the form, Meta the raw body.
        "headers": {name: value for name, value in req.headers.items()
                    if name.lower() in KEPT_HEADERS},
        # Encrypted under DATA_KEY: a body may carry a NIK a citizen typed (docs/personal-data.md).
        "body_enc": crypto.keys().encrypt_bytes(req.get_data(cache=True)).decode("ascii"),
        "spooled_at": datetime.now(timezone.utc).isoformat(),
    }
    # The name sorts by time, so replays keep the order messages arrived in.
    path = directory / f"{time.time_ns():020d}-{uuid.uuid4().hex}.json"
    _write_durably(path, record)
    return path


def _write_durably(path: Path, record: dict) -> None:
    """Write a JSON record so that a crash leaves the old file or the new one, never half of it:
    a temp file (mode 0600) fsynced, renamed over `path`, then the directory fsynced."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.rename(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(path.parent)  # so the rename itself survives a power cut


def _fsync_directory(directory: Path) -> None:
    """Flush a directory's entries to disk (where the platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---- replaying ------------------------------------------------------------------------------------------
def replay(app) -> tuple[int, int, int]:
    """Replay spooled requests oldest first through the app's own routes: (replayed, failed, kept).

    2xx: done, the file is deleted. 4xx: moved to failed/ (e.g. the auth token was rotated).
    The database still down: the pass stops and the rest is kept. Another server error (Redis
    down, a bug): the file is kept for a later pass and the next one is tried; after
    MAX_ATTEMPTS such errors it goes to failed/ too, so one bad file never blocks the spool.
    """
    directory = Path(app.config["SPOOL_DIR"])
    _reclaim_stale(directory)
    replayed = failed = 0
    for path in _pending(directory):
        # Renaming is the claim: if it fails, another process (or thread) has the file.
        claimed = path.with_name(f"{path.stem}.{time.time_ns()}.replaying")
        try:
            os.rename(path, claimed)
        except FileNotFoundError:
            continue
        status, database_down = _dispatch(app, claimed)
        if 200 <= status < 300:
            claimed.unlink(missing_ok=True)
            replayed += 1
        elif database_down:
            os.rename(claimed, path)
            log.warning("spooled %s: the database is still down; it and the rest wait", path.name)
            break
        elif status < 500 or _attempts(claimed) + 1 >= MAX_ATTEMPTS:
            (directory / "failed").mkdir(mode=0o700, exist_ok=True)
            os.rename(claimed, directory / "failed" / path.name)
            failed += 1
            log.warning("spooled %s answered %s on replay: moved to failed/", path.name, status)
        else:
            # Another server error (Redis down, a bug): try it again later, but do not hold back
            # the files behind it, which may well go through.
            _count_attempt(claimed)
            os.rename(claimed, path)
            log.warning("spooled %s answered %s on replay: kept for another try", path.name, status)
    kept = len(_pending(directory))
    if replayed or failed or kept:
        log.info("spool replay: %d replayed, %d failed, %d waiting", replayed, failed, kept)
    return replayed, failed, kept


def _pending(directory: Path) -> list[Path]:
    """Spooled files not claimed by anyone, oldest first."""
    try:
        names = sorted(entry.name for entry in os.scandir(directory) if entry.name.endswith(".json"))
    except FileNotFoundError:
        return []
    return [directory / name for name in names]


def _reclaim_stale(directory: Path) -> None:
    """Put files claimed by a replayer that died back in the queue."""
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(directory):
            stem, _, rest = entry.name.partition(".")
            claimed_at, _, suffix = rest.partition(".")
            if suffix != "replaying" or not claimed_at.isdigit():
                continue
            if time.time_ns() - int(claimed_at) > STALE_CLAIM_NS:
                with contextlib.suppress(FileNotFoundError):
                    os.rename(entry.path, directory / f"{stem}.json")
                    log.warning("spool: %s.json was claimed by a replayer that stopped; queued again", stem)


def _dispatch(app, path: Path) -> tuple[int, bool]:
    """Send one spooled request through the app: (HTTP status, whether the database was down).
    An unreadable file answers 400."""
    try:
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
        headers = dict(record["headers"])
        body = (crypto.keys(app).decrypt_bytes(record["body_enc"].encode("ascii")) if "body_enc" in record
                else base64.b64decode(record["body"]))  # a file spooled before bodies were encrypted
    except (ValueError, KeyError, TypeError, crypto.InvalidToken):
        log.warning("spooled %s is unreadable", path.name)
        return 400, False
    content_type = next((headers.pop(k) for k in list(headers) if k.lower() == "content-type"), None)
    outcome: dict = {}  # the request's database error handler notes an outage here

    def send() -> int:
        """Run the request; an exception the app propagates (a testing app) counts as a 500."""
        try:
            response = app.test_client().open(
                record["path"], method=record["method"], data=body, content_type=content_type, headers=headers,
                environ_overrides={REPLAY_KEY: outcome, "QUERY_STRING": record["query_string"]})
        except DATABASE_ERRORS:
            outcome["database_down"] = True
            return 503
        except Exception as err:  # only an app that propagates exceptions gets here
            log.error("spooled %s failed on replay: %s", path.name, _name(err))
            return 500
        response.close()
        return response.status_code

    # An empty context: the request gets an app context (and `g`) of its own even when the
    # caller has one, e.g. the CLI command; otherwise `g` would carry over between replays.
    status = contextvars.Context().run(send)
    return status, bool(outcome.get("database_down"))


def rotate_file(path: Path) -> bool:
    """Encrypt a spooled body again under DATA_KEY's newest key (`flask data rotate-key`); whether
    the file held one. A file being replayed right now is left alone (it is gone soon)."""
    try:
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or "body_enc" not in record:
        return False
    record["body_enc"] = crypto.keys().fernet.rotate(record["body_enc"].encode("ascii")).decode("ascii")
    _write_durably(path, record)
    return True


def _attempts(path: Path) -> int:
    """How many replays of this file ended in a server error so far."""
    try:
        with open(path, encoding="utf-8") as fh:
            return int(json.load(fh).get("attempts", 0))
    except (OSError, ValueError, TypeError, AttributeError):
        return 0


def _count_attempt(path: Path) -> None:
    """Add one failed replay to the file's record."""
    with open(path, encoding="utf-8") as fh:
        record = json.load(fh)
    record["attempts"] = int(record.get("attempts", 0)) + 1
    _write_durably(path, record)


def _replay_when_back(response):
    """After a webhook stored fine, the database is up: replay the spool if it may hold files."""
    if g.get("webhook_verified") and not g.get("webhook_spooled") and 200 <= response.status_code < 300 \
            and not is_replay():
        maybe_replay(current_app._get_current_object())
    return response


def maybe_replay(app) -> threading.Thread | None:
    """Start a replay thread when files may wait; the spool dir is looked at most every SPOOL_CHECK_SECONDS.

    Cheap on the hot path: nothing but a flag and a clock unless this process spooled (or just
    started), and at most one replay thread per process; the rename-claim keeps processes apart.
    """
    state = app.extensions["spool"]
    now = time.monotonic()
    if not state.may_have_files or now < state.next_check or not state.lock.acquire(blocking=False):
        return None
    state.next_check = now + float(app.config["SPOOL_CHECK_SECONDS"])
    # Cleared before looking: a file spooled meanwhile sets it again, so none is forgotten.
    state.may_have_files = False
    if not _pending(Path(app.config["SPOOL_DIR"])):
        state.lock.release()
        return None
    thread = threading.Thread(target=_replay_in_background, args=(app, state), name="spool-replay", daemon=True)
    thread.start()
    return thread


def _replay_in_background(app, state: _Replayer) -> None:
    """One replay pass; whatever it could not replay is looked at again later."""
    try:
        if replay(app)[2]:
            state.may_have_files = True
    except Exception:
        state.may_have_files = True
        log.exception("spool replay stopped")
    finally:
        state.lock.release()


@click.command("replay-spool")
@with_appcontext
def replay_spool_command():
    """Replay the webhooks spooled while the database was down."""
    replayed, failed, kept = replay(current_app._get_current_object())
    failed_dir = Path(current_app.config["SPOOL_DIR"]) / "failed"
    click.echo(f"Diproses ulang: {replayed}. Gagal (dipindahkan ke {failed_dir}): {failed}. "
               f"Masih menunggu: {kept}.")
    if kept:
        click.echo("Database belum dapat dihubungi atau server menjawab galat; jalankan lagi nanti.")
