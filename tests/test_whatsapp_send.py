"""Sending through the WhatsApp Cloud API: exact bodies, documents, templates, retries, media."""
import logging
import time

import httpx
import pytest
import respx
from sqlalchemy import select

from bot.core import db
from bot.core.models import AuditLog, Message, Outbox
from delivery.channels.numbered import render
from delivery.channels.whatsapp import adapter as whatsapp_channel
from delivery.channels.base import TransportError
from delivery.channels.graph import fake
from delivery.channels.graph.fake import DEFAULT_WHATSAPP_TOKEN, fail
from delivery.channels.graph.client import GraphClient
from delivery.sender import send_pending
from tests.channel_drivers import (
    MetaChat,
    contact_with_outbox,
    conversation_step,
    deliver_to,
    outbox,
    post_signed,
    retry_when_due,
    sent_after_second_part_failed,
    sent_bodies,
    stored_document,
    wait_until_handled,
    walk_to_first_photo,
)
from tests.conftest import png_bytes

WA_ID = "6281234567890"
HEAD = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": WA_ID}


def deliver(app, payloads: list[dict], **kw) -> int:
    """Owe these payloads to the test contact and run the sender once; returns the contact id."""
    return deliver_to(app, "whatsapp", WA_ID, payloads, **kw)


# ---- exact bodies -------------------------------------------------------------------------------
def test_it_sends_a_text(meta_sqlite_app, fake_meta):
    deliver(meta_sqlite_app, [{"text": "Permohonan Bapak/Ibu sudah kami terima."}])
    assert sent_bodies(fake_meta, "whatsapp") == [
        {**HEAD, "type": "text", "text": {"body": "Permohonan Bapak/Ibu sudah kami terima."}}]
    with meta_sqlite_app.app_context():
        message = db.session().execute(select(Message)).scalar_one()
    assert message.provider_id == fake_meta.state["calls"][0]["id"] and message.status == "sent"


def test_it_sends_up_to_three_choices_as_reply_buttons_with_short_titles(meta_sqlite_app, fake_meta):
    buttons = [{"id": "submit", "title": "Kirim permohonan"}, {"id": "cmd:edit", "title": "Ubah jawaban"},
               {"id": "cmd:cancel", "title": "Batalkan permohonan ini sekarang"}]
    deliver(meta_sqlite_app, [{"text": "Mohon periksa kembali.", "buttons": buttons}])
    assert sent_bodies(fake_meta, "whatsapp") == [{**HEAD, "type": "interactive", "interactive": {
        "type": "button", "body": {"text": "Mohon periksa kembali."},
        "action": {"buttons": [
            {"type": "reply", "reply": {"id": "submit", "title": "Kirim permohonan"}},
            {"type": "reply", "reply": {"id": "cmd:edit", "title": "Ubah jawaban"}},
            {"type": "reply", "reply": {"id": "cmd:cancel", "title": "Batalkan permohonan…"}}]}}}]


def test_it_sends_four_to_ten_choices_as_a_list_keeping_long_titles_in_the_description(meta_sqlite_app, fake_meta):
    buttons = [{"id": "svc:akta_kelahiran", "title": "Akta Kelahiran"},
               {"id": "svc:kartu_keluarga", "title": "Perubahan / Perbaikan Kartu Keluarga"},
               {"id": "svc:kia", "title": "Kartu Identitas Anak (KIA)"},
               {"id": "status", "title": "Cek status"}]
    deliver(meta_sqlite_app, [{"text": "Silakan pilih layanan:", "buttons": buttons}])
    assert sent_bodies(fake_meta, "whatsapp") == [{**HEAD, "type": "interactive", "interactive": {
        "type": "list", "body": {"text": "Silakan pilih layanan:"},
        "action": {"button": "Pilih", "sections": [{"title": "Pilihan", "rows": [
            {"id": "svc:akta_kelahiran", "title": "Akta Kelahiran"},
            {"id": "svc:kartu_keluarga", "title": "Perubahan / Perbaikan…",
             "description": "Perubahan / Perbaikan Kartu Keluarga"},
            {"id": "svc:kia", "title": "Kartu Identitas Anak…", "description": "Kartu Identitas Anak (KIA)"},
            {"id": "status", "title": "Cek status"}]}]}}}]


