"""Every conversation in the inbox: found by name, number, ticket or NIK, filtered, counted unread,
and read as a transcript worth reading (formatting, photos, buttons, statuses in Indonesian)."""
import re
from datetime import timedelta

from sqlalchemy import select

from bot.core import db
from bot.core.inbound_store import get_contact
from bot.core.models import AuditLog, Conversation, ConversationLabel, Label, Message, Officer, Request, utcnow
from bot.core.uploads import store_upload
from bot.web.inbox.transcript import whatsapp_html
from flows.definition import texts
from tests.conftest import png_bytes
from tests.inbox_drivers import add_officer, sign_in

NIK = "6403011203900001"


def _conversation(s, contact, **values) -> Conversation:
    conv = Conversation(contact_id=contact.id, history=[], paused=[], mode="idle",
                        **{"owner": "bot", "answers": {}, **values})
    s.add(conv)
    s.flush()
    return conv


def _message(s, contact, direction: str, text: str | None, kind: str = "text", status: str | None = None,
             **payload) -> Message:
    message = Message(contact_id=contact.id, channel=contact.channel, direction=direction, kind=kind, text=text,
                      payload=payload, status=status or ("processed" if direction == "in" else "sent"))
    s.add(message)
    s.flush()
    return message


def seed(app) -> dict:
    """Three citizens: Pak Darmo waiting on WhatsApp (Twilio) with a photo, a Messenger citizen
    with no profile name who filed a request as Siti Aminah, Budi on WhatsApp taken by Siti."""
    siti = add_officer(app, "siti")
    add_officer(app, "budi", name="Budi Petugas")
    with app.app_context(), db.new_session() as s:
        darmo = get_contact(s, "twilio", "+6281234500001", "Pak Darmo")
        aminah = get_contact(s, "messenger", "24023456789012388", None)
        budi = get_contact(s, "whatsapp", "6281299988877", "Budi Santoso")
        s.flush()
        waiting = _conversation(s, darmo, needs_human=True, handoff_requested_at=utcnow() - timedelta(minutes=5))
        filed = _conversation(s, aminah)
        taken = _conversation(s, budi, owner="officer", officer_id=siti, flow="kartu_keluarga")
        s.add(Request(ticket="AKL-0042", service="akta_kelahiran", status="submitted", contact_id=aminah.id,
                      applicant_name="Siti Aminah", applicant_nik=NIK, answers={}, flags=[], missing_documents=[]))
        _message(s, darmo, "in", "halo, mau tanya akta")
        _message(s, darmo, "out", "Pilih layanan:", buttons=[{"id": "svc:akl", "title": "Akta kelahiran"},
                                                             {"id": "cmd:menu", "title": "Menu"}])
        upload, _ = store_upload(s, darmo, png_bytes(40, 30), "ktp.png", "image/png", texts=texts())
        _message(s, darmo, "in", None, kind="file", upload_id=upload.id)
        _message(s, aminah, "in", "berkas saya bagaimana?")
        _message(s, budi, "in", "KK saya hilang")
        s.commit()
        return {"waiting": waiting.id, "filed": filed.id, "taken": taken.id, "upload": upload.id, "siti": siti}


def officer(app, username: str = "siti"):
    client = app.test_client()
    sign_in(client, username)
    return client


def names_listed(client, query: str = "") -> list[str]:
    html = client.get("/inbox/conversations" + query).get_data(as_text=True)
    return re.findall(r'data-testid="citizen-name">([^<]*)<', html)


