"""batal, kembali, ubah, menu and bantuan work everywhere in a flow; bad answers are re-asked."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.db import dispose as dispose_db
from bot.core.models import Conversation, Message, as_utc
from tests.conftest import FATHER_NIK, answer_child, answer_until_summary, start_as_father


def age_messages(app, days: int) -> None:
    """Pretend everything said so far was said `days` ago."""
    with app.app_context():
        s = db.session()
        for message in s.execute(select(Message)).scalars():
            message.created_at = as_utc(message.created_at) - timedelta(days=days)
        s.commit()


def to_father_nik(chat):
    """Answer up to the father's NIK question."""
    start_as_father(chat)
    chat.say("Putri")
    to_father_nik_from_sex(chat)


def to_father_nik_from_sex(chat):
    """From the child's sex question, answer up to the father's NIK question."""
    answer_child(chat, name=None)
    chat.say("Budi Santoso")
    chat.press("WNI")  # citizenship comes before the NIK
    assert "NIK ayah" in chat.text


def test_an_invalid_nik_is_reasked_with_the_reason(chat):
    to_father_nik(chat)
    chat.say("6408 0117 0890 001")
    assert "NIK harus 16 angka, yang Bapak/Ibu kirim 15 angka" in chat.text
    assert "Berapa *NIK ayah*?" in chat.text
    chat.say("64080117089000012")
    assert "17 angka" in chat.text
    chat.say("6408013302900001")  # 33 February does not exist
    assert "tanggal lahir di NIK" in chat.text
    chat.say("6408011708900000")
    assert "0000" in chat.text or "urut" in chat.text
    chat.say("6408.0117.0890.0001")  # dots are fine
    assert "Di mana ayah lahir?" in chat.text


def test_the_office_rewords_a_reask_reason_in_texts_yml_and_the_citizen_reads_it(inline_chat, edited_texts):
    chat = inline_chat
    import yaml

    data = yaml.safe_load(edited_texts.read_text(encoding="utf-8"))
    data["validation"]["id_length"] = "{what} yang terkirim {count} angka, padahal harus 16. Lihat lagi {where} ya."
    data["validation"]["id_nik_where"] = "di KTP-el"
    data["validation"]["choice_reask"] = "Pilih salah satu ya: {options}."
    edited_texts.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    start_as_father(chat)
    chat.say("Putri")
    chat.say("banci")
    assert "Pilih salah satu ya: 1. Laki-laki, 2. Perempuan." in chat.text
    assert "Mohon pilih salah satu" not in chat.text
    to_father_nik_from_sex(chat)
    chat.say("6408 0117 0890 001")
    assert "NIK yang terkirim 15 angka, padahal harus 16. Lihat lagi di KTP-el ya." in chat.text
    assert "Berapa *NIK ayah*?" in chat.text


def test_a_nik_from_outside_kutai_timur_is_accepted(chat):
    to_father_nik(chat)
    chat.say("3171011708900001")  # Jakarta: people move, the NIK does not change
    assert "Di mana ayah lahir?" in chat.text


def test_a_future_date_and_an_impossible_date_are_refused(chat):
    start_as_father(chat)
    chat.say("Putri")
    chat.press("P")
    chat.say("5/1/2099")
    assert "belum terjadi" in chat.text and "Kapan Putri lahir?" in chat.text
    chat.say("31/2/2026")
    assert "Kapan Putri lahir?" in chat.text and "belum terjadi" not in chat.text
    chat.say("5 januari 2026")
    assert "Pukul berapa" in chat.text


def test_a_name_with_digits_and_a_bad_choice_are_reasked(chat):
    start_as_father(chat)
    chat.say("Putri 2")
    assert "angka" in chat.text and "nama lengkap anak" in chat.text
    chat.say("Putri")
    chat.say("banci")
    assert "Mohon pilih salah satu: 1. Laki-laki, 2. Perempuan" in chat.text
    chat.say("2")
    assert "Kapan Putri lahir?" in chat.text


def test_kembali_goes_back_one_question_and_shows_the_old_answer(chat):
    start_as_father(chat)
    chat.say("Putri")
    chat.press("P")
    chat.say("kembali")
    assert "Jawaban sebelumnya: Perempuan" in chat.text and "Jenis kelamin Putri?" in chat.text
    chat.say("kembali")
    assert "Jawaban sebelumnya: Putri" in chat.text
    chat.say("Putri Ayu")
    assert "Jenis kelamin Putri Ayu?" in chat.text


def test_kembali_at_the_first_question_says_so(chat):
    chat.say("halo")
    chat.press("svc:akta_kelahiran")
    chat.say("kembali")
    assert "Ini sudah pertanyaan pertama" in chat.text and "sebagai apa?" in chat.text


