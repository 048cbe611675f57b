"""Tests for flows/validators.py: what citizens really type, and what they are told back."""
import io
import os
import re
import struct
import sys
import zipfile
import zlib
from datetime import date

import pytest

# The repository has no pytest config yet; make `flows` importable when pytest runs from anywhere.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from flows.validators import (  # noqa: E402
    PROVINCE_CODES,
    Invalid,
    NikInfo,
    NoNumber,
    Propose,
    format_date_id,
    parse_date,
    parse_email,
    parse_int,
    parse_kk,
    parse_name,
    parse_nik,
    parse_phone,
    parse_time,
    parse_yes_no,
)
from bot.core.text import fill  # noqa: E402
from bot.core.uploads import sniff_upload  # noqa: E402
from flows.definition import texts  # noqa: E402

TODAY = date(2026, 11, 29)
MB = 1024 * 1024

# A man from Kec. Muara Ancalong, Kutai Timur, born 15 May 1990.
NIK_MAN = "6408011505900001"
# A woman from the same kecamatan, born 5 January 1995 (day stored as 45).
NIK_WOMAN = "6408014501950002"
KK = "6408011201100003"


def rejects(func, *args, **kwargs) -> str:
    """Call a validator that must refuse and hand back its message."""
    with pytest.raises(Invalid) as caught:
        func(*args, **kwargs)
    assert caught.value.message == str(caught.value)
    return caught.value.message


def png_bytes() -> bytes:
    """A real 1x1 red PNG, built chunk by chunk."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        """One PNG chunk: length, type, body, CRC."""
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg_bytes() -> bytes:
    """The start of a JFIF JPEG as cameras write it: SOI, APP0 'JFIF', then an EOI."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


