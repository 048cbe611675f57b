"""What a citizen hears around an officer: asking for one stops the bot's own questions, the wait is
quiet, *lanjut* goes on without one, and on hand-back the bot picks the request up where it stood."""
from sqlalchemy import select

from bot.core import db
from bot.core.models import Conversation, Message
from tests.conftest import conversation, start_as_father
from tests.inbox_drivers import add_officer, form_token, sign_in

ASK = "saya mau bicara dengan petugas"


def said_since(app, after: int) -> list[dict]:
    """What went to the citizen after message id `after`: text and button ids."""
    with app.app_context():
        rows = db.session().execute(select(Message).where(Message.direction == "out", Message.id > after)
                                    .order_by(Message.id)).scalars().all()
        return [{"text": m.text or "", "buttons": [b["id"] for b in (m.payload or {}).get("buttons") or []]}
                for m in rows]


def last_message_id(app) -> int:
    """The newest message's id."""
    with app.app_context():
        return db.session().execute(select(Message.id).order_by(Message.id.desc()).limit(1)).scalar() or 0


def officer(app):
    """Siti, signed in."""
    add_officer(app, name="Siti Rahma")
    client = app.test_client()
    sign_in(client)
    return client


def press(client, path: str, page: str, **form):
    """Submit one of the page's forms."""
    return client.post(path, data={"csrf_token": form_token(client.get(page).get_data(as_text=True)), **form})


def conv_path(app) -> str:
    """The only conversation's page."""
    with app.app_context():
        return f"/inbox/conversations/{db.session().execute(select(Conversation.id)).scalar_one()}"


def test_asking_for_a_person_mid_request_asks_nothing_more_and_keeps_the_answers(inline_chat, sqlite_app, office_clock):
    start_as_father(inline_chat)
    step = inline_chat.where()["step"]
    replies = inline_chat.say(ASK)
    assert len(replies) == 1 and not replies[0].get("buttons")
    assert "kami hubungkan dengan petugas" in replies[0]["text"]
    assert "Isian permohonan *Akta Kelahiran* tetap kami simpan" in replies[0]["text"]
    assert "Kita lanjutkan" not in replies[0]["text"] and "?" not in replies[0]["text"]
    where = inline_chat.where()
    assert where["flow"] == "akta_kelahiran" and where["step"] == step
    # While waiting: said once that an officer will answer; then the citizen's messages wait quietly.
    first = inline_chat.say("halo? ada orang?")
    assert [r["text"] for r in first] == ["Pesan Bapak/Ibu sudah kami terima dan akan dibalas oleh petugas. "
                                          "Bila tidak jadi menunggu, ketik *lanjut* untuk meneruskan permohonan "
                                          "*Akta Kelahiran*."]
    assert inline_chat.say("Putri Ayu Lestari") == []
    assert inline_chat.where()["step"] == step  # not taken as an answer: the officer reads it


def test_lanjut_while_waiting_goes_on_with_the_request_and_leaves_the_queue(inline_chat, sqlite_app, office_clock):
    start_as_father(inline_chat)
    step = inline_chat.where()["step"]
    inline_chat.say(ASK)
    replies = inline_chat.say("lanjut")
    assert replies[0]["text"].startswith("Kita lanjutkan permohonan *Akta Kelahiran*:")
    assert inline_chat.where()["step"] == step
    with sqlite_app.app_context():
        assert db.session().execute(select(Conversation.needs_human)).scalar_one() is False


def test_on_hand_back_the_bot_asks_the_question_the_request_stood_at(inline_chat, sqlite_app, office_clock):
    start_as_father(inline_chat)
    question = inline_chat.replies[-1]
    step, answers = inline_chat.where()["step"], inline_chat.where()["answers"]
    inline_chat.say(ASK)
    siti = officer(sqlite_app)
    path = conv_path(sqlite_app)
    press(siti, f"{path}/take", path)
    assert inline_chat.say("anak saya lahir di rumah, bagaimana?") == []  # the officer answers now
    press(siti, f"{path}/reply", path, text="Tetap bisa, Pak. Nanti isi SPTJM saja.")
    mark = last_message_id(sqlite_app)
    press(siti, f"{path}/release", path)
    [back] = said_since(sqlite_app, mark)
    assert back["text"].startswith("Petugas sudah selesai membantu. Kita lanjutkan permohonan *Akta Kelahiran*; "
                                   "isian sebelumnya tetap tersimpan.")
    assert back["text"].endswith(question["text"]) and back["buttons"] == [b["id"] for b in question.get("buttons", [])]
    where = inline_chat.where()
    assert (where["flow"], where["step"], where["mode"]) == ("akta_kelahiran", step, "collect")
    assert where["answers"] == answers  # the draft is kept as it was
    inline_chat.say("Putri Ayu Lestari")  # the answer to that question is taken as before
    assert inline_chat.where()["answers"].get(step) == "Putri Ayu Lestari"


