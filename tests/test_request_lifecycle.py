"""A birth request from the chat to the document in the citizen's hands, driven as the office's
scripts drive it (the officer API and CLI), on SQLite with inline jobs and on PostgreSQL + Redis
with an RQ worker; email goes to a real SMTP server on localhost."""
import hashlib
import io
import re
import shutil
import subprocess
import time

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.core import db, storage
from bot.core.models import AuditLog, Document, Request
from tests.conftest import answer_until_birth_letter, require

TICKET = re.compile(r"[A-Z]{2,5}-[0-9]{4,}(-[0-9]+)*")
CITIZEN_EMAIL = "budi.santoso@example.com"
CHILD_NIK = "6408014501260001"   # Kutai Timur, a girl born 05-01-2026


def file_birth_request(chat, png, *, email: str | None = CITIZEN_EMAIL) -> str:
    """A whole birth request, the mother's KTP-el answered "belum ada"; returns the ticket."""
    answer_until_birth_letter(chat)
    chat.press("yes")
    chat.send_file(png, "surat-lahir.png", "image/png")
    chat.press("yes")
    chat.send_file(png, "buku-nikah.png", "image/png")
    chat.send_file(png, "kk.png", "image/png")
    chat.send_file(png, "ktp-ayah.png", "image/png")
    chat.say("belum ada")
    chat.say(email or "lewati")
    replies = chat.press("submit")
    return TICKET.search(replies[0]["text"]).group(0)


def officer_token(app, username: str, role: str) -> dict:
    """Create an officer with `flask officer create` and return its API headers."""
    runner = app.test_cli_runner()
    made = runner.invoke(args=["officer", "create", username, "--role", role, "--password", "rahasia-sekali-1"])
    assert made.exit_code == 0, made.output
    token = runner.invoke(args=["officer", "token", username])
    assert token.exit_code == 0, token.output
    return {"Authorization": f"Bearer {token.output.strip()}"}


def act(client, ticket, headers, expect=200, **body):
    """POST one action; returns the request as the API shows it."""
    response = client.post(f"/api/v1/requests/{ticket}/actions", json=body, headers=headers)
    assert response.status_code == expect, response.get_data(as_text=True)
    return response.get_json()