# A real 1x1 WEBP (lossy), as written by libwebp.
WEBP = bytes.fromhex(
    "524946463600000057454250565038202a0000009001009d012a0100010002c04c25a00274ba"
    "00039800feed903f885dec6dbffcf4cfeb6fe3ff19000000"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# A real 1x1 GIF89a: header, colour table, graphic control, image descriptor, LZW data, trailer.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"
    b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


# --- NIK ----------------------------------------------------------------------------------------


def test_it_decodes_a_valid_kutim_nik():
    assert parse_nik(NIK_MAN, today=TODAY) == NikInfo(
        nik=NIK_MAN,
        province_code="64",
        regency_code="6408",
        district_code="640801",
        birth_date=date(1990, 5, 15),
        sex="L",
    )


@pytest.mark.parametrize(
    "typed",
    [
        "6408 0115 0590 0001",
        "6408.01.150590.0001",
        "6408-01-150590-0001",
        " 6408 01 15 05 90 0001 ",
        "NIK: 6408011505900001",
        "".join(chr(ord(digit) + 0xFEE0) for digit in NIK_MAN),  # fullwidth digits from some keyboards
        "6408\u200b011505900001",  # zero-width space from a copied message
    ],
)
def test_it_accepts_a_nik_with_spaces_dots_dashes_and_labels(typed):
    assert parse_nik(typed, today=TODAY).nik == NIK_MAN


def test_it_rejects_a_nik_with_15_digits():
    message = rejects(parse_nik, NIK_MAN[:15], today=TODAY)
    assert message.startswith("NIK harus 16 angka, yang Bapak/Ibu kirim 15 angka.")


def test_it_rejects_a_nik_with_17_digits():
    message = rejects(parse_nik, NIK_MAN + "7", today=TODAY)
    assert "yang Bapak/Ibu kirim 17 angka" in message


def test_it_tells_someone_who_sent_two_niks_to_send_one():
    message = rejects(parse_nik, NIK_MAN + " " + NIK_WOMAN, today=TODAY)
    assert "lebih dari satu nomor" in message


def test_it_rejects_a_nik_with_letters_mixed_in():
    message = rejects(parse_nik, "64080115O5900001", today=TODAY)  # letter O, not zero
    assert "NIK hanya berisi angka" in message


def test_it_asks_again_when_the_nik_is_empty():
    assert "Mohon kirim NIK" in rejects(parse_nik, "   ", today=TODAY)


@pytest.mark.parametrize("province", ["99", "00", "54", "97"])
def test_it_rejects_a_nik_with_an_unknown_province(province):
    message = rejects(parse_nik, province + NIK_MAN[2:], today=TODAY)
    assert message.startswith("Dua angka pertama NIK (kode provinsi) tidak dikenal")


def test_it_rejects_a_nik_with_regency_00():
    assert "kode kabupaten/kota" in rejects(parse_nik, "6400011505900001", today=TODAY)


def test_it_rejects_a_nik_with_district_00():
    assert "kode kecamatan" in rejects(parse_nik, "6408001505900001", today=TODAY)


def test_it_reads_a_womans_day_plus_40():
    info = parse_nik(NIK_WOMAN, today=TODAY)
    assert info.birth_date == date(1995, 1, 5)
    assert info.sex == "P"


@pytest.mark.parametrize("day", ["00", "32", "40", "72", "99"])
def test_it_rejects_a_nik_day_that_is_neither_a_man_nor_a_woman(day):
    message = rejects(parse_nik, f"640801{day}05900001", today=TODAY)
    assert message.startswith("Bagian tanggal lahir di NIK (angka ke-7 sampai ke-12) tidak valid")


def test_it_rejects_a_nik_with_month_13():
    assert "angka ke-7 sampai ke-12" in rejects(parse_nik, "6408011513900001", today=TODAY)


def test_it_accepts_29_february_in_a_leap_year():
    assert parse_nik("6408012902000001", today=TODAY).birth_date == date(2000, 2, 29)
    woman = parse_nik("6408016902040001", today=TODAY)
    assert (woman.birth_date, woman.sex) == (date(2004, 2, 29), "P")


def test_it_rejects_29_february_in_a_non_leap_year():
    assert "tanggal lahir di NIK" in rejects(parse_nik, "6408012902010001", today=TODAY)


def test_it_never_decodes_a_nik_birth_date_in_the_future():
    # 30-11-26 would be tomorrow, so it can only be 1926.
    assert parse_nik("6408013011260001", today=TODAY).birth_date == date(1926, 11, 30)


def test_it_accepts_a_baby_born_today():
    assert parse_nik("6408012911260001", today=TODAY).birth_date == TODAY


def test_it_rejects_a_nik_with_serial_0000():
    assert "Empat angka terakhir NIK tidak boleh 0000" in rejects(parse_nik, "6408011505900000", today=TODAY)


def test_it_accepts_a_nik_from_outside_kutai_timur():
    info = parse_nik("3174054508850003", today=TODAY)  # Jakarta Selatan
    assert (info.province_code, info.regency_code, info.birth_date, info.sex) == (
        "31",
        "3174",
        date(1985, 8, 5),
        "P",
    )


@pytest.mark.parametrize(
    "typed",
    [
        NIK_MAN[:15],
        NIK_MAN + "7",
        "99" + NIK_MAN[2:],
        "6400011505900001",
        "6408001505900001",
        "6408013205900001",
        "6408011505900000",
        "64080115O5900001",
        NIK_MAN + NIK_WOMAN,
    ],
)
def test_it_never_puts_a_full_nik_in_a_message(typed):
    message = rejects(parse_nik, typed, today=TODAY)
    digits = re.sub(r"\D", "", typed)
    assert digits[:16] not in re.sub(r"\D", "", message)
    assert not re.search(r"\d{8,}", message)


def test_it_knows_all_38_provinces():
    assert len(PROVINCE_CODES) == 38
    assert PROVINCE_CODES["64"] == "Kalimantan Timur"
    assert PROVINCE_CODES["65"] == "Kalimantan Utara"
    assert PROVINCE_CODES["92"] == "Papua Barat"
    assert PROVINCE_CODES["96"] == "Papua Barat Daya"
    assert sorted(PROVINCE_CODES)[0] == "11" and sorted(PROVINCE_CODES)[-1] == "96"


# --- No. KK -------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [KK, "6408 0112 0110 0003", "No. KK 6408-01-120110-0003", "6408.01.120110.0003"])
def test_it_accepts_a_kk_number_in_its_usual_shapes(typed):
    assert parse_kk(typed, today=TODAY) == KK


def test_it_rejects_a_kk_with_15_digits():
    assert rejects(parse_kk, KK[:15], today=TODAY).startswith("Nomor KK harus 16 angka, yang Bapak/Ibu kirim 15 angka.")


def test_it_rejects_a_kk_with_letters():
    assert "Nomor KK hanya berisi angka" in rejects(parse_kk, "6408O11201100003", today=TODAY)


def test_it_rejects_a_kk_with_an_unknown_province():
    assert "Dua angka pertama Nomor KK (kode provinsi)" in rejects(parse_kk, "99" + KK[2:], today=TODAY)


def test_it_does_not_apply_the_plus_40_rule_to_a_kk():
    assert "Bagian tanggal di Nomor KK" in rejects(parse_kk, "6408015201100003", today=TODAY)


def test_it_rejects_a_kk_with_an_impossible_date():
    assert "angka ke-7 sampai ke-12" in rejects(parse_kk, "6408013102100003", today=TODAY)


def test_it_rejects_a_kk_with_serial_0000():
    assert "Empat angka terakhir Nomor KK tidak boleh 0000" in rejects(parse_kk, KK[:12] + "0000", today=TODAY)


@pytest.mark.parametrize("typed", ["tidak punya NIK", "tidak punya NIK, WNA", "WNA", "belum punya",
                                   "belum ada", "saya orang asing, pakai paspor", "ga punya nik pak"])
def test_a_citizen_without_a_nik_is_told_what_to_do_not_that_it_needs_16_digits(typed):
    with pytest.raises(NoNumber) as caught:
        parse_nik(typed, today=TODAY)
    message = caught.value.message
    assert (caught.value.kind, caught.value.reason) == ("nik", "none")
    assert message.startswith("NIK adalah 16 angka yang tertulis di KTP atau KK.")
    assert "belum punya NIK" in message and "ketik *petugas*" in message
    assert "harus 16 angka" not in message


@pytest.mark.parametrize("typed", ["lupa", "tidak tahu", "gak hafal nik nya", "lupa nomornya"])
def test_a_citizen_who_does_not_know_the_number_now_is_told_where_it_is_written(typed):
    with pytest.raises(NoNumber) as caught:
        parse_kk(typed, today=TODAY)
    assert (caught.value.kind, caught.value.reason) == ("kk", "forgot")
    assert caught.value.message == (
        "Tidak apa-apa. Nomor KK (16 angka) tertulis di kartu keluarga (KK). "
        "Mohon lihat kartunya, lalu kirim angkanya di sini.")


def test_no_number_is_an_invalid_answer_for_an_engine_that_does_not_know_it():
    assert issubclass(NoNumber, Invalid)
    assert "harus 16 angka" in rejects(parse_nik, "nik saya 123", today=TODAY)
    assert "hanya berisi angka" in rejects(parse_nik, "abc", today=TODAY)


def test_propose_carries_the_value_the_question_and_the_fallback():
    proposal = Propose("Rahman", "Nama ditulis *Rahman* (tanpa sapaan)?")
    assert (proposal.value, proposal.message, proposal.fallback) == (
        "Rahman", "Nama ditulis *Rahman* (tanpa sapaan)?", None)
    assert str(proposal) == proposal.message and not isinstance(proposal, Invalid)
    assert Propose(1, "?", fallback=2).fallback == 2


def test_it_never_puts_a_full_kk_in_a_message():
    for typed in (KK + "1", "99" + KK[2:], KK[:12] + "0000", "6408015201100003"):
        assert not re.search(r"\d{8,}", rejects(parse_kk, typed, today=TODAY))


# --- Dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "5/1/2026",
        "05-01-2026",
        "5.1.2026",
        "5 Jan 2026",
        "5 januari 2026",
        "5 Januari 2026",
        "05 jan 26",
        "2026-01-05",
        "Senin, 5 Januari 2026",
        "senin 5-1-2026",
        "tgl 5 jan. 2026",
        "5 Januari tahun 2026",
        "05012026",
        "5 janauri 2026",  # a typo rapidfuzz can still place
    ],
)
def test_it_reads_every_common_way_of_writing_5_january_2026(typed):
    assert parse_date(typed, today=TODAY) == date(2026, 1, 5)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("5 peb 2026", date(2026, 2, 5)),
        ("5 mar 2026", date(2026, 3, 5)),
        ("5 apr 2026", date(2026, 4, 5)),
        ("5 mei 2026", date(2026, 5, 5)),
        ("5 jun 2026", date(2026, 6, 5)),
        ("5 jul 2026", date(2026, 7, 5)),
        ("17 agt 1945", date(1945, 8, 17)),
        ("17 ags 45", date(1945, 8, 17)),
        ("5 agu 2026", date(2026, 8, 5)),
        ("5 aug 2026", date(2026, 8, 5)),
        ("5 sept 2026", date(2026, 9, 5)),
        ("5 okt 2026", date(2026, 10, 5)),
        ("5 oct 2026", date(2026, 10, 5)),
        ("5 nop 2025", date(2025, 11, 5)),
        ("5 des 2025", date(2025, 12, 5)),
        ("5 dec 2025", date(2025, 12, 5)),
    ],
)
def test_it_knows_indonesian_and_english_month_abbreviations(typed, expected):
    assert parse_date(typed, today=TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hari ini", TODAY),
        ("kemarin", date(2026, 11, 28)),
        ("kemarin lusa", date(2026, 11, 27)),
        ("2 hari lalu", date(2026, 11, 27)),
        ("3 hari yang lalu", date(2026, 11, 26)),
        ("seminggu lalu", date(2026, 11, 22)),
    ],
)
def test_it_understands_relative_days(typed, expected):
    assert parse_date(typed, today=TODAY) == expected


