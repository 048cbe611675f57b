"""What WhatsApp Cloud and Messenger webhooks share: the verify handshake, the signature check,
reading a signed JSON body, and recording delivery statuses of our outbound messages.

channels.md §2.2: the GET handshake echoes `hub.challenge` when `hub.verify_token` matches; every
POST carries `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`, checked on
the raw bytes before anything is parsed.
"""
import hashlib
import hmac
import json
import logging
from datetime import datetime, timezone

from flask import Response, abort, current_app, request
from sqlalchemy import select

from bot.core import db
from bot.core.models import Contact, Message, Outbox, as_utc, audit

log = logging.getLogger(__name__)

# Statuses only move forward; a replayed or late "delivered" never undoes "read".
STATUS_RANK = {"sent": 1, "delivered": 2, "read": 3}
CHALLENGE_MAX = 200


class Malformed(ValueError):
    """The body is signed but not shaped like the provider's webhook: answered with 400."""


def handshake() -> Response:
    """Answer Meta's subscription check: 200 with the challenge, or 403."""
    expected = current_app.config.get("META_VERIFY_TOKEN") or ""
    mode = request.args.get("hub.mode", "")
    token = request.args.get("hub.verify_token", "")
    challenge = request.args.get("hub.challenge", "")
    # Constant-time compare; an unset token on our side refuses every handshake.
    if expected and mode == "subscribe" and challenge and len(challenge) <= CHALLENGE_MAX \
            and hmac.compare_digest(token.encode(), expected.encode()):
        return Response(challenge, 200, mimetype="text/plain")
    log.warning("webhook verification refused (mode=%s)", mode[:20] or "-")
    return Response("forbidden", 403, mimetype="text/plain")


def signature_valid(raw: bytes, header: str | None, secret: str | None) -> bool:
    """Whether `header` is sha256=<hex HMAC of the raw body> under the app secret."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header[len("sha256="):].strip().lower().encode(), expected.encode())


def signed_json(channel: str, expected_object: str) -> dict:
    """The request's JSON body after its signature checked out; aborts with 403 or 400."""
    raw = request.get_data(cache=True)
    if not signature_valid(raw, request.headers.get("X-Hub-Signature-256"), current_app.config.get("META_APP_SECRET")):
        # Logged without the body: it is unauthenticated and may carry anyone's data.
        reason = "missing" if not request.headers.get("X-Hub-Signature-256") else "invalid"
        log.warning("%s webhook refused: %s signature (%d bytes)", channel, reason, len(raw))
        abort(Response("forbidden", 403, mimetype="text/plain"))
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or body.get("object") != expected_object or not isinstance(body.get("entry"), list):
        log.warning("%s webhook refused: not a %s webhook body", channel, expected_object)
        abort(Response("malformed", 400, mimetype="text/plain"))
    return body


def items(value, what: str) -> list[dict]:
    """A list of objects from the body (absent means empty); anything else is malformed."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise Malformed(f"{what} is not a list of objects")
    return value


def text_field(obj: dict, key: str, what: str, required: bool = True) -> str | None:
    """A string field, required or optional; numbers are accepted as their text."""
    value = obj.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise Malformed(f"{what}.{key} is missing")
    return value


def set_status(s, message: Message, status: str, error: str | None = None, permanent: bool = False,
               window_closed: bool = False) -> bool:
    """Move an outbound message's status forward; a failure is recorded once. True if changed."""
    if status == "failed":
        if message.status == "failed":
            return False  # the same failure delivered twice
        message.status, message.error = "failed", (error or "failed")[:500]
        if message.outbox_id:
            row = s.get(Outbox, message.outbox_id)
            if row is not None and row.status == "sent":
                # Refused for the window: send it again when the citizen writes. Otherwise officers
                # see it with the other send failures.
                row.status, row.last_error = ("held" if window_closed else "failed"), message.error
        audit(s, "system", "delivery_failed", message, channel=message.channel, error=message.error,
              permanent=permanent)
        return True
    if status not in STATUS_RANK or message.status == "failed" \
            or STATUS_RANK[status] <= STATUS_RANK.get(message.status, 0):
        return False
    message.status = status
    return True


def update_by_watermark(s, channel: str, external_id: str, status: str, watermark_ms: int) -> int:
    """Mark our messages to one contact sent up to a watermark (Messenger reads/deliveries)."""
    contact = s.execute(select(Contact).where(Contact.channel == channel, Contact.external_id == external_id)
                        ).scalar_one_or_none()
    if contact is None:
        return 0
    until = datetime.fromtimestamp(watermark_ms / 1000, tz=timezone.utc)
    rows = s.execute(select(Message).where(Message.contact_id == contact.id, Message.direction == "out",
                                           Message.status.in_(("sent", "delivered")))).scalars().all()
    return sum(set_status(s, m, status) for m in rows if as_utc(m.created_at) <= until)


def outbound(s, channel: str, provider_id: str) -> Message | None:
    """Our outbound message with this provider id, if we sent it."""
    return s.execute(select(Message).where(Message.channel == channel, Message.provider_id == provider_id,
                                           Message.direction == "out")).scalar_one_or_none()


def commit_statuses(apply) -> None:
    """Run `apply(session)` for status updates in one short transaction."""
    with db.new_session() as s:
        apply(s)
        s.commit()


def numbered_choice(channel: str, external_id: str, text: str | None, shown_natively) -> tuple[str, str] | None:
    """The button a bare typed number picks, but only when the choices went out as a numbered text.

    When the buttons were shown as real buttons (or a list), a typed "2" is an answer to the
    question, not a button: the citizen could have tapped instead.
    """
    from bot.web.webhooks.numbered import NUMBER, button_for_number

    if not NUMBER.match(text or ""):
        return None
    from bot.web.webhooks.numbered import last_offered_buttons

    buttons = last_offered_buttons(channel, external_id)
    if not buttons or shown_natively(buttons):
        return None
    return button_for_number(channel, external_id, text)
