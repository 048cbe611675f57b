"""The job and outbox path: nothing owed to a citizen is lost when a job or a send fails."""
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from bot import db
from bot.inbound import get_contact
from bot.models import AuditLog, Message, Outbox, audit
from delivery import channels
from delivery.channels import TransportError
from delivery.sender import send_pending


class FlakyAdapter:
    """A test channel that fails the first `failures` sends, transiently or permanently."""

    name = "flaky"

    def __init__(self, failures: int, permanent: bool = False):
        self.failures, self.permanent, self.sent = failures, permanent, []

    def send(self, contact, payload, outbox_id):
        """Fail while failures remain, then record the payload as delivered."""
        if self.failures:
            self.failures -= 1
            raise TransportError("provider said 503", permanent=self.permanent)
        self.sent.append(payload)
        return f"flaky-{outbox_id}"


def owe(app, channel: str, texts: list[str]) -> int:
    """Write outbox rows for a new contact on `channel`; returns the contact id."""
    with app.app_context(), db.new_session() as s:
        contact = get_contact(s, channel, "+628111")
        s.flush()
        for t in texts:
            s.add(Outbox(contact_id=contact.id, kind="reply", payload={"text": t}, status="pending"))
        s.commit()
        return contact.id


@pytest.fixture
def sqlite_only(sqlite_app):
    """Outbox mechanics are database-level; SQLite is enough and lets us call jobs directly."""
    return sqlite_app


def test_a_transient_failure_keeps_the_row_and_a_later_run_sends_it_in_order(sqlite_only, monkeypatch):
    adapter = FlakyAdapter(failures=1)
    monkeypatch.setitem(channels.ADAPTERS, "flaky", adapter)
    contact_id = owe(sqlite_only, "flaky", ["satu", "dua"])
    with sqlite_only.app_context():
        assert send_pending(contact_id) == 0
        row = db.session().execute(select(Outbox).order_by(Outbox.id)).scalars().first()
        assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at is not None
        row.next_attempt_at = None  # the backoff has passed
        db.session().commit()
        assert send_pending(contact_id) == 2
    assert [p["text"] for p in adapter.sent] == ["satu", "dua"]


def test_a_permanent_failure_stops_and_is_recorded_for_officers(sqlite_only, monkeypatch):
    monkeypatch.setitem(channels.ADAPTERS, "flaky", FlakyAdapter(failures=1, permanent=True))
    contact_id = owe(sqlite_only, "flaky", ["satu"])
    with sqlite_only.app_context():
        send_pending(contact_id)
        s = db.session()
        assert s.execute(select(Outbox)).scalar_one().status == "failed"
        entry = s.execute(select(AuditLog).where(AuditLog.action == "send_failed")).scalar_one()
        assert entry.detail["permanent"] is True


def test_retries_give_up_after_the_backoff_schedule(sqlite_only, monkeypatch):
    from delivery.sender import BACKOFF

    monkeypatch.setitem(channels.ADAPTERS, "flaky", FlakyAdapter(failures=100))
    contact_id = owe(sqlite_only, "flaky", ["satu"])
    with sqlite_only.app_context():
        s = db.session()
        for _ in range(len(BACKOFF) + 1):
            s.execute(update(Outbox).values(next_attempt_at=None))  # each backoff has passed
            s.commit()
            send_pending(contact_id)
        s.expire_all()
        row = s.execute(select(Outbox)).scalar_one()
        assert row.status == "failed" and row.attempts == len(BACKOFF) + 1


def test_a_message_whose_job_was_lost_is_answered_by_sweep(sqlite_only):
    with sqlite_only.app_context(), db.new_session() as s:
        contact = get_contact(s, "simulator", "lost-job")
        s.flush()
        s.add(Message(contact_id=contact.id, channel="simulator", direction="in", provider_id="p-1",
                      kind="text", text="halo", payload={}, status="received"))
        s.commit()
    result = sqlite_only.test_cli_runner().invoke(args=["sweep"])
    assert "1 percakapan" in result.output
    transcript = sqlite_only.test_client().get("/try/api/messages?user=lost-job").get_json()["messages"]
    assert transcript[0]["text"] == "halo" and "Selamat datang" in transcript[1]["text"]


def test_the_audit_log_cannot_be_changed_even_with_sql(app):
    with app.app_context(), db.new_session() as s:
        audit(s, "system", "test_entry")
        s.commit()
        with pytest.raises(DBAPIError):
            s.execute(text("UPDATE audit_log SET action = 'forged'"))
        s.rollback()
        with pytest.raises(DBAPIError):
            s.execute(text("DELETE FROM audit_log"))
        s.rollback()
        entry = s.execute(select(AuditLog)).scalar_one()
        with pytest.raises(RuntimeError):
            s.delete(entry)
            s.flush()


def test_a_duplicate_delivery_is_stored_once(app, client):
    first = client.post("/try/api/messages", json={"user": "dup", "text": "halo"})
    assert first.status_code == 200
    with app.app_context():
        from bot.inbound import receive
        assert receive("simulator", "dup", kind="text", text="halo", provider_id="same-id") is not None
        assert receive("simulator", "dup", kind="text", text="halo", provider_id="same-id") is None
        count = db.session().execute(select(Message).where(Message.provider_id == "same-id")).scalars().all()
        assert len(count) == 1


def test_a_message_that_breaks_the_engine_gets_an_apology_and_does_not_block_the_next(sqlite_only):
    with sqlite_only.app_context(), db.new_session() as s:
        contact = get_contact(s, "simulator", "poison")
        s.flush()
        # A file message whose upload is gone (deleted by retention) cannot be turned into an event.
        s.add(Message(contact_id=contact.id, channel="simulator", direction="in", provider_id="p-1",
                      kind="file", payload={"upload_id": 999}, status="received"))
        s.add(Message(contact_id=contact.id, channel="simulator", direction="in", provider_id="p-2",
                      kind="text", text="halo", payload={}, status="received"))
        s.commit()
    sqlite_only.test_cli_runner().invoke(args=["sweep"])
    transcript = sqlite_only.test_client().get("/try/api/messages?user=poison").get_json()["messages"]
    replies = [m["text"] for m in transcript if m["direction"] == "out"]
    assert "terjadi gangguan" in replies[0] and "Selamat datang" in replies[1]
