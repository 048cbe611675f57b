"""The issued Kutipan Akta Kelahiran (delivery/certificates): one signed A4 page whose text
pdftotext can read, whose QR code scans to the verify link, and which says when it is a specimen."""
import re
import shutil
import subprocess
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader

from delivery import certificates, signing
from tests.conftest import require

VERIFY_URL = "https://disdukcapil.kutaitimurkab.go.id/v/8f3k2m9q"
NUMBER = "6408-LT-05012026-0001"
OFFICE = {"name": "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kutai Timur"}
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


@pytest.fixture(autouse=True)
def dev_signer(monkeypatch, tmp_path):
    """Sign with a development certificate made in tmp_path."""
    monkeypatch.delenv("SIGNING_P12", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    signing.reset_signer()
    yield
    signing.reset_signer()


def issue(answers: dict | None = None, *, specimen: bool = True) -> bytes:
    """Render and sign the birth certificate."""
    pdf = certificates.render("akta_kelahiran", answers or ANSWERS, document_number=NUMBER,
                              issued_on=date(2026, 2, 12), verify_url=VERIFY_URL, office=OFFICE,
                              specimen=specimen)
    return signing.sign_pdf(pdf)


def text_of(data: bytes, tmp_path, *, layout: bool = False) -> str:
    """pdftotext's reading of the PDF, whitespace collapsed to single spaces."""
    require(shutil.which("pdftotext") is not None, "pdftotext (apt-get install poppler-utils)")
    (tmp_path / "akta.pdf").write_bytes(data)
    out = subprocess.run(["pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8",
                          str(tmp_path / "akta.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", out)


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
    reader = PdfReader(BytesIO(signed_specimen))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(595.28, abs=1)
    assert float(box.height) == pytest.approx(841.89, abs=1)
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
    require(shutil.which("pdftoppm") is not None, "pdftoppm (apt-get install poppler-utils)")
    require(shutil.which("zbarimg") is not None, "zbarimg (apt-get install zbar-tools)")
    (tmp_path / "akta.pdf").write_bytes(signed_specimen)
    # 100 dpi: about what a phone camera sees of a printed page.
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(tmp_path / "akta.pdf"),
                    str(tmp_path / "page")], check=True)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines() == [VERIFY_URL]


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
    for key in ("anak_nama", "anak_tgl_lahir"):
        answers = {k: v for k, v in ANSWERS.items() if k != key}
        with pytest.raises(ValueError, match=key):
            certificates.render("akta_kelahiran", answers, document_number=NUMBER, issued_on=date(2026, 2, 12),
                                verify_url=VERIFY_URL, office=OFFICE, specimen=True)
