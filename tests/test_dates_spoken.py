"""Dates as citizens say them (issue 12 item 4, issue 16 "Dates"): weekdays with "kemarin", numbers
in words as voice typing writes them, "tgl 12 bulan 6 thn 2022", spaced separators, Hijri dates.

The answer validator (flows.validators.parse_date) and the NLU's date finder (nlu.dates.find_dates)
read the same phrases the same way; both are tested here.
"""
from datetime import date, datetime, timedelta, timezone

import pytest

from flows.validators import Invalid, Propose, format_date_id, parse_date
from nlu.dates import find_dates, hijri_to_gregorian, spoken_to_digits, take_number
from nlu.entities import extract
from tests.conftest import start_as_father

TODAY = date(2026, 11, 30)  # a Monday
SATURDAY = date(2026, 11, 28)


def rejects(text: str, **kwargs) -> str:
    """The re-ask reason parse_date gives for `text`."""
    with pytest.raises(Invalid) as caught:
        parse_date(text, today=kwargs.pop("today", TODAY), **kwargs)
    return caught.value.message


def proposes(text: str, **kwargs) -> Propose:
    """The proposal parse_date makes for `text` (a date the citizen must confirm)."""
    with pytest.raises(Propose) as caught:
        parse_date(text, today=kwargs.pop("today", TODAY), **kwargs)
    return caught.value


# --- A weekday with "kemarin" / "lalu" is that weekday --------------------------------------------

@pytest.mark.parametrize("typed", ["jumat kemarin", "hari jumat kemarin", "Jumat kemarin",
                                   "jum'at kemarin", "pada hari jumat kemarin", "jumat lalu", "hari jumat kmrn"])
def test_jumat_kemarin_is_the_last_friday_not_yesterday(typed):
    found = parse_date(typed, today=TODAY)
    assert found == date(2026, 11, 27) and found.weekday() == 4  # a Friday, not Sunday the 29th


@pytest.mark.parametrize("today", [TODAY + timedelta(days=n) for n in range(7)])
def test_jumat_kemarin_is_a_friday_before_today_whatever_today_is(today):
    found = parse_date("jumat kemarin", today=today)
    assert found.weekday() == 4 and today - timedelta(days=7) <= found < today


def test_senin_lalu_said_on_a_monday_is_a_week_ago():
    assert parse_date("senin lalu", today=TODAY) == date(2026, 11, 23)


def test_the_day_before_yesterday_is_still_read_from_saturday():
    assert parse_date("jumat kemarin", today=SATURDAY) == date(2026, 11, 27)


def test_a_bare_weekday_is_proposed_as_the_last_one_for_a_past_date():
    proposal = proposes("hari jumat")
    assert proposal.value == "2026-11-27" and proposal.fallback is None
    assert proposal.message.startswith("Maksud Bapak/Ibu hari Jumat, *27 November 2026*?")
    assert "tekan *Bukan*" in proposal.message


def test_a_bare_weekday_is_the_next_one_when_future_dates_are_asked():
    assert proposes("hari jumat", allow_future=True).value == "2026-12-04"


@pytest.mark.parametrize(("typed", "expected"), [
    ("kemarin", date(2026, 11, 29)),
    ("kemarin lusa", date(2026, 11, 28)),
    ("tadi pagi", TODAY),
    ("tadi malam", TODAY),
    ("hari ini", TODAY),
    ("2 minggu lalu", date(2026, 11, 16)),
    ("dua minggu yang lalu", date(2026, 11, 16)),
    ("2 minggu yang lalu", date(2026, 11, 16)),
    ("3 hari yang lalu", date(2026, 11, 27)),
    ("tiga hari yang lalu", date(2026, 11, 27)),
    ("3 hari yll", date(2026, 11, 27)),
    ("seminggu lalu", date(2026, 11, 23)),
    ("satu minggu yang lalu", date(2026, 11, 23)),
    ("kemarin sore", date(2026, 11, 29)),
    ("jumat kemarin malam", date(2026, 11, 27)),
    ("semalam", date(2026, 11, 29)),
])
def test_relative_days_and_weeks_in_digits_or_words_are_read_alike(typed, expected):
    assert parse_date(typed, today=TODAY) == expected


