"""Kutipan Akta Kelahiran (the extract of the birth record), modelled on the HVS form used since 2020.

One A4 portrait page, black on white: the record number, the child's NIK, name, sex, place and
date of birth, birth order and parents, where and when the extract was issued, the head of the
office, the electronic-signature note and a QR code to check the document. No letterhead: an issued
civil-registration document is not a letter of the office (the receipt's kop surat would be wrong).

The answers are those of flows/akta_kelahiran.yml: anak_nama, anak_jk (choice id L/P),
anak_tgl_lahir (ISO date), anak_kota_lahir, anak_ke (number), ayah_nama, ibu_nama, ayah_wn and
ibu_wn (WNI/WNA). The child's NIK (anak_nik) is asked only of an adult registering their own birth:
otherwise SIAK gives it when the record is made, so it is printed when the caller puts it in the
answers and "-" otherwise.

Families as they are: when the father is not known (ayah_status tidak_diketahui) the extract names
the mother only; a found child (asal_usul ditemukan) has no parent lines; when the parents' marriage
is not recorded (punya_buku_nikah false: an F-2.04 SPTJM) the parents' line carries the phrase the
law requires. An answer given as "tidak tahu" ({"unknown": true}) prints as "-".
"""
from datetime import date

from fpdf.enums import XPos, YPos

from delivery.certificates.page import CertificatePDF, draw_qr, fits_charset
from delivery.pdf_common import FONT_FAMILY
from flows.validators import format_date_id

TITLE = "KUTIPAN AKTA KELAHIRAN"
SEX = {"L": "laki-laki", "P": "perempuan"}
MARGIN = 20  # mm
QR_SIZE = 33  # mm, quiet zone included: about 0.8 mm a module, easy for a phone or zbarimg
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


UNRECORDED_MARRIAGE = "yang perkawinannya belum tercatat sesuai ketentuan peraturan perundang-undangan"


def _text(answers: dict, key: str) -> str:
    """An answer as trimmed text, "-" when absent, empty or answered "tidak tahu"."""
    value = answers.get(key)
    if isinstance(value, dict):  # {"unknown": true}, or a place kept with its parts
        value = value.get("name") or value.get("value") if not value.get("unknown") else None
    text = str(value).strip() if value is not None else ""
    return text or "-"


def parent_lines(answers: dict) -> list[tuple[str, str]]:
    """(connecting words, name) for the parents' lines: both parents, the mother only, or none."""
    if answers.get("asal_usul") == "ditemukan":
        return []
    mother = ("dari ibu", _text(answers, "ibu_nama"))
    if answers.get("ayah_status") == "tidak_diketahui":
        return [mother]
    lines = [("dari ayah", _text(answers, "ayah_nama")), ("dan ibu", _text(answers, "ibu_nama"))]
    if answers.get("punya_buku_nikah") is False:
        lines.append((UNRECORDED_MARRIAGE, ""))
    return lines


def _birth_date(value) -> str:
    """The birth date in Indonesian words ("5 Januari 2026") from an ISO string or a date."""
    if isinstance(value, date):
        return format_date_id(value)
    if isinstance(value, str) and value.strip():
        return format_date_id(date.fromisoformat(value.strip()[:10]))
    raise ValueError("anak_tgl_lahir is required for a Kutipan Akta Kelahiran")


def _birth_order(value) -> str:
    """anak_ke as a plain number ("2"), "-" when unknown."""
    if value is None or value == "" or isinstance(value, dict):
        return "-"
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return str(value).strip() or "-"


def _nationality(answers: dict) -> str:
    """INDONESIA when either parent is WNI or the child was found in Indonesia (UU 12/2006 Ps 4),
    ASING when every known parent is WNA, else ""."""
    if answers.get("asal_usul") == "ditemukan":
        return "INDONESIA"
    parents = {answers.get("ayah_wn"), answers.get("ibu_wn")} - {None}
    if "WNI" in parents:
        return "INDONESIA"
    if parents == {"WNA"}:
        return "ASING"
    return ""


def _head_lines(pdf: CertificatePDF, head: str, width: float) -> list[str]:
    """The office head's title on one line, or broken before "Kabupaten"/"Kota" when too long."""
    pdf.set_font(FONT_FAMILY, "B", 10)
    if pdf.get_string_width(head) <= width - 2 * pdf.c_margin:
        return [head]
    for word in (" Kabupaten ", " Kota "):
        cut = head.rfind(word)
        if cut > 0:
            return [head[:cut], head[cut + 1:]]
    return [head]  # text_block wraps it


