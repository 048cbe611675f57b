"""The gazetteer of Indonesia's provinces and kabupaten/kota (nlu/regions.py).

What a citizen notices: a place typed in lower case, with a typo or with "kab."/"kota" comes back
written properly ("sangata" → "Sangatta, Kutai Timur", proposed; "kota samarinda" → "Samarinda",
taken); a facility ("rs kudungga") is not mistaken for a place; a NIK whose region code does not
exist gets a gentle note, never a refusal.
"""
from __future__ import annotations

import pytest

from nlu.places import KECAMATAN
from nlu.regions import (
    LEGACY_REGENCIES,
    PROVINCES,
    REGENCIES,
    PlaceMatch,
    _index,
    area_flag,
    area_note,
    read_place,
    regency_title,
    written_place,
)
from nlu.regions_data import ALIASES, PROVINCE_NAMES, TOWNS


# --- The data -------------------------------------------------------------------------------------

def test_38_provinces_and_514_regencies():
    assert len(PROVINCES) == 38
    assert len(REGENCIES) == 514            # Kepmendagri after the 2022 Papua expansion
    assert sum(code[3:5] >= "71" for code in REGENCIES) == 98      # kota
    assert sum(code[3:5] < "71" for code in REGENCIES) == 416      # kabupaten


def test_province_list_matches_the_nik_validator():
    from flows.validators import PROVINCE_CODES
    assert set(PROVINCES) == set(PROVINCE_CODES) == set(PROVINCE_NAMES)


def test_every_regency_code_sits_under_a_province():
    for code in list(REGENCIES) + list(LEGACY_REGENCIES):
        assert len(code) == 5 and code[2] == "." and code[:2] in PROVINCES, code
        assert code not in REGENCIES or code not in LEGACY_REGENCIES, code
    for code in list(ALIASES.values()) + list(TOWNS.values()):
        assert code in PROVINCES or code in REGENCIES, code


@pytest.mark.parametrize("code, name", [
    ("11.71", "Banda Aceh"), ("12.71", "Medan"), ("14.71", "Pekanbaru"), ("16.71", "Palembang"),
    ("21.71", "Batam"), ("31.71", "Jakarta Pusat"), ("31.74", "Jakarta Selatan"),
    ("32.04", "Bandung"), ("32.73", "Bandung"), ("33.72", "Surakarta"), ("34.71", "Yogyakarta"),
    ("35.78", "Surabaya"), ("36.74", "Tangerang Selatan"), ("51.71", "Denpasar"),
    ("61.71", "Pontianak"), ("63.71", "Banjarmasin"), ("64.01", "Paser"),
    ("64.02", "Kutai Kartanegara"), ("64.03", "Berau"), ("64.07", "Kutai Barat"),
    ("64.08", "Kutai Timur"), ("64.09", "Penajam Paser Utara"), ("64.11", "Mahakam Ulu"),
    ("64.71", "Balikpapan"), ("64.72", "Samarinda"), ("64.74", "Bontang"),
    ("65.01", "Bulungan"), ("65.71", "Tarakan"), ("71.71", "Manado"), ("73.71", "Makassar"),
    ("81.71", "Ambon"), ("91.71", "Jayapura"), ("93.01", "Merauke"), ("94.04", "Mimika"),
    ("95.01", "Jayawijaya"), ("96.71", "Sorong"),
])
def test_well_known_regency_codes(code, name):
    assert REGENCIES[code] == name


def test_titles_and_pre_split_codes():
    assert regency_title("64.08") == "Kabupaten Kutai Timur"
    assert regency_title("64.72") == "Kota Samarinda"
    assert regency_title("31.74") == "Kota Administrasi Jakarta Selatan"
    # A Merauke NIK issued before Papua Selatan (93) existed still starts 9101.
    assert regency_title("91.01") == "Kabupaten Merauke"
    assert regency_title("64.99") is None