@pytest.mark.parametrize(("typed", "said"), [
    ("sebulan lalu", "Sebulan lalu"),
    ("satu bulan yang lalu", "Satu bulan yang lalu"),
    ("1 bulan yang lalu", "1 bulan yang lalu"),
    ("bulan lalu", "Bulan lalu"),
])
def test_a_month_ago_is_proposed_for_the_citizen_to_confirm(typed, said):
    proposal = proposes(typed)
    assert proposal.value == "2026-10-30"  # ISO text, as a flow stores a date
    assert proposal.message.startswith(f"{said} berarti sekitar *30 Oktober 2026*. Apakah tanggalnya tepat")


def test_a_proposed_date_still_respects_the_bounds():
    assert "terlalu lama" in rejects("tahun lalu", earliest=date(2026, 1, 1))


# --- Numbers in words, as voice typing writes them -------------------------------------------------

@pytest.mark.parametrize(("typed", "expected"), [
    ("lima januari dua ribu dua puluh enam", date(2026, 1, 5)),
    ("Lima Januari Dua Ribu Dua Puluh Enam", date(2026, 1, 5)),
    ("tiga belas oktober seribu sembilan ratus delapan puluh tujuh", date(1987, 10, 13)),
    ("dua puluh satu april dua ribu dua puluh lima", date(2025, 4, 21)),
    ("sebelas maret dua ribu", date(2000, 3, 11)),
    ("tanggal tiga puluh satu desember dua ribu sepuluh", date(2010, 12, 31)),
    ("17 agustus sembilan belas empat puluh lima", date(1945, 8, 17)),
    ("lima januari 2026", date(2026, 1, 5)),
    ("5 januari dua ribu dua puluh enam", date(2026, 1, 5)),
    ("tanggal dua belas bulan enam tahun dua ribu dua puluh dua", date(2022, 6, 12)),
])
def test_dates_said_in_words_are_read(typed, expected):
    assert parse_date(typed, today=TODAY) == expected


def test_a_day_in_words_without_a_year_asks_for_the_year():
    assert "tahunnya" in rejects("dua puluh satu april")


def test_a_day_in_words_that_does_not_exist_is_explained():
    assert "hanya sampai tanggal 30" in rejects("tiga puluh satu april dua ribu dua puluh lima")


@pytest.mark.parametrize(("words", "value"), [
    ("lima", 5), ("sepuluh", 10), ("sebelas", 11), ("tiga belas", 13), ("dua puluh", 20),
    ("dua puluh satu", 21), ("seratus", 100), ("seratus sebelas", 111), ("dua ratus lima", 205),
    ("seribu", 1000), ("dua ribu", 2000), ("dua ribu lima", 2005), ("dua ribu dua puluh enam", 2026),
    ("seribu sembilan ratus delapan puluh tujuh", 1987),
])
def test_indonesian_number_words(words, value):
    assert take_number(words.split(), 0) == (value, len(words.split()))


def test_two_numbers_side_by_side_stay_two_and_no_word_is_lost():
    assert spoken_to_digits("lima dua") == "5 2"
    assert spoken_to_digits("dua puluh dua puluh") == "22 puluh"  # greedy: 22, then a stray "puluh"


# --- Forms with "bulan", and separators with spaces -----------------------------------------------

