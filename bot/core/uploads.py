"""Checking a file a citizen sent (its real type by content, never by name, and its size) and storing it.

What is stored is never the bytes as sent when they are a picture: the image is decoded (its pixel
count checked from the header first, so a decompression bomb is refused before any pixel is
read), turned upright by its EXIF orientation and written afresh as JPEG (PNG when it has real
transparency) with no metadata at all: no EXIF (no GPS), no ICC profile, no comment, no XMP, and
nothing that followed the image (a ZIP appended makes a polyglot). A PDF is stored unchanged, but
only when it parses, is not encrypted, has pages and carries nothing active: no JavaScript, no
automatic or launch actions, no embedded files, no rich media, no XFA form.

What the citizen is told is the office's wording: `texts` is flows/texts.yml as
flows.definition.texts() reads it (its `uploads` and `upload_file_types`); the caller passes it,
since bot.core reads nothing of flows/.
"""

import io
import re
import warnings

from flask import current_app
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject
from sqlalchemy import select

from bot.core import storage
from bot.core.invalid import Invalid
from bot.core.models import Contact, Document, Upload, utcnow
from bot.core.text import fill

# Pixels a picture may have (width × height), checked from its header before it is decoded: 50
# megapixels is more than a phone's full-resolution photo; decoded, it is about 150 MB of RGB.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 90  # a document's small print stays legible

