"""db.Direct: hot statements straight on psycopg, and a connection cut mid-command never reused."""
import pytest
from sqlalchemy import literal, select

from bot.core import db

ONE = db.Direct(select(literal(1).label("one")))


class Cut(BaseException):
    """What a job's timeout raises inside psycopg's wait (RQ's JobTimeoutException does so from a signal)."""


def test_a_connection_cut_mid_command_is_not_pooled_again(pg_app):
    with pg_app.app_context():
        with pytest.raises(Cut):
            with db.driver_connection() as conn:
                conn.pgconn.send_query(b"SELECT pg_sleep(0.2)")  # sent, its answer never read
                raise Cut
        for _ in range(3):  # the pool's next connections all answer
            assert [row.one for row in ONE.run({})] == [1]


def test_a_session_connection_left_mid_command_is_not_reused(pg_app):
    with pg_app.app_context():
        with db.new_session() as s:
            s.connection().connection.driver_connection.pgconn.send_query(b"SELECT pg_sleep(0.2)")
            with pytest.raises(Exception, match="another command is already in progress"):
                ONE.run_in(s, {})
            s.rollback()
        for _ in range(3):  # the pool's next connections all answer
            with db.new_session() as s:
                assert [row.one for row in ONE.run_in(s, {})] == [1]


def test_the_held_connection_is_kept_and_one_cut_off_is_replaced(pg_app):
    with pg_app.app_context():
        with db.held_connection("t") as first:
            pid = first.info.backend_pid
        with db.held_connection("t") as again:
            assert again.info.backend_pid == pid  # the same connection: no checkout per batch
            with db.held_connection("t") as meanwhile:  # a second user at the same time
                assert meanwhile.info.backend_pid != pid
        (_, kept), = pg_app.extensions["db_held"].values()  # one of the two is kept, the other pooled
        pid = kept.driver_connection.info.backend_pid
        with db.driver_connection() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        with pytest.raises(Exception):
            with db.held_connection("t") as dropped:
                dropped.execute("SELECT 1")
        with db.held_connection("t") as fresh:  # the dropped one is not handed out again
            assert fresh.execute("SELECT 1").fetchone() == (1,) and fresh.info.backend_pid != pid


def test_a_webhook_after_the_database_dropped_the_held_connection_is_stored(pg_app):
    from delivery.channels.twilio import fake
    from tests.twilio_drivers import post_signed

    pg_app.config["TWILIO_AUTH_TOKEN"] = token = "held-token"
    client = pg_app.test_client()
    assert post_signed(client, fake.inbound_params("+6281234567890", "halo"), token).status_code == 200
    with pg_app.app_context():
        (_, held), = pg_app.extensions["db_held"].values()
        with db.driver_connection() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [held.driver_connection.info.backend_pid])
    assert post_signed(client, fake.inbound_params("+6281234567890", "lagi"), token).status_code == 200
    with pg_app.app_context(), db.driver_connection() as conn:
        texts = [row[0] for row in conn.execute("SELECT text FROM messages WHERE direction = 'in' ORDER BY id")]
    assert texts == ["halo", "lagi"]
