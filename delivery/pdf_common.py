"""Shared parts of the office's PDFs: the A4 page frame, the embedded fonts, QR codes, dates."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import segno
from PIL import Image
from fpdf.enums import XPos, YPos

from bot.core.text import fill
from nlu import faq

from delivery.pdf_embed import PRINTABLE_ASCII, FontWriter
from delivery.pdf_fonts import FONT_DIR, FONT_FAMILY, FONT_FILES, add_font  # noqa: F401  (FONT_DIR, FONT_FILES: read by tests)
from delivery.pdf_lines import RememberedLines

MARGIN = 15  # mm, all four sides of the body
FOOTER_ZONE = 20  # mm kept free at the bottom for the footer
BODY_SIZE = 10  # pt
LINE_H = 5  # mm per line of body text
GREY = (90, 90, 90)
RULE_GREY = (170, 170, 170)


MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)


def _wita() -> timezone | ZoneInfo:
    """Return the Asia/Makassar zone, or a fixed UTC+8 when the system has no tz database."""
    try:
        return ZoneInfo("Asia/Makassar")
    except ZoneInfoNotFoundError:
        # WITA has had no daylight saving since 1963, so a fixed offset gives the same result
        # on machines without tzdata (e.g. Windows without the tzdata package).
        return timezone(timedelta(hours=8), "WITA")


WITA = _wita()


def format_wita(moment: datetime) -> str:
    """Format an aware datetime as "29 November 2026, 10.45 WITA"."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        # A naive time could be UTC or local; guessing would print a wrong hour on a receipt.
        raise ValueError("format_wita needs a timezone-aware datetime")
    local = moment.astimezone(WITA)
    return f"{local.day} {MONTHS_ID[local.month - 1]} {local.year}, {local:%H.%M} WITA"


def office_contact_lines(office: dict, words: dict) -> list[str]:
    """Two letterhead lines, phones then email/website (`words`: texts.yml `pdf`, whose `phone`,
    `whatsapp` and `email` say how each is shown). A contact config.yml names but leaves empty
    (or as an obvious placeholder such as "(0549) 000000") is printed "belum diatur"
    (nlu/faq.yml contact_unset), never as if it were real; one it does not name is left out."""
    def shown(key: str) -> str:
        if key not in office:
            return ""
        return fill(words[key], {key: faq.contact({"office": office}, key)})

    phones = [shown("phone"), shown("whatsapp")]
    website = office.get("website") or ""
    online = [shown("email"), "" if faq.is_unset(website) else website]
    lines = (" · ".join(p for p in group if p) for group in (phones, online))
    return [line for line in lines if line]


def qr_image(data: str, scale: int = 8) -> Image.Image:
    """Encode data as a QR code (error correction M): a 1-bit image, scale pixels a module."""
    qr = segno.make(data, error="m")
    # border=4 is the quiet zone the QR standard asks for; scanners on cheap phones need it.
    side = qr.symbol_size(scale=1, border=4)[0]
    modules = bytes(0 if dark else 255 for row in qr.matrix_iter(scale=1, border=4) for dark in row)
    # Drawn by Pillow, not written as a PNG for fpdf2 to decode again (segno's PNG writer is pure
    # Python, ~2 ms); the pixels, and so the image fpdf2 embeds, are the same.
    image = Image.frombytes("L", (side, side), modules).resize((side * scale, side * scale), Image.NEAREST)
    return image.convert("1", dither=Image.Dither.NONE)


