"""Webhooks arriving together are stored in one transaction (bot/core/group_commit.py), and each
is still acknowledged only once its row is committed: stored once, in each citizen's order, and
nothing lost when that shared transaction fails.

To make webhooks share a transaction, a test holds the database's write lock from a connection of
its own: the first webhook's transaction waits behind it, and the webhooks arriving meanwhile
queue up for the next one.
"""
import contextlib
import logging
import sqlite3
import threading
import time

import psycopg
import pytest
from sqlalchemy import select, text

from bot import create_app
from bot.core import db
from bot.core.db import dispose as dispose_db
from bot.core.models import Message
from bot.web.spool import replay
from delivery.channels.twilio import fake
from tests.twilio_drivers import configure, post_signed

CLOSED_PORT = "postgresql://postgres@127.0.0.1:1/test"


@pytest.fixture
def providers(app, tmp_path):
    """The app pointed at the session's fake Twilio (the worker knows it), with a spool of its own."""
    twilio = fake.shared_server()
    twilio.reset()
    twilio.state["url"] = twilio.url
    configure(app, twilio.state)
    app.config.update(SPOOL_DIR=str(tmp_path / "spool"))
    yield twilio.state
    twilio.reset()


@pytest.fixture
def unworked(app):
    """On PostgreSQL, the app's jobs go to a queue no worker takes: a job would update the rows
    (their attempt count, their status) and so change the transaction id a test reads from them."""
    if not is_postgres(app):
        yield
        return
    from delivery.jobs import RQExecutor

    kept = app.extensions["jobs"]
    app.extensions["jobs"] = RQExecutor(app.config["REDIS_URL"], f"{kept.queue.name}-unworked")
    yield
    app.extensions["jobs"].queue.delete(delete_jobs=True)
    app.extensions["jobs"] = kept


def is_postgres(app) -> bool:
    return app.extensions["db_engine"].dialect.name == "postgresql"


def message(number: str, body: str, sid: str | None = None) -> dict:
    """A Twilio WhatsApp message webhook form."""
    return fake.inbound_params(number, body, account_sid=fake.DEFAULT_SID, message_sid=sid)


def stored(app, sids) -> list[Message]:
    """The inbound rows with these MessageSids, oldest first, read on a connection of their own."""
    with app.app_context(), db.new_session() as s:
        return s.execute(select(Message).where(Message.provider_id.in_(list(sids)))
                         .order_by(Message.id)).scalars().all()


def transactions(app, sids) -> set[str]:
    """The PostgreSQL transactions that wrote these rows."""
    with app.app_context(), db.new_session() as s:
        return set(s.execute(text("SELECT xmin::text FROM messages WHERE provider_id = ANY(:ids)"),
                             {"ids": list(sids)}).scalars())


def pg_url(app) -> str:
    """The app's PostgreSQL database, for a driver connection of the test's own."""
    return (app.extensions["db_engine"].url.render_as_string(hide_password=False)
            .replace("postgresql+psycopg://", "postgresql://"))


@contextlib.contextmanager
def writes_held(app):
    """Hold the database's write lock from another connection until the block ends."""
    url = app.config["DATABASE_URL"]
    if is_postgres(app):
        conn = psycopg.connect(pg_url(app))
        conn.execute("LOCK TABLE messages IN EXCLUSIVE MODE")
    else:
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        conn.rollback() if is_postgres(app) else conn.execute("ROLLBACK")
        conn.close()


def waiting_on_lock(app) -> list[int]:
    """PostgreSQL backends whose ingestion statement waits for a lock (behind `writes_held`).

    Asked on a connection of its own: within a transaction, pg_stat_activity stays as first read."""
    with psycopg.connect(pg_url(app), autocommit=True) as conn:
        return [pid for (pid,) in conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        " AND (query LIKE 'WITH input AS%' OR query LIKE 'WITH existing AS%')")]  # a batch's, or one message's


