"""The audit log is a hash chain: `flask audit verify` passes on an honest log and names the first
broken entry after each kind of tampering an owner of the database could do; concurrent writers
keep the chain intact; the application's own database role cannot tamper at all (PostgreSQL)."""
import os
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.core import audit_chain, db
from bot.core.config import app_db_role
from bot.core.db import make_engine
from bot.core.models import audit
from tests.conftest import answer_until_summary

SQLITE_GUARDS = ("audit_log_no_update", "audit_log_no_delete")


@pytest.fixture
def heads(app, tmp_path):
    """The app's head file, of this test alone."""
    path = tmp_path / "audit-heads" / "heads.log"
    app.config["AUDIT_HEAD_FILE"] = str(path)
    return path


def verify(app):
    """Run `flask audit verify`: (exit code, everything it printed, stdout and stderr)."""
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def write_entries(app, count: int, action: str = "test_entry") -> None:
    """Append `count` audit entries the way the application does (one transaction)."""
    with app.app_context(), db.new_session() as s:
        for n in range(count):
            audit(s, "system", action, n=n, note="catatan")
        s.commit()


def chain(app) -> list:
    """(seq, id, at) of every entry, in chain order."""
    with app.app_context(), db.engine().connect() as conn:
        return conn.execute(text("SELECT seq, id, at, hash FROM audit_log ORDER BY seq")).all()


def tamper(app, *statements, params=None) -> None:
    """Run raw SQL on the audit log as its owner would, with its guards out of the way: SQLite's
    triggers dropped (and put back), PostgreSQL's triggers off for this transaction only."""
    with app.app_context(), db.engine().begin() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            saved = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")).scalars().all()
            for name in SQLITE_GUARDS:
                conn.execute(text(f"DROP TRIGGER {name}"))
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            conn.execute(text(statement), params or {})
        if sqlite:
            for sql in saved:
                conn.exec_driver_sql(sql)


def test_verify_passes_after_a_real_birth_request(app, chat, png, heads):
    answer_until_summary(chat, png)
    chat.press("submit")
    assert len(chain(app)) > 0
    code, output = verify(app)
    assert code == 0, output
    assert "utuh" in output and "intact" in output
    recorded = audit_chain.read_heads(heads)
    assert recorded and recorded[-1].seq >= 1  # the head is kept where the database cannot reach it
    code, output = verify(app)  # and checked against it the next time
    assert code == 0, output


def test_an_edited_entry_is_named(app, heads):
    write_entries(app, 5)
    edited = chain(app)[2]
    tamper(app, "UPDATE audit_log SET detail = '{\"n\": 99, \"note\": \"catatan\"}' WHERE seq = :s", params={"s": edited.seq})
    code, output = verify(app)
    assert code != 0
    assert f"#{edited.id} (seq {edited.seq}" in output and "edited" in output


def test_a_deleted_entry_is_named(app, heads):
    write_entries(app, 5)
    entries = chain(app)
    tamper(app, "DELETE FROM audit_log WHERE seq = :s", params={"s": entries[2].seq})
    code, output = verify(app)
    assert code != 0
    assert f"seq {entries[2].seq} is missing" in output and "deleted" in output
    assert f"#{entries[3].id}" in output  # the entry that now follows the gap


def test_a_reordered_pair_is_named(app, heads):
    write_entries(app, 5)
    entries = chain(app)
    a, b = entries[2], entries[3]
    tamper(app, "UPDATE audit_log SET seq = -1 WHERE seq = :a", "UPDATE audit_log SET seq = :a WHERE seq = :b",
           "UPDATE audit_log SET seq = :b WHERE seq = -1", params={"a": a.seq, "b": b.seq})
    code, output = verify(app)
    assert code != 0
    assert f"#{b.id} (seq {a.seq}" in output and "reordered" in output


def test_a_truncated_tail_is_caught_by_the_recorded_head(app, heads):
    write_entries(app, 5)
    assert verify(app)[0] == 0  # records the head: seq 5
    entries = chain(app)
    tamper(app, "DELETE FROM audit_log WHERE seq > :s", params={"s": entries[2].seq})
    code, output = verify(app)
    assert code != 0
    assert f"seq {entries[3].seq} is missing" in output and "truncated" in output


def test_a_truncated_table_is_caught_even_when_new_entries_follow(app, heads):
    write_entries(app, 3)
    assert verify(app)[0] == 0
    with app.app_context():
        sqlite = db.engine().dialect.name == "sqlite"
    tamper(app, "DELETE FROM audit_log" if sqlite else "TRUNCATE audit_log")
    code, output = verify(app)
    assert code != 0 and "seq 1 is missing" in output and "truncated" in output
    write_entries(app, 5)  # a new, internally sound chain in its place
    code, output = verify(app)
    assert code != 0
    assert "seq 3" in output and "rewritten" in output


