"""Filed requests in the officers' inbox: the queue, the review page, the officer's actions with
their roles and holds, the uploaded photos, demo-mode mail, email failures, handing back chats."""
import re
from datetime import timedelta

from sqlalchemy import select

from bot.core import db, storage
from bot.core.models import AuditLog, Conversation, Outbox, Request, Upload, utcnow
from bot.web.inbox.requests import age
from tests.conftest import FATHER_NIK, MOTHER_NIK, Chat
from tests.inbox_drivers import add_officer, file_birth_request, form_token, sign_in, small_pdf


def officer(app, username: str, role: str, name: str):
    """A signed-in officer's browser."""
    add_officer(app, username=username, role=role, name=name)
    client = app.test_client()
    assert sign_in(client, username).status_code == 302
    return client


def act(client, ticket: str, action: str, files=None, **form):
    """Submit the review page's action form, with the page's CSRF token."""
    token = form_token(client.get(f"/inbox/requests/{ticket}").get_data(as_text=True))
    data = {"csrf_token": token, "action": action, **form}
    if files:
        data.update(files)
        return client.post(f"/inbox/requests/{ticket}/action", data=data, content_type="multipart/form-data")
    return client.post(f"/inbox/requests/{ticket}/action", data=data)


def request_row(app, ticket: str) -> Request:
    with app.app_context(), db.new_session() as s:
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        s.expunge(req)
        return req


def html(client, path: str) -> str:
    return client.get(path, follow_redirects=True).get_data(as_text=True)


def test_age_reads_as_officers_say_it():
    now = utcnow()
    assert age(now - timedelta(days=3, hours=2), now) == "3 hari"
    assert age(now - timedelta(hours=5, minutes=40), now) == "5 jam"
    assert age(now - timedelta(minutes=12), now) == "12 menit"


def test_the_queue_lists_a_filed_request_and_the_review_page_shows_everything(sqlite_app):
    ticket = file_birth_request(sqlite_app)
    a = officer(sqlite_app, "ani", "verifier", "Ani Verifikator")

    queue = html(a, "/inbox/requests")
    assert queue.count('data-testid="request-row"') == 1
    row = queue[queue.index('data-testid="request-row"'):]
    assert ticket in row and "Akta Kelahiran" in row and "Budi Santoso" in row
    assert re.search(r'data-testid="age">\d+ menit', row)
    assert "diterima, menunggu pemeriksaan petugas" in row and "Belum ditugaskan" in row
    assert 'data-testid="count-submitted"' in queue
    assert "Tidak ada permohonan" in html(a, "/inbox/requests?status=approved")
    assert "Tidak ada permohonan" in html(a, "/inbox/requests?mine=1")

    page = html(a, f"/inbox/requests/{ticket}")
    assert "Putri Ayu Lestari" in page and "5 Januari 2026" in page
    assert FATHER_NIK in page and MOTHER_NIK in page  # officers check the full NIK
    assert "Pelaporan lewat 60 hari" in page  # a flag
    assert "KTP-el ibu — belum ada" in page and "Kartu Keluarga (KK) — diterima" in page
    assert "Buku nikah / kutipan akta perkawinan orang tua" in page  # the office's requirements
    assert "Permohonan diajukan" in page  # the history
    assert "Tugaskan ke saya" in page and "Setujui" not in page  # not assigned yet

    uploads = sorted(set(int(i) for i in re.findall(r"/inbox/uploads/(\d+)", page)))
    assert len(uploads) == 4
    served = a.get(f"/inbox/uploads/{uploads[0]}")
    # The citizen's PNG photo, stored re-encoded (tests/test_upload_hardening.py), shown as a picture.
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data.startswith(b"\xff\xd8\xff")
    assert served.headers["Content-Disposition"].startswith("inline")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    with sqlite_app.app_context():
        stored = db.session().get(Upload, uploads[0])
        assert served.data == storage.load(stored.storage_key)
    anonymous = sqlite_app.test_client().get(f"/inbox/uploads/{uploads[0]}")
    assert anonymous.status_code == 302 and "/inbox/login" in anonymous.location
    assert a.get("/inbox/uploads/9999").status_code == 404
    assert a.get("/inbox/requests/AKL-9999").status_code == 404


