"""Twilio WhatsApp webhooks: inbound messages and delivery status callbacks.

Every request is checked first: `X-Twilio-Signature` over PUBLIC_BASE_URL + the request's path
and query (never request.url, which behind a proxy is the internal http:// address Twilio did not
sign). Then the form is normalised into channel-neutral inbound messages, stored once per
MessageSid and queued by `delivery.ingest.receive`, and Twilio gets an empty TwiML answer at once.
Replies are never sent in the TwiML: they go through the outbox and the REST API.

Wire it in `create_app` with `from bot.web.webhooks import twilio; twilio.init_app(app)`.
"""
import hmac
import logging
import math
import re
from functools import lru_cache

from flask import Blueprint, Response, current_app, request
from sqlalchemy import select, update
from twilio.request_validator import RequestValidator

from bot.core import db
from bot.web import spool
from delivery.ingest import receive
from bot.core.models import Message, Outbox, audit
from bot.web.webhooks.numbered import button_for_number

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__)

CHANNEL = "twilio"
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
WHATSAPP_FROM = re.compile(r"^whatsapp:(\+[1-9]\d{6,14})$")
PLAIN_NUMBER = re.compile(r"^\+[1-9]\d{6,14}$")
SID = re.compile(r"^[A-Za-z0-9]{10,64}$")
MAX_MEDIA_ITEMS = 10  # Twilio's own maximum per message
VCARD_TYPES = ("text/vcard", "text/x-vcard", "text/directory")
# Outbound statuses in the order they can happen; a callback only ever moves a message forward,
# so a repeated or late callback (delivered after read) changes nothing: that is the dedupe.
RANK = {"queued": 0, "accepted": 0, "scheduled": 0, "sending": 0, "sent": 1, "delivered": 2, "read": 3,
        "failed": 4, "undelivered": 4}
FAILED = ("failed", "undelivered")


def init_app(app) -> None:
    """Register the webhook routes, the outbound adapter and the media fetcher/deleter."""
    from delivery import ingest as inbound
    from delivery import channels, twilio_channel

    app.register_blueprint(bp)
    spool.init_app(app, bp)  # verified requests survive a database outage
    channels.ADAPTERS[CHANNEL] = twilio_channel.TwilioAdapter()
    inbound.MEDIA_FETCHERS[CHANNEL] = twilio_channel.fetch
    inbound.MEDIA_DELETERS[CHANNEL] = twilio_channel.delete


# ---- verification ------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _validator(token: str) -> RequestValidator:
    """One validator per auth token (built once, not per request)."""
    return RequestValidator(token)


