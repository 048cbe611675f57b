"""The issued Kutipan Akta Kelahiran (delivery/certificates): one signed A4 page whose text
pdftotext can read, whose QR code scans to the verify link, and which says when it is a specimen."""
import shutil
import subprocess
from datetime import date

import pytest

from delivery import certificates, signing
from tests.certificate_checks import OFFICE, Certificate, dev_signer, one_a4_page, qr_codes, text_of  # noqa: F401
from tests.conftest import require

VERIFY_URL = "https://disdukcapil.kutaitimurkab.go.id/v/8f3k2m9q"
NUMBER = "6408-LT-05012026-0001"
ANSWERS = {  # as flows/akta_kelahiran.yml stores them (choice ids, ISO dates, numbers)
    "hubungan": "ibu",
    "anak_nama": "Muhammad Rizky Pratama",
    "anak_jk": "L",
    "anak_tgl_lahir": "2026-01-05",
    "anak_kota_lahir": "Sangatta, Kutai Timur",
    "anak_ke": 2,
    "ayah_nama": "Budi Santoso",
    "ayah_wn": "WNI",
    "ibu_nama": "Siti Aminah",
    "ibu_wn": "WNI",
}


AKTA = Certificate("akta_kelahiran", ANSWERS, NUMBER, date(2026, 2, 12), VERIFY_URL)
issue = AKTA.issue


@pytest.fixture(scope="module")
def signed_specimen(tmp_path_factory) -> bytes:
    """One signed specimen for the read-only checks (made with its own dev certificate)."""
    mp = pytest.MonkeyPatch()
    mp.delenv("SIGNING_P12", raising=False)
    mp.setenv("INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
    signing.reset_signer()
    try:
        yield issue()
    finally:
        mp.undo()
        signing.reset_signer()


def test_one_a4_portrait_page_with_embedded_fonts(signed_specimen):
    reader = one_a4_page(signed_specimen)
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile2" in descriptor, "fonts must be embedded"
        assert "DejaVu" in font["/BaseFont"]
    # Metadata travels with a forwarded file: no personal data in it.
    info = reader.metadata
    assert "Rizky" not in str(dict(info)) and NUMBER not in str(dict(info))


def test_text_is_extractable(signed_specimen, tmp_path):
    text = text_of(signed_specimen, tmp_path)
    for expected in (
        "KUTIPAN AKTA KELAHIRAN",
        f"Berdasarkan Akta Kelahiran Nomor {NUMBER}",
        "Muhammad Rizky Pratama",
        "Sangatta, Kutai Timur",
        "5 Januari 2026",
        "anak ke-2, laki-laki",
        "Budi Santoso",
        "Siti Aminah",
        "WARGA NEGARA: INDONESIA",
        "Dikeluarkan di Sangatta, tanggal 12 Februari 2026",
        "Kepala Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kutai Timur",
        "Ditandatangani secara elektronik",
        "Pindai untuk memeriksa keaslian",
        VERIFY_URL,
    ):
        assert expected in text, expected
    # A newborn's NIK comes from SIAK and is not in these answers: "-" is printed. (Without
    # -layout, pdftotext takes a "-" ending a line for a hyphenation and joins the next line.)
    assert "NIK: -" in text_of(signed_specimen, tmp_path, layout=True)


def test_child_nik_and_sex_when_known(tmp_path):
    text = text_of(issue({**ANSWERS, "anak_nik": "6408014501260003", "anak_jk": "P", "anak_ke": "1"}), tmp_path)
    assert "NIK: 6408014501260003" in text
    assert "anak ke-1, perempuan" in text


def test_qr_scans_to_exactly_the_verify_url(signed_specimen, tmp_path):
    assert qr_codes(signed_specimen, tmp_path) == [VERIFY_URL]


def test_specimen_is_labelled_and_a_real_document_is_not(signed_specimen, tmp_path):
    assert "SPESIMEN — BUKAN DOKUMEN RESMI" in text_of(signed_specimen, tmp_path)
    assert "sertifikat uji" in text_of(signed_specimen, tmp_path)
    real = text_of(issue(specimen=False), tmp_path)
    assert "SPESIMEN" not in real and "sertifikat uji" not in real
    assert "KUTIPAN AKTA KELAHIRAN" in real


def test_signed_certificate_is_intact_and_pdfsig_agrees(signed_specimen, tmp_path):
    signed = issue()
    assert signing.signature_intact(signed)
    require(shutil.which("pdfsig") is not None, "pdfsig (apt-get install poppler-utils)")
    (tmp_path / "s.pdf").write_bytes(signed)
    out = subprocess.run(["pdfsig", str(tmp_path / "s.pdf")], capture_output=True, text=True).stdout
    assert "Signature is Valid" in out and "Total document signed" in out


def test_names_outside_the_cut_fonts_still_print(tmp_path):
    """A character the Latin cut of DejaVu lacks makes that document embed the full fonts."""
    assert not certificates.fits_charset("Ŋgurah")
    text = text_of(issue({**ANSWERS, "anak_nama": "Ŋgurah Ɓagus"}), tmp_path)
    assert "Ŋgurah Ɓagus" in text


def test_registry():
    assert certificates.has_layout("akta_kelahiran")
    assert not certificates.has_layout("ktp_el")
    with pytest.raises(certificates.UnknownLayout):
        certificates.render("ktp_el", {}, document_number="x", issued_on=date(2026, 1, 1),
                            verify_url=VERIFY_URL, office=OFFICE, specimen=True)
    with pytest.raises(KeyError):  # UnknownLayout is a KeyError
        certificates.render("ktp_el", {}, document_number="x", issued_on=date(2026, 1, 1),
                            verify_url=VERIFY_URL, office=OFFICE, specimen=True)


def test_missing_child_name_or_birth_date_is_an_error():
    AKTA.check_required("anak_nama", "anak_tgl_lahir")
