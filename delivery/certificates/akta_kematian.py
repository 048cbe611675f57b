"""Kutipan Akta Kematian (the extract of the death record), drawn like the Kutipan Akta Kelahiran
(akta_kelahiran.py) on the same HVS form family used since 2020.

One A4 portrait page, black on white: the record number, the deceased's NIK, where and when the
death happened (and the hour when known), the deceased's name and sex, where and when the extract
was issued, the head of the office, the electronic-signature note and a QR code to check the
document. As on the official extract, the NIK is printed whole (nothing masked): the extract is the
citizen's own document.

The answers are those of flows/akta_kematian.yml: almarhum_nama, almarhum_nik (a NIK, or
{"unknown": true} for an unknown identity), almarhum_jk (choice id L/P), tgl_kematian (ISO date),
pukul_kematian ("HH:MM" or {"unknown": true}) and kota_kematian. When the officer gives the NIK SIAK
holds (subject_nik), that one is printed.
"""
from datetime import date

from fpdf.enums import XPos, YPos

from delivery.certificates.akta_kelahiran import (
    ISSUED_AT, MARGIN, QR_SIZE, SIGNED_NOTE, SPECIMEN_NOTE, SPECIMEN_SIGNED_NOTE, SPECIMEN_TITLE, _head_lines)
from delivery.certificates.page import CertificatePDF, draw_qr, fits_charset
from delivery.pdf_common import FONT_FAMILY
from flows.validators import format_date_id

TITLE = "KUTIPAN AKTA KEMATIAN"
SEX = {"L": "laki-laki", "P": "perempuan"}


def _known(value) -> str:
    """An answer as trimmed text; "" when absent, empty or answered "tidak tahu"."""
    if value is None or isinstance(value, dict):  # {"unknown": true}
        return ""
    return str(value).strip()


def _death_date(value) -> str:
    """The date of death in Indonesian words ("12 November 2026") from an ISO string or a date."""
    if isinstance(value, date):
        return format_date_id(value)
    if isinstance(value, str) and value.strip():
        return format_date_id(date.fromisoformat(value.strip()[:10]))
    raise ValueError("tgl_kematian is required for a Kutipan Akta Kematian")


def _hour(value) -> str:
    """"pukul 14.30" from "14:30"; "" when the hour is unknown."""
    text = _known(value)
    return f"pukul {text.replace(':', '.')}" if text else ""


def render(answers: dict, *, document_number: str, issued_on: date, verify_url: str, office: dict,
           specimen: bool) -> bytes:
    """The unsigned one-page PDF of the Kutipan Akta Kematian."""
    name = _known(answers.get("almarhum_nama"))
    if not name:
        raise ValueError("almarhum_nama is required for a Kutipan Akta Kematian")
    died_on = _death_date(answers.get("tgl_kematian"))
    hour = _hour(answers.get("pukul_kematian"))
    place = _known(answers.get("kota_kematian")) or "-"
    nik = _known(answers.get("subject_nik")) or _known(answers.get("almarhum_nik")) or "-"
    sex = SEX.get(_known(answers.get("almarhum_jk")).upper(), "")
    head = f"Kepala {office['name']}"
    issued = f"Dikeluarkan di {ISSUED_AT}, tanggal {format_date_id(issued_on)}"

    texts = (name, place, nik, document_number, head, verify_url, office.get("head_name") or "",
             office.get("head_nip") or "")
    pdf = CertificatePDF(title="Kutipan Akta Kematian", author=office["name"], full_fonts=not fits_charset(*texts))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float, *, bold: bool = False, height: float | None = None) -> None:
        """One centred line, wrapped when too long."""
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
        pdf.set_y(bottom + 5)
    else:
        pdf.set_y(26)

    line("PENCATATAN SIPIL", 12, bold=True, height=6)
    pdf.ln(5)
    line(TITLE, 20, bold=True, height=10)
    pdf.ln(1)
    line(f"NIK: {nik}", 11, height=6)
    pdf.ln(6)
    line(f"Berdasarkan Akta Kematian Nomor {document_number}", 11, height=6)
    pdf.ln(4)
    # The body as on the printed form: the connecting words in plain type, the facts in bold.
    body = [("bahwa di", place, 13), ("pada tanggal", died_on + (f", {hour}" if hour else ""), 13),
            ("telah meninggal dunia", name, 16)]
    if sex:
        body.append((None, f"{sex}", 12))
    for words, fact, size in body:
        if words:
            line(words, 11, height=6)
        line(fact, size, bold=True, height=size * 0.5)
        pdf.ln(3)

    block_w = 116
    block_x = pdf.w - MARGIN - block_w

    def block_line(text: str, size: float, *, bold: bool = False, gap: float = 0) -> None:
        """A centred line of the signature block, wrapped if too long, then gap mm of space."""
        pdf.set_x(block_x)
        pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
        pdf.text_block(text, block_w, 5, align="C")
        pdf.set_y(pdf.get_y() + gap)

    pdf.set_y(max(pdf.get_y() + 6, 180))
    block_line(issued, 10)
    for part in _head_lines(pdf, head, block_w):
        block_line(part, 10, bold=True)
    pdf.set_y(pdf.get_y() + 5)
    block_line("Ditandatangani secara elektronik", 9.5, gap=4)
    if office.get("head_name"):
        block_line(office["head_name"], 10, bold=True)
        if office.get("head_nip"):
            block_line(f"NIP. {office['head_nip']}", 9.5)

    qr_y = 226
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
        pdf.set_xy(MARGIN, 280)
        pdf.set_font(FONT_FAMILY, "B", 9)
        pdf.cell(width, 4.5, SPECIMEN_TITLE, align="C")
    return pdf.to_bytes()