def test_roles_and_holds_decide_who_acts_and_the_request_is_issued_with_the_attached_pdf(sqlite_app):
    ticket = file_birth_request(sqlite_app)
    a = officer(sqlite_app, "ani", "verifier", "Ani Verifikator")
    b = officer(sqlite_app, "budi", "verifier", "Budi Verifikator")
    op = officer(sqlite_app, "oki", "operator", "Oki Operator")

    done = act(a, ticket, "assign")
    assert done.status_code == 303 and done.location.endswith(f"/inbox/requests/{ticket}")
    req = request_row(sqlite_app, ticket)
    assert req.status == "in_review"
    assert "Ani Verifikator" in html(a, f"/inbox/requests/{ticket}")
    assert ticket in html(a, "/inbox/requests?mine=1")

    # Another verifier sees who holds it and may only take it over; approving is refused (409).
    page_b = html(b, f"/inbox/requests/{ticket}")
    assert "Ambil alih" in page_b and ">Setujui<" not in page_b and "Ani Verifikator" in page_b
    refused = act(b, ticket, "approve")
    assert refused.status_code == 409 and "belum ditugaskan kepada Anda" in refused.get_data(as_text=True)
    # An operator never sees the deciding buttons, and a forced approve is refused for the role (403).
    page_op = html(op, f"/inbox/requests/{ticket}")
    assert ">Setujui<" not in page_op and ">Terbitkan<" not in page_op and ">Tolak<" not in page_op
    refused = act(op, ticket, "approve")
    assert refused.status_code == 403 and "Peran operator" in refused.get_data(as_text=True)
    assert request_row(sqlite_app, ticket).status == "in_review"

    # A asks for a clearer KK photo and a corrected name; the citizen is told what to fix.
    fixed = act(a, ticket, "ask_fix", fix=["document:foto_kk", "answer:anak_nama"],
                **{"note:document:foto_kk": "Foto KK buram, mohon difoto ulang",
                   "note:answer:anak_nama": ""})
    assert fixed.status_code == 303
    req = request_row(sqlite_app, ticket)
    assert req.status == "needs_fix"
    assert [(i.get("document") or i.get("answer")) for i in req.fix_items] == ["foto_kk", "anak_nama"]
    with sqlite_app.app_context():
        told = db.session().execute(select(Outbox).where(Outbox.contact_id == req.contact_id, Outbox.kind == "reply")
                                    .order_by(Outbox.id.desc())).scalars().first()
    assert "Kartu Keluarga (KK)" in told.payload["text"] and "Foto KK buram" in told.payload["text"]
    assert "Nama anak" in told.payload["text"]
    page = html(a, f"/inbox/requests/{ticket}")
    assert "Perbaikan yang diminta" in page and "Foto KK buram, mohon difoto ulang" in page
    assert "Minta perbaikan" in page and "diperiksa → perlu perbaikan" in page

    # The citizen's fixes come in (as flows.request_items takes them), and it is back in review.
    from delivery import review
    from flows import request_items
    from bot.core.lifecycle import Actor
    with sqlite_app.app_context(), db.new_session() as s:
        r = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        flow = request_items.flow_of(r, sqlite_app.config["OFFICE"])
        upload = s.execute(select(Upload).where(Upload.request_id == r.id)).scalars().first()
        request_items.take_document(s, flow, r, flow.step("foto_kk"), upload.id, f"citizen:{r.contact_id}")
        request_items.take_answer(s, flow, r, flow.step("anak_nama"), "Putri Ayu Lestari", f"citizen:{r.contact_id}")
        assert request_items.finish_fixes(s, r, Actor("citizen"))
        s.commit()
    assert request_row(sqlite_app, ticket).status == "in_review"

    # B takes it over explicitly (audited), then approves; A no longer may.
    assert act(b, ticket, "take_over").status_code == 303
    assert act(a, ticket, "approve").status_code == 409
    assert act(b, ticket, "approve").status_code == 303
    assert request_row(sqlite_app, ticket).status == "approved"
    history = html(b, f"/inbox/requests/{ticket}")
    assert "Diambil alih" in history and "sebelumnya Ani Verifikator" in history

    # Issuing needs a number and a PDF (or generation); the attached PDF is stored byte for byte.
    assert ">Terbitkan<" not in html(op, f"/inbox/requests/{ticket}")
    assert act(op, ticket, "issue", document_number="6408-LT-01").status_code == 403
    no_number = act(b, ticket, "issue", document_number="")
    assert no_number.status_code == 303 and request_row(sqlite_app, ticket).status == "approved"
    assert "Isi nomor dokumen" in html(b, f"/inbox/requests/{ticket}")
    import io
    pdf = small_pdf()
    issued = act(b, ticket, "issue", files={"pdf": (io.BytesIO(pdf), "akta.pdf", "application/pdf")},
                 document_number="6408-LT-30112026-0001")
    assert issued.status_code == 303
    req = request_row(sqlite_app, ticket)
    assert req.status in ("issued", "delivered") and req.document_number == "6408-LT-30112026-0001"
    with sqlite_app.app_context():
        doc = review.current_issued(db.session(), req.id)
        assert storage.load(doc.storage_key) == pdf and doc.source == "attached"
    page = html(b, f"/inbox/requests/{ticket}")
    assert f"/v/{doc.code}" in page and "6408-LT-30112026-0001" in page
    assert "Kirim ulang dokumen" in page  # resend is for any officer holding it
    assert act(b, ticket, "resend").status_code == 303

    # A correction: the new document replaces the old one, which the history and /v then show.
    assert "Terbitkan ulang (perbaikan)" in page
    assert act(b, ticket, "reissue", generate="1", document_number="6408-LT-30112026-0002",
               reason="Tempat lahir salah ketik.").status_code == 303
    with sqlite_app.app_context():
        s = db.session()
        assert s.get(type(doc), doc.id).status == "superseded"
        assert review.current_issued(s, req.id).number == "6408-LT-30112026-0002"
    page = html(b, f"/inbox/requests/{ticket}")
    assert "Diterbitkan ulang (perbaikan)" in page and "Tempat lahir salah ketik." in page