def test_it_reads_a_two_digit_year_as_19yy_when_20yy_has_not_happened_yet():
    assert parse_date("5/1/85", today=TODAY) == date(1985, 1, 5)
    assert parse_date("5/1/27", today=TODAY) == date(1927, 1, 5)


def test_it_refuses_a_future_date_and_says_which_date_it_read():
    message = rejects(parse_date, "5/12/2026", today=TODAY)
    assert message == (
        "Tanggal itu belum terjadi (5 Desember 2026). Mohon kirim tanggal yang sudah lewat, misalnya 5/1/2026."
    )


def test_it_refuses_besok_unless_future_dates_are_allowed():
    assert "belum terjadi" in rejects(parse_date, "besok", today=TODAY)
    assert parse_date("besok", today=TODAY, allow_future=True) == date(2026, 11, 30)


def test_it_accepts_a_future_date_when_allowed():
    assert parse_date("5 Desember 2026", today=TODAY, allow_future=True) == date(2026, 12, 5)
    assert parse_date("5/1/27", today=TODAY, allow_future=True) == date(2027, 1, 5)


def test_it_rejects_31_february_with_a_specific_message():
    message = rejects(parse_date, "31/2/2026", today=TODAY)
    assert "31 Februari 2026 tidak ada di kalender" in message
    assert "hanya sampai tanggal 28" in message


