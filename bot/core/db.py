"""The database: one engine per app, sessions per request or per job, and the per-contact lock."""
import os
from contextlib import contextmanager

from flask import current_app, g
from psycopg.pq import TransactionStatus
from psycopg.rows import namedtuple_row
from psycopg.types.json import Json
from sqlalchemy import bindparam, create_engine, event, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import sqltypes
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.core.models import Contact

# A database host that drops packets must fail a webhook well within the providers' 15 s limit,
# so that the request is spooled (bot/web/spool.py) instead of timing out unanswered.
PG_CONNECT_ARGS = {"connect_timeout": 5}


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and real BEGIN IMMEDIATE support.

    Bound parameters are hidden from errors and logs: they hold NIKs and names.
    """
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if not url.startswith("sqlite"):
        # No pre-ping: it costs a round trip per request on the webhook's hot path. A connection
        # that died with a database restart fails one request (the provider redelivers it) and
        # is replaced; recycling keeps idle connections from going stale behind firewalls.
        return create_engine(url, pool_recycle=1800, pool_size=10, max_overflow=10, hide_parameters=True,
                             connect_args=PG_CONNECT_ARGS)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # pysqlite's own transaction handling defeats BEGIN IMMEDIATE; we emit BEGIN ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A contact lock asks for IMMEDIATE so two processes never interleave one contact's work.
        mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_immediate") else "BEGIN"
        conn.exec_driver_sql(mode)

    return engine


def init_app(app) -> None:
    """Attach an engine and session factory to the app and close request sessions on teardown."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessions"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_request_session)


def engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["db_engine"]


def dispose(app, close: bool = True) -> None:
    """Drop every pooled connection of the app's engines: closed (tests), or only forgotten
    (`close=False`, in a forked child, whose parent still uses them)."""
    for pid, pooled in app.extensions.pop("db_held", {}).values():
        if close and pid == os.getpid():
            pooled.close()  # back to its pool, which is disposed below
    for name in ("db_engine", "db_autocommit"):
        if name in app.extensions:
            app.extensions[name].dispose(close=close)


