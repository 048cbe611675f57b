"""Checking a file a citizen sent (its real type by content, never by name, and its size) and storing it.

What the citizen is told is the office's wording: `texts` is flows/texts.yml as
flows.definition.texts() reads it (its `uploads` and `upload_file_types`); the caller passes it,
since bot.core reads nothing of flows/.
"""

import re

from flask import current_app

from bot.core import storage
from bot.core.invalid import Invalid
from bot.core.models import Contact, Upload
from bot.core.text import fill

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


def store_upload(s, contact: Contact, data: bytes, filename: str | None, declared: str | None, *, texts: dict):
    """Check a file by its content and store it; returns (Upload, None) or (None, reason).

    `texts`: flows/texts.yml, for the reason's wording (see sniff_upload)."""
    uploads = current_app.config["OFFICE"].get("uploads", {})
    try:
        content_type, extension = sniff_upload(
            data, texts=texts, filename=filename, declared_type=declared,
            max_bytes=int(uploads.get("max_bytes", 10 * 1024 * 1024)),
            accepted=tuple(uploads.get("accepted", ("image/jpeg", "image/png", "image/webp", "application/pdf"))))
    except Invalid as err:
        return None, err.message
    key, digest = storage.save(data, "uploads", extension)
    upload = Upload(contact_id=contact.id, original_name=(filename or "")[:255] or None,
                    content_type=content_type, size=len(data), sha256=digest, storage_key=key)
    s.add(upload)
    s.flush()
    return upload, None