def test_it_falls_back_to_a_numbered_text_beyond_ten_choices(meta_sqlite_app, fake_meta):
    buttons = [{"id": f"kec:{i}", "title": f"Kecamatan {i}"} for i in range(1, 19)]
    deliver(meta_sqlite_app, [{"text": "Di kecamatan mana?", "buttons": buttons}])
    [body] = sent_bodies(fake_meta, "whatsapp")
    assert body == {**HEAD, "type": "text", "text": {"body": render("Di kecamatan mana?", buttons)}}
    assert "18. Kecamatan 18" in body["text"]["body"]


def test_it_splits_long_texts_and_keeps_the_interactive_body_within_1024(meta_sqlite_app, fake_meta):
    paragraphs = "\n\n".join(f"Paragraf {i}: " + "syarat dokumen " * 20 for i in range(30))
    deliver(meta_sqlite_app, [{"text": paragraphs}])
    texts = [b["text"]["body"] for b in sent_bodies(fake_meta, "whatsapp")]
    assert len(texts) == 3 and all(len(t) <= 4096 for t in texts)
    assert texts[1].startswith("Paragraf ") and " ".join(texts).split() == paragraphs.split()

    fake_meta.reset()
    question = paragraphs[:1500]
    deliver(meta_sqlite_app, [{"text": question, "buttons": [{"id": "yes", "title": "Ya"}]}])
    lead, last = sent_bodies(fake_meta, "whatsapp")
    assert lead["type"] == "text" and last["type"] == "interactive"
    assert len(last["interactive"]["body"]["text"]) <= 1024
    assert (lead["text"]["body"] + " " + last["interactive"]["body"]["text"]).split() == question.split()


def test_it_uploads_a_document_then_sends_it_by_media_id(meta_sqlite_app, fake_meta):
    contact_id = contact_with_outbox(meta_sqlite_app, "whatsapp", WA_ID, [])
    request_id, document_id = stored_document(meta_sqlite_app, contact_id)
    doc = {"kind": "akta", "request_id": request_id, "document_id": document_id,
           "filename": "Akta-AKL-20261129-0001.pdf", "content_type": "application/pdf"}
    deliver(meta_sqlite_app, [{"text": "Akta kelahiran sudah terbit.", "document": doc}])
    upload, message = [c for c in fake_meta.state["calls"] if c["channel"] == "whatsapp"]
    assert (upload["kind"], upload["filename"], upload["content_type"]) == (
        "upload", "Akta-AKL-20261129-0001.pdf", "application/pdf")
    assert message["body"] == {**HEAD, "type": "document", "document": {
        "id": upload["media_id"], "filename": "Akta-AKL-20261129-0001.pdf", "caption": "Akta kelahiran sudah terbit."}}
    assert fake_meta.state["media"][upload["media_id"]]["data"].startswith(b"%PDF-")


def test_it_shows_typing_and_marks_the_message_read(meta_sqlite_app, fake_meta):
    contact_id = contact_with_outbox(meta_sqlite_app, "whatsapp", WA_ID, [])
    with meta_sqlite_app.app_context():
        from bot.core.models import Contact
        whatsapp_channel.WhatsAppAdapter().typing(db.session().get(Contact, contact_id), "wamid.IN1")
    assert sent_bodies(fake_meta, "whatsapp", kind="read") == [
        {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN1",
         "typing_indicator": {"type": "text"}}]


# ---- failures and retries -------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["429", "500", {"delay": 1.0}], ids=["429", "500", "timeout"])
def test_a_transient_failure_keeps_the_row_pending_for_a_retry(meta_sqlite_app, fake_meta, mode):
    meta_sqlite_app.config["GRAPH_TIMEOUT_SECONDS"] = 0.3
    fail(fake_meta.state, mode)
    contact_id = deliver(meta_sqlite_app, [{"text": "satu"}, {"text": "dua"}])
    first, second = outbox(meta_sqlite_app)
    assert (first.status, first.attempts, second.status) == ("pending", 1, "pending")
    assert first.next_attempt_at is not None and sent_bodies(fake_meta, "whatsapp") == []
    with meta_sqlite_app.app_context():
        db.session().get(Outbox, first.id).next_attempt_at = None  # the backoff has passed
        db.session().commit()
        assert send_pending(contact_id) == 2
    assert [b["text"]["body"] for b in sent_bodies(fake_meta, "whatsapp")] == ["satu", "dua"]


