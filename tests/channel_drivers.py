"""Drivers and helpers for the Meta channels: a citizen who writes signed WhatsApp Cloud or
Messenger webhooks and reads our replies from what the fake Graph API received; and what every
channel's tests read back (outbox rows, conversation steps, handled messages).

`MetaChat` has the simulator `Chat`'s interface (say, press, send_file, replies, text, buttons),
so `tests.conftest.answer_until_summary` walks the very same conversation over either channel.
The fixtures (`fake_meta`, `meta_app`, `meta_sqlite_app`, `held_jobs`) come from
tests/plugins/meta_channels.py.
"""
import base64
import hashlib
import time

from sqlalchemy import select

from bot.core import db
from bot.core.inbound_store import get_contact
from bot.core.models import Message, Outbox, utcnow
from delivery.channels.graph import fake
from delivery.channels.graph.fake import meta_json, signature
from tests.conftest import ReadsReplies

PATHS = {"whatsapp": "/webhooks/whatsapp", "messenger": "/webhooks/messenger"}


def post_signed(client, channel: str, body: dict | bytes, secret: str = fake.DEFAULT_APP_SECRET, **headers):
    """POST a webhook body signed like Meta signs it (raw bytes, X-Hub-Signature-256)."""
    raw = body if isinstance(body, bytes) else meta_json(body)
    return client.post(PATHS[channel], data=raw, content_type="application/json",
                       headers={"X-Hub-Signature-256": signature(raw, secret), **headers})


def outbox(app) -> list[Outbox]:
    """Every outbox row, oldest first."""
    with app.app_context():
        return db.session().execute(select(Outbox).order_by(Outbox.id)).scalars().all()


def deliver_to(app, channel: str, external_id: str, payloads: list[dict], **kw) -> int:
    """Owe these payloads to a contact and run the sender once; returns the contact id."""
    from delivery.sender import send_pending

    contact_id = contact_with_outbox(app, channel, external_id, payloads, **kw)
    with app.app_context():
        send_pending(contact_id)
    return contact_id


def contact_with_outbox(app, channel: str, external_id: str, payloads: list[dict], *,
                        last_inbound_hours: float | None = 0.0, phone: str | None = None) -> int:
    """A contact who last wrote `last_inbound_hours` ago, owed these payloads; returns its id."""
    from datetime import timedelta

    with app.app_context(), db.new_session() as s:
        contact = get_contact(s, channel, external_id, "Budi")
        contact.phone = phone
        if last_inbound_hours is not None:
            contact.last_inbound_at = utcnow() - timedelta(hours=last_inbound_hours)
        s.flush()
        for payload in payloads:
            s.add(Outbox(contact_id=contact.id, kind="document" if payload.get("document") else "reply",
                         payload=payload, status="pending"))
        s.commit()
        return contact.id


def retry_when_due(app, contact_id: int) -> int:
    """Let the backoff of the contact's waiting rows pass and run the sender again; rows sent."""
    from delivery.sender import send_pending

    with app.app_context(), db.new_session() as s:
        for row in s.execute(select(Outbox).where(Outbox.contact_id == contact_id)).scalars():
            row.next_attempt_at = None
        s.commit()
    with app.app_context():
        return send_pending(contact_id)


def sent_after_second_part_failed(app, server, channel: str, external_id: str, text: str) -> list[str]:
    """Owe `text` (long enough for two messages), have the provider refuse the second with a 500,
    check the row waits with one part sent, then retry: the texts the provider took, in order."""
    fake.fail(server.state, "500", after=1)
    contact_id = deliver_to(app, channel, external_id, [{"text": text}])
    [row] = outbox(app)
    assert (row.status, row.payload["parts_sent"]) == ("pending", 1)
    assert retry_when_due(app, contact_id) == 1
    return [b["text"]["body"] if channel == "whatsapp" else b["message"]["text"] for b in sent_bodies(server, channel)]


def sent_bodies(server, channel: str, kind: str = "message") -> list[dict]:
    """The JSON bodies of the fake's recorded calls of one kind on one channel."""
    return [c["body"] for c in server.state["calls"] if c["channel"] == channel and c["kind"] == kind]