def until(condition, timeout: float = 10.0) -> None:
    """Poll until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


class Sender:
    """Webhooks posted from threads of their own, each answer and the rows seen right after it."""

    def __init__(self, app, token: str, read_back: bool = True):
        self.app, self.token, self.read_back = app, token, read_back
        self.answers: dict[str, list[int]] = {}  # MessageSid -> status codes
        self.seen_after_ack: dict[str, bool] = {}
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()

    def post(self, params: dict) -> None:
        """Post one webhook in a new thread."""
        thread = threading.Thread(target=self._post, args=(params,))
        thread.start()
        self.threads.append(thread)

    def _post(self, params: dict) -> None:
        response = post_signed(self.app.test_client(), params, self.token)
        # Read at once, on another connection: an acknowledged message is already committed.
        seen = response.status_code == 200 and (not self.read_back or bool(stored(self.app, [params["MessageSid"]])))
        with self.lock:
            self.answers.setdefault(params["MessageSid"], []).append(response.status_code)
            self.seen_after_ack[params["MessageSid"]] = self.seen_after_ack.get(params["MessageSid"], True) and seen

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=60)
        assert not any(t.is_alive() for t in self.threads)


def committer(app):
    """The app's group commit of inbound messages in this process, once a message made it."""
    return app.extensions.get("group_commit", {}).get("inbound")


def queued(app) -> int:
    """Messages waiting for the next transaction (handed over, not yet taken into one)."""
    found = committer(app)
    return len(found.waiting) if found else 0


def first_in_line(app, sender: Sender, params: dict) -> None:
    """Post a webhook and wait until its transaction is under way (it waits behind the held lock)."""
    sender.post(params)
    until(lambda: committer(app) is not None and committer(app).leading and queued(app) == 0)


def test_many_concurrent_webhooks_are_each_stored_once_and_acknowledged_only_when_committed(app, providers):
    sender = Sender(app, providers["auth_token"])
    forms = [message(f"+628120000{k % 8:04d}", f"pesan {k}") for k in range(40)]
    for params in forms:
        sender.post(params)
    sender.join()
    sids = [p["MessageSid"] for p in forms]
    assert all(sender.answers[sid] == [200] for sid in sids)
    assert all(sender.seen_after_ack[sid] for sid in sids), "a webhook was acknowledged before its row was committed"
    rows = stored(app, sids)
    assert sorted(r.provider_id for r in rows) == sorted(sids)


def test_messages_arriving_together_share_a_transaction_and_a_duplicate_is_stored_once(app, providers, unworked):
    sender = Sender(app, providers["auth_token"])
    first = message("+6281200001000", "pertama")
    together = [message(f"+62812000010{k:02d}", f"bersama {k}") for k in range(1, 6)]
    with writes_held(app):
        first_in_line(app, sender, first)
        for params in together:
            sender.post(params)
        sender.post(dict(together[0]))  # Twilio redelivers while the first copy waits: the same batch
        sender.post(dict(first))  # a copy of the message in the transaction before
        until(lambda: queued(app) == 7)
    sender.join()
    sender.post(dict(together[1]))  # a copy arriving after its original was committed
    sender.join()

    sids = [first["MessageSid"]] + [p["MessageSid"] for p in together]
    assert all(set(sender.answers[sid]) == {200} for sid in sids)
    assert [len(sender.answers[sid]) for sid in sids] == [2, 2, 2, 1, 1, 1]
    rows = stored(app, sids)
    assert sorted(r.provider_id for r in rows) == sorted(sids), "each message once, duplicates not again"
    assert all(sender.seen_after_ack[sid] for sid in sids)
    if is_postgres(app):
        assert len(transactions(app, [p["MessageSid"] for p in together])) == 1