def test_a_citizen_is_found_by_name_number_psid_ticket_or_nik(app):
    seed(app)
    client = officer(app)
    assert names_listed(client)[0] == "Pak Darmo"  # the one waiting for an officer comes first
    assert sorted(names_listed(client)) == ["Budi Santoso", "Pak Darmo", "Siti Aminah"]
    assert names_listed(client, "?q=darmo") == ["Pak Darmo"]
    assert names_listed(client, "?q=aminah") == ["Siti Aminah"]          # the name given in the request
    assert names_listed(client, "?q=0812-3450-0001") == ["Pak Darmo"]    # 08… as officers write it
    assert names_listed(client, "?q=%2B6281299988877") == ["Budi Santoso"]
    assert names_listed(client, "?q=24023456789012388") == ["Siti Aminah"]  # the Messenger PSID
    assert names_listed(client, "?q=akl-0042") == ["Siti Aminah"]
    assert names_listed(client, f"?q={NIK}") == ["Siti Aminah"]          # by its keyed hash
    assert names_listed(client, "?q=6403011203900002") == []
    assert names_listed(client, "?q=%25") == []                          # a % is a percent sign, not "anything"
    with app.app_context():
        assert db.session().execute(select(Request.applicant_nik_hash)).scalar() != NIK  # stored hashed
        searches = [e.detail for e in db.session().execute(
            select(AuditLog).where(AuditLog.action == "conversation_queue_viewed")).scalars()]
    assert {"shown": 1, "searched_by": "nik"} in searches
    assert NIK not in str(searches)  # the audit says a NIK was searched, never which


def test_the_list_filters_by_waiting_mine_unassigned_channel_and_service(app):
    seed(app)
    siti, budi = officer(app, "siti"), officer(app, "budi")
    assert names_listed(siti, "?show=waiting") == ["Pak Darmo"]
    assert names_listed(siti, "?show=mine") == ["Budi Santoso"]
    assert names_listed(budi, "?show=mine") == []
    assert sorted(names_listed(siti, "?show=unassigned")) == ["Pak Darmo", "Siti Aminah"]
    assert names_listed(siti, "?channel=messenger") == ["Siti Aminah"]
    assert names_listed(siti, "?service=akta_kelahiran") == ["Siti Aminah"]   # by the request filed
    assert names_listed(siti, "?service=kartu_keluarga") == ["Budi Santoso"]  # by the flow under way
    assert names_listed(siti, "?show=waiting&channel=messenger") == []
    page = siti.get("/inbox/conversations?show=mine").get_data(as_text=True)
    assert "Ditangani Anda" in page
    assert "Ditangani Siti Petugas" in budi.get("/inbox/conversations").get_data(as_text=True)
    assert "Menunggu petugas sejak" in page_of(siti, "/inbox/conversations?show=waiting")


def page_of(client, path: str) -> str:
    return client.get(path).get_data(as_text=True)


def unread(client, name: str) -> int:
    html = page_of(client, "/inbox/conversations")
    row = re.search(r'data-testid="citizen-name">' + re.escape(name) + r'<(.*?)</li>', html, re.S).group(1)
    found = re.search(r'data-testid="unread"[^>]*>([^<]+)<', row)
    return int(found.group(1)) if found else 0


def test_unread_counts_are_the_citizens_messages_since_this_officer_last_opened_the_chat(app):
    ids = seed(app)
    siti, budi = officer(app, "siti"), officer(app, "budi")
    assert unread(siti, "Pak Darmo") == 2  # a text and a photo, never opened
    page_of(siti, f"/inbox/conversations/{ids['waiting']}")
    assert unread(siti, "Pak Darmo") == 0
    assert unread(budi, "Pak Darmo") == 2  # each officer has their own
    with app.app_context(), db.new_session() as s:
        conv = s.get(Conversation, ids["waiting"])
        for text in ("halo?", "ada orang?"):
            _message(s, conv.contact, "in", text)
        _message(s, conv.contact, "out", "Bot menjawab")  # ours do not count
        s.commit()
    assert unread(siti, "Pak Darmo") == 2
    # The open page's poll shows them, so they are read.
    polled = siti.get(f"/inbox/conversations/{ids['waiting']}/messages.json?after=0").get_json()
    assert "ada orang?" in polled["html"]
    assert unread(siti, "Pak Darmo") == 0 and unread(budi, "Pak Darmo") == 4


def test_whatsapp_formatting_is_rendered_and_html_is_escaped_first():
    html = str(whatsapp_html("<script>alert(1)</script> *Penting* _miring_ ~coret~\n"
                             "```kode <b>``` a*b*c snake_case_name\n- satu\n- dua *tebal*\n1. pertama\nakhir"))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>Penting</strong>" in html and "<em>miring</em>" in html and "<s>coret</s>" in html
    assert '<code class="mono">kode &lt;b&gt;</code>' in html
    assert "a*b*c snake_case_name" in html  # marks inside words are left alone, as WhatsApp does
    assert "<ul><li>satu</li><li>dua <strong>tebal</strong></li></ul><ol><li>pertama</li></ol>akhir" in html
    assert str(whatsapp_html('Baris 1\nBaris "2" & 3')) == "Baris 1<br>Baris &#34;2&#34; &amp; 3"
    assert str(whatsapp_html('*<img src=x onerror=alert(1)>*')) == "<strong>&lt;img src=x onerror=alert(1)&gt;</strong>"


