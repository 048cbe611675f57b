"""Entities in the awkward forms people type: offsets always point into the original text."""
from datetime import date

import pytest

from nlu.entities import extract
from nlu.places import KECAMATAN, find_places, lookup_kecamatan, villages

TODAY = date(2026, 3, 11)  # a Wednesday


def ents(text, kind=None):
    """(entity, value, covered text) for every entity (of one kind) in text."""
    out = extract(text, TODAY)
    for e in out:
        assert text[e["start"]:e["end"]], e  # offsets point at real characters
    return [(e["entity"], e["value"], text[e["start"]:e["end"]])
            for e in out if kind is None or e["entity"] == kind]


@pytest.mark.parametrize("text,covered", [
    ("nik saya 6408014506900001", "6408014506900001"),
    ("NIK: 6408.0145.0690.0001 mohon dicek", "6408.0145.0690.0001"),
    ("nik 6408 0145 0690 0001", "6408 0145 0690 0001"),
    ("6408-0145-0690-0001", "6408-0145-0690-0001"),
])
def test_it_reads_a_nik_written_with_dots_spaces_or_dashes(text, covered):
    assert ents(text, "nik") == [("nik", "6408014506900001", covered)]


def test_it_reads_a_number_after_kk_as_no_kk():
    text = "nik 6408014506900001 kk 6408.0102.0304.0005"
    assert ents(text) == [("nik", "6408014506900001", "6408014506900001"),
                          ("no_kk", "6408010203040005", "6408.0102.0304.0005")]


@pytest.mark.parametrize("text", ["no kk 6408010203040005", "Kartu Keluarga: 6408 0102 0304 0005",
                                  "nomor kk sy 6408010203040005"])
def test_it_reads_kk_labels(text):
    assert [e[:2] for e in ents(text)] == [("no_kk", "6408010203040005")]


def test_it_ignores_numbers_that_are_not_sixteen_digits():
    assert ents("nik 64080145069000", "nik") == []
    assert ents("nik 64080145069000011", "nik") == []


@pytest.mark.parametrize("text,value,covered", [
    ("anak lahir 5 jan 2026", "2026-01-05", "5 jan 2026"),
    ("lahir tanggal 17 Agustus 2025", "2025-08-17", "17 Agustus 2025"),
    ("meninggal 03/02/2026", "2026-02-03", "03/02/2026"),
    ("tgl 1-12-25", "2025-12-01", "1-12-25"),
    ("2026-02-28 jam 9", "2026-02-28", "2026-02-28"),
    ("bapak meninggal kemarin", "2026-03-10", "kemarin"),
    ("lahir tadi pagi di puskesmas", "2026-03-11", "tadi pagi"),
    ("hari ini bisa?", "2026-03-11", "hari ini"),
    ("meninggal minggu lalu", "2026-03-04", "minggu lalu"),
    ("lahir 3 hari yang lalu", "2026-03-08", "3 hari yang lalu"),
    ("sudah seminggu lalu", "2026-03-04", "seminggu lalu"),
    ("bulan lalu nikah", "2026-02-11", "bulan lalu"),
    ("besok buka?", "2026-03-12", "besok"),
    ("hari sabtu buka ga", "2026-03-14", "hari sabtu"),
    ("senin kemarin sy datang", "2026-03-09", "senin kemarin"),
])
def test_it_reads_dates_absolute_and_relative(text, value, covered):
    assert ents(text, "date") == [("date", value, covered)]


def test_it_skips_impossible_dates_and_bare_minggu():
    assert ents("tanggal 31 feb 2026", "date") == []
    assert ents("2 minggu ga ada kabar", "date") == []


@pytest.mark.parametrize("text,covered", [
    ("hp sy +62 812-3456-7890", "+62 812-3456-7890"),
    ("wa 0812 3456 7890 ya", "0812 3456 7890"),
    ("081234567890", "081234567890"),
    ("6281234567890", "6281234567890"),
    ("0812.3456.7890", "0812.3456.7890"),
])
def test_it_reads_phone_numbers_as_plus62(text, covered):
    assert ents(text, "phone") == [("phone", "+6281234567890", covered)]


def test_it_reads_emails_lowercased():
    assert ents("kirim ke Budi.Santoso+akta@Gmail.com ya") == [
        ("email", "budi.santoso+akta@gmail.com", "Budi.Santoso+akta@Gmail.com")]


@pytest.mark.parametrize("text,value,covered", [
    ("status akl-0231 gmn", "AKL-0231", "akl-0231"),
    ("tiket KK-20250 sdh jadi?", "KK-20250", "KK-20250"),
    ("REK-2044-1", "REK-2044-1", "REK-2044-1"),
])
def test_it_reads_ticket_numbers_uppercased(text, value, covered):
    assert ents(text, "ticket") == [("ticket", value, covered)]


