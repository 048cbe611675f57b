"""The WhatsApp Cloud API webhook: handshake, signatures, batches, every message type, statuses."""
import json

import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.models import AuditLog, Contact, Message, Outbox
from delivery.channels.graph.fake import (
    DEFAULT_APP_SECRET,
    DEFAULT_VERIFY_TOKEN,
    meta_json,
    signature,
    whatsapp_contact,
    whatsapp_envelope,
    whatsapp_message,
)
from delivery.sender import send_pending
from tests.channel_drivers import contact_with_outbox, post_signed, sent_bodies

WA_ID = "6281234567890"

# A text message exactly as Meta documents it (docs/providers.md §2.1), with the BSUID-era fields absent.
TEXT_WEBHOOK = {
    "object": "whatsapp_business_account",
    "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6285250001234", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Siti Aminah"}, "wa_id": WA_ID}],
        "messages": [{"from": WA_ID, "id": "wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABIYFDNBQUY=", "timestamp": "1764400000",
                      "type": "text", "text": {"body": "halo, mau urus akta lahir anak"}}]}}]}],
}


def stored(app, **where) -> list[Message]:
    """Inbound WhatsApp messages, oldest first."""
    with app.app_context():
        query = select(Message).where(Message.channel == "whatsapp", Message.direction == "in")
        for key, value in where.items():
            query = query.where(getattr(Message, key) == value)
        return db.session().execute(query.order_by(Message.id)).scalars().all()


