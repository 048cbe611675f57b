"""The "tanda terima" PDF a citizen gets when a request has been submitted.

Its labels and fixed sentences are the office's (flows/texts.yml `receipt`); the subject's label,
next steps and notes come from the flow file, through `data`."""
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from bot.core.privacy import mask_nik
from bot.core.text import fill
from delivery.pdf_common import BODY_SIZE, FONT_FAMILY, LINE_H, MARGIN, OfficePDF, format_wita
from delivery.pdf_fonts import fits_charset, strings_in
from flows.definition import texts

QR_SIZE = 38  # mm; about 1 mm per module for a typical /v/<code> URL, easy for phone cameras
QR_GAP = 7  # mm between the table and the QR column
CELL_PAD = 2  # mm, left/right padding inside table cells
LABEL_FILL = (238, 241, 245)
NOT_GIVEN = "—"


def _details_rows(data: dict, words: dict) -> list[tuple[str, str]]:
    """The label/value pairs of the summary table, with the NIK masked."""
    return [
        (words["ticket"], data["ticket"]),
        (words["submitted_at"], format_wita(data["submitted_at"])),
        (words["channel"], data.get("channel") or NOT_GIVEN),
        (words["applicant_name"], data.get("applicant_name") or NOT_GIVEN),
        # Never the full NIK: the receipt is forwarded, printed and photographed.
        (words["applicant_nik"], mask_nik(data.get("applicant_nik")) or NOT_GIVEN),
        (words["applicant_relation"], data.get("applicant_relation") or NOT_GIVEN),
        (data.get("subject_label") or words["subject"], data.get("subject_name") or NOT_GIVEN),
    ] + ([(words["linked"], data["linked_ticket"])] if data.get("linked_ticket") else [])


def _title_block(pdf: OfficePDF, service: str, words: dict) -> None:
    """Centred document title with the service name under it."""
    pdf.set_font(FONT_FAMILY, "B", 15)
    pdf.cell(0, 8, words["title"].strip(), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "", 12)
    pdf.wrap_cell(0, 6, service, align="C")
    pdf.ln(4)


def _details_with_qr(pdf: OfficePDF, rows: list[tuple[str, str]], verify_url: str, caption: str) -> None:
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
        caption=caption,
    )
    pdf.set_xy(MARGIN, max(table_bottom, qr_bottom) + 2)


def build_receipt(data: dict) -> bytes:
    """Render the tanda terima PDF for a submitted request."""
    ticket = data["ticket"]
    words = texts()["receipt"]
    rows = _details_rows(data, words)  # first, so bad input fails before any font file is opened
    pdf = OfficePDF(data["office"], texts()["pdf"], title=fill(words["document_title"], {"ticket": ticket}),
                    reference=ticket, full_fonts=not fits_charset(*strings_in(data, words, texts()["pdf"])),
                    whole_ascii=True)  # names, tickets and links vary: keep the glyph set (pdf_embed)
    try:
        pdf.set_subject(fill(words["document_subject"], {"service": data["service_title"]}))
        pdf.add_page()
        _title_block(pdf, data["service_title"], words)
        _details_with_qr(pdf, rows, data["verify_url"], words["qr_caption"])
        _body_sections(pdf, data, words)
        return bytes(pdf.output())
    finally:
        pdf.close_fonts()


def _body_sections(pdf: OfficePDF, data: dict, words: dict) -> None:
    """Documents received and missing, next steps, duration, notes and the closing line."""
    pdf.section_heading(words["received"])
    received = data.get("documents_received") or []
    if received:
        pdf.item_list(received, marker="✓")
    else:
        pdf.paragraph(words["received_none"])

    pdf.section_heading(words["missing"])
    missing = data.get("documents_missing") or []
    if missing:
        pdf.item_list(missing, marker="•")
    else:
        pdf.paragraph(words["missing_none"])

    if data.get("next_steps"):
        pdf.section_heading(words["next_steps"])
        pdf.item_list(data["next_steps"])

    pdf.section_heading(words["duration"])
    pdf.paragraph(data.get("duration") or NOT_GIVEN)

    if data.get("notes"):
        pdf.section_heading(words["notes"])
        pdf.item_list(data["notes"], marker="•")

    pdf.ln(3)
    pdf.set_font(FONT_FAMILY, "", 8.5)
    pdf.wrap_cell(0, 4.2, fill(words["footer"], {"ticket": data["ticket"]}).strip())
