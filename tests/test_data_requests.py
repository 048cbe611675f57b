"""A citizen asks in the chat for a copy of their data or its erasure; a verifier checks who is
asking and carries it out (or refuses, saying why)."""
import io
import zipfile

from sqlalchemy import func, select

from bot.core import citizen_data, db
from bot.core.models import Message, Request
from tests.conftest import Chat
from tests.inbox_drivers import add_officer, form_token, sign_in
from tests.test_request_lifecycle import file_birth_request


def officer(app, username, role):
    add_officer(app, username=username, role=role, name=username.title())
    client = app.test_client()
    assert sign_in(client, username).status_code == 302
    return client


def decide(client, decision="confirm", reason=None):
    """Post a decision on the oldest waiting request, as the page's form would."""
    page = client.get("/inbox/data-requests").get_data(as_text=True)
    with client.application.app_context(), db.new_session() as s:
        entry = citizen_data.pending(s)[0].entry_id
    data = {"csrf_token": form_token(page), "decision": decision}
    if reason:
        data["reason"] = reason
    return client.post(f"/inbox/data-requests/{entry}", data=data)


def test_a_copy_asked_in_the_chat_is_made_by_a_verifier_and_emailed(sqlite_app, png, smtp_receiver):
    sqlite_app.config["SMTP_URL"] = smtp_receiver.url
    chat = Chat(sqlite_app.test_client(), "warga-a")
    file_birth_request(chat, png)  # gives the email address budi.santoso@example.com
    chat.say("minta salinan data saya")
    assert "sudah kami catat" in chat.text and "email" in chat.text
    chat.say("minta salinan data saya")
    assert "masih menunggu petugas" in chat.text  # asked once, recorded once

    operator = officer(sqlite_app, "opi", "operator")
    page = operator.get("/inbox/data-requests").get_data(as_text=True)
    assert "Salinan data" in page and "Buat salinan" not in page
    assert decide(operator).status_code == 403

    verifier = officer(sqlite_app, "vera", "verifier")
    assert decide(verifier).status_code == 303
    [mail] = [m for m in smtp_receiver.messages if "Salinan data pribadi" in m["Subject"]]
    attachment = next(mail.iter_attachments())
    with zipfile.ZipFile(io.BytesIO(attachment.get_content())) as archive:
        assert "data.json" in archive.namelist() and "Putri Ayu Lestari" in archive.read("data.json").decode()
    transcript = chat.client.get("/try/api/messages?user=warga-a").get_json()["messages"]
    assert any("sudah kami kirim ke email" in (m.get("text") or "") for m in transcript)
    page = verifier.get("/inbox/data-requests").get_data(as_text=True)
    assert "Tidak ada permintaan yang menunggu" in page and "unduh salinan" in page


def test_an_erasure_is_confirmed_in_the_chat_then_carried_out_by_a_verifier(sqlite_app, png):
    chat = Chat(sqlite_app.test_client(), "warga-a")
    file_birth_request(chat, png, email=None)
    chat.say("tolong hapus data saya")
    assert chat.buttons == ["dataerase:yes", "dataerase:no"]
    chat.press("dataerase:no")
    assert "tidak dihapus" in chat.text
    chat.say("hapus data pribadi saya")
    chat.press("dataerase:yes")
    assert "Permintaan penghapusan data sudah kami catat" in chat.text

    verifier = officer(sqlite_app, "vera", "verifier")
    assert decide(verifier).status_code == 303
    assert "Data warga dihapus" in verifier.get("/inbox/data-requests").get_data(as_text=True)
    with sqlite_app.app_context(), db.new_session() as s:
        assert s.execute(select(func.count()).select_from(Message)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Request)).scalar_one() == 0


def test_a_refusal_tells_the_citizen_why(sqlite_app):
    chat = Chat(sqlite_app.test_client(), "warga-a")
    chat.say("saya mau minta salinan data saya")
    verifier = officer(sqlite_app, "vera", "verifier")
    assert decide(verifier, "refuse", reason="Nomor ini tidak bisa kami hubungi untuk memastikan identitas.").status_code == 303
    transcript = chat.client.get("/try/api/messages?user=warga-a").get_json()["messages"]
    assert any("tidak bisa kami hubungi" in (m.get("text") or "") for m in transcript)


def test_asking_mid_request_keeps_the_draft_and_records_nothing(sqlite_app):
    from tests.conftest import start_as_father
    chat = Chat(sqlite_app.test_client(), "warga-a")
    start_as_father(chat)
    chat.say("hapus data saya")
    assert chat.where()["flow"] == "akta_kelahiran" and chat.where()["answers"].get("persetujuan")
    assert "Selesaikan dulu" in chat.text and chat.buttons != ["dataerase:yes", "dataerase:no"]
    assert "hapus data saya" not in str(chat.where()["answers"].values())
    with sqlite_app.app_context(), db.new_session() as s:
        assert citizen_data.pending(s) == []