def test_a_citizens_messages_keep_their_order_when_they_share_a_transaction_with_others(app, providers, unworked):
    sender = Sender(app, providers["auth_token"])
    siti, budi = "+6281200002001", "+6281200002002"
    sent = [message(siti, "siti 1"), message(budi, "budi 1"), message(siti, "siti 2"),
            message(budi, "budi 2"), message(siti, "siti 3"), message(budi, "budi 3")]
    with writes_held(app):
        first_in_line(app, sender, message("+6281200002000", "yang pertama"))
        for params in sent:
            sender.post(params)
            until(lambda: queued(app) == len(sender.threads) - 1)  # one after another, as a citizen types them
    sender.join()
    rows = stored(app, [p["MessageSid"] for p in sent])
    assert [r.text for r in rows if r.text.startswith("siti")] == ["siti 1", "siti 2", "siti 3"]
    assert [r.text for r in rows if r.text.startswith("budi")] == ["budi 1", "budi 2", "budi 3"]
    if is_postgres(app):
        assert len(transactions(app, [p["MessageSid"] for p in sent])) == 1


def test_when_the_shared_transaction_loses_its_connection_each_message_falls_back_as_alone(
        pg_app, tmp_path, caplog):
    # Alone, a message whose statement fails is spooled (and acknowledged); one whose shared
    # transaction fails is stored on its own instead, and nothing is lost either way.
    twilio = fake.shared_server()
    twilio.reset()
    twilio.state["url"] = twilio.url
    configure(pg_app, twilio.state)
    pg_app.config.update(SPOOL_DIR=str(tmp_path / "spool"))
    sender = Sender(pg_app, twilio.state["auth_token"], read_back=False)
    forms = [message(f"+62812000030{k:02d}", f"pesan {k}") for k in range(6)]
    try:
        with caplog.at_level(logging.WARNING), writes_held(pg_app) as held:
            first_in_line(pg_app, sender, forms[0])
            for params in forms[1:]:
                sender.post(params)
            until(lambda: queued(pg_app) == 5)
            kill = lambda pids: [held.execute("SELECT pg_terminate_backend(%s)", (pid,)) for pid in pids]  # noqa: E731
            # The connection dies (a database restart, a network cut): the first message's
            # transaction, then both the first message stored alone and the five sharing the next.
            until(lambda: len(waiting_on_lock(pg_app)) == 1)
            kill(waiting_on_lock(pg_app))
            until(lambda: len(waiting_on_lock(pg_app)) == 2)  # the first alone, the five together
            kill(waiting_on_lock(pg_app))
            until(lambda: len(waiting_on_lock(pg_app)) == 5)  # each of the five alone
        sender.join()
    finally:
        twilio.reset()
    assert "group commit of 5 row(s) failed" in caplog.text
    sids = [p["MessageSid"] for p in forms]
    assert all(sender.answers[sid] == [200] for sid in sids)
    assert "spooled" in caplog.text  # the first, which failed alone
    # The next webhook that stores fine replays the spool in the background; or a replay now.
    until(lambda: replay(pg_app) and len(stored(pg_app, sids)) == 6)
    assert sorted(r.provider_id for r in stored(pg_app, sids)) == sorted(sids)


def test_concurrent_webhooks_during_an_outage_are_spooled_and_all_stored_once_afterwards(app, providers, tmp_path):
    unreachable = CLOSED_PORT if is_postgres(app) else f"sqlite:///{tmp_path / 'no-such-dir' / 'sapa.db'}"
    settings = {key: value for key, value in app.config.items() if key != "OFFICE"}
    down = create_app({**settings, "DATABASE_URL": unreachable})
    try:
        sender = Sender(down, providers["auth_token"], read_back=False)
        forms = [message(f"+62812000040{k % 3:02d}", f"saat gangguan {k}") for k in range(8)]
        for params in forms:
            sender.post(params)
        sender.join()
    finally:
        dispose_db(down)
    sids = [p["MessageSid"] for p in forms]
    assert all(sender.answers[sid] == [200] for sid in sids), "each was acknowledged from the spool"
    assert replay(app) == (8, 0, 0)
    assert sorted(r.provider_id for r in stored(app, sids)) == sorted(sids)
