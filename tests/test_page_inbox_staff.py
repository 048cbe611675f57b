"""Staff who answer a citizen from the Facebook Page inbox: the bot keeps quiet in that chat.

Runs on SQLite (inline jobs) and on PostgreSQL with a real RQ worker, with signed Messenger
webhooks shaped as Meta documents `message_echoes` (sender: the Page, recipient: the PSID).
"""
import time
from datetime import timedelta

from sqlalchemy import select, update

from bot.core import db
from bot.core.models import AuditLog, Conversation, Message
from delivery.channels.graph.fake import DEFAULT_PAGE_ID, messenger_envelope
from delivery.channels.messenger.adapter import OUR_METADATA
from tests.channel_drivers import MetaChat, post_signed

PSID = "24023456789012377"
PAGE_INBOX_APP = 263902037430900  # the app id Meta gives messages typed in the Page inbox


def echo(text: str, mid: str, metadata: str | None = None) -> dict:
    """A `message_echoes` webhook: a message the Page sent to the citizen."""
    message = {"mid": mid, "is_echo": True, "app_id": PAGE_INBOX_APP, "text": text}
    if metadata:
        message["metadata"] = metadata
    return messenger_envelope([{"sender": {"id": DEFAULT_PAGE_ID}, "recipient": {"id": PSID},
                                "timestamp": int(time.time() * 1000), "message": message}])


def staff_rows(app) -> list[Message]:
    """The staff replies stored in the citizen's chat."""
    with app.app_context():
        return db.session().execute(select(Message).where(Message.kind == "staff")).scalars().all()


def test_after_staff_reply_in_the_page_inbox_the_bot_keeps_quiet_then_comes_back(meta_app, fake_meta):
    chat = MetaChat(meta_app, fake_meta, "messenger", PSID)
    assert chat.say("halo") and "Selamat datang" in chat.text  # the bot answers as usual

    client = meta_app.test_client()
    staff = "Selamat siang Bapak, saya Rina dari Disdukcapil. Ada yang bisa saya bantu?"
    for _ in range(2):  # Meta may deliver an echo twice
        assert post_signed(client, "messenger", echo(staff, "m_staff_1")).status_code == 200
    [row] = staff_rows(meta_app)
    assert (row.direction, row.text, row.status) == ("out", staff, "sent")

    assert chat.say("iya bu, saya mau tanya akta kelahiran anak saya") == []  # left to Rina
    with meta_app.app_context():
        asked = db.session().execute(select(Message).where(Message.direction == "in")
                                     .order_by(Message.id.desc())).scalars().first()
        assert asked.status == "processed"  # kept for her and for the officers' inbox
        actions = db.session().execute(select(AuditLog.action)).scalars().all()
        assert "staff_replied_outside_inbox" in actions and "message_left_to_staff" in actions

    with meta_app.app_context(), db.new_session() as s:  # half a day later
        s.execute(update(Message).where(Message.kind == "staff")
                  .values(created_at=Message.created_at - timedelta(hours=13)))
        s.commit()
    assert chat.say("halo") and chat.replies  # the bot answers again


def test_the_echo_of_our_own_message_changes_nothing(meta_app, fake_meta):
    chat = MetaChat(meta_app, fake_meta, "messenger", PSID)
    chat.say("halo")
    assert all(call["body"]["message"]["metadata"] == OUR_METADATA for call in chat.calls)
    ours = echo(chat.replies[0]["text"], "m_ours_1", metadata=OUR_METADATA)
    assert post_signed(meta_app.test_client(), "messenger", ours).status_code == 200
    assert staff_rows(meta_app) == []
    assert chat.say("menu") and chat.replies


def test_a_staff_reply_takes_the_chat_out_of_the_officers_queue(meta_app, fake_meta):
    chat = MetaChat(meta_app, fake_meta, "messenger", PSID)
    chat.say("saya mau bicara dengan petugas")
    with meta_app.app_context():
        assert db.session().execute(select(Conversation.needs_human)).scalar_one() is True
    post_signed(meta_app.test_client(), "messenger", echo("Baik Pak, saya bantu.", "m_staff_2"))
    chat.say("terima kasih bu")
    with meta_app.app_context():
        assert db.session().execute(select(Conversation.needs_human)).scalar_one() is False
