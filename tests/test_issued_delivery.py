"""The issued document goes out each channel's own way, and the request is `delivered` only when
the provider took it; a provider that refuses leaves it `issued`, shown with the failures."""
import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.models import Outbox, Request
from delivery.channels.graph.fake import fail
from tests.channel_drivers import contact_with_outbox, stored_document
from tests.inbox_drivers import add_officer, sign_in
from tests.twilio_drivers import CITIZEN

WA_ID, PSID = "6281234567890", "7000000000000001"


def issue_to(app, channel: str, external_id: str) -> tuple[int, int]:
    """An approved request of this contact issued with a stored PDF, its document owed; ids."""
    contact_id = contact_with_outbox(app, channel, external_id, [])
    request_id, document_id = stored_document(app, contact_id)
    with app.app_context(), db.new_session() as s:
        req = s.get(Request, request_id)
        req.status, req.document_number = "issued", "6408-LT-0001"
        s.add(Outbox(contact_id=contact_id, kind="document", status="pending", payload={"document": {
            "kind": "issued", "request_id": request_id, "document_id": document_id,
            "filename": "Akta-AKL-0001.pdf", "content_type": "application/pdf"}}))
        s.commit()
    return contact_id, request_id


def send(app, contact_id: int) -> None:
    from delivery.sender import send_pending
    with app.app_context():
        send_pending(contact_id)


def status(app, request_id: int) -> str:
    with app.app_context(), db.new_session() as s:
        return s.get(Request, request_id).status


@pytest.mark.parametrize("channel,external_id", [("whatsapp", WA_ID), ("messenger", PSID)])
def test_meta_channels_deliver_the_document_and_mark_the_request(meta_sqlite_app, fake_meta, channel, external_id):
    contact_id, request_id = issue_to(meta_sqlite_app, channel, external_id)
    send(meta_sqlite_app, contact_id)
    kinds = [c.get("kind") for c in fake_meta.state["calls"] if c["channel"] == channel]
    assert kinds and status(meta_sqlite_app, request_id) == "delivered"


def test_twilio_delivers_the_document_as_a_media_link(twilio_app, fake_twilio):
    contact_id, request_id = issue_to(twilio_app, "twilio", CITIZEN)
    send(twilio_app, contact_id)
    assert status(twilio_app, request_id) == "delivered"
    [sent] = fake_twilio["messages"]
    assert sent["MediaUrl"] and "/files/" in sent["MediaUrl"][0]


def test_a_refused_document_stays_issued_and_is_shown_to_officers(meta_sqlite_app, fake_meta):
    fail(fake_meta.state, "whatsapp_undeliverable", on="upload")
    fail(fake_meta.state, "whatsapp_undeliverable")
    contact_id, request_id = issue_to(meta_sqlite_app, "whatsapp", WA_ID)
    send(meta_sqlite_app, contact_id)
    assert status(meta_sqlite_app, request_id) == "issued"
    with meta_sqlite_app.app_context(), db.new_session() as s:
        row = s.execute(select(Outbox).where(Outbox.kind == "document")).scalar_one()
        assert row.status == "failed"
    add_officer(meta_sqlite_app)
    client = meta_sqlite_app.test_client()
    sign_in(client)
    assert "Dokumen terbit (AKL-20261129-0001)" in client.get("/inbox/failures").get_data(as_text=True)
