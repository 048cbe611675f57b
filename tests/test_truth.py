"""Every sentence the assistant says is true (issue 12, item 5): no booking that does not exist,
what the online services really do, the reporting deadlines, Muslim marriages and divorces sent
to the KUA and the Pengadilan Agama, lost and damaged documents on the right path, the office's
unset contacts never printed as if real, and "Waalaikumsalam" to "assalamualaikum"."""
import logging
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from cryptography.fernet import Fernet

from bot.core.config import ROOT, load_office
from delivery.pdf_common import office_contact_lines
from delivery.receipt import build_receipt
from flows.definition import texts
from flows.office import unset_contacts, warn_unset_contacts
from nlu import faq, get_interpreter
from nlu.entities import extract
from tests.test_receipt import sample, text_of

WITA = ZoneInfo("Asia/Makassar")
CONFIG = load_office(str(ROOT / "config.yml"))
NOW = datetime(2026, 12, 2, 10, tzinfo=WITA)  # a Wednesday, open
T = faq.texts()
ONLINE = [s["title"] for s in CONFIG["services"].values() if s.get("online")]
IN_PERSON = [s["title"] for s in CONFIG["services"].values() if not s.get("online")]
BOOKING = re.compile(r"dipesan|pesan jadwal|booking|book(?:s|ed)? an|reservasi|janji temu|antrean online|"
                     r"jadwal kedatangan", re.I)


def parse(text: str):
    """The interpreter's reading of a message, as the chat reads it."""
    return get_interpreter({}).parse(text, NOW.date())


def reply(text: str, config: dict = CONFIG) -> str | None:
    """The FAQ answer to a message (None when the dialogue, not the FAQ, answers it)."""
    p = parse(text)
    return faq.answer(p.intent, p.entities, config, NOW)


