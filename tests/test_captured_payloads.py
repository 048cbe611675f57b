"""Webhooks as the providers send them: one JSON file per captured payload in tests/fixtures/
(twilio/: the form fields; whatsapp/ and messenger/: the JSON body), each read by the channel's
pure parse function and then posted, correctly signed, to the app.

The payloads follow the providers' documented examples (docs/providers.md §1.1, §1.6, §2.1, §3).
What each must become is written next to its file name in EXPECT below; a new fixture file
without an entry there fails `test_every_fixture_file_has_an_expectation`.

An expectation lists what the Batch holds, in order: `messages` (kind, sender, provider id,
text, button, and any keys of `extra`), `statuses` (status, provider id or watermark, failure
flags and the error code) and `staff` (a reply typed in the Page inbox). Posting checks the same
things in the database: the inbound rows, the status our seeded outbound messages moved to, the
staff reply kept with the chat.
"""
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.inbound_store import get_contact
from bot.core.models import AuditLog, Contact, Message, utcnow
from delivery.channels.graph import fake as meta_fake
from delivery.channels.messenger import webhook as messenger_webhook
from delivery.channels.twilio import fake as twilio_fake
from delivery.channels.twilio import webhook as twilio_webhook
from delivery.channels.whatsapp import webhook as whatsapp_webhook
from tests.channel_drivers import post_signed as post_meta
from tests.twilio_drivers import STATUS, WEBHOOK
from tests.twilio_drivers import post_signed as post_twilio

FIXTURES = Path(__file__).resolve().parent / "fixtures"

WA_ID = "6281234567890"                  # the citizen on WhatsApp (Cloud API and Twilio)
TWILIO_FROM = "+6281234567890"
PSID = "24023456789012345"               # the citizen on Messenger
WA_OUT = "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjVGNjg1QjQ4MkMzMDBCMzg3RgA="  # one of our WhatsApp messages
FB_OUT = "m_5F6qU2tZ4eAg8rX1vCbPo7wLi3hKj0nY6sDmT9uRzV4xGaI8cBfE1yN5pQ7oJ2lWkH0dU3tZ6rX9vC2bPg"
FB_TIME = 1795918500000                  # the Messenger fixtures' event time (ms)


def twilio_media(message_sid: str, media_sid: str) -> str:
    """The MediaUrl Twilio gives an inbound media item."""
    return f"https://api.twilio.com/2010-04-01/Accounts/{twilio_fake.DEFAULT_SID}/Messages/{message_sid}/Media/{media_sid}"