def test_it_knows_29_february_only_exists_in_leap_years():
    assert parse_date("29/2/2024", today=TODAY) == date(2024, 2, 29)
    assert "hanya sampai tanggal 28" in rejects(parse_date, "29 feb 2025", today=TODAY)


def test_it_explains_month_13_as_a_day_month_order_mixup():
    assert "urutan tanggal/bulan/tahun" in rejects(parse_date, "1/13/2026", today=TODAY)


def test_it_refuses_dates_before_the_earliest_bound():
    message = rejects(parse_date, "5/1/1890", today=TODAY, earliest=date(1900, 1, 1))
    assert "5 Januari 1890" in message and "1 Januari 1900" in message


def test_it_asks_for_the_year_when_it_is_missing():
    assert "tahunnya" in rejects(parse_date, "5 januari", today=TODAY)
    assert "tahunnya" in rejects(parse_date, "5/1", today=TODAY)


def test_it_names_a_month_word_it_does_not_know():
    assert '"xyz"' in rejects(parse_date, "5 xyz 2026", today=TODAY)


@pytest.mark.parametrize("typed", ["", "kapan ya", "5 5 5 5"])
def test_it_shows_an_example_when_a_date_cannot_be_read(typed):
    assert "5/1/2026" in rejects(parse_date, typed, today=TODAY)


def test_it_formats_dates_the_indonesian_way():
    assert format_date_id(date(2026, 1, 5)) == "5 Januari 2026"
    assert format_date_id(date(1945, 8, 17)) == "17 Agustus 1945"


