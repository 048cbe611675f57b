"""Sending through the Messenger Send API: exact bodies, the PDF upload, HUMAN_AGENT, retries, media."""
import logging

import pytest
import respx
from sqlalchemy import select

from bot.core import db
from bot.core.models import AuditLog, Contact, Outbox
from delivery.channels.numbered import render
from delivery.channels.messenger import adapter as messenger_channel
from delivery.channels.base import TransportError
from delivery.channels.graph.fake import DEFAULT_PAGE_TOKEN, add_media, fail
from delivery.sender import send_pending
from tests.channel_drivers import (
    MetaChat,
    contact_with_outbox,
    conversation_step,
    deliver_to,
    outbox,
    post_signed,
    sent_after_second_part_failed,
    sent_bodies,
    stored_document,
    walk_to_first_photo,
)
from tests.conftest import png_bytes

PSID = "24023456789012345"
RESPONSE = {"recipient": {"id": PSID}, "messaging_type": "RESPONSE"}
OURS = messenger_channel.OUR_METADATA  # every message we send says it is ours (its echo says so too)


def deliver(app, payloads: list[dict], **kw) -> int:
    """Owe these payloads to the test contact and run the sender once; returns the contact id."""
    return deliver_to(app, "messenger", PSID, payloads, **kw)


# ---- exact bodies ----------------------------------------------------------------------------------
def test_it_sends_a_text(meta_sqlite_app, fake_meta):
    deliver(meta_sqlite_app, [{"text": "Permohonan Bapak/Ibu sudah kami terima."}])
    assert sent_bodies(fake_meta, "messenger") == [
        {**RESPONSE, "message": {"text": "Permohonan Bapak/Ibu sudah kami terima.", "metadata": OURS}}]


def test_it_sends_choices_as_quick_replies_with_short_titles(meta_sqlite_app, fake_meta):
    buttons = [{"id": "svc:akta_kelahiran", "title": "Akta Kelahiran"},
               {"id": "svc:kartu_keluarga", "title": "Perubahan / Perbaikan Kartu Keluarga"},
               {"id": "status", "title": "Cek status"}]
    deliver(meta_sqlite_app, [{"text": "Silakan pilih layanan:", "buttons": buttons}])
    assert sent_bodies(fake_meta, "messenger") == [{**RESPONSE, "message": {
        "text": "Silakan pilih layanan:", "quick_replies": [
            {"content_type": "text", "title": "Akta Kelahiran", "payload": "svc:akta_kelahiran"},
            {"content_type": "text", "title": "Perubahan…", "payload": "svc:kartu_keluarga"},
            {"content_type": "text", "title": "Cek status", "payload": "status"}], "metadata": OURS}}]


def test_thirteen_choices_fit_quick_replies_and_fourteen_become_a_numbered_text(meta_sqlite_app, fake_meta):
    thirteen = [{"id": f"kec:{i}", "title": f"Kecamatan {i}"} for i in range(1, 14)]
    deliver(meta_sqlite_app, [{"text": "Di kecamatan mana?", "buttons": thirteen},
                              {"text": "Di kecamatan mana?", "buttons": thirteen + [{"id": "kec:14", "title": "Lain"}]}])
    first, second = sent_bodies(fake_meta, "messenger")
    assert len(first["message"]["quick_replies"]) == 13
    assert second == {**RESPONSE, "message": {"text": render("Di kecamatan mana?",
                                                             thirteen + [{"id": "kec:14", "title": "Lain"}]),
                                              "metadata": OURS}}


def test_a_bare_number_answers_a_numbered_choice(meta_sqlite_app, fake_meta, monkeypatch):
    queued = []
    monkeypatch.setattr("delivery.ingest.jobs.enqueue", lambda *a, **k: queued.append(a))
    many = [{"id": f"kec:{i}", "title": f"Kecamatan {i}"} for i in range(1, 15)]
    deliver(meta_sqlite_app, [{"text": "Di kecamatan mana?", "buttons": many}])
    from delivery.channels.graph.fake import messenger_envelope, messenger_event

    post_signed(meta_sqlite_app.test_client(), "messenger",
                messenger_envelope([messenger_event(PSID, message={"mid": "m_n", "text": "14"})]))
    with meta_sqlite_app.app_context():
        from bot.core.models import Message
        row = db.session().execute(select(Message).where(Message.provider_id == "m_n")).scalar_one()
    assert (row.kind, row.text, row.payload) == ("button", "Kecamatan 14", {"button": "kec:14", "typed": "14"})


