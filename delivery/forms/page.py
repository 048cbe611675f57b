"""The page a blank form is drawn on: the office letterhead (pdf_common.OfficePDF), a footer saying
the form is free, and the parts of a form filled in by hand.

A form is a list of parts drawn top to bottom: sections, fields (a label and a dotted line),
NIK/KK boxes, tick boxes, statement text, warning boxes and signature blocks. `columns` draws
groups of fields side by side (Saksi I | Saksi II). Every label and sentence is real text, so the
form can be read by a screen reader and checked by tests.
"""
from datetime import datetime, timezone

from fpdf.enums import XPos, YPos

from bot.core.forms_catalog import FORMS
from bot.core.text import fill
from delivery.pdf_common import FONT_FAMILY, FOOTER_ZONE, GREY, MARGIN, RULE_GREY, OfficePDF
from flows.definition import texts

FREE_NOTE = "Formulir ini gratis — tidak dipungut biaya."
# Fixed, so the same form with the same office details is the same file, byte for byte (the sender
# reuses the stored copy by its sha256): the date of this edition of the forms.
EDITION = datetime(2026, 11, 30, tzinfo=timezone.utc)

ROW = 6.6  # mm per handwritten line
LABEL_SIZE = 9.0  # pt
TEXT_SIZE = 9.5  # pt, statement text
TEXT_H = 4.6  # mm per line of statement text
LABEL_W = 48.0  # mm, the label column of a full-width field
COLUMN_GAP = 6.0  # mm between side-by-side groups
BOX = 3.2  # mm, a tick box
SECTION_FILL = (232, 236, 241)
SECTION_H = 8.0  # mm, a section's bar with the space around it
OTHER_W = 24.0  # mm to write on after "Lainnya:"
DOTS = (0.35, 0.9)  # dash, gap (mm) of the line to write on

# One part of a form, in `column`/`columns`:
#   ("line", label)            a label and a dotted line
#   ("lines", label, n)        a label and n dotted lines (an address)
#   ("boxes", label, n)        a label and n boxes, one digit each (NIK, Nomor KK: 16)
#   ("choice", label, [opts])  a label and tick boxes
#   ("choice", None, [opts])   tick boxes alone across the width
#   ("note", text)             a small grey line of guidance
#   ("row", [item, item])      items side by side on one line (Pukul beside the date)
Item = tuple


def new_form(name: str, office: dict) -> "FormPDF":
    """A first page for the catalogued form `name`, its code and title drawn at the top."""
    code, title, _, _ = FORMS[name]
    pdf = FormPDF(office, texts()["pdf"], code=code, title=title)
    pdf.add_page()
    return pdf


def finish(pdf: "FormPDF") -> bytes:
    """The finished PDF; closes the font files fpdf2 keeps open."""
    try:
        return bytes(pdf.output())
    finally:
        pdf.close_fonts()