def test_the_transcript_shows_photos_buttons_and_statuses_in_indonesian(sqlite_app):
    ids = seed(sqlite_app)
    with sqlite_app.app_context(), db.new_session() as s:
        conv = s.get(Conversation, ids["waiting"])
        for status in ("delivered", "read", "failed"):
            _message(s, conv.contact, "out", f"pesan {len(status)}", status=status)
        _message(s, conv.contact, "in", "<b>bukan tebal</b> tapi *ini tebal*")
        s.commit()
    page = page_of(officer(sqlite_app), f"/inbox/conversations/{ids['waiting']}")
    statuses = re.findall(r'data-testid="status">([^<]+)<', page)
    assert statuses == ["terkirim", "diterima", "dibaca", "gagal"]
    assert "delivered" not in page and ">read<" not in page and ">failed<" not in page
    assert f'<img src="/inbox/uploads/{ids["upload"]}"' in page and 'data-view="/inbox/uploads/' in page
    assert re.findall(r'class="chat-button">([^<]+)<', page) == ["Akta kelahiran", "Menu"]
    assert "&lt;b&gt;bukan tebal&lt;/b&gt; tapi <strong>ini tebal</strong>" in page
    # The newest message is the last line on the page, and the reply box's anchor follows it.
    assert page.rindex('data-testid="line"') < page.index('id="terbaru"')
    assert officer(sqlite_app).get(f"/inbox/uploads/{ids['upload']}").mimetype == "image/jpeg"  # stored afresh


def test_a_citizen_without_a_profile_name_is_named_from_their_request_or_their_answers(sqlite_app):
    ids = seed(sqlite_app)
    with sqlite_app.app_context(), db.new_session() as s:
        simulator = get_contact(s, "simulator", "warga-7", None)
        s.flush()
        _conversation(s, simulator, flow="akta_kelahiran", answers={"hubungan": "ayah", "ayah_nama": "Rudi Hartono"})
        _message(s, simulator, "in", "halo")
        s.commit()
    client = officer(sqlite_app)
    listed = names_listed(client)
    assert "Siti Aminah" in listed and "Rudi Hartono" in listed and "(tanpa nama)" not in listed
    assert "Siti Aminah" in page_of(client, f"/inbox/conversations/{ids['filed']}")


def test_the_pages_scripts_get_only_what_changed(sqlite_app):
    ids = seed(sqlite_app)
    client = officer(sqlite_app)
    first = client.get("/inbox/conversations.json").get_json()
    assert "Pak Darmo" in first["rows"]
    again = client.get(f"/inbox/conversations.json?since={first['fingerprint']}").get_json()
    assert "rows" not in again and again["fingerprint"] == first["fingerprint"]
    with sqlite_app.app_context(), db.new_session() as s:
        conv = s.get(Conversation, ids["filed"])
        conv.needs_human, conv.handoff_requested_at = True, utcnow()
        s.commit()
    changed = client.get(f"/inbox/conversations.json?since={first['fingerprint']}").get_json()
    assert changed["rows"].count("Menunggu petugas sejak") == 2
    assert client.get("/inbox/conversations/live.json").get_json() == {
        "waiting": 2, "waiting_ids": sorted([ids["waiting"], ids["filed"]]), "unread_mine": 1}
    page = page_of(client, f"/inbox/conversations/{ids['waiting']}")
    last = int(re.search(r'data-after="(\d+)"', page).group(1))
    nothing = client.get(f"/inbox/conversations/{ids['waiting']}/messages.json?after={last}").get_json()
    assert "html" not in nothing and nothing["after"] == last
    anonymous = sqlite_app.test_client().get("/inbox/conversations/live.json")
    assert anonymous.status_code in (302, 401)


