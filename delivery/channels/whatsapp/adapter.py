"""The WhatsApp Cloud API channel: the outbox adapter, templates, typing, and media download.

Limits from docs/providers.md §2.5-2.6: reply buttons ≤3 (title ≤20, id ≤256); a list has ≤10 rows
(title ≤24, description ≤72, id ≤200, button label ≤20); interactive body ≤1,024; text ≤4,096;
document caption ≤1,024. More choices than a list holds go out as a numbered text.
"""
import base64
import hashlib
import logging
from functools import partial

from flask import current_app
from sqlalchemy.orm import object_session

from bot.core import db, storage
from bot.core.models import Document, Request
from bot.core.text import fill
from delivery.channels.base import Capabilities, TransportError, send_in_parts
from delivery.channels.graph.client import MEDIA_MAX_BYTES, GraphAPIError, GraphClient
from delivery.channels.numbered import render
from delivery.channels.text import caption_rule, shorten, split_text, unique_titles
from delivery.channels.whatsapp.webhook import TEXT_MAX

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
BODY_MAX, CAPTION_MAX = 1024, 1024
BUTTONS_MAX, BUTTON_TITLE_MAX, BUTTON_ID_MAX = 3, 20, 256
ROWS_MAX, ROW_TITLE_MAX, ROW_DESCRIPTION_MAX, ROW_ID_MAX = 10, 24, 72, 200
LIST_BUTTON = "Pilih"            # the label of the button that opens a list (≤20)
LIST_SECTION = "Pilihan"
CHOOSE = "Silakan pilih:"        # interactive messages need a body; used when a reply has none
# Where Cloud API media URLs point (docs/providers.md §2.4); the Graph host itself is always allowed.
MEDIA_HOSTS = ("lookaside.fbsbx.com",)


def client() -> GraphClient:
    """A Graph client with the WhatsApp token."""
    return GraphClient.from_config("WHATSAPP_TOKEN", CHANNEL)


def phone_number_id() -> str:
    """Our business phone number id; missing configuration is retried, not dropped."""
    value = current_app.config.get("WHATSAPP_PHONE_NUMBER_ID")
    if not value:
        raise TransportError("WHATSAPP_PHONE_NUMBER_ID is not configured", permanent=False)
    return str(value)


def recipient_fields(contact) -> dict:
    """`to` a phone number when we know it, else `recipient` for a BSUID-only user (§2.1)."""
    if contact.phone:
        return {"to": contact.phone}
    if "." in contact.external_id:  # BSUIDs look like "ID.1349120865..."; wa_ids are digits
        return {"recipient": contact.external_id}
    return {"to": contact.external_id}


# ---- message bodies (pure: tested for their exact JSON) ---------------------------------------
def text_message(body: str) -> dict:
    """A plain text message (≤4,096 characters)."""
    return {"type": "text", "text": {"body": body}}


def button_message(body: str, buttons: list[dict]) -> dict:
    """An interactive reply-button message (up to three buttons)."""
    titles = unique_titles([shorten(b["title"], BUTTON_TITLE_MAX) for b in buttons])
    return {"type": "interactive", "interactive": {
        "type": "button", "body": {"text": body},
        "action": {"buttons": [{"type": "reply", "reply": {"id": b["id"], "title": t}}
                               for b, t in zip(buttons, titles)]}}}


def list_message(body: str, buttons: list[dict]) -> dict:
    """An interactive list message (four to ten rows in one section)."""
    rows = []
    for b, title in zip(buttons, unique_titles([shorten(b["title"], ROW_TITLE_MAX) for b in buttons])):
        row = {"id": b["id"], "title": title}
        if title != b["title"]:
            row["description"] = shorten(b["title"], ROW_DESCRIPTION_MAX)  # the full words live here
        rows.append(row)
    return {"type": "interactive", "interactive": {
        "type": "list", "body": {"text": body},
        "action": {"button": LIST_BUTTON, "sections": [{"title": LIST_SECTION, "rows": rows}]}}}


def fits_buttons(buttons: list[dict]) -> bool:
    """Whether the choices fit reply buttons."""
    return 0 < len(buttons) <= BUTTONS_MAX and all(len(b["id"]) <= BUTTON_ID_MAX for b in buttons)


def fits_list(buttons: list[dict]) -> bool:
    """Whether the choices fit one list message."""
    return 0 < len(buttons) <= ROWS_MAX and all(len(b["id"]) <= ROW_ID_MAX for b in buttons)


