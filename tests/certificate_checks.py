"""What the tests of every issued document (tests/test_*certificate*.py) do alike: sign with a
development certificate, render and sign a document (Certificate), read it back with pdftotext, pypdf and zbarimg,
and check that a missing answer is an error.

A test module imports `dev_signer` (an autouse fixture) for its tests to sign with a certificate
made in their tmp_path.
"""
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader

from delivery import certificates, signing
from tests.conftest import require

OFFICE = {"name": "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kutai Timur"}


@pytest.fixture(autouse=True)
def dev_signer(monkeypatch, tmp_path):
    """Sign with a development certificate made in tmp_path."""
    monkeypatch.delenv("SIGNING_P12", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    signing.reset_signer()
    yield
    signing.reset_signer()


@dataclass(frozen=True)
class Certificate:
    """One layout with the answers, record number, issue date and verify link its tests use."""

    service: str
    answers: dict
    number: str
    issued_on: date
    verify_url: str

    def render(self, answers: dict, *, specimen: bool = True) -> bytes:
        """The unsigned PDF for OFFICE."""
        return certificates.render(self.service, answers, document_number=self.number, issued_on=self.issued_on,
                                   verify_url=self.verify_url, office=OFFICE, specimen=specimen)

    def issue(self, answers: dict | None = None, *, specimen: bool = True) -> bytes:
        """The signed PDF, of the usual answers unless others are given."""
        return signing.sign_pdf(self.render(answers or self.answers, specimen=specimen))

    def check_required(self, *keys: str) -> None:
        """Rendering without any one of keys is a ValueError naming it."""
        for key in keys:
            without = {k: v for k, v in self.answers.items() if k != key}
            with pytest.raises(ValueError, match=key):
                self.render(without)


def text_of(data: bytes, tmp_path, *, layout: bool = False) -> str:
    """pdftotext's reading of the PDF, whitespace collapsed to single spaces."""
    require(shutil.which("pdftotext") is not None, "pdftotext (apt-get install poppler-utils)")
    (tmp_path / "akta.pdf").write_bytes(data)
    out = subprocess.run(["pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8",
                          str(tmp_path / "akta.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", out)


def one_a4_page(data: bytes) -> PdfReader:
    """The PDF read by pypdf, after checking it is one A4 portrait page."""
    reader = PdfReader(BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(595.28, abs=1) and float(box.height) == pytest.approx(841.89, abs=1)
    return reader


def qr_codes(data: bytes, tmp_path) -> list[str]:
    """What zbarimg reads off the page rendered at 100 dpi (about what a phone camera sees of a print)."""
    require(shutil.which("pdftoppm") is not None, "pdftoppm (apt-get install poppler-utils)")
    require(shutil.which("zbarimg") is not None, "zbarimg (apt-get install zbar-tools)")
    (tmp_path / "akta.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(tmp_path / "akta.pdf"),
                    str(tmp_path / "page")], check=True)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
                         capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()
