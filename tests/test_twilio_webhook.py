"""The Twilio webhook: signatures first, then every inbound shape normalised and stored once."""
import logging

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from bot.core import db
from bot.core.models import AuditLog, Contact, Message, Outbox
from delivery.channels.twilio import fake as fake
from delivery.channels.twilio.webhook import signature_for
from tests.twilio_drivers import (
    CITIZEN,
    STATUS,
    WEBHOOK,
    inbound_rows,
    post_signed,
    sent_to,
)


@pytest.fixture
def client(twilio_app):
    """A test client of the Twilio-configured SQLite app."""
    return twilio_app.test_client()


@pytest.fixture
def token(fake_twilio) -> str:
    """The auth token the app validates with."""
    return fake_twilio["auth_token"]


# ---- signatures -------------------------------------------------------------------------------------
def test_it_accepts_a_signed_message_and_answers_empty_twiml(twilio_app, client, token):
    response = post_signed(client, fake.inbound_params(CITIZEN, "halo", message_sid="SM" + "1" * 32), token)
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert response.data == b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
    [row] = inbound_rows(twilio_app)
    assert (row.channel, row.provider_id, row.kind, row.text, row.payload) == (
        "twilio", "SM" + "1" * 32, "text", "halo", {})
    with twilio_app.app_context():
        contact = db.session().get(Contact, row.contact_id)
        assert (contact.channel, contact.external_id, contact.display_name) == ("twilio", CITIZEN, "Warga Uji")


def test_it_rejects_a_forged_signature(twilio_app, client, caplog):
    params = fake.inbound_params(CITIZEN, "halo")
    with caplog.at_level(logging.WARNING):
        response = post_signed(client, params, "not-the-auth-token")
    assert response.status_code == 403
    assert inbound_rows(twilio_app) == []
    assert "signature" in caplog.text
    assert "halo" not in caplog.text and "81234567890" not in caplog.text  # no body, no number


def test_it_rejects_a_missing_signature(twilio_app, client):
    response = client.post("/webhooks/twilio", data=fake.inbound_params(CITIZEN, "halo"))
    assert response.status_code == 403
    assert inbound_rows(twilio_app) == []