def all_strings(node):
    """Every string inside a parsed YAML file."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from all_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from all_strings(value)


# ---- a booking is promised only where one exists (cetak KTP-el, issue 13) ---------------------------------
BOOKED = [s["title"] for s in CONFIG["services"].values() if not s.get("online") and s.get("flow")]
NOT_BOOKED = [k for k, s in CONFIG["services"].items() if not s.get("online") and not s.get("flow")]


@pytest.mark.parametrize("path", ["nlu/faq.yml", "flows/texts.yml", "config.yml"])
def test_no_text_promises_a_booking_that_does_not_exist(path):
    """Reproduction: the lost-KTP answer said "Jadwal kedatangan bisa dipesan lewat chat ini" before
    any visit could be booked. Now only the texts said inside a booking (texts.yml `booking:`), the
    requirements line said for a service whose flow books (requirements_booked) and the texts
    about Cetak KTP-el, the one service booked in the chat, may speak of a booking (and the slip
    sent after a booking, texts.yml `slip:`)."""
    data = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
    if path == "flows/texts.yml":
        data = {k: v for k, v in data.items() if k not in ("booking", "slip")}
    if path == "nlu/faq.yml":
        data = {k: v for k, v in data.items() if k != "requirements_booked"}
    promises = [s for s in all_strings(data) if BOOKING.search(s) and not any(title in s for title in BOOKED)]
    assert promises == []
    comments = [line for line in (ROOT / path).read_text(encoding="utf-8").splitlines()
                if line.lstrip().startswith("#") and "books" in line]
    assert comments == []
    assert "Cetak KTP-el" in BOOKED and "Kartu Identitas Anak (KIA)" in BOOKED


@pytest.mark.parametrize("text", ["kia anak hilang gmn", "kia anak rusak gimana ya"])
def test_a_lost_or_damaged_kia_says_the_visit_can_be_booked_here(text):
    answer = faq.answer("ask_lost_document", extract(text), CONFIG, NOW)
    assert "jam layanan" in answer and "Jadwal kedatangannya bisa dibuat lewat chat ini" in answer
    assert "Kartu Identitas Anak (KIA)" in answer


@pytest.mark.parametrize("text", ["ktp hilang gimana", "ktp sy hilang", "ktp sy rusak gimana ya"])
def test_a_lost_or_damaged_ktp_says_the_visit_can_be_booked_here(text):
    answer = faq.answer("ask_lost_document", extract(text), CONFIG, NOW)
    assert "jam layanan" in answer and "Jadwal kedatangannya bisa dibuat lewat chat ini" in answer
    assert "Cetak KTP-el" in answer


def test_requirements_say_a_booking_only_for_the_service_booked_in_the_chat():
    booked = faq.answer("ask_requirements", [{"entity": "service", "value": "ktp_print"}], CONFIG, NOW)
    assert "jadwal kedatangannya bisa dibuat lewat chat ini" in booked
    for key in NOT_BOOKED:
        answer = faq.answer("ask_requirements", [{"entity": "service", "value": key}], CONFIG, NOW)
        assert "langsung di kantor pada jam layanan" in answer and not BOOKING.search(answer)


def test_the_address_answer_says_what_the_chat_does_and_what_needs_a_visit():
    answer = reply("alamat kantor dmn")
    for title in ONLINE + IN_PERSON:
        assert title in answer
    assert "dokumennya kami kirim sebagai PDF di chat ini" in answer
    assert not BOOKING.search(answer)


def test_the_hours_answer_names_the_online_services_from_the_config():
    answer = reply("jam buka kantor")
    assert all(title in answer for title in ONLINE)
    assert "kami kirim sebagai PDF" in answer


# ---- deadlines where a citizen asks --------------------------------------------------------------------
@pytest.mark.parametrize("text,days,law", [
    ("batas waktu lapor kematian berapa hari?", "30 hari", "UU 24/2013 Pasal 44"),
    ("akta kelahiran paling lambat berapa hari dilaporkan?", "60 hari", "UU 23/2006 Pasal 27"),
    ("lapor akta perceraian paling lambat kapan", "60 hari", "UU 23/2006 Pasal 40"),
    ("batas waktu lapor akta perkawinan berapa hari", "60 hari", "UU 23/2006 Pasal 34"),
])
def test_a_deadline_question_gets_the_deadline_and_its_law(text, days, law):
    p = parse(text)
    assert p.intent == "ask_duration", p
    answer = reply(text)
    assert days in answer and law in answer


def test_a_deadline_question_without_a_service_lists_every_deadline():
    answer = reply("ada batas waktunya ga kalau lapor?")
    assert "30 hari" in answer and "UU 23/2006 Pasal 40" in answer and "UU 23/2006 Pasal 34" in answer
    assert answer.endswith(T["duration_list_ask"])


def test_late_reporting_is_explained_not_refused():
    for key in ("akta_kelahiran", "akta_kematian", "akta_perceraian", "marriage_certificate"):
        assert "Lewat dari itu tetap bisa" in CONFIG["services"][key]["deadline"]


# ---- KUA and Pengadilan Agama ----------------------------------------------------------------------------
def test_a_muslim_divorce_is_sent_to_the_pengadilan_agama_and_the_kk_update_offered():
    """Reproduction: "akta cerai muslim dimana?" got the Disdukcapil form and address."""
    p = parse("akta cerai muslim dimana?")
    assert p.intent in faq.FAQ_INTENTS
    answer = reply("akta cerai muslim dimana?")
    assert answer == T["muslim"]["akta_perceraian"]
    assert "Pengadilan Agama" in answer and "*perubahan KK*" in answer
    assert CONFIG["office"]["address"] not in answer


def test_a_muslim_marriage_is_sent_to_the_kua():
    """Reproduction: "kami muslim mau nikah, akta nikah di capil bisa?" got the non-Muslim list."""
    p = parse("kami muslim mau nikah, akta nikah di capil bisa?")
    assert p.intent in faq.FAQ_INTENTS
    answer = reply("kami muslim mau nikah, akta nikah di capil bisa?")
    assert "KUA kecamatan" in answer and "buku nikah" in answer
    assert "pemuka agama" not in answer  # the non-Muslim requirements


@pytest.mark.parametrize("text", ["syarat akta perkawinan untuk yang islam", "saya islam, cerai dimana urusnya",
                                  "akta nikah muslim hilang"])
def test_any_question_naming_islam_and_marriage_or_divorce_is_routed(text):
    answer = reply(text)
    assert answer in (T["muslim"]["marriage_certificate"], T["muslim"]["akta_perceraian"])


@pytest.mark.parametrize("text,intent", [
    ("mau urus akta cerai, kami kristen", "divorce_certificate"),
    ("syarat akta perkawinan non muslim", "ask_requirements"),
])
def test_non_muslims_keep_the_office_service(text, intent):
    assert parse(text).intent == intent


def test_a_muslim_asking_about_another_service_is_not_rerouted():
    assert parse("saya muslim mau buat akte lahir anak").intent == "birth_certificate"


# ---- lost and damaged documents ----------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["akte lahir anak sy hilang", "akta kelahiran hilang",
                                  "akta kematian bapak saya rusak"])
def test_a_lost_or_damaged_akta_takes_the_lost_document_path(text):
    """Reproduction: "akte lahir anak sy hilang" started a new birth registration."""
    p = parse(text)
    assert p.intent == "ask_lost_document" and p.confidence >= 0.5, p
    answer = reply(text)
    assert "kirim ulang dokumen" in answer and "kode QR" in answer


def test_a_lost_akta_needs_the_police_letter_only_when_printed_by_the_office():
    answer = reply("akta kelahiran hilang")
    assert "surat keterangan hilang dari kepolisian" in answer and "tidak perlu diurus dari awal" in answer


@pytest.mark.parametrize("text", ["akta kematian bapak saya rusak", "ktp sy rusak gimana ya",
                                  "kk sobek gimana", "dokumen rusak kena banjir gmn"])
def test_a_damaged_document_is_never_taken_for_a_lost_one(text):
    entities = extract(text)
    answer = faq.answer("ask_lost_document", entities, CONFIG, NOW)
    assert "surat keterangan hilang dari kepolisian" not in answer
    assert "rusak" in answer.lower()


def test_a_new_birth_with_a_lost_birth_letter_is_still_a_birth_registration():
    assert parse("anak saya baru lahir, surat keterangan lahir dari bidan hilang").intent == "birth_certificate"


# ---- the office's contacts ------------------------------------------------------------------------------------
def test_the_placeholder_contacts_are_not_in_the_config():
    office = CONFIG["office"]
    assert "000000" not in str(office.get("phone")) and "0000-0000" not in str(office.get("whatsapp"))
    assert {"office.phone", "office.whatsapp"} <= set(unset_contacts(CONFIG))


def test_the_receipt_prints_belum_diatur_not_a_made_up_number():
    """Reproduction: every PDF's letterhead printed "Telp. (0549) 000000"."""
    text = text_of(build_receipt(sample(office=CONFIG["office"])))
    assert "000000" not in text and "0000-0000" not in text
    assert T["contact_unset"] in text


