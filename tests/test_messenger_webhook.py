"""The Messenger webhook: handshake, signatures, batches, every event type, deliveries and reads."""
import time

import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.models import AuditLog, Contact, Message
from delivery.channels.graph.fake import (
    DEFAULT_VERIFY_TOKEN,
    messenger_envelope,
    messenger_event,
    meta_json,
    signature,
)
from delivery.channels.messenger.adapter import OUR_METADATA
from delivery.sender import send_pending
from tests.channel_drivers import contact_with_outbox, post_signed

PSID = "24023456789012345"
PAGE_ID = "1234567890123"

# A text message exactly as Meta documents it (docs/providers.md §3).
TEXT_WEBHOOK = {"object": "page", "entry": [{"id": PAGE_ID, "time": 1764400000123, "messaging": [
    {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": 1764400000000,
     "message": {"mid": "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
                 "text": "halo, mau urus KK"}}]}]}


def stored(app) -> list[Message]:
    """Inbound Messenger messages, oldest first."""
    with app.app_context():
        return db.session().execute(select(Message).where(Message.channel == "messenger", Message.direction == "in")
                                    .order_by(Message.id)).scalars().all()


def event(**kw) -> dict:
    """A webhook body with one event from the citizen."""
    return messenger_envelope([messenger_event(PSID, **kw)])


# ---- handshake and signatures -------------------------------------------------------------------
def test_it_answers_the_verify_handshake_with_the_challenge(meta_sqlite_app):
    response = meta_sqlite_app.test_client().get("/webhooks/messenger", query_string={
        "hub.mode": "subscribe", "hub.verify_token": DEFAULT_VERIFY_TOKEN, "hub.challenge": "CHALLENGE_ACCEPTED"})
    assert response.status_code == 200 and response.get_data(as_text=True) == "CHALLENGE_ACCEPTED"


def test_it_refuses_a_handshake_with_a_bad_token(meta_sqlite_app):
    response = meta_sqlite_app.test_client().get("/webhooks/messenger", query_string={
        "hub.mode": "subscribe", "hub.verify_token": "tebakan", "hub.challenge": "CHALLENGE_ACCEPTED"})
    assert response.status_code == 403


def test_it_stores_a_signed_text_and_answers_event_received(meta_sqlite_app, held_jobs):
    response = post_signed(meta_sqlite_app.test_client(), "messenger", TEXT_WEBHOOK)
    assert response.status_code == 200 and response.get_data(as_text=True) == "EVENT_RECEIVED"
    [message] = stored(meta_sqlite_app)
    assert (message.kind, message.text) == ("text", "halo, mau urus KK")
    assert message.provider_id == TEXT_WEBHOOK["entry"][0]["messaging"][0]["message"]["mid"]
    with meta_sqlite_app.app_context():
        assert db.session().get(Contact, message.contact_id).external_id == PSID


@pytest.mark.parametrize("header", [None, "sha256=deadbeef", signature(meta_json(TEXT_WEBHOOK), "wrong-secret")])
def test_it_refuses_a_forged_or_missing_signature(meta_sqlite_app, held_jobs, header):
    response = meta_sqlite_app.test_client().post(
        "/webhooks/messenger", data=meta_json(TEXT_WEBHOOK), content_type="application/json",
        headers={"X-Hub-Signature-256": header} if header else {})
    assert response.status_code == 403 and stored(meta_sqlite_app) == []


def test_a_replayed_body_is_stored_once(meta_sqlite_app, held_jobs):
    client = meta_sqlite_app.test_client()
    assert post_signed(client, "messenger", TEXT_WEBHOOK).status_code == 200
    assert post_signed(client, "messenger", TEXT_WEBHOOK).status_code == 200
    assert len(stored(meta_sqlite_app)) == 1 and len(held_jobs) == 1


def test_the_signature_is_checked_before_the_body_is_parsed(meta_sqlite_app):
    # A forged body that is not even JSON is a 403, not a 400: nothing unauthenticated is parsed.
    response = meta_sqlite_app.test_client().post("/webhooks/messenger", data=b"{oops",
                                                  content_type="application/json")
    assert response.status_code == 403


@pytest.mark.parametrize("raw", [
    b"{oops", meta_json({"object": "whatsapp_business_account", "entry": []}), meta_json({"object": "page"}),
    b"[" * 50000 + b"]" * 50000,
])
def test_it_answers_400_to_a_body_that_is_not_a_page_webhook(meta_sqlite_app, held_jobs, raw):
    assert post_signed(meta_sqlite_app.test_client(), "messenger", raw).status_code == 400
    assert stored(meta_sqlite_app) == []


