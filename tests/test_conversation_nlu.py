"""Everyday Indonesian in the dialogue: questions mid-request, switching, a human, unclear text."""
from datetime import datetime, timezone

from sqlalchemy import select

from bot.core import db
from bot.core.models import AuditLog, Contact, Conversation
from flows.engine import Engine
from flows.messages import Event
from tests.conftest import start_as_father


def test_free_text_starts_the_right_request(chat):
    chat.say("min mau bikin akte lahir anak sy")
    assert "kita urus *Akta Kelahiran*" in chat.text and "sebagai apa?" in chat.text


def test_a_cost_question_mid_request_is_answered_and_the_step_resumes(chat):
    start_as_father(chat)
    chat.say("Putri")
    chat.say("berapa biayanya?")
    assert "GRATIS" in chat.text.upper()
    # Answered, then the open question again: the same step, its choices offered anew.
    assert (chat.where()["step"], chat.buttons) == ("anak_jk", ["L", "P"])
    chat.press("P")
    where = chat.where()
    assert (where["step"], where["answers"]["anak_jk"]) == ("anak_tgl_lahir", "P")


def test_a_question_where_a_name_is_expected_is_not_taken_as_the_name(chat):
    start_as_father(chat)
    chat.say("syarat akta kematian apa")
    assert "Surat keterangan kematian" in chat.text
    where = chat.where()
    assert where["step"] == "anak_nama" and "anak_nama" not in where["answers"]
    chat.say("Putri")
    where = chat.where()
    assert (where["step"], where["answers"]["anak_nama"]) == ("anak_jk", "Putri")


def test_a_question_at_the_summary_is_answered_and_the_summary_kept(chat, png):
    from tests.conftest import answer_until_summary

    answer_until_summary(chat, png)
    chat.say("prosesnya berapa lama ya?")
    assert "hari kerja" in chat.text and chat.where()["mode"] == "confirm"
    assert chat.buttons[-3:] == ["submit", "cmd:edit", "cmd:cancel"]


def test_asking_for_another_request_offers_to_finish_or_switch(chat):
    start_as_father(chat)
    chat.say("Putri")
    chat.say("eh mau urus kk juga")
    assert "belum selesai" in chat.text and chat.buttons == ["switch_stay", "switch_go"]
    chat.press("switch_stay")
    assert (chat.where()["step"], chat.buttons) == ("anak_jk", ["L", "P"])
    chat.say("eh mau urus kk juga")
    chat.press("switch_go")
    assert "Kartu Keluarga" in chat.text
    [kept] = chat.where()["paused"]
    assert (kept["flow"], kept["step"], kept["answers"]["anak_nama"]) == ("akta_kelahiran", "anak_jk", "Putri")
    chat.say("menu")
    assert chat.buttons[0] == "resume:akta_kelahiran"


def test_an_unclear_message_names_the_two_likeliest_meanings_and_a_choice_works(chat):
    chat.say("dokumen")  # printing? requirements? the model is not sure
    choices = [b for b in chat.buttons if b.startswith("intent:")]
    assert len(choices) == 2 and chat.buttons[-1] == "cmd:menu"
    first, second = [b["title"] for r in chat.replies for b in r.get("buttons", [])][:2]
    assert f"maksud Bapak/Ibu yang mana: *{first}* atau *{second}*?" in chat.text
    chat.press("intent:ask_hours")  # a meaning pressed is answered, offered or not
    assert "WITA" in chat.text


def test_gibberish_gets_the_menu_not_a_guess(chat):
    chat.say("qwerty asdf")
    assert "belum saya pahami" in chat.text
    assert not any(b.startswith("intent:") for b in chat.buttons)
    assert "svc:akta_kelahiran" in chat.buttons


def test_a_request_after_a_greeting_is_the_request(chat):
    chat.say("assalamualaikum min 🙏 mau bikin akte lahir anak sy")
    assert "kita urus *Akta Kelahiran*" in chat.text


def test_moving_house_starts_the_kk_change(chat):
    chat.say("mau urus surat pindah ke sangatta")
    assert chat.where()["flow"] == "kartu_keluarga"
    # The KK is changed here; the surat pindah itself is not made in the chat, and it says so.
    assert "Surat pindah (SKPWNI) sendiri belum bisa diurus lewat chat ini" in chat.text
    assert "Kartu Keluarga" in chat.text


def test_an_officer_asking_for_money_gets_the_calo_warning(chat):
    chat.say("petugas minta uang biar cepat jadi, itu resmi kah?")
    assert "GRATIS" in chat.text and "calo" in chat.text


def test_out_of_scope_names_the_right_office(chat):
    chat.say("mau bikin paspor dmn ya")
    assert "Imigrasi" in chat.text


def test_hours_question_when_idle(chat):
    chat.say("sabtu buka ga?")
    assert "Sabtu" in chat.text and "tutup" in chat.text.lower()


def engine_for(app, when: datetime):
    """An engine for a fresh WhatsApp contact at a fixed moment."""
    s = db.session()
    contact = Contact(channel="whatsapp", external_id=f"62811{when:%H%M%S}")
    s.add(contact)
    s.flush()
    conv = Conversation(contact_id=contact.id, answers={}, history=[], paused=[], mode="idle")
    s.add(conv)
    s.flush()
    return Engine(s, conv, app.config["OFFICE"], now=when), conv, s


def test_asking_for_a_human_in_office_hours_queues_the_conversation(sqlite_app):
    with sqlite_app.app_context():
        monday_10_wita = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
        engine, conv, s = engine_for(sqlite_app, monday_10_wita)
        replies = engine.handle(Event("text", text="bisa ngomong sm petugas aja?"))
        assert "hubungkan dengan petugas" in replies[0].text
        assert conv.needs_human is True
        s.commit()  # audit entries are inserted at commit (docs/audit.md)
        assert s.execute(select(AuditLog).where(AuditLog.action == "handoff_requested")).scalar_one()


def test_asking_for_a_human_on_saturday_says_when_someone_will_reply(sqlite_app):
    with sqlite_app.app_context():
        saturday_noon_wita = datetime(2026, 11, 28, 4, 0, tzinfo=timezone.utc)
        engine, conv, _ = engine_for(sqlite_app, saturday_noon_wita)
        replies = engine.handle(Event("text", text="tolong sambungin ke orang"))
        assert "di luar jam layanan" in replies[0].text
        assert "Senin, 30 November 2026 pukul 08.00 WITA" in replies[0].text
        assert conv.needs_human is True


def test_asking_for_a_human_mid_request_keeps_the_request(sqlite_app):
    with sqlite_app.app_context():
        engine, conv, _ = engine_for(sqlite_app, datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc))
        engine.handle(Event("button", button="svc:akta_kelahiran"))
        replies = engine.handle(Event("text", text="bisa ngomong sm petugas aja?"))
        # A person is coming: the answers are kept, and the bot asks nothing more of its own.
        assert len(replies) == 1 and "hubungkan dengan petugas" in replies[0].text
        assert "Akta Kelahiran* tetap kami simpan" in replies[0].text and "?" not in replies[0].text
        assert conv.flow == "akta_kelahiran" and conv.needs_human is True


def test_a_complaint_is_acknowledged_and_queued(sqlite_app):
    with sqlite_app.app_context():
        engine, conv, _ = engine_for(sqlite_app, datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc))
        replies = engine.handle(Event("text", text="udh 2 minggu ga ada kabar"))
        assert "mohon maaf" in replies[0].text.lower() and conv.needs_human is True
