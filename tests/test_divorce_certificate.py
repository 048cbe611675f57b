"""The issued Kutipan Akta Perceraian (delivery/certificates/akta_perceraian.py): one signed A4
page whose text pdftotext can read, naming both former spouses, the marriage record and the court's
putusan, whose QR code scans to the verify link, and which says when it is a specimen."""
from datetime import date

from delivery import certificates, signing
from tests.certificate_checks import Certificate, dev_signer, one_a4_page, qr_codes, text_of  # noqa: F401

VERIFY_URL = "https://disdukcapil.kutaitimurkab.go.id/v/c3r41kz9"
NUMBER = "6408-CR-14052026-0001"
ANSWERS = {  # as flows/akta_perceraian.yml stores them (choice ids, ISO dates)
    "agama": "kristen",
    "pelapor": "istri",
    "no_akta_perkawinan": "6408-KW-20062015-0012",
    "tgl_perkawinan": "2015-06-20",
    "pengadilan": "Pengadilan Negeri Sangatta",
    "no_putusan": "45/Pdt.G/2026/PN Sgt",
    "tgl_putusan": "2026-03-02",
    "no_inkracht": "W18.U9/112/HK.02/IV/2026",
    "tgl_inkracht": "2026-03-17",
    "suami_nama": "Budi Santoso",
    "suami_wn": "WNI",
    "suami_nik": "6408011708900001",
    "suami_kk": {"unknown": True},
    "istri_nama": "Maria Magdalena Siahaan",
    "istri_wn": "WNI",
    "istri_nik": "6408014302930002",
    "istri_kk": "6408011501200003",
}


AKTA = Certificate("akta_perceraian", ANSWERS, NUMBER, date(2026, 5, 14), VERIFY_URL)
issue = AKTA.issue


def test_registered_beside_the_birth_certificate():
    assert certificates.has_layout("akta_perceraian") and certificates.has_layout("akta_kelahiran")


def test_one_a4_page_without_personal_data_in_its_metadata():
    reader = one_a4_page(issue())
    info = str(dict(reader.metadata))
    assert "Kutipan Akta Perceraian" in info and "Budi" not in info and NUMBER not in info


def test_the_record_reads_as_the_form_does(tmp_path):
    text = text_of(issue(), tmp_path)
    for expected in (
        "KUTIPAN AKTA PERCERAIAN",
        f"Berdasarkan Akta Perceraian Nomor {NUMBER}",
        "bahwa perkawinan antara Budi Santoso NIK 6408011708900001",
        "dan Maria Magdalena Siahaan NIK 6408014302930002",
        "Akta Perkawinan Nomor 6408-KW-20062015-0012 tanggal 20 Juni 2015",
        "Pengadilan Negeri Sangatta Nomor 45/Pdt.G/2026/PN Sgt tanggal 2 Maret 2026",
        "berkekuatan hukum tetap pada tanggal 17 Maret 2026",
        "Dikeluarkan di Sangatta, tanggal 14 Mei 2026",
        "Kepala Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kutai Timur",
        "Ditandatangani secara elektronik",
        VERIFY_URL,
    ):
        assert expected in text, expected
    # The KK numbers are no part of the extract (one of them was "tidak tahu").
    assert "6408011501200003" not in text and "unknown" not in text


def test_a_foreign_spouse_is_named_by_passport(tmp_path):
    answers = {**ANSWERS, "suami_wn": "WNA", "suami_paspor": "X1234567"}
    del answers["suami_nik"]
    text = text_of(issue(answers), tmp_path)
    assert "Budi Santoso No. Paspor X1234567 (WNA)" in text


def test_specimen_is_labelled_and_a_real_document_is_not(tmp_path):
    assert "SPESIMEN — BUKAN DOKUMEN RESMI" in text_of(issue(), tmp_path)
    real = text_of(issue(specimen=False), tmp_path)
    assert "SPESIMEN" not in real and "KUTIPAN AKTA PERCERAIAN" in real


def test_signature_intact_and_qr_scans_to_the_verify_url(tmp_path):
    signed = issue()
    assert signing.signature_intact(signed)
    assert qr_codes(signed, tmp_path) == [VERIFY_URL]


def test_long_names_and_court_names_still_fit_one_page(tmp_path):
    long = {**ANSWERS, "suami_nama": "Bonifasius Fransiskus Xaverius Hutagalung Simanjuntak Panjaitan",
            "istri_nama": "Ŋgurah Ɓagus Theresia Margaretha Anastasia Lumbantobing",
            "pengadilan": "Pengadilan Negeri Sangatta Kelas II Kabupaten Kutai Timur Provinsi Kalimantan Timur"}
    data = issue(long)
    one_a4_page(data)
    text = text_of(data, tmp_path)
    assert "Ŋgurah Ɓagus" in text and "Pindai untuk memeriksa keaslian" in text


def test_missing_names_or_putusan_date_is_an_error():
    AKTA.check_required("suami_nama", "istri_nama", "tgl_putusan")
