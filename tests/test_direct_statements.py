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