def test_a_retry_after_a_failed_part_sends_only_the_parts_not_yet_sent(meta_sqlite_app, fake_meta):
    # Two messages: the Cloud API takes 4,096 characters each.
    sent = sent_after_second_part_failed(meta_sqlite_app, fake_meta, "whatsapp", WA_ID, "a" * 4000 + "\n\n" + "b" * 1500)
    assert [(part[0], len(part)) for part in sent] == [("a", 4000), ("b", 1500)]  # the first part once


def test_a_failed_upload_after_the_text_sends_only_the_document_on_retry(meta_sqlite_app, fake_meta):
    fail(fake_meta.state, "500", on="upload")
    contact_id = contact_with_outbox(meta_sqlite_app, "whatsapp", WA_ID, [])
    request_id, document_id = stored_document(meta_sqlite_app, contact_id)
    long_text = "Berikut tanda terima Bapak/Ibu. " + "Mohon disimpan. " * 80  # too long for a caption
    deliver(meta_sqlite_app, [{"text": long_text, "document": {
        "kind": "receipt", "request_id": request_id, "document_id": document_id, "filename": "a.pdf",
        "content_type": "application/pdf"}}])
    assert retry_when_due(meta_sqlite_app, contact_id) == 1
    bodies = sent_bodies(fake_meta, "whatsapp")
    assert [b["type"] for b in bodies] == ["text", "document"]
    assert bodies[0]["text"]["body"] == long_text.strip()  # once, not again with the document


def test_a_reengagement_refusal_holds_the_row_for_the_next_message(meta_sqlite_app, fake_meta):
    fail(fake_meta.state, "whatsapp_reengagement")
    deliver(meta_sqlite_app, [{"text": "satu"}])
    [row] = outbox(meta_sqlite_app)
    assert row.status == "held" and "code 131047" in row.last_error


def test_a_reply_held_outside_the_window_goes_out_first_when_the_citizen_writes_again(meta_app, fake_meta):
    # The conversation job releases it in the turn's own transaction (due now), before its reply.
    from datetime import timedelta

    from bot.core.models import utcnow

    contact_id = contact_with_outbox(meta_app, "whatsapp", WA_ID, [], last_inbound_hours=30)
    with meta_app.app_context(), db.new_session() as s:
        s.add(Outbox(contact_id=contact_id, kind="reply", payload={"text": "Dokumen Bapak/Ibu sudah siap."},
                     status="held", next_attempt_at=utcnow() + timedelta(days=1)))
        s.commit()
    message = fake.whatsapp_message(WA_ID, "text", {"body": "halo"}, wamid="wamid.HELD1")
    body = fake.whatsapp_envelope([message], [fake.whatsapp_contact(WA_ID, "Budi")])
    assert post_signed(meta_app.test_client(), "whatsapp", body).status_code == 200
    wait_until_handled(meta_app, "whatsapp", "wamid.HELD1")
    deadline = time.monotonic() + 30
    while outbox(meta_app)[0].status != "sent":
        assert time.monotonic() < deadline, "the held reply was not sent"
        time.sleep(0.05)
    sent = sent_bodies(fake_meta, "whatsapp")
    assert sent[0]["text"]["body"] == "Dokumen Bapak/Ibu sudah siap." and len(sent) > 1  # then the reply


@pytest.mark.parametrize("mode, code", [("whatsapp_undeliverable", "131026")])
def test_a_permanent_error_fails_the_row_and_is_audited(meta_sqlite_app, fake_meta, mode, code):
    fail(fake_meta.state, mode)
    deliver(meta_sqlite_app, [{"text": "satu"}])
    [row] = outbox(meta_sqlite_app)
    assert row.status == "failed" and f"code {code}" in row.last_error
    with meta_sqlite_app.app_context():
        entry = db.session().execute(select(AuditLog).where(AuditLog.action == "send_failed")).scalar_one()
    assert entry.detail["permanent"] is True


def test_a_failed_upload_sends_nothing_and_is_retried(meta_sqlite_app, fake_meta):
    fail(fake_meta.state, "500", on="upload")
    contact_id = contact_with_outbox(meta_sqlite_app, "whatsapp", WA_ID, [])
    request_id, document_id = stored_document(meta_sqlite_app, contact_id)
    deliver(meta_sqlite_app, [{"document": {"kind": "akta", "request_id": request_id, "document_id": document_id,
                                            "filename": "a.pdf", "content_type": "application/pdf"}}])
    [row] = outbox(meta_sqlite_app)
    assert row.status == "pending" and row.attempts == 1 and sent_bodies(fake_meta, "whatsapp") == []