@pytest.mark.parametrize("raw", [
    meta_json({"object": "page", "entry": [{"messaging": {"sender": {"id": PSID}}}]}),
    meta_json(messenger_envelope([{"recipient": {"id": PAGE_ID}, "message": {"mid": "m_1", "text": "x"}}])),
    meta_json(event(message={"text": "no mid"})),
    meta_json(event(message="text")),
    meta_json(event(postback={"title": "Mulai"})),
    meta_json(event(delivery={"mids": "m_1", "watermark": 1})),
    meta_json(event(read={"watermark": "yesterday"})),
    meta_json(event(read={"watermark": 10 ** 30})),
    # A staff echo (no metadata of ours) must name the citizen it went to, and carry a mid.
    meta_json(messenger_envelope([{"sender": {"id": PAGE_ID}, "message": {"mid": "m_2", "is_echo": True}}])),
    meta_json(messenger_envelope([{"sender": {"id": PAGE_ID}, "recipient": {"id": PSID},
                                   "message": {"is_echo": True, "text": "tanpa mid"}}])),
])
def test_an_event_it_cannot_read_is_acknowledged_and_recorded_not_stored(meta_sqlite_app, held_jobs, raw):
    assert post_signed(meta_sqlite_app.test_client(), "messenger", raw).status_code == 200
    assert stored(meta_sqlite_app) == []
    with meta_sqlite_app.app_context():
        assert db.session().execute(select(AuditLog).where(AuditLog.action == "webhook_event_rejected")).first()


# ---- batches and types -----------------------------------------------------------------------------
def test_it_stores_every_event_of_every_entry(meta_sqlite_app, held_jobs):
    body = {"object": "page", "entry": [
        {"id": PAGE_ID, "time": 1, "messaging": [
            messenger_event("111", message={"mid": "m_a1", "text": "satu"}),
            messenger_event("222", message={"mid": "m_b1", "text": "dua"})]},
        {"id": PAGE_ID, "time": 2, "messaging": [messenger_event("111", message={"mid": "m_a2", "text": "tiga"})]},
        {"id": PAGE_ID, "time": 3, "standby": [messenger_event("333", message={"mid": "m_c1", "text": "lain"})]},
    ]}
    assert post_signed(meta_sqlite_app.test_client(), "messenger", body).status_code == 200
    assert [(m.provider_id, m.text) for m in stored(meta_sqlite_app)] == [
        ("m_a1", "satu"), ("m_b1", "dua"), ("m_a2", "tiga")]


CDN = "https://scontent.xx.fbcdn.net/v/t1.15752-9/foto.jpg?_nc_cat=1&oh=abc"
EVENTS = [
    ({"message": {"mid": "m_1", "text": "Ya", "quick_reply": {"payload": "yes"}}}, "button", "Ya", {"button": "yes"}),
    ({"postback": {"mid": "m_1", "title": "Mulai", "payload": "menu"}}, "button", "Mulai", {"button": "menu"}),
    ({"message": {"mid": "m_1", "attachments": [{"type": "image", "payload": {"url": CDN}}]}},
     "media", None, {"url": CDN, "type": "image"}),
    ({"message": {"mid": "m_1", "attachments": [{"type": "file", "payload": {
        "url": "https://cdn.fbsbx.com/v/t59.2708-21/kk.pdf?dl=1"}}]}},
     "media", None, {"url": "https://cdn.fbsbx.com/v/t59.2708-21/kk.pdf?dl=1", "type": "file"}),
    ({"message": {"mid": "m_1", "sticker_id": 369239263222822, "attachments": [
        {"type": "image", "payload": {"url": CDN, "sticker_id": 369239263222822}}]}}, "sticker", None, {}),
    ({"message": {"mid": "m_1", "attachments": [{"type": "image", "payload": {"url": CDN, "sticker_id": 1}}]}},
     "sticker", None, {}),
    ({"message": {"mid": "m_1", "attachments": [{"type": "audio", "payload": {"url": CDN}}]}}, "audio", None, {}),
    ({"message": {"mid": "m_1", "attachments": [{"type": "video", "payload": {"url": CDN}}]}}, "video", None, {}),
    ({"message": {"mid": "m_1", "attachments": [{"type": "location", "payload": {
        "coordinates": {"lat": 0.5, "long": 117.5}}}]}}, "location", None, {}),
    ({"message": {"mid": "m_1", "attachments": [{"type": "fallback", "payload": {"url": "https://example.org"}}]}},
     "unsupported", None, {}),
]