def test_a_placeholder_left_in_the_config_is_still_not_printed():
    lines = office_contact_lines({"name": "X", "phone": "(0549) 000000", "whatsapp": "+62 811-0000-0000",
                                  "email": "kantor@example.go.id"}, texts()["pdf"])
    assert "000000" not in " ".join(lines) and "0000-0000" not in " ".join(lines)
    assert lines[0].count(T["contact_unset"]) == 2 and "kantor@example.go.id" not in lines[1]


def test_a_contact_the_office_set_is_printed_as_it_is():
    lines = office_contact_lines({"name": "X", "phone": "(0549) 21234", "email": "capil@kutaitimurkab.go.id"},
                                 texts()["pdf"])
    assert lines == [fill_pdf("phone", "(0549) 21234"), fill_pdf("email", "capil@kutaitimurkab.go.id")]


def fill_pdf(key: str, value: str) -> str:
    """texts.yml pdf.<key> filled."""
    from bot.core.text import fill
    return fill(texts()["pdf"][key], {key: value})


def test_the_chat_says_belum_diatur_for_unset_contacts():
    answer = reply("alamat kantor capil dimana?")
    assert T["contact_unset"] in answer and "000000" not in answer
    real = dict(CONFIG, office=dict(CONFIG["office"], phone="(0549) 21234"))
    assert "Telepon: (0549) 21234" in faq.answer("ask_location", [], real, NOW)