def stored_document(app, contact_id: int, ticket: str = "AKL-20261129-0001") -> tuple[int, int]:
    """A submitted request with a stored PDF; returns (request id, document id)."""
    from bot.core import storage
    from bot.core.models import Document, Request

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    with app.app_context(), db.new_session() as s:
        req = Request(ticket=ticket, service="akta_kelahiran", contact_id=contact_id, answers={}, flags=[],
                      missing_documents=[])
        s.add(req)
        s.flush()
        key, digest = storage.save(pdf, "documents", ".pdf")
        doc = Document(request_id=req.id, kind="akta", code=f"code-{ticket}", filename=f"Akta-{ticket}.pdf",
                       size=len(pdf), sha256=digest, storage_key=key)
        s.add(doc)
        s.commit()
        return req.id, doc.id


def walk_to_first_photo(chat) -> None:
    """The birth-certificate answers of answer_until_summary, up to the birth-letter photo."""
    from tests.conftest import answer_until_birth_letter

    answer_until_birth_letter(chat)
    chat.press("yes")


def conversation_step(app, channel: str, external_id: str) -> str | None:
    """Where a contact's conversation stands."""
    from bot.core.models import Contact, Conversation

    with app.app_context(), db.new_session() as s:
        return s.execute(select(Conversation.step).join(Contact, Contact.id == Conversation.contact_id)
                         .where(Contact.channel == channel, Contact.external_id == external_id)).scalar_one()


