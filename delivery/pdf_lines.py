"""multi_cell with its lines remembered, for texts that recur in every document (the office's
letterhead, the flow's documents and notes, the labels).

fpdf2's line breaking measures a line again for every character it adds to it: it was a third of
a receipt's time. A text met before, in the same face, size and column width, is written line by
line with cell(), as multi_cell itself writes each line (the pages render the same, pixel for
pixel). Texts that change every time (links, ticket numbers) merely pass through, hence the bound.
"""
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

_LINES: dict[tuple, tuple[str, ...]] = {}
MAX_LINES = 5_000


class RememberedLines(FPDF):
    """FPDF with wrap_cell and lines_of: multi_cell's lines, found once per text, face, size and width."""

    def wrap_cell(self, w: float, h: float, text: str, *, align: str = "L", new_x: XPos = XPos.LMARGIN) -> None:
        """multi_cell(w, h, text, align=align, new_x=new_x, new_y=NEXT), its lines remembered."""
        w = w or self.w - self.r_margin - self.x
        key = self._lines_key(w, text, align)
        lines = _LINES.get(key) if key else None
        if lines is None:
            lines = self.multi_cell(w, h, text, align=align, new_x=new_x, new_y=YPos.NEXT,
                                    output=MethodReturnValue.LINES)
            _remember(key, tuple(lines))
            return
        for line in lines:
            self.cell(w, h, line, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
        if new_x == XPos.LMARGIN:
            self.set_x(self.l_margin)

    def lines_of(self, w: float, text: str, align: str = "L") -> tuple[str, ...]:
        """The lines multi_cell breaks text into in a w mm column, in the current font."""
        key = self._lines_key(w, text, align)
        lines = _LINES.get(key) if key else None
        if lines is None:
            lines = _remember(key, tuple(self.multi_cell(w, text=text, align=align, dry_run=True,
                                                         output=MethodReturnValue.LINES)))
        return lines

    def _lines_key(self, w: float, text: str, align: str) -> tuple | None:
        """What a text's lines depend on; None for a text with a line break (multi_cell adds a
        line after a final one, which its list of lines does not show)."""
        if "\n" in text:
            return None
        return (self.current_font.ttffile, self.font_size_pt, self.char_spacing, self.font_stretching, self.c_margin,
                w, align, text)


def _remember(key: tuple | None, lines: tuple[str, ...]) -> tuple[str, ...]:
    """Keep lines under key (when there is one), forgetting all at MAX_LINES; return them."""
    if key:
        if len(_LINES) >= MAX_LINES:
            _LINES.clear()
        _LINES[key] = lines
    return lines
