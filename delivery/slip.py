"""The booking slip: one A4 page with the booking code, queue number, place, day and slot, the
name and masked NIK, a QR code to /v/<code> for the counter, and what to bring (flows/booking.py).

Its labels are the office's (flows/texts.yml `slip`); it is drawn with the receipt's letterhead,
table and QR block."""
from bot.core.privacy import mask_nik
from bot.core.text import fill
from delivery.pdf_common import OfficePDF, format_wita
from delivery.pdf_fonts import fits_charset, strings_in
from delivery.receipt import NOT_GIVEN, _details_with_qr, _title_block
from flows.definition import texts


def build_slip(data: dict) -> bytes:
    """Render the slip. data: office, code, service_title, queue, place, day, slot, name, nik,
    booked_at, bring (list of texts), verify_url."""
    words = texts()["slip"]
    rows = [(words["code"], data["code"]), (words["queue"], data["queue"]), (words["place"], data["place"]),
            (words["day"], data["day"])]
    if data.get("slot"):
        rows.append((words["slot"], data["slot"]))
    rows += [(words["name"], data.get("name") or NOT_GIVEN),
             # Never the full NIK: the slip is printed and shown at the counter.
             (words["nik"], mask_nik(data.get("nik")) or NOT_GIVEN),
             (words["booked_at"], format_wita(data["booked_at"]))]
    pdf = OfficePDF(data["office"], texts()["pdf"], title=fill(words["document_title"], {"code": data["code"]}),
                    reference=data["code"], full_fonts=not fits_charset(*strings_in(data, rows, words, texts()["pdf"])),
                    whole_ascii=True)  # names, codes and links vary: keep the glyph set (pdf_embed)
    try:
        pdf.set_subject(fill(words["document_subject"], {"service": data["service_title"]}))
        pdf.add_page()
        _title_block(pdf, data["service_title"], words)
        _details_with_qr(pdf, rows, data["verify_url"], words["qr_caption"])
        pdf.section_heading(words["bring"])
        pdf.item_list(data.get("bring") or [NOT_GIVEN], marker="•")
        pdf.ln(3)
        pdf.paragraph(fill(words["footer"], {"code": data["code"]}).replace("*", "").strip())
        return bytes(pdf.output())
    finally:
        pdf.close_fonts()
