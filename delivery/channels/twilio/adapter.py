"""The Twilio WhatsApp channel: the outbound adapter and the inbound media fetcher/deleter.

Pointing the client at a fake (TWILIO_API_BASE): twilio 9.x has no base-URL argument. Each API
domain is a `twilio.base.domain.Domain` whose `base_url` is a plain instance attribute
(`twilio/rest/api/ApiBase.py` sets "https://api.twilio.com"), and `client.api` is created once and
cached by the client, so `client.api.base_url = TWILIO_API_BASE` redirects every Messages call.
Edge/region must then be off: `ClientBase.get_hostname` rewrites hosts when TWILIO_EDGE or
TWILIO_REGION is set, so those are blanked for a fake (they stay honoured for the real API).

Typing indicator: Twilio's WhatsApp REST API has none we can call, so `typing()` is a no-op.

Logging: one line per provider call with the outbox id, the number masked to its last 4 digits,
the sid and the HTTP status; never the auth token, the full number, or the message text. The
twilio library's own request logger (INFO: URLs and headers) is given a quiet logger instead.
"""
import json
import logging
import re
import threading
import time
from functools import partial
from urllib.parse import urlsplit

import httpx
from flask import current_app

from bot.core import db
from bot.core.links import link_for
from bot.core.models import Request
from bot.core.privacy import mask_id as mask
from bot.core.text import fill
from delivery.channels.base import Capabilities, TransportError, send_in_parts
from delivery.channels.numbered import render
from delivery.channels.text import caption_rule, split_text

log = logging.getLogger(__name__)
# twilio's TwilioHttpClient logs every request and response header at INFO; ours is enough.
_library_log = logging.getLogger(__name__ + ".library")
_library_log.setLevel(logging.WARNING)

MAX_BODY = 1600                       # Twilio's limit for one message body
CAPTION_MAX = 1024                    # WhatsApp's limit for a document caption
MAX_MEDIA_BYTES = 16 * 1024 * 1024    # WhatsApp's limit for media (docs/providers.md §1.4)
# Twilio error codes that retrying the same payload cannot fix (https://www.twilio.com/docs/api/errors).
PERMANENT_CODES = {
    21211: "nomor tujuan tidak valid",
    21408: "pengiriman ke wilayah ini tidak diizinkan",
    21610: "penerima berhenti berlangganan / memblokir",
    21614: "nomor tujuan bukan nomor seluler",
    63003: "nomor tidak terdaftar di WhatsApp",
    63016: "di luar jendela 24 jam dan tanpa template",
    63024: "penerima tidak valid",
}
TWILIO_HOST = re.compile(r"^api(\.[a-z0-9-]+){0,2}\.twilio\.com$")  # api.twilio.com, api.<edge>.<region>…
_PHONE = re.compile(r"\+?\d[\d ]{5,}\d")


# ---- small helpers -----------------------------------------------------------------------------
def _scrub(text: str) -> str:
    """A provider error message with any phone number in it masked (it is stored and logged)."""
    return _PHONE.sub(lambda m: mask(m.group(0)), text or "")[:300]


def _config(name: str, default=None):
    """A setting of the current app."""
    return current_app.config.get(name) or default


def _public_url(path: str) -> str:
    """An absolute URL on our public base (what Twilio can reach)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


# ---- the REST client -----------------------------------------------------------------------------
_clients: dict = {}
_clients_lock = threading.Lock()
MAX_CACHED_CLIENTS = 8


def client():
    """A twilio Client for the current app's credentials, reused (its HTTP session pools connections)."""
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    sid, token = _config("TWILIO_ACCOUNT_SID"), _config("TWILIO_AUTH_TOKEN")
    if not sid or not token:
        raise TransportError("Twilio is not configured (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN)", permanent=True)
    base, timeout = _config("TWILIO_API_BASE"), float(_config("TWILIO_TIMEOUT", 10))
    key = (sid, token, base, timeout)
    with _clients_lock:
        found = _clients.get(key)
        if found is not None:
            return found
        http = TwilioHttpClient(timeout=timeout, logger=_library_log)
        # A fake gets no edge/region host rewriting (see the module docstring).
        env = {"TWILIO_EDGE": "", "TWILIO_REGION": ""} if base else None
        made = Client(sid, token, http_client=http, environment=env)
        if base:
            made.api.base_url = base.rstrip("/")
        if len(_clients) >= MAX_CACHED_CLIENTS:  # tests build many apps; close what we drop
            old = _clients.pop(next(iter(_clients)))
            old.http_client.session.close()
        _clients[key] = made
        return made


WINDOW_CLOSED = 63016  # "outside the allowed window" (docs/providers.md §1.7): hold, do not drop


