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

from fpdf.enums import XPos, YPos

from delivery.certificates.akta_kelahiran import (
    ISSUED_AT,
    MARGIN,
    QR_SIZE,
    SIGNED_NOTE,
    SPECIMEN_NOTE,
    SPECIMEN_SIGNED_NOTE,
    SPECIMEN_TITLE,
)
from delivery.certificates.page import CertificatePDF, draw_qr, fits_charset
from delivery.pdf_common import FONT_FAMILY
from flows.validators import format_date_id

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
    value = answers.get(key)
    if isinstance(value, date):
        return format_date_id(value)
    if isinstance(value, str) and value.strip():
        return format_date_id(date.fromisoformat(value.strip()[:10]))
    return "-"


def _identity(answers: dict, side: str) -> str:
    """"NIK 6408…" for a citizen, "No. Paspor X" for a foreign spouse, as the record names them."""
    if answers.get(f"{side}_wn") == "WNA" and answers.get(f"{side}_paspor"):
        return f"No. Paspor {_text(answers, f'{side}_paspor')} (WNA)"
    return f"NIK {_text(answers, f'{side}_nik')}"


def _head_lines(pdf: CertificatePDF, head: str, width: float) -> list[str]:
    """The office head's title on one line, or broken before "Kabupaten"/"Kota" when too long."""
    pdf.set_font(FONT_FAMILY, "B", 10)
    if pdf.get_string_width(head) <= width - 2 * pdf.c_margin:
        return [head]
    for word in (" Kabupaten ", " Kota "):
        cut = head.rfind(word)
        if cut > 0:
            return [head[:cut], head[cut + 1:]]
    return [head]


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
    head = f"Kepala {office['name']}"
    issued = f"Dikeluarkan di {ISSUED_AT}, tanggal {format_date_id(issued_on)}"

    texts = (husband, wife, husband_id, wife_id, marriage_no, court, ruling_no, document_number, head, verify_url,
             office.get("head_name") or "", office.get("head_nip") or "")
    pdf = CertificatePDF(title="Kutipan Akta Perceraian", author=office["name"], full_fonts=not fits_charset(*texts))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float, *, bold: bool = False, height: float | None = None) -> None:
        """One centred line, wrapped only when too long."""
        pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
        pdf.set_x(MARGIN)
        pdf.text_block(text, width, height or size * 0.5, align="C")

    pdf.set_y(16)
    if specimen:
        top = pdf.get_y()
        pdf.set_line_width(0.8)
        pdf.set_xy(MARGIN + 3, top + 2.5)
        pdf.set_font(FONT_FAMILY, "B", 15)
        pdf.text_block(SPECIMEN_TITLE, width - 6, 7, align="C")
        pdf.set_font(FONT_FAMILY, "", 8.5)
        pdf.text_block(SPECIMEN_NOTE, width - 6, 4, align="C")
        bottom = pdf.get_y() + 2.5
        pdf.rect(MARGIN, top, width, bottom - top)
        pdf.set_line_width(0.2)
        pdf.set_y(bottom + 4)
    else:
        pdf.set_y(26)

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

    # Issue place and date, the office head and the signature note, in a block on the right.
    block_w = 116
    block_x = pdf.w - MARGIN - block_w

    def block_line(text: str, size: float, *, bold: bool = False, gap: float = 0) -> None:
        """A centred line of the signature block, wrapped if too long, then gap mm of space."""
        pdf.set_x(block_x)
        pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
        pdf.text_block(text, block_w, 5, align="C")
        pdf.set_y(pdf.get_y() + gap)

    pdf.set_y(max(pdf.get_y() + 4, 188))
    block_line(issued, 10)
    for part in _head_lines(pdf, head, block_w):
        block_line(part, 10, bold=True)
    pdf.set_y(pdf.get_y() + 4)
    block_line("Ditandatangani secara elektronik", 9.5, gap=3)
    if office.get("head_name"):
        block_line(office["head_name"], 10, bold=True)
        if office.get("head_nip"):
            block_line(f"NIP. {office['head_nip']}", 9.5)

    # The QR code, its caption and link at the bottom left; the signature note beside it.
    qr_y = max(pdf.get_y() + 3, 226)
    draw_qr(pdf, verify_url, MARGIN, qr_y, QR_SIZE)
    pdf.set_xy(MARGIN, qr_y + QR_SIZE)
    pdf.set_font(FONT_FAMILY, "B", 7.5)
    pdf.cell(0, 4, "Pindai untuk memeriksa keaslian", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "", 7)
    pdf.text_block(verify_url, pdf.epw, 3.5)

    note_x = MARGIN + QR_SIZE + 6
    pdf.set_xy(note_x, qr_y + 4)
    pdf.set_font(FONT_FAMILY, "", 8.5)
    note = SIGNED_NOTE + (" " + SPECIMEN_SIGNED_NOTE if specimen else "")
    pdf.text_block(note, pdf.w - MARGIN - note_x, 4.2)

    if specimen:
        pdf.set_xy(MARGIN, 281)
        pdf.set_font(FONT_FAMILY, "B", 9)
        pdf.cell(width, 4.5, SPECIMEN_TITLE, align="C")
    return pdf.to_bytes()
