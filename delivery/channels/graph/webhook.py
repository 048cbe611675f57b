"""What the WhatsApp Cloud and Messenger webhooks share: the verify handshake, the signature
check and reading the signed JSON body.

docs/providers.md §2.2: the GET handshake echoes `hub.challenge` when `hub.verify_token` matches;
every POST carries `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`, checked
on the raw bytes before anything is parsed.
"""
import hashlib
import hmac
import logging

from flask import Response, current_app

from delivery.channels.base import Malformed
from delivery.channels.fields import json_body

log = logging.getLogger(__name__)

CHALLENGE_MAX = 200


def handshake(request) -> Response:
    """Answer Meta's subscription check: 200 with the challenge, or 403."""
    expected = current_app.config.get("META_VERIFY_TOKEN") or ""
    mode = request.args.get("hub.mode", "")
    token = request.args.get("hub.verify_token", "")
    challenge = request.args.get("hub.challenge", "")
    # Constant-time compare; an unset token on our side refuses every handshake.
    if expected and mode == "subscribe" and challenge and len(challenge) <= CHALLENGE_MAX \
            and hmac.compare_digest(token.encode(), expected.encode()):
        return Response(challenge, 200, mimetype="text/plain")
    log.warning("webhook verification refused (mode=%s)", mode[:20].isalnum() and mode[:20] or "-")
    return Response("forbidden", 403, mimetype="text/plain")


def signature_valid(raw: bytes, header: str | None, secret: str | None) -> bool:
    """Whether `header` is sha256=<hex HMAC of the raw body> under the app secret."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    try:
        given = header[len("sha256="):].strip().lower().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(given, expected.encode())


def verify(request, channel: str) -> bool:
    """Whether the request is signed with our app secret; a refusal is logged without the body."""
    raw = request.get_data(cache=True)
    header = request.headers.get("X-Hub-Signature-256")
    if signature_valid(raw, header, current_app.config.get("META_APP_SECRET")):
        return True
    log.warning("%s webhook refused: %s signature (%d bytes)", channel, "invalid" if header else "missing", len(raw))
    return False


def body(request, expected_object: str) -> dict:
    """The verified request's JSON body; Malformed unless it is a `<object>` webhook with entries."""
    found = json_body(request.get_data(cache=True))
    if found is None or found.get("object") != expected_object or not isinstance(found.get("entry"), list):
        raise Malformed(f"not a {expected_object} webhook body")
    return found
