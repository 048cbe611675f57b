"""Retention: the files of a closed request are deleted after privacy.retention_days; the request,
the document's number and hash, and the audit trail stay."""
import io
from datetime import timedelta

from sqlalchemy import select

from bot.core import db, storage
from bot.core.links import link_for
from bot.core.models import AuditLog, Document, Request, Upload, utcnow
from delivery.retention import purge_due
from tests.conftest import Chat
from tests.test_request_lifecycle import PDF_FROM_SIAK, act, file_birth_request, officer_token


def _issue_attached(app, client, chat, png) -> str:
    verifier = officer_token(app, "vera", "verifier")
    ticket = file_birth_request(chat, png, email=None)
    act(client, ticket, verifier, action="assign")
    act(client, ticket, verifier, action="approve")
    response = client.post(f"/api/v1/requests/{ticket}/actions", headers=verifier, content_type="multipart/form-data",
                           data={"action": "issue", "document_number": "6408-LT-0001",
                                 "file": (io.BytesIO(PDF_FROM_SIAK), "akta.pdf", "application/pdf")})
    assert response.status_code == 200
    return ticket


def _files(app, ticket):
    with app.app_context(), db.new_session() as s:
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        rows = [*s.execute(select(Upload).where(Upload.request_id == req.id)).scalars(),
                *s.execute(select(Document).where(Document.request_id == req.id)).scalars()]
        return req.status, [(storage.path_of(r.storage_key).exists(), r.purged_at is not None) for r in rows]


def test_files_of_a_delivered_request_are_deleted_after_the_retention_period(sqlite_app, png):
    client = sqlite_app.test_client()

    ticket = _issue_attached(sqlite_app, client, Chat(client, "citizen-1"), png)
    status, files = _files(sqlite_app, ticket)
    assert status == "delivered" and len(files) == 6 and all(exists for exists, _ in files)

    with sqlite_app.app_context():
        assert purge_due(utcnow() + timedelta(days=89))["requests"] == 0  # not yet
        counts = purge_due(utcnow() + timedelta(days=91))
    assert counts == {"requests": 1, "uploads": 4, "documents": 2, "officer_files": 0}
    status, files = _files(sqlite_app, ticket)
    assert status == "delivered" and files and all(not exists and purged for exists, purged in files)

    # The links sent in the chat no longer serve the deleted PDFs.
    with sqlite_app.app_context(), db.new_session() as s:

        links = [link_for(d.id) for d in s.execute(select(Document)).scalars()]
    assert links and all(client.get(link).status_code == 404 for link in links)

    # What stays: the request and its document record, so a printed copy can still be checked.
    checked = client.post("/v", data={"file": (io.BytesIO(PDF_FROM_SIAK), "akta.pdf")},
                          headers={"Accept": "application/json"}, content_type="multipart/form-data")
    assert checked.get_json()["genuine"] is True and checked.get_json()["ticket"] == ticket
    with sqlite_app.app_context(), db.new_session() as s:
        assert s.execute(select(AuditLog).where(AuditLog.action == "request_files_purged")).scalar_one()


def test_an_open_request_keeps_its_files(sqlite_app, png):
    client = sqlite_app.test_client()

    ticket = file_birth_request(Chat(client, "citizen-1"), png, email=None)
    with sqlite_app.app_context():
        assert purge_due(utcnow() + timedelta(days=3650))["requests"] == 0
    _, files = _files(sqlite_app, ticket)
    assert all(exists for exists, _ in files)


def test_a_file_an_officer_sent_is_deleted_after_the_retention_period(sqlite_app):
    from delivery.officer_replies import store_officer_file
    from tests.inbox_drivers import small_pdf

    with sqlite_app.app_context():
        with db.new_session() as s:
            doc = store_officer_file(s, small_pdf("SPTJM"), "SPTJM.pdf", "application/pdf")
            s.commit()
            doc_id, key = doc.id, doc.storage_key
        assert storage.path_of(key).exists()
        assert purge_due(utcnow() + timedelta(days=89))["officer_files"] == 0  # not yet
        assert purge_due(utcnow() + timedelta(days=91))["officer_files"] == 1
        assert not storage.path_of(key).exists()
        with db.new_session() as s:
            assert s.get(Document, doc_id).purged_at is not None  # the record stays
            assert s.execute(select(AuditLog).where(AuditLog.action == "officer_file_purged")).scalar_one()
        assert purge_due(utcnow() + timedelta(days=200))["officer_files"] == 0  # once