def test_long_texts_are_split_at_2000_with_quick_replies_on_the_last_part(meta_sqlite_app, fake_meta):
    text = "\n".join(f"{i}. Syarat: fotokopi KK, KTP-el, dan surat pengantar RT/RW." for i in range(80))
    deliver(meta_sqlite_app, [{"text": text, "buttons": [{"id": "yes", "title": "Ya"}]}])
    bodies = sent_bodies(fake_meta, "messenger")
    assert len(bodies) > 1 and all(len(b["message"]["text"]) <= 2000 for b in bodies)
    assert [("quick_replies" in b["message"]) for b in bodies] == [False] * (len(bodies) - 1) + [True]
    assert " ".join(b["message"]["text"] for b in bodies).split() == text.split()


def test_it_sends_a_pdf_as_a_multipart_file_attachment(meta_sqlite_app, fake_meta):
    contact_id = contact_with_outbox(meta_sqlite_app, "messenger", PSID, [])
    request_id, document_id = stored_document(meta_sqlite_app, contact_id)
    doc = {"kind": "akta", "request_id": request_id, "document_id": document_id,
           "filename": "Akta-AKL-20261129-0001.pdf", "content_type": "application/pdf"}
    deliver(meta_sqlite_app, [{"text": "Akta kelahiran sudah terbit.", "document": doc}])
    text_call, file_call = [c for c in fake_meta.state["calls"] if c["channel"] == "messenger"]
    assert text_call["body"] == {**RESPONSE, "message": {"text": "Akta kelahiran sudah terbit.", "metadata": OURS}}
    assert file_call["body"] == {**RESPONSE, "message": {"attachment": {"type": "file",
                                                                        "payload": {"is_reusable": False}},
                                                         "metadata": OURS}}
    assert (file_call["file"]["filename"], file_call["file"]["content_type"]) == (
        "Akta-AKL-20261129-0001.pdf", "application/pdf")


def test_it_shows_typing(meta_sqlite_app, fake_meta):
    contact_id = contact_with_outbox(meta_sqlite_app, "messenger", PSID, [])
    with meta_sqlite_app.app_context():
        messenger_channel.MessengerAdapter().typing(db.session().get(Contact, contact_id))
    assert sent_bodies(fake_meta, "messenger", kind="action") == [
        {"recipient": {"id": PSID}, "sender_action": "typing_on"}]


# ---- the window and HUMAN_AGENT ------------------------------------------------------------------------
def test_an_officer_reply_within_seven_days_goes_out_with_the_human_agent_tag(meta_sqlite_app, fake_meta):
    deliver(meta_sqlite_app, [{"text": "Selamat siang, saya Rina dari Disdukcapil.", "officer": True}],
            last_inbound_hours=3 * 24)
    assert sent_bodies(fake_meta, "messenger") == [{
        "recipient": {"id": PSID}, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT",
        "message": {"text": "Selamat siang, saya Rina dari Disdukcapil.", "metadata": OURS}}]