# ---- handshake --------------------------------------------------------------------------------
def test_it_answers_the_verify_handshake_with_the_challenge(meta_sqlite_app):
    response = meta_sqlite_app.test_client().get("/webhooks/whatsapp", query_string={
        "hub.mode": "subscribe", "hub.verify_token": DEFAULT_VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "1158201444"


@pytest.mark.parametrize("args", [
    {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": DEFAULT_VERIFY_TOKEN, "hub.challenge": "1"},
    {"hub.verify_token": DEFAULT_VERIFY_TOKEN, "hub.challenge": "1"},
    {},
])
def test_it_refuses_a_handshake_with_a_bad_token_or_mode(meta_sqlite_app, args):
    response = meta_sqlite_app.test_client().get("/webhooks/whatsapp", query_string=args)
    assert response.status_code == 403 and "1" not in response.get_data(as_text=True)


def test_it_refuses_every_handshake_when_no_verify_token_is_configured(meta_sqlite_app):
    meta_sqlite_app.config["META_VERIFY_TOKEN"] = None
    response = meta_sqlite_app.test_client().get("/webhooks/whatsapp", query_string={
        "hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})
    assert response.status_code == 403


# ---- signatures -------------------------------------------------------------------------------
def test_it_stores_a_correctly_signed_text_message(meta_sqlite_app, held_jobs):
    response = post_signed(meta_sqlite_app.test_client(), "whatsapp", TEXT_WEBHOOK)
    assert response.status_code == 200
    [message] = stored(meta_sqlite_app)
    assert (message.kind, message.text, message.provider_id) == (
        "text", "halo, mau urus akta lahir anak", "wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABIYFDNBQUY=")
    with meta_sqlite_app.app_context():
        contact = db.session().get(Contact, message.contact_id)
        assert (contact.external_id, contact.display_name, contact.phone) == (WA_ID, "Siti Aminah", None)
    assert len(held_jobs) == 1


@pytest.mark.parametrize("header", [None, "sha256=" + "0" * 64, "sha1=abc", "sha256=",
                                    signature(meta_json(TEXT_WEBHOOK), "another-app-secret")])
def test_it_refuses_a_forged_or_missing_signature_and_logs_no_body(meta_sqlite_app, held_jobs, caplog, header):
    raw = meta_json(TEXT_WEBHOOK)
    headers = {"X-Hub-Signature-256": header} if header else {}
    response = meta_sqlite_app.test_client().post("/webhooks/whatsapp", data=raw, content_type="application/json",
                                                  headers=headers)
    assert response.status_code == 403
    assert stored(meta_sqlite_app) == [] and held_jobs == []
    assert "signature" in caplog.text and "akta lahir" not in caplog.text and WA_ID not in caplog.text


def test_it_checks_the_signature_over_the_raw_bytes_not_re_encoded_json(meta_sqlite_app, held_jobs):
    # Meta escapes non-ASCII (and "/"): a signature over json.dumps of the parsed body would differ.
    body = json.loads(json.dumps(TEXT_WEBHOOK))
    body["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = "Sangatta/Kutai Timur 🙂 é"
    raw = meta_json(body)
    assert b"\\ud83d" in raw and b"\\/" in raw
    re_encoded = json.dumps(body, ensure_ascii=False).encode()
    client = meta_sqlite_app.test_client()
    forged = client.post("/webhooks/whatsapp", data=raw, content_type="application/json",
                         headers={"X-Hub-Signature-256": signature(re_encoded, DEFAULT_APP_SECRET)})
    assert forged.status_code == 403
    assert post_signed(client, "whatsapp", raw).status_code == 200
    assert stored(meta_sqlite_app)[0].text == "Sangatta/Kutai Timur 🙂 é"


def test_a_replayed_signed_body_is_acknowledged_and_stored_once(meta_sqlite_app, held_jobs):
    client = meta_sqlite_app.test_client()
    assert post_signed(client, "whatsapp", TEXT_WEBHOOK).status_code == 200
    assert post_signed(client, "whatsapp", TEXT_WEBHOOK).status_code == 200
    assert len(stored(meta_sqlite_app)) == 1 and len(held_jobs) == 1


# ---- malformed --------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", [
    b"{not json", b"[]", b'"text"', b"\xff\xfe",
    meta_json({"object": "page", "entry": []}),
    meta_json({"object": "whatsapp_business_account"}),
    meta_json({"object": "whatsapp_business_account", "entry": {"id": "1"}}),
    meta_json({"object": "whatsapp_business_account", "entry": [{"changes": "x"}]}),
    b'{"object": "whatsapp_business_account", "entry": ' + b"[" * 50000 + b"]" * 50000 + b"}",
])
def test_it_answers_400_to_a_signed_body_that_is_not_a_whatsapp_webhook(meta_sqlite_app, held_jobs, raw):
    response = post_signed(meta_sqlite_app.test_client(), "whatsapp", raw)
    assert response.status_code == 400
    assert stored(meta_sqlite_app) == []


@pytest.mark.parametrize("raw", [
    meta_json(whatsapp_envelope([{"from": WA_ID, "type": "text", "text": {"body": "no id"}}])),
    meta_json(whatsapp_envelope([{"id": "wamid.1", "type": "text", "text": {"body": "no sender"}}])),
    meta_json(whatsapp_envelope([{"id": "w" * 201, "from": WA_ID, "type": "text", "text": {"body": "long id"}}])),
    meta_json(whatsapp_envelope(statuses=[{"status": "read"}])),
    meta_json(whatsapp_envelope(statuses="read")),
])
def test_an_event_without_a_sender_or_an_id_is_acknowledged_and_recorded_not_stored(meta_sqlite_app, held_jobs, raw):
    assert post_signed(meta_sqlite_app.test_client(), "whatsapp", raw).status_code == 200
    assert stored(meta_sqlite_app) == []
    with meta_sqlite_app.app_context():
        assert db.session().execute(select(AuditLog).where(AuditLog.action == "webhook_event_rejected")).first()


@pytest.mark.parametrize("bad", [
    whatsapp_message(WA_ID, "interactive", {"type": "button_reply"}),
    whatsapp_message(WA_ID, "image", {"mime_type": "image/jpeg"}),
])
def test_a_message_it_cannot_read_is_kept_so_the_citizen_hears_back(meta_sqlite_app, held_jobs, bad):
    assert post_signed(meta_sqlite_app.test_client(), "whatsapp", whatsapp_envelope([bad])).status_code == 200
    [row] = stored(meta_sqlite_app)
    assert (row.provider_id, row.kind) == (bad["id"], "unsupported")  # the engine says what it can read


def test_a_reply_whose_title_is_not_text_still_counts_as_its_button(meta_sqlite_app, held_jobs):
    odd = whatsapp_message(WA_ID, "interactive", {"type": "button_reply", "button_reply": {"id": "yes", "title": {"a": 1}}})
    assert post_signed(meta_sqlite_app.test_client(), "whatsapp", whatsapp_envelope([odd])).status_code == 200
    [row] = stored(meta_sqlite_app)
    assert (row.kind, row.text, row.payload) == ("button", None, {"button": "yes"})


def test_one_bad_message_is_set_aside_and_its_neighbours_are_stored(meta_sqlite_app, held_jobs):
    good = whatsapp_message(WA_ID, "text", {"body": "halo"})
    later = whatsapp_message(WA_ID, "text", {"body": "masih ada"}, wamid="wamid.after")
    body = whatsapp_envelope([good, {"from": WA_ID, "type": "text"}, later], [whatsapp_contact(WA_ID)])
    assert post_signed(meta_sqlite_app.test_client(), "whatsapp", body).status_code == 200
    assert [m.text for m in stored(meta_sqlite_app)] == ["halo", "masih ada"]


# ---- batches and types ----------------------------------------------------------------------------
def test_it_stores_every_message_of_every_entry_and_change_in_a_batch(meta_sqlite_app, held_jobs):
    a, b, c = "6281100000001", "6281100000002", "6281100000003"
    first = whatsapp_envelope([whatsapp_message(a, "text", {"body": "satu"}, wamid="wamid.A1"),
                               whatsapp_message(b, "text", {"body": "dua"}, wamid="wamid.B1")],
                              [whatsapp_contact(a, "Ani"), whatsapp_contact(b, "Budi")])
    second = whatsapp_envelope([whatsapp_message(c, "text", {"body": "tiga"}, wamid="wamid.C1")],
                               [whatsapp_contact(c, "Citra")])
    third = whatsapp_envelope([whatsapp_message(a, "text", {"body": "empat"}, wamid="wamid.A2")],
                              [whatsapp_contact(a, "Ani")])
    template_update = {"field": "message_template_status_update",
                       "value": {"event": "APPROVED", "message_template_name": "dokumen_siap"}}
    body = {"object": "whatsapp_business_account", "entry": [
        {"id": "1", "changes": first["entry"][0]["changes"] + [template_update] + second["entry"][0]["changes"]},
        third["entry"][0]]}
    assert post_signed(meta_sqlite_app.test_client(), "whatsapp", body).status_code == 200
    rows = stored(meta_sqlite_app)
    assert [(m.provider_id, m.text) for m in rows] == [
        ("wamid.A1", "satu"), ("wamid.B1", "dua"), ("wamid.C1", "tiga"), ("wamid.A2", "empat")]
    with meta_sqlite_app.app_context():
        names = {c.external_id: c.display_name for c in db.session().execute(select(Contact)).scalars()}
    assert names == {a: "Ani", b: "Budi", c: "Citra"}
    # One conversation job per citizen: Ani's waiting job reads both her messages.
    assert sorted(args[1] for args in held_jobs) == [1, 2, 3]


INBOUND_TYPES = [
    ("interactive", {"type": "button_reply", "button_reply": {"id": "agree", "title": "Setuju"}},
     "button", "Setuju", {"button": "agree"}),
    ("interactive", {"type": "list_reply", "list_reply": {"id": "svc:kia", "title": "Kartu Identitas Anak…",
                                                          "description": "Kartu Identitas Anak (KIA)"}},
     "button", "Kartu Identitas Anak…", {"button": "svc:kia"}),
    ("button", {"payload": "kirim_dokumen", "text": "Kirim dokumen"}, "button", "Kirim dokumen",
     {"button": "kirim_dokumen"}),
    ("image", {"caption": "KK kami", "mime_type": "image/jpeg", "sha256": "dGVzdA==", "id": "1479537139650973"},
     "media", None, {"media_id": "1479537139650973", "mime_type": "image/jpeg", "sha256": "dGVzdA==",
                     "caption": "KK kami"}),
    ("document", {"filename": "surat-lahir.pdf", "mime_type": "application/pdf", "sha256": "abc", "id": "555"},
     "media", None, {"media_id": "555", "mime_type": "application/pdf", "sha256": "abc",
                     "filename": "surat-lahir.pdf"}),
    ("sticker", {"mime_type": "image/webp", "sha256": "x", "id": "777", "animated": False}, "sticker", None, {}),
    ("audio", {"mime_type": "audio/ogg; codecs=opus", "sha256": "x", "id": "888", "voice": True}, "audio", None, {}),
    ("video", {"mime_type": "video/mp4", "sha256": "x", "id": "999"}, "video", None, {}),
    ("location", {"latitude": 0.5071, "longitude": 117.5411, "name": "Sangatta"}, "location", None, {}),
    ("contacts", [{"name": {"formatted_name": "Ani"}}], "unsupported", None, {}),
    ("order", {"catalog_id": "1", "product_items": []}, "unsupported", None, {}),
    ("unsupported", {}, "unsupported", None, {}),
    ("interactive", {"type": "nfm_reply", "nfm_reply": {"response_json": "{}"}}, "unsupported", None, {}),
]


@pytest.mark.parametrize("kind, content, expected_kind, expected_text, expected_payload", INBOUND_TYPES,
                         ids=[f"{t[0]}-{t[2]}-{i}" for i, t in enumerate(INBOUND_TYPES)])
def test_it_normalises_each_inbound_type(meta_sqlite_app, held_jobs, kind, content, expected_kind,
                                         expected_text, expected_payload):
    message = whatsapp_message(WA_ID, kind, content, wamid="wamid.T1")
    if kind == "unsupported":
        message["errors"] = [{"code": 131051, "title": "Message type unknown"}]
    body = whatsapp_envelope([message], [whatsapp_contact(WA_ID)])
    assert post_signed(meta_sqlite_app.test_client(), "whatsapp", body).status_code == 200
    [row] = stored(meta_sqlite_app)
    assert (row.kind, row.text, row.payload) == (expected_kind, expected_text, expected_payload)


@pytest.mark.parametrize("kind, content", [
    ("reaction", {"message_id": "wamid.OURS", "emoji": "👍"}),
    ("system", {"body": "User changed number", "type": "user_changed_number", "wa_id": "6289"}),
])
def test_it_acknowledges_reactions_and_system_notices_without_a_dialogue_turn(meta_sqlite_app, held_jobs,
                                                                              kind, content):
    body = whatsapp_envelope([whatsapp_message(WA_ID, kind, content)], [whatsapp_contact(WA_ID)])
    assert post_signed(meta_sqlite_app.test_client(), "whatsapp", body).status_code == 200
    assert stored(meta_sqlite_app) == [] and held_jobs == []


def test_it_ignores_messages_to_another_business_number(meta_sqlite_app, held_jobs):
    body = whatsapp_envelope([whatsapp_message(WA_ID, "text", {"body": "halo"})], [whatsapp_contact(WA_ID)],
                             phone_number_id="999999999")
    assert post_signed(meta_sqlite_app.test_client(), "whatsapp", body).status_code == 200
    assert stored(meta_sqlite_app) == []


# ---- identity (BSUID) --------------------------------------------------------------------------
def test_it_keys_the_contact_on_the_bsuid_and_keeps_the_phone_for_replies(meta_sqlite_app, fake_meta):
    body = whatsapp_envelope([whatsapp_message(WA_ID, "text", {"body": "halo"})],
                             [whatsapp_contact(WA_ID, "Siti", user_id="ID.13491208655302741918")])
    assert post_signed(meta_sqlite_app.test_client(), "whatsapp", body).status_code == 200
    with meta_sqlite_app.app_context():
        contact = db.session().execute(select(Contact)).scalar_one()
    assert (contact.external_id, contact.phone) == ("ID.13491208655302741918", WA_ID)
    assert {b.get("to") for b in sent_bodies(fake_meta, "whatsapp")} == {WA_ID}  # Meta prefers the phone


def test_a_contact_known_by_phone_keeps_its_conversation_when_the_bsuid_appears(meta_sqlite_app, held_jobs):
    client = meta_sqlite_app.test_client()
    post_signed(client, "whatsapp", TEXT_WEBHOOK)
    body = whatsapp_envelope([whatsapp_message(WA_ID, "text", {"body": "lagi"})],
                             [whatsapp_contact(WA_ID, "Siti", user_id="ID.777")])
    assert post_signed(client, "whatsapp", body).status_code == 200
    with meta_sqlite_app.app_context():
        [contact] = db.session().execute(select(Contact)).scalars().all()
    assert (contact.external_id, contact.phone) == ("ID.777", WA_ID)
    assert {m.contact_id for m in stored(meta_sqlite_app)} == {contact.id}


def test_a_bsuid_only_user_is_answered_through_recipient(meta_sqlite_app, fake_meta):
    # A user with a username: no wa_id in contacts, no `from`; only the BSUID (docs/providers.md §2.1).
    message = {"from_user_id": "ID.55501", "id": "wamid.U1", "timestamp": "1764400000", "type": "text",
               "text": {"body": "halo"}}
    body = whatsapp_envelope([message], [{"profile": {"name": "Rina", "username": "@rina"}, "user_id": "ID.55501"}])
    assert post_signed(meta_sqlite_app.test_client(), "whatsapp", body).status_code == 200
    sent = sent_bodies(fake_meta, "whatsapp")
    assert sent and all(b["recipient"] == "ID.55501" and "to" not in b for b in sent)


# ---- numbered answers --------------------------------------------------------------------------
def test_a_bare_number_picks_a_button_only_when_the_choices_went_out_numbered(meta_sqlite_app, fake_meta, held_jobs):
    many = [{"id": f"opt:{i}", "title": f"Pilihan {i}"} for i in range(1, 12)]
    contact_id = contact_with_outbox(meta_sqlite_app, "whatsapp", WA_ID, [{"text": "Pilih salah satu:", "buttons": many}])
    with meta_sqlite_app.app_context():
        send_pending(contact_id)
    assert sent_bodies(fake_meta, "whatsapp")[-1]["type"] == "text"  # eleven choices: a numbered text
    client = meta_sqlite_app.test_client()
    post_signed(client, "whatsapp", whatsapp_envelope([whatsapp_message(WA_ID, "text", {"body": "2"})],
                                                      [whatsapp_contact(WA_ID)]))
    assert (stored(meta_sqlite_app)[-1].kind, stored(meta_sqlite_app)[-1].payload) == ("button", {"button": "opt:2", "typed": "2"})

    few = [{"id": "yes", "title": "Ya"}, {"id": "no", "title": "Tidak"}]
    contact_with_outbox(meta_sqlite_app, "whatsapp", WA_ID, [{"text": "Anak ke berapa?", "buttons": few}])
    with meta_sqlite_app.app_context():
        send_pending(contact_id)
    post_signed(client, "whatsapp", whatsapp_envelope([whatsapp_message(WA_ID, "text", {"body": "2"})],
                                                      [whatsapp_contact(WA_ID)]))
    last = stored(meta_sqlite_app)[-1]
    assert (last.kind, last.text) == ("text", "2")  # real buttons were shown: "2" is an answer


# ---- statuses ---------------------------------------------------------------------------------------
def _sent_message(app, fake_meta) -> tuple[int, str]:
    """Send one text through the fake; returns (outbox id, wamid)."""
    contact_id = contact_with_outbox(app, "whatsapp", WA_ID, [{"text": "Berkas sudah kami terima."}])
    with app.app_context():
        send_pending(contact_id)
        message = db.session().execute(select(Message).where(Message.direction == "out")).scalar_one()
        return message.outbox_id, message.provider_id


def _status(wamid: str, status: str, **extra) -> dict:
    """A statuses[] item as Meta sends it."""
    return {"id": wamid, "status": status, "timestamp": "1764400100", "recipient_id": WA_ID,
            "pricing": {"billable": True, "pricing_model": "PMP", "category": "service"}, **extra}


def _outbound_status(app) -> str:
    """The status of the one outbound message."""
    with app.app_context():
        return db.session().execute(select(Message.status).where(Message.direction == "out")).scalar_one()


def test_statuses_move_forward_and_a_late_or_replayed_one_changes_nothing(meta_sqlite_app, fake_meta):
    _, wamid = _sent_message(meta_sqlite_app, fake_meta)
    client = meta_sqlite_app.test_client()
    for status, expected in [("delivered", "delivered"), ("read", "read"), ("delivered", "read"),
                             ("read", "read"), ("sent", "read")]:
        assert post_signed(client, "whatsapp", whatsapp_envelope(statuses=[_status(wamid, status)])).status_code == 200
        assert _outbound_status(meta_sqlite_app) == expected


def test_read_without_delivered_is_recorded(meta_sqlite_app, fake_meta):
    _, wamid = _sent_message(meta_sqlite_app, fake_meta)
    post_signed(meta_sqlite_app.test_client(), "whatsapp", whatsapp_envelope(statuses=[_status(wamid, "read")]))
    assert _outbound_status(meta_sqlite_app) == "read"


def test_a_failed_status_with_a_permanent_error_is_recorded_and_audited_once(meta_sqlite_app, fake_meta):
    outbox_id, wamid = _sent_message(meta_sqlite_app, fake_meta)
    failed = _status(wamid, "failed", errors=[{"code": 131026, "title": "Message undeliverable",
                                               "error_data": {"details": "Message Undeliverable."}}])
    client = meta_sqlite_app.test_client()
    for _ in range(2):  # Meta redelivers: the second copy changes nothing
        assert post_signed(client, "whatsapp", whatsapp_envelope(statuses=[failed])).status_code == 200
    with meta_sqlite_app.app_context():
        s = db.session()
        message = s.execute(select(Message).where(Message.direction == "out")).scalar_one()
        assert (message.status, message.error) == ("failed", "131026: Message undeliverable")
        assert s.get(Outbox, outbox_id).status == "failed"
        [entry] = s.execute(select(AuditLog).where(AuditLog.action == "send_failed")).scalars().all()
        assert entry.detail == {"channel": "whatsapp", "error": "131026: Message undeliverable", "permanent": True,
                                "message_id": message.id}


def test_a_reengagement_failure_holds_the_reply_until_the_citizen_writes_again(meta_sqlite_app, fake_meta):
    outbox_id, wamid = _sent_message(meta_sqlite_app, fake_meta)
    failed = _status(wamid, "failed", errors=[{"code": 131047, "title": "Re-engagement message"}])
    assert post_signed(meta_sqlite_app.test_client(), "whatsapp",
                       whatsapp_envelope(statuses=[failed])).status_code == 200
    with meta_sqlite_app.app_context():
        assert db.session().get(Outbox, outbox_id).status == "held"


def test_a_status_for_an_unknown_message_is_acknowledged(meta_sqlite_app):
    body = whatsapp_envelope(statuses=[_status("wamid.NOT_OURS", "delivered")])
    assert post_signed(meta_sqlite_app.test_client(), "whatsapp", body).status_code == 200


def test_an_inbound_message_and_statuses_in_one_body_are_both_handled(meta_sqlite_app, fake_meta, held_jobs):
    _, wamid = _sent_message(meta_sqlite_app, fake_meta)
    body = whatsapp_envelope([whatsapp_message(WA_ID, "text", {"body": "terima kasih"})], [whatsapp_contact(WA_ID)],
                             statuses=[_status(wamid, "read")])
    assert post_signed(meta_sqlite_app.test_client(), "whatsapp", body).status_code == 200
    assert _outbound_status(meta_sqlite_app) == "read"
    assert [m.text for m in stored(meta_sqlite_app)] == ["terima kasih"]