def signed_url() -> str:
    """The URL Twilio signed: our public base plus the path and query it requested."""
    path = request.full_path if request.query_string else request.path  # full_path adds a bare "?"
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def _verified() -> bool:
    """True when the request carries a valid Twilio signature for our auth token."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("X-Twilio-Signature")
    if not token or not signature:
        return False
    if request.headers.get("X-Twilio-Webhooks-Signature-Settings"):
        # Signed with a Webhooks SharedKey, a secret we are not configured with: refuse.
        return False
    validator, url = _validator(token), signed_url()
    # The URL as configured is what Twilio signs: one HMAC settles the usual case; validate()
    # (which always computes two, with and without the default port) only decides the rest.
    if hmac.compare_digest(validator.compute_signature(url, request.form).encode(), signature.encode()):
        return True
    return validator.validate(url, request.form, signature)


def _forbidden() -> tuple[str, int]:
    """403 for a forged, missing or unverifiable signature; logged without body or number."""
    if not current_app.config.get("TWILIO_AUTH_TOKEN"):
        log.error("twilio webhook refused: TWILIO_AUTH_TOKEN is not set")
    else:
        log.warning("twilio webhook refused: bad or missing signature on %s", request.path)
    return "Forbidden", 403


def _bad(reason: str) -> tuple[str, int]:
    """400 for a signed but malformed request (the reason names fields, never values)."""
    log.warning("twilio webhook malformed on %s: %s", request.path, reason)
    return f"Bad Request: {reason}", 400


def _twiml() -> Response:
    """The empty TwiML answer: we reply later, through the REST API."""
    return Response(EMPTY_TWIML, mimetype="text/xml")


# ---- inbound messages ----------------------------------------------------------------------------------
@bp.post("/webhooks/twilio")
def inbound():
    """Verify, normalise and store one WhatsApp message (one row per media item); answer at once."""
    if not _verified():
        return _forbidden()
    spool.verified(_twiml)
    form = request.form
    message_sid, sender = form.get("MessageSid", "").strip(), form.get("From", "").strip()
    if not SID.match(message_sid) or not sender:
        return _bad("MessageSid and From are required")
    match = WHATSAPP_FROM.match(sender)
    if match is None:
        if PLAIN_NUMBER.match(sender):
            log.info("twilio: a non-WhatsApp (SMS) message was ignored")
            return _twiml()
        return _bad("From is not whatsapp:+E164")
    external_id = match.group(1)
    try:
        items = normalise(form, external_id)
    except ValueError as err:
        return _bad(str(err))
    display_name = (form.get("ProfileName") or "").strip()[:200] or None
    for i, item in enumerate(items):
        stored = receive(CHANNEL, external_id, kind=item["kind"], text=item.get("text"),
                         button=item.get("button"), display_name=display_name,
                         provider_id=message_sid if i == 0 else f"{message_sid}-{i}", extra=item["extra"])
        if stored is not None and item["kind"] not in ("media", "location", "text", "button"):
            # Voice notes, videos and stickers are never downloaded; Twilio keeps media until
            # it is deleted, so have it deleted (privacy), off the request path.
            from delivery import jobs
            jobs.enqueue("delivery.twilio_channel.discard_media", item["extra"]["media_url"])
    return _twiml()


def normalise(form, external_id: str) -> list[dict]:
    """The channel-neutral messages in one Twilio form: [{kind, text, button, extra}]; ValueError if malformed."""
    body = form.get("Body", "")
    extra = {}
    if form.get("OriginalRepliedMessageSid"):
        extra["replied_to"] = form["OriginalRepliedMessageSid"][:64]
    try:
        count = int(form.get("NumMedia") or "0")
    except ValueError:
        raise ValueError("NumMedia is not a number") from None
    if not 0 <= count <= MAX_MEDIA_ITEMS:
        raise ValueError("NumMedia out of range")
    if count:
        items = []
        for i in range(count):
            url, content_type = form.get(f"MediaUrl{i}"), (form.get(f"MediaContentType{i}") or "").lower()
            if not url:
                raise ValueError(f"MediaUrl{i} is missing")
            # The caption (Body) belongs to the first item; each further item is its own message.
            items.append({"kind": media_kind(content_type, form.get("MessageType", "")),
                          "text": (body or None) if i == 0 else None,
                          "extra": {**extra, "media_url": url, "media_type": content_type or None}})
        return items
    button_id = form.get("ButtonPayload") or form.get("ListId")
    if button_id:
        title = form.get("ButtonText") or form.get("ListTitle") or body
        return [{"kind": "button", "button": button_id[:200], "text": title, "extra": extra}]
    if form.get("Latitude") or form.get("Longitude"):
        return [{"kind": "location", "text": body or None, "extra": {**extra, **_location(form)}}]
    if form.get("ButtonText") and not body:
        body = form["ButtonText"]  # a template quick reply without a payload: its title is the answer
    chosen = button_for_number(CHANNEL, external_id, body)
    if chosen is not None:
        # "2" answering a numbered list: the engine gets the button it stands for.
        return [{"kind": "button", "button": chosen[0], "text": chosen[1], "extra": {**extra, "typed": body}}]
    # An empty Body with nothing else stays an empty text: the engine answers "pesan kosong".
    return [{"kind": "text", "text": body, "extra": extra}]


def media_kind(content_type: str, message_type: str) -> str:
    """What a media item is to the dialogue: sticker, audio, video, unsupported or media (to fetch)."""
    if message_type.lower() == "sticker":
        return "sticker"  # stickers arrive as image/webp; only MessageType tells them from photos
    if content_type.startswith("audio/"):
        return "audio"
    if content_type.startswith("video/"):
        return "video"
    if content_type in VCARD_TYPES:
        return "unsupported"
    return "media"


def _location(form) -> dict:
    """Latitude/Longitude (and Address/Label) of a shared location; ValueError if not numbers."""
    try:
        lat, lon = float(form.get("Latitude", "")), float(form.get("Longitude", ""))
    except ValueError:
        raise ValueError("Latitude/Longitude are not numbers") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("Latitude/Longitude out of range")
    out = {"latitude": lat, "longitude": lon}
    for field, key in (("Address", "address"), ("Label", "label")):
        if form.get(field):
            out[key] = form[field][:300]
    return out


# ---- status callbacks --------------------------------------------------------------------------------
@bp.post("/webhooks/twilio/status")
def status():
    """Record a delivery status on our outbound message; failures are audited for officers."""
    if not _verified():
        return _forbidden()
    spool.verified(_twiml)
    form = request.form
    message_sid = form.get("MessageSid", "").strip()
    new = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    if not SID.match(message_sid) or not new:
        return _bad("MessageSid and MessageStatus are required")
    if RANK.get(new, 0) == 0:
        return _twiml()  # queued/sending/unknown: nothing to record
    code = form.get("ErrorCode", "").strip()
    code = int(code) if code.isdigit() else None
    if not apply_status(message_sid, new, code):
        # Twilio can call back before the sender's transaction that records the sid commits;
        # look again shortly (a worker's scheduler runs it; inline mode has committed already).
        from delivery import jobs
        jobs.enqueue("bot.web.webhooks.twilio.apply_status", message_sid, new, code, 1, delay=STATUS_RETRY[0])
    return _twiml()


STATUS_RETRY = (5, 60)  # seconds: when to look again for a sid we do not know yet


def apply_status(message_sid: str, new: str, code: int | None, attempt: int = 0) -> bool:
    """Move our outbound message to `new` (never backwards); False when the sid is unknown."""
    earlier = [name for name, rank in RANK.items() if rank < RANK[new]]
    values = {"status": new}
    if code is not None:
        values["error"] = error_text(code)
    with db.new_session() as s:
        known = s.execute(select(Message.id).where(
            Message.channel == CHANNEL, Message.provider_id == message_sid, Message.direction == "out")).first()
        if known is None:
            if attempt and attempt < len(STATUS_RETRY):
                from delivery import jobs
                jobs.enqueue("bot.web.webhooks.twilio.apply_status", message_sid, new, code, attempt + 1,
                             delay=STATUS_RETRY[attempt])
            return False
        # One conditional UPDATE: atomic across web processes, and a no-op for a repeat (dedupe).
        row = s.execute(update(Message).where(Message.id == known.id, Message.status.in_(earlier))
                        .values(**values).returning(Message.id, Message.outbox_id)).first()
        if row is not None and new in FAILED:
            from delivery.twilio_channel import PERMANENT_CODES, WINDOW_CLOSED

            error = values.get("error") or f"twilio {new}"
            target = s.get(Outbox, row.outbox_id) if row.outbox_id else s.get(Message, row.id)
            if isinstance(target, Outbox) and target.status == "sent":
                # Refused for the window: sent again when the citizen writes. Otherwise officers
                # see it with the other send failures (as on the Meta channels).
                target.status, target.last_error = ("held" if code == WINDOW_CLOSED else "failed"), error
            audit(s, "system", "send_failed", target, error=error,
                  permanent=code in PERMANENT_CODES, provider_status=new, message_id=row.id)
            log.warning("twilio message %s %s (code %s)", row.id, new, code)
        s.commit()
    return True


def error_text(code: int) -> str:
    """A stored error: the Twilio code and what it means, when we know."""
    from delivery.twilio_channel import PERMANENT_CODES

    meaning = PERMANENT_CODES.get(code) or {
        30003: "ponsel tidak dapat dihubungi", 30005: "nomor tidak dikenal", 30006: "nomor tidak dapat menerima",
        30007: "diblokir operator/penyaring", 30008: "kesalahan tidak dikenal",
        63018: "batas kecepatan pengirim terlampaui", 63032: "pengguna tidak dapat menerima pesan ini",
    }.get(code, "")
    return f"twilio {code}" + (f": {meaning}" if meaning else "")