EXPECT = {
    # ---- Twilio WhatsApp: form fields (docs/providers.md §1.1, §1.6) ----------------------------
    "twilio/text.json": {"messages": [
        {"kind": "text", "external_id": TWILIO_FROM, "provider_id": "SM5d0c2f6b1a8e4c7d9f3b2a1c0e9d8f70",
         "text": "Halo, saya mau urus akta kelahiran anak", "button": None, "display_name": "Siti Aminah"}]},
    "twilio/image.json": {"messages": [
        {"kind": "media", "external_id": TWILIO_FROM, "provider_id": "MM7e3a9c1d5b2f4e8a6c0d9b1f3e5a7c21",
         "text": "Foto KK saya",  # the caption
         "extra": {"media_url": twilio_media("MM7e3a9c1d5b2f4e8a6c0d9b1f3e5a7c21", "ME0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
                   "media_type": "image/jpeg"}}]},
    "twilio/button_reply.json": {"messages": [
        {"kind": "button", "external_id": TWILIO_FROM, "provider_id": "SM9a8b7c6d5e4f30211203f4e5d6c7b8a9",
         "button": "agree", "text": "Setuju", "extra": {"replied_to": "MM1f2e3d4c5b6a79880897a6b5c4d3e2f1"}}]},
    "twilio/location.json": {"messages": [
        {"kind": "location", "external_id": TWILIO_FROM, "provider_id": "SM2b4d6f8a0c1e3f5a7b9c0d2e4f6a8b0c",
         "extra": {"latitude": 0.5115539, "longitude": 117.6386491, "label": "Kantor Disdukcapil Kutai Timur"}}]},
    "twilio/sticker.json": {"messages": [
        {"kind": "sticker", "external_id": TWILIO_FROM, "provider_id": "MM3c5e7a9b1d2f4a6c8e0b1d3f5a7c9e1b",
         "text": None}]},
    "twilio/status_delivered.json": {"statuses": [
        {"status": "delivered", "provider_id": "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9", "to": TWILIO_FROM}]},
    "twilio/status_undelivered.json": {"statuses": [
        {"status": "failed", "provider_id": "SM1b2c3d4e5f6a708192a3b4c5d6e7f8a9", "to": TWILIO_FROM,
         "code": "63024", "permanent": True, "window_closed": False}]},
    "twilio/status_failed_window.json": {"statuses": [
        {"status": "failed", "provider_id": "SM2c3d4e5f6a7b809102b3c4d5e6f7a8b9", "to": TWILIO_FROM,
         "code": "63016", "window_closed": True}]},

    # ---- WhatsApp Cloud API: JSON bodies (docs/providers.md §2.1) --------------------------------
    "whatsapp/text.json": {"messages": [
        {"kind": "text", "external_id": WA_ID, "provider_id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYIDNBQjVGRDgyQ0Y5QTJFMTBDNEE2AA==",
         "text": "Halo, saya mau urus akta kelahiran anak saya", "button": None, "display_name": "Siti Aminah",
         "phone": None}]},
    "whatsapp/interactive_button_reply.json": {"messages": [
        {"kind": "button", "external_id": WA_ID, "button": "agree", "text": "Setuju",
         "provider_id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYIDRGMUM3QjE3NTg4NjQ5QkQ5NjM4AA=="}]},
    "whatsapp/interactive_list_reply.json": {"messages": [
        {"kind": "button", "external_id": WA_ID, "button": "svc:akta_kelahiran", "text": "Akta Kelahiran",
         "provider_id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYIDU2QTc4QjkwQzFEMkUzRjQ1NjdBAA=="}]},
    "whatsapp/template_button.json": {"messages": [
        {"kind": "button", "external_id": WA_ID, "button": "status:check", "text": "Cek status",
         "provider_id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYIDEyQTM0QjU2QzdEOEU5RjAxMjNBAA=="}]},
    "whatsapp/image.json": {"messages": [
        {"kind": "media", "external_id": WA_ID,
         "provider_id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYIDY3Qjg5QzAxRDJFM0Y0QTU2NzhCAA==",
         "extra": {"media_id": "1003383421387256", "mime_type": "image/jpeg",
                   "caption": "Foto surat keterangan lahir",
                   "sha256": "y8G7Z3qkq0mXo0sYk9uF3b2lB2mJq8m4tJ0m6dB4H1c="}}]},
    "whatsapp/document.json": {"messages": [
        {"kind": "media", "external_id": WA_ID,
         "provider_id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYIDc4QzkwRDEyRTNGNEE1QjY3ODlDAA==",
         "extra": {"media_id": "1184926305903474", "mime_type": "application/pdf", "filename": "buku-nikah.pdf"}}]},
    "whatsapp/audio_voice.json": {"messages": [
        {"kind": "audio", "external_id": WA_ID, "text": None,
         "provider_id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYIDg5RDAxRTIzRjRBNUI2Qzc4OTBEAA=="}]},
    "whatsapp/sticker.json": {"messages": [
        {"kind": "sticker", "external_id": WA_ID, "text": None,
         "provider_id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYIDkwRTEyRjM0QTVCNkM3RDg5MDFFAA=="}]},
    "whatsapp/reaction.json": {},  # a reaction to one of our messages is no turn of the dialogue
    "whatsapp/status_sent.json": {"statuses": [{"status": "sent", "provider_id": WA_OUT, "to": WA_ID}]},
    "whatsapp/status_delivered.json": {"statuses": [{"status": "delivered", "provider_id": WA_OUT, "to": WA_ID}]},
    "whatsapp/status_read.json": {"statuses": [{"status": "read", "provider_id": WA_OUT, "to": WA_ID}]},
    "whatsapp/status_failed.json": {"statuses": [
        {"status": "failed", "provider_id": WA_OUT, "to": WA_ID, "code": "131047", "window_closed": True}]},
    # A username user (no wa_id, no `from`): keyed on the BSUID alone.
    "whatsapp/bsuid_username_only.json": {"messages": [
        {"kind": "text", "external_id": "ID.13491208655302741918", "phone": None, "display_name": "Rina Wati",
         "text": "Halo, apa syarat KTP baru?",
         "provider_id": "wamid.HBgUSUQuMTM0OTEyMDg2NTUzMDI3NDE5MTgVAgASGCAzQUE3QzBFRjEyMzQ1Njc4AA=="}]},
    # Both ids: keyed on the BSUID, the wa_id kept as the contact's phone.
    "whatsapp/bsuid_with_phone.json": {"messages": [
        {"kind": "text", "external_id": "ID.20871346590012345678", "phone": WA_ID, "text": "cek status permohonan",
         "provider_id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYIDIzQjQ1QzY3RDhFOUYwMTIzNEJBAA=="}]},

    # ---- Messenger: JSON bodies (docs/providers.md §3) ----------------------------------------------
    "messenger/text.json": {"messages": [
        {"kind": "text", "external_id": PSID, "text": "Halo kak, mau tanya syarat akta lahir \U0001F64F", "button": None,
         "provider_id": "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"}]},
    "messenger/quick_reply.json": {"messages": [
        {"kind": "button", "external_id": PSID, "button": "ayah", "text": "Ayah",
         "provider_id": "m_1B2mQ8pV0aWc4nT7rYxLk3sHe9dGf6jU2oZiP5qNvR0tCwE4yXbA7uJ1lM3kF8hSgD6zQ9pV2nT5rY8xLc"}]},
    "messenger/postback.json": {"messages": [
        {"kind": "button", "external_id": PSID, "button": "svc:akta_kelahiran", "text": "Akta Kelahiran",
         "provider_id": "m_2C3nR9qW1bXd5oU8sZyMl4tIf0eHg7kV3pAjQ6rOwS1uDxF5zYcB8vK2mN4lG9iThE7aR0qW3oU6sZ9yMd"}]},
    "messenger/image.json": {"messages": [
        {"kind": "media", "external_id": PSID,
         "provider_id": "m_3D4oS0rX2cYe6pV9tAzNm5uJg1fIh8lW4qBkR7sPxT2vEyG6aZdC9wL3nO5mH0jUiF8bS1rX4pV7tA0zNe",
         "extra": {"type": "image",
                   "url": "https://scontent.xx.fbcdn.net/v/t1.15752-9/468813212_1125983425612247_n.jpg"
                          "?_nc_cat=105&ccb=1-7&_nc_sid=fc17b8&_nc_ohc=Xr2Yc3Zq&oh=03_Q7cD1gE2&oe=6773A1B2"}}]},
    # The thumbs-up "like" is an image attachment with a sticker_id: a sticker, not a photo to fetch.
    "messenger/sticker_like.json": {"messages": [
        {"kind": "sticker", "external_id": PSID, "text": None,
         "provider_id": "m_4E5pT1sY3dZf7qW0uBaOn6vKh2gJi9mX5rClS8tQyU3wFzH7bAeD0xM4oP6nI1kVjG9cT2sY5qW8uB1aOf"}]},
    "messenger/delivery.json": {"statuses": [
        {"status": "delivered", "provider_id": FB_OUT, "to": PSID},
        {"status": "delivered", "watermark_ms": FB_TIME + 4000, "to": PSID}]},
    "messenger/read.json": {"statuses": [{"status": "read", "watermark_ms": FB_TIME + 8000, "to": PSID}]},
    "messenger/echo_ours.json": {},  # the echo of a message we sent (our metadata): nothing new
    "messenger/echo_staff.json": {"staff": [
        {"external_id": PSID, "text": "Selamat siang, berkasnya bisa dibawa ke kantor hari Senin ya.",
         "provider_id": "m_6G7rV3uA5fBh9sY2wDcQp8xMj4iLk1oZ7tEnU0vSaW5yHbJ9dCgF2zO6qR8pK3mXlI1eV4uA7sY0wD3cQh"}]},
}

CASES = sorted(EXPECT)


def load(name: str) -> dict:
    """A fixture file's payload."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def parse(name: str):
    """The Batch the channel's pure parse function makes of a fixture file."""
    channel, file = name.split("/")
    payload = load(name)
    if channel == "twilio":
        return (twilio_webhook.parse_status if file.startswith("status_") else twilio_webhook.parse_message)(payload)
    if channel == "whatsapp":
        return whatsapp_webhook.parse(payload, meta_fake.DEFAULT_PHONE_NUMBER_ID)
    return messenger_webhook.parse(payload)


def test_every_fixture_file_has_an_expectation():
    files = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*.json"))
    assert files == CASES


# ---- (a) the pure parse functions ---------------------------------------------------------------
@pytest.mark.parametrize("name", CASES)
def test_the_parse_function_reads_the_captured_payload(name):
    batch, expected = parse(name), EXPECT[name]
    assert batch.rejected == []
    assert len(batch.messages) == len(expected.get("messages", [])), batch.messages
    for item, want in zip(batch.messages, expected.get("messages", [])):
        for key, value in want.items():
            if key == "extra":
                assert {k: item.extra.get(k) for k in value} == value
            else:
                assert getattr(item, key) == value, key
    assert len(batch.statuses) == len(expected.get("statuses", [])), batch.statuses
    for status, want in zip(batch.statuses, expected.get("statuses", [])):
        assert status.status == want["status"]
        if "watermark_ms" in want:
            assert (status.provider_id, status.external_id, status.watermark_ms) == (None, want["to"], want["watermark_ms"])
        else:
            assert (status.provider_id, status.watermark_ms) == (want["provider_id"], None)
        if status.status == "failed":
            assert want["code"] in status.error
            assert status.window_closed == want.get("window_closed", False)
            if "permanent" in want:
                assert status.permanent == want["permanent"]
        else:
            assert status.error is None
    assert [(s.external_id, s.provider_id, s.text) for s in batch.staff] == [
        (s["external_id"], s["provider_id"], s["text"]) for s in expected.get("staff", [])]


# ---- (b) posted, correctly signed, to the app --------------------------------------------------------
@pytest.fixture
def provider_app(meta_app, held_jobs):
    """The parametrised app (SQLite, PostgreSQL) with the fakes' secrets and no conversation jobs
    run, so the rows stay exactly as each webhook stored them."""
    meta_app.config.update(TWILIO_ACCOUNT_SID=twilio_fake.DEFAULT_SID, TWILIO_AUTH_TOKEN=twilio_fake.DEFAULT_TOKEN,
                           TWILIO_WHATSAPP_FROM=twilio_fake.DEFAULT_FROM)
    return meta_app


def post(app, name: str):
    """POST a fixture file as its provider would: Meta's X-Hub-Signature-256 over the raw body
    with the fake's app secret (Meta's escaped JSON), Twilio's X-Twilio-Signature over the URL
    and form with the fake's auth token."""
    channel, file = name.split("/")
    client = app.test_client()
    if channel == "twilio":
        if file.startswith("status_"):
            return post_twilio(client, load(name), twilio_fake.DEFAULT_TOKEN, url=STATUS, path="/webhooks/twilio/status")
        return post_twilio(client, load(name), twilio_fake.DEFAULT_TOKEN, url=WEBHOOK)
    return post_meta(client, channel, load(name))


def seed_sent(app, channel: str, external_id: str, provider_id: str, created_at: datetime | None = None) -> int:
    """One of our outbound messages, as the sender leaves it (status `sent`); its id."""
    with app.app_context(), db.new_session() as s:
        contact = get_contact(s, channel, external_id)
        s.flush()
        message = Message(contact_id=contact.id, channel=channel, direction="out", provider_id=provider_id,
                          kind="text", text="Permohonan sudah kami terima.", payload={}, status="sent",
                          created_at=created_at or utcnow())
        s.add(message)
        s.commit()
        return message.id


def rows(app, channel: str) -> list[tuple[Message, Contact]]:
    """Every message of the channel with its contact, oldest first."""
    with app.app_context():
        return db.session().execute(select(Message, Contact).join(Contact, Contact.id == Message.contact_id)
                                    .where(Message.channel == channel).order_by(Message.id)).all()


@pytest.mark.parametrize("name", CASES)
def test_the_signed_payload_is_acknowledged_and_stored(provider_app, name):
    app, expected = provider_app, EXPECT[name]
    channel = name.split("/")[0]
    # Our outbound messages the statuses speak of: by provider id, or sent a minute either side
    # of a watermark (only the earlier one is covered by it).
    seeded = {}
    for i, want in enumerate(expected.get("statuses", [])):
        if "watermark_ms" in want:
            mark = datetime.fromtimestamp(want["watermark_ms"] / 1000, tz=UTC)
            seeded[seed_sent(app, channel, want["to"], f"before-{i}", mark - timedelta(minutes=1))] = want
            seeded[seed_sent(app, channel, want["to"], f"after-{i}", mark + timedelta(minutes=1))] = {"status": "sent"}
        else:
            seeded[seed_sent(app, channel, want["to"], want["provider_id"])] = want

    response = post(app, name)
    assert response.status_code == 200, response.get_data(as_text=True)

    stored = rows(app, channel)
    inbound = [(m, c) for m, c in stored if m.direction == "in"]
    assert len(inbound) == len(expected.get("messages", [])), [(m.kind, m.text) for m, _ in inbound]
    for (message, contact), want in zip(inbound, expected.get("messages", [])):
        assert (message.kind, message.status) == (want["kind"], "received")
        assert (contact.external_id, message.provider_id) == (want["external_id"], want["provider_id"])
        for key in ("text", "button", "display_name", "phone"):
            if key in want:
                found = {"text": message.text, "button": message.payload.get("button"),
                         "display_name": contact.display_name, "phone": contact.phone}[key]
                assert found == want[key], key
        for key, value in want.get("extra", {}).items():
            assert message.payload.get(key) == value, key

    outbound = {m.id: m for m, _ in stored if m.direction == "out"}
    for message_id, want in seeded.items():
        message = outbound[message_id]
        assert message.status == want["status"], (message.provider_id, message.status)
        if want["status"] == "failed":
            assert want["code"] in message.error
    with app.app_context():
        actions = db.session().execute(select(AuditLog.action)).scalars().all()
    failures = sum(want["status"] == "failed" for want in expected.get("statuses", []))
    assert actions.count("send_failed") == failures

    staff = [m for m in outbound.values() if m.id not in seeded]
    assert [(m.kind, m.provider_id, m.text) for m in staff] == [
        ("staff", s["provider_id"], s["text"]) for s in expected.get("staff", [])]
    assert actions.count("staff_replied_outside_inbox") == len(expected.get("staff", []))


def test_a_captured_payload_posted_twice_is_stored_once(provider_app):
    for name in ("twilio/text.json", "whatsapp/text.json", "messenger/text.json"):
        assert post(provider_app, name).status_code == 200
        assert post(provider_app, name).status_code == 200
        assert len([m for m, _ in rows(provider_app, name.split("/")[0]) if m.direction == "in"]) == 1
