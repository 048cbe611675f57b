"""The page every issued document is drawn on: A4 portrait, the cut DejaVu fonts, word widths
remembered, and the QR code drawn as rectangles.

- fonts: DejaVu (delivery/pdf_fonts.py), cut once per process to the Latin glyphs the
  documents use. fpdf2 parses and subsets an embedded font for every document, and doing that on
  the full DejaVu files (6,000 glyphs) costs about 60 ms a page; on the cut files it is a few ms.
  A text with a character outside the cut set makes that one document use the full files.
- draw_qr: a QR code drawn as filled rectangles (no PNG to encode and decode, sharp at any zoom).
"""
import segno
from fpdf import FPDF
from fpdf.enums import TextMode, XPos, YPos

from delivery.pdf_fonts import add_font, fits_charset  # noqa: F401  (fits_charset: the package's API)

# Synthetic bold: the stroke width per point of font size (0.06 em looks like DejaVu Sans Bold
# at print sizes; the letters keep the regular face's spacing).
BOLD_STROKE = 0.06

# Widths of words already measured (see CertificatePDF.width_of), bounded so that names do not
# make it grow without end.
_WIDTHS: dict[tuple, float] = {}
MAX_WIDTHS = 20_000


class CertificatePDF(FPDF):
    """A4 portrait in mm with the DejaVu fonts (cut or full) and metadata free of personal data."""

    def __init__(self, *, title: str, author: str, full_fonts: bool = False):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.fonts_cut = not full_fonts
        self.synthetic_bold = False
        # One face only: bold is drawn by stroking the regular glyphs (see set_font). Each face
        # embedded costs ~3 ms to subset per document, a fifth of a page.
        add_font(self, "", full=full_fonts)
        self.set_auto_page_break(False)
        self.set_title(title)
        self.set_author(author)
        self.set_creator("Sapa Dukcapil")
        self.set_lang("id")

    def set_font(self, family=None, style="", size=0):
        """Bold is the regular face filled and stroked (PDF text render mode 2), as synthetic
        bold has long been drawn; the text stays text for search, copy and pdftotext."""
        self.synthetic_bold = "B" in (style or "").upper()
        super().set_font(family, (style or "").upper().replace("B", ""), size)

    def cell(self, *args, **kwargs):
        """A cell; in bold, its glyphs are stroked about as much thicker as DejaVu Sans Bold is."""
        if not self.synthetic_bold:
            return super().cell(*args, **kwargs)
        # fpdf2 writes a text stroke's width as given, in points (other widths it scales from mm).
        with self.local_context(text_mode=TextMode.FILL_STROKE, line_width=self.font_size_pt * BOLD_STROKE):
            return super().cell(*args, **kwargs)

    def wrap(self, text: str, width: float) -> list[str]:
        """Split text into lines no wider than width (mm) in the current font, at spaces.

        Much faster than multi_cell's line breaking (which measures text character by character);
        a word wider than the line is left whole, on its own line.
        """
        room = width - 2 * self.c_margin
        space = self.width_of(" ")
        lines, current, used = [], [], 0.0
        for word in text.split():
            w = self.width_of(word)
            if current and used + space + w > room:
                lines.append(" ".join(current))
                current, used = [], 0.0
            used += (space if current else 0) + w
            current.append(word)
        if current:
            lines.append(" ".join(current))
        return lines

    def width_of(self, text: str) -> float:
        """get_string_width, remembered per font, size and text: most words of a page (its labels,
        the office's name) are the same on every document, and fpdf2 measures glyph by glyph."""
        key = (self.font_family, self.font_style, self.font_size_pt, self.fonts_cut, text)
        width = _WIDTHS.get(key)
        if width is None:
            if len(_WIDTHS) > MAX_WIDTHS:
                _WIDTHS.clear()
            width = _WIDTHS[key] = self.get_string_width(text)
        return width

    def text_block(self, text: str, width: float, height: float, *, align: str = "L") -> None:
        """Write text wrapped to width from the current position; x returns to where it was."""
        x = self.get_x()
        for line in self.wrap(text, width):
            self.set_x(x)
            self.cell(width, height, line, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_x(x)

    def to_bytes(self) -> bytes:
        """The finished PDF; closes the font files fpdf2 keeps open."""
        try:
            return bytes(self.output())
        finally:
            for font in self.fonts.values():
                close = getattr(font, "close", None)
                if close:
                    close()


def draw_qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """Draw data as a QR code (error correction M) in a size×size mm square at (x, y).

    The square includes the 4-module quiet zone the QR standard asks for (left white).
    Each row's runs of dark modules are one rectangle, a few hundred operators in all.
    """
    matrix = segno.make(data, error="m").matrix
    border = 4
    module = size / (len(matrix) + 2 * border)
    pdf.set_fill_color(0)
    for row_no, row in enumerate(matrix):
        top = y + (border + row_no) * module
        col, width = 0, len(row)
        while col < width:
            if row[col]:
                start = col
                while col < width and row[col]:
                    col += 1
                # A hair taller than a module so rasterisers leave no white seams between rows.
                pdf.rect(x + (border + start) * module, top, (col - start) * module, module + 0.02, style="F")
            else:
                col += 1