def test_an_officer_opens_a_pdf_we_sent_from_the_transcript(sqlite_app):
    ids = seed(sqlite_app)
    with sqlite_app.app_context(), db.new_session() as s:
        from delivery.documents import ensure_receipt

        req = s.execute(select(Request)).scalar_one()
        doc = ensure_receipt(s, req.id)
        contact = s.get(Conversation, ids["filed"]).contact
        _message(s, contact, "out", None, kind="document",
                 document={"kind": "receipt", "request_id": req.id, "document_id": doc.id, "filename": doc.filename})
        s.commit()
        doc_id = doc.id
    client = officer(sqlite_app)
    page = page_of(client, f"/inbox/conversations/{ids['filed']}")
    assert f'href="/inbox/documents/{doc_id}"' in page and "Tanda terima permohonan" in page
    pdf = client.get(f"/inbox/documents/{doc_id}")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    with sqlite_app.app_context():
        assert db.session().execute(select(AuditLog.action).where(AuditLog.action == "document_viewed")).scalar()


def test_the_lists_preview_shows_whatsapp_marks_as_plain_words(sqlite_app):
    ids = seed(sqlite_app)
    with sqlite_app.app_context(), db.new_session() as s:
        _message(s, s.get(Conversation, ids["filed"]).contact, "in", "Mohon *segera* _dibantu_ ya,\n~kemarin~ ```sudah```")
        s.commit()
    html = page_of(officer(sqlite_app), "/inbox/conversations")
    assert "Mohon segera dibantu ya, kemarin sudah" in html
    assert "*segera*" not in html


def test_mine_lists_the_conversations_assigned_to_me_as_well_as_those_i_took(sqlite_app):
    ids = seed(sqlite_app)
    with sqlite_app.app_context(), db.new_session() as s:
        budi = s.execute(select(Officer.id).where(Officer.username == "budi")).scalar_one()
        s.get(Conversation, ids["filed"]).assignee_id = budi
        s.get(Conversation, ids["waiting"]).assignee_id = ids["siti"]
        s.commit()
    assert sorted(names_listed(officer(sqlite_app, "siti"), "?show=mine")) == ["Budi Santoso", "Pak Darmo"]
    assert names_listed(officer(sqlite_app, "budi"), "?show=mine") == ["Siti Aminah"]


def test_the_list_filters_by_a_label_the_officers_put_on_conversations(sqlite_app):
    ids = seed(sqlite_app)
    with sqlite_app.app_context(), db.new_session() as s:
        elderly, moving = Label(name="lansia"), Label(name="pindah datang")
        s.add_all([elderly, moving])
        s.flush()
        s.add_all([ConversationLabel(conversation_id=ids["waiting"], label_id=elderly.id),
                   ConversationLabel(conversation_id=ids["taken"], label_id=moving.id)])
        s.commit()
    siti = officer(sqlite_app)
    assert names_listed(siti, "?label=lansia") == ["Pak Darmo"]
    assert names_listed(siti, "?label=Pindah+Datang") == ["Budi Santoso"]
    assert names_listed(siti, "?label=tidak-ada") == []
    assert '<option value="pindah datang" >pindah datang</option>' in page_of(siti, "/inbox/conversations")


def test_muat_pesan_sebelumnya_shows_the_older_messages_above_the_latest_fifty(sqlite_app):
    ids = seed(sqlite_app)
    with sqlite_app.app_context(), db.new_session() as s:
        contact = s.get(Conversation, ids["filed"]).contact
        for n in range(1, 120):
            _message(s, contact, "in", f"pesan ke-{n}")
        s.commit()
    siti = officer(sqlite_app)
    path = f"/inbox/conversations/{ids['filed']}"
    seen = []
    while path:
        html = page_of(siti, path)
        said = re.findall(r"(berkas saya bagaimana\?|pesan ke-[0-9]+)</", html)
        assert said[-1] == "pesan ke-119"  # always down to the newest
        seen.append(len(said))
        link = re.search(r'data-testid="earlier" href="([^"#]+)#pesan-([0-9]+)"', html)
        if link:
            assert f'id="pesan-{link.group(2)}"' in html  # the page stays where the officer was reading
        path = link.group(1).replace("&amp;", "&") if link else None
    assert seen == [50, 100, 120]
    assert said[0] == "berkas saya bagaimana?"
