"""One contact's work is serialised across threads and processes, on SQLite and PostgreSQL."""
import threading
import time

from sqlalchemy import select

from bot.core import db
from bot.core.inbound_store import get_contact
from delivery.ingest import receive
from bot.core.models import Contact, Message
from tests.channel_drivers import wait_until_handled


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


def _hold_lock(app, contact_id: int, seconds: float, holding: threading.Event):
    """A job's transaction on the contact, held for `seconds`."""
    with app.app_context(), db.new_session() as s:
        db.lock_contact(s, contact_id)
        holding.set()
        time.sleep(seconds)
        s.commit()


def seconds_taken_while_a_job_holds(app, contact_id: int, work) -> tuple[object, float]:
    """Run `work()` while a job holds the contact for 2 s: its result and how long it took."""
    holding = threading.Event()
    job = threading.Thread(target=_hold_lock, args=(app, contact_id, 2.0, holding))
    job.start()
    assert holding.wait(5)
    try:
        with app.app_context():
            started = time.monotonic()
            result = work()
            return result, time.monotonic() - started
    finally:
        job.join(timeout=10)


def test_a_citizens_next_message_is_stored_at_once_while_their_job_works_on_postgresql(pg_app):
    # The webhook must not wait for a dialogue step or a slow send to the provider: Twilio and
    # Meta give up (and redeliver) after a few seconds. SQLite has one writer by design.
    app = pg_app
    with app.app_context(), db.new_session() as s:
        contact_id = get_contact(s, "twilio", "+6281200000001", "Warga Lama").id
        s.commit()
    message_id, took = seconds_taken_while_a_job_holds(app, contact_id, lambda: receive(
        "twilio", "+6281200000001", kind="text", text="halo lagi", provider_id="SM" + "7" * 32,
        display_name="Warga Baru"))
    assert message_id is not None and took < 1.0
    with app.app_context():
        stored = db.session().get(Message, message_id)
        assert (stored.contact_id, stored.text) == (contact_id, "halo lagi")
        # The locked row was skipped, not waited for: the new name comes with a later message.
        assert db.session().get(Contact, contact_id).display_name == "Warga Lama"


def test_a_changed_whatsapp_number_never_makes_the_webhook_wait_for_the_job_on_postgresql(pg_app):
    from bot.web.webhooks import _store_message
    from delivery.channels.base import Inbound
    from delivery.channels.whatsapp import CHANNEL

    def _store(item):
        return _store_message(CHANNEL, item)

    app = pg_app
    with app.app_context(), db.new_session() as s:  # a BSUID-keyed citizen whose number we knew
        contact = get_contact(s, "whatsapp", "ID.4242")
        contact.phone = "6281200000009"
        s.commit()
        contact_id = contact.id

    def message(k: int) -> Inbound:
        return Inbound(external_id="ID.4242", phone="6281299999999", kind="text", text=f"nomor baru {k}",
                       provider_id=f"wamid.phone-{k}")

    first, took = seconds_taken_while_a_job_holds(app, contact_id, lambda: _store(message(1)))
    assert first is not None and took < 1.0
    with app.app_context():
        assert db.session().get(Contact, contact_id).phone == "6281200000009"  # skipped, not waited for
    wait_until_handled(app, "whatsapp", "wamid.phone-1")  # the worker's job for it is done too
    with app.app_context():
        _store(message(2))  # no job holds the row now
        db.session().expire_all()
        assert db.session().get(Contact, contact_id).phone == "6281299999999"


def test_a_new_profile_name_is_kept_and_a_missing_one_changes_nothing(app):
    with app.app_context():
        first = receive("twilio", "+6281200000002", kind="text", text="halo", provider_id="SM" + "1" * 32,
                        display_name="Siti")
        receive("twilio", "+6281200000002", kind="text", text="lagi", provider_id="SM" + "2" * 32,
                display_name="Siti Aminah")
        receive("twilio", "+6281200000002", kind="text", text="dan lagi", provider_id="SM" + "3" * 32)
        contact_id = db.session().get(Message, first).contact_id
        contact = db.session().get(Contact, contact_id)
        assert contact.display_name == "Siti Aminah"
        assert len(db.session().execute(select(Contact).where(Contact.external_id == "+6281200000002")).all()) == 1


def test_simultaneous_first_messages_of_a_new_citizen_are_all_stored_under_one_contact(app):
    # Photos sent together arrive as separate webhooks at the same instant; the contact they
    # create must be one, and none of the messages may be taken for a duplicate.
    barrier = threading.Barrier(6)
    stored = []

    def send(k: int):
        with app.app_context():
            barrier.wait(5)
            stored.append(receive("twilio", "+6281200000003", kind="text", text=f"foto {k}",
                                  provider_id=f"SM{k:032d}"))

    threads = [threading.Thread(target=send, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert len(stored) == 6 and None not in stored
    with app.app_context():
        contacts = db.session().execute(select(Contact).where(Contact.external_id == "+6281200000003")).scalars().all()
        assert len(contacts) == 1
        texts = db.session().execute(select(Message.text).where(Message.contact_id == contacts[0].id,
                                                                Message.direction == "in")).scalars().all()
        assert sorted(texts) == [f"foto {k}" for k in range(6)]


def test_a_batch_keeps_the_name_of_the_contacts_last_message_on_postgresql(pg_app):
    # Messages stored together (bot.core.group_commit): the last one that carries a name wins,
    # also when it is the name the contact already has.
    from datetime import datetime, timezone

    from bot.core import inbound_store

    def row(k: int) -> dict:
        return {"channel": "twilio", "direction": "in", "provider_id": f"SM{k:032d}", "kind": "text",
                "text": f"pesan {k}", "payload": {}, "status": "received", "created_at": datetime.now(timezone.utc)}

    with pg_app.app_context():
        with db.new_session() as s:
            contact_id = get_contact(s, "twilio", "+6281200000003", "Siti").id
            s.commit()
        citizen = "+6281200000003"
        inbound_store._store_batch_in_one_statement([(citizen, "Siti Aminah", row(1)), (citizen, "Siti", row(2))])
        assert db.session().get(Contact, contact_id).display_name == "Siti"
        inbound_store._store_batch_in_one_statement([(citizen, "Siti", row(3)), (citizen, "Siti Aminah", row(4)),
                                                     (citizen, None, row(5))])
        db.session().expire_all()
        assert db.session().get(Contact, contact_id).display_name == "Siti Aminah"