# --- Times --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14.30", "14:30"),
        ("14:30", "14:30"),
        ("1430", "14:30"),
        ("08.00 WITA", "08:00"),
        ("pukul 08.00 wita", "08:00"),
        ("jam 2 siang", "14:00"),
        ("jam dua siang", "14:00"),
        ("jam 11 siang", "11:00"),
        ("jam 4 sore", "16:00"),
        ("jam 7 malam", "19:00"),
        ("jam 12 malam", "00:00"),
        ("jam 2 malam", "02:00"),
        ("jam 7 pagi", "07:00"),
        ("setengah 3 sore", "14:30"),
        ("930", "09:30"),
        ("9", "09:00"),
        ("2 pm", "14:00"),
    ],
)
def test_it_reads_clock_times_the_way_people_write_them(typed, expected):
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["25.00", "14.75", "2460"])
def test_it_rejects_a_time_that_does_not_exist(typed):
    assert "antara 00.00 dan 23.59" in rejects(parse_time, typed)


@pytest.mark.parametrize("typed", ["", "tadi", "jam berapa ya"])
def test_it_shows_an_example_when_a_time_cannot_be_read(typed):
    assert "14.30" in rejects(parse_time, typed)


# --- Names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("muhammad al-fatih", "Muhammad Al-Fatih"),
        ("  BUDI   SANTOSO ", "Budi Santoso"),
        ("siti ma'ruf", "Siti Ma'ruf"),
        ("siti ma’ruf", "Siti Ma'ruf"),
        ("o'neil", "O'Neil"),
        ("drs. h. abdul rahman, s.pd", "Drs. H. Abdul Rahman, S.Pd"),
        ("Budi Santoso,S.Pd", "Budi Santoso, S.Pd"),
        ("ahmad bin abdullah", "Ahmad bin Abdullah"),
        ("Ronald McDonald", "Ronald McDonald"),
        ("I Gusti Ngurah Rai", "I Gusti Ngurah Rai"),
    ],
)
def test_it_tidies_names_into_sensible_title_case(typed, expected):
    assert parse_name(typed) == expected


def test_it_rejects_a_name_with_digits():
    assert rejects(parse_name, "Budi 2").startswith("Nama tidak boleh berisi angka")


def test_it_rejects_a_name_that_is_too_short():
    assert "terlalu pendek" in rejects(parse_name, "A")


def test_it_rejects_a_name_over_100_characters():
    assert "paling banyak 100" in rejects(parse_name, "Budi " * 25)


def test_it_rejects_emoji_instead_of_a_name():
    assert "emoji" in rejects(parse_name, "😊🙏")


def test_it_rejects_a_name_with_symbols():
    assert "tanpa simbol" in rejects(parse_name, "Budi @ Santoso")


def test_it_rejects_a_name_that_is_mostly_punctuation():
    assert "tanda baca" in rejects(parse_name, "..--..Bu")


def test_it_rejects_an_empty_name():
    assert "Nama belum terisi" in rejects(parse_name, "   ")


# --- E-mail -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Budi.Santoso@Gmail.com", "budi.santoso@gmail.com"),
        ("email saya budi@gmail.com", "budi@gmail.com"),
        ("budi@kutaitimurkab.go.id.", "budi@kutaitimurkab.go.id"),
        ("mailto:budi+akta@yahoo.co.id", "budi+akta@yahoo.co.id"),
        ("budi@mail.com", "budi@mail.com"),
    ],
)
def test_it_cleans_plausible_email_addresses(typed, expected):
    assert parse_email(typed) == expected


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("budigmail.com", "harus ada tanda @"),
        ("budi santoso@gmail.com", "tidak boleh ada spasi"),
        ("budi@@gmail.com", "satu tanda @"),
        ("@gmail.com", "sebelum tanda @ masih kosong"),
        ("budi..s@gmail.com", "sebelum tanda @"),
        ("budi@gmail", "setelah tanda @"),
        ("budi@gmial.com", "budi@gmail.com?"),
        ("budi@gmail.con", "budi@gmail.com?"),
        ("", "Mohon kirim alamat email"),
    ],
)
def test_it_says_exactly_what_is_wrong_with_an_email(typed, says):
    assert says in rejects(parse_email, typed)


# --- Phone numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "0812-3456-7890",
        "+62 812 3456 7890",
        "6281234567890",
        "62 812-3456-7890",
        "+62 0812 3456 7890",
        "(0812) 3456 7890",
        "HP: 0812 3456 7890",
        "81234567890",
    ],
)
def test_it_normalises_indonesian_mobile_numbers(typed):
    assert parse_phone(typed) == "+6281234567890"


