"""Layouts of the documents the office issues (e.g. the Kutipan Akta Kelahiran), as unsigned PDFs.

render(service, answers, ...) returns the PDF bytes of one issued document; the caller signs them
with delivery.signing.sign_pdf. Each layout is a module of its own, drawn on page.CertificatePDF
with the parts every document shares (parts.py: specimen banner, signature block, QR code, footer).
"""
from datetime import date

from delivery.certificates import akta_kelahiran, akta_kematian, akta_perceraian
from delivery.certificates.page import fits_charset  # noqa: F401  (part of the package's API)

LAYOUTS = {"akta_kelahiran": akta_kelahiran.render, "akta_kematian": akta_kematian.render,
           "akta_perceraian": akta_perceraian.render}


class UnknownLayout(KeyError):
    """No issued-document layout exists for this service."""


def has_layout(service: str) -> bool:
    """True when the office issues a document for service through this package."""
    return service in LAYOUTS


def render(service: str, answers: dict, *, document_number: str, issued_on: date, verify_url: str,
           office: dict, specimen: bool) -> bytes:
    """The unsigned PDF of the document issued for service; UnknownLayout when there is none."""
    try:
        layout = LAYOUTS[service]
    except KeyError:
        raise UnknownLayout(service) from None
    return layout(answers, document_number=document_number, issued_on=issued_on,
                  verify_url=verify_url, office=office, specimen=specimen)