def shows_natively(buttons: list[dict]) -> bool:
    """Whether the citizen saw these choices as buttons or a list (not as a numbered text)."""
    return fits_buttons(buttons) or fits_list(buttons)


def reply_messages(text: str, buttons: list[dict], numbered_text: str | None = None) -> list[dict]:
    """The messages for a text with optional buttons: text parts, then the interactive part
    (`numbered_text`: the payload's, for choices written out as numbers)."""
    if not buttons:
        return [text_message(part) for part in split_text(text, TEXT_MAX)] if text.strip() else []
    if not shows_natively(buttons):
        return [text_message(part) for part in split_text(render(text, buttons, numbered_text), TEXT_MAX)]
    parts = split_text(text, BODY_MAX) or [CHOOSE]
    lead = [text_message(part) for part in parts[:-1]]  # a long question: its start as plain text
    last = button_message(parts[-1], buttons) if fits_buttons(buttons) else list_message(parts[-1], buttons)
    return lead + [last]


def document_message(media_id: str, filename: str, caption: str | None = None) -> dict:
    """A document message for media we uploaded."""
    document = {"id": media_id, "filename": filename}
    if caption:
        document["caption"] = caption
    return {"type": "document", "document": document}


def image_message(media_id: str, caption: str | None = None) -> dict:
    """A photo message for an image we uploaded (a JPEG or PNG an officer sent): shown as a picture."""
    image = {"id": media_id}
    if caption:
        image["caption"] = caption
    return {"type": "image", "image": image}


def _session(contact):
    """The session the contact was loaded in (the sender's, holding the contact lock)."""
    return object_session(contact) or db.session()


class WhatsAppAdapter:
    """Sends outbox payloads through the WhatsApp Cloud API."""

    name = CHANNEL
    capabilities = Capabilities(text_max=TEXT_MAX, buttons_max=ROWS_MAX, caption_max=CAPTION_MAX,
                                typing=True, templates=True)

    def send(self, contact, payload: dict, outbox_id: int, tag: str | None = None) -> str:
        """Send one payload (texts, buttons, a document); returns the last message's wamid."""
        # `tag` is a Messenger notion: the window rule never gives WhatsApp one.
        text, buttons, document = payload.get("text") or "", payload.get("buttons") or [], payload.get("document")
        caption = None
        if document:
            text, caption = caption_rule(text, buttons, CAPTION_MAX)
        steps = [partial(self._post, contact, body, "send")
                 for body in reply_messages(text, buttons, payload.get("numbered_text"))]
        if document:
            steps.append(lambda: self._send_document(contact, document, caption))
        if not steps:
            raise TransportError("empty payload: nothing to send", permanent=True)
        return send_in_parts(payload, steps)

    def _send_document(self, contact, document: dict, caption: str | None) -> str:
        """Upload the PDF and send it by its media id (a retry uploads it again)."""
        media_id, filename = self.upload_document(contact, document)
        if str(document.get("content_type") or "").startswith("image/"):
            return self._post(contact, image_message(media_id, caption), "send image")
        return self._post(contact, document_message(media_id, filename, caption), "send document")

    def send_template(self, contact, template_cfg: dict, payload: dict, outbox_id: int) -> str:
        """Send an approved template (outside the 24-hour window); returns its wamid."""
        if not template_cfg.get("name"):
            raise TransportError("template has no name in config.yml", permanent=True)
        context = template_context(contact, payload)
        components = []
        document = payload.get("document")
        if template_cfg.get("header") == "document" and document:
            media_id, filename = self.upload_document(contact, document)
            components.append({"type": "header", "parameters": [
                {"type": "document", "document": {"id": media_id, "filename": filename}}]})
        params = [_fill(str(p), context) for p in template_cfg.get("params") or []]
        if params:
            components.append({"type": "body", "parameters": [{"type": "text", "text": p} for p in params]})
        # Quick-reply buttons registered with the template: each press comes back as a `button`
        # message carrying the payload set here (our button id, e.g. "bcancel:{ticket}").
        for index, button in enumerate(template_cfg.get("buttons") or []):
            components.append({"type": "button", "sub_type": "quick_reply", "index": str(index),
                               "parameters": [{"type": "payload", "payload": _fill(str(button), context)}]})
        template = {"name": template_cfg["name"], "language": {"code": template_cfg.get("language", "id")}}
        if components:
            template["components"] = components
        return self._post(contact, {"type": "template", "template": template}, "send template")

    def typing(self, contact, message_id: str | None = None) -> None:
        """Mark the citizen's message (its wamid) read and show 'typing…' while we work."""
        if not message_id:
            return  # the indicator hangs on a message of theirs
        body = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id,
                "typing_indicator": {"type": "text"}}
        client().post_json(f"{phone_number_id()}/messages", body, what="typing",
                           recipient=contact.external_id)

    def upload_document(self, contact, spec: dict) -> tuple[str, str]:
        """Upload a PDF we built to Meta; returns (media id, filename)."""
        doc = _session(contact).get(Document, spec["document_id"])
        if doc is None:
            raise TransportError("document to send is gone", permanent=True)
        data = storage.load(doc.storage_key)
        answer = client().post_multipart(
            f"{phone_number_id()}/media",
            data={"messaging_product": "whatsapp", "type": doc.content_type},
            files={"file": (doc.filename, data, doc.content_type)}, what="upload document",
            recipient=contact.external_id)
        if not answer.get("id"):
            raise TransportError("media upload answered without an id", permanent=False)
        return str(answer["id"]), doc.filename

    def _post(self, contact, body: dict, what: str) -> str:
        """POST one message to /{phone_number_id}/messages; returns its wamid."""
        full = {"messaging_product": "whatsapp", "recipient_type": "individual",
                **recipient_fields(contact), **body}
        answer = client().post_json(f"{phone_number_id()}/messages", full, what=what,
                                    recipient=contact.external_id)
        try:
            return str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise TransportError(f"{what}: answer without a message id", permanent=False) from None


