"""Uploads cannot carry a bomb, a polyglot, a script or a GPS trail, and nothing is kept before
consent: photos are decoded and stored afresh without metadata, PDFs only when nothing in them
runs or hides a file, and a file sent before the privacy notice was agreed to is deleted."""
import io
import struct
import zlib

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from sqlalchemy import select

from bot.core import db, storage
from bot.core.models import Upload
from flows.definition import texts
from tests.conftest import answer_until_birth_letter, answer_until_summary
from tests.inbox_drivers import add_officer, sign_in

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def at_birth_letter_photo(chat) -> None:
    """The citizen has agreed to the privacy notice and is asked for the birth letter's photo."""
    answer_until_birth_letter(chat)
    chat.press("yes")
    assert chat.where()["step"] == "foto_surat_lahir"


def stored_uploads(app) -> list[tuple[Upload, bytes | None]]:
    """Every upload row with the bytes on disk (None when its file is gone)."""
    with app.app_context(), db.new_session() as s:
        rows = s.execute(select(Upload).order_by(Upload.id)).scalars().all()
        found = []
        for row in rows:
            path = storage.path_of(row.storage_key)
            found.append((row, path.read_bytes() if path.exists() else None))
        return found


def files_on_disk(app) -> set:
    """Every file under the uploads folder (on PostgreSQL the folder is shared by the run's tests)."""
    with app.app_context():
        return {p for p in (storage.root() / "uploads").rglob("*") if p.is_file()}


def photo_with_gps() -> bytes:
    """A camera JPEG lying on its side (EXIF orientation 6: turn 90° clockwise to view): 60×30,
    its left half red, its right half blue, with a GPS position, a comment and an ICC profile."""
    image = Image.new("RGB", (60, 30), (220, 0, 0))
    image.paste((0, 0, 220), (30, 0, 60, 30))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "KameraHP"
    exif[GPS_IFD] = {1: "S", 2: (0.0, 30.0, 12.5), 3: "E", 4: (117.0, 30.0, 1.25)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"Jl. Yos Sudarso 12", icc_profile=b"\0" * 128)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the test photo does carry a position
    return data


