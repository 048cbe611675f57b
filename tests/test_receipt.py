"""The tanda terima PDF: content, privacy, fonts, QR code and page flow, checked with pypdf."""
import shutil
import subprocess
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from delivery import pdf_common, pdf_lines
from delivery.receipt import build_receipt
from flows.definition import texts
from tests.conftest import require

FULL_NIK = "6408015505900001"
MASKED_NIK = "6408********0001"
VERIFY_URL = "https://disdukcapil.kutaitimurkab.go.id/v/8f3k2m9q"
A4_PT = (595.28, 841.89)


def sample(**overrides) -> dict:
    """A realistic birth-certificate request; keyword arguments replace top-level keys."""
    data = {
        "office": {
            "name": "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kutai Timur",
            "short_name": "Disdukcapil Kutim",
            "address": "Jl. Soekarno-Hatta, Kawasan Perkantoran Bukit Pelangi, Sangatta, Kutai Timur",
            "phone": "(0549) 000000",
            "whatsapp": "+62 811-0000-0000",
            "email": "disdukcapil@kutaitimurkab.go.id",
            "website": "https://disdukcapil.kutaitimurkab.go.id",
        },
        "ticket": "AKL-0001",
        "service_title": "Akta Kelahiran",
        # 02:45 UTC is 10:45 WITA (UTC+8).
        "submitted_at": datetime(2026, 11, 29, 2, 45, tzinfo=timezone.utc),
        "applicant_name": "Siti Aminah",
        "applicant_nik": FULL_NIK,
        "applicant_relation": "Keluarga (kakek/nenek)",
        "subject_label": "Nama anak",
        "subject_name": "Muhammad Rizky Pratama",
        "channel": "WhatsApp",
        "documents_received": ["Surat keterangan lahir dari bidan", "Kartu Keluarga (foto)"],
        "documents_missing": ["Buku nikah orang tua", "SPTJM × 2 saksi"],
        "next_steps": ["Petugas memeriksa berkas (1–2 hari kerja).", "Akta dikirim lewat chat ini."],
        "duration": "Biasanya 3–5 hari kerja setelah berkas lengkap.",
        "verify_url": VERIFY_URL,
        "notes": ["Layanan ini GRATIS. Jangan berikan uang kepada siapa pun."],
    }
    data.update(overrides)
    return data


def read(pdf: bytes) -> PdfReader:
    """Open PDF bytes with pypdf."""
    return PdfReader(BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    """All extracted text of all pages, joined."""
    return "\n".join(page.extract_text() for page in read(pdf).pages)


@pytest.fixture(scope="module")
def receipt() -> bytes:
    """One rendered sample receipt, shared by the read-only tests."""
    return build_receipt(sample())


def test_page_size_is_a4_portrait(receipt):
    for page in read(receipt).pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4_PT[0]) <= 1 and abs(height - A4_PT[1]) <= 1


def test_it_prints_the_ticket_and_masked_nik(receipt):
    text = text_of(receipt)
    assert "AKL-0001" in text
    assert MASKED_NIK in text
    assert FULL_NIK not in text
    # The middle digits (birth date) must not appear anywhere, even split across cells.
    assert "01550590" not in text.replace(" ", "").replace("\n", "")


def test_it_prints_service_office_channel_and_time_in_wita(receipt):
    text = text_of(receipt)
    assert texts()["receipt"]["title"] in text
    assert "Akta Kelahiran" in text
    assert "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KABUPATEN KUTAI TIMUR" in text
    assert "WhatsApp" in text
    assert "29 November 2026, 10.45 WITA" in text
    assert "Keluarga (kakek/nenek)" in text and "Muhammad Rizky Pratama" in text


