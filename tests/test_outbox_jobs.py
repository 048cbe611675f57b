"""The job and outbox path: nothing owed to a citizen is lost when a job or a send fails."""
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from bot.core import db
from bot.core.inbound_store import get_contact
from bot.core.models import AuditLog, Message, Outbox, audit
from delivery.channels.base import Capabilities, TransportError
from delivery.sender import send_pending


class FlakyAdapter:
    """A test channel that fails the first `failures` sends, transiently or permanently."""

    name = "flaky"
    capabilities = Capabilities(text_max=4096)

    def __init__(self, failures: int, permanent: bool = False):
        self.failures, self.permanent, self.sent = failures, permanent, []

    def send(self, contact, payload, outbox_id):
        """Fail while failures remain, then record the payload as delivered."""
        if self.failures:
            self.failures -= 1
            raise TransportError("provider said 503", permanent=self.permanent)
        self.sent.append(payload)
        return f"flaky-{outbox_id}"


def stored_transcript(app, user: str) -> list[dict]:
    """A simulator user's messages as stored, oldest first (direction and text)."""
    with app.app_context():
        contact = get_contact(db.session(), "simulator", user)
        rows = db.session().execute(select(Message).where(Message.contact_id == contact.id)
                                    .order_by(Message.created_at, Message.id)).scalars().all()
        return [{"direction": m.direction, "text": m.text} for m in rows]


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


def test_a_transient_failure_keeps_the_row_and_a_later_run_sends_it_in_order(sqlite_only, monkeypatch, install_adapter):
    adapter = FlakyAdapter(failures=1)
    install_adapter("flaky", adapter)
    contact_id = owe(sqlite_only, "flaky", ["satu", "dua"])
    with sqlite_only.app_context():
        assert send_pending(contact_id) == 0
        row = db.session().execute(select(Outbox).order_by(Outbox.id)).scalars().first()
        assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at is not None
        row.next_attempt_at = None  # the backoff has passed
        db.session().commit()
        assert send_pending(contact_id) == 2
    assert [p["text"] for p in adapter.sent] == ["satu", "dua"]


def test_a_permanent_failure_stops_and_is_recorded_for_officers(sqlite_only, monkeypatch, install_adapter):
    install_adapter("flaky", FlakyAdapter(failures=1, permanent=True))
    contact_id = owe(sqlite_only, "flaky", ["satu"])
    with sqlite_only.app_context():
        send_pending(contact_id)
        s = db.session()
        assert s.execute(select(Outbox)).scalar_one().status == "failed"
        entry = s.execute(select(AuditLog).where(AuditLog.action == "send_failed")).scalar_one()
        assert entry.detail["permanent"] is True


def test_retries_give_up_after_the_backoff_schedule(sqlite_only, monkeypatch, install_adapter):
    from delivery.sender import BACKOFF

    install_adapter("flaky", FlakyAdapter(failures=100))
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
    transcript = stored_transcript(sqlite_only, "lost-job")  # no browser started it: not on the API
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
        from delivery.ingest import receive
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
    transcript = stored_transcript(sqlite_only, "poison")
    replies = [m["text"] for m in transcript if m["direction"] == "out"]
    assert "terjadi gangguan" in replies[0] and "Selamat datang" in replies[1]


@pytest.fixture
def smtp_server():
    """A real local SMTP server (aiosmtpd) that keeps what it receives."""
    from aiosmtpd.controller import Controller

    class Keep:
        """Collects messages."""

        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            """Store the raw message."""
            self.messages.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # aiosmtpd needs a real port number to check it started
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", handler
    controller.stop()


def test_outside_the_window_a_message_is_held_emailed_and_sent_when_the_citizen_writes(
        sqlite_only, smtp_server, monkeypatch, install_adapter):
    from datetime import timedelta
    from email import message_from_bytes

    from bot.core.models import Contact, utcnow

    url, inbox = smtp_server
    sqlite_only.config.update(SMTP_URL=url, MAIL_FROM="Sapa Dukcapil <sapa@kutaitimurkab.go.id>")
    adapter = FlakyAdapter(failures=0)
    install_adapter("whatsapp", adapter)
    contact_id = owe(sqlite_only, "whatsapp", ["Dokumen Bapak/Ibu sudah siap."])
    with sqlite_only.app_context():
        s = db.session()
        contact = s.get(Contact, contact_id)
        contact.last_inbound_at, contact.email = utcnow() - timedelta(hours=25), "warga@example.id"
        s.commit()
        send_pending(contact_id)
        s.expire_all()
        row = s.execute(select(Outbox)).scalar_one()
        assert row.status == "held" and row.payload["emailed"] is True and adapter.sent == []
        send_pending(contact_id)  # a later run neither sends nor emails it again
    assert len(inbox.messages) == 1
    mail = message_from_bytes(inbox.messages[0].content)
    assert mail["To"] == "warga@example.id" and "sudah siap" in mail.get_payload(decode=True).decode()
    from flows.definition import texts  # the email's own sentences are the office's (texts.yml `email`)
    assert mail["Subject"] == texts()["email"]["subject"]
    assert texts()["email"]["footer"].strip() in mail.get_payload(decode=True).decode().replace("\r\n", "\n")

    with sqlite_only.app_context():
        from delivery.ingest import receive
        receive("whatsapp", "+628111", kind="text", text="halo", provider_id="wamid.1")
    assert [p["text"] for p in adapter.sent][0] == "Dokumen Bapak/Ibu sudah siap."


def test_the_loop_guard_stops_a_runaway_repeat(sqlite_only, monkeypatch, install_adapter):
    from delivery.sender import LOOP_SAME_TEXT

    adapter = FlakyAdapter(failures=0)
    install_adapter("flaky", adapter)
    contact_id = owe(sqlite_only, "flaky", ["Mohon kirim foto KK."] * (LOOP_SAME_TEXT + 3) + ["Lain."])
    with sqlite_only.app_context():
        send_pending(contact_id)
        rows = db.session().execute(select(Outbox).order_by(Outbox.id)).scalars().all()
        assert [r.status for r in rows].count("sent") == LOOP_SAME_TEXT + 1  # the different text still goes
        # Stopped by the loop guard: its own status, not among the delivery failures.
        assert [r.last_error for r in rows if r.status == "suppressed"] == ["loop guard"] * 3
        assert "failed" not in [r.status for r in rows]
        assert db.session().execute(select(AuditLog).where(AuditLog.action == "loop_guard_tripped")).scalars().all()
    assert len(adapter.sent) == LOOP_SAME_TEXT + 1
