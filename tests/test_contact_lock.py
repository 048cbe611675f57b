"""One contact's work is serialised across threads and processes, on SQLite and PostgreSQL."""
import threading
import time

from bot import db
from bot.inbound import get_contact


def test_a_second_worker_waits_for_the_first_to_finish_with_a_contact(app):
    with app.app_context(), db.new_session() as s:
        contact_id = get_contact(s, "simulator", "locked").id
        s.commit()
    events = []

    def worker(name: str, hold: float):
        with app.app_context(), db.new_session() as s:
            db.lock_contact(s, contact_id)
            events.append((name, "got", time.monotonic()))
            time.sleep(hold)
            events.append((name, "released", time.monotonic()))
            s.commit()

    first = threading.Thread(target=worker, args=("first", 0.5))
    first.start()
    time.sleep(0.1)  # the first holds the lock before the second asks
    second = threading.Thread(target=worker, args=("second", 0))
    second.start()
    first.join(timeout=10)
    second.join(timeout=10)
    order = [(name, what) for name, what, _ in events]
    assert order == [("first", "got"), ("first", "released"), ("second", "got"), ("second", "released")]


def test_different_contacts_do_not_wait_for_each_other_on_postgresql(pg_app):
    # Only PostgreSQL: SQLite has one writer at a time by design, PostgreSQL locks per row.
    app = pg_app
    with app.app_context(), db.new_session() as s:
        a, b = get_contact(s, "simulator", "a").id, get_contact(s, "simulator", "b").id
        s.commit()
    got = {}

    def worker(contact_id: int, hold: float):
        with app.app_context(), db.new_session() as s:
            db.lock_contact(s, contact_id)
            got[contact_id] = time.monotonic()
            time.sleep(hold)
            s.commit()

    start = time.monotonic()
    first = threading.Thread(target=worker, args=(a, 0.5))
    first.start()
    time.sleep(0.1)
    worker(b, 0)
    first.join(timeout=10)
    assert got[b] - start < 0.4