def test_an_invalid_token_is_retried_not_dropped(meta_sqlite_app, fake_meta):
    meta_sqlite_app.config["WHATSAPP_TOKEN"] = "expired-token"
    deliver(meta_sqlite_app, [{"text": "satu"}])
    [row] = outbox(meta_sqlite_app)
    assert row.status == "pending" and "code 190" in row.last_error


# ---- the 24-hour window -----------------------------------------------------------------------------
def test_outside_the_window_without_a_template_the_message_is_held(meta_sqlite_app, fake_meta):
    deliver(meta_sqlite_app, [{"text": "Dokumen sudah siap."}], last_inbound_hours=30)
    [row] = outbox(meta_sqlite_app)
    assert row.status == "held" and fake_meta.state["calls"] == []


def test_outside_the_window_a_configured_template_is_sent_with_its_parameters(meta_sqlite_app, fake_meta):
    meta_sqlite_app.config["OFFICE"]["templates"] = {"document_ready": {"whatsapp": {
        "name": "dokumen_siap", "language": "id", "params": ["{name}", "{ticket}"]}}}
    contact_id = contact_with_outbox(meta_sqlite_app, "whatsapp", WA_ID, [])
    request_id, _ = stored_document(meta_sqlite_app, contact_id, ticket="AKL-20261129-0007")
    deliver(meta_sqlite_app, [{"text": "Akta sudah terbit.", "template_kind": "document_ready",
                               "request_id": request_id}], last_inbound_hours=30)
    assert sent_bodies(fake_meta, "whatsapp") == [{**HEAD, "type": "template", "template": {
        "name": "dokumen_siap", "language": {"code": "id"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Budi"},
                                                       {"type": "text", "text": "AKL-20261129-0007"}]}]}}]
    assert outbox(meta_sqlite_app)[0].status == "sent"


def test_a_document_template_carries_the_pdf_in_its_header(meta_sqlite_app, fake_meta):
    meta_sqlite_app.config["OFFICE"]["templates"] = {"document_ready": {"whatsapp": {
        "name": "dokumen_terbit", "language": "id", "header": "document", "params": ["{ticket}"]}}}
    contact_id = contact_with_outbox(meta_sqlite_app, "whatsapp", WA_ID, [])
    request_id, document_id = stored_document(meta_sqlite_app, contact_id, ticket="AKL-20261129-0008")
    deliver(meta_sqlite_app, [{"document": {"kind": "akta", "request_id": request_id, "document_id": document_id,
                                            "filename": "Akta-AKL-20261129-0008.pdf",
                                            "content_type": "application/pdf"}}], last_inbound_hours=48)
    upload = next(c for c in fake_meta.state["calls"] if c["kind"] == "upload")
    assert sent_bodies(fake_meta, "whatsapp") == [{**HEAD, "type": "template", "template": {
        "name": "dokumen_terbit", "language": {"code": "id"}, "components": [
            {"type": "header", "parameters": [{"type": "document", "document": {
                "id": upload["media_id"], "filename": "Akta-AKL-20261129-0008.pdf"}}]},
            {"type": "body", "parameters": [{"type": "text", "text": "AKL-20261129-0008"}]}]}}]


# ---- inbound media --------------------------------------------------------------------------------
def test_a_photo_that_cannot_be_downloaded_is_asked_for_again_and_the_step_is_kept(meta_sqlite_app, fake_meta):
    chat = MetaChat(meta_sqlite_app, fake_meta, "whatsapp", WA_ID)
    walk_to_first_photo(chat)
    step = conversation_step(meta_sqlite_app, "whatsapp", WA_ID)
    chat.send_file(png_bytes(), "surat-lahir.png", "image/png", download_status=500)
    assert "gagal kami unduh" in chat.text
    assert conversation_step(meta_sqlite_app, "whatsapp", WA_ID) == step
    chat.send_file(png_bytes(), "surat-lahir.png", "image/png")
    assert "gagal" not in chat.text and conversation_step(meta_sqlite_app, "whatsapp", WA_ID) != step