_EXTENSIONS = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf",
    "image/gif": ".gif", "image/heic": ".heic", "image/avif": ".avif", "image/bmp": ".bmp",
    "image/tiff": ".tif", "application/zip": ".zip", "application/x-rar-compressed": ".rar",
    "application/x-7z-compressed": ".7z", "application/x-msdownload": ".exe",
    "application/x-executable": "", "audio/ogg": ".ogg", "audio/mpeg": ".mp3", "audio/wav": ".wav",
    "audio/amr": ".amr", "audio/mp4": ".m4a", "video/mp4": ".mp4", "video/quicktime": ".mov",
    "video/3gpp": ".3gp", "video/webm": ".webm", "text/plain": ".txt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/msword": ".doc", "application/octet-stream": ".bin",
}
_LABELS = {"image/jpeg": "JPG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}


def _ftyp_type(data: bytes) -> str | None:
    """Tell HEIC/AVIF photos, MP4/3GP/MOV videos and M4A audio apart by their ISO-BMFF brand."""
    if data[4:8] != b"ftyp":
        return None
    brands = {data[8:12]} | {data[i:i + 4] for i in range(16, min(len(data), 64), 4)}
    if brands & {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}:
        return "image/avif" if brands & {b"avif", b"avis"} else "image/heic"
    if brands & {b"avif", b"avis"}:
        return "image/avif"
    if data[8:11] == b"M4A":
        return "audio/mp4"
    if data[8:11] == b"3gp" or data[8:11] == b"3g2":
        return "video/3gpp"
    if data[8:10] == b"qt":
        return "video/quicktime"
    return "video/mp4"


def _detect(data: bytes) -> str:
    """Name the content type from the leading magic bytes alone."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    # A PNG signature is always followed by the IHDR chunk; a cut-off header is not a picture.
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    # Some PDF writers put a byte-order mark or blank lines before the header.
    if data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):
        return "application/pdf"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if ftyp := _ftyp_type(head):
        return ftyp
    if head[:2] == b"MZ":
        return "application/x-msdownload"
    if head[:4] == b"\x7fELF":
        return "application/x-executable"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            if b"word/" in data[:4096]
            else "application/zip"
        )
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "application/msword"
    if head[:6] == b"Rar!\x1a\x07":
        return "application/x-rar-compressed"
    if head[:6] == b"7z\xbc\xaf\x27\x1c":
        return "application/x-7z-compressed"
    if head[:4] == b"OggS":
        return "audio/ogg"
    if head[:6] == b"#!AMR\n":
        return "audio/amr"
    if head[:3] == b"ID3" or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head[:4] == b"\x1aE\xdf\xa3":
        return "video/webm"
    if head[:2] == b"BM":
        return "image/bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    chunk = data[:2048]
    try:
        sample = chunk.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character may be cut at the 2048th byte; forgive only that tail.
        sample = chunk[: error.start].decode("utf-8") if len(data) > 2048 and error.start >= 2044 else ""
    if sample and all(ch.isprintable() or ch in "\r\n\t" for ch in sample):
        return "text/plain"
    return "application/octet-stream"


def _accepted_phrase(accepted: tuple[str, ...], words: dict) -> str:
    """Say which files are welcome, e.g. "foto JPG/PNG/WEBP atau file PDF"."""
    images = "/".join(_LABELS.get(t, t.split("/")[-1].upper()) for t in accepted if t.startswith("image/"))
    pdf = "application/pdf" in accepted
    if images:
        return fill(words["accepted_photos_and_pdf" if pdf else "accepted_photos"], {"types": images})
    return words["accepted_pdf"] if pdf else ", ".join(accepted)


def _megabytes(size: int) -> str:
    """Write a byte count in MB with an Indonesian decimal comma: "30 MB", "12,5 MB"."""
    text = f"{size / (1024 * 1024):.1f}".replace(".", ",")
    return f"{text.removesuffix(',0')} MB"


def _claimed_extension(filename: str | None, declared_type: str | None) -> str | None:
    """The extension the file pretended to have, safe to repeat (never the file name itself)."""
    match = re.search(r"\.([a-z0-9]{1,5})$", (filename or "").lower())
    if match:
        return "." + match.group(1)
    for content_type, extension in _EXTENSIONS.items():
        if declared_type and declared_type.split(";")[0].strip().lower() == content_type:
            return extension or None
    return None


def sniff_upload(
    data: bytes,
    *,
    texts: dict,
    filename: str | None = None,
    declared_type: str | None = None,
    max_bytes: int = 10 * 1024 * 1024,
    accepted: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp", "application/pdf"),
) -> tuple[str, str]:
    """Decide an upload's type from its content (never its name) and refuse what we cannot take.

    `texts` holds the refusals' wording (flows/texts.yml: `uploads`, `upload_file_types`)."""
    words = texts["uploads"]
    welcome = _accepted_phrase(accepted, words)
    if not data:
        raise Invalid(fill(words["empty"], {"accepted": welcome}))
    content_type = _detect(data)
    if content_type not in accepted:
        values = {"what": texts["upload_file_types"].get(content_type) or words["unknown_type"],
                  "extension": _claimed_extension(filename, declared_type), "accepted": welcome}
        # Name and declared type are only used to explain a mismatch, never to decide.
        claimed = values["extension"]
        renamed = claimed and claimed != _EXTENSIONS.get(content_type) and not (
            content_type == "image/jpeg" and claimed == ".jpeg")
        reason = fill(words["wrong_type_renamed" if renamed else "wrong_type"], values)
        tip = None
        if content_type == "image/heic":
            tip = words["tip_heic"]
        elif content_type in ("application/msword",
                              "application/vnd.openxmlformats-officedocument.wordprocessingml.document"):
            tip = words["tip_word"]
        elif content_type == "application/octet-stream":
            tip = words["tip_unknown"]
        raise Invalid(f"{reason} {tip}" if tip else reason)
    if len(data) > max_bytes:
        raise Invalid(fill(words["too_big"], {"size": _megabytes(len(data)), "limit": _megabytes(max_bytes)}))
    return content_type, _EXTENSIONS[content_type]


_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


class _TooManyPixels(Exception):
    """The header announces more pixels than we decode."""


def _has_transparency(image: Image.Image) -> bool:
    """Whether any pixel is not fully opaque (an alpha channel of all 255 is no transparency)."""
    if image.mode not in ("RGBA", "LA", "PA", "La", "RGBa") and "transparency" not in image.info:
        return False
    return image.convert("RGBA").getchannel("A").getextrema()[0] < 255


def reencode_image(data: bytes, content_type: str, *, texts: dict,
                   max_pixels: int = MAX_PIXELS) -> tuple[bytes, str]:
    """Decode a picture and write its pixels afresh, upright, with no metadata; (bytes, type).

    Refuses (Invalid) a picture over `max_pixels` before decoding it, and one that does not decode."""
    words = texts["uploads"]
    too_large = fill(words["image_too_large"], {"limit": f"{max_pixels / 1_000_000:g}".replace(".", ",")})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only the decoder of the type the content was sniffed as: nothing else gets to parse it.
            with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[content_type]]) as source:
                width, height = source.size  # from the header: nothing is decoded yet
                if width * height > max_pixels:
                    raise _TooManyPixels
                source.seek(0)  # an animation or a multi-picture file: its first picture only
                source.load()
                try:
                    image = ImageOps.exif_transpose(source)
                except Exception:  # a broken orientation tag: the picture as it lies
                    image = source.copy()
    except (_TooManyPixels, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(too_large) from None
    except Exception:  # truncated, corrupt, or a format Pillow refuses: not a picture we can keep
        raise Invalid(words["image_unreadable"]) from None
    transparent = content_type != "image/jpeg" and _has_transparency(image)
    clean = image.convert("RGBA" if transparent else "L" if image.mode in ("1", "L", "I;16", "I") else "RGB")
    clean.info = {}  # no ICC profile, EXIF, XMP, comment or text chunk is carried over
    out = io.BytesIO()
    if transparent:
        clean.save(out, "PNG")
        return out.getvalue(), "image/png"
    clean.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue(), "image/jpeg"


# A dictionary key that makes a PDF do something when opened or touched, or carry a file inside.
_ACTIVE_KEYS = {"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/RichMediaContent",
                "/RichMediaSettings", "/XFA"}
# Action types (/S) and object types (/Type, /Subtype) that run, open or carry something.
_ACTIVE_NAMES = {"/JavaScript", "/Launch", "/RichMediaExecute", "/ImportData", "/SubmitForm", "/GoToE",
                 "/EmbeddedFile", "/FileAttachment", "/RichMedia", "/Sound", "/Movie"}
# Objects looked at in one PDF at most: a 10 MB file of legitimate pages holds far fewer.
PDF_MAX_NODES = 1_000_000


def _pdf_is_active(reader: PdfReader) -> bool:
    """Whether anything reachable from the PDF's trailer (catalog, pages, annotations, forms, names)
    carries JavaScript, an automatic or launch action, an embedded file, rich media or XFA."""
    stack, seen, visited = [reader.trailer], set(), 0
    while stack:
        node = stack.pop()
        visited += 1
        if visited > PDF_MAX_NODES:
            raise ValueError("too many objects")
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            node = node.get_object()
        if isinstance(node, DictionaryObject):  # a stream's dictionary too (its data is not run)
            for key, value in node.items():
                if key in _ACTIVE_KEYS:
                    return True
                if key in ("/S", "/Type", "/Subtype"):
                    name = value.get_object() if isinstance(value, IndirectObject) else value
                    if isinstance(name, NameObject) and name in _ACTIVE_NAMES:
                        return True
                if key != "/Encrypt":
                    stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return False


def check_pdf(data: bytes, *, texts: dict) -> None:
    """Refuse (Invalid) a PDF that does not parse, is encrypted, has no pages, or carries anything
    active (see _pdf_is_active); a PDF that passes is stored byte for byte."""
    words = texts["uploads"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a sloppy writer's quirks are not a reason to refuse
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise Invalid(words["pdf_locked"])
            if len(reader.pages) == 0:
                raise Invalid(words["pdf_unreadable"])
            active = _pdf_is_active(reader)
    except Invalid:
        raise
    except Exception:  # pypdf's errors, and a structure deep or broken enough to break the walk
        raise Invalid(words["pdf_unreadable"]) from None
    if active:
        raise Invalid(words["pdf_active"])


def clean_upload(data: bytes, content_type: str, *, texts: dict, max_pixels: int = MAX_PIXELS) -> tuple[bytes, str]:
    """What we keep of a file sniff_upload accepted: a picture re-encoded, a PDF checked; (bytes, type)."""
    if content_type in _PILLOW_FORMATS:
        return reencode_image(data, content_type, texts=texts, max_pixels=max_pixels)
    if content_type == "application/pdf":
        check_pdf(data, texts=texts)
    return data, content_type


def store_upload(s, contact: Contact, data: bytes, filename: str | None, declared: str | None, *, texts: dict):
    """Check a file by its content and store what is safe to keep of it (see clean_upload); returns
    (Upload, None) or (None, reason).

    `texts`: flows/texts.yml, for the reason's wording (see sniff_upload)."""
    uploads = current_app.config["OFFICE"].get("uploads", {})
    try:
        content_type, _extension = sniff_upload(
            data, texts=texts, filename=filename, declared_type=declared,
            max_bytes=int(uploads.get("max_bytes", 10 * 1024 * 1024)),
            accepted=tuple(uploads.get("accepted", ("image/jpeg", "image/png", "image/webp", "application/pdf"))))
        data, content_type = clean_upload(data, content_type, texts=texts,
                                          max_pixels=int(uploads.get("max_pixels", MAX_PIXELS)))
    except Invalid as err:
        return None, err.message
    extension = _EXTENSIONS[content_type]
    key, digest = storage.save(data, "uploads", extension)
    upload = Upload(contact_id=contact.id, original_name=(filename or "")[:255] or None,
                    content_type=content_type, size=len(data), sha256=digest, storage_key=key)
    s.add(upload)
    s.flush()
    return upload, None


def discard(s, upload: Upload) -> None:
    """Delete a stored upload's file and mark its row purged (the row stays, for the audit trail).
    Files are stored once per content: the file stays while another live row points to it."""
    upload.purged_at = utcnow()
    s.flush()
    key = upload.storage_key
    live = s.execute(select(Upload.id).where(Upload.storage_key == key, Upload.purged_at.is_(None))
                     .limit(1)).first() or s.execute(
        select(Document.id).where(Document.storage_key == key, Document.purged_at.is_(None)).limit(1)).first()
    if live is None:
        storage.path_of(key).unlink(missing_ok=True)