@pytest.mark.parametrize(("typed", "expected"), [
    ("tgl 12 bulan 6 thn 2022", date(2022, 6, 12)),
    ("tgl 3 bln 2 thn 2026", date(2026, 2, 3)),
    ("tanggal 12 bulan 6 tahun 2022", date(2022, 6, 12)),
    ("12 bulan 6 2022", date(2022, 6, 12)),
    ("1 - 8 - 2025", date(2025, 8, 1)),
    ("1 . 8 . 2025", date(2025, 8, 1)),
    ("1 / 8 / 2025", date(2025, 8, 1)),
])
def test_month_numbers_after_bulan_and_spaced_separators(typed, expected):
    assert parse_date(typed, today=TODAY) == expected


def test_bulan_13_is_explained_and_a_missing_year_asked():
    assert "Bulan 13 tidak ada" in rejects("tgl 5 bulan 13 thn 2022")
    assert "tahunnya" in rejects("tgl 12 bulan 6")


# --- Hijri dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "gregorian", "shown"), [
    ("15 Ramadhan 1447", date(2026, 3, 4), "15 Ramadhan 1447 H"),
    ("1 Syawal 1446 H", date(2025, 3, 31), "1 Syawal 1446 H"),
    ("12 rabi'ul awal 1447 h", date(2025, 9, 5), "12 Rabiul Awal 1447 H"),
    ("10 dzulhijjah 1446 hijriah", date(2025, 6, 7), "10 Zulhijah 1446 H"),
])
def test_a_hijri_date_is_proposed_as_its_gregorian_date_with_a_warning(typed, gregorian, shown):
    proposal = proposes(typed)
    assert proposal.value == gregorian.isoformat() and proposal.fallback is None
    assert proposal.message.startswith("Sepertinya itu tanggal Hijriah.")
    assert f"{shown} jatuh pada *{format_date_id(gregorian)}*" in proposal.message
    assert "bisa selisih satu hari" in proposal.message and "tanggal Masehinya" in proposal.message


@pytest.mark.parametrize("typed", ["12 Rabiul Awal", "15 ramadhan", "ramadhan 1447", "30 syaban 1447"])
def test_an_incomplete_hijri_date_gets_a_hint_not_an_unknown_month(typed):
    message = rejects(typed)
    assert message.startswith("Sepertinya itu tanggal Hijriah. Mohon tulis tanggal Masehi")
    assert "belum kami kenali" not in message


def test_a_hijri_date_in_the_future_is_refused_like_any_future_date():
    assert "belum terjadi" in rejects("1 Syawal 1448")


def test_the_tabular_calendar_agrees_with_known_dates_within_a_day():
    # Dates announced by Kementerian Agama (sidang isbat).
    for hijri, announced in [((1446, 10, 1), date(2025, 3, 31)), ((1446, 1, 1), date(2024, 7, 7)),
                             ((1447, 9, 1), date(2026, 2, 19)), ((1445, 10, 1), date(2024, 4, 10))]:
        assert abs((hijri_to_gregorian(*hijri) - announced).days) <= 1
    assert hijri_to_gregorian(1, 1, 1) == date(622, 7, 19)
    assert hijri_to_gregorian(1447, 2, 30) is None  # Safar has 29 days


# --- The NLU finds the same dates in a message -----------------------------------------------------