def test_it_lists_received_and_missing_documents_and_next_steps(receipt):
    text = text_of(receipt)
    words = texts()["receipt"]  # the office's wording (texts.yml `receipt`)
    for heading in ("received", "missing", "next_steps", "duration"):
        assert words[heading] in text
    for name in ("Surat keterangan lahir dari bidan", "Kartu Keluarga (foto)",
                 "Buku nikah orang tua", "SPTJM × 2 saksi", "1–2 hari kerja", "3–5 hari kerja"):
        assert name in text


def test_it_says_the_service_is_free(receipt):
    text = text_of(receipt)
    assert "Layanan Disdukcapil tidak dipungut biaya (GRATIS)." in text
    assert "Halaman 1 dari 1" in text


def test_empty_missing_list_says_berkas_lengkap():
    text = text_of(build_receipt(sample(documents_missing=[])))
    assert texts()["receipt"]["missing_none"] in text


def test_the_office_edits_a_receipt_label_in_texts_yml(monkeypatch):
    import delivery.receipt

    words = {**texts()["receipt"], "ticket": "No. tiket", "footer": "Simpan baik-baik, tiket {ticket}."}
    monkeypatch.setattr(delivery.receipt, "texts", lambda: {**texts(), "receipt": words})
    text = text_of(build_receipt(sample()))
    assert "No. tiket" in text and "Nomor tiket" not in text
    assert "Simpan baik-baik, tiket AKL-0001." in text


def test_metadata_names_the_ticket_but_no_personal_data(receipt):
    meta = read(receipt).metadata
    assert "AKL-0001" in meta.title
    everything = " ".join(str(value) for value in meta.values())
    for personal in ("Siti", "Rizky", FULL_NIK, MASKED_NIK):
        assert personal not in everything


def test_the_embedded_font_is_dejavu_from_the_repository(receipt):
    for page in read(receipt).pages:
        fonts = page["/Resources"]["/Font"]
        assert fonts
        for ref in fonts.values():
            font = ref.get_object()
            assert "DejaVu" in font["/BaseFont"]
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor  # embedded, not just named
    for path in pdf_common.FONT_FILES.values():
        assert path.is_file() and Path(pdf_common.__file__).parent in path.parents
    assert (pdf_common.FONT_DIR / "LICENSE-DejaVu.txt").is_file()


def test_naive_submission_time_is_refused():
    with pytest.raises(ValueError):
        build_receipt(sample(submitted_at=datetime(2026, 11, 29, 10, 45)))


def test_only_the_office_name_is_required():
    data = sample(office={"name": "Disdukcapil Kutai Timur"}, notes=None, next_steps=[])
    text = text_of(build_receipt(data))
    assert "DISDUKCAPIL KUTAI TIMUR" in text and "AKL-0001" in text


def zbar(path: Path) -> str:
    """Decode the QR code(s) in an image file with zbarimg."""
    return subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_qr_code_decodes_to_the_verify_url(receipt, tmp_path):
    page = read(receipt).pages[0]
    assert len(page.images) == 1
    qr = page.images[0].image
    assert qr.width == qr.height
    assert VERIFY_URL in text_of(receipt).replace("\n", "")  # also printed under the code
    require(shutil.which("zbarimg") is not None, "zbarimg (apt-get install zbar-tools)")
    qr.save(tmp_path / "qr.png")
    assert zbar(tmp_path / "qr.png") == VERIFY_URL


def test_the_printed_page_scans_to_the_verify_url(receipt, tmp_path):
    """The whole page rendered at a modest resolution, as a phone camera would see the paper."""
    require(shutil.which("pdftoppm") is not None, "pdftoppm (apt-get install poppler-utils)")
    require(shutil.which("zbarimg") is not None, "zbarimg (apt-get install zbar-tools)")
    (tmp_path / "r.pdf").write_bytes(receipt)
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(tmp_path / "r.pdf"),
                    str(tmp_path / "page")], check=True)
    assert zbar(tmp_path / "page.png") == VERIFY_URL


# --- layout: where each piece of text lands ------------------------------------------------


