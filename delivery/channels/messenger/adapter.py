"""The Facebook Messenger channel: the Send API adapter, typing, and attachment download.

Limits from docs/providers.md §3: quick replies ≤13 (title ≤20, payload ≤1,000); a text message is at
most 2,000 characters (Send API reference); PDFs go as a multipart `filedata` upload in the same
call as the send, because attachment ids expire and a receipt is sent once.
"""
import json
import logging
from functools import partial
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from sqlalchemy.orm import object_session

from bot.core import db, storage
from bot.core.models import Document
from delivery.channels.base import Capabilities, TransportError, send_in_parts
from delivery.channels.graph.client import GraphClient

# Everything we send carries it; an echo without it was typed by staff in the Page inbox.
from delivery.channels.messenger.webhook import OUR_METADATA, TEXT_MAX
from delivery.channels.numbered import render
from delivery.channels.text import shorten, split_text

log = logging.getLogger(__name__)

CHANNEL = "messenger"
QUICK_REPLIES_MAX, QUICK_TITLE_MAX, QUICK_PAYLOAD_MAX = 13, 20, 1000
CHOOSE = "Silakan pilih:"
# Messenger attachment URLs are Meta CDN URLs (scontent-*.xx.fbcdn.net for photos,
# cdn.fbsbx.com / lookaside.fbsbx.com for files); the Graph host itself is always allowed.
MEDIA_HOSTS = (".fbcdn.net", ".fbsbx.com")


def client() -> GraphClient:
    """A Graph client with the Page token (sent as a bearer header, never in the URL)."""
    return GraphClient.from_config("MESSENGER_PAGE_TOKEN", CHANNEL)


def shows_natively(buttons: list[dict]) -> bool:
    """Whether the choices fit quick replies (else they go out as a numbered text)."""
    return 0 < len(buttons) <= QUICK_REPLIES_MAX and all(len(b["id"]) <= QUICK_PAYLOAD_MAX for b in buttons)


def reply_messages(text: str, buttons: list[dict], numbered_text: str | None = None) -> list[dict]:
    """The `message` objects for a text with optional quick replies (on the last part;
    `numbered_text`: the payload's, for choices written out as numbers)."""
    if buttons and not shows_natively(buttons):
        text, buttons = render(text, buttons, numbered_text), []
    parts = split_text(text, TEXT_MAX) or ([CHOOSE] if buttons else [])
    messages = [{"text": part, "metadata": OUR_METADATA} for part in parts]
    if buttons:
        messages[-1]["quick_replies"] = [{"content_type": "text", "title": shorten(b["title"], QUICK_TITLE_MAX),
                                          "payload": b["id"]} for b in buttons]
    return messages


def messaging_fields(tag: str | None) -> dict:
    """RESPONSE inside the window; MESSAGE_TAG with the tag (HUMAN_AGENT) outside it."""
    return {"messaging_type": "MESSAGE_TAG", "tag": tag} if tag else {"messaging_type": "RESPONSE"}


class MessengerAdapter:
    """Sends outbox payloads through the Messenger Send API."""

    name = CHANNEL
    capabilities = Capabilities(text_max=TEXT_MAX, buttons_max=QUICK_REPLIES_MAX, typing=True, staff_replies=True)

    def send(self, contact, payload: dict, outbox_id: int, tag: str | None = None) -> str:
        """Send one payload (texts, quick replies, a PDF); returns the last message id."""
        steps = [partial(self._send_message, contact, message, tag)
                 for message in reply_messages(payload.get("text") or "", payload.get("buttons") or [],
                                               payload.get("numbered_text"))]
        if payload.get("document"):
            steps.append(partial(self.send_document, contact, payload["document"], tag))
        if not steps:
            raise TransportError("empty payload: nothing to send", permanent=True)
        return send_in_parts(payload, steps)

    def _send_message(self, contact, message: dict, tag: str | None) -> str:
        """One Send API message (a text part or the quick replies); returns its id."""
        body = {"recipient": {"id": contact.external_id}, **messaging_fields(tag), "message": message}
        return self._mid(client().post_json("me/messages", body, what="send", recipient=contact.external_id))

    def send_template(self, contact, template_cfg: dict, payload: dict, outbox_id: int) -> str:
        """Messenger has no WhatsApp-style templates; window.decide uses tags or holds instead."""
        raise TransportError("Messenger has no message templates", permanent=True)

    def send_document(self, contact, spec: dict, tag: str | None = None) -> str:
        """Upload and send a PDF in one multipart call (docs/providers.md §3, 'Sending a PDF')."""
        doc = (object_session(contact) or db.session()).get(Document, spec["document_id"])
        if doc is None:
            raise TransportError("document to send is gone", permanent=True)
        # is_reusable false: a receipt is one citizen's paper; Meta need not keep a reusable copy.
        # A photo an officer sends goes as an image (shown in the chat), anything else as a file.
        kind = "image" if doc.content_type.startswith("image/") else "file"
        form = {"recipient": json.dumps({"id": contact.external_id}),
                "message": json.dumps({"attachment": {"type": kind, "payload": {"is_reusable": False}},
                                       "metadata": OUR_METADATA}),
                **messaging_fields(tag)}
        answer = client().post_multipart(
            "me/messages", data=form, files={"filedata": (doc.filename, storage.load(doc.storage_key), doc.content_type)},
            what="send document", recipient=contact.external_id)
        return self._mid(answer)

    def typing(self, contact, message_id: str | None = None) -> None:
        """Show 'typing…' to the citizen while the reply is prepared."""
        body = {"recipient": {"id": contact.external_id}, "sender_action": "typing_on"}
        client().post_json("me/messages", body, what="typing", recipient=contact.external_id)

    @staticmethod
    def _mid(answer: dict) -> str:
        """The message id in a Send API answer."""
        if not answer.get("message_id"):
            raise TransportError("send answered without a message id", permanent=False)
        return str(answer["message_id"])


# ---- inbound attachments ----------------------------------------------------------------------
def fetch_media(payload: dict) -> tuple[bytes, str | None, str | None]:
    """Download an attachment from its CDN URL (no token: Messenger URLs are pre-signed)."""
    url = payload.get("url")
    if not isinstance(url, str) or not url:
        raise TransportError("attachment without a URL", permanent=True)
    data, content_type = client().download(url, allowed_hosts=MEDIA_HOSTS, bearer=False)
    return data, _filename(url), (content_type or "").split(";")[0].strip() or None


def _filename(url: str) -> str | None:
    """The file name at the end of a CDN URL's path, when it looks like one."""
    name = unquote(PurePosixPath(urlsplit(url).path).name)
    return name if "." in name and len(name) <= 200 else None