def test_a_rejection_needs_a_reason_in_plain_words(sqlite_app):
    ticket = file_birth_request(sqlite_app)
    a = officer(sqlite_app, "ani", "verifier", "Ani Verifikator")
    empty = act(a, ticket, "reject", reason="   ")
    assert empty.status_code == 303
    assert "Tuliskan alasan penolakan" in html(a, f"/inbox/requests/{ticket}")
    assert request_row(sqlite_app, ticket).status == "submitted"
    assert act(a, ticket, "reject", reason="Data orang tua tidak sesuai dengan KK.").status_code == 303
    req = request_row(sqlite_app, ticket)
    assert req.status == "rejected" and req.reason == "Data orang tua tidak sesuai dengan KK."
    assert "alasan: Data orang tua tidak sesuai dengan KK." in html(a, f"/inbox/requests/{ticket}")
    assert ticket in html(a, "/inbox/requests?status=rejected")
    assert ticket not in html(a, "/inbox/requests")  # closed requests leave the default view


def test_an_action_without_the_form_token_is_refused(sqlite_app):
    ticket = file_birth_request(sqlite_app)
    a = officer(sqlite_app, "ani", "verifier", "Ani Verifikator")
    assert a.post(f"/inbox/requests/{ticket}/action", data={"action": "assign"}).status_code == 400
    assert request_row(sqlite_app, ticket).status == "submitted"