@pytest.mark.parametrize("content, kind, text, payload", EVENTS, ids=[f"{e[1]}-{i}" for i, e in enumerate(EVENTS)])
def test_it_normalises_each_event_type(meta_sqlite_app, held_jobs, content, kind, text, payload):
    assert post_signed(meta_sqlite_app.test_client(), "messenger", event(**content)).status_code == 200
    [row] = stored(meta_sqlite_app)
    assert (row.kind, row.text, row.payload) == (kind, text, payload)


def test_several_photos_in_one_message_become_one_message_each(meta_sqlite_app, held_jobs):
    attachments = [{"type": "image", "payload": {"url": CDN + str(i)}} for i in range(3)]
    post_signed(meta_sqlite_app.test_client(), "messenger", event(message={"mid": "m_multi", "attachments": attachments}))
    assert [(m.provider_id, m.payload["url"]) for m in stored(meta_sqlite_app)] == [
        ("m_multi", CDN + "0"), ("m_multi#1", CDN + "1"), ("m_multi#2", CDN + "2")]


def test_a_postback_without_a_mid_is_still_deduplicated(meta_sqlite_app, held_jobs):
    body = messenger_envelope([{"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": 1764400000000,
                                "postback": {"title": "Mulai", "payload": "menu"}}])
    client = meta_sqlite_app.test_client()
    post_signed(client, "messenger", body)
    post_signed(client, "messenger", body)
    assert [m.provider_id for m in stored(meta_sqlite_app)] == [f"postback:{PSID}:1764400000000:menu"]


@pytest.mark.parametrize("content", [
    {"message": {"mid": "m_echo", "is_echo": True, "app_id": 1517776481860111, "text": "Balasan kami",
                 "metadata": OUR_METADATA}},  # the echo of our own message
    {"reaction": {"mid": "m_ours", "action": "react", "reaction": "love", "emoji": "❤"}},
    {"optin": {"type": "notification_messages", "payload": "x"}},
])
def test_echoes_reactions_and_other_events_are_acknowledged_and_ignored(meta_sqlite_app, held_jobs, content):
    response = post_signed(meta_sqlite_app.test_client(), "messenger", event(**content))
    assert response.status_code == 200 and response.get_data(as_text=True) == "EVENT_RECEIVED"
    assert stored(meta_sqlite_app) == [] and held_jobs == []


# ---- deliveries and reads ------------------------------------------------------------------------------
def _two_sent(app) -> list[Message]:
    """Send two texts through the fake; returns the outbound rows."""
    contact_id = contact_with_outbox(app, "messenger", PSID, [{"text": "satu"}, {"text": "dua"}])
    with app.app_context():
        send_pending(contact_id)
    return _outbound(app)


def _outbound(app) -> list[Message]:
    """Our outbound messages, oldest first."""
    with app.app_context():
        return db.session().execute(select(Message).where(Message.direction == "out").order_by(Message.id)).scalars().all()


def test_a_delivery_marks_the_named_mids_delivered(meta_sqlite_app, fake_meta):
    first, _ = _two_sent(meta_sqlite_app)
    post_signed(meta_sqlite_app.test_client(), "messenger", event(delivery={"mids": [first.provider_id]}))
    assert [m.status for m in _outbound(meta_sqlite_app)] == ["delivered", "sent"]


def test_a_read_watermark_marks_everything_before_it_read_and_never_goes_back(meta_sqlite_app, fake_meta):
    _two_sent(meta_sqlite_app)
    now_ms = int(time.time() * 1000) + 1000
    client = meta_sqlite_app.test_client()
    post_signed(client, "messenger", event(read={"watermark": now_ms}))
    assert [m.status for m in _outbound(meta_sqlite_app)] == ["read", "read"]
    post_signed(client, "messenger", event(delivery={"mids": [m.provider_id for m in _outbound(meta_sqlite_app)],
                                                     "watermark": now_ms}))
    assert [m.status for m in _outbound(meta_sqlite_app)] == ["read", "read"]


def test_a_watermark_before_our_messages_changes_nothing(meta_sqlite_app, fake_meta):
    _two_sent(meta_sqlite_app)
    post_signed(meta_sqlite_app.test_client(), "messenger", event(read={"watermark": 1000}))
    assert [m.status for m in _outbound(meta_sqlite_app)] == ["sent", "sent"]
