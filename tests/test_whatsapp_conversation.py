"""The birth-certificate conversation, end to end over signed WhatsApp Cloud webhooks.

It runs on SQLite with inline jobs and on PostgreSQL with a real RQ worker; in both, replies and
the receipt PDF reach the fake Graph API the WhatsApp way: media upload, then a document message.
"""
import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from bot.core import db
from bot.core.models import Contact, Document, Message, Request, Upload
from tests.channel_drivers import MetaChat
from tests.conftest import FATHER_NIK, answer_until_summary, conversation

TICKET = re.compile(r"[A-Z]{2,5}-[0-9]{4,}(-[0-9]+)*")
WA_ID = "6281234567890"


def test_it_files_a_birth_request_over_whatsapp_and_sends_the_receipt_pdf(meta_app, fake_meta, png):
    chat = MetaChat(meta_app, fake_meta, "whatsapp", WA_ID)
    answer_until_summary(chat, png)
    assert conversation(meta_app, "whatsapp", WA_ID)["mode"] == "confirm" and "Putri Ayu Lestari" in chat.text
    assert FATHER_NIK not in chat.text
    assert chat.buttons == ["submit", "cmd:edit", "cmd:cancel"]
    assert chat.calls[-1]["body"]["type"] == "interactive"  # three choices: real reply buttons

    replies = chat.press("submit")
    ticket = TICKET.search(replies[0]["text"]).group(0)
    assert ticket.startswith("AKL-")
    upload = [c for c in fake_meta.state["calls"] if c["kind"] == "upload"][-1]
    assert upload["filename"] == f"Tanda-terima-{ticket}.pdf" and upload["content_type"] == "application/pdf"
    assert chat.calls[-1]["body"] == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": WA_ID, "type": "document",
        "document": {"id": upload["media_id"], "filename": f"Tanda-terima-{ticket}.pdf"}}
    # The upload came before the message that names it.
    assert upload["n"] < chat.calls[-1]["n"]

    pdf = fake_meta.state["media"][upload["media_id"]]["data"]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert ticket in text and "Akta Kelahiran" in text and "WhatsApp" in text

    with meta_app.app_context():
        s = db.session()
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        assert req.status == "submitted" and req.applicant_nik == FATHER_NIK
        contact = s.get(Contact, req.contact_id)
        assert contact.channel == "whatsapp" and contact.external_id == WA_ID and contact.display_name == "Budi Santoso"
        uploads = s.execute(select(Upload).where(Upload.request_id == req.id)).scalars().all()
        assert {u.slot for u in uploads} == {"foto_surat_lahir", "foto_buku_nikah", "foto_kk", "foto_ktp_ayah"}
        # Each photo is stored re-encoded, without metadata (tests/test_upload_hardening.py): opaque
        # PNGs become fresh JPEGs of the same picture.
        assert all(u.content_type == "image/jpeg" and u.purged_at is None for u in uploads)
        doc = s.execute(select(Document).where(Document.request_id == req.id)).scalar_one()
        assert doc.sha256 == upload["sha256"]
        sent = s.execute(select(Message).where(Message.direction == "out", Message.kind == "document")).scalar_one()
        assert sent.provider_id == chat.calls[-1]["id"] and sent.status == "sent"
    # Each of the four photos was downloaded with the token, then deleted at Meta.
    assert len(fake_meta.state["deleted"]) == 4 and all(fake_meta.state["media_auth_seen"])
