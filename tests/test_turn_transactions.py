"""How many transactions a turn costs: a simulator reply goes out with the dialogue's own commit."""
from sqlalchemy import event, select

from bot.core import db
from bot.core.models import Message, Outbox
from tests.conftest import Chat


def locks_taken(app, turn) -> int:
    """How many times the contact was locked (a transaction of its own each) while `turn` ran."""
    seen = []
    with app.app_context():
        engine = db.engine()

    def count(conn, cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        turn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return sum(1 for s in seen if s.startswith("BEGIN IMMEDIATE"))


def test_a_simulator_reply_goes_out_in_the_dialogues_transaction(sqlite_app):
    chat = Chat(sqlite_app.test_client(), "warga-1")
    chat.say("halo")
    # The job locks the contact for the dialogue (and again after committing the attempt count,
    # SQLite's way): no third lock for a sender run after the commit.
    assert locks_taken(sqlite_app, lambda: chat.say("akta kelahiran")) == 2
    assert chat.replies and chat.replies[0]["text"]
    with sqlite_app.app_context():
        rows = db.session().execute(select(Outbox.status).where(Outbox.kind != "email")).scalars().all()
        assert rows and set(rows) == {"sent"}
        out = db.session().execute(select(Message).where(Message.direction == "out")).scalars().all()
        assert len(out) == len(rows)  # each reply recorded once, as sent
