"""The issued Kutipan Akta Kematian (delivery/certificates/akta_kematian.py): one signed A4 page
whose text pdftotext can read, with the deceased's NIK printed whole as on the official extract,
whose QR code scans to the verify link, and which says when it is a specimen."""
import re
import shutil
import subprocess
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader

from delivery import certificates, signing
from tests.conftest import require

VERIFY_URL = "https://disdukcapil.kutaitimurkab.go.id/v/k3m9q8f2"
NUMBER = "6408-KM-12112026-0001"
OFFICE = {"name": "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kutai Timur"}
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


@pytest.fixture(autouse=True)
def dev_signer(monkeypatch, tmp_path):
    """Sign with a development certificate made in tmp_path."""
    monkeypatch.delenv("SIGNING_P12", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    signing.reset_signer()
    yield
    signing.reset_signer()


def issue(answers: dict | None = None, *, specimen: bool = True) -> bytes:
    """Render and sign the death certificate."""
    pdf = certificates.render("akta_kematian", answers or ANSWERS, document_number=NUMBER,
                              issued_on=date(2026, 11, 20), verify_url=VERIFY_URL, office=OFFICE,
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


def test_an_officer_can_issue_it():
    assert certificates.has_layout("akta_kematian")


def test_one_a4_page_with_embedded_fonts_and_no_personal_data_in_the_metadata():
    reader = PdfReader(BytesIO(issue()))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(595.28, abs=1) and float(box.height) == pytest.approx(841.89, abs=1)
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
    require(shutil.which("pdftoppm") is not None, "pdftoppm (apt-get install poppler-utils)")
    require(shutil.which("zbarimg") is not None, "zbarimg (apt-get install zbar-tools)")
    (tmp_path / "akta.pdf").write_bytes(issue())
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(tmp_path / "akta.pdf"),
                    str(tmp_path / "page")], check=True)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines() == [VERIFY_URL]


def test_specimen_is_labelled_and_a_real_document_is_not(tmp_path):
    assert "SPESIMEN — BUKAN DOKUMEN RESMI" in text_of(issue(), tmp_path)
    real = text_of(issue(specimen=False), tmp_path)
    assert "SPESIMEN" not in real and "sertifikat uji" not in real and "KUTIPAN AKTA KEMATIAN" in real
    assert signing.signature_intact(issue(specimen=False))


def test_missing_name_or_death_date_is_an_error():
    for key in ("almarhum_nama", "tgl_kematian"):
        answers = {k: v for k, v in ANSWERS.items() if k != key}
        with pytest.raises(ValueError, match=key):
            certificates.render("akta_kematian", answers, document_number=NUMBER, issued_on=date(2026, 11, 20),
                                verify_url=VERIFY_URL, office=OFFICE, specimen=True)
