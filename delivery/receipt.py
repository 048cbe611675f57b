"""The "tanda terima" PDF a citizen gets when a request has been submitted."""
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from bot.core.privacy import mask_nik
from delivery.pdf_common import BODY_SIZE, FONT_FAMILY, LINE_H, MARGIN, OfficePDF, format_wita

QR_SIZE = 38  # mm; about 1 mm per module for a typical /v/<code> URL, easy for phone cameras
QR_GAP = 7  # mm between the table and the QR column
CELL_PAD = 2  # mm, left/right padding inside table cells
LABEL_FILL = (238, 241, 245)
NOT_GIVEN = "—"


def _details_rows(data: dict) -> list[tuple[str, str]]:
    """The label/value pairs of the summary table, with the NIK masked."""
    return [
        ("Nomor tiket", data["ticket"]),
        ("Tanggal diterima", format_wita(data["submitted_at"])),
        ("Diajukan melalui", data.get("channel") or NOT_GIVEN),
        ("Nama pemohon", data.get("applicant_name") or NOT_GIVEN),
        # Never the full NIK: the receipt is forwarded, printed and photographed.
        ("NIK pemohon", mask_nik(data.get("applicant_nik")) or NOT_GIVEN),
        ("Hubungan pemohon", data.get("applicant_relation") or NOT_GIVEN),
        (data.get("subject_label") or "Atas nama", data.get("subject_name") or NOT_GIVEN),
    ]


def _title_block(pdf: OfficePDF, service: str) -> None:
    """Centred document title with the service name under it."""
    pdf.set_font(FONT_FAMILY, "B", 15)
    pdf.cell(0, 8, "TANDA TERIMA PERMOHONAN", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "", 12)
    pdf.multi_cell(0, 6, service, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _details_with_qr(pdf: OfficePDF, rows: list[tuple[str, str]], verify_url: str) -> None:
    """Summary table on the left and the status QR code on the right, then move below both."""
    top = pdf.get_y()
    table_w = pdf.epw - QR_SIZE - QR_GAP
    # Size the label column to the longest label (labels come from flows/, so they vary),
    # but never more than 45 % of the table: names and relations need the room.
    pdf.set_font(FONT_FAMILY, "B", BODY_SIZE)
    label_w = max(pdf.get_string_width(label) for label, _ in rows) + 2 * CELL_PAD + 1
    label_w = min(label_w, 0.45 * table_w)
    pdf.set_font(FONT_FAMILY, "", BODY_SIZE)
    label_style = FontFace(emphasis="BOLD", fill_color=LABEL_FILL)
    pdf.set_draw_color(190, 190, 190)
    with pdf.table(
        width=table_w,
        col_widths=(label_w, table_w - label_w),
        align="LEFT",
        first_row_as_headings=False,
        text_align="LEFT",
        line_height=LINE_H + 0.5,
        padding=(1.5, CELL_PAD),
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=label_style)
            row.cell(value)
    pdf.set_draw_color(0)
    table_bottom = pdf.get_y()
    qr_bottom = pdf.qr_block(
        verify_url, x=pdf.w - MARGIN - QR_SIZE, y=top, size=QR_SIZE,
        caption="Pindai untuk memeriksa status",
    )
    pdf.set_xy(MARGIN, max(table_bottom, qr_bottom) + 2)


def build_receipt(data: dict) -> bytes:
    """Render the tanda terima PDF for a submitted request."""
    ticket = data["ticket"]
    rows = _details_rows(data)  # first, so bad input fails before any font file is opened
    pdf = OfficePDF(data["office"], title=f"Tanda Terima {ticket}", reference=ticket)
    try:
        pdf.set_subject(f"Tanda terima permohonan {data['service_title']}")
        pdf.add_page()
        _title_block(pdf, data["service_title"])
        _details_with_qr(pdf, rows, data["verify_url"])
        _body_sections(pdf, data)
        return bytes(pdf.output())
    finally:
        pdf.close_fonts()


def _body_sections(pdf: OfficePDF, data: dict) -> None:
    """Documents received and missing, next steps, duration, notes and the closing line."""
    pdf.section_heading("Dokumen yang sudah diterima")
    received = data.get("documents_received") or []
    if received:
        pdf.item_list(received, marker="✓")
    else:
        pdf.paragraph("Belum ada dokumen yang diterima.")

    pdf.section_heading("Dokumen yang masih kurang")
    missing = data.get("documents_missing") or []
    if missing:
        pdf.item_list(missing, marker="•")
    else:
        pdf.paragraph("Tidak ada — berkas lengkap.")

    if data.get("next_steps"):
        pdf.section_heading("Langkah berikutnya")
        pdf.item_list(data["next_steps"])

    pdf.section_heading("Perkiraan waktu")
    pdf.paragraph(data.get("duration") or NOT_GIVEN)

    if data.get("notes"):
        pdf.section_heading("Catatan")
        pdf.item_list(data["notes"], marker="•")

    pdf.ln(3)
    pdf.set_font(FONT_FAMILY, "", 8.5)
    pdf.multi_cell(
        0, 4.2,
        f"Simpan tanda terima ini dan sebutkan nomor tiket {data['ticket']} bila menanyakan status "
        "permohonan. Dokumen ini dibuat otomatis oleh layanan Sapa Dukcapil.",
        align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT,
    )
