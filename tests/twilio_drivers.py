"""Drivers and helpers for the Twilio channel tests: a citizen who writes signed Twilio webhooks
(`TwilioChat`), signing, owing and delivering replies, and reading what the fake provider got.

The fixtures `fake_twilio` and `twilio_app` come from tests/plugins/twilio_channel.py.
"""
import time
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from bot.core import db
from bot.core.inbound_store import get_contact
from bot.core.models import Message, Outbox, utcnow
from delivery.channels.twilio import fake
from tests.conftest import ReadsReplies

PUBLIC = "http://testserver"          # the PUBLIC_BASE_URL of tests/conftest.py's apps
WEBHOOK = PUBLIC + "/webhooks/twilio"
STATUS = PUBLIC + "/webhooks/twilio/status"
CITIZEN = "+6281234567890"


def configure(app, state: dict, **extra) -> None:
    """Point an app's Twilio settings at a fake (short timeout so timeout tests stay quick)."""
    app.config.update(TWILIO_ACCOUNT_SID=state["account_sid"], TWILIO_AUTH_TOKEN=state["auth_token"],
                      TWILIO_WHATSAPP_FROM=fake.DEFAULT_FROM, TWILIO_API_BASE=state["url"],
                      TWILIO_TIMEOUT=1.0, **extra)


def post_signed(client, params: dict, token: str, url: str = WEBHOOK, path: str = "/webhooks/twilio", **kwargs):
    """POST a webhook signed the way Twilio signs it, for the public `url`."""
    return client.post(path, data=params, headers=fake.signed_webhook(url, params, token), **kwargs)


def sent_to(state: dict, number: str = CITIZEN) -> list[dict]:
    """What the fake provider accepted for one citizen, in arrival order."""
    return [m for m in state["messages"] if m["To"] == f"whatsapp:{number}"]


def inbound_rows(app) -> list[Message]:
    """Every stored inbound message, oldest first."""
    with app.app_context():
        return db.session().execute(select(Message).where(Message.direction == "in")
                                    .order_by(Message.id)).scalars().all()


class TwilioChat(ReadsReplies):
    """A citizen on WhatsApp through Twilio: signed webhooks in, the fake provider's messages out.

    It offers the simulator `Chat`'s interface (say, press, send_file, replies, text, buttons), so
    `answer_until_summary` walks the same conversation. A button press is what a WhatsApp citizen
    does: type the number shown beside it in the last message the fake provider received.
    """

    def __init__(self, app, client, state: dict, number: str = CITIZEN, wait: float = 20.0):
        """A citizen with a WhatsApp number, writing to `app` and read back from the fake's `state`."""
        self.app, self.client, self.state, self.number, self.wait = app, client, state, number, wait
        self.replies: list[dict] = []
        self.typed: list[str] = []

    def _post(self, params: dict) -> list[dict]:
        """Send one signed webhook and collect the replies it produced (waiting for a worker)."""
        before = len(sent_to(self.state, self.number))
        response = post_signed(self.client, params, self.state["auth_token"])
        assert response.status_code == 200 and response.mimetype == "text/xml", response.get_data(as_text=True)
        rows = self._wait_for(params["MessageSid"])
        outbound = sent_to(self.state, self.number)[before:]
        self.replies = [dict(r.payload, twilio=outbound) for r in rows]
        # Each reply reached the provider (a long one in several parts, a document as MediaUrl).
        assert len(outbound) >= len(rows), (len(outbound), len(rows))
        return self.replies

    def _wait_for(self, message_sid: str) -> list[Outbox]:
        """The sent outbox rows answering one inbound message, once it is handled."""
        deadline = time.monotonic() + self.wait
        while True:
            with self.app.app_context(), db.new_session() as s:
                message = s.execute(select(Message).where(Message.provider_id == message_sid)).scalar_one_or_none()
                rows = [] if message is None else s.execute(
                    select(Outbox).where(Outbox.in_reply_to == message.id).order_by(Outbox.id)).scalars().all()
                done = message is not None and message.status != "received" and all(
                    r.status != "pending" for r in rows)
                if done:
                    return [r for r in rows if r.status == "sent"]
            assert time.monotonic() < deadline, f"no replies to {message_sid} within {self.wait} s"
            time.sleep(0.05)

    def where(self) -> dict:
        """Where this citizen's conversation stands (tests.conftest.conversation)."""
        from tests.conftest import conversation

        return conversation(self.app, "twilio", self.number)

    def say(self, text: str) -> list[dict]:
        """Type a message."""
        self.typed.append(text)
        return self._post(fake.inbound_params(self.number, text, account_sid=self.state["account_sid"]))

    def press(self, button: str) -> list[dict]:
        """Answer with the number the last message showed beside this button (or type a keyword)."""
        last = sent_to(self.state, self.number)[-1]["Body"]
        buttons = self.replies[-1].get("buttons", []) if self.replies else []
        from delivery.channels.numbered import numbered_buttons

        numbered = numbered_buttons(buttons)
        listed = self.replies[-1].get("numbered_text") if self.replies else None
        for i, b in enumerate(numbered, 1):
            if b["id"] == button:
                if listed:  # the question's own lines are the numbered choices: written once
                    assert last.endswith(listed) and "Balas dengan angka:" not in last, last
                    assert f"\n{i}. " in last, last
                else:
                    assert f"\n{i}. {b['title']}" in last, last
                return self.say(str(i))
        title = next(b["title"] for b in buttons if b["id"] == button)
        assert f"*{title}*" in last, last
        return self.say(title)

    def send_file(self, data: bytes, name: str, content_type: str = "application/octet-stream") -> list[dict]:
        """Send a photo or PDF: the fake stores it as Twilio media and the webhook carries its URL."""
        message_sid = fake.sid("MM")
        url = self.state["url"] + fake.add_media(self.state, data, content_type, message_sid)
        params = fake.inbound_params(self.number, "", message_sid=message_sid, media=[(url, content_type)],
                                     account_sid=self.state["account_sid"])
        return self._post(params)

def media_path(url: str) -> str:
    """The path (and query) of a URL, to fetch one of our own links through the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def owe(app, *payloads: dict, last_inbound=timedelta(minutes=5)) -> int:
    """Outbox rows for the citizen, who last wrote `last_inbound` ago; returns the contact id."""
    with app.app_context(), db.new_session() as s:
        contact = get_contact(s, "twilio", CITIZEN, "Warga Uji")
        contact.last_inbound_at = utcnow() - last_inbound if last_inbound is not None else None
        s.flush()
        for payload in payloads:
            s.add(Outbox(contact_id=contact.id, kind="document" if "document" in payload else "reply",
                         payload=payload, status="pending"))
        s.commit()
        return contact.id


def deliver(app, contact_id: int) -> int:
    """Run the sender job for one contact."""
    from delivery.sender import send_pending

    with app.app_context():
        return send_pending(contact_id)
