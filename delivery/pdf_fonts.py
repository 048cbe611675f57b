"""The fonts every PDF embeds: DejaVu, shipped in the repository, parsed once per process, and a
copy cut to the characters the documents use.

- The files ship inside the repository: a citizen's PDF must not depend on what the server has
  installed, and the 14 core PDF fonts are Latin-1 only (no "—", "–", "✓").
- fpdf2 parses a TrueType file's tables on every `add_font` (~10 ms a face) and subsets the font
  for every document it writes; on the full DejaVu files (6,000 glyphs) that was most of a
  receipt's time. `add_font` here parses each file once per process, and a document whose texts
  all fit CHARSET embeds the cut files (a few hundred glyphs), which subset in a few ms (and
  pdf_embed keeps each subset for the next document with the same glyphs).
"""
import atexit
import copy
import shutil
import tempfile
import threading
from pathlib import Path

from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVu"
FONT_FILES = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}

# Basic Latin and Latin-1 (names such as "Hélène"), the dashes, quotes, bullet and ellipsis of the
# punctuation block, and the receipt's check mark. A text outside it (a name such as "Đinh", Latin
# Extended-A) is not refused: the document embeds the full fonts instead (fits_charset).
CHARSET_RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x2013, 0x2014), (0x2018, 0x201E), (0x2022, 0x2022),
                  (0x2026, 0x2026), (0x2713, 0x2713))
CHARSET = frozenset(cp for low, high in CHARSET_RANGES for cp in range(low, high + 1))

# fpdf2 neither shapes nor kerns text: only the outline, metric and naming tables are used.
UNUSED_TABLES = ("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "kern", "gasp", "hdmx", "LTSH", "VDMX")

# Texts measured per face (see _Face), cleared beyond this many: names and links are new each time.
MAX_MEASURED = 50_000

_lock = threading.Lock()
_cut_files: dict[str, Path] | None = None
_parsed: dict[tuple[str, Path], "_Face"] = {}


class _Face(TTFFont):
    """fpdf2's TrueType face, remembering the width of each text it measured.

    fpdf2's line breaking measures a line again for every character added to it (a line of n
    characters costs n² lookups); most lines of a document are the same in the next one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.measured: dict[str, int] = {}  # text -> sum of its glyph widths (1/1000 em), shared by the copies

    def get_text_width(self, text, font_size_pt, text_shaping_params):
        """fpdf2's (character count, width in pt), its sum taken once per text."""
        if text_shaping_params or self.is_symbol:
            return super().get_text_width(text, font_size_pt, text_shaping_params)
        if font_size_pt > self.biggest_size_pt:
            self.biggest_size_pt = font_size_pt
        units = self.measured.get(text)
        if units is None:
            if len(self.measured) > MAX_MEASURED:
                self.measured.clear()
            units = self.measured[text] = sum(self.cw[ord(c)] for c in text)
        return len(text), units * font_size_pt * 0.001  # fpdf2's expression: the same float


def fits_charset(*texts: str) -> bool:
    """True when every character of texts is in the cut fonts."""
    return all(ord(ch) in CHARSET for text in texts for ch in text if ch not in "\n\r\t")


def strings_in(*values) -> list[str]:
    """Every string inside nested dicts, lists and tuples (what a document may print)."""
    found, stack = [], list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    return found


def cut_font_files() -> dict[str, Path]:
    """Paths of the DejaVu files cut to CHARSET, made once per process in a private temp dir."""
    global _cut_files
    with _lock:
        if _cut_files is None:
            folder = Path(tempfile.mkdtemp(prefix="sapa-fonts-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            paths = {}
            for style, source in FONT_FILES.items():
                font = TTFont(str(source), recalcTimestamp=False)
                options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True, layout_features=[],
                                           hinting=False, name_IDs=["*"],
                                           drop_tables=[*ftsubset.Options().drop_tables, *UNUSED_TABLES])
                subsetter = ftsubset.Subsetter(options)
                subsetter.populate(unicodes=sorted(CHARSET))
                subsetter.subset(font)
                paths[style] = folder / source.name
                font.save(str(paths[style]))
            _cut_files = paths
        return _cut_files


def add_font(pdf: FPDF, style: str, *, full: bool) -> None:
    """`pdf.add_font(FONT_FAMILY, style, …)` from a copy of the face parsed once per process (the
    full file, or the cut one). The widths and glyph map are shared (fpdf2 only reads them); what
    a document changes is its own: the subset of glyphs it used, and the fontTools object that
    subset is cut from at output (opened lazily, so it costs the table directory, not the tables)."""
    fontkey = FONT_FAMILY.lower() + style
    if fontkey in pdf.fonts:
        return
    parsed = _parsed_face(style, full)
    path = parsed.ttffile
    font = copy.copy(parsed)
    font.i = len(pdf.fonts) + 1
    font.ttfont = TTFont(path, recalcTimestamp=False, lazy=True)
    # The boxes in the file are right as they are: recomputing them decodes and re-encodes every
    # glyph kept, a third of the time of writing a page.
    font.ttfont.recalcBBoxes = False
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    pdf.fonts[fontkey] = font


def _parsed_face(style: str, full: bool) -> _Face:
    """The face parsed once per process (its own file closed: each document opens its copy's)."""
    path = FONT_FILES[style] if full else cut_font_files()[style]
    with _lock:
        parsed = _parsed.get((style, path))
        if parsed is None:
            parsed = _parsed[(style, path)] = _Face(FPDF(), path, FONT_FAMILY.lower() + style, style)
            parsed.ttfont.close()
        return parsed


def warm() -> None:
    """Cut and parse every face now (a worker starting), not in the first document's job."""
    for style in FONT_FILES:
        for full in (True, False):
            _parsed_face(style, full)
