"""Writing the DejaVu faces into a PDF: fpdf2's font objects, with each subset cut once per glyph set.

For every document, fpdf2 cuts a subset of each face with fontTools, compresses it, and builds
the 128 KiB CID-to-glyph map character by character: ~4 ms a face, a quarter of a receipt. The
cut depends only on the set of glyphs, so FontWriter keeps it (per file and glyph set). A
document whose texts vary (names, ticket numbers, links) embeds all of printable ASCII in its
regular face (`OfficePDF(whole_ascii=True)`): its glyph sets, and so its cuts, then repeat from
one document to the next (a receipt: ~2 KB more, 18 KB).

The objects written are fpdf2 2.8.9's (OutputProducer._add_fonts) for a TrueType face; other
fonts (core, CFF, colour) and PDF/A documents go through fpdf2 unchanged.
"""
import copy
import functools
import logging
import zlib
from dataclasses import dataclass
from io import BytesIO

from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont
from fpdf.fonts import TTFFont
from fpdf.output import (CIDSystemInfo, OutputProducer, PDFFont, PDFFontStream, _build_cmap_blocks,
                         _tt_font_widths)
from fpdf.syntax import Name, PDFArray, PDFContentStream

log = logging.getLogger(__name__)

PRINTABLE_ASCII = frozenset(range(0x20, 0x7F))
# The tables fpdf2 drops from every subset (its _add_fonts), so the cut is byte for byte its own.
FPDF_DROPPED_TABLES = ("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC",
                       "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR")


@dataclass(frozen=True)
class _Cut:
    compressed: bytes  # the subset font file, deflated as fpdf2 writes it
    length: int  # its size before compression (/Length1)
    gids: dict[str, int]  # glyph name -> glyph id in the subset


@functools.lru_cache(maxsize=64)
def _cut(path: str, glyph_names: frozenset) -> _Cut:
    """The face at path cut to glyph_names, as fpdf2 cuts it (same options, boxes kept as they are)."""
    font = TTFont(path, recalcTimestamp=False, lazy=True)
    try:
        font.recalcBBoxes = False  # as pdf_fonts.add_font sets it for fpdf2's own cut
        options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True)
        options.drop_tables += list(FPDF_DROPPED_TABLES)
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(glyphs=sorted(glyph_names))
        subsetter.subset(font)
        out = BytesIO()
        font.save(out)
        data = out.getvalue()
        gids = {name: font.getGlyphID(name) for name in font.getGlyphOrder()}
    finally:
        font.close()
    return _Cut(zlib.compress(data, level=PDFContentStream._COMPRESSION_LEVEL), len(data), gids)


class _CutStream(PDFFontStream):
    """A PDFFontStream from an already compressed cut (the same object, not compressed again)."""

    def __init__(self, cut: _Cut):
        super().__init__(b"")  # sets the attributes in fpdf2's order (that is the order written)
        self._contents, self.length, self.length1 = cut.compressed, len(cut.compressed), cut.length


def _plain_truetype(font) -> bool:
    """A TrueType (glyf) face without colour glyphs: the only kind FontWriter writes itself."""
    return isinstance(font, TTFFont) and not font.color_font and not font.is_cff


class FontWriter(OutputProducer):
    """fpdf2's PDF writer, with the TrueType faces written from cuts kept per glyph set."""

    def _add_fonts(self, image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name):
        """Write every font; hand the document to fpdf2 when any font is not a plain TrueType face."""
        fonts = sorted(self.fpdf.fonts.values(), key=lambda font: font.i)
        if self.fpdf._compliance or not all(_plain_truetype(font) for font in fonts):
            return super()._add_fonts(image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name)
        return {font.i: self._add_truetype(font) for font in fonts}

    def _add_truetype(self, font: TTFFont) -> PDFFont:
        """The Type0 font, its CIDFont, ToUnicode map, descriptor, CID-to-glyph map and file."""
        fontname = f"MPDFAA+{font.name}"
        if font.missing_glyphs:
            log.warning("Font %s is missing the following glyphs: %s", fontname,
                        ", ".join(repr(chr(code)) for code in font.missing_glyphs[:10]))
        names = set(font.subset.get_all_glyph_names())
        extra = getattr(self.fpdf, "always_embedded", {}).get(font.fontkey, ())
        names.update(font.cmap[code] for code in extra if code in font.cmap)
        cut = _cut(str(font.ttffile), frozenset(names))

        composite = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")
        cid_font = PDFFont(subtype="CIDFontType2", base_font=fontname, d_w=font.desc.missing_width,
                           w=_tt_font_widths(font))
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])

        to_unicode = PDFContentStream(_to_unicode_cmap(font).encode("latin-1"))
        self._add_pdf_obj(to_unicode, "fonts")
        composite.to_unicode = to_unicode

        system_info = CIDSystemInfo()
        self._add_pdf_obj(system_info, "fonts")
        cid_font.c_i_d_system_info = system_info

        # A copy: the parsed face (and its descriptor) is shared by every document of the process.
        descriptor = copy.copy(font.desc)
        descriptor.font_name = Name(fontname)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor

        # Two bytes per code, the glyph id in the cut (fpdf2 builds the same bytes from a 128k list).
        gid_map = bytearray(2 * 0x10000)
        for glyph, code in font.subset.items():
            if glyph is not None:
                gid_map[2 * code:2 * code + 2] = cut.gids[glyph.glyph_name].to_bytes(2, "big")
        gid_map_obj = PDFContentStream(contents=bytes(gid_map), compress=True)
        self._add_pdf_obj(gid_map_obj, "fonts")
        cid_font.c_i_d_to_g_i_d_map = gid_map_obj

        font_file = _CutStream(cut)
        self._add_pdf_obj(font_file, "fonts")
        descriptor.font_file2 = font_file

        font.subset.pick.cache_clear()
        font.subset.get_glyph.cache_clear()
        font.close()
        return composite


def _to_unicode_cmap(font: TTFFont) -> str:
    """The ToUnicode CMap (code -> text, for search and copy), as fpdf2 writes it."""
    def utf16(code: int) -> str:
        if code > 0xFFFF:  # a surrogate pair
            return f"{0xD800 | (code - 0x10000) >> 10:04X}{0xDC00 | (code & 0x3FF):04X}"
        return f"{code:04X}"

    entries = [f'<{char_id:04X}> <{"".join(utf16(code) for code in glyph.unicode)}>\n'
               for glyph, char_id in font.subset.items()
               if glyph is not None and isinstance(glyph.unicode, tuple) and glyph.unicode]
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n"
            "<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n/CMapName /Adobe-Identity-UCS def\n"
            "/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{_build_cmap_blocks(entries, 'bfchar')}"
            "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend")