def test_no_place_name_contains_a_facility_word():
    from nlu.regions import _FACILITY_WORDS, _words
    for key_entries in _index("any").by_key.values():
        for entry, _ in key_entries:
            assert not set(_words(entry.name)) & _FACILITY_WORDS, entry


# --- Reading a place ------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, value, exact, code", [
    ("sangata", "Sangatta, Kutai Timur", False, "64.08"),      # a misspelling: proposed
    ("Sangatta", "Sangatta, Kutai Timur", True, "64.08"),
    ("samarinda", "Samarinda", True, "64.72"),
    ("SAMARINDA", "Samarinda", True, "64.72"),
    ("kota samarinda", "Samarinda", True, "64.72"),
    ("Kota Samarinda ", "Samarinda", True, "64.72"),
    ("kab kutai kartanegara", "Kabupaten Kutai Kartanegara", True, "64.02"),
    ("Kab. Kutai Timur", "Kabupaten Kutai Timur", True, "64.08"),
    ("tenggarong", "Tenggarong, Kutai Kartanegara", True, "64.02"),
    ("balik papan", "Balikpapan", True, "64.71"),
    ("bontang", "Bontang", True, "64.74"),
    ("jakarta", "Jakarta", True, "31"),
    ("jakarta selatan", "Jakarta Selatan", True, "31.74"),
    ("surabaya", "Surabaya", True, "35.78"),
    ("makassar", "Makassar", True, "73.71"),
    ("pare-pare", "Parepare", True, "73.72"),
    ("lahir di samarinda", "Samarinda", True, "64.72"),
    ("DI Yogyakarta", "DI Yogyakarta", True, "34"),
    ("samarinda seberang", "Samarinda Seberang, Samarinda", True, "64.72"),
    ("Samarinda, Kalimantan Timur", "Samarinda", True, "64.72"),
    ("samarinda kaltim", "Samarinda", True, "64.72"),
    ("samrinda", "Samarinda", False, "64.72"),                  # typos are proposed
    ("tengarong", "Tenggarong, Kutai Kartanegara", False, "64.02"),
    ("Balikpapn", "Balikpapan", False, "64.71"),
    ("kukar", "Kabupaten Kutai Kartanegara", False, "64.02"),   # abbreviations too
    ("jogja", "Yogyakarta", False, "34.71"),
    ("solo", "Surakarta", False, "33.72"),
    ("kota kutai kartanegara", "Kabupaten Kutai Kartanegara", False, "64.02"),  # wrong prefix
])
def test_read_place(typed, value, exact, code):
    match = read_place(typed)
    assert match is not None, typed
    assert (match.value, match.exact, match.code) == (value, exact, code)


def test_a_name_that_is_a_kabupaten_and_a_kota():
    assert read_place("bandung") == PlaceMatch("Bandung", True, "32.73", "kota")
    assert read_place("kota bandung").value == "Kota Bandung"
    assert read_place("kab. bandung") == PlaceMatch("Kabupaten Bandung", True, "32.04", "kabupaten")
    # Kabupaten Banjar (Kalimantan Selatan) and Kota Banjar (Jawa Barat): proposed, not taken.
    assert read_place("banjar").exact is False
    assert read_place("banjar kalsel") == PlaceMatch("Kabupaten Banjar", True, "63.03", "kabupaten")
    assert read_place("gorontalo").code == "75.71"
    assert read_place("provinsi gorontalo").value == "Provinsi Gorontalo"


