"""Conversations in the inbox: the list, taking a conversation over, replying, handing back."""
import re
from datetime import timedelta

from sqlalchemy import select, update

from bot.core import db
from bot.core.inbound_store import get_contact
from bot.core.models import AuditLog, Contact, Conversation, Message, Outbox, Request, utcnow
from tests.channel_drivers import contact_with_outbox, sent_bodies
from tests.inbox_drivers import add_officer, form_token, sign_in
from tests.twilio_drivers import CITIZEN, TwilioChat, sent_to

ASK = "saya mau bicara dengan petugas"


def conversation_id(app) -> int:
    """The only conversation's id."""
    with app.app_context():
        return db.session().execute(select(Conversation.id)).scalar_one()


def press(client, path: str, page: str, **form):
    """Submit one of a page's forms, with the page's token."""
    token = form_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **form})


def page_text(client, path: str) -> str:
    """A page's HTML, followed through redirects."""
    return client.get(path, follow_redirects=True).get_data(as_text=True)


def officer_client(app, username: str = "siti"):
    """A signed-in officer's browser."""
    add_officer(app, username=username)
    client = app.test_client()
    sign_in(client, username)
    return client


def actions(app) -> list[str]:
    """The audit log's actions, oldest first."""
    with app.app_context():
        return db.session().execute(select(AuditLog.action).order_by(AuditLog.id)).scalars().all()


def test_an_officer_takes_over_replies_and_hands_back_to_the_bot(twilio_app, fake_twilio):
    citizen = TwilioChat(twilio_app, twilio_app.test_client(), fake_twilio)
    citizen.say(ASK)
    assert "petugas" in citizen.text
    officer = officer_client(twilio_app)

    queue = page_text(officer, "/inbox/")  # the landing page
    assert queue.count('data-testid="state-waiting"') == 1
    assert f"WhatsApp (Twilio) {CITIZEN}" in queue and ASK in queue and "Menunggu petugas sejak" in queue
    assert "Belum dibalas" in queue  # the bot's "an officer will answer" is no answer
    conv = f"/inbox/conversations/{conversation_id(twilio_app)}"
    page = page_text(officer, conv)
    assert ASK in page and "Jendela balasan 24 jam terbuka, tersisa 23 jam" in page
    assert "Ambil alih percakapan" in page

    taken = press(officer, f"{conv}/take", conv)
    assert taken.location == conv
    assert "Bot tidak akan menjawab warga ini" in page_text(officer, conv)
    assert citizen.say("halo? ada orang?") == []  # the bot keeps quiet: an officer has the chat

    press(officer, f"{conv}/reply", conv, text="Selamat siang Pak, saya Siti. Ada yang bisa saya bantu?")
    # The citizen sees a person answers, by name.
    assert sent_to(fake_twilio)[-1]["Body"] == "Petugas Siti: Selamat siang Pak, saya Siti. Ada yang bisa saya bantu?"
    page = page_text(officer, conv)
    assert "Balasan dikirim." in page and "Petugas ·" in page and "halo? ada orang?" in page
    assert "Belum dibalas" not in page_text(officer, "/inbox/conversations")

    assert press(officer, f"{conv}/release", conv).location == "/inbox/conversations"
    assert "petugas sudah selesai membantu" in sent_to(fake_twilio)[-1]["Body"]
    assert "Tidak ada percakapan yang cocok." in page_text(officer, "/inbox/conversations?show=waiting")
    assert "Dilayani bot" in page_text(officer, "/inbox/conversations")  # still listed, the bot's again
    assert citizen.say("menu") and "layanan" in citizen.text.lower()  # the bot is back
    assert {"conversation_queue_viewed", "conversation_viewed", "conversation_taken", "officer_replied",
            "conversation_handed_back"} <= set(actions(twilio_app))


def test_a_second_officer_cannot_take_or_answer_a_conversation_already_taken(twilio_app, fake_twilio):
    TwilioChat(twilio_app, twilio_app.test_client(), fake_twilio).say(ASK)
    siti, budi = officer_client(twilio_app, "siti"), officer_client(twilio_app, "budi")
    conv = f"/inbox/conversations/{conversation_id(twilio_app)}"
    budi_page = page_text(budi, conv)  # opened before Siti takes it
    press(siti, f"{conv}/take", conv)
    assert "Percakapan ini sedang ditangani Siti Petugas." in page_text(budi, conv)
    budi.post(f"{conv}/take", data={"csrf_token": form_token(budi_page)})
    assert "Percakapan ini sudah ditangani oleh Siti Petugas." in page_text(budi, conv)
    refused = budi.post(f"{conv}/reply", data={"csrf_token": form_token(budi_page), "text": "halo"})
    assert refused.status_code == 409
    assert "Ambil alih percakapan ini dulu sebelum membalas." in refused.get_data(as_text=True)
    with twilio_app.app_context():
        assert db.session().execute(select(Outbox).where(Outbox.payload["officer"].as_boolean())).all() == []


def test_an_empty_or_too_long_reply_is_refused_with_the_reason(twilio_app, fake_twilio):
    TwilioChat(twilio_app, twilio_app.test_client(), fake_twilio).say(ASK)
    officer = officer_client(twilio_app)
    conv = f"/inbox/conversations/{conversation_id(twilio_app)}"
    press(officer, f"{conv}/take", conv)
    sent = len(fake_twilio["messages"])
    press(officer, f"{conv}/reply", conv, text="   ")
    assert "Pesan kosong: tulis balasan dulu." in page_text(officer, conv)
    press(officer, f"{conv}/reply", conv, text="x" * 2001)
    assert "Pesan terlalu panjang (2001 karakter). Maksimal 2000 karakter." in page_text(officer, conv)
    assert len(fake_twilio["messages"]) == sent


