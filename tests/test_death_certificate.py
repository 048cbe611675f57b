"""The issued Kutipan Akta Kematian (delivery/certificates/akta_kematian.py): one signed A4 page
whose text pdftotext can read, with the deceased's NIK printed whole as on the official extract,
whose QR code scans to the verify link, and which says when it is a specimen."""
import re
from datetime import date

from delivery import certificates, signing
from tests.certificate_checks import Certificate, dev_signer, one_a4_page, qr_codes, text_of  # noqa: F401

VERIFY_URL = "https://disdukcapil.kutaitimurkab.go.id/v/k3m9q8f2"
NUMBER = "6408-KM-12112026-0001"
DECEASED_NIK = "6408011203500001"  # 12-03-1950, man
ANSWERS = {  # as flows/akta_kematian.yml stores them (choice ids, ISO dates, "HH:MM")
    "hubungan": "anak",
    "almarhum_nik": DECEASED_NIK,
    "almarhum_nama": "Abdul Rahman",
    "almarhum_jk": "L",
    "tgl_kematian": "2026-11-12",
    "pukul_kematian": "04:15",
    "kota_kematian": "Sangatta, Kutai Timur",
    "ayah_almarhum": "Hasan",
    "ibu_almarhum": {"unknown": True},
}


AKTA = Certificate("akta_kematian", ANSWERS, NUMBER, date(2026, 11, 20), VERIFY_URL)
issue = AKTA.issue


def test_an_officer_can_issue_it():
    assert certificates.has_layout("akta_kematian")


def test_one_a4_page_with_embedded_fonts_and_no_personal_data_in_the_metadata():
    reader = one_a4_page(issue())
    for ref in reader.pages[0]["/Resources"]["/Font"].values():
        assert "/FontFile2" in ref.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    info = str(dict(reader.metadata))
    assert "Rahman" not in info and NUMBER not in info and DECEASED_NIK not in info


def test_text_is_extractable_and_nothing_the_official_extract_shows_is_masked(tmp_path):
    text = text_of(issue(), tmp_path)
    for expected in (
        "PENCATATAN SIPIL",
        "KUTIPAN AKTA KEMATIAN",
        f"NIK: {DECEASED_NIK}",  # whole, as on the official extract
        f"Berdasarkan Akta Kematian Nomor {NUMBER}",
        "bahwa di", "Sangatta, Kutai Timur",
        "pada tanggal", "12 November 2026, pukul 04.15",
        "telah meninggal dunia", "Abdul Rahman", "laki-laki",
        "Dikeluarkan di Sangatta, tanggal 20 November 2026",
        "Kepala Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kutai Timur",
        "Ditandatangani secara elektronik",
        "Pindai untuk memeriksa keaslian",
        VERIFY_URL,
    ):
        assert expected in text, expected
    assert "*" not in text


def test_an_unknown_hour_and_an_unknown_identity_print_no_placeholder(tmp_path):
    text = text_of(issue({**ANSWERS, "almarhum_nik": {"unknown": True}, "pukul_kematian": {"unknown": True},
                          "almarhum_nama": "Mr. X", "almarhum_jk": "P"}), tmp_path, layout=True)
    text = re.sub(r"\s+", " ", text)
    assert "NIK: -" in text and "pukul" not in text and "unknown" not in text
    assert "12 November 2026" in text and "Mr. X" in text and "perempuan" in text


def test_the_nik_siak_gives_is_printed(tmp_path):
    text = text_of(issue({**ANSWERS, "almarhum_nik": {"unknown": True}, "subject_nik": "6408015507700002"}),
                   tmp_path)
    assert "NIK: 6408015507700002" in text


def test_qr_scans_to_exactly_the_verify_url(tmp_path):
    assert qr_codes(issue(), tmp_path) == [VERIFY_URL]


def test_specimen_is_labelled_and_a_real_document_is_not(tmp_path):
    assert "SPESIMEN — BUKAN DOKUMEN RESMI" in text_of(issue(), tmp_path)
    real = text_of(issue(specimen=False), tmp_path)
    assert "SPESIMEN" not in real and "sertifikat uji" not in real and "KUTIPAN AKTA KEMATIAN" in real
    assert signing.signature_intact(issue(specimen=False))


def test_missing_name_or_death_date_is_an_error():
    AKTA.check_required("almarhum_nama", "tgl_kematian")
