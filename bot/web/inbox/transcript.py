"""A conversation's transcript as officers read it: WhatsApp formatting rendered (escaped first),
photos and documents as thumbnails, the buttons the citizen saw, statuses in Indonesian."""
import re

from markupsafe import Markup, escape

from bot.core import handoff
from bot.core.models import Message, Outbox
from bot.web.inbox.display import local_time

# Delivery statuses of our messages, as officers say them (delivery/statuses.py moves them forward).
STATUS_LABELS = {"sent": "terkirim", "delivered": "diterima", "read": "dibaca", "failed": "gagal"}
# Outbox rows not sent yet.
WAITING_LABELS = {"pending": "sedang dikirim", "held": "menunggu warga menulis lagi"}
# What an outbound document is, by the kind its payload names.
DOCUMENT_LABELS = {"receipt": "Tanda terima permohonan", "issued": "Dokumen terbit", "slip": "Bukti kunjungan",
                   "form": "Formulir"}
# Messages without text, by kind.
KIND_LABELS = {"file": "(foto/dokumen)", "rejected_file": "(file ditolak)", "media": "(foto/dokumen)",
               "sticker": "(stiker)", "audio": "(pesan suara)", "video": "(video)", "location": "(lokasi)",
               "document": "(dokumen)", "unsupported": "(pesan yang tidak dapat ditampilkan)"}

# WhatsApp's marks, applied to text already HTML-escaped (escaping leaves * _ ~ ` alone). Each
# pattern's inner class excludes its own mark and line ends, so a scan stops at the next mark:
# linear time on any text (tests/test_linear_regex.py).
_MONO = re.compile(r"```([^`]+)```")
_BOLD = re.compile(r"(?<![\w*])\*([^*\s](?:[^*\n]*[^*\s])?)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\s](?:[^_\n]*[^_\s])?)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~([^~\s](?:[^~\n]*[^~\s])?)~(?![\w~])")
_BULLET = re.compile(r"[-*•] (.*)")
_NUMBERED = re.compile(r"[0-9]{1,3}[.)] (.*)")


def _inline(text: str) -> str:
    """Bold, italic and strike-through in one escaped line."""
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    text = _ITALIC.sub(r"<em>\1</em>", text)
    return _STRIKE.sub(r"<s>\1</s>", text)


def plain(text: str) -> str:
    """The text without WhatsApp's marks (a one-line preview shows *tebal* as tebal)."""
    text = _MONO.sub(r"\1", text)
    for mark in (_BOLD, _ITALIC, _STRIKE):
        text = mark.sub(r"\1", text)
    return text


def _lines(text: str) -> str:
    """Escaped text with its lists as lists and its other line breaks kept."""
    out: list[str] = []
    open_list = None  # "ul" | "ol" while consecutive list lines run
    plain: list[str] = []

    def flush_plain():
        if plain:
            out.append("<br>".join(plain))
            plain.clear()

    for line in text.split("\n"):
        bullet, numbered = _BULLET.fullmatch(line), _NUMBERED.fullmatch(line)
        kind = "ul" if bullet else "ol" if numbered else None
        if kind != open_list and open_list:
            out.append(f"</{open_list}>")
            open_list = None
        if kind:
            flush_plain()
            if open_list is None:
                out.append(f"<{kind}>")
                open_list = kind
            out.append(f"<li>{_inline((bullet or numbered).group(1))}</li>")
        else:
            plain.append(_inline(line))
    flush_plain()
    if open_list:
        out.append(f"</{open_list}>")
    return "".join(out)


def whatsapp_html(text: str | None) -> Markup:
    """A message's text as safe HTML: everything escaped first, then WhatsApp's *bold*, _italic_,
    ~strike~, ```monospace```, line breaks and lists turned into their tags."""
    if not text:
        return Markup("")
    escaped = str(escape(text.replace("\r\n", "\n")))
    parts, last = [], 0
    for match in _MONO.finditer(escaped):
        parts.append(_lines(escaped[last:match.start()]))
        parts.append(f"<code class=\"mono\">{match.group(1)}</code>")
        last = match.end()
    parts.append(_lines(escaped[last:]))
    return Markup("".join(parts))  # noqa: S704  (built from escaped text and our own tags only)


def who(message: Message) -> str:
    """Who wrote a transcript line."""
    if message.direction == "in":
        return "Warga"
    if message.kind == handoff.STAFF_KIND:
        return "Staf (inbox Halaman Facebook)"
    if (message.payload or {}).get("officer"):
        return "Petugas"
    return "Bot"


def _attachment(message: Message, uploads: dict) -> dict | None:
    """The photo or document a message carries, as the page shows it."""
    payload = message.payload or {}
    if message.kind == "file" and payload.get("upload_id"):
        upload = uploads.get(payload["upload_id"])
        if upload is None or upload.purged_at is not None:
            return {"gone": True, "label": "Berkas sudah dihapus (masa simpan habis)."}
        is_image = upload.content_type.startswith("image/")
        return {"url": f"/inbox/uploads/{upload.id}", "image": is_image,
                "label": "Foto dari warga" if is_image else f"Dokumen dari warga ({_type_label(upload.content_type)})",
                "name": upload.original_name or ""}
    document = payload.get("document")
    if isinstance(document, dict):
        label = DOCUMENT_LABELS.get(document.get("kind"), "Dokumen")
        return {"url": f"/inbox/documents/{document['document_id']}" if document.get("document_id") else None,
                "image": False, "label": label, "name": document.get("filename") or ""}
    return None


def _type_label(content_type: str) -> str:
    """A file type as officers know it."""
    return {"application/pdf": "PDF"}.get(content_type, content_type.split("/")[-1].upper())


def line(message: Message, zone, uploads: dict) -> dict:
    """One transcript line: who, when, what (formatted), the attachment, buttons and status."""
    payload = message.payload or {}
    text = message.text
    if not text and not payload.get("document") and message.kind != "file":
        text = KIND_LABELS.get(message.kind, f"({message.kind})")
    if message.kind == "rejected_file":
        text = "(file ditolak" + (f": {payload['reason']}" if payload.get("reason") else "") + ")"
    status = None
    if message.direction == "out" and message.kind != handoff.STAFF_KIND:
        status = STATUS_LABELS.get(message.status, message.status)
    return {"id": message.id, "who": who(message), "in": message.direction == "in",
            "officer": bool(payload.get("officer")) or message.kind == handoff.STAFF_KIND,
            "at": local_time(message.created_at, zone), "html": whatsapp_html(text),
            "attachment": _attachment(message, uploads),
            "buttons": [b.get("title", "") for b in payload.get("buttons") or [] if isinstance(b, dict)],
            "pressed": message.direction == "in" and message.kind == "button",
            "status": status, "failed": message.status == "failed" and message.direction == "out",
            "error": message.error if message.status == "failed" else None}


def waiting_line(row: Outbox) -> dict:
    """An outbox row not sent yet, shown under the transcript."""
    payload = row.payload or {}
    document = payload.get("document") if isinstance(payload.get("document"), dict) else None
    return {"id": f"outbox-{row.id}", "status": WAITING_LABELS.get(row.status, row.status),
            "html": whatsapp_html(payload.get("text") or (DOCUMENT_LABELS.get(document.get("kind"), "Dokumen")
                                                         if document else "(dokumen)")),
            "buttons": [b.get("title", "") for b in payload.get("buttons") or [] if isinstance(b, dict)],
            "officer": bool(payload.get("officer"))}