def wait_until_handled(app, channel: str, provider_id: str, timeout: float = 30.0) -> None:
    """Wait until an inbound message is processed and its replies are no longer pending."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context(), db.new_session() as s:
            message = s.execute(select(Message).where(Message.channel == channel, Message.provider_id == provider_id,
                                                      Message.direction == "in")).scalar_one_or_none()
            if message is not None and message.status != "received":
                pending = s.execute(select(Outbox.id).where(Outbox.in_reply_to == message.id,
                                                            Outbox.status == "pending")).first()
                if pending is None:
                    return
        if time.monotonic() > deadline:
            raise AssertionError(f"{channel} message {provider_id} was not handled in {timeout} s")
        time.sleep(0.05)


class MetaChat(ReadsReplies):
    """A citizen on WhatsApp Cloud or Messenger, speaking through signed webhooks."""

    def __init__(self, app, server, channel: str, user: str, *, name: str = "Budi Santoso"):
        """A citizen `user` (wa_id or PSID) of `channel`, talking to `app`, answered through `server`."""
        self.app, self.server, self.channel, self.user, self.name = app, server, channel, user, name
        self.client = app.test_client()
        self.replies: list[dict] = []
        self.calls: list[dict] = []
        self._seq = 0

    def where(self) -> dict:
        """Where this citizen's conversation stands (tests.conftest.conversation)."""
        from tests.conftest import conversation

        return conversation(self.app, self.channel, self.user)

    # ---- what the citizen does -------------------------------------------------------------
    def say(self, text: str) -> list[dict]:
        """Type a message."""
        if self.channel == "whatsapp":
            return self._send(self._wa("text", {"body": text}))
        return self._send(self._fb({"text": text}))

    def press(self, button: str) -> list[dict]:
        """Tap a button (a reply button, a list row or a quick reply) by its id."""
        offered = {b["id"]: b for r in self.replies for b in r.get("buttons", [])}
        if button not in offered:
            raise AssertionError(f"button {button!r} is not offered; offered: {sorted(offered)}")
        shown = offered[button]
        if self.channel == "messenger":
            return self._send(self._fb({"text": shown["title"], "quick_reply": {"payload": button}}))
        kind = "list_reply" if shown["style"] == "list" else "button_reply"
        reply = {"id": button, "title": shown["title"]}
        if shown.get("description"):
            reply["description"] = shown["description"]
        context = {"from": fake.DEFAULT_DISPLAY_PHONE, "id": shown["wamid"]}
        return self._send(self._wa("interactive", {"type": kind, kind: reply}, context=context))

    def send_file(self, data: bytes, name: str, content_type: str = "application/octet-stream", *,
                  download_status: int | None = None) -> list[dict]:
        """Send a photo or a document, hosted by the fake as Meta would host it (optionally failing)."""
        media_id = fake.add_media(self.server.state, data, content_type, name)
        if download_status:
            self.server.state["media_failures"][media_id] = download_status
        is_image = content_type.startswith("image/")
        if self.channel == "whatsapp":
            kind = "image" if is_image else "document"
            # Webhooks give sha256 in base64 (the media lookup gives hex): both must be understood.
            content = {"mime_type": content_type, "sha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
                       "id": media_id}
            if not is_image:
                content["filename"] = name
            return self._send(self._wa(kind, content))
        url = f"{self.server.url}/_fake/cdn/{media_id}"
        attachment = {"type": "image" if is_image else "file", "payload": {"url": url}}
        return self._send(self._fb({"attachments": [attachment]}))

    # ---- plumbing -------------------------------------------------------------------------------
    def _next_id(self) -> str:
        """A fresh provider message id."""
        self._seq += 1
        stamp = f"{time.time_ns()}{self._seq}"
        return f"wamid.TEST{stamp}" if self.channel == "whatsapp" else f"m_TEST{stamp}"

    def _wa(self, kind: str, content: dict, **extra) -> tuple[dict, str]:
        """A WhatsApp Cloud webhook body with one message from this citizen."""
        wamid = self._next_id()
        message = fake.whatsapp_message(self.user, kind, content, wamid=wamid, **extra)
        return fake.whatsapp_envelope([message], [fake.whatsapp_contact(self.user, self.name)]), wamid

    def _fb(self, message: dict) -> tuple[dict, str]:
        """A Messenger webhook body with one message event from this citizen."""
        mid = self._next_id()
        return fake.messenger_envelope([fake.messenger_event(self.user, message={"mid": mid, **message})]), mid

    def _send(self, signed: tuple[dict, str]) -> list[dict]:
        """Post the webhook, wait for its handling, and read the replies the fake received."""
        body, provider_id = signed
        mark = len(self.server.state["calls"])
        response = post_signed(self.client, self.channel, body)
        assert response.status_code == 200, response.get_data(as_text=True)
        wait_until_handled(self.app, self.channel, provider_id)
        self.calls = [c for c in self.server.state["calls"][mark:]
                      if c["channel"] == self.channel and c["kind"] == "message" and c["to"] == self.user]
        self.replies = [self._reply(c) for c in self.calls]
        return self.replies

    def _reply(self, call: dict) -> dict:
        """One recorded provider call as a simulator-like reply {text, buttons, document}."""
        body = call["body"]
        if self.channel == "messenger":
            message = body["message"]
            if "file" in call:
                return {"document": call["file"]}
            reply = {"text": message["text"]}
            if message.get("quick_replies"):
                reply["buttons"] = [{"id": q["payload"], "title": q["title"], "style": "quick_reply"}
                                    for q in message["quick_replies"]]
            return reply
        kind = body["type"]
        if kind == "text":
            return {"text": body["text"]["body"]}
        if kind == "document":
            upload = next(c for c in self.server.state["calls"]
                          if c["kind"] == "upload" and c["media_id"] == body["document"]["id"])
            reply = {"document": {**body["document"], "content_type": upload["content_type"],
                                  "sha256": upload["sha256"]}}
            if body["document"].get("caption"):
                reply["text"] = body["document"]["caption"]
            return reply
        interactive = body["interactive"]
        if interactive["type"] == "button":
            buttons = [{**b["reply"], "style": "button", "wamid": call["id"]} for b in interactive["action"]["buttons"]]
        else:
            buttons = [{**row, "style": "list", "wamid": call["id"]}
                       for section in interactive["action"]["sections"] for row in section["rows"]]
        return {"text": interactive["body"]["text"], "buttons": buttons}