def template_context(contact, payload: dict) -> dict:
    """Values a template parameter may name: {ticket}, {name}, {filename}, {office}, and those the
    payload carries in `values` (a visit reminder's {date}, {place}, {queue}…)."""
    context = {**(payload.get("values") or {}),
               "name": contact.display_name or "Bapak/Ibu", "ticket": payload.get("ticket", ""),
               "filename": (payload.get("document") or {}).get("filename", ""),
               "office": current_app.config["OFFICE"].get("office", {}).get("short_name", "")}
    request_id = (payload.get("document") or {}).get("request_id") or payload.get("request_id")
    if request_id and not context["ticket"]:
        req = _session(contact).get(Request, request_id)
        context["ticket"] = req.ticket if req else ""
    return context


def _fill(param: str, context: dict) -> str:
    """A template parameter with {names} filled in; Meta refuses empty parameters, so '-'."""
    return fill(param, context, empty="-").strip()


# ---- inbound media ------------------------------------------------------------------------------
def fetch_media(payload: dict) -> tuple[bytes, str | None, str | None]:
    """Download an inbound photo or document in two steps (docs/providers.md §2.4)."""
    media_id = payload.get("media_id")
    if not media_id:
        raise TransportError("media message without an id", permanent=True)
    graph = client()
    meta = graph.get_json(str(media_id), what="media lookup")
    url = meta.get("url")
    if not isinstance(url, str):
        raise TransportError("media lookup answered without a URL", permanent=False)
    size = meta.get("file_size")
    if isinstance(size, (int, str)) and str(size).isdigit() and int(size) > MEDIA_MAX_BYTES:
        raise TransportError("media too large", permanent=True)  # refused before any byte is fetched
    data, served_type = graph.download(url, allowed_hosts=MEDIA_HOSTS, bearer=True)
    expected = meta.get("sha256") or payload.get("sha256")
    if expected and not _same_digest(data, str(expected)):
        raise GraphAPIError("media download: sha256 does not match", permanent=False)
    content_type = meta.get("mime_type") or payload.get("mime_type") or served_type
    return data, payload.get("filename"), content_type


def _same_digest(data: bytes, expected: str) -> bool:
    """Meta gives sha256 as hex in the media lookup and as base64 in some webhooks; accept both."""
    digest = hashlib.sha256(data).digest()
    return expected.lower() == digest.hex() or expected == base64.b64encode(digest).decode()


def delete_media(payload: dict) -> None:
    """Ask Meta to delete its copy of an inbound media file once we stored ours."""
    # No phone_number_id filter: Meta applies it to media *uploaded* on that number, not received.
    client().delete(str(payload["media_id"]), what="media delete")