def png_bomb(side: int = 20000) -> bytes:
    """A 1-bit PNG of side×side white pixels: a few dozen KB on disk, 400 megapixels decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    packer, row = zlib.compressobj(9), b"\x00" + b"\xff" * (side // 8)
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


def a_pdf(change=None) -> bytes:
    """A one-page PDF; `change(writer)` adds to it first."""
    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(595, 842)
    if change is not None:
        change(writer)
    writer.write(out)
    return out.getvalue()


def launch_on_open(writer) -> None:
    """Opening the PDF starts a program."""
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})


def script_when_a_page_opens(writer) -> None:
    """An additional action (/AA) on the page: JavaScript when it is shown."""
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})})


# ---- pictures ---------------------------------------------------------------------------------
def test_a_photo_is_stored_without_its_gps_position_and_upright(app, chat):
    at_birth_letter_photo(chat)
    chat.send_file(photo_with_gps(), "surat-lahir.jpg", "image/jpeg")
    assert chat.where()["step"] == "punya_buku_nikah"  # taken as the answer
    [(upload, data)] = stored_uploads(app)
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "JPEG" and upload.content_type == "image/jpeg"
    assert not stored.getexif() and GPS_IFD not in stored.getexif() and b"Exif" not in data
    assert "icc_profile" not in stored.info and "comment" not in stored.info and b"Yos Sudarso" not in data
    # Turned as the camera said: the left (red) half is now on top, the right (blue) half below.
    assert stored.size == (30, 60)
    red, blue = stored.convert("RGB").getpixel((15, 10)), stored.convert("RGB").getpixel((15, 50))
    assert red[0] > 150 and red[2] < 80 and blue[2] > 150 and blue[0] < 80


def test_a_decompression_bomb_is_refused_before_decoding_and_nothing_is_stored(app, chat):
    bomb = png_bomb()
    assert len(bomb) < 100_000  # small on the wire: only its header says what it would become
    at_birth_letter_photo(chat)
    before = files_on_disk(app)
    chat.send_file(bomb, "surat-lahir.png", "image/png")
    assert texts()["uploads"]["image_too_large"].format(limit="50") in chat.text
    assert chat.where()["step"] == "foto_surat_lahir"  # the same question again
    assert stored_uploads(app) == [] and files_on_disk(app) == before


def test_a_jpeg_with_a_zip_appended_is_stored_as_the_picture_alone(app, chat, tmp_path):
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.js", "alert(1)")
    picture = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 30)).save(picture, "JPEG")
    polyglot = picture.getvalue() + archive.getvalue()
    assert zipfile.is_zipfile(io.BytesIO(polyglot))  # as sent, it opens as an archive too
    at_birth_letter_photo(chat)
    chat.send_file(polyglot, "surat-lahir.jpg", "image/jpeg")
    assert chat.where()["step"] == "punya_buku_nikah"
    [(_upload, data)] = stored_uploads(app)
    assert b"PK\x03\x04" not in data and b"payload.js" not in data
    assert not zipfile.is_zipfile(io.BytesIO(data))
    assert Image.open(io.BytesIO(data)).size == (32, 24)


def test_a_transparent_png_stays_a_png_with_its_transparency_and_an_opaque_webp_becomes_a_jpeg(app, chat):
    image = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    image.paste((0, 90, 200, 255), (0, 0, 10, 10))
    transparent, opaque = io.BytesIO(), io.BytesIO()
    image.save(transparent, "PNG")
    Image.new("RGB", (16, 16), (200, 200, 200)).save(opaque, "WEBP")
    at_birth_letter_photo(chat)
    chat.send_file(transparent.getvalue(), "surat-lahir.png", "image/png")
    chat.press("yes")
    chat.send_file(opaque.getvalue(), "buku-nikah.webp", "image/webp")
    assert chat.where()["step"] == "foto_kk"
    [(png_row, png_data), (webp_row, webp_data)] = stored_uploads(app)
    kept = Image.open(io.BytesIO(png_data))
    assert png_row.content_type == "image/png" and kept.mode == "RGBA" and kept.getpixel((15, 5))[3] == 0
    assert webp_row.content_type == "image/jpeg" and Image.open(io.BytesIO(webp_data)).size == (16, 16)


def test_a_picture_that_does_not_decode_is_refused(app, chat):
    at_birth_letter_photo(chat)
    cut = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(cut, "PNG")
    chat.send_file(cut.getvalue()[:60], "surat-lahir.png", "image/png")  # the header, then nothing
    assert texts()["uploads"]["image_unreadable"] in chat.text
    assert chat.where()["step"] == "foto_surat_lahir" and stored_uploads(app) == []


# ---- PDFs -------------------------------------------------------------------------------------
@pytest.mark.parametrize("change", [
    lambda w: w.add_js("app.alert('halo');"),
    lambda w: w.add_attachment("data.exe", b"MZ\x90\x00" + bytes(64)),
    launch_on_open,
    script_when_a_page_opens,
], ids=["javascript", "embedded-file", "launch-on-open", "page-script"])
def test_a_pdf_with_a_script_or_a_hidden_file_is_refused(app, chat, change):
    at_birth_letter_photo(chat)
    before = files_on_disk(app)
    chat.send_file(a_pdf(change), "surat-lahir.pdf", "application/pdf")
    assert texts()["uploads"]["pdf_active"] in chat.text
    assert chat.where()["step"] == "foto_surat_lahir"
    assert stored_uploads(app) == [] and files_on_disk(app) == before


def test_a_locked_or_broken_pdf_is_refused_with_its_reason(app, chat):
    at_birth_letter_photo(chat)
    chat.send_file(a_pdf(lambda w: w.encrypt("rahasia")), "surat-lahir.pdf", "application/pdf")
    assert texts()["uploads"]["pdf_locked"] in chat.text
    chat.send_file(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "surat-lahir.pdf", "application/pdf")
    assert texts()["uploads"]["pdf_unreadable"] in chat.text
    assert chat.where()["step"] == "foto_surat_lahir" and stored_uploads(app) == []


def test_a_plain_pdf_scan_is_stored_unchanged(app, chat):
    pdf = a_pdf()
    at_birth_letter_photo(chat)
    chat.send_file(pdf, "surat-lahir.pdf", "application/pdf")
    assert chat.where()["step"] == "punya_buku_nikah"
    [(upload, data)] = stored_uploads(app)
    assert data == pdf and upload.content_type == "application/pdf"


# ---- nothing kept before consent ----------------------------------------------------------------
def test_a_photo_sent_before_the_privacy_notice_is_agreed_is_not_kept(app, chat, png):
    chat.say("halo")
    chat.press("svc:akta_kelahiran")
    chat.press("ayah")
    assert chat.where()["step"] == "persetujuan"
    before = files_on_disk(app)
    chat.send_file(photo_with_gps(), "ktp.jpg", "image/jpeg")
    assert texts()["uploads"]["not_kept_before_consent"] in chat.text
    assert chat.where()["step"] == "persetujuan"  # the notice is asked again
    [(upload, data)] = stored_uploads(app)
    assert data is None and upload.purged_at is not None and files_on_disk(app) <= before

    # The officers' inbox has nothing to open for it.
    add_officer(app)
    officer = app.test_client()
    sign_in(officer)
    assert officer.get(f"/inbox/uploads/{upload.id}").status_code == 404

    # Agreed, and the photo sent when it is asked for: kept.
    chat.press("agree")
    answers = chat.where()["answers"]
    assert answers["persetujuan"] is True
    at_birth_letter_photo_after_consent(chat)
    chat.send_file(png, "surat-lahir.png", "image/png")
    assert chat.where()["step"] == "punya_buku_nikah"
    kept = [(row, data) for row, data in stored_uploads(app) if row.purged_at is None]
    assert len(kept) == 1 and kept[0][1] is not None and kept[0][0].slot == "foto_surat_lahir"


def at_birth_letter_photo_after_consent(chat) -> None:
    """From the first question after the notice up to the birth letter's photo (the father's
    answers of tests/conftest.answer_until_birth_letter)."""
    from tests.conftest import answer_child, answer_father, answer_mother

    answer_child(chat)
    answer_father(chat)
    answer_mother(chat)
    chat.say("ya")
    assert chat.where()["step"] == "foto_surat_lahir"


def test_a_file_from_someone_who_never_agreed_is_answered_then_deleted(app, chat, png):
    chat.send_file(png, "foto.png", "image/png")  # a first message, no request, no notice agreed
    assert texts()["uploads"]["not_kept_before_consent"] in chat.text
    [(upload, data)] = stored_uploads(app)
    assert data is None and upload.purged_at is not None


def test_a_late_photo_after_a_request_was_filed_is_kept(app, chat, png):
    answer_until_summary(chat, png)
    chat.press("submit")
    late = io.BytesIO()
    Image.new("RGB", (12, 12), (5, 5, 5)).save(late, "PNG")
    chat.send_file(late.getvalue(), "ktp-ibu.png", "image/png")
    assert texts()["uploads"]["not_kept_before_consent"] not in chat.text
    latest, data = stored_uploads(app)[-1]
    assert data is not None and latest.purged_at is None