def _transport_error(err: Exception) -> TransportError:
    """Map a twilio/requests exception to a retryable or permanent TransportError."""
    import requests
    from twilio.base.exceptions import TwilioRestException, TwilioServiceException

    if isinstance(err, (TwilioRestException, TwilioServiceException)):
        status, code = int(err.status or 0), err.code
        try:
            code = int(code) if code is not None else None
        except (TypeError, ValueError):
            code = None
        text = _scrub((getattr(err, "msg", None) or getattr(err, "title", "") or "")
                      .removeprefix("Unable to create record: "))  # the library's prefix says nothing
        transient = status == 429 or status >= 500
        permanent = code in PERMANENT_CODES or (not transient and 400 <= status < 500)
        detail = PERMANENT_CODES.get(code, text)
        return TransportError(f"twilio HTTP {status} code {code}: {detail}", permanent=permanent,
                              window_closed=code == WINDOW_CLOSED)
    if isinstance(err, requests.Timeout):
        return TransportError("twilio timeout", permanent=False)
    if isinstance(err, requests.RequestException):
        return TransportError(f"twilio connection error: {type(err).__name__}", permanent=False)
    return TransportError(f"twilio error: {type(err).__name__}", permanent=False)


def _create(outbox_id: int, to: str, **kwargs) -> str:
    """One Messages.create call, logged without secrets; returns the message sid."""
    started = time.monotonic()
    sender = _config("TWILIO_WHATSAPP_FROM")
    if not sender:
        raise TransportError("Twilio is not configured (TWILIO_WHATSAPP_FROM)", permanent=True)
    try:
        message = client().messages.create(to=to, from_=sender,
                                           status_callback=_public_url("/webhooks/twilio/status"), **kwargs)
    except TransportError:
        raise
    except Exception as err:  # twilio, requests and JSON errors all become TransportError
        error = _transport_error(err)
        log.warning("twilio POST Messages outbox=%s to=%s -> failed (%s, permanent=%s) in %.0f ms",
                    outbox_id, mask(to), error, error.permanent, (time.monotonic() - started) * 1000)
        raise error from None
    log.info("twilio POST Messages outbox=%s to=%s media=%d template=%s -> %s in %.0f ms", outbox_id, mask(to),
             len(kwargs.get("media_url") or []), bool(kwargs.get("content_sid")), message.sid,
             (time.monotonic() - started) * 1000)
    return message.sid


# ---- the adapter ---------------------------------------------------------------------------------
class TwilioAdapter:
    """Sends outbox payloads as WhatsApp messages through Twilio's Messages API."""

    name = "twilio"
    # Buttons go out as a numbered text: in-session Twilio messages carry none without a
    # pre-approved Content template per button set.
    capabilities = Capabilities(text_max=MAX_BODY, caption_max=CAPTION_MAX, templates=True)

    def send(self, contact, payload: dict, outbox_id: int, tag: str | None = None) -> str:
        """Text (split at 1600), buttons as a numbered list, documents as a MediaUrl; the last sid.

        `tag` is Messenger's (message tags); WhatsApp has none, so it is ignored here.
        """
        to = "whatsapp:" + contact.external_id
        text = render(payload.get("text") or "", payload.get("buttons"), payload.get("numbered_text"))
        document = payload.get("document")
        if document:
            if not document.get("document_id"):
                raise TransportError("document has no stored file to link", permanent=True)
            text, caption = caption_rule(text, None, CAPTION_MAX)
            steps = [partial(_create, outbox_id, to, body=part) for part in split_text(text, MAX_BODY)]
            # The link Twilio fetches says nothing of the file: without a caption, name it.
            caption = caption or f"📄 {document.get('filename') or 'Dokumen'}"
            steps.append(lambda: _create(outbox_id, to, body=caption, media_url=[self.document_url(document)]))
            return send_in_parts(payload, steps)
        parts = split_text(text, MAX_BODY)
        if not parts:
            raise TransportError("nothing to send (empty payload)", permanent=True)
        # Parts go one after another: WhatsApp shows them in the order Twilio accepted them.
        return send_in_parts(payload, [partial(_create, outbox_id, to, body=part) for part in parts])

    def send_template(self, contact, template_cfg: dict, payload: dict, outbox_id: int) -> str:
        """An approved Content template (outside the 24-hour window): content_sid + variables."""
        content_sid = (template_cfg or {}).get("content_sid")
        if not content_sid:
            raise TransportError("template has no content_sid in config.yml", permanent=True)
        values = _template_values(contact, payload)
        # Twilio refuses empty variables: a blank or unknown value becomes "-".
        variables = {str(k): fill(str(v), values, empty="-", unknown="-")
                     for k, v in (template_cfg.get("variables") or {}).items()}
        kwargs = {"content_sid": content_sid}
        if variables:
            kwargs["content_variables"] = json.dumps(variables, ensure_ascii=False)
        return _create(outbox_id, "whatsapp:" + contact.external_id, **kwargs)

    def typing(self, contact, message_id: str | None = None) -> None:
        """No-op: Twilio offers no WhatsApp typing indicator through its REST API."""

    @staticmethod
    def document_url(document: dict) -> str:
        """The public signed link Twilio fetches the PDF from (served by /files/<token>)."""
        return _public_url(link_for(document["document_id"]))