def _widths(font) -> tuple[dict[int, float], float]:
    """CID -> advance width (1/1000 em) from a Type0 font's /W array, plus the default width."""
    descendant = font["/DescendantFonts"][0].get_object()
    table, w = {}, list(descendant.get("/W", []))
    i = 0
    while i < len(w):
        first = int(w[i])
        if isinstance(w[i + 1], list) or hasattr(w[i + 1], "__iter__"):
            for offset, width in enumerate(w[i + 1]):
                table[first + offset] = float(width)
            i += 2
        else:
            for cid in range(first, int(w[i + 1]) + 1):
                table[cid] = float(w[i + 2])
            i += 3
    return table, float(descendant.get("/DW", 1000))


def _raw(operand) -> bytes:
    """The undecoded bytes of a string operand."""
    # `original_bytes` (not get_original_bytes()) keeps the stream's bytes without adding a BOM.
    return bytes(operand.original_bytes) if hasattr(operand, "original_bytes") else bytes(operand)


def text_boxes(page) -> list[tuple[float, float, float, float]]:
    """Approximate glyph boxes (x0, y0, x1, y1 in pt) of every text run and image on a page."""
    fonts = {name: _widths(ref.get_object()) for name, ref in page["/Resources"]["/Font"].items()}
    boxes, font, size, ctm = [], None, 0.0, None
    for operands, op in ContentStream(page.get_contents(), page.pdf).operations:
        if op == b"Tf":
            font, size = fonts[operands[0]], float(operands[1])
        elif op == b"Td":
            x, y = float(operands[0]), float(operands[1])
        elif op == b"Tj":
            codes = _raw(operands[0])
            widths, default = font
            cids = [int.from_bytes(codes[i:i + 2], "big") for i in range(0, len(codes), 2)]
            advance = sum(widths.get(cid, default) for cid in cids) / 1000 * size
            # DejaVu: ascent 0.93 em, descent 0.24 em; use the x-height-ish core to allow tight leading.
            boxes.append((x, y - 0.2 * size, x + advance, y + 0.75 * size))
            x += advance  # consecutive Tj in one BT continue where the last ended (fpdf2's {nb})
        elif op == b"cm":
            ctm = [float(v) for v in operands]
        elif op == b"Do" and ctm:
            boxes.append((ctm[4], ctm[5], ctm[4] + ctm[0], ctm[5] + ctm[3]))
    return boxes


def overlaps(boxes) -> list[tuple]:
    """Pairs of boxes that intersect by more than half a point in both directions."""
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            dx = min(a[2], b[2]) - max(a[0], b[0])
            dy = min(a[3], b[3]) - max(a[1], b[1])
            if dx > 0.5 and dy > 0.5:
                found.append((a, b))
    return found


def test_thirty_documents_flow_onto_two_pages_without_overlap():
    documents = [f"Dokumen pendukung nomor {n} — salinan yang sudah dilegalisir" for n in range(1, 31)]
    pdf = build_receipt(sample(documents_received=documents, documents_missing=[]))
    reader = read(pdf)
    assert len(reader.pages) == 2
    text = text_of(pdf)
    for name in documents:
        assert name in text
    assert "Halaman 2 dari 2" in text and "(lanjutan)" in text
    margin = 15 / 25.4 * 72 - 1  # 15 mm in pt, minus a point of slack
    for page in reader.pages:
        boxes = text_boxes(page)
        assert len(boxes) > 10
        assert overlaps(boxes) == []
        for x0, y0, x1, y1 in boxes:
            assert margin <= x0 and x1 <= A4_PT[0] - margin
            assert 0 < y0 and y1 < A4_PT[1]


def test_long_wrapping_items_stay_whole_and_inside_the_page():
    long_item = "Keterangan panjang yang harus dibungkus ke beberapa baris di halaman tanda terima " * 3
    pdf = build_receipt(sample(documents_received=[f"{n}. {long_item}" for n in range(30)]))
    reader = read(pdf)
    assert len(reader.pages) >= 3
    for page in reader.pages:
        assert overlaps(text_boxes(page)) == []


