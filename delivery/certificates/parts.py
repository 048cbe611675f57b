"""The parts every issued document draws alike, so that a layout keeps only its title and its facts.

- date_in_words, required_date: a date answer as the documents print it.
- open_page: the A4 page, with the full fonts when a text falls outside the cut ones.
- centred_line: one line centred between the margins, wrapped when too long.
- specimen_banner: the framed "SPESIMEN" warning at the top (or the top space of a real document).
- signature_block: where and when issued, the office head, "Ditandatangani secara elektronik",
  the head's name and NIP, in a block on the right.
- verification: the QR code with its caption and the verify link below it, the signed note beside it.
- specimen_footer: the "SPESIMEN" line at the foot of a specimen.
"""
from datetime import date

from fpdf.enums import XPos, YPos

from delivery.certificates.page import CertificatePDF, draw_qr, fits_charset
from delivery.pdf_common import FONT_FAMILY
from flows.validators import format_date_id

MARGIN = 20  # mm
QR_SIZE = 33  # mm, quiet zone included: about 0.8 mm a module, easy for a phone or zbarimg
QR_TOP = 226  # mm
BLOCK_W = 116  # mm, the signature block's width
ISSUED_AT = "Sangatta"
SPECIMEN_TITLE = "SPESIMEN — BUKAN DOKUMEN RESMI"
SPECIMEN_NOTE = (
    "Dokumen ini dibuat oleh sistem pengembangan/uji coba Sapa Dukcapil dan ditandatangani dengan "
    "sertifikat uji. Tidak berlaku sebagai dokumen kependudukan dan tidak dapat dipakai untuk keperluan apa pun."
)
SIGNED_NOTE = (
    "Dokumen ini ditandatangani secara elektronik. Keasliannya dapat diperiksa dengan memindai kode QR "
    "atau dengan membuka berkas PDF ini di aplikasi pembaca PDF yang menampilkan tanda tangan elektronik."
)
SPECIMEN_SIGNED_NOTE = "Tanda tangan elektronik pada spesimen ini memakai sertifikat uji dan tidak berlaku."


def head_title(office: dict) -> str:
    """The office head's title: "Kepala " and the office's name."""
    return f"Kepala {office['name']}"


def date_in_words(value) -> str:
    """A date or ISO date string in Indonesian words ("5 Januari 2026"); "" when absent."""
    if isinstance(value, date):
        return format_date_id(value)
    if isinstance(value, str) and value.strip():
        return format_date_id(date.fromisoformat(value.strip()[:10]))
    return ""


def required_date(value, key: str, document: str) -> str:
    """date_in_words of a date the document cannot go without; a ValueError naming key when absent."""
    words = date_in_words(value)
    if not words:
        raise ValueError(f"{key} is required for a {document}")
    return words


def open_page(title: str, office: dict, *texts: str) -> CertificatePDF:
    """A new A4 page within the margins, with the full fonts when texts or the office's need them."""
    office_texts = (head_title(office), office.get("head_name") or "", office.get("head_nip") or "")
    pdf = CertificatePDF(title=title, author=office["name"], full_fonts=not fits_charset(*texts, *office_texts))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()
    return pdf


def centred_line(pdf: CertificatePDF, text: str, size: float, *, bold: bool = False, height: float | None = None,
                 align: str = "C") -> None:
    """One line across the page (centred); wrapped only when too long (cell() skips fpdf2's line breaking)."""
    pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
    pdf.set_x(MARGIN)
    pdf.text_block(text, pdf.epw, height or size * 0.5, align=align)


def specimen_banner(pdf: CertificatePDF, specimen: bool, *, space_after: float = 5) -> None:
    """The framed specimen warning at the top, space_after mm above the title; a real document's top space."""
    pdf.set_y(16)
    if not specimen:
        pdf.set_y(26)
        return
    width = pdf.epw
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
    pdf.set_y(bottom + space_after)


def head_lines(pdf: CertificatePDF, head: str, width: float) -> list[str]:
    """The office head's title on one line, or broken before "Kabupaten"/"Kota" when too long."""
    pdf.set_font(FONT_FAMILY, "B", 10)
    if pdf.get_string_width(head) <= width - 2 * pdf.c_margin:
        return [head]
    for word in (" Kabupaten ", " Kota "):
        cut = head.rfind(word)
        if cut > 0:
            return [head[:cut], head[cut + 1:]]
    return [head]  # text_block wraps it


def signature_block(pdf: CertificatePDF, office: dict, issued_on: date, *, top: float, space_above: float = 5,
                    space_below: float = 4) -> None:
    """Issue place and date, the office head, the electronic-signature line, name and NIP, right-aligned at top."""
    block_x = pdf.w - MARGIN - BLOCK_W

    def block_line(text: str, size: float, *, bold: bool = False, gap: float = 0) -> None:
        """A centred line of the signature block, wrapped if too long, then gap mm of space."""
        pdf.set_x(block_x)
        pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
        pdf.text_block(text, BLOCK_W, 5, align="C")
        pdf.set_y(pdf.get_y() + gap)

    pdf.set_y(top)
    block_line(f"Dikeluarkan di {ISSUED_AT}, tanggal {format_date_id(issued_on)}", 10)
    for part in head_lines(pdf, head_title(office), BLOCK_W):
        block_line(part, 10, bold=True)
    pdf.set_y(pdf.get_y() + space_above)
    block_line("Ditandatangani secara elektronik", 9.5, gap=space_below)
    if office.get("head_name"):
        block_line(office["head_name"], 10, bold=True)
        if office.get("head_nip"):
            block_line(f"NIP. {office['head_nip']}", 9.5)


def verification(pdf: CertificatePDF, verify_url: str, *, specimen: bool, top: float = QR_TOP) -> None:
    """The QR code, its caption and the verify link at the bottom left from top; the signed note beside it."""
    draw_qr(pdf, verify_url, MARGIN, top, QR_SIZE)
    pdf.set_xy(MARGIN, top + QR_SIZE)
    pdf.set_font(FONT_FAMILY, "B", 7.5)
    pdf.cell(0, 4, "Pindai untuk memeriksa keaslian", new_x=XPos.LEFT, new_y=YPos.NEXT)
    # Printed too, so the link can be typed in when the QR is smudged or the phone has no scanner.
    pdf.set_font(FONT_FAMILY, "", 7)
    pdf.text_block(verify_url, pdf.epw, 3.5)

    note_x = MARGIN + QR_SIZE + 6
    pdf.set_xy(note_x, top + 4)
    pdf.set_font(FONT_FAMILY, "", 8.5)
    note = SIGNED_NOTE + (" " + SPECIMEN_SIGNED_NOTE if specimen else "")
    pdf.text_block(note, pdf.w - MARGIN - note_x, 4.2)


def specimen_footer(pdf: CertificatePDF, specimen: bool, *, y: float = 280) -> None:
    """The specimen title once more at the foot of the page (nothing on a real document)."""
    if specimen:
        pdf.set_xy(MARGIN, y)
        pdf.set_font(FONT_FAMILY, "B", 9)
        pdf.cell(pdf.epw, 4.5, SPECIMEN_TITLE, align="C")