def _template_values(contact, payload: dict) -> dict:
    """What a template variable may name: {ticket}, {name}, {filename}, {text}, {document_url},
    {document_path}, and those the payload carries in `values` (a visit reminder's {date}…)."""
    values = {**(payload.get("values") or {}), "name": contact.display_name or "Bapak/Ibu",
              "text": payload.get("text") or "-"}
    document = payload.get("document") or {}
    if payload.get("ticket"):
        values["ticket"] = payload["ticket"]
    if document.get("request_id") and "ticket" not in values:
        with db.new_session() as s:
            req = s.get(Request, document["request_id"])
            if req is not None:
                values["ticket"] = req.ticket
    if document.get("filename"):
        values["filename"] = document["filename"]
    if document.get("document_id"):
        url = TwilioAdapter.document_url(document)
        # Media templates take the part after the base URL registered with the template.
        values["document_url"], values["document_path"] = url, urlsplit(url).path.lstrip("/")
    return values


# ---- inbound media ---------------------------------------------------------------------------------
def _media_url(payload: dict) -> str:
    """The media URL of a stored message, refused unless it is our account's media on Twilio."""
    url = (payload or {}).get("media_url") or ""
    base = _config("TWILIO_API_BASE")
    try:
        parts = urlsplit(url)
        allowed = parts.scheme == "https" and parts.port in (None, 443) \
            and TWILIO_HOST.match(parts.hostname or "") is not None
        if base and not allowed:
            fake = urlsplit(base)
            allowed = (parts.scheme, parts.hostname, parts.port) == (fake.scheme, fake.hostname, fake.port)
    except ValueError:  # not even a URL (a bad port, an unclosed IPv6 bracket)
        parts, allowed = urlsplit(""), False
    sid = _config("TWILIO_ACCOUNT_SID") or ""
    # Our credentials only ever go to our own account's Media resources (no SSRF from a webhook).
    path = re.fullmatch(rf"/2010-04-01/Accounts/{re.escape(sid)}/Messages/[A-Za-z0-9]+/Media/[A-Za-z0-9]+", parts.path)
    if not (allowed and sid and path and not parts.query and not parts.fragment):
        log.warning("twilio media URL refused: not a Media resource of this account on Twilio")
        raise TransportError("media URL is not a Twilio media URL of this account", permanent=True)
    return url


def _auth() -> tuple[str, str]:
    """Basic-auth credentials for Twilio media."""
    return _config("TWILIO_ACCOUNT_SID"), _config("TWILIO_AUTH_TOKEN")


def fetch(payload: dict) -> tuple[bytes, str | None, str | None]:
    """Download a message's media (basic auth, redirects followed, 16 MB cap): bytes, name, type."""
    started = time.monotonic()
    timeout = float(_config("TWILIO_TIMEOUT", 10))
    try:
        url = _media_url(payload)
        # httpx drops the Authorization header when a redirect leaves the origin (Twilio's CDN).
        with httpx.Client(auth=_auth(), timeout=timeout, follow_redirects=True, max_redirects=5) as http, \
                http.stream("GET", url) as response:
            if response.status_code != 200:
                raise TransportError(f"media download answered HTTP {response.status_code}",
                                     permanent=400 <= response.status_code < 500)
            declared = int(response.headers.get("content-length") or 0)
            if declared > MAX_MEDIA_BYTES:
                raise TransportError("media larger than 16 MB", permanent=True)
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_MEDIA_BYTES:  # the header may lie or be absent: count as we go
                    raise TransportError("media larger than 16 MB", permanent=True)
                chunks.append(chunk)
            content_type = (response.headers.get("content-type") or "").split(";")[0].strip() or None
            filename = _filename(response.headers.get("content-disposition"))
    except httpx.HTTPError as err:
        log.warning("twilio GET media -> %s after %.0f ms", type(err).__name__, (time.monotonic() - started) * 1000)
        raise TransportError(f"media download failed: {type(err).__name__}") from None
    except TransportError as err:
        log.warning("twilio GET media -> %s", err)
        raise
    log.info("twilio GET media -> %d bytes %s in %.0f ms", size, content_type or "?",
             (time.monotonic() - started) * 1000)
    return b"".join(chunks), filename, content_type or (payload or {}).get("media_type")


def _filename(disposition: str | None) -> str | None:
    """The filename of a Content-Disposition header, if any."""
    match = re.search(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', disposition or "", re.IGNORECASE)
    return match.group(1).strip() if match else None


def delete(payload: dict) -> None:
    """Delete Twilio's copy of a message's media once ours is stored (privacy: no copy left behind)."""
    url = _media_url(payload)
    with httpx.Client(auth=_auth(), timeout=float(_config("TWILIO_TIMEOUT", 10))) as http:
        response = http.delete(url)
    # 404: already gone, which is what we wanted.
    if response.status_code not in (200, 204, 404):
        log.warning("twilio DELETE media -> HTTP %s", response.status_code)
        raise TransportError(f"media delete answered HTTP {response.status_code}")
    log.info("twilio DELETE media -> HTTP %s", response.status_code)


def discard_media(media_url: str) -> None:
    """Job: delete media we never download (voice notes, videos, stickers) from Twilio."""
    try:
        delete({"media_url": media_url})
    except (TransportError, httpx.HTTPError) as err:
        log.warning("could not discard twilio media: %s", type(err).__name__)