def test_a_back_dated_entry_is_named(app, heads):
    write_entries(app, 3)
    last = chain(app)[-1]
    forged = {"seq": last.seq + 1, "id": last.id + 1000, "at": "2020-01-01 00:00:00.000000+00:00",
              "actor": "officer:1", "action": "request_approved", "detail": "{}", "prev": last.hash}
    # An owner who knows the algorithm gives it a correct link and hash: only its date betrays it.
    forged["hash"] = audit_chain.entry_hash(forged["seq"], forged["id"], "2020-01-01T00:00:00+00:00", forged["actor"],
                                            forged["action"], None, None, forged["detail"], forged["prev"])
    with app.app_context():
        sqlite = db.engine().dialect.name == "sqlite"
    at = "'2020-01-01 00:00:00.000000'" if sqlite else "'2020-01-01 00:00:00+00'"
    tamper(app, "INSERT INTO audit_log (id, seq, at, actor, action, detail, prev_hash, hash) "
                f"VALUES (:id, :seq, {at}, :actor, :action, :detail, :prev, :hash)", params=forged)
    code, output = verify(app)
    assert code != 0
    assert f"#{forged['id']} (seq {forged['seq']}" in output and "back-dated" in output


def test_concurrent_writers_keep_one_intact_chain(app, heads):
    threads, per_thread, failures = 6, 8, []

    def writer(number):
        try:
            for n in range(per_thread):
                with app.app_context(), db.new_session() as s:
                    audit(s, f"system:{number}", "concurrent_entry", n=n)
                    s.commit()
        except Exception as err:  # noqa: BLE001 (reported below)
            failures.append(err)

    running = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for t in running:
        t.start()
    for t in running:
        t.join()
    assert failures == []
    entries = chain(app)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert len(entries) >= threads * per_thread
    code, output = verify(app)
    assert code == 0, output


def test_a_rolled_back_transaction_leaves_no_audit_entry(app, heads):
    write_entries(app, 1)
    with app.app_context(), db.new_session() as s:
        audit(s, "system", "never_happened")
        s.rollback()
        s.commit()
    assert "never_happened" not in str(_actions(app))
    assert verify(app)[0] == 0


def _actions(app) -> list[str]:
    with app.app_context(), db.engine().connect() as conn:
        return conn.execute(text("SELECT action FROM audit_log ORDER BY seq")).scalars().all()


# ---- the application's role (PostgreSQL) -------------------------------------------------------
@pytest.fixture
def app_role_engine(pg_app, pg_stack):
    """An engine that signs in as a login member of the application's role (as the web and the
    workers do in production), on this run's schema."""
    login = f"sapa_app_test_{os.getpid()}"
    admin = pg_stack["engine"]
    with admin.begin() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {login}"))
        conn.execute(text(f"CREATE ROLE {login} LOGIN INHERIT IN ROLE {app_db_role()}"))
    url = make_url(pg_stack["url"]).set(username=login)
    engine = make_engine(url.render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {login}"))


@pytest.mark.parametrize("statement", [
    "TRUNCATE audit_log",
    "ALTER TABLE audit_log DISABLE TRIGGER USER",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain",
    "SET session_replication_role = replica",
    "UPDATE audit_log SET detail = '{}'",
    "DELETE FROM audit_log",
    "DROP TRIGGER audit_log_chain ON audit_log",
])
def test_the_application_role_cannot_rewrite_the_log(pg_app, app_role_engine, heads, statement):
    pg_app.config["AUDIT_HEAD_FILE"] = str(heads)
    write_entries(pg_app, 3)
    with app_role_engine.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar().startswith("sapa_app_test_")
        with pytest.raises(DBAPIError) as refused:
            conn.execute(text(statement))
        assert any(word in str(refused.value) for word in ("permission denied", "must be owner", "append-only"))
        conn.rollback()
    assert len(chain(pg_app)) == 3
    assert verify(pg_app)[0] == 0


def test_the_application_role_appends_but_cannot_back_date(pg_app, app_role_engine, heads):
    pg_app.config["AUDIT_HEAD_FILE"] = str(heads)
    write_entries(pg_app, 2)
    with app_role_engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (at, actor, action, detail, seq, prev_hash, hash) "
                          "VALUES ('2001-01-01 00:00:00+00', 'system', 'forged', '{}', 999, :z, :z)"), {"z": "f" * 64})
    entries = chain(pg_app)
    assert [e.seq for e in entries] == [1, 2, 3]  # the database chose its place, hash and time
    assert entries[-1].at >= entries[-2].at and entries[-1].at.year > 2001
    assert verify(pg_app)[0] == 0


def test_the_application_works_as_its_role(pg_stack, app_role_engine, tmp_path, png):
    """The web side of a whole birth request runs as the application's role (the worker too, in
    production; here it is the test's)."""
    from tests.conftest import Chat, _create_pg_app

    url = app_role_engine.url.render_as_string(hide_password=False)
    application = _create_pg_app({**pg_stack, "url": url})
    application.config["AUDIT_HEAD_FILE"] = str(tmp_path / "heads.log")
    try:
        chat = Chat(application.test_client(), "citizen-role")
        answer_until_summary(chat, png)
        chat.press("submit")
        assert chat.replies
        code, output = verify(application)
        assert code == 0, output
    finally:
        db.dispose(application)


def test_each_entry_knows_its_own_row_once_committed(app):
    """An entry written at commit (one statement on PostgreSQL) is told the id and time of its row:
    the data-request page names a citizen's request by its entry's id."""
    with app.app_context(), db.new_session() as s:
        first = audit(s, "system", "first_of_two")
        second = audit(s, "system", "second_of_two")
        s.commit()
        rows = dict(s.execute(text("SELECT action, id FROM audit_log WHERE action LIKE '%_of_two'")).all())
    assert (first.id, second.id) == (rows["first_of_two"], rows["second_of_two"])
    assert first.id < second.id and first.at is not None
