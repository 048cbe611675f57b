"""Reading Twilio's WhatsApp webhooks (docs/providers.md §1): the signature check, and pure
functions from the signed form to a Batch of messages (POST /webhooks/twilio) or statuses
(POST /webhooks/twilio/status).

The signature is over PUBLIC_BASE_URL + the request's path and query (never request.url, which
behind a proxy is the internal http:// address Twilio did not sign). Replies never go in the
TwiML answer: they go through the outbox and the REST API.
"""
import base64
import hashlib
import hmac
import logging
import math
import re
from functools import lru_cache

from flask import current_app
from twilio.request_validator import RequestValidator

from delivery.channels import fields
from delivery.channels.base import Batch, Inbound, Malformed, Status
from delivery.channels.twilio.adapter import PERMANENT_CODES, WINDOW_CLOSED

log = logging.getLogger(__name__)

CHANNEL = "twilio"
TEXT_MAX = 4096   # WhatsApp's own limit on a text message
WHATSAPP_FROM = re.compile(r"^whatsapp:(\+[1-9]\d{6,14})$")
PLAIN_NUMBER = re.compile(r"^\+[1-9]\d{6,14}$")
SID = re.compile(r"^[A-Za-z0-9]{10,64}$")
MAX_MEDIA_ITEMS = 10  # Twilio's own maximum per message
VCARD_TYPES = ("text/vcard", "text/x-vcard", "text/directory")
# Twilio's outbound statuses as ours; the ones before "sent" record nothing.
STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed", "undelivered": "failed"}


# ---- verification ------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _validator(token: str) -> RequestValidator:
    """One validator per auth token (built once, not per request)."""
    return RequestValidator(token)