def test_it_downloads_in_two_steps_with_the_token_and_deletes_the_copy(meta_sqlite_app, fake_meta):
    from delivery.channels.graph.fake import add_media

    media_id = add_media(fake_meta.state, png_bytes(), "image/png")
    with meta_sqlite_app.app_context():
        data, filename, content_type = whatsapp_channel.fetch_media({"media_id": media_id, "mime_type": "image/png"})
        whatsapp_channel.delete_media({"media_id": media_id})
    assert (data, filename, content_type) == (png_bytes(), None, "image/png")
    assert fake_meta.state["media_auth_seen"] == [True] and fake_meta.state["deleted"] == [media_id]


def test_a_download_whose_bytes_do_not_match_the_sha256_is_refused(meta_sqlite_app, fake_meta):
    from delivery.channels.graph.fake import add_media

    media_id = add_media(fake_meta.state, png_bytes(), "image/png")
    fake_meta.state["media"][media_id]["sha256"] = "0" * 64
    with meta_sqlite_app.app_context(), pytest.raises(TransportError, match="sha256"):
        whatsapp_channel.fetch_media({"media_id": media_id})


@respx.mock(assert_all_called=False)
def test_a_media_url_on_a_foreign_host_is_refused_before_any_request(respx_mock, meta_sqlite_app):
    meta_sqlite_app.config["GRAPH_API_BASE"] = "https://graph.facebook.com"
    respx_mock.get("https://graph.facebook.com/v25.0/4490709327384033").respond(json={
        "messaging_product": "whatsapp", "url": "https://169.254.169.254/latest/meta-data/",
        "mime_type": "image/jpeg", "sha256": "x", "file_size": 10, "id": "4490709327384033"})
    metadata = respx_mock.get(url__startswith="https://169.254.169.254/")
    with meta_sqlite_app.app_context(), pytest.raises(TransportError, match="host not allowed") as err:
        whatsapp_channel.fetch_media({"media_id": "4490709327384033"})
    assert err.value.permanent and not metadata.called


@respx.mock(assert_all_called=False)
def test_the_token_is_not_carried_to_a_redirect_on_another_host(respx_mock):
    graph = GraphClient("https://graph.facebook.com", "v25.0", DEFAULT_WHATSAPP_TOKEN, channel="whatsapp")
    respx_mock.get("https://lookaside.fbsbx.com/whatsapp_business/attachments/").respond(
        302, headers={"Location": "https://scontent.xx.fbcdn.net/v/photo.jpg"})
    cdn = respx_mock.get("https://scontent.xx.fbcdn.net/v/photo.jpg").respond(content=b"jpeg", headers={
        "Content-Type": "image/jpeg"})
    data, content_type = graph.download("https://lookaside.fbsbx.com/whatsapp_business/attachments/",
                                        allowed_hosts=("lookaside.fbsbx.com", ".fbcdn.net"), bearer=True)
    assert (data, content_type) == (b"jpeg", "image/jpeg")
    assert "authorization" not in cdn.calls.last.request.headers


@respx.mock(assert_all_called=False)
def test_a_download_over_the_limit_is_stopped(respx_mock):
    graph = GraphClient("https://graph.facebook.com", "v25.0", "t", channel="whatsapp")
    respx_mock.get("https://lookaside.fbsbx.com/big").respond(content=b"x" * 5000)
    with pytest.raises(TransportError, match="too large"):
        graph.download("https://lookaside.fbsbx.com/big", allowed_hosts=("lookaside.fbsbx.com",), bearer=True,
                       max_bytes=1000)


@respx.mock(assert_all_called=False)
def test_connect_errors_are_transient(respx_mock):
    graph = GraphClient("https://graph.facebook.com", "v25.0", "t", channel="whatsapp")
    respx_mock.post("https://graph.facebook.com/v25.0/1/messages").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransportError) as err:
        graph.post_json("1/messages", {}, what="send")
    assert err.value.permanent is False


# ---- logs ------------------------------------------------------------------------------------------
def test_provider_calls_are_logged_without_token_text_or_full_recipient(meta_sqlite_app, fake_meta, caplog):
    caplog.set_level(logging.INFO, logger="delivery.channels.graph.client")
    deliver(meta_sqlite_app, [{"text": "NIK Bapak 6408011708900001 sudah kami catat."}])
    lines = [r.getMessage() for r in caplog.records if r.name == "delivery.channels.graph.client"]
    assert lines and "…7890" in lines[0] and "-> 200" in lines[0]
    joined = "\n".join(lines)
    assert WA_ID not in joined and DEFAULT_WHATSAPP_TOKEN not in joined and "6408011708900001" not in joined
