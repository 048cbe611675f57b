"""FAQ answers: built from the office config, fitted to the service asked about."""
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.core.text import fill
from nlu import faq
from nlu.entities import extract

WITA = ZoneInfo("Asia/Makassar")
CONFIG_PATH = Path(__file__).resolve().parent.parent / "config.yml"
T = faq.texts()  # the wording (nlu/faq.yml); the facts come from config.yml


def say(key, **values):
    """A text of nlu/faq.yml with its placeholders filled."""
    return fill(T[key], values)


def tanggal(y, m, d):
    """A date as the answers write it ("Senin, 16 Maret 2026")."""
    day = date(y, m, d)
    return say("date", weekday=T["days"][day.weekday()], day=d, month=T["months"][m - 1], year=y)


@pytest.fixture(scope="module")
def config():
    """config.yml as the application loads it."""
    return yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))


def at(y, m, d, hh=10, mm=0):
    """An office-time datetime."""
    return datetime(y, m, d, hh, mm, tzinfo=WITA)


def ask(intent, text, config, now=None):
    """The FAQ answer for a message, with entities extracted as the interpreter would."""
    now = now or at(2026, 3, 11)
    return faq.answer(intent, extract(text, now.date()), config, now)


def test_hours_on_a_saturday_say_closed_and_when_it_opens(config):
    text = ask("ask_hours", "buka ga sekarang?", config, at(2026, 3, 14, 10))  # Saturday
    assert say("hours_closed_now_reopens", zone="WITA",
               when=say("reopens_later", date=tanggal(2026, 3, 16), time="08.00")) in text


def test_hours_on_a_friday_afternoon_after_closing(config):
    text = ask("ask_hours", "jam brp buka", config, at(2026, 3, 13, 13, 5))  # Friday 13:05
    assert say("reopens_later", date=tanggal(2026, 3, 16), time="08.00") in text
    assert say("schedule_open", days=T["days"][4], opens="08.00", closes="11.30", zone="WITA") in text


def test_hours_when_open_say_until_when(config):
    text = ask("ask_hours", "masih buka?", config, at(2026, 3, 11, 9, 30))  # Wednesday
    assert say("hours_open_now", closes="15.30", zone="WITA") in text
    monday_to_thursday = say("schedule_days", first=T["days"][0], last=T["days"][3])
    assert say("schedule_open", days=monday_to_thursday, opens="08.00", closes="15.30",
               zone="WITA") in text


def test_hours_before_opening_say_today(config):
    text = ask("ask_hours", "jam buka", config, at(2026, 3, 11, 6, 45))
    assert say("reopens_today", time="08.00") in text


def test_hours_about_a_named_day(config):
    text = ask("ask_hours", "hari sabtu buka ga", config, at(2026, 3, 11, 9))
    assert say("hours_asked_closed", date=tanggal(2026, 3, 14)) in text


def test_hours_skip_configured_holidays(config):
    holiday = dict(config, office=dict(config["office"], holidays=["2026-03-16"]))
    text = ask("ask_hours", "kapan buka", holiday, at(2026, 3, 14, 10))
    assert say("reopens_later", date=tanggal(2026, 3, 17), time="08.00") in text


def test_hours_accept_string_weekday_keys_and_utc_now(config):
    office = dict(config["office"], hours={str(k): v for k, v in config["office"]["hours"].items()})
    now = datetime(2026, 3, 11, 1, 30, tzinfo=ZoneInfo("UTC"))  # 09:30 WITA
    assert faq.is_open(now, dict(config, office=office))


def test_cost_says_gratis_and_warns_about_calo(config):
    text = ask("ask_cost", "bayar brp bikin akte lahir?", config)
    assert text == say("cost", what=say("cost_service", title="Akta Kelahiran"))
    assert "calo" in T["cost"] and "79A" in T["cost"] and "95B" in T["cost"]