def render(answers: dict, *, document_number: str, issued_on: date, verify_url: str, office: dict,
           specimen: bool) -> bytes:
    """The unsigned one-page PDF of the Kutipan Akta Kelahiran."""
    name = _text(answers, "anak_nama")
    if name == "-":
        raise ValueError("anak_nama is required for a Kutipan Akta Kelahiran")
    born_on = _birth_date(answers.get("anak_tgl_lahir"))
    place = _text(answers, "anak_kota_lahir")
    nik = _text(answers, "anak_nik") if answers.get("anak_nik") else _text(answers, "subject_nik")
    sex = SEX.get(str(answers.get("anak_jk") or "").upper(), "-")
    order = _birth_order(answers.get("anak_ke"))
    parents = parent_lines(answers)
    nationality = _nationality(answers)
    head = f"Kepala {office['name']}"
    issued = f"Dikeluarkan di {ISSUED_AT}, tanggal {format_date_id(issued_on)}"

    texts = (name, place, nik, *(p for _, p in parents), document_number, head, verify_url, office.get("head_name") or "",
             office.get("head_nip") or "")
    pdf = CertificatePDF(title="Kutipan Akta Kelahiran", author=office["name"], full_fonts=not fits_charset(*texts))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float, *, bold: bool = False, height: float | None = None, align: str = "C") -> None:
        """One centred line; wrapped only when too long (cell() skips fpdf2's costly line breaking)."""
        pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
        pdf.set_x(MARGIN)
        pdf.text_block(text, width, height or size * 0.5, align=align)

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
    if nationality:
        line(f"WARGA NEGARA: {nationality}", 10, height=5)
    pdf.ln(5)
    line(TITLE, 20, bold=True, height=10)
    pdf.ln(1)
    line(f"NIK: {nik}", 11, height=6)
    pdf.ln(6)
    line(f"Berdasarkan Akta Kelahiran Nomor {document_number}", 11, height=6)
    pdf.ln(4)
    # The body as on the printed form: the connecting words in plain type, the facts in bold.
    child = f"anak ke-{order}, {sex}," if order != "-" else f"{sex},"
    for words, fact, size in (
        ("bahwa di", place, 13),
        ("pada tanggal", born_on, 13),
        ("telah lahir", name, 16),
        (None, child, 12),
        *((words, parent, 13) for words, parent in parents),
    ):
        if words:
            line(words, 11, height=6)
        if fact:
            line(fact, size, bold=True, height=size * 0.5)
        pdf.ln(3)

    # Issue place and date, the office head and the signature note, in a block on the right.
    block_w = 116
    block_x = pdf.w - MARGIN - block_w

    def block_line(text: str, size: float, *, bold: bool = False, gap: float = 0) -> None:
        """A centred line of the signature block, wrapped if too long, then gap mm of space."""
        pdf.set_x(block_x)
        pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
        pdf.text_block(text, block_w, 5, align="C")
        pdf.set_y(pdf.get_y() + gap)

    pdf.set_y(max(pdf.get_y() + 6, 190))
    block_line(issued, 10)
    for part in _head_lines(pdf, head, block_w):
        block_line(part, 10, bold=True)
    pdf.set_y(pdf.get_y() + 5)
    block_line("Ditandatangani secara elektronik", 9.5, gap=4)
    if office.get("head_name"):
        block_line(office["head_name"], 10, bold=True)
        if office.get("head_nip"):
            block_line(f"NIP. {office['head_nip']}", 9.5)

    # The QR code, its caption and link at the bottom left; the signature note beside it.
    qr_y = 226
    draw_qr(pdf, verify_url, MARGIN, qr_y, QR_SIZE)
    pdf.set_xy(MARGIN, qr_y + QR_SIZE)
    pdf.set_font(FONT_FAMILY, "B", 7.5)
    pdf.cell(0, 4, "Pindai untuk memeriksa keaslian", new_x=XPos.LEFT, new_y=YPos.NEXT)
    # Printed too, so the link can be typed in when the QR is smudged or the phone has no scanner.
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
