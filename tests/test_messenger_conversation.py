"""The birth-certificate conversation, end to end over signed Messenger webhooks.

It runs on SQLite with inline jobs and on PostgreSQL with a real RQ worker; in both, replies go
out as Send API messages with quick replies and the receipt PDF as a multipart file attachment.
"""
import re

from sqlalchemy import select

from bot.core import db
from bot.core.models import Contact, Document, Request, Upload
from delivery.channels.messenger.adapter import OUR_METADATA
from tests.channel_drivers import MetaChat
from tests.conftest import FATHER_NIK, answer_until_summary, conversation

TICKET = re.compile(r"[A-Z]{2,5}-[0-9]{4,}(-[0-9]+)*")
PSID = "24023456789012345"


def test_it_files_a_birth_request_over_messenger_and_sends_the_receipt_pdf(meta_app, fake_meta, png):
    chat = MetaChat(meta_app, fake_meta, "messenger", PSID)
    answer_until_summary(chat, png)
    assert conversation(meta_app, "messenger", PSID)["mode"] == "confirm" and "Putri Ayu Lestari" in chat.text
    assert FATHER_NIK not in chat.text
    assert chat.buttons == ["submit", "cmd:edit", "cmd:cancel"]
    assert chat.calls[-1]["body"]["messaging_type"] == "RESPONSE"

    replies = chat.press("submit")
    ticket = TICKET.search(replies[0]["text"]).group(0)
    last = chat.calls[-1]
    assert last["body"] == {"recipient": {"id": PSID}, "messaging_type": "RESPONSE",
                            "message": {"attachment": {"type": "file", "payload": {"is_reusable": False}},
                                        "metadata": OUR_METADATA}}
    assert last["file"]["filename"] == f"Tanda-terima-{ticket}.pdf"
    assert last["file"]["content_type"] == "application/pdf"

    with meta_app.app_context():
        s = db.session()
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        assert req.status == "submitted" and req.applicant_nik == FATHER_NIK
        contact = s.get(Contact, req.contact_id)
        assert contact.channel == "messenger" and contact.external_id == PSID
        uploads = s.execute(select(Upload).where(Upload.request_id == req.id)).scalars().all()
        assert {u.slot for u in uploads} == {"foto_surat_lahir", "foto_buku_nikah", "foto_kk", "foto_ktp_ayah"}
        doc = s.execute(select(Document).where(Document.request_id == req.id)).scalar_one()
        assert doc.sha256 == last["file"]["sha256"] and doc.size == last["file"]["size"]
    assert fake_meta.state["deleted"] == []  # Messenger has no delete API for attachments