def test_it_accepts_a_sangatta_landline():
    assert parse_phone("(0549) 21234") == "+6254921234"


def test_it_rejects_a_phone_number_that_is_too_short():
    assert "terlalu pendek (7 angka)" in rejects(parse_phone, "0812345")


def test_it_rejects_a_phone_number_that_is_too_long():
    assert "terlalu panjang" in rejects(parse_phone, "0812-3456-7890-123")


def test_it_rejects_a_foreign_number():
    assert "nomor HP Indonesia" in rejects(parse_phone, "+1 555 123 4567")


def test_it_rejects_letters_in_a_phone_number():
    assert "hanya berisi angka" in rejects(parse_phone, "0812 abc 7890")


# --- Whole numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kwargs", "expected"),
    [
        ("3", dict(low=1, high=15), 3),
        ("ke-3", dict(low=1, high=15), 3),
        ("anak ke 3", dict(low=1, high=15), 3),
        ("kedua", dict(low=1, high=15), 2),
        ("3200 gram", dict(low=500, high=6000, unit="gram"), 3200),
        ("3.200 gram", dict(low=500, high=6000, unit="gram"), 3200),
        ("3,2 kg", dict(low=500, high=6000, unit="gram"), 3200),
        ("3.25 kg", dict(low=500, high=6000, unit="gram"), 3250),
        ("49 cm", dict(low=20, high=70, unit="cm"), 49),
        ("0,5 m", dict(low=20, high=70, unit="cm"), 50),
    ],
)
def test_it_reads_whole_numbers_with_units(typed, kwargs, expected):
    assert parse_int(typed, **kwargs) == expected


def test_it_names_the_range_and_unit_when_a_number_is_out_of_range():
    message = rejects(parse_int, "60000 gram", low=500, high=6000, unit="gram")
    assert "antara 500 dan 6.000 gram" in message
    assert "60.000 gram" in message


def test_it_rejects_a_negative_number():
    assert "antara 1 dan 15" in rejects(parse_int, "-3", low=1, high=15)


def test_it_rejects_a_fraction_without_a_bigger_unit():
    assert "angka bulat" in rejects(parse_int, "3,5", low=500, high=6000, unit="gram")


def test_it_rejects_two_numbers():
    assert "satu angka saja" in rejects(parse_int, "3 atau 4", low=1, high=15)


def test_it_rejects_words_that_are_not_numbers():
    assert "antara 1 dan 15" in rejects(parse_int, "banyak", low=1, high=15)


# --- Yes / no -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["ya", "Iya", "iyaaa", "y", "yes", "betul", "benar kak", "ok", "oke", "sudah", "ada", "ya, sudah punya", "👍"],
)
def test_it_reads_yes(typed):
    assert parse_yes_no(typed) is True


@pytest.mark.parametrize(
    "typed",
    ["tidak", "tdk", "gak", "ga", "nggak", "nggaaa", "no", "n", "belum", "blm", "tidak ada", "belum ada pak", "kada"],
)
def test_it_reads_no(typed):
    assert parse_yes_no(typed) is False


@pytest.mark.parametrize("typed", ["mungkin", "", "saya sudah punya akta tapi hilang di jalan"])
def test_it_asks_again_when_the_answer_is_not_yes_or_no(typed):
    assert "ya atau tidak" in rejects(parse_yes_no, typed)


def test_it_refuses_an_answer_that_says_both():
    assert "ya dan tidak sekaligus" in rejects(parse_yes_no, "iya belum")


# --- Uploads ------------------------------------------------------------------------------------
# The wording is the office's (flows/texts.yml `uploads`, `upload_file_types`): expected sentences are
# read from there, so an edited text does not break these tests, a lost or wrong one does.


def sniff(data: bytes, **kwargs):
    """sniff_upload with the office's texts."""
    return sniff_upload(data, texts=texts(), **kwargs)


def words(key: str, **values) -> str:
    """One upload text of texts.yml, filled."""
    return fill(texts()["uploads"][key], values)


def kind(content_type: str) -> str:
    """What the citizen is told a file of this type is."""
    return texts()["upload_file_types"][content_type]