def test_an_officer_pdf_within_seven_days_is_tagged_too(meta_sqlite_app, fake_meta):
    contact_id = contact_with_outbox(meta_sqlite_app, "messenger", PSID, [])
    request_id, document_id = stored_document(meta_sqlite_app, contact_id)
    deliver(meta_sqlite_app, [{"officer": True, "document": {
        "kind": "akta", "request_id": request_id, "document_id": document_id, "filename": "Akta.pdf",
        "content_type": "application/pdf"}}], last_inbound_hours=50)
    [call] = [c for c in fake_meta.state["calls"] if c["channel"] == "messenger"]
    assert (call["body"]["messaging_type"], call["body"]["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


@pytest.mark.parametrize("payload, hours", [({"text": "Dokumen siap."}, 30),
                                            ({"text": "Halo dari petugas.", "officer": True}, 8 * 24)])
def test_outside_what_policy_allows_the_message_is_held(meta_sqlite_app, fake_meta, payload, hours):
    deliver(meta_sqlite_app, [payload], last_inbound_hours=hours)
    assert outbox(meta_sqlite_app)[0].status == "held" and fake_meta.state["calls"] == []


# ---- failures and retries --------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["429", "500", {"delay": 1.0}], ids=["429", "500", "timeout"])
def test_a_transient_failure_keeps_the_row_pending_for_a_retry(meta_sqlite_app, fake_meta, mode):
    meta_sqlite_app.config["GRAPH_TIMEOUT_SECONDS"] = 0.3
    fail(fake_meta.state, mode)
    contact_id = deliver(meta_sqlite_app, [{"text": "satu"}])
    [row] = outbox(meta_sqlite_app)
    assert (row.status, row.attempts) == ("pending", 1) and row.next_attempt_at is not None
    with meta_sqlite_app.app_context():
        db.session().get(Outbox, row.id).next_attempt_at = None
        db.session().commit()
        assert send_pending(contact_id) == 1


def test_a_retry_after_a_failed_part_sends_only_the_parts_not_yet_sent(meta_sqlite_app, fake_meta):
    # Two messages: Messenger takes 2,000 characters each.
    sent = sent_after_second_part_failed(meta_sqlite_app, fake_meta, "messenger", PSID, "a" * 1900 + "\n\n" + "b" * 900)
    assert [(part[0], len(part)) for part in sent] == [("a", 1900), ("b", 900)]  # the first part once


def test_a_user_who_is_not_available_fails_permanently_and_is_audited(meta_sqlite_app, fake_meta):
    fail(fake_meta.state, "messenger_unavailable")
    deliver(meta_sqlite_app, [{"text": "satu"}, {"text": "dua"}])
    first, second = outbox(meta_sqlite_app)
    assert first.status == "failed" and "code 551/1545041" in first.last_error
    assert second.status == "pending"  # order is kept: the next run tries it
    with meta_sqlite_app.app_context():
        entry = db.session().execute(select(AuditLog).where(AuditLog.action == "send_failed")).scalar_one()
    assert entry.detail["permanent"] is True


@pytest.mark.parametrize("error, status", [
    # Outside the window: kept, and sent when the citizen writes again.
    ({"status": 400, "code": 10, "subcode": 2018278, "message": "outside of allowed window"}, "held"),
    ({"status": 400, "code": 100, "subcode": 2018001, "message": "No matching user found"}, "failed"),
    ({"status": 403, "code": 200, "message": "Requires pages_messaging permission"}, "failed"),
    ({"status": 400, "code": 613, "message": "Calls to this api have exceeded the rate limit."}, "pending"),
    ({"status": 500, "code": 1200, "message": "Temporary send message failure"}, "pending"),
])
def test_send_api_errors_are_classified(meta_sqlite_app, fake_meta, error, status):
    fail(fake_meta.state, error)
    deliver(meta_sqlite_app, [{"text": "satu"}])
    assert outbox(meta_sqlite_app)[0].status == status


# ---- inbound attachments ----------------------------------------------------------------------------
def test_an_attachment_is_downloaded_without_a_token(meta_sqlite_app, fake_meta):
    media_id = add_media(fake_meta.state, png_bytes(), "image/png")
    with meta_sqlite_app.app_context():
        data, _, content_type = messenger_channel.fetch_media(
            {"url": f"{fake_meta.url}/_fake/cdn/{media_id}", "type": "image"})
    assert (data, content_type) == (png_bytes(), "image/png")


def test_a_photo_that_cannot_be_downloaded_is_asked_for_again_and_the_step_is_kept(meta_sqlite_app, fake_meta):
    chat = MetaChat(meta_sqlite_app, fake_meta, "messenger", PSID)
    walk_to_first_photo(chat)
    step = conversation_step(meta_sqlite_app, "messenger", PSID)
    chat.send_file(png_bytes(), "surat-lahir.png", "image/png", download_status=404)
    assert "gagal kami unduh" in chat.text
    assert conversation_step(meta_sqlite_app, "messenger", PSID) == step
    chat.send_file(png_bytes(), "surat-lahir.png", "image/png")
    assert conversation_step(meta_sqlite_app, "messenger", PSID) != step


@pytest.mark.parametrize("url", ["https://evil.example.com/foto.jpg", "http://scontent.xx.fbcdn.net/foto.jpg",
                                 "https://fbcdn.net.evil.example/foto.jpg", "file:///etc/passwd",
                                 "https://127.0.0.1:6379/"])
@respx.mock(assert_all_called=False)
def test_an_attachment_url_off_metas_cdn_is_refused_before_any_request(respx_mock, meta_sqlite_app, url):
    meta_sqlite_app.config["GRAPH_API_BASE"] = "https://graph.facebook.com"
    anything = respx_mock.route()
    with meta_sqlite_app.app_context(), pytest.raises(TransportError, match="host not allowed") as err:
        messenger_channel.fetch_media({"url": url, "type": "image"})
    assert err.value.permanent and not anything.called


def test_provider_calls_are_logged_without_token_text_or_full_psid(meta_sqlite_app, fake_meta, caplog):
    caplog.set_level(logging.INFO, logger="delivery.channels.graph.client")
    deliver(meta_sqlite_app, [{"text": "Nama ibu: Siti Aminah"}])
    joined = "\n".join(r.getMessage() for r in caplog.records if r.name == "delivery.channels.graph.client")
    assert "…2345" in joined and PSID not in joined and DEFAULT_PAGE_TOKEN not in joined and "Siti" not in joined