def test_the_overlap_check_catches_overlapping_text():
    pdf = pdf_common.OfficePDF({"name": "Kantor"}, texts()["pdf"], title="uji")
    try:
        pdf.add_page()
        pdf.text(20, 100, "Teks pertama yang cukup panjang")
        pdf.text(40, 101, "Teks kedua menimpa")
        page = read(bytes(pdf.output())).pages[0]
    finally:
        pdf.close_fonts()
    assert len(overlaps(text_boxes(page))) == 1


def test_an_item_longer_than_half_a_page_flows_without_blank_pages():
    huge = "Catatan yang sangat panjang sekali. " * 250
    pdf = build_receipt(sample(notes=[huge]))
    reader = read(pdf)
    for page in reader.pages:
        assert len(text_boxes(page)) > 3  # header/footer plus body: no empty page
        assert overlaps(text_boxes(page)) == []


def test_a_name_outside_the_cut_fonts_still_prints():
    """Receipts embed DejaVu cut to the Latin letters; a name with any other letter gets the full fonts."""
    text = text_of(build_receipt(sample(subject_name="Ŋgurah Ɓagus")))
    assert "Ŋgurah Ɓagus" in text


def test_receipts_built_one_after_another_each_print_their_own_words():
    """The fonts are parsed once per process: one receipt's letters must not leak into, or be
    missing from, the next one (each embeds the glyphs it uses)."""
    first = text_of(build_receipt(sample(subject_name="Zulkifli Qaswar", ticket="AKL-0101")))
    wide = text_of(build_receipt(sample(subject_name="Ŋgurah Ɓagus", ticket="AKL-0102")))
    last = text_of(build_receipt(sample(subject_name="Joko Widyawan", ticket="AKL-0103")))
    assert "Zulkifli Qaswar" in first and "AKL-0101" in first
    assert "Ŋgurah Ɓagus" in wide and "AKL-0102" in wide
    assert "Joko Widyawan" in last and "AKL-0103" in last and "Zulkifli" not in last
    assert "✓" in last  # the received documents' check mark is in the cut


def test_a_receipt_written_from_remembered_lines_is_laid_out_like_the_first():
    """The lines of recurring texts are remembered (pdf_lines): the next receipt, written
    line by line from them, puts every word in the same place, across page breaks too."""
    long_item = "Keterangan panjang yang harus dibungkus ke beberapa baris di halaman tanda terima " * 3
    data = sample(documents_received=[f"{n}. {long_item}" for n in range(30)])
    pdf_lines._LINES.clear()
    first, again = read(build_receipt(data)), read(build_receipt(data))
    assert len(first.pages) == len(again.pages) >= 3
    for one, two in zip(first.pages, again.pages):
        assert one.extract_text() == two.extract_text()
        assert text_boxes(one) == text_boxes(two)


def test_the_fonts_are_written_as_fpdf2_writes_them():
    """pdf_embed.FontWriter keeps the font cuts it made between documents; the PDF is the one
    fpdf2's own writer makes, byte for byte."""
    from fpdf.output import OutputProducer

    def document(**output) -> bytes:
        pdf = pdf_common.OfficePDF({"name": "Kantor"}, texts()["pdf"], title="uji", full_fonts=False)
        try:
            pdf.set_creation_date(datetime(2026, 11, 29, tzinfo=timezone.utc))
            pdf.add_page()
            pdf.paragraph("Tanda terima — “Hélène”, 1–2 hari.")
            pdf.item_list(["Kartu Keluarga"], marker="✓")
            return bytes(pdf.output(**output))
        finally:
            pdf.close_fonts()

    document()  # makes the cut, and remembers the lines (which changes the order glyphs are numbered in)
    ours = document()
    assert document() == ours
    assert document(output_producer_class=OutputProducer) == ours