def insert_for(s):
    """The INSERT of the session's dialect, which knows ON CONFLICT (PostgreSQL and SQLite alike)."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert


def autocommit_engine() -> Engine:
    """An engine whose connections stay in autocommit, for single-statement writes on a hot path
    (switching a pooled connection in and out of autocommit costs round trips of its own)."""
    found = current_app.extensions.get("db_autocommit")
    if found is None:
        found = engine().execution_options(isolation_level="AUTOCOMMIT")
        if engine().dialect.name == "postgresql":
            found = create_engine(engine().url, isolation_level="AUTOCOMMIT", pool_recycle=1800,
                                  pool_size=10, max_overflow=10, hide_parameters=True,
                                  pool_reset_on_return=None, connect_args=PG_CONNECT_ARGS)
        current_app.extensions["db_autocommit"] = found
    return found


def _unusable(driver) -> bool:
    """Whether a psycopg connection must not be used again: dropped by the database, or cut in the
    middle of a command (a job's timeout raised inside the wait), whose answer would meet the next
    command ("another command is already in progress")."""
    return driver.closed or driver.broken or driver.info.transaction_status == TransactionStatus.ACTIVE


@contextmanager
def driver_connection():
    """A pooled psycopg connection in autocommit (PostgreSQL only); one left unusable is not pooled
    again (without a pre-ping, it would fail the next statement that got it, and the next)."""
    pooled = autocommit_engine().raw_connection()
    try:
        yield pooled.driver_connection
    except BaseException:
        if _unusable(pooled.driver_connection):
            pooled.invalidate()
        raise
    finally:
        pooled.close()  # back to the pool


@contextmanager
def held_connection(key: str):
    """Like `driver_connection`, but kept by this process between uses, for a user that runs one
    statement at a time (the webhooks' group commit: one batch at a time per process): it skips
    the pool's checkout and return, a sixth of what storing a webhook cost the web process.
    Two users of one key at once each get a connection (the second a pooled one, returned after)."""
    held = current_app.extensions.setdefault("db_held", {})
    found = held.pop(key, None)
    pooled = found[1] if found is not None and found[0] == os.getpid() else autocommit_engine().raw_connection()
    try:
        yield pooled.driver_connection
    except BaseException:
        if _unusable(pooled.driver_connection):
            pooled.invalidate()
            pooled.close()
            raise
        _keep(held, key, pooled)
        raise
    _keep(held, key, pooled)


def _keep(held: dict, key: str, pooled) -> None:
    """Keep `pooled` for the next use of `key`, or return it to the pool if another one is kept."""
    if held.setdefault(key, (os.getpid(), pooled))[1] is not pooled:
        pooled.close()


class Direct:
    """A statement on a hot path, run on its own in autocommit (`run`) or in a session's
    transaction (`run_in`): on PostgreSQL straight on the driver, compiled once and prepared
    (SQLAlchemy's execution layer cost as much as such a statement itself); elsewhere through
    SQLAlchemy. Rows come back as named tuples; their columns have no
    SQLAlchemy type processing (psycopg's own: JSON read as Python, timestamps with their zone).
    Nor do the model's Python-side defaults apply (`default=`, `onupdate=`): only for statements
    that give every value themselves."""

    def __init__(self, statement):
        self.statement = statement
        self._compiled: tuple[str, dict, frozenset] | None = None

    def _sql(self) -> tuple[str, dict, frozenset]:
        """The SQL for psycopg, the statement's own fixed parameters (its literals), and which
        parameters are JSON (handed to psycopg as such, as SQLAlchemy's JSON type would)."""
        if self._compiled is None:
            compiled = self.statement.compile(dialect=postgresql.psycopg.dialect())
            python_side = [c.name for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
            if python_side:
                raise ValueError(f"a Direct statement gets no model defaults: give {', '.join(python_side)}")
            binds = {name: bind for bind, name in compiled.bind_names.items()}
            fixed = {name: value for name, value in compiled.params.items() if not binds[name].required}
            json = frozenset(name for name, bind in binds.items() if isinstance(bind.type, sqltypes.JSON))
            self._compiled = str(compiled), fixed, json
        return self._compiled

    def _bound(self, params: dict) -> dict:
        """Every parameter of one execution, JSON ones wrapped for psycopg."""
        _, fixed, json = self._sql()
        return {**fixed, **{key: Json(value) if key in json else value for key, value in params.items()}}

    def run(self, params: dict) -> list:
        """Run it with `params`; the rows it returns (none for a write without RETURNING)."""
        if engine().dialect.name != "postgresql":
            with autocommit_engine().begin() as conn:  # committed at the end where autocommit is not real
                result = conn.execute(self.statement, params)
                return result.all() if result.returns_rows else []
        with driver_connection() as conn:
            return self._execute(conn, params)

    def run_in(self, s: Session, params: dict | list[dict]) -> list:
        """Run it inside session `s`'s transaction, on its connection (a list of `params`: once per
        item, for rows written together); the rows it returns."""
        connection = s.connection()
        if connection.dialect.name != "postgresql":
            result = connection.execute(self.statement, params)
            return result.all() if result.returns_rows else []
        driver = connection.connection.driver_connection
        try:
            return self._execute(driver, params)
        except BaseException:
            if _unusable(driver):
                connection.invalidate()  # the session's rollback could not reset it either
            raise

    def _execute(self, conn, params: dict | list[dict]) -> list:
        """Run it on psycopg connection `conn`."""
        sql = self._sql()[0]
        with conn.cursor(row_factory=namedtuple_row) as cursor:
            if isinstance(params, list):
                cursor.executemany(sql, [self._bound(p) for p in params])
                return []
            cursor.execute(sql, self._bound(params), prepare=True)
            return cursor.fetchall() if cursor.description else []


def session() -> Session:
    """The session of the current request (or app context), created on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessions"]()
    return g.db_session


@contextmanager
def new_session():
    """A fresh session for a job or a block that must commit on its own."""
    s = current_app.extensions["db_sessions"]()
    try:
        yield s
    finally:
        s.close()


@contextmanager
def read_session():
    """A session for a read that needs no transaction, on the autocommit engine: no BEGIN and no
    ROLLBACK round trips around it."""
    s = Session(autocommit_engine(), expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()


def _close_request_session(_exc):
    """Close the request's session, rolling back anything left uncommitted."""
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


def lock_contact(s: Session, contact_id: int):
    """Serialise all work on one contact until the session's transaction ends."""
    if s.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: an IMMEDIATE transaction takes the database write lock.
        s.connection(execution_options={"sqlite_immediate": True})
        return s.get(Contact, contact_id)
    # FOR NO KEY UPDATE, not FOR UPDATE: jobs still exclude each other, but a webhook inserting
    # this contact's next message (its foreign key takes KEY SHARE) does not wait for them.
    return s.execute(_LOCK, {"contact_id": contact_id}).scalar_one()


# Built once: every job takes this lock, and building the statement cost as much as running it.
_LOCK = select(Contact).where(Contact.id == bindparam("contact_id")).with_for_update(key_share=True)