@pytest.mark.parametrize("text,service,covered", [
    ("mau urus akte lahir anak", "akta_kelahiran", "akte lahir"),
    ("syarat akta kematian apa", "akta_kematian", "akta kematian"),
    ("akte klahiran", "akta_kelahiran", "akte klahiran"),
    ("urus akta cerai", "akta_perceraian", "akta cerai"),
    ("kk sy hilang", "kartu_keluarga", "kk"),
    ("cetak ulang e-ktp", "ktp_print", "e-ktp"),
    ("rekam ktp anak", "ktp_recording", "rekam ktp"),
    ("bikin KIA", "kia", "KIA"),
    ("akta perkawinan kristen", "marriage_certificate", "akta perkawinan"),
])
def test_it_names_the_service(text, service, covered):
    assert ents(text, "service") == [("service", service, covered)]


@pytest.mark.parametrize("text", ["makasih kk", "halo kk", "ok mksh kk 🙏", "kk mau tanya dong"])
def test_it_does_not_read_kk_meaning_kakak_as_a_service(text):
    assert ents(text, "service") == []


def test_it_does_not_read_buku_nikah_as_the_marriage_service():
    assert ents("buku nikah ortu hilang", "service") == []


@pytest.mark.parametrize("text,name,code,covered", [
    ("sy tinggal di muara wahau", "Muara Wahau", "64.08.02", "muara wahau"),
    ("kec kongbeng", "Kombeng", "64.08.08", "kongbeng"),
    ("rekam ktp di bengalon", "Bengalon", "64.08.09", "bengalon"),
    ("di muara wahao", "Muara Wahau", "64.08.02", "muara wahao"),
    ("sangkulirang", "Sangkulirang", "64.08.05", "sangkulirang"),
    ("long mesangt", "Long Mesangat", "64.08.18", "long mesangt"),
    ("Sangata Utara", "Sangatta Utara", "64.08.04", "Sangata Utara"),
])
def test_it_reads_kecamatan_with_typos(text, name, code, covered):
    found = [e for e in extract(text, TODAY) if e["entity"] == "kecamatan"]
    assert [(e["value"], e["code"], text[e["start"]:e["end"]]) for e in found] == [
        (name, code, covered)]


def test_bare_sangatta_is_ambiguous_not_a_guess():
    found = extract("alamat sy di sangatta", TODAY)
    assert [e["entity"] for e in found] == ["town"]
    assert {c["code"] for c in found[0]["candidates"]} == {"64.08.04", "64.08.12"}


def test_it_reads_a_desa_with_its_code_and_kecamatan():
    found = [e for e in extract("desa senyiur", TODAY) if e["entity"] == "desa"]
    assert found[0]["value"] == "Senyiur" and found[0]["code"] == "64.08.01.2001"
    kel = [e for e in extract("kel. teluk lingga", TODAY) if e["entity"] == "desa"][0]
    assert kel["code"] == "64.08.04.1010" and kel["kind"] == "kelurahan"


def test_a_desa_name_in_two_kecamatan_is_settled_by_the_kecamatan_named():
    both = [e for e in extract("desa benua baru", TODAY) if e["entity"] == "desa"][0]
    assert len(both["candidates"]) == 2
    one = [e for e in extract("desa benua baru kec sangkulirang", TODAY)
           if e["entity"] == "desa"][0]
    assert one["code"] == "64.08.05.2006"


@pytest.mark.parametrize("text", ["karangan bunga untuk pernikahan", "saka guru", "telaga biru",
                                  "sandaran kursi patah", "mau tanya syarat kk"])
def test_it_does_not_find_places_in_ordinary_words(text):
    assert [e for e in extract(text, TODAY) if e["entity"] in ("desa",)] == []


def test_the_place_tables_match_domain_counts():
    assert len(KECAMATAN) == 18
    assert len(villages()) == 141
    assert sum(1 for v in villages() if v.kind == "kelurahan") == 2
    assert lookup_kecamatan("kongbeng").code == "64.08.08"
    assert lookup_kecamatan("xyz") is None
    assert find_places("") == []


@pytest.mark.parametrize("text,topic", [
    ("bikin paspor dmn", "paspor"), ("perpanjang sim c", "sim"), ("kartu BPJS hilang", "bpjs"),
    ("urus skck", "skck"), ("npwp hilang", "npwp"),
])
def test_it_tags_other_offices_topics(text, topic):
    assert [e[1] for e in ents(text, "topic")] == [topic]


def test_entities_do_not_overlap_and_are_sorted():
    text = "nik 6408014506900001, hp 0812-3456-7890, email a@b.co, tiket AKL-0001, 5 jan 2026"
    found = extract(text, TODAY)
    assert [e["entity"] for e in found] == ["nik", "phone", "email", "ticket", "date"]
    for a, b in zip(found, found[1:]):
        assert a["end"] <= b["start"]