def test_an_officer_cannot_hand_back_a_chat_another_officer_took(sqlite_app):
    Chat(sqlite_app.test_client(), "warga-b").say("mau bicara dengan petugas")
    a = officer(sqlite_app, "ani", "operator", "Ani Operator")
    b = officer(sqlite_app, "budi", "operator", "Budi Operator")
    admin = officer(sqlite_app, "adi", "admin", "Adi Admin")
    with sqlite_app.app_context():
        conv_id = db.session().execute(select(Conversation.id)).scalar_one()
    page = f"/inbox/conversations/{conv_id}"
    token = form_token(a.get(page).get_data(as_text=True))
    assert a.post(f"{page}/take", data={"csrf_token": token}).status_code == 302

    seen_by_b = b.get(page).get_data(as_text=True)
    assert "Kembalikan ke bot" not in seen_by_b  # no button for what B may not do
    token = form_token(seen_by_b)
    refused = b.post(f"{page}/release", data={"csrf_token": token}, headers={"Referer": f"http://localhost{page}"})
    assert refused.status_code == 409 and "Ani Operator" in refused.get_data(as_text=True)
    assert f'href="{page}"' in refused.get_data(as_text=True)  # a way back to the chat
    with sqlite_app.app_context():
        conv = db.session().get(Conversation, conv_id)
        assert (conv.owner, conv.officer_id is not None) == ("officer", True)

    seen_by_admin = admin.get(page).get_data(as_text=True)
    assert "Kembalikan ke bot (admin)" in seen_by_admin
    token = form_token(seen_by_admin)
    assert admin.post(f"{page}/release", data={"csrf_token": token}).status_code == 302
    with sqlite_app.app_context():
        assert db.session().get(Conversation, conv_id).owner == "bot"
        handed = db.session().execute(select(AuditLog).where(AuditLog.action == "conversation_handed_back")).scalar_one()
        assert handed.detail.get("previous_officer")


def test_an_email_that_failed_shows_as_an_email_with_the_address_masked(sqlite_app):
    from bot.core.inbound_store import get_contact
    ticket = file_birth_request(sqlite_app)
    with sqlite_app.app_context(), db.new_session() as s:
        req = s.execute(select(Request).where(Request.ticket == ticket)).scalar_one()
        s.add(Outbox(contact_id=req.contact_id, kind="email", status="failed", attempts=3,
                     last_error="550 mailbox unavailable",
                     payload={"to": "budi.santoso@gmail.com", "subject": "Permohonan diperbarui",
                              "body": "...", "request_id": req.id}))
        get_contact(s, "simulator", "x", "X")
        s.commit()
    a = officer(sqlite_app, "ani", "operator", "Ani Operator")
    page = html(a, "/inbox/failures")
    assert f"Email ke b***@gmail.com: Permohonan diperbarui ({ticket})" in page
    assert "budi.santoso@gmail.com" not in page and "Balasan:" not in page


def test_demo_mode_mail_is_listed_and_read(sqlite_app):
    from delivery import email
    with sqlite_app.app_context():
        email.deliver("budi@example.org", "Akta kelahiran AKL-0001", "Dokumen Bapak terlampir.",
                      [("akta.pdf", small_pdf(), "application/pdf")])
    a = officer(sqlite_app, "ani", "operator", "Ani Operator")
    home = html(a, "/inbox/requests")
    assert "Email (demo)" in home
    listing = html(a, "/inbox/mail")
    assert listing.count('data-testid="mail"') == 1
    assert "budi@example.org" in listing and "Akta kelahiran AKL-0001" in listing and "akta.pdf" in listing
    name = re.search(r'/inbox/mail/([^"]+\.eml)', listing).group(1)
    message = html(a, f"/inbox/mail/{name}")
    assert "Dokumen Bapak terlampir." in message and "akta.pdf" in message
    assert a.get("/inbox/mail/..%2Fsapa.db").status_code == 404
    assert sqlite_app.test_client().get("/inbox/mail").status_code == 302
    sqlite_app.config["SMTP_URL"] = "smtp://mail.example.org:587"
    assert "Email (demo)" not in html(a, "/inbox/requests")