def test_a_production_start_warns_about_each_unset_contact(monkeypatch, tmp_path, caplog):
    from bot.web.app import create_app

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setenv("DATA_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    caplog.set_level(logging.WARNING, logger="flows.office")
    create_app({"RATE_LIMITS": False})
    warnings = [r.getMessage() for r in caplog.records if r.name == "flows.office" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    for name in ("office.phone", "office.whatsapp"):
        assert name in warnings[0]


def test_a_demo_start_does_not_warn(monkeypatch, tmp_path, caplog):
    from bot.web.app import create_app

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    caplog.set_level(logging.WARNING, logger="flows.office")
    create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}", "RATE_LIMITS": False})
    assert not [r for r in caplog.records if r.name == "flows.office"]


def test_a_complete_config_gives_no_warning(caplog):
    full = dict(CONFIG, office=dict(CONFIG["office"], phone="(0549) 21234", whatsapp="+62 812-5555-1234",
                                    email="capil@kutaitimurkab.go.id", website="https://capil.example"),
                privacy=dict(CONFIG["privacy"], dpo_contact="ppid@kutaitimurkab.go.id"))
    caplog.set_level(logging.WARNING, logger="flows.office")
    assert warn_unset_contacts(full) == ["office.website"]  # "example" is a placeholder


# ---- greetings -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["assalamualaikum", "assalamu'alaikum", "aslmkm", "salam",
                                  "Assalamu alaikum wr wb", "ass wr wb min"])
def test_assalamualaikum_is_answered_waalaikumsalam(text):
    p = parse(text)
    assert p.intent == "greet" and p.confidence >= 0.5, p
    assert faq.answer_greeting(p.entities) == T["greet_salam"]
    assert T["greet_salam"].startswith("Waalaikumsalam")


@pytest.mark.parametrize("text", ["halo", "selamat pagi", "salam kenal min", "salam sejahtera", "shalom"])
def test_other_greetings_are_answered_as_today(text):
    assert faq.answer_greeting(parse(text).entities) is None


def test_a_question_after_assalamualaikum_is_answered_after_waalaikumsalam():
    answer = reply("assalamualaikum, jam berapa kantor buka?")
    assert answer.startswith(T["greet_salam"] + "\n\n") and "Jam pelayanan" in answer


def test_the_chat_answers_assalamualaikum_before_the_welcome(inline_chat):
    inline_chat.say("assalamualaikum")
    assert inline_chat.replies[0]["text"].startswith("Waalaikumsalam")


def test_the_welcome_itself_stays_neutral():
    assert "Waalaikumsalam" not in texts()["welcome"]


def test_the_faq_texts_file_is_the_one_checked():
    assert Path(faq.TEXTS_PATH) == ROOT / "nlu" / "faq.yml"



# ---- in the chat ------------------------------------------------------------------------------------------------
def test_in_the_chat_a_lost_akta_is_answered_not_registered_again(inline_chat):
    inline_chat.say("akte lahir anak sy hilang")
    assert "kirim ulang dokumen" in inline_chat.text
    assert inline_chat.where()["flow"] is None  # no new birth registration started


def test_in_the_chat_a_muslim_divorce_question_gets_the_pengadilan_agama(inline_chat):
    inline_chat.say("akta cerai muslim dimana?")
    assert "Pengadilan Agama" in inline_chat.text and inline_chat.where()["flow"] is None


def test_in_the_chat_christmas_is_closed(inline_chat):
    inline_chat.say("25 desember kantor buka?")
    assert "Hari Raya Natal" in inline_chat.text and "*tutup*" in inline_chat.text
