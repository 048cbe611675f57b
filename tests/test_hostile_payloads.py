"""Correctly signed payloads that once knocked the webhooks over (500s, lost batches, a pinned
worker): each is acknowledged, and the citizen's other messages are stored and answered."""
import json

import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.models import Message, Outbox
from delivery.channels.graph.fake import (
    whatsapp_contact,
    whatsapp_envelope,
    whatsapp_message,
)
from delivery.channels.graph.fake import messenger_envelope, messenger_event
from delivery.channels.twilio import fake as twilio_fake
from tests.channel_drivers import post_signed
from tests.twilio_drivers import configure

WA_ID = "6281234500001"
PSID = "24011111111111111"


def inbound(app) -> list[Message]:
    """Every stored inbound message, oldest first."""
    with app.app_context():
        return db.session().execute(select(Message).where(Message.direction == "in")
                                    .order_by(Message.id)).scalars().all()


def whatsapp_batch(*messages) -> dict:
    """One webhook body: a text before and after the hostile message."""
    return whatsapp_envelope([whatsapp_message(WA_ID, "text", {"body": "sebelum"}, wamid="wamid.before"),
                              *messages,
                              whatsapp_message(WA_ID, "text", {"body": "sesudah"}, wamid="wamid.after")],
                             [whatsapp_contact(WA_ID)])


@pytest.mark.parametrize("hostile, kept", [
    (whatsapp_message(WA_ID, "text", {"body": "nul\x00di tengah"}, wamid="wamid.nul"), "nuldi tengah"),
    (whatsapp_message(WA_ID, "text", {"body": "pecah \ud800 surrogate"}, wamid="wamid.sur"), "pecah  surrogate"),
    (whatsapp_message(WA_ID, "text", {"body": "halo"}, wamid="w" * 300), None),
    (whatsapp_message(WA_ID, "interactive", {"type": "button_reply", "button_reply": {"id": "x", "title": ["?"]}},
                      wamid="wamid.title"), None),
])
def test_a_hostile_whatsapp_message_never_loses_the_rest_of_the_batch(meta_app, held_jobs, hostile, kept):
    raw = json.dumps(whatsapp_batch(hostile), ensure_ascii=True).encode()
    assert post_signed(meta_app.test_client(), "whatsapp", raw).status_code == 200
    texts = [m.text for m in inbound(meta_app)]
    assert texts[0] == "sebelum" and texts[-1] == "sesudah"
    if kept is not None:
        assert texts[1] == kept


@pytest.mark.parametrize("value", [
    {"messaging_product": "whatsapp", "metadata": "not an object",
     "contacts": [{"profile": "not an object", "wa_id": WA_ID}],
     "messages": [whatsapp_message(WA_ID, "text", {"body": "halo"}, wamid="wamid.odd")]},
])
def test_profile_or_metadata_as_a_string_is_read_around(meta_app, held_jobs, value):
    body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}
    assert post_signed(meta_app.test_client(), "whatsapp", body).status_code == 200
    [row] = inbound(meta_app)
    assert row.text == "halo"


def test_a_read_watermark_of_ten_to_the_thirty_is_acknowledged_and_the_message_beside_it_stored(meta_app, held_jobs):
    body = messenger_envelope([messenger_event(PSID, read={"watermark": 10 ** 30}),
                               messenger_event(PSID, message={"mid": "m_ok", "text": "halo"})])
    assert post_signed(meta_app.test_client(), "messenger", body).status_code == 200
    assert [m.text for m in inbound(meta_app)] == ["halo"]


def test_json_nested_fifty_thousand_levels_is_a_400_not_a_crash(meta_app, held_jobs):
    raw = b'{"object": "page", "entry": ' + b"[" * 50000 + b"]" * 50000 + b"}"
    assert post_signed(meta_app.test_client(), "messenger", raw).status_code == 400


@pytest.mark.parametrize("field", ["Body", "ProfileName"])
def test_a_nul_in_a_twilio_field_is_dropped_and_the_message_kept(app, fake_twilio, held_jobs, field):
    configure(app, fake_twilio)
    params = twilio_fake.inbound_params("+6281234500002", "halo", message_sid="SM" + "7" * 32)
    params[field] = params.get(field, "") + "\x00x"
    response = app.test_client().post("/webhooks/twilio", data=params, headers=twilio_fake.signed_webhook(
        "http://testserver/webhooks/twilio", params, fake_twilio["auth_token"]))
    assert response.status_code == 200
    [row] = inbound(app)
    assert "\x00" not in (row.text or "")


def test_a_million_character_text_is_cut_and_answered_with_a_note(meta_sqlite_app):
    body = whatsapp_envelope([whatsapp_message(WA_ID, "text", {"body": "a@" * 500_000}, wamid="wamid.huge")],
                             [whatsapp_contact(WA_ID)])
    assert post_signed(meta_sqlite_app.test_client(), "whatsapp", body).status_code == 200
    [row] = inbound(meta_sqlite_app)
    assert len(row.text) == 4096 and row.payload["cut_from"] == 1_000_000 and row.status == "processed"
    with meta_sqlite_app.app_context():
        replies = db.session().execute(select(Outbox).where(Outbox.in_reply_to == row.id)
                                       .order_by(Outbox.id)).scalars().all()
    assert "4096 huruf pertama" in replies[0].payload["text"] and len(replies) >= 2  # the note, then the answer