@pytest.mark.parametrize("signature", ["é" * 28, "", " ", "x" * 5000])
def test_a_junk_signature_header_is_a_403_not_a_500(twilio_app, client, signature):
    response = client.post("/webhooks/twilio", data=fake.inbound_params(CITIZEN, "halo"),
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_it_rejects_a_signed_request_whose_body_was_changed(twilio_app, client, token):
    params = fake.inbound_params(CITIZEN, "halo")
    headers = fake.signed_webhook(WEBHOOK, params, token)
    response = client.post("/webhooks/twilio", data={**params, "Body": "batal"}, headers=headers)
    assert response.status_code == 403


def test_it_rejects_a_signature_made_for_another_url(twilio_app, client, token):
    params = fake.inbound_params(CITIZEN, "halo")
    response = post_signed(client, params, token, url="http://testserver/webhooks/other")
    assert response.status_code == 403


def test_it_refuses_everything_when_no_auth_token_is_configured(twilio_app, client, token, caplog):
    twilio_app.config["TWILIO_AUTH_TOKEN"] = None
    with caplog.at_level(logging.ERROR):
        response = post_signed(client, fake.inbound_params(CITIZEN, "halo"), token)
    assert response.status_code == 403 and "TWILIO_AUTH_TOKEN is not set" in caplog.text


def test_it_refuses_a_shared_key_signature_it_cannot_check(twilio_app, client, token):
    params = fake.inbound_params(CITIZEN, "halo")
    headers = {**fake.signed_webhook(WEBHOOK, params, token),
               "X-Twilio-Webhooks-Signature-Settings": "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"}
    assert client.post("/webhooks/twilio", data=params, headers=headers).status_code == 403


def test_it_validates_against_the_public_url_behind_a_proxy(twilio_app, client, token):
    # Twilio signed https://sapa.example.id/...; the proxy forwards to http://localhost/...
    twilio_app.config["PUBLIC_BASE_URL"] = "https://sapa.example.id"
    params = fake.inbound_params(CITIZEN, "halo")
    public = post_signed(client, params, token, url="https://sapa.example.id/webhooks/twilio",
                         base_url="http://localhost")
    assert public.status_code == 200
    internal = post_signed(client, fake.inbound_params(CITIZEN, "halo"), token,
                           url="http://localhost/webhooks/twilio", base_url="http://localhost")
    assert internal.status_code == 403


def test_a_form_with_repeated_fields_is_checked_as_twilio_signs_it(twilio_app, client, token):
    # Twilio's rule: names sorted, each name's values sorted, a repeated name=value pair once.
    # The webhook computes it itself (faster than the SDK); both must agree, or real messages
    # with repeated fields would be refused as forged.
    form = MultiDict([*fake.inbound_params(CITIZEN, "halo").items(), ("MediaUrl0", "https://b"),
                      ("MediaUrl0", "https://a"), ("MediaUrl0", "https://a"), ("Body", "")])
    assert signature_for(token, WEBHOOK, form) == RequestValidator(token).compute_signature(WEBHOOK, form)
    response = client.post("/webhooks/twilio", data=form,
                           headers={"X-Twilio-Signature": signature_for(token, WEBHOOK, form)})
    assert response.status_code == 200


def test_the_query_string_is_part_of_what_is_signed(twilio_app, client, token):
    params = fake.inbound_params(CITIZEN, "halo")
    ok = post_signed(client, params, token, url=WEBHOOK + "?office=kutim", path="/webhooks/twilio?office=kutim")
    assert ok.status_code == 200
    forged = post_signed(client, fake.inbound_params(CITIZEN, "halo"), token, url=WEBHOOK,
                         path="/webhooks/twilio?office=kutim")
    assert forged.status_code == 403


def test_a_replayed_delivery_is_acknowledged_and_stored_once(twilio_app, client, token, fake_twilio):
    params = fake.inbound_params(CITIZEN, "halo")
    first = post_signed(client, params, token)
    replies = len(fake_twilio["messages"])
    again = post_signed(client, params, token)  # Twilio retries with the same MessageSid
    assert first.status_code == again.status_code == 200
    assert len(inbound_rows(twilio_app)) == 1
    assert len(fake_twilio["messages"]) == replies == 2  # welcome + menu, once


# ---- malformed bodies ----------------------------------------------------------------------------------
@pytest.mark.parametrize("change", [
    {"MessageSid": ""},
    {"From": ""},
    {"From": "whatsapp:0812345"},
    {"NumMedia": "dua"},
    {"NumMedia": "11"},
    {"NumMedia": "1"},                           # but no MediaUrl0
    {"Latitude": "utara", "Longitude": "117.5"},
    {"Latitude": "91", "Longitude": "117.5"},
])
def test_a_signed_but_malformed_body_is_a_400_not_a_500(twilio_app, client, token, change):
    params = {k: v for k, v in {**fake.inbound_params(CITIZEN, "halo"), **change}.items()}
    response = post_signed(client, params, token)
    assert response.status_code == 400
    assert inbound_rows(twilio_app) == []


def test_a_body_without_any_fields_is_a_400(twilio_app, client, token):
    assert post_signed(client, {}, token).status_code == 400


def test_an_sms_to_the_same_number_is_acknowledged_and_ignored(twilio_app, client, token):
    params = {**fake.inbound_params(CITIZEN, "halo"), "From": CITIZEN}
    assert post_signed(client, params, token).status_code == 200
    assert inbound_rows(twilio_app) == []


# ---- each inbound shape -----------------------------------------------------------------------------------
def test_a_button_reply_arrives_as_the_button(twilio_app, client, token):
    params = fake.inbound_params(CITIZEN, "Kirim dokumennya", ButtonPayload="svc:akta_kelahiran",
                                 ButtonText="Akta Kelahiran", MessageType="button")
    post_signed(client, params, token)
    [row] = inbound_rows(twilio_app)
    assert (row.kind, row.text, row.payload) == ("button", "Akta Kelahiran", {"button": "svc:akta_kelahiran"})


def test_a_list_reply_arrives_as_the_button(twilio_app, client, token):
    params = fake.inbound_params(CITIZEN, "Ayah si anak", ListId="ayah", ListTitle="Ayah si anak",
                                 MessageType="interactive")
    post_signed(client, params, token)
    [row] = inbound_rows(twilio_app)
    assert (row.kind, row.text, row.payload) == ("button", "Ayah si anak", {"button": "ayah"})


def test_a_location_is_stored_with_its_coordinates(twilio_app, client, token, fake_twilio):
    params = fake.inbound_params(CITIZEN, "", Latitude="0.5123", Longitude="117.6012",
                                 Address="Jl. Soekarno-Hatta, Sangatta", Label="Kantor", MessageType="location")
    post_signed(client, params, token)
    [row] = inbound_rows(twilio_app)
    assert (row.kind, row.text) == ("location", None)
    assert row.payload == {"latitude": 0.5123, "longitude": 117.6012,
                           "address": "Jl. Soekarno-Hatta, Sangatta", "label": "Kantor"}
    assert "lokasinya" in sent_to(fake_twilio)[0]["Body"]


@pytest.mark.parametrize("content_type, message_type, kind, answer", [
    ("image/webp", "sticker", "sticker", "stikernya"),
    ("audio/ogg", "audio", "audio", "pesan suara"),
    ("video/mp4", "video", "video", "video"),
])
def test_stickers_voice_notes_and_videos_are_answered_and_their_media_deleted(
        twilio_app, client, token, fake_twilio, content_type, message_type, kind, answer):
    message_sid = fake.sid("MM")
    path = fake.add_media(fake_twilio, b"\x00" * 64, content_type, message_sid)
    params = fake.inbound_params(CITIZEN, "", message_sid=message_sid, media=[(fake_twilio["url"] + path, content_type)],
                                 MessageType=message_type)
    post_signed(client, params, token)
    [row] = inbound_rows(twilio_app)
    assert (row.kind, row.text) == (kind, None)
    assert row.payload == {"media_url": fake_twilio["url"] + path, "media_type": content_type}
    assert answer in sent_to(fake_twilio)[0]["Body"]
    assert fake_twilio["deleted"] == [path.rsplit("/", 1)[1]]  # never downloaded, and not left at Twilio
    assert fake_twilio["media_gets"] == 0


def test_only_the_message_type_tells_a_sticker_from_a_webp_photo():
    from delivery.channels.twilio.webhook import media_kind

    assert media_kind("image/webp", "image") == "media"
    assert media_kind("image/jpeg", "") == "media"
    assert media_kind("application/pdf", "document") == "media"
    assert media_kind("text/vcard", "contacts") == "unsupported"


def test_an_empty_message_is_an_empty_text_and_gets_pesan_kosong(twilio_app, client, token, fake_twilio):
    post_signed(client, fake.inbound_params(CITIZEN, ""), token)
    [row] = inbound_rows(twilio_app)
    assert (row.kind, row.text) == ("text", "")
    assert "kosong" in sent_to(fake_twilio)[0]["Body"]


def test_several_photos_in_one_message_are_stored_one_per_item(twilio_app, client, token, fake_twilio, png):
    message_sid = fake.sid("MM")
    urls = [fake_twilio["url"] + fake.add_media(fake_twilio, png, "image/png", message_sid) for _ in range(3)]
    params = fake.inbound_params(CITIZEN, "KK dan KTP", message_sid=message_sid,
                                 media=[(u, "image/png") for u in urls])
    post_signed(client, params, token)
    rows = inbound_rows(twilio_app)
    assert [r.provider_id for r in rows] == [message_sid, f"{message_sid}-1", f"{message_sid}-2"]
    assert [r.text for r in rows] == ["KK dan KTP", None, None]
    assert [r.payload["media_url"] for r in rows] == urls
    # A replay of the same webhook stores none of them again.
    post_signed(client, params, token)
    assert len(inbound_rows(twilio_app)) == 3


# ---- numbers typed against a numbered list -----------------------------------------------------------------
def test_a_typed_number_picks_the_button_of_the_last_message(twilio_app, client, token, fake_twilio):
    post_signed(client, fake.inbound_params(CITIZEN, "halo"), token)
    menu = sent_to(fake_twilio)[-1]["Body"]
    assert "Balas dengan angka:\n1. Akta Kelahiran\n2. Akta Kematian" in menu
    post_signed(client, fake.inbound_params(CITIZEN, " 1. "), token)
    row = inbound_rows(twilio_app)[-1]
    assert (row.kind, row.text, row.payload) == ("button", "Akta Kelahiran",
                                                 {"typed": " 1. ", "button": "svc:akta_kelahiran"})
    assert "Akta Kelahiran" in sent_to(fake_twilio)[-2]["Body"]  # the flow started


def test_a_number_outside_the_list_stays_text(twilio_app, client, token):
    post_signed(client, fake.inbound_params(CITIZEN, "halo"), token)
    post_signed(client, fake.inbound_params(CITIZEN, "42"), token)
    row = inbound_rows(twilio_app)[-1]
    assert (row.kind, row.text, row.payload) == ("text", "42", {})


def test_a_number_after_a_question_without_buttons_stays_an_answer(twilio_app, client, token):
    from bot.core.inbound_store import get_contact
    from delivery.channels.numbered import button_for_number

    with twilio_app.app_context(), db.new_session() as s:
        contact = get_contact(s, "twilio", CITIZEN)
        s.flush()
        s.add(Message(contact_id=contact.id, channel="twilio", direction="out", provider_id="SM-a", kind="text",
                      text="Jenis kelahiran?", payload={"buttons": [{"id": "tunggal", "title": "Tunggal"},
                                                                    {"id": "kembar", "title": "Kembar 2"}]},
                      status="sent"))
        s.add(Message(contact_id=contact.id, channel="twilio", direction="out", provider_id="SM-b", kind="text",
                      text="Anak ke berapa?", payload={"text": "Anak ke berapa?"}, status="sent"))
        s.commit()
        assert button_for_number("twilio", CITIZEN, "2") is None


def test_escape_only_buttons_are_words_to_type_not_numbers(twilio_app):
    from bot.core.inbound_store import get_contact
    from delivery.channels.numbered import button_for_number, render

    buttons = [{"id": "skip:berat", "title": "Lewati"}]
    assert render("Berat bayi (gram)?", buttons) == "Berat bayi (gram)?\n\nAtau ketik *Lewati*."
    with twilio_app.app_context(), db.new_session() as s:
        contact = get_contact(s, "twilio", CITIZEN)
        s.flush()
        s.add(Message(contact_id=contact.id, channel="twilio", direction="out", provider_id="SM-c", kind="text",
                      payload={"text": "Berat bayi?", "buttons": buttons}, status="sent"))
        s.commit()
        assert button_for_number("twilio", CITIZEN, "1") is None


def test_a_message_the_citizen_never_got_offers_no_numbers(twilio_app):
    from bot.core.inbound_store import get_contact
    from delivery.channels.numbered import button_for_number

    with twilio_app.app_context(), db.new_session() as s:
        contact = get_contact(s, "twilio", CITIZEN)
        s.flush()
        s.add(Message(contact_id=contact.id, channel="twilio", direction="out", provider_id="SM-d", kind="text",
                      payload={"buttons": [{"id": "yes", "title": "Ya"}]}, status="sent"))
        s.add(Message(contact_id=contact.id, channel="twilio", direction="out", provider_id="SM-e", kind="text",
                      payload={"buttons": [{"id": "agree", "title": "Setuju"}]}, status="undelivered"))
        s.commit()
        assert button_for_number("twilio", CITIZEN, "1") == ("yes", "Ya")


# ---- status callbacks -------------------------------------------------------------------------------------
def _outbound(app, provider_id: str = "SM" + "a" * 32, status: str = "sent") -> int:
    """An outbound Twilio message row (with its outbox row) as the sender leaves it."""
    from bot.core.inbound_store import get_contact

    with app.app_context(), db.new_session() as s:
        contact = get_contact(s, "twilio", CITIZEN)
        s.flush()
        row = Outbox(contact_id=contact.id, kind="reply", payload={"text": "halo"}, status="sent")
        s.add(row)
        s.flush()
        message = Message(contact_id=contact.id, channel="twilio", direction="out", provider_id=provider_id,
                          kind="text", text="halo", payload={"text": "halo"}, status=status, outbox_id=row.id)
        s.add(message)
        s.commit()
        return message.id


def _status(client, token, status, sid="SM" + "a" * 32, **extra):
    """POST a signed status callback."""
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": fake.DEFAULT_SID, **extra}
    return post_signed(client, params, token, url=STATUS, path="/webhooks/twilio/status")


def _message(app, message_id: int) -> Message:
    """A message row as stored now."""
    with app.app_context():
        return db.session().get(Message, message_id)


def test_status_callbacks_move_the_message_forward_only(twilio_app, client, token):
    message_id = _outbound(twilio_app)
    assert _status(client, token, "delivered").status_code == 200
    assert _message(twilio_app, message_id).status == "delivered"
    _status(client, token, "read")
    _status(client, token, "delivered")  # late, out of order: ignored
    _status(client, token, "sent")
    assert _message(twilio_app, message_id).status == "read"


def test_a_permanent_failure_is_stored_and_audited_once(twilio_app, client, token):
    message_id = _outbound(twilio_app)
    for _ in range(2):  # the same (MessageSid, MessageStatus) twice
        assert _status(client, token, "undelivered", ErrorCode="63016").status_code == 200
    message = _message(twilio_app, message_id)
    assert (message.status, message.error) == ("failed", "twilio 63016: di luar jendela 24 jam dan tanpa template")
    with twilio_app.app_context():
        [entry] = db.session().execute(select(AuditLog).where(AuditLog.action == "send_failed")).scalars().all()
        assert (entry.target_type, entry.target_id) == ("outbox", str(message.outbox_id))
        assert entry.detail == {"channel": "twilio", "error": "twilio 63016: di luar jendela 24 jam dan tanpa template",
                                "permanent": True, "message_id": message_id}
        # Refused for the window: held, and sent again when the citizen writes next.
        assert db.session().get(Outbox, message.outbox_id).status == "held"


def test_a_failure_reported_by_callback_fails_the_outbox_row_for_officers(twilio_app, client, token):
    message_id = _outbound(twilio_app)
    assert _status(client, token, "failed", ErrorCode="63003").status_code == 200
    with twilio_app.app_context():
        message = db.session().get(Message, message_id)
        row = db.session().get(Outbox, message.outbox_id)
        assert (row.status, row.last_error) == ("failed", "twilio 63003: nomor tidak terdaftar di WhatsApp")


def test_an_unknown_message_sid_is_acknowledged_and_ignored(twilio_app, client, token):
    assert _status(client, token, "delivered", sid="SM" + "b" * 32).status_code == 200


def test_a_status_callback_must_be_signed_too(twilio_app, client, token):
    message_id = _outbound(twilio_app)
    params = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "failed", "ErrorCode": "30008"}
    response = client.post("/webhooks/twilio/status", data=params,
                           headers=fake.signed_webhook(STATUS, params, "forged"))
    assert response.status_code == 403
    assert _message(twilio_app, message_id).status == "sent"


def test_a_status_callback_without_a_status_is_a_400(twilio_app, client, token):
    assert _status(client, token, "").status_code == 400


def test_the_status_callback_waits_for_a_sid_the_sender_has_not_committed_yet(twilio_app, client, token,
                                                                              monkeypatch):
    from delivery import jobs

    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda func, *args, delay=0: queued.append((func, args, delay)))
    assert _status(client, token, "failed", sid="SM" + "c" * 32, ErrorCode="63003").status_code == 200
    [(name, (channel, status, attempt), delay)] = queued
    assert (name, channel, status["provider_id"], status["status"], attempt, delay) == \
        ("delivery.statuses.retry", "twilio", "SM" + "c" * 32, "failed", 1, 5)
    message_id = _outbound(twilio_app, provider_id="SM" + "c" * 32)
    with twilio_app.app_context():
        from delivery.statuses import retry
        retry(channel, status, attempt)
    assert _message(twilio_app, message_id).status == "failed"