def test_the_officers_reply_shows_their_name_in_the_transcript(inline_chat, sqlite_app, office_clock):
    inline_chat.say(ASK)
    siti = officer(sqlite_app)
    path = conv_path(sqlite_app)
    press(siti, f"{path}/take", path)
    press(siti, f"{path}/reply", path, text="Selamat pagi, Pak.")
    assert "Petugas Siti: Selamat pagi, Pak." in siti.get(path).get_data(as_text=True)
    assert said_since(sqlite_app, 0)[-1]["text"] == "Petugas Siti: Selamat pagi, Pak."


def test_hand_back_with_no_request_open_says_how_to_go_on(inline_chat, sqlite_app, office_clock):
    inline_chat.say(ASK)
    siti = officer(sqlite_app)
    path = conv_path(sqlite_app)
    press(siti, f"{path}/take", path)
    mark = last_message_id(sqlite_app)
    press(siti, f"{path}/release", path)
    assert [m["text"] for m in said_since(sqlite_app, mark)] == [
        "Terima kasih, petugas sudah selesai membantu. Bapak/Ibu bisa lanjut di sini kapan saja; "
        "ketik *menu* untuk melihat layanan."]


def test_hand_back_from_a_side_question_goes_back_to_the_question_itself(inline_chat, sqlite_app, office_clock):
    start_as_father(inline_chat)
    step = inline_chat.where()["step"]
    inline_chat.say("batal")  # "really cancel?" is open when the citizen asks for a person
    assert conversation(sqlite_app, "simulator", "citizen-1")["mode"].startswith("cancel_confirm")
    with sqlite_app.app_context(), db.new_session() as s:
        s.execute(select(Conversation)).scalar_one().needs_human = True
        s.commit()
    siti = officer(sqlite_app)
    path = conv_path(sqlite_app)
    press(siti, f"{path}/take", path)
    press(siti, f"{path}/release", path)
    where = inline_chat.where()
    assert (where["mode"], where["step"]) == ("collect", step)


def test_an_answer_after_a_long_wait_for_the_officer_is_taken_as_the_answer(inline_chat, sqlite_app):
    from datetime import timedelta

    start_as_father(inline_chat)
    step = inline_chat.where()["step"]
    inline_chat.say(ASK)
    with sqlite_app.app_context(), db.new_session() as s:  # the citizen asked three hours ago
        for message in s.execute(select(Message)).scalars():
            message.created_at = message.created_at - timedelta(hours=3)
        s.commit()
    siti = officer(sqlite_app)
    path = conv_path(sqlite_app)
    press(siti, f"{path}/take", path)
    press(siti, f"{path}/release", path)
    inline_chat.say("Putri Ayu Lestari")  # no "welcome back, continue?": the question was just asked again
    assert inline_chat.where()["answers"].get(step) == "Putri Ayu Lestari"


def test_a_request_for_a_person_nobody_took_lapses_and_the_bot_answers_again(inline_chat, sqlite_app, office_clock):
    """Nobody took the chat from the queue within a day (config.yml handoff.officer_idle_hours):
    the citizen who writes again is answered by the bot, not left in silence for good."""
    office_clock.set("2026-11-04 09:00")
    start_as_father(inline_chat)
    step = inline_chat.where()["step"]
    inline_chat.say(ASK)
    inline_chat.say("halo? ada orang?")
    office_clock.set("2026-11-04 20:00")
    assert inline_chat.say("Putri Ayu Lestari") == []  # the same day: still waiting quietly for an officer
    assert inline_chat.where()["step"] == step
    office_clock.set("2026-11-05 10:00")
    assert inline_chat.say("Putri Ayu Lestari")  # answered, and taken as the answer to the question
    assert inline_chat.where()["flow"] == "akta_kelahiran" and inline_chat.where()["step"] != step
    with sqlite_app.app_context():
        assert db.session().execute(select(Conversation.needs_human)).scalar_one() is False
