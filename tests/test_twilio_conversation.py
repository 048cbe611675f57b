"""The simulator's birth-certificate conversation, over WhatsApp through Twilio, end to end.

Runs on SQLite (inline jobs) and on PostgreSQL + Redis, where a real `rq worker` downloads the
photos from and sends every reply to the session's fake Twilio API (tests/conftest.py's pg_stack
gives the worker its URL).
"""
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.core import db
from bot.core.models import Message, Request, Upload
from delivery.channels.twilio import fake as fake
from tests.conftest import FATHER_NIK, answer_until_summary, conversation
from tests.twilio_drivers import CITIZEN, PUBLIC, TwilioChat, configure, media_path, sent_to

TICKET = re.compile(r"[A-Z]{2,5}-[0-9]{4,}(-[0-9]+)*")


@pytest.fixture
def shared_twilio(app):
    """The session's fake Twilio API (the worker knows its URL), emptied, with the app pointed at it."""
    server = fake.shared_server()
    server.reset()
    server.state["url"] = server.url
    configure(app, server.state)
    yield server.state
    server.reset()


def test_it_files_a_birth_request_over_twilio_and_sends_the_receipt_pdf(app, shared_twilio, png):
    client = app.test_client()
    chat = TwilioChat(app, client, shared_twilio)
    answer_until_summary(chat, png)
    assert conversation(app, "twilio", CITIZEN)["mode"] == "confirm" and "6408********0001" in chat.text
    assert FATHER_NIK not in sent_to(shared_twilio)[-1]["Body"]
    assert chat.buttons == ["submit", "cmd:edit", "cmd:cancel"]
    titles = [b["title"] for b in chat.replies[-1]["buttons"]]
    assert sent_to(shared_twilio)[-1]["Body"].endswith(
        "Balas dengan angka:\n" + "\n".join(f"{i}. {t}" for i, t in enumerate(titles, 1)))

    replies = chat.press("submit")  # the citizen types "1"
    ticket = TICKET.search(replies[0]["text"]).group(0)
    assert ticket.startswith("AKL-")
    receipt = sent_to(shared_twilio)[-1]
    assert receipt["Body"] == f"📄 Tanda-terima-{ticket}.pdf"
    assert receipt["StatusCallback"] == PUBLIC + "/webhooks/twilio/status"
    [url] = receipt["MediaUrl"]
    assert url.startswith(PUBLIC + "/files/")
    pdf = client.get(media_path(url))  # what Twilio fetches before it delivers the document
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert ticket in "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)

    # Every button was pressed by typing its number, as a WhatsApp citizen does.
    assert chat.typed[:4] == ["halo", "1", "1", "1"]
    with app.app_context():
        s = db.session()
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        assert req.contact.channel == "twilio" and req.contact.external_id == CITIZEN
        slots = {u.slot for u in s.execute(select(Upload).where(Upload.request_id == req.id)).scalars()}
        assert slots == {"foto_surat_lahir", "foto_buku_nikah", "foto_kk", "foto_ktp_ayah"}
        presses = s.execute(select(Message.payload["button"].as_string()).where(
            Message.direction == "in", Message.kind == "button").order_by(Message.id)).scalars().all()
        assert presses[:3] == ["svc:akta_kelahiran", "ayah", "agree"] and presses[-1] == "submit"
        assert s.execute(select(Message).where(Message.direction == "in", Message.status != "processed")).all() == []
    # Each photo was downloaded once, then deleted at Twilio.
    assert shared_twilio["media_gets"] == 4 and len(shared_twilio["deleted"]) == 4
    assert shared_twilio["media"] == {}