def test_requirements_follow_the_service_named(config):
    text = ask("ask_requirements", "syarat akta kematian apa", config)
    assert text.startswith(say("requirements_title", title="Akta Kematian"))
    for item in config["services"]["akta_kematian"]["requirements"]:
        assert item in text
    assert "Akta Kelahiran" not in text


def test_requirements_without_a_service_offer_a_choice(config):
    text = ask("ask_requirements", "syaratnya apa kak", config)
    assert text.startswith(T["requirements_choose"].split("{")[0])
    assert say("bullet", item="Akta Kematian") in text and say("bullet", item="Cetak KTP-el") in text


def test_marriage_requirements_send_muslims_to_kua(config):
    text = ask("ask_requirements", "syarat akta perkawinan", config)
    assert "KUA" in text and "Islam" in text


def test_divorce_requirements_send_muslims_to_pengadilan_agama(config):
    text = ask("ask_requirements", "syarat akta cerai", config)
    assert "Pengadilan Agama" in text


def test_duration_for_a_service_and_without_one(config):
    assert config["services"]["akta_kelahiran"]["duration"] in ask(
        "ask_duration", "akte lahir berapa lama", config)
    listing = ask("ask_duration", "berapa lama prosesnya", config)
    assert listing.startswith(T["duration_list"].split("{")[0]) and "Akta Perkawinan" in listing


def test_print_answer_comes_from_config(config):
    text = ask("ask_print", "print pakai kertas apa", config)
    assert "HVS" in text and "A4" in text and "80 gram" in text
    assert "hitam-putih" in text and "legalisir" in text
    assert text.startswith(T["print_intro"]) and text.endswith(T["print_qr"])


def test_location_gives_address_and_map(config):
    text = ask("ask_location", "alamat kantor dmn", config)
    assert config["office"]["address"] in text and config["office"]["map_url"] in text


def test_lost_ktp_needs_a_police_letter(config):
    text = ask("ask_lost_document", "ktp sy hilang", config)
    assert text == T["lost"]["ktp_print"]
    assert "kepolisian" in text and "cetak ulang" in text


def test_lost_without_a_document_asks_which(config):
    assert ask("ask_lost_document", "dokumen sy hilang semua", config) == say(
        "lost_any", **{k: T["lost"][k] for k in ("ktp_print", "kartu_keluarga", "akta")})


@pytest.mark.parametrize("text,office", [
    ("mau bikin paspor", "Kantor Imigrasi"),
    ("perpanjang sim c", "Satlantas"),
    ("daftar bpjs", "BPJS"),
    ("urus skck", "Polres"),
])
def test_out_of_scope_names_the_right_office(config, text, office):
    answer = ask("out_of_scope", text, config)
    topic = extract(text, date(2026, 3, 11))[0]["value"]
    assert answer == say("out_of_scope_topic", office=T["other_offices"][topic])
    assert office in answer


def test_out_of_scope_without_a_topic_offers_the_menu(config):
    assert ask("out_of_scope", "cuaca hari ini", config) == T["out_of_scope"]


def test_non_faq_intents_get_no_answer(config):
    for intent in ("greet", "birth_certificate", "check_status", "human", "cancel"):
        assert faq.answer(intent, [], config, at(2026, 3, 11)) is None


def test_answers_use_the_config_not_hard_coded_facts(config):
    other = dict(config, office=dict(config["office"], address="Jl. Contoh 1",
                                     hours={0: ["07:30", "12:00"]}))
    assert "Jl. Contoh 1" in faq.answer("ask_location", [], other, at(2026, 3, 11))
    text = faq.answer("ask_hours", [], other, at(2026, 3, 11))
    assert say("schedule_open", days=T["days"][0], opens="07.30", closes="12.00", zone="WITA") in text
    assert say("reopens_later", date=tanggal(2026, 3, 16), time="07.30") in text
    assert faq.next_opening(at(2026, 3, 11), dict(config, office=dict(
        config["office"], hours={}))) is None
    assert date(2026, 3, 16) == faq.next_opening(at(2026, 3, 14), config).date()
