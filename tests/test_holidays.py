"""Indonesia's national holidays and cuti bersama close the office without anyone typing them
(the `holidays` library); config.yml adds the office's own closures. Hours answers, the next
opening and the officer hand-off all skip them."""
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot.core import db
from bot.core.config import ROOT, load_office
from bot.core.models import Contact, Conversation
from flows.engine import Engine
from flows.messages import Event
from nlu import faq, get_interpreter

WITA = ZoneInfo("Asia/Makassar")
CONFIG = load_office(str(ROOT / "config.yml"))
T = faq.texts()


def office(**changes) -> dict:
    """config.yml with some office settings changed."""
    return dict(CONFIG, office=dict(CONFIG["office"], **changes))


def ask(text: str, now: datetime, config: dict = CONFIG) -> str:
    """The FAQ answer to a message, read by the interpreter as the chat reads it."""
    parse = get_interpreter({}).parse(text, now.date())
    return faq.answer(parse.intent, parse.entities, config, now)


def test_the_pinned_library_knows_indonesia_and_its_cuti_bersama():
    pinned = next(line.split("==")[1].split()[0] for line in (ROOT / "requirements.txt").read_text().splitlines()
                  if line.startswith("holidays=="))
    assert holidays.__version__ == pinned
    assert "government" in holidays.country_holidays("ID").supported_categories  # cuti bersama


def test_christmas_day_is_answered_closed_with_the_holiday_named():
    """Reproduction (issue 12.5): "25 desember kantor buka?" was answered "buka"."""
    text = ask("25 desember kantor buka?", datetime(2026, 11, 30, 10, tzinfo=WITA))
    assert fill_holiday(date(2026, 12, 25), "Hari Raya Natal") in text
    assert "buka pukul" not in text.split("\n\n")[0]


def fill_holiday(day: date, name: str) -> str:
    """hours_asked_holiday as the answer writes it."""
    from bot.core.text import fill
    when = fill(T["date"], {"weekday": T["days"][day.weekday()], "day": day.day,
                            "month": T["months"][day.month - 1], "year": day.year})
    return fill(T["hours_asked_holiday"], {"date": when, "holiday": name})


def test_cuti_bersama_closes_the_office_unless_the_office_serves_then():
    christmas_eve = date(2026, 12, 24)  # a Thursday, cuti bersama Natal
    assert faq.open_on(christmas_eve, CONFIG) is None
    assert "Cuti Bersama" in faq.holiday_name(christmas_eve, CONFIG)
    assert faq.open_on(christmas_eve, office(cuti_bersama=False)) is not None
    assert faq.open_on(date(2026, 12, 25), office(cuti_bersama=False)) is None  # Natal itself
    assert faq.open_on(date(2026, 12, 25), office(national_holidays=False)) is not None


def test_the_next_opening_skips_holidays_and_cuti_bersama():
    wednesday_evening = datetime(2026, 12, 23, 16, tzinfo=WITA)
    assert faq.next_opening(wednesday_evening, CONFIG) == datetime(2026, 12, 28, 8, tzinfo=WITA)
    text = ask("jam buka kantor", wednesday_evening)
    assert "Senin, 28 Desember 2026 pukul 08.00" in text
    assert "Kamis, 24 Desember 2026: Cuti Bersama Hari Raya Natal" in text  # announced ahead


def test_a_holiday_today_is_named():
    idul_fitri = datetime(2026, 3, 21, 9, tzinfo=WITA)
    nyepi = datetime(2026, 3, 19, 9, tzinfo=WITA)  # a Thursday: a working day otherwise
    assert faq.holiday_name(idul_fitri.date(), CONFIG).startswith("Hari Raya Idul Fitri")
    text = ask("hari ini buka?", nyepi)
    assert "Hari ini libur: Hari Suci Nyepi." in text and "Saat ini kantor *tutup*" in text


def test_the_office_adds_its_own_closures_with_or_without_a_name():
    config = office(holidays=[{"date": "2026-10-12", "name": "HUT Kabupaten Kutai Timur"}, "2026-10-13"])
    assert faq.holiday_name(date(2026, 10, 12), config) == "HUT Kabupaten Kutai Timur"
    assert faq.holiday_name(date(2026, 10, 13), config) == T["holiday_local"]
    assert faq.next_opening(datetime(2026, 10, 11, 12, tzinfo=WITA), config) == datetime(
        2026, 10, 14, 8, tzinfo=WITA)


def test_an_ordinary_day_is_no_holiday():
    assert faq.holiday_name(date(2026, 12, 2), CONFIG) is None
    assert faq.is_open(datetime(2026, 12, 2, 9, tzinfo=WITA), CONFIG)


@pytest.fixture
def engine_at(sqlite_app):
    """An engine for a fresh contact at a fixed moment."""
    contexts = []

    def make(when: datetime):
        ctx = sqlite_app.app_context()
        ctx.push()
        contexts.append(ctx)
        s = db.session()
        contact = Contact(channel="whatsapp", external_id=f"62812{when:%m%d%H%M}")
        s.add(contact)
        s.flush()
        conv = Conversation(contact_id=contact.id, answers={}, history=[], paused=[], mode="idle")
        s.add(conv)
        s.flush()
        return Engine(s, conv, sqlite_app.config["OFFICE"], now=when)

    yield make
    for ctx in reversed(contexts):
        ctx.pop()


def test_the_handoff_reply_names_the_next_opening_after_the_holidays(engine_at):
    wednesday_evening = datetime(2026, 12, 23, 8, 0, tzinfo=timezone.utc)  # 16:00 WITA, closed
    replies = engine_at(wednesday_evening).handle(Event("text", text="tolong sambungin ke petugas"))
    assert "Senin, 28 Desember 2026 pukul 08.00 WITA" in replies[-1].text
    assert "24 Desember" not in replies[-1].text


def test_the_config_documents_the_switches():
    text = Path(ROOT / "config.yml").read_text(encoding="utf-8")
    assert "national_holidays: true" in text and "cuti_bersama: true" in text