def test_kutai_timur_kecamatan_and_villages():
    assert read_place("muara wahau") == PlaceMatch("Muara Wahau, Kutai Timur", True, "64.08.02", "kecamatan")
    assert read_place("sangatta utara, kutai timur").code == "64.08.04"
    assert read_place("Sangata Selatan").exact is False
    sangkima = read_place("desa sangkima")
    assert sangkima == PlaceMatch("Sangkima, Sangatta Selatan, Kutai Timur", True, "64.08.12.2003", "desa")
    assert read_place("Sangkima") == sangkima
    assert read_place("sangkima, sangatta selatan, kutai timur") == sangkima
    assert read_place("sangkima sangkulirang").exact is False        # not in that kecamatan
    # Village names found all over Indonesia (transmigration names) are proposed, not taken.
    assert read_place("sidomulyo") == PlaceMatch("Sidomulyo, Kombeng, Kutai Timur", False,
                                                 "64.08.08.2004", "desa")
    assert read_place("benua baru").exact is False
    # Villages are left out when only a town or regency is asked for.
    assert read_place("sangkima", scope="regency") is None
    assert read_place("muara wahau", scope="regency").code == "64.08.02"


@pytest.mark.parametrize("typed", [
    "rs kudungga", "RSUD Kudungga Sangatta", "puskesmas sangatta utara", "di rumah",
    "Klinik Pratama Samarinda", "bidan desa sangkima", "jl. yos sudarso sangatta",
    "telaga",            # an everyday word, a village only after "desa"
    "blablabla", "tidak tahu", "", "kota", "x" * 200,
    # everyday words a typo match would mistake for places
    "sekarang", "tahun", "kabar", "kenal", "bantu", "angkat", "pengaduan", "ngomong",
    "di kebun", "luar negeri", "kuala lumpur", "tawau malaysia",
])
def test_not_a_place(typed):
    assert read_place(typed) is None


@pytest.mark.parametrize("typed, written", [
    ("rs kudungga", "RS Kudungga"),
    ("RSUD KUDUNGGA sangatta", "RSUD Kudungga Sangatta"),
    ("puskesmas sangatta utara", "Puskesmas Sangatta Utara"),
    ("tawau, malaysia", "Tawau, Malaysia"),
    ("jl. yos sudarso rt 05", "Jl. Yos Sudarso RT 05"),
    ("kampung dayak di sungai", "Kampung Dayak di Sungai"),
])
def test_an_unknown_place_is_kept_as_typed_but_written_properly(typed, written):
    assert written_place(typed) == written


def test_many_answers_stay_cheap():
    # No timing: the reading is cached and the tables are built once.
    first = read_place("samarinda")
    assert read_place("Samarinda") is first or read_place("Samarinda") == first
    assert _index("any") is _index("any")


# --- Region codes of a NIK or KK ------------------------------------------------------------------

KUTIM_NIK = "6408044107900001"      # Sangatta Utara, a woman born 1 July 1990


def test_a_real_kutai_timur_nik_has_no_note():
    assert area_note(KUTIM_NIK) is None
    assert area_flag(KUTIM_NIK) is None
    assert area_note("3174011203850002") is None          # Jakarta Selatan
    assert area_note("9101011203850002") is None          # Merauke before Papua Selatan


def test_an_unknown_regency_code_gets_a_soft_note():
    note = area_note("6499044107900001")
    assert note == ("Kode wilayah pada NIK ini (64.99) tidak kami kenali. Mohon dicek lagi; "
                    "bila sudah sesuai KTP-el, lanjutkan saja.")
    assert "6499044107900001" not in note
    assert area_flag("6499044107900001") == (
        "NIK: kode kabupaten/kota 64.99 tidak ada dalam daftar kode wilayah Kemendagri.")
    kk_note = area_note("3199011203850002", kind="kk")
    assert "nomor KK ini (31.99)" in kk_note and "Kartu Keluarga" in kk_note


def test_an_unknown_kutai_timur_kecamatan_code_gets_a_note():
    note = area_note("6408254107900001")
    assert "(64.08.25)" in note and "Kutai Timur" in note
    assert "64.08.25" in area_flag("6408254107900001")
    for code in KECAMATAN:                    # all 18 kecamatan are fine
        assert area_note("6408" + code[-2:] + "4107900001") is None


def test_texts_may_come_from_the_caller():
    texts = {"note_regency": "Kode {code} pada {what} belum kami kenali."}
    assert area_note("6499044107900001", texts=texts) == "Kode 64.99 pada NIK belum kami kenali."