WELCOME = words("accepted_photos_and_pdf", types="JPG/PNG/WEBP")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (jpeg_bytes(), ("image/jpeg", ".jpg")),
        (png_bytes(), ("image/png", ".png")),
        (WEBP, ("image/webp", ".webp")),
        (PDF, ("application/pdf", ".pdf")),
        (b"\xef\xbb\xbf\r\n" + PDF, ("application/pdf", ".pdf")),
    ],
)
def test_it_accepts_photos_and_pdfs_by_their_content(data, expected):
    assert sniff(data) == expected


def test_it_trusts_content_over_a_misleading_name_and_type():
    assert sniff(png_bytes(), filename="ktp.pdf", declared_type="application/pdf") == ("image/png", ".png")


def test_it_refuses_an_exe_renamed_photo_jpg():
    message = rejects(sniff, b"MZ\x90\x00" + bytes(200), filename="photo.jpg", declared_type="image/jpeg")
    assert message == words("wrong_type_renamed", what=kind("application/x-msdownload"), extension=".jpg",
                            accepted=WELCOME)
    assert ".jpg" in message and "JPG/PNG/WEBP" in message


def test_it_refuses_a_30_mb_photo_and_says_both_sizes():
    data = jpeg_bytes()[:-2] + bytes(30 * MB - len(jpeg_bytes()) + 2)
    assert len(data) == 30 * MB
    message = rejects(sniff, data)
    assert message == words("too_big", size="30 MB", limit="10 MB")


def test_it_refuses_an_empty_file():
    assert rejects(sniff, b"") == words("empty", accepted=WELCOME)


def test_it_refuses_a_gif_sticker():
    assert rejects(sniff, GIF) == words("wrong_type", what=kind("image/gif"), accepted=WELCOME)


def test_it_refuses_a_heic_photo_with_a_tip():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(100)
    message = rejects(sniff, heic, filename="IMG_0001.HEIC")
    assert message == words("wrong_type", what=kind("image/heic"), accepted=WELCOME) + " " + words("tip_heic")


def test_it_refuses_a_zip_and_a_word_document():
    plain, word = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("scan.jpg", jpeg_bytes())
    with zipfile.ZipFile(word, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert kind("application/zip") in rejects(sniff, plain.getvalue())
    message = rejects(sniff, word.getvalue())
    assert kind("application/msword") in message and message.endswith(words("tip_word"))


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"Saya mau kirim KTP besok ya min", "text/plain"),
        (b"OggS\x00\x02" + bytes(100), "audio/ogg"),
        (b"ID3\x03\x00" + bytes(100), "audio/mpeg"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2mp41" + bytes(100), "video/mp4"),
    ],
)
def test_it_refuses_text_audio_and_video(data, content_type):
    assert rejects(sniff, data) == words("wrong_type", what=kind(content_type), accepted=WELCOME)


def test_it_refuses_a_truncated_jpeg_and_png():
    unknown = words("wrong_type", what=words("unknown_type"), accepted=WELCOME) + " " + words("tip_unknown")
    assert rejects(sniff, jpeg_bytes()[2:]) == unknown
    assert words("tip_unknown") in rejects(sniff, jpeg_bytes()[2:], filename="ktp.jpg")
    assert rejects(sniff, png_bytes()[8:]) == unknown
    assert rejects(sniff, png_bytes()[:8]) == unknown


def test_it_honours_a_narrower_accepted_list_and_limit():
    message = rejects(sniff, png_bytes(), accepted=("application/pdf",))
    assert message == words("wrong_type", what=kind("image/png"), accepted=words("accepted_pdf"))
    assert "batasnya 0,5 MB" in rejects(sniff, PDF + bytes(MB), max_bytes=MB // 2)


def test_the_refusal_says_what_the_office_wrote(monkeypatch):
    """An office that edits a refusal in texts.yml changes what the citizen reads, with no code change."""
    edited = {**texts(), "uploads": {**texts()["uploads"], "empty": "Filenya kosong; kirim {accepted} ya."},
              "upload_file_types": {**texts()["upload_file_types"], "image/gif": "stiker"}}
    assert rejects(sniff_upload, b"", texts=edited) == f"Filenya kosong; kirim {WELCOME} ya."
    assert rejects(sniff_upload, GIF, texts=edited) == words("wrong_type", what="stiker", accepted=WELCOME)