class OfficePDF(RememberedLines):
    """A4 portrait page in mm with the office letterhead, a footer, page numbers and DejaVu fonts."""

    def __init__(self, office: dict, words: dict, *, title: str, reference: str = "", full_fonts: bool = True,
                 whole_ascii: bool = False):
        """Set up the page, fonts and metadata; `words` are texts.yml `pdf` (the office's own:
        the footer note, page numbers, contact labels); `reference` (e.g. a ticket) is repeated
        in the footer; `full_fonts=False` embeds the fonts cut to pdf_fonts.CHARSET (faster;
        only when every text of the document fits it: `fits_charset`); `whole_ascii` embeds every
        printable ASCII glyph of the regular face, used or not, for documents whose names,
        numbers and links vary (pdf_embed: the cut is then made once, not per document)."""
        super().__init__(orientation="P", unit="mm", format="A4")
        # Per face (fpdf2's font key): the bold texts (labels, headings) are the same every time.
        self.always_embedded = {FONT_FAMILY.lower(): PRINTABLE_ASCII} if whole_ascii else {}
        self.office = office
        self.words = words
        self.reference = reference
        self.current_section = ""  # repeated as "… (lanjutan)" when a list runs onto a new page
        for style in FONT_FILES:
            add_font(self, style, full=full_fonts)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=FOOTER_ZONE)
        # Metadata travels with the file when it is forwarded: keep it free of personal data.
        self.set_title(title)
        self.set_author(office["name"])
        self.set_creator("Sapa Dukcapil")
        self.set_lang("id")
        self.set_font(FONT_FAMILY, size=BODY_SIZE)

    def output(self, *args, **kwargs):
        """fpdf2's output, the fonts written by pdf_embed.FontWriter (a cut made once per glyph set)."""
        kwargs.setdefault("output_producer_class", FontWriter)
        return super().output(*args, **kwargs)

    def close_fonts(self) -> None:
        """Close the font files fpdf2 keeps open (it only closes them itself in output())."""
        for font in self.fonts.values():
            close = getattr(font, "close", None)
            if close:
                close()

    def header(self) -> None:
        """Draw the full letterhead on page 1 and a one-line running head on later pages."""
        if self.page_no() == 1:
            self._letterhead()
        else:
            self._running_head()

    def _letterhead(self) -> None:
        """Office name, address and contacts, centred, above a double rule (Indonesian kop surat)."""
        self.set_y(MARGIN - 3)
        name = self.office["name"].upper()
        # Shrink a long office name to keep it on one line; wrap only below 10 pt.
        size = 13.0
        self.set_font(FONT_FAMILY, "B", size)
        while size > 10 and self.get_string_width(name) > self.epw:
            size -= 0.5
            self.set_font(FONT_FAMILY, "B", size)
        self.wrap_cell(0, 6, name, align="C")
        self.set_font(FONT_FAMILY, "", 8.5)
        self.set_text_color(*GREY)
        for line in (self.office.get("address"), *office_contact_lines(self.office, self.words)):
            if line:
                self.wrap_cell(0, 4.2, line, align="C")
        self.set_text_color(0)
        y = self.get_y() + 2
        self.set_line_width(0.6)
        self.line(MARGIN, y, self.w - MARGIN, y)
        self.set_line_width(0.2)
        self.line(MARGIN, y + 1, self.w - MARGIN, y + 1)
        self.set_y(y + 5)
        self.set_font(FONT_FAMILY, "", BODY_SIZE)

    def _running_head(self) -> None:
        """Short office name and document title, so a loose second page still says what it is."""
        self.set_y(MARGIN - 5)
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(*GREY)
        left = self.office.get("short_name") or self.office["name"]
        self.cell(0, 4, left, new_x=XPos.LMARGIN)
        self.cell(0, 4, self.title or "", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE_GREY)
        self.line(MARGIN, self.get_y() + 1, self.w - MARGIN, self.get_y() + 1)
        self.set_draw_color(0)
        self.set_text_color(0)
        self.set_y(self.get_y() + 5)
        self.set_font(FONT_FAMILY, "", BODY_SIZE)

    def footer(self) -> None:
        """Rule, the free-service note on the left and "ref · Halaman n dari N" on the right."""
        self.set_y(-(FOOTER_ZONE - 5))
        self.set_draw_color(*RULE_GREY)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.set_draw_color(0)
        self.set_y(self.get_y() + 1.5)
        self.set_font(FONT_FAMILY, "B", 8)
        self.cell(0, 4, self.words["footer_note"], new_x=XPos.LMARGIN)
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(*GREY)
        # "{nb}" is fpdf2's total-pages alias, filled in when the document is closed.
        pages = fill(self.words["page_of"], {"page": self.page_no(), "pages": "{nb}"})
        self.cell(0, 4, f"{self.reference} · {pages}" if self.reference else pages, align="R")
        self.set_text_color(0)

    def section_heading(self, text: str, *, continued: bool = False) -> None:
        """Bold heading with a thin rule; moves to a new page rather than strand it at the bottom."""
        # Heading + rule + at least two lines of content; otherwise start the section on a new page.
        if not continued and self.will_page_break(8 + 2 * LINE_H):
            self.add_page()
        self.current_section = text
        if continued:
            text = fill(self.words["continued"], {"section": text})
        self.ln(3)
        self.set_font(FONT_FAMILY, "B", 10.5)
        self.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE_GREY)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.set_draw_color(0)
        self.ln(1.5)
        self.set_font(FONT_FAMILY, "", BODY_SIZE)

    def paragraph(self, text: str, *, bold: bool = False) -> None:
        """Body text across the full width, wrapped and flowing onto the next page if needed."""
        self.set_font(FONT_FAMILY, "B" if bold else "", BODY_SIZE)
        self.wrap_cell(0, LINE_H, text)
        self.set_font(FONT_FAMILY, "", BODY_SIZE)

    def item_list(self, items: list[str], *, marker: str | None = None) -> None:
        """Hanging-indent list: numbered "1." when marker is None, else the given bullet glyph."""
        indent = 8
        text_w = self.epw - indent
        for number, item in enumerate(items, start=1):
            # Keep each item whole: move it to the next page rather than split it across two.
            # Items longer than half a page just flow, or a new page would not help either.
            height = len(self.lines_of(text_w, item)) * LINE_H
            if height <= self.eph / 2 and self.will_page_break(height):
                self.add_page()
                if self.current_section:
                    self.section_heading(self.current_section, continued=True)
            self.set_x(MARGIN + 2)
            self.cell(indent - 2, LINE_H, f"{number}." if marker is None else marker)
            self.wrap_cell(text_w, LINE_H, item)
            self.ln(0.6)

    def qr_block(self, data: str, x: float, y: float, size: float, caption: str) -> float:
        """Draw a QR code of data with a caption and the data itself in small print; return bottom y."""
        self.image(qr_image(data), x=x, y=y, w=size, h=size)
        self.set_xy(x, y + size)
        self.set_font(FONT_FAMILY, "B", 8)
        self.wrap_cell(size, 4, caption, align="C", new_x=XPos.LEFT)
        self.set_font(FONT_FAMILY, "", 6.5)
        self.set_text_color(*GREY)
        # Printed too, so the link can be typed in when the QR is smudged or the phone has no scanner.
        self.wrap_cell(size, 3, data, align="C", new_x=XPos.LEFT)
        self.set_text_color(0)
        self.set_font(FONT_FAMILY, "", BODY_SIZE)
        return self.get_y()