def signed_url(request) -> str:
    """The URL Twilio signed: our public base plus the path and query it requested."""
    path = request.full_path if request.query_string else request.path  # full_path adds a bare "?"
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def verify(request) -> bool:
    """True when the request carries a valid Twilio signature for our auth token."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("X-Twilio-Signature")
    if not token:
        log.error("twilio webhook refused: TWILIO_AUTH_TOKEN is not set")
        return False
    if not signature or request.headers.get("X-Twilio-Webhooks-Signature-Settings"):
        # (The latter: signed with a Webhooks SharedKey, a secret we are not configured with.)
        log.warning("twilio webhook refused: bad or missing signature on %s", request.path)
        return False
    url = signed_url(request)
    # The URL as configured is what Twilio signs: one HMAC settles the usual case; the SDK's
    # validate() (which always computes two, with and without the default port) only decides the rest.
    if hmac.compare_digest(signature_for(token, url, request.form).encode(), signature.encode()):
        return True
    if _validator(token).validate(url, request.form, signature):
        return True
    log.warning("twilio webhook refused: bad or missing signature on %s", request.path)
    return False


def signature_for(token: str, url: str, form) -> str:
    """Twilio's X-Twilio-Signature for a form posted to `url`: base64 HMAC-SHA1 of the URL followed
    by each name and value, sorted and without repeated pairs. The SDK's compute_signature does the
    same with a lookup per name, which cost more than the rest of the check on a busy webhook."""
    signed = url + "".join(name + value for name, value in sorted(set(form.items(multi=True))))
    return base64.b64encode(hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


# ---- inbound messages ----------------------------------------------------------------------------------
def parse_message(form) -> Batch:
    """One WhatsApp message (one Inbound per media item); an SMS is acknowledged and dropped."""
    message_sid = fields.clean(form.get("MessageSid", "")).strip()
    sender = fields.clean(form.get("From", "")).strip()
    if not SID.match(message_sid) or not sender:
        raise Malformed("MessageSid and From are required")
    match = WHATSAPP_FROM.match(sender)
    if match is None:
        if PLAIN_NUMBER.match(sender):
            log.info("twilio: a non-WhatsApp (SMS) message was ignored")
            return Batch()
        raise Malformed("From is not whatsapp:+E164")
    external_id = match.group(1)
    name = fields.optional_text(form.get("ProfileName"), fields.NAME_MAX)
    items = normalise(form)
    for i, item in enumerate(items):
        item.external_id, item.display_name = external_id, name
        item.provider_id = message_sid if i == 0 else f"{message_sid}-{i}"
    return Batch(messages=items)


def normalise(form) -> list[Inbound]:
    """The channel-neutral messages in one Twilio form (sender and ids filled in by the caller)."""
    body, cut = fields.text(form.get("Body", ""), TEXT_MAX)
    extra = {"cut_from": cut} if cut else {}
    replied = fields.optional_text(form.get("OriginalRepliedMessageSid"), 64)
    if replied:
        extra["replied_to"] = replied
    try:
        count = int(form.get("NumMedia") or "0")
    except ValueError:
        raise Malformed("NumMedia is not a number") from None
    if not 0 <= count <= MAX_MEDIA_ITEMS:
        raise Malformed("NumMedia out of range")
    if count:
        items = []
        for i in range(count):
            url = form.get(f"MediaUrl{i}")
            content_type = (fields.optional_text(form.get(f"MediaContentType{i}"), 100) or "").lower()
            if not url or len(url) > 2048 or fields.clean(url) != url:
                raise Malformed(f"MediaUrl{i} is missing")
            # The caption (Body) belongs to the first item; each further item is its own message.
            items.append(_item(media_kind(content_type, form.get("MessageType", "")),
                               text=(body or None) if i == 0 else None,
                               extra={**extra, "media_url": url, "media_type": content_type or None}))
        return items
    button_id = fields.optional_text(form.get("ButtonPayload") or form.get("ListId"), fields.ID_MAX)
    if button_id:
        title = fields.optional_text(form.get("ButtonText") or form.get("ListTitle"), TEXT_MAX) or body
        return [_item("button", button=button_id, text=title, extra=extra)]
    if form.get("Latitude") or form.get("Longitude"):
        return [_item("location", text=body or None, extra={**extra, **_location(form)})]
    if form.get("ButtonText") and not body:
        # A template quick reply without a payload: its title is the answer.
        body = fields.optional_text(form["ButtonText"], TEXT_MAX) or ""
    # An empty Body with nothing else stays an empty text: the engine answers "pesan kosong".
    # A bare number may stand for a button: the webhook view looks at what we last offered.
    return [_item("text", text=body, extra=extra)]


def _item(kind: str, text: str | None = None, button: str | None = None, extra: dict | None = None) -> Inbound:
    """An Inbound whose sender and id parse_message fills in."""
    return Inbound(external_id="", provider_id="", kind=kind, text=text, button=button, extra=extra or {})


def media_kind(content_type: str, message_type: str) -> str:
    """What a media item is to the dialogue: sticker, audio, video, unsupported or media (to fetch)."""
    if str(message_type).lower() == "sticker":
        return "sticker"  # stickers arrive as image/webp; only MessageType tells them from photos
    if content_type.startswith("audio/"):
        return "audio"
    if content_type.startswith("video/"):
        return "video"
    if content_type in VCARD_TYPES:
        return "unsupported"
    return "media"


def _location(form) -> dict:
    """Latitude/Longitude (and Address/Label) of a shared location; Malformed if not numbers."""
    try:
        lat, lon = float(form.get("Latitude", "")), float(form.get("Longitude", ""))
    except ValueError:
        raise Malformed("Latitude/Longitude are not numbers") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise Malformed("Latitude/Longitude out of range")
    out = {"latitude": lat, "longitude": lon}
    for field, key in (("Address", "address"), ("Label", "label")):
        value = fields.optional_text(form.get(field), 300)
        if value:
            out[key] = value
    return out


# ---- status callbacks --------------------------------------------------------------------------------
def parse_status(form) -> Batch:
    """A delivery status callback of one of our messages (queued/sending record nothing)."""
    message_sid = fields.clean(form.get("MessageSid", "")).strip()
    given = fields.clean(form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    if not SID.match(message_sid) or not given:
        raise Malformed("MessageSid and MessageStatus are required")
    status = STATUSES.get(given)
    if status is None:
        return Batch()
    code = form.get("ErrorCode", "").strip()
    code = int(code) if code.isdigit() and len(code) < 10 else None
    found = Status(status, provider_id=message_sid)
    if status == "failed":
        found.error = error_text(code, given)
        found.permanent, found.window_closed = code in PERMANENT_CODES, code == WINDOW_CLOSED
    return Batch(statuses=[found])


def error_text(code: int | None, status: str) -> str:
    """A stored error: the Twilio code and what it means, when we know."""
    if code is None:
        return f"twilio {status}"
    meaning = PERMANENT_CODES.get(code) or {
        30003: "ponsel tidak dapat dihubungi", 30005: "nomor tidak dikenal", 30006: "nomor tidak dapat menerima",
        30007: "diblokir operator/penyaring", 30008: "kesalahan tidak dikenal",
        63018: "batas kecepatan pengirim terlampaui", 63032: "pengguna tidak dapat menerima pesan ini",
    }.get(code, "")
    return f"twilio {code}" + (f": {meaning}" if meaning else "")