@pytest.mark.parametrize(("text", "value", "covered"), [
    ("anak saya lahir lima januari dua ribu dua puluh enam di rs", "2026-01-05",
     "lima januari dua ribu dua puluh enam"),
    ("lahir tiga belas oktober seribu sembilan ratus delapan puluh tujuh", "1987-10-13",
     "tiga belas oktober seribu sembilan ratus delapan puluh tujuh"),
    ("lahir 5 januari dua ribu dua puluh enam", "2026-01-05", "5 januari dua ribu dua puluh enam"),
    ("tgl 12 bulan 6 thn 2022 meninggal", "2022-06-12", "12 bulan 6 thn 2022"),
    ("tgl 3 bln 2 thn 2026", "2026-02-03", "3 bln 2 thn 2026"),
    ("lahir 1 - 8 - 2025", "2025-08-01", "1 - 8 - 2025"),
    ("lahir 1 . 8 . 2025", "2025-08-01", "1 . 8 . 2025"),
    ("meninggal dua minggu yang lalu", "2026-11-16", "dua minggu yang lalu"),
    ("lahir hari jumat kemarin", "2026-11-27", "hari jumat kemarin"),
    # "bulan" before a month name, "tahun" before the year, the month number in words (issue 16)
    ("lahir tgl 5 bulan juni 2020", "2020-06-05", "5 bulan juni 2020"),
    ("tanggal 1 bulan januari tahun 2020", "2020-01-01", "1 bulan januari tahun 2020"),
    ("meninggal tanggal 17 agustus tahun 2020", "2020-08-17", "17 agustus tahun 2020"),
    ("tgl 3 bulan dua tahun 2026", "2026-02-03", "3 bulan dua tahun 2026"),
    ("tgl 12 bulan dua belas thn 2021", "2021-12-12", "12 bulan dua belas thn 2021"),
    ("lahir tgl 5 - 6 - 2020 jam 10", "2020-06-05", "5 - 6 - 2020"),
])
def test_the_nlu_date_finder_reads_the_same_forms(text, value, covered):
    found = [(e["value"], text[e["start"]:e["end"]]) for e in extract(text, TODAY) if e["entity"] == "date"]
    assert found == [(value, covered)]


def test_the_nlu_reads_a_day_in_words_without_a_year_as_this_year():
    assert [d[2] for d in find_dates("dua puluh satu april", TODAY)] == ["2026-04-21"]


def test_an_age_in_months_and_weeks_is_not_a_date():
    assert find_dates("umur anak 3 bulan 2 minggu", TODAY) == []
    assert find_dates("anak saya 3 bulan dua hari lagi ulang tahun", TODAY) == []


def test_number_words_without_a_month_are_not_dates():
    assert find_dates("anak saya dua, yang satu umur lima tahun", TODAY) == []


# --- Through the chat ----------------------------------------------------------------------------
# On SQLite with the jobs inline (`inline_chat`): each checks one answer; the worker's path is
# walked, on PostgreSQL too, by the whole-flow tests.

def test_jumat_kemarin_typed_as_the_birth_date_is_stored_as_a_friday(inline_chat):
    start_as_father(inline_chat)
    inline_chat.say("Putri Ayu Lestari")
    inline_chat.say("perempuan")
    inline_chat.say("jumat kemarin")
    assert "Pukul berapa" in inline_chat.text  # accepted: the next question
    stored = date.fromisoformat(inline_chat.where()["answers"]["anak_tgl_lahir"])
    today = datetime.now(timezone(timedelta(hours=8))).date()  # the office's day (WITA)
    assert stored.weekday() == 4 and today - timedelta(days=7) <= stored < today


def test_a_hijri_month_name_is_not_called_an_unknown_month_in_the_chat(inline_chat):
    start_as_father(inline_chat)
    inline_chat.say("Putri Ayu Lestari")
    inline_chat.say("perempuan")
    inline_chat.say("12 Rabiul Awal")
    assert "Sepertinya itu tanggal Hijriah. Mohon tulis tanggal Masehi" in inline_chat.text
    assert "belum kami kenali" not in inline_chat.text
    assert inline_chat.where()["step"] == "anak_tgl_lahir"


def test_a_hijri_birth_date_confirmed_with_ya_is_stored_as_its_gregorian_date(inline_chat):
    start_as_father(inline_chat)
    inline_chat.say("Putri Ayu Lestari")
    inline_chat.say("perempuan")
    inline_chat.say("1 Syawal 1446 H")
    assert "Sepertinya itu tanggal Hijriah." in inline_chat.text and "*31 Maret 2025*" in inline_chat.text
    assert inline_chat.buttons == ["propose_yes", "propose_no"]
    inline_chat.press("propose_yes")
    assert inline_chat.where()["answers"]["anak_tgl_lahir"] == "2025-03-31"
    assert "Pukul berapa" in inline_chat.text