class FormPDF(OfficePDF):
    """A4 portrait with the letterhead on page 1, a running head after, and a footer on every page
    naming the office and saying the form is free."""

    def __init__(self, office: dict, words: dict, *, code: str, title: str):
        super().__init__(office, words, title=title, reference=code)
        self.code = code
        self.set_creation_date(EDITION)
        self.set_subject(f"{code} — formulir kosong untuk diisi tangan")
        self.pending_section: str | None = None

    # ---- frame -------------------------------------------------------------------------------
    def footer(self) -> None:
        """Rule; "Formulir ini gratis" in bold with the form code and page on the right; the office's
        full name under it."""
        self.set_y(-(FOOTER_ZONE - 5))
        self.set_draw_color(*RULE_GREY)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.set_draw_color(0)
        self.set_y(self.get_y() + 1.5)
        self.set_font(FONT_FAMILY, "B", 8)
        self.cell(0, 4, FREE_NOTE, new_x=XPos.LMARGIN)
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(*GREY)
        pages = fill(self.words["page_of"], {"page": self.page_no(), "pages": "{nb}"})
        self.cell(0, 4, f"{self.code} · {pages}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(0, 4, self.office["name"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)

    def ensure_room(self, height: float) -> None:
        """Start a new page unless `height` mm still fit above the footer."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    # ---- title and text ----------------------------------------------------------------------
    def form_title(self, title: str, subtitle: str = "") -> None:
        """The form code in a box at the right, then the title centred in bold capitals."""
        self.set_font(FONT_FAMILY, "B", 9)
        width = self.get_string_width(self.code) + 6
        self.set_x(self.w - MARGIN - width)
        self.cell(width, 6, self.code, border=1, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        self.set_font(FONT_FAMILY, "B", 12)
        self.multi_cell(0, 6, title.upper(), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font(FONT_FAMILY, "", 9.5)
            self.multi_cell(0, 5, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def guidance(self, text: str) -> None:
        """A small grey line of how to fill the form in."""
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(*GREY)
        self.multi_cell(0, 4, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.ln(1)

    def text(self, text: str, *, bold: bool = False, gap: float = 1.5) -> None:
        """A paragraph of the statement across the full width."""
        self.set_font(FONT_FAMILY, "B" if bold else "", TEXT_SIZE)
        self.reserve(2 * TEXT_H + 1)
        self.ln(1)
        self.set_font(FONT_FAMILY, "B" if bold else "", TEXT_SIZE)
        self.multi_cell(0, TEXT_H, text, align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)

    def section(self, title: str) -> None:
        """A shaded bar with the section's title, drawn with what follows it (never left alone at
        the bottom of a page)."""
        self._flush_section()
        self.pending_section = title

    def reserve(self, height: float) -> None:
        """Make room for `height` mm (and the section heading waiting for it), then draw the heading."""
        self.ensure_room(height + (SECTION_H if self.pending_section else 0))
        self._flush_section()

    def _flush_section(self) -> None:
        """Draw the section heading waiting to be drawn, if any."""
        title, self.pending_section = self.pending_section, None
        if not title:
            return
        self.ln(1.5)
        self.set_fill_color(*SECTION_FILL)
        self.set_font(FONT_FAMILY, "B", 9.5)
        self.cell(0, 6, " " + title, fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_fill_color(255)
        self.ln(0.5)

    def boxed(self, title: str, text: str, *, heavy: bool = False) -> None:
        """A framed paragraph: a warning (heavy frame) or a note."""
        self.set_font(FONT_FAMILY, "", 8.5)
        inner = self.epw - 6
        lines = len(self.multi_cell(inner, 4.2, text, dry_run=True, output="LINES"))
        height = 2 + 5 + lines * 4.2 + 2.5
        self.reserve(height + 1)
        self.ln(1)
        top = self.get_y()
        self.set_line_width(0.5 if heavy else 0.2)
        self.rect(MARGIN, top, self.epw, height)
        self.set_line_width(0.2)
        self.set_xy(MARGIN + 3, top + 2)
        self.set_font(FONT_FAMILY, "B", 9)
        self.cell(inner, 5, title, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_font(FONT_FAMILY, "", 8.5)
        self.multi_cell(inner, 4.2, text, align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_y(top + height + 2)

    # ---- fields ------------------------------------------------------------------------------
    def fields(self, items: list[Item]) -> None:
        """Items across the full width, one under the other (a page break only between items; the
        first two kept with the section heading above them)."""
        label_w = max(LABEL_W, self._label_width(items))
        for n, item in enumerate(items):
            height = self._height(item, self.epw, label_w)
            if n == 0 and len(items) > 1:
                self.reserve(height + self._height(items[1], self.epw, label_w))
            else:
                self.reserve(height)
            self.set_y(self._draw(item, MARGIN, self.get_y(), self.epw, label_w))

    def columns(self, groups: list[tuple[str, list[Item]]]) -> None:
        """Groups of items side by side, each under its own small heading, kept on one page."""
        width = (self.epw - COLUMN_GAP * (len(groups) - 1)) / len(groups)
        label_w = max(self._label_width(items) for _, items in groups)
        height = max(6 + sum(self._height(item, width, label_w) for item in items) for _, items in groups)
        self.reserve(height)
        top, bottom = self.get_y(), self.get_y()
        for n, (heading, items) in enumerate(groups):
            x = MARGIN + n * (width + COLUMN_GAP)
            self.set_xy(x, top)
            self.set_font(FONT_FAMILY, "B", LABEL_SIZE)
            self.cell(width, 6, heading, new_x=XPos.LEFT, new_y=YPos.NEXT)
            y = top + 6
            for item in items:
                y = self._draw(item, x, y, width, label_w)
            bottom = max(bottom, y)
        self.set_xy(MARGIN, bottom)

    def _label_width(self, items: list[Item]) -> float:
        """The widest label of these items, with a little air (a "row"'s labels are its own)."""
        self.set_font(FONT_FAMILY, "", LABEL_SIZE)
        widths = [self.get_string_width(item[1]) + 1.5 for item in items
                  if item[0] not in ("note", "row") and item[1]]
        return max(widths, default=0.0)

    def _height(self, item: Item, width: float, label_w: float) -> float:
        """How tall an item is drawn at this width."""
        kind = item[0]
        if kind == "row":
            part = (width - COLUMN_GAP * (len(item[1]) - 1)) / len(item[1])
            return max(self._height(sub, part, self._label_width([sub])) for sub in item[1])
        if kind == "lines":
            return item[2] * ROW
        if kind == "choice":
            return len(self._choice_rows(item[2], width - (label_w + 3 if item[1] else 0))) * ROW
        if kind == "note":
            return 4.5
        return ROW

    def _draw(self, item: Item, x: float, y: float, width: float, label_w: float) -> float:
        """Draw one item with its top-left at (x, y); returns the y below it."""
        kind, label = item[0], item[1]
        if kind == "row":
            part = (width - COLUMN_GAP * (len(label) - 1)) / len(label)
            return max(self._draw(sub, x + n * (part + COLUMN_GAP), y, part, self._label_width([sub]))
                       for n, sub in enumerate(label))
        if kind == "note":
            self.set_xy(x, y)
            self.set_font(FONT_FAMILY, "", 7.5)
            self.set_text_color(*GREY)
            self.cell(width, 4.5, label)
            self.set_text_color(0)
            return y + 4.5
        if label:
            self._label(label, x, y, label_w)
            left = x + label_w + 3
        else:
            left = x  # tick boxes alone across the width
        right = x + width
        if kind == "line":
            self._dots(left, right, y + ROW - 1.2)
            return y + ROW
        if kind == "lines":
            for n in range(item[2]):
                self._dots(left, right, y + (n + 1) * ROW - 1.2)
            return y + item[2] * ROW
        if kind == "boxes":
            count = item[2]
            size = min(4.6, (right - left) / count)
            for n in range(count):
                self.rect(left + n * size, y + 1.2, size, ROW - 2)
            return y + ROW
        if kind == "choice":
            rows = self._choice_rows(item[2], right - left)
            self.set_font(FONT_FAMILY, "", LABEL_SIZE)
            for r, row in enumerate(rows):
                cx = left
                for option in row:
                    self.rect(cx, y + r * ROW + (ROW - BOX) / 2, BOX, BOX)
                    self.set_xy(cx + BOX + 1.2, y + r * ROW)
                    self.cell(self.get_string_width(option) + 1, ROW, option)
                    if option.endswith(":"):  # "Lainnya:" — room to write what
                        self._dots(self.get_x() + 0.5, min(self.get_x() + OTHER_W, right), y + (r + 1) * ROW - 1.2)
                    cx += self._option_w(option)
            return y + len(rows) * ROW
        raise ValueError(f"unknown form item {kind!r}")

    def _label(self, label: str, x: float, y: float, label_w: float) -> None:
        """A field's label and its colon."""
        self.set_font(FONT_FAMILY, "", LABEL_SIZE)
        self.set_xy(x, y)
        self.cell(label_w, ROW, label)
        self.cell(3, ROW, ":")

    def _option_w(self, option: str) -> float:
        """The room a tick box and its words take, with the gap after them."""
        self.set_font(FONT_FAMILY, "", LABEL_SIZE)
        extra = OTHER_W if option.endswith(":") else 0
        return BOX + 1.2 + self.get_string_width(option) + 1 + extra + 3.5

    def _choice_rows(self, options: list[str], width: float) -> list[list[str]]:
        """Options laid out left to right, wrapped to the width."""
        rows, row, used = [], [], 0.0
        for option in options:
            w = self._option_w(option)
            if row and used + w > width:
                rows.append(row)
                row, used = [], 0.0
            row.append(option)
            used += w
        if row:
            rows.append(row)
        return rows

    def _dots(self, x1: float, x2: float, y: float) -> None:
        """A dotted line to write on."""
        self.set_draw_color(110)
        self.set_dash_pattern(*DOTS)
        self.line(x1, y, x2, y)
        self.set_dash_pattern()
        self.set_draw_color(0)

    # ---- signatures --------------------------------------------------------------------------
    def place_and_date(self) -> None:
        """"…, tanggal …" at the right, above the signatures."""
        self.reserve(2 * ROW + 3 + 44)
        self.ln(2)
        width = 78
        x = self.w - MARGIN - width
        self._label_free("Dibuat di", x, self.get_y(), 22)
        self.set_y(self.get_y() + ROW)
        self._label_free("Tanggal", x, self.get_y(), 22)
        self.set_y(self.get_y() + ROW + 1)

    def _label_free(self, label: str, x: float, y: float, label_w: float) -> None:
        """A label, colon and dotted line up to the right margin."""
        self._label(label, x, y, label_w)
        self._dots(x + label_w + 3, self.w - MARGIN, y + ROW - 1.2)

    def signatures(self, blocks: list[tuple[str, bool] | None], *, caption: str = "") -> None:
        """Signature blocks side by side: (who signs, with a meterai box?), None for an empty slot
        (one signer at the right). Each has room to sign and "( … )" for the name under it."""
        height = 5 + (5 if caption else 0) + 26 + 11
        self.reserve(height)
        top = self.get_y()
        if caption:
            self.set_font(FONT_FAMILY, "B", LABEL_SIZE)
            self.cell(0, 5, caption, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            top += 5
        width = self.epw / len(blocks)
        for n, block in enumerate(blocks):
            if block is None:
                continue
            who, meterai = block
            x = MARGIN + n * width
            self.set_xy(x, top)
            self.set_font(FONT_FAMILY, "", LABEL_SIZE)
            self.cell(width, 5, who, align="C")
            if meterai:
                self._meterai(x + width / 2 - 12, top + 8)
            self.set_font(FONT_FAMILY, "", LABEL_SIZE)
            self.set_xy(x, top + 5 + 26)
            self.cell(width, 5, "( " + "." * 34 + " )", align="C")
            self.set_xy(x, top + 5 + 26 + 5)
            self.set_font(FONT_FAMILY, "", 7.5)
            self.set_text_color(*GREY)
            self.cell(width, 4, "nama jelas dan tanda tangan", align="C")
            self.set_text_color(0)
        self.set_xy(MARGIN, top + height - (5 if caption else 0) + 2)

    def _meterai(self, x: float, y: float) -> None:
        """A dashed box where the Rp10.000 meterai is stuck (signed across)."""
        self.set_draw_color(120)
        self.set_dash_pattern(1, 0.8)
        self.rect(x, y, 24, 16)
        self.set_dash_pattern()
        self.set_draw_color(0)
        self.set_text_color(*GREY)
        self.set_font(FONT_FAMILY, "", 7.5)
        self.set_xy(x, y + 3.5)
        self.cell(24, 4, "Meterai", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.cell(24, 4, "Rp10.000", align="C")
        self.set_text_color(0)
