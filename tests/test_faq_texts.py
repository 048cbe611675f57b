"""nlu/faq.yml: the FAQ answers' sentences are the office's texts, checked when they are loaded."""
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from nlu import faq
from nlu.entities import extract

WITA = ZoneInfo("Asia/Makassar")
ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
INTENTS = ("ask_hours", "ask_location", "ask_cost", "ask_print", "ask_duration",
           "ask_requirements", "ask_lost_document", "out_of_scope")
SHIPPED = yaml.safe_load(faq.TEXTS_PATH.read_text(encoding="utf-8"))


def write(tmp_path, data) -> Path:
    """A copy of faq.yml holding `data`."""
    path = tmp_path / "faq.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def edited(**changes) -> dict:
    """The shipped texts with some keys replaced (None removes the key)."""
    data = yaml.safe_load(faq.TEXTS_PATH.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


def problems_of(tmp_path, data) -> list[str]:
    """The problems load_texts reports for a copy of faq.yml holding `data`."""
    with pytest.raises(faq.FaqTextsError) as err:
        faq.load_texts(write(tmp_path, data))
    return err.value.problems


# ---- the shipped file -------------------------------------------------------------------------------
def test_the_shipped_file_has_every_key_and_nothing_else():
    assert faq.check_texts(SHIPPED) == []
    assert faq.texts() is faq.load_texts(faq.TEXTS_PATH)  # read once, then cached
    assert faq.HARI == SHIPPED["days"]


class _Recording(dict):
    """A texts mapping that notes which keys the code reads."""

    def __init__(self, data, seen):
        super().__init__(data)
        self.seen = seen

    def __getitem__(self, key):
        self.seen.add(key)
        return super().__getitem__(key)


def test_the_code_reads_exactly_the_keys_the_check_requires(monkeypatch):
    seen: set = set()
    shipped = faq.texts()
    monkeypatch.setattr(faq, "texts", lambda: _Recording(shipped, seen))
    holiday = dict(CONFIG, office=dict(CONFIG["office"], holidays=["2026-03-16"]))
    times = [datetime(2026, 3, 11, 6, 45, tzinfo=WITA), datetime(2026, 3, 11, 9, 30, tzinfo=WITA),
             datetime(2026, 3, 12, 16, tzinfo=WITA), datetime(2026, 3, 14, 10, tzinfo=WITA),
             datetime(2026, 3, 19, 10, tzinfo=WITA)]  # Hari Suci Nyepi, a Thursday
    messages = ["jam buka", "hari sabtu buka ga", "senin buka?", "rabu buka?",
                "alamat di kecamatan sangatta utara", "biaya", "biaya akta lahir", "kertas apa", "berapa lama",
                "akte lahir berapa lama", "syaratnya apa", "syarat akta cerai", "syarat ktp",
                "ktp hilang", "akta nikah hilang", "dokumen hilang", "paspor", "cuaca",
                "ktp rusak", "dokumen rusak", "assalamualaikum, jam buka?", "akta cerai muslim dimana"]
    closed = dict(CONFIG, office=dict(CONFIG["office"], hours={}))
    # every in-person service as if none were booked in the chat yet (requirements_office)
    unbooked = dict(CONFIG, services={k: {f: v for f, v in s.items() if f != "flow" or s.get("online")}
                                      for k, s in CONFIG["services"].items()})
    for config in (CONFIG, holiday, closed, unbooked):
        for now in times:
            for text in messages:
                for intent in INTENTS:
                    faq.answer(intent, extract(text, now.date()), config, now)
    required = set(faq.TEXTS) | set(faq.TEXT_GROUPS) | set(faq.TEXT_LISTS)
    assert seen == required


# ---- the check names the file and the key -----------------------------------------------------------
def test_an_unknown_key_is_named_with_the_file(tmp_path):
    problems = problems_of(tmp_path, edited(cost_free="Gratis."))
    assert problems == [f"{tmp_path / 'faq.yml'}: unknown key 'cost_free'"]


def test_a_missing_key_is_named(tmp_path):
    assert problems_of(tmp_path, edited(hours_online=None)) == [
        f"{tmp_path / 'faq.yml'}: missing required key 'hours_online'"]


def test_a_group_needs_its_keys_and_no_others(tmp_path):
    offices = dict(SHIPPED["other_offices"], kua="KUA.")
    del offices["sim"]
    problems = problems_of(tmp_path, edited(other_offices=offices))
    assert [p.split(": ", 1)[1] for p in problems] == [
        "other_offices: unknown key 'kua'", "other_offices: missing required key 'sim'"]


def test_a_placeholder_not_filled_there_is_named(tmp_path):
    problems = problems_of(tmp_path, edited(cost="{what} gratis di {office_name}."))
    assert len(problems) == 1
    assert "key 'cost': placeholder {office_name} is not filled there (available: what)" in problems[0]


def test_a_stray_brace_an_empty_text_and_a_short_list_are_named(tmp_path):
    problems = problems_of(tmp_path, edited(cost_all="Semua {layanan", print_qr=" ",
                                            days=["Senin", "Selasa"]))
    joined = "\n".join(problems)
    assert "key 'cost_all' has a stray {" in joined
    assert "key 'print_qr' must be a non-empty text" in joined
    assert "key 'days' must be a list of 7 names" in joined


def test_a_file_that_is_not_a_mapping_or_not_yaml(tmp_path):
    path = tmp_path / "faq.yml"
    path.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(faq.FaqTextsError, match="must be a mapping"):
        faq.load_texts(path)
    path.write_text("cost: [unclosed\n", encoding="utf-8")
    with pytest.raises(faq.FaqTextsError, match="cannot be read"):
        faq.load_texts(path)


# ---- editing the file changes what the citizen is told ----------------------------------------------
def test_an_edited_copy_changes_the_answers(tmp_path, monkeypatch):
    offices = dict(SHIPPED["other_offices"], paspor="Paspor: ke *Imigrasi Samarinda*.")
    path = write(tmp_path, edited(
        cost="{what} tanpa biaya sepeser pun.", cost_all="Seluruh layanan kami",
        other_offices=offices, days=["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"],
        hours_closed_now_reopens="Kantor tutup; buka {when} {zone}."))
    monkeypatch.setattr(faq, "TEXTS_PATH", path)
    now = datetime(2026, 3, 14, 10, tzinfo=WITA)  # a Saturday
    assert faq.answer("ask_cost", [], CONFIG, now) == "Seluruh layanan kami tanpa biaya sepeser pun."
    paspor = faq.answer("out_of_scope", extract("mau bikin paspor", now.date()), CONFIG, now)
    assert "Paspor: ke *Imigrasi Samarinda*." in paspor and "Kantor Imigrasi" not in paspor
    hours = faq.answer("ask_hours", [], CONFIG, now)
    assert "Kantor tutup; buka Sen, 16 Maret 2026 pukul 08.00 WITA." in hours
    assert "• Sen–Kam: 08.00–15.30 WITA" in hours


def test_an_edited_copy_reaches_the_citizen_in_the_chat(inline_chat, tmp_path, monkeypatch):
    chat = inline_chat
    path = write(tmp_path, edited(cost="{what} GRATIS, kata kantor kami yang baru."))
    monkeypatch.setattr(faq, "TEXTS_PATH", path)
    chat.say("berapa biayanya?")
    assert "Semua layanan Disdukcapil GRATIS, kata kantor kami yang baru." in chat.text