def test_ubah_from_the_summary_changes_one_answer_and_returns_to_the_summary(chat, png):
    answer_until_summary(chat, png)
    lines = [line for line in chat.text.splitlines() if "Nama anak: Putri Ayu Lestari" in line]
    number = lines[0].split(".")[0]  # the summary's numbers are what *ubah* takes
    chat.press("cmd:edit")
    assert "Ketik nomornya" in chat.text
    chat.say("99")
    assert "Mohon ketik nomor antara 1 dan" in chat.text
    chat.say(number)
    assert "Jawaban sebelumnya: Putri Ayu Lestari" in chat.text
    chat.say("Putri Ayu Lestari Ningsih")
    assert "Putri Ayu Lestari Ningsih" in chat.text and chat.buttons == ["submit", "cmd:edit", "cmd:cancel"]


def test_changing_an_answer_can_open_new_questions(chat, png):
    answer_until_summary(chat, png)
    number = next(line for line in chat.text.splitlines() if "Ada surat keterangan lahir:" in line).split(".")[0]
    chat.press("cmd:edit")
    chat.say(number)
    chat.press("no")
    assert "SPTJM" in chat.text  # the witness path now applies
    chat.press("agree")
    assert "saksi pertama" in chat.text


def test_batal_asks_first_then_deletes_the_answers(app, chat):
    start_as_father(chat)
    chat.say("Putri")
    chat.say("batal")
    assert "Yakin ingin membatalkan" in chat.text
    chat.press("cancel_no")
    assert "kita lanjutkan" in chat.text and "Jenis kelamin Putri?" in chat.text
    chat.say("batal")
    chat.press("cancel_yes")
    assert "sudah dibatalkan" in chat.text
    with app.app_context():
        conv = db.session().execute(select(Conversation)).scalar_one()
        assert conv.flow is None and conv.answers == {}


def test_menu_keeps_the_request_and_offers_to_continue(chat):
    start_as_father(chat)
    chat.say("Putri")
    chat.say("menu")
    assert "kami simpan" in chat.text and chat.buttons[0] == "resume:akta_kelahiran"
    chat.press("resume:akta_kelahiran")
    assert "kita lanjutkan" in chat.text and "Jenis kelamin Putri?" in chat.text


def test_choosing_the_same_service_again_resumes_it(chat):
    start_as_father(chat)
    chat.say("Putri")
    chat.say("menu")
    chat.press("svc:akta_kelahiran")
    assert "Jenis kelamin Putri?" in chat.text


def test_bantuan_explains_the_commands_and_repeats_the_question(chat):
    start_as_father(chat)
    chat.say("bantuan")
    assert "*kembali*" in chat.text and "*batal*" in chat.text and "nama lengkap anak" in chat.text


def test_an_unfinished_request_is_offered_again_after_days_away(app, chat):
    start_as_father(chat)
    chat.say("Putri")
    age_messages(app, days=3)
    chat.say("halo")
    assert "Selamat datang kembali" in chat.text and "Akta Kelahiran" in chat.text
    assert chat.buttons == ["resume", "restart", "cmd:menu"]
    chat.press("resume")
    assert "Jenis kelamin Putri?" in chat.text


def test_starting_over_after_days_away_clears_the_answers(app, chat):
    start_as_father(chat)
    chat.say("Putri")
    age_messages(app, days=3)
    chat.say("halo")
    chat.press("restart")
    assert "mulai dari awal" in chat.text and "sebagai apa?" in chat.text


def test_nothing_is_lost_when_the_server_restarts_mid_request(app, chat):
    from bot import create_app
    from tests.conftest import Chat

    to_father_nik(chat)
    restarted = create_app(dict(app.config))  # a new process would build a new app like this
    browser = restarted.test_client()  # the same browser: it keeps its simulator cookie
    browser.set_cookie("sapa_try", chat.client.get_cookie("sapa_try", path="/try").value, path="/try")
    again = Chat(browser, "citizen-1")
    again.say(FATHER_NIK)
    assert "Di mana ayah lahir?" in again.text
    dispose_db(restarted)


def test_a_status_request_with_no_requests_says_so(chat):
    chat.say("cek status")
    assert "Belum ada permohonan" in chat.text


def test_an_unclear_message_when_idle_gets_a_clarifying_question(chat):
    chat.say("dokumen")
    assert "maksud Bapak/Ibu yang mana" in chat.text and chat.buttons[-1] == "cmd:menu"
    assert all(b.startswith("intent:") for b in chat.buttons[:-1]) and len(chat.buttons) == 3
    chat.press("cmd:menu")
    assert "svc:akta_kelahiran" in chat.buttons


def test_a_service_done_in_person_says_what_to_bring(inline_chat, monkeypatch):
    # An office may keep a service at the counter without booking (no `flow:`): the assistant then
    # says what to bring and that it is done at the office. All four are booked in Kutai Timur, so
    # this test takes the booking away from one of them.
    chat = inline_chat
    services = chat.client.application.config["OFFICE"]["services"]
    monkeypatch.delitem(services["kia"], "flow")
    chat.press("svc:kia")
    assert "langsung di kantor" in chat.text and services["kia"]["requirements"][0] in chat.text
    assert "GRATIS" in chat.text