def wait_for(check, seconds: float = 30.0):
    """Poll until check() is truthy (jobs run in a worker on PostgreSQL); returns its value."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def transcript(client, user="citizen-1") -> list[dict]:
    return client.get(f"/try/api/messages?user={user}").get_json()["messages"]


def issued_sent(client, user="citizen-1") -> list[dict]:
    """The issued documents sent in the chat (not the receipt), oldest first."""
    return [m for m in transcript(client, user) if m.get("document")
            and m["document"]["filename"].startswith("akta-kelahiran-")]


def said(client, fragment: str, user="citizen-1") -> bool:
    """Whether the assistant has said something containing `fragment` to the citizen."""
    return any(m["direction"] == "out" and fragment in (m.get("text") or "") for m in transcript(client, user))


def status_of(client, ticket, headers) -> str:
    return client.get(f"/api/v1/requests/{ticket}", headers=headers).get_json()["status"]


def stored_document(app, ticket) -> Document:
    with app.app_context(), db.new_session() as s:
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        doc = s.execute(select(Document).where(Document.request_id == req.id, Document.kind == "issued",
                                               Document.status == "current")).scalar_one()
        s.expunge(doc)
        return doc


def smtp_for(app, request):
    """The SMTP server this app's email goes to (the run's own on PostgreSQL, a fresh one on SQLite)."""
    if app.config.get("REDIS_URL"):
        return request.getfixturevalue("pg_stack")["smtp"]
    server = request.getfixturevalue("smtp_receiver")
    app.config["SMTP_URL"] = server.url
    return server


def test_a_birth_request_goes_from_the_chat_to_the_signed_document_by_chat_and_email(app, client, chat, png,
                                                                                        request):
    smtp = smtp_for(app, request)
    verifier = officer_token(app, "vera", "verifier")
    ticket = file_birth_request(chat, png)
    assert "KTP-el ibu" in chat.text  # the ticket reply says what is still missing

    listed = client.get("/api/v1/requests?status=submitted", headers=verifier).get_json()["requests"]
    assert [r["ticket"] for r in listed] == [ticket]
    assert listed[0]["missing"] == [{"document": "foto_ktp_ibu", "title": "KTP-el ibu"}]

    assert act(client, ticket, verifier, action="assign")["status"] == "in_review"
    assert wait_for(lambda: said(client, "sedang diperiksa petugas"))

    shown = act(client, ticket, verifier, action="ask_fix",
                items=[{"document": "foto_ktp_ibu", "note": "Foto KTP-el ibu belum ada."}])
    assert shown["status"] == "needs_fix"
    assert wait_for(lambda: said(client, "Kirim foto *KTP-el ibu* — Foto KTP-el ibu belum ada."))
    assert wait_for(lambda: any(ticket in m["Subject"] for m in smtp.messages))  # the same news by email

    # The citizen finds the card and sends its photo in the chat; it is offered for the request.
    chat.send_file(png, "ktp-ibu.png", "image/png")
    assert "KTP-el ibu" in chat.text and ticket in chat.text
    assert chat.buttons[0] == "docfor:foto_ktp_ibu"
    chat.press("docfor:foto_ktp_ibu")
    assert wait_for(lambda: status_of(client, ticket, verifier) == "in_review")
    assert "sudah kami terima" in chat.text  # told at once in the chat, and by email
    assert wait_for(lambda: any(f"semua yang diminta untuk {ticket} sudah kami terima" in m.get_body().get_content()
                                for m in smtp.messages))
    detail = client.get(f"/api/v1/requests/{ticket}", headers=verifier).get_json()
    assert detail["missing"] == [] and "upload_id" in detail["answers"]["foto_ktp_ibu"]

    assert act(client, ticket, verifier, action="approve")["status"] == "approved"
    assert "NIK" in act(client, ticket, verifier, expect=400, action="issue", generate=True,
                        document_number="6408-LT-05012026-0001", subject_nik="1234")["error"]
    issued = act(client, ticket, verifier, action="issue", document_number="6408-LT-05012026-0001",
                 generate=True, subject_nik=CHILD_NIK)
    assert issued["status"] in ("issued", "delivered")
    assert wait_for(lambda: status_of(client, ticket, verifier) == "delivered")

    doc = stored_document(app, ticket)
    with app.app_context():
        pdf = storage.load(doc.storage_key)
    assert hashlib.sha256(pdf).hexdigest() == doc.sha256 and doc.number == "6408-LT-05012026-0001"
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1 and round(float(reader.pages[0].mediabox.width)) == 595
    assert "Putri Ayu Lestari" in reader.pages[0].extract_text()
    assert CHILD_NIK in reader.pages[0].extract_text()  # the NIK SIAK gave the child, typed at issue

    # In the chat: the message, then the PDF itself.
    sent = wait_for(lambda: issued_sent(client))
    assert sent and client.get(sent[-1]["document"]["url"]).data == pdf
    assert said(client, "6408-LT-05012026-0001") and said(client, "HVS A4 80 gram")
    # By email: the PDF attached byte for byte, with the printing advice.
    mail = wait_for(lambda: [m for m in smtp.messages if any(True for _ in m.iter_attachments())])
    attachment = next(mail[-1].iter_attachments())
    assert attachment.get_content() == pdf and mail[-1]["To"] == CITIZEN_EMAIL
    assert "HVS A4 80 gram" in mail[-1].get_body().get_content()

    # Anyone the document is shown to can check it: by its QR code's page, and by the file itself.
    page = client.get(f"/v/{doc.code}")
    assert page.status_code == 200 and "Dokumen ini asli" in page.get_data(as_text=True)
    assert "6408-LT-05012026-0001" in page.get_data(as_text=True)
    assert "Putri Ayu Lestari" not in page.get_data(as_text=True)  # the name is partly hidden
    checked = client.post("/v", data={"file": (io.BytesIO(pdf), "akta.pdf")},
                          headers={"Accept": "application/json"}, content_type="multipart/form-data")
    assert checked.get_json() == {"genuine": True, "ticket": ticket, "document_number": "6408-LT-05012026-0001",
                                  "status": "current", "signature_intact": True}
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    checked = client.post("/v", data={"file": (io.BytesIO(bytes(changed)), "akta.pdf")},
                          headers={"Accept": "application/json"}, content_type="multipart/form-data")
    assert checked.get_json()["genuine"] is False

    history = client.get(f"/api/v1/requests/{ticket}", headers=verifier).get_json()["history"]
    assert [h["to"] for h in history if h["to"]] == ["in_review", "needs_fix", "in_review", "approved",
                                                     "issued", "delivered"]


def test_an_attached_siak_pdf_reaches_the_citizen_byte_for_byte(app, client, chat, png, request):
    smtp = smtp_for(app, request)
    verifier = officer_token(app, "vera", "verifier")
    ticket = file_birth_request(chat, png)
    act(client, ticket, verifier, action="assign")
    act(client, ticket, verifier, action="approve")
    siak_pdf = PDF_FROM_SIAK
    response = client.post(f"/api/v1/requests/{ticket}/actions", headers=verifier,
                           data={"action": "issue", "document_number": "6408-LT-05012026-0002",
                                 "file": (io.BytesIO(siak_pdf), "akta.pdf", "application/pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert wait_for(lambda: status_of(client, ticket, verifier) == "delivered")
    sent = wait_for(lambda: issued_sent(client))
    assert client.get(sent[-1]["document"]["url"]).data == siak_pdf
    mail = wait_for(lambda: [m for m in smtp.messages if any(True for _ in m.iter_attachments())])
    assert next(mail[-1].iter_attachments()).get_content() == siak_pdf

    # Resending: the same file again, in the chat.
    act(client, ticket, verifier, action="resend")
    assert wait_for(lambda: len(issued_sent(client)) == 2)
    assert client.get(issued_sent(client)[-1]["document"]["url"]).data == siak_pdf


def test_a_correction_supersedes_the_issued_document(app, client, chat, png):
    verifier = officer_token(app, "vera", "verifier")
    ticket = file_birth_request(chat, png, email=None)
    act(client, ticket, verifier, action="assign")
    act(client, ticket, verifier, action="approve")
    client.post(f"/api/v1/requests/{ticket}/actions", headers=verifier, content_type="multipart/form-data",
                data={"action": "issue", "document_number": "6408-LT-0001",
                      "file": (io.BytesIO(PDF_FROM_SIAK), "akta.pdf", "application/pdf")})
    assert wait_for(lambda: status_of(client, ticket, verifier) == "delivered")
    old = stored_document(app, ticket)

    act(client, ticket, verifier, expect=400, action="reissue", document_number="6408-LT-0002", generate=True)
    fixed = act(client, ticket, verifier, action="reissue", document_number="6408-LT-0002", generate=True,
                reason="Nama ibu salah ketik; sekarang Siti Aminah.")
    assert fixed["status"] in ("issued", "delivered")
    assert wait_for(lambda: status_of(client, ticket, verifier) == "delivered")
    assert wait_for(lambda: said(client, "sudah kami perbaiki: Nama ibu salah ketik"))
    new = stored_document(app, ticket)
    assert new.id != old.id and new.number == "6408-LT-0002"
    assert wait_for(lambda: len(issued_sent(client)) == 2)

    page = client.get(f"/v/{old.code}").get_data(as_text=True)
    assert "tidak berlaku lagi" in page and "Dokumen ini asli</strong> dan" not in page
    checked = client.post("/v", data={"file": (io.BytesIO(PDF_FROM_SIAK), "akta.pdf")},
                          headers={"Accept": "application/json"}, content_type="multipart/form-data")
    assert checked.get_json()["genuine"] is True and checked.get_json()["status"] == "superseded"
    assert "Dokumen ini asli" in client.get(f"/v/{new.code}").get_data(as_text=True)


def test_the_api_refuses_without_a_token_for_the_wrong_role_and_out_of_order(app, client, chat, png):
    verifier = officer_token(app, "vera", "verifier")
    other = officer_token(app, "wawan", "verifier")
    operator = officer_token(app, "opi", "operator")
    ticket = file_birth_request(chat, png, email=None)

    assert client.get("/api/v1/requests").status_code == 401
    assert client.get("/api/v1/requests", headers={"Authorization": "Bearer nope"}).status_code == 401
    refused = act(client, ticket, verifier, expect=409, action="approve")
    assert "submitted" in refused["error"]
    act(client, ticket, operator, action="assign")
    assert "tidak boleh" in act(client, ticket, operator, expect=403, action="approve")["error"]
    assert "petugas lain" in act(client, ticket, verifier, expect=409, action="assign")["error"]
    act(client, ticket, verifier, expect=409, action="ask_fix", items=[{"document": "foto_ktp_ibu"}])
    act(client, ticket, verifier, action="take_over")
    act(client, ticket, other, expect=409, action="approve")
    act(client, ticket, verifier, expect=400, action="reject", reason="  ")
    act(client, ticket, verifier, expect=400, action="ask_fix", items=[{"document": "ayah_nik"}])
    act(client, ticket, verifier, expect=409, action="issue", document_number="X-1", generate=True)  # not approved
    act(client, ticket, operator, expect=403, action="reissue", document_number="X-2", generate=True, reason="x")
    rejected = act(client, ticket, verifier, action="reject",
                   reason="Data orang tua di KK berbeda dengan buku nikah.")
    assert rejected["status"] == "rejected"
    assert wait_for(lambda: said(client, "Data orang tua di KK berbeda dengan buku nikah."))
    with app.app_context(), db.new_session() as s:
        actions = [a.action for a in s.execute(select(AuditLog).where(AuditLog.action.like("request_%")))
                   .scalars()]
    assert actions.count("request_take_over") == 1 and "request_reject" in actions


def test_an_unknown_code_gets_a_friendly_page(client):
    page = client.get("/v/AbCdEfGh12345")
    assert page.status_code == 404 and "tidak kami kenal" in page.get_data(as_text=True)


def test_the_generated_document_reads_scans_and_verifies_with_the_tools(app, client, chat, png, tmp_path):
    """pdftotext reads it, zbarimg decodes its QR to the verification URL, pdfsig accepts it."""
    for tool in ("pdftotext", "zbarimg", "pdfsig", "pdftoppm"):
        require(shutil.which(tool) is not None, f"{tool} (apt-get install poppler-utils zbar-tools)")
    verifier = officer_token(app, "vera", "verifier")
    ticket = file_birth_request(chat, png, email=None)
    act(client, ticket, verifier, action="assign")
    act(client, ticket, verifier, action="approve")
    act(client, ticket, verifier, action="issue", document_number="6408-LT-05012026-0003", generate=True)
    assert wait_for(lambda: status_of(client, ticket, verifier) == "delivered")
    doc = stored_document(app, ticket)
    with app.app_context():
        path = tmp_path / "akta.pdf"
        path.write_bytes(storage.load(doc.storage_key))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "6408-LT-05012026-0003" in text and "Putri Ayu Lestari" in text
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page")], check=True)
    qr = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "page.png")], capture_output=True, text=True)
    assert qr.stdout.strip() == f"http://testserver/v/{doc.code}"
    sig = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
    assert "Signature is Valid" in sig.stdout


PDF_FROM_SIAK = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                 b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                 b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
                 b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
                 b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n")
