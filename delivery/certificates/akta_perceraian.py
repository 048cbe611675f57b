"""Kutipan Akta Perceraian (the extract of the divorce record), drawn like the Kutipan Akta Kelahiran.

One A4 portrait page, black on white: the record number; the marriage that was dissolved (both
former spouses with their NIK, or passport number for a foreign spouse, and the akta perkawinan it
was recorded in); the court, the putusan's number and date and the date it became final
(berkekuatan hukum tetap); where and when the extract was issued, the head of the office, the
electronic-signature note and a QR code to check the document. No letterhead, as for every issued
civil-registration document.

The answers are those of flows/akta_perceraian.yml: suami_nama, suami_nik (or suami_paspor when
suami_wn is WNA), istri_nama, istri_nik (or istri_paspor), no_akta_perkawinan, tgl_perkawinan,
pengadilan, no_putusan, tgl_putusan and tgl_inkracht (ISO dates).
"""
from datetime import date
from functools import partial

from delivery.certificates.parts import (centred_line, date_in_words, open_page, signature_block,
                                         specimen_banner, specimen_footer, verification)

TITLE = "KUTIPAN AKTA PERCERAIAN"
REQUIRED = ("suami_nama", "istri_nama", "tgl_putusan")


def _text(answers: dict, key: str) -> str:
    """An answer as trimmed text, "-" when absent, empty or answered "tidak tahu"."""
    value = answers.get(key)
    if value is None or isinstance(value, dict):
        return "-"
    return str(value).strip() or "-"


def _date(answers: dict, key: str) -> str:
    """A date answer in Indonesian words ("5 Januari 2026"), "-" when absent."""
    return date_in_words(answers.get(key)) or "-"


def _identity(answers: dict, side: str) -> str:
    """"NIK 6408…" for a citizen, "No. Paspor X" for a foreign spouse, as the record names them."""
    if answers.get(f"{side}_wn") == "WNA" and answers.get(f"{side}_paspor"):
        return f"No. Paspor {_text(answers, f'{side}_paspor')} (WNA)"
    return f"NIK {_text(answers, f'{side}_nik')}"


def render(answers: dict, *, document_number: str, issued_on: date, verify_url: str, office: dict,
           specimen: bool) -> bytes:
    """The unsigned one-page PDF of the Kutipan Akta Perceraian."""
    for key in REQUIRED:
        if not answers.get(key):
            raise ValueError(f"{key} is required for a Kutipan Akta Perceraian")
    husband, wife = _text(answers, "suami_nama"), _text(answers, "istri_nama")
    husband_id, wife_id = _identity(answers, "suami"), _identity(answers, "istri")
    marriage_no, married_on = _text(answers, "no_akta_perkawinan"), _date(answers, "tgl_perkawinan")
    court, ruling_no = _text(answers, "pengadilan"), _text(answers, "no_putusan")
    ruled_on, final_on = _date(answers, "tgl_putusan"), _date(answers, "tgl_inkracht")
    pdf = open_page("Kutipan Akta Perceraian", office, husband, wife, husband_id, wife_id, marriage_no, court,
                    ruling_no, document_number, verify_url)
    line = partial(centred_line, pdf)

    specimen_banner(pdf, specimen, space_after=4)
    line("PENCATATAN SIPIL", 12, bold=True, height=6)
    pdf.ln(4)
    line(TITLE, 20, bold=True, height=10)
    pdf.ln(3)
    line(f"Berdasarkan Akta Perceraian Nomor {document_number}", 11, height=6)
    pdf.ln(3)
    # The body as on the printed form: the connecting words in plain type, the facts in bold.
    for words, fact, size, detail in (
        ("bahwa perkawinan antara", husband, 14, husband_id),
        ("dan", wife, 14, wife_id),
        ("yang tercatat dalam Akta Perkawinan Nomor", marriage_no, 12, f"tanggal {married_on}"),
        ("telah putus karena perceraian berdasarkan putusan", court, 12,
         f"Nomor {ruling_no} tanggal {ruled_on}"),
        ("yang telah berkekuatan hukum tetap pada tanggal", final_on, 12, None),
    ):
        line(words, 10.5, height=5.5)
        line(fact, size, bold=True, height=size * 0.5)
        if detail:
            line(detail, 10.5, height=5.5)
        pdf.ln(2.5)

    # Five body facts leave less room: the block sits tighter, and the QR code moves down if it must.
    signature_block(pdf, office, issued_on, top=max(pdf.get_y() + 4, 188), space_above=4, space_below=3)
    verification(pdf, verify_url, specimen=specimen, top=max(pdf.get_y() + 3, 226))
    specimen_footer(pdf, specimen, y=281)
    return pdf.to_bytes()