def test_outside_the_whatsapp_window_the_reply_waits_for_the_citizen_and_the_officer_is_told(
        twilio_app, fake_twilio):
    with twilio_app.app_context(), db.new_session() as s:  # the citizen wrote two days ago
        contact = get_contact(s, "twilio", CITIZEN, "Pak Darmo")
        contact.last_inbound_at = utcnow() - timedelta(days=2)
        s.flush()
        s.add(Conversation(contact_id=contact.id, answers={}, history=[], paused=[], mode="idle", owner="bot",
                           needs_human=True, handoff_requested_at=utcnow() - timedelta(days=2)))
        s.commit()
    officer = officer_client(twilio_app)
    conv = f"/inbox/conversations/{conversation_id(twilio_app)}"
    assert "Jendela balasan tertutup" in page_text(officer, conv)
    press(officer, f"{conv}/take", conv)
    press(officer, f"{conv}/reply", conv, text="Dokumen Bapak sudah siap.")
    page = page_text(officer, conv)
    assert "Balasan disimpan: di luar jendela balasan" in page
    assert re.search(r"menunggu warga menulis lagi</span></small>\s*<div class=\"text\">Petugas Siti: Dokumen Bapak sudah siap.</div>",
                     page)
    assert fake_twilio["messages"] == []


def test_on_messenger_an_officer_may_answer_for_seven_days_with_the_human_agent_tag(meta_sqlite_app, fake_meta):
    contact_id = contact_with_outbox(meta_sqlite_app, "messenger", "24023456789012388", [], last_inbound_hours=30)
    with meta_sqlite_app.app_context(), db.new_session() as s:
        s.add(Conversation(contact_id=contact_id, answers={}, history=[], paused=[], mode="idle", owner="bot",
                           needs_human=True, handoff_requested_at=utcnow() - timedelta(hours=30)))
        s.commit()
    officer = officer_client(meta_sqlite_app)
    conv = f"/inbox/conversations/{conversation_id(meta_sqlite_app)}"
    # Seven days from the citizen's message 30 hours ago: 5 days 18 hours, less the seconds the test took.
    assert "Di luar 24 jam; balasan petugas masih boleh dikirim (tag HUMAN_AGENT), tersisa 5 hari 17 jam" \
        in page_text(officer, conv)
    press(officer, f"{conv}/take", conv)
    press(officer, f"{conv}/reply", conv, text="Selamat pagi Bu, berkas Ibu sudah kami periksa.")
    [body] = sent_bodies(fake_meta, "messenger")
    assert (body["messaging_type"], body["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    assert body["message"]["text"] == "Petugas Siti: Selamat pagi Bu, berkas Ibu sudah kami periksa."


def test_the_queue_and_a_take_over_work_on_postgresql(pg_app):
    with pg_app.app_context(), db.new_session() as s:
        contact = get_contact(s, "twilio", "+6281200000077", "Ibu Ani")
        contact.last_inbound_at = utcnow()
        s.flush()
        s.add(Request(ticket="AKL-0042", service="akta_kelahiran", status="submitted", contact_id=contact.id,
                      answers={}, flags=[], missing_documents=[]))
        s.add(Message(contact_id=contact.id, channel="twilio", direction="out", provider_id="SM-officer",
                      kind="text", text="Baik Bu.", payload={"text": "Baik Bu.", "officer": True}, status="sent"))
        s.add(Conversation(contact_id=contact.id, answers={}, history=[], paused=[], mode="idle", owner="bot",
                           needs_human=True, handoff_requested_at=utcnow()))
        s.commit()
    officer = officer_client(pg_app)
    queue = page_text(officer, "/inbox/conversations")
    assert "Ibu Ani" in queue and "Belum dibalas" not in queue  # an officer answered last
    conv = f"/inbox/conversations/{conversation_id(pg_app)}"
    page = page_text(officer, conv)
    assert '<a href="/inbox/requests/AKL-0042"><strong>AKL-0042</strong></a>' in page and "Akta Kelahiran" in page
    press(officer, f"{conv}/take", conv)
    with pg_app.app_context():
        taken = db.session().execute(select(Conversation)).scalar_one()
        assert (taken.owner, taken.needs_human) == ("officer", False)
        assert db.session().get(Contact, taken.contact_id).display_name == "Ibu Ani"
    assert "Ditangani Anda" in page_text(officer, "/inbox/conversations")
    assert "Ditangani Siti Petugas" in page_text(officer_client(pg_app, "budi"), "/inbox/conversations")


def test_a_chat_an_officer_took_and_then_left_goes_back_to_the_bot_after_a_day(twilio_app, fake_twilio):
    citizen = TwilioChat(twilio_app, twilio_app.test_client(), fake_twilio)
    citizen.say(ASK)
    officer = officer_client(twilio_app)
    conv = f"/inbox/conversations/{conversation_id(twilio_app)}"
    press(officer, f"{conv}/take", conv)
    assert citizen.say("halo?") == []  # the officer has it
    with twilio_app.app_context(), db.new_session() as s:  # a day passes without a word from them
        s.execute(update(Conversation).values(updated_at=utcnow() - timedelta(hours=25)))
        s.commit()
    assert citizen.say("menu") and "layanan" in citizen.text.lower()  # the bot answers again
    with twilio_app.app_context():
        assert db.session().execute(select(Conversation.owner)).scalar_one() == "bot"
    assert "conversation_returned_to_bot" in actions(twilio_app)
