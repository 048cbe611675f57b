"""A thin Graph API client on httpx, shared by the WhatsApp Cloud API and the Messenger Send API.

Every call is logged with its method, path, status, Meta's error code and duration: never the
token (it travels in the Authorization header, never in a URL), never a message text, never a
full recipient id (see `bot.core.privacy.mask_id`). Failures become `TransportError`; `permanent` says whether a retry
could ever help (see `is_permanent` for the code tables and where they come from).
"""
import logging
import time
from urllib.parse import urljoin, urlsplit

import httpx
from flask import current_app

from bot.core.privacy import mask_id as mask
from delivery.channels.base import TransportError

log = logging.getLogger(__name__)

# WhatsApp media messages are at most 16 MB (docs/providers.md §1.4); Messenger files 25 MB, but no
# citizen photo we accept is near either, so one limit keeps a stray video from filling memory.
MEDIA_MAX_BYTES = 16 * 1024 * 1024
MAX_REDIRECTS = 3

# Meta error codes that say "try again later": throttling and temporary faults. Meta's Graph API
# error reference: 1 unknown, 2 service unavailable, 4 app rate limit, 17 user rate limit,
# 32 page rate limit, 613 call rate limit, 1200 Messenger "temporary send failure"; WhatsApp
# Cloud API error codes: 130429 throughput, 131048 spam rate limit, 131056 pair rate limit
# (docs/providers.md §2.7 names 130429 and the pair-rate errors), 131000 and 131016 temporary faults,
# 80007 WABA rate limit. 190 (expired or invalid token) is here too: an operator can fix the
# token while the backoff schedule (≈40 min) still holds the message.
TRANSIENT_CODES = {1, 2, 4, 17, 32, 190, 613, 1200, 80007, 130429, 131000, 131016, 131048, 131056}

# Codes where retrying cannot help; any other 4xx answer is treated the same way, because Meta
# only answers 4xx when the request itself (recipient, content, permission) is refused.
PERMANENT_CODES = {
    # WhatsApp: 131026 undeliverable, 131047 re-engagement (outside the 24 h window, §2.7),
    # 131051 unsupported type, 131021 recipient is the sender, 131008/131009 bad parameter,
    # 131031 account locked, 131062 BSUID recipient not supported, 132000-132016 template errors.
    "whatsapp": {100, 131008, 131009, 131021, 131026, 131031, 131047, 131051, 131062,
                 132000, 132001, 132005, 132007, 132012, 132015, 132016, 368},
    # Messenger: 551 / subcode 1545041 "this person isn't available", 10 and 200 permission
    # (e.g. outside the window without a tag, §3 "Windows and tags"), 100 invalid recipient,
    # subcodes 2018001 "no matching user", 2018108 and 2018278 window/policy refusals.
    "messenger": {10, 100, 200, 230, 551, 1545041, 2018001, 2018108, 2018278},
}


def is_permanent(channel: str, status: int, code: int | None, subcode: int | None = None) -> bool:
    """Whether a Graph API failure can never succeed on retry."""
    known = PERMANENT_CODES.get(channel, set())
    if code in known or subcode in known:
        return True
    if code in TRANSIENT_CODES or status == 429 or status >= 500 or status == 408:
        return False
    return 400 <= status < 500


def closes_window(code: int | None, subcode: int | None = None) -> bool:
    """Meta's "outside the messaging window" refusals: WhatsApp 131047 (re-engagement, docs/providers.md
    §2.7) and Messenger's 10 / 2018278 (message sent outside the allowed window)."""
    return code == 131047 or (code == 10 and subcode == 2018278)


class GraphAPIError(TransportError):
    """A failed Graph API call, with Meta's error code kept for callers and tests."""

    def __init__(self, message: str, permanent: bool, status: int | None = None,
                 code: int | None = None, subcode: int | None = None):
        """Keep Meta's HTTP status, code and subcode next to the message."""
        super().__init__(message, permanent=permanent, window_closed=closes_window(code, subcode))
        self.status, self.code, self.subcode = status, code, subcode


class GraphClient:
    """Calls `GRAPH_API_BASE/GRAPH_API_VERSION/...` with one bearer token."""

    def __init__(self, base: str, version: str, token: str | None, *, channel: str, timeout: float = 15.0):
        """A client for one token; connecting gets at most 5 s of the timeout."""
        self.base, self.version, self.token = base.rstrip("/"), version.strip("/"), token
        self.channel, self.timeout = channel, httpx.Timeout(timeout, connect=min(timeout, 5.0))

    @classmethod
    def from_config(cls, token_setting: str, channel: str) -> "GraphClient":
        """A client configured from the current app (token by setting name)."""
        config = current_app.config
        return cls(config.get("GRAPH_API_BASE") or "https://graph.facebook.com",
                   config.get("GRAPH_API_VERSION") or "v25.0", config.get(token_setting),
                   channel=channel, timeout=float(config.get("GRAPH_TIMEOUT_SECONDS", 15.0)))

    @property
    def host(self) -> str:
        """The Graph API host (a fake's host in tests and demos)."""
        return urlsplit(self.base).hostname or ""

    def url(self, path: str) -> str:
        """The full URL of a versioned Graph path."""
        return f"{self.base}/{self.version}/{path.lstrip('/')}"

    def _headers(self) -> dict:
        """The bearer header; a missing token is a configuration fault worth retrying after."""
        if not self.token:
            raise GraphAPIError(f"{self.channel}: access token is not configured", permanent=False)
        return {"Authorization": f"Bearer {self.token}"}

    def post_json(self, path: str, body: dict, *, what: str, recipient: str | None = None) -> dict:
        """POST a JSON body; returns Meta's JSON answer."""
        return self._call("POST", path, what, recipient, json=body)

    def post_multipart(self, path: str, data: dict, files: dict, *, what: str,
                       recipient: str | None = None) -> dict:
        """POST a multipart form (media upload, Messenger file attachment)."""
        return self._call("POST", path, what, recipient, data=data, files=files)

    def get_json(self, path: str, *, what: str, params: dict | None = None) -> dict:
        """GET a Graph object as JSON."""
        return self._call("GET", path, what, None, params=params)

    def delete(self, path: str, *, what: str, params: dict | None = None) -> dict:
        """DELETE a Graph object."""
        return self._call("DELETE", path, what, None, params=params)

    def _call(self, method: str, path: str, what: str, recipient: str | None, **kwargs) -> dict:
        """One request with the bearer token; logs it, maps failures to GraphAPIError, returns JSON."""
        headers = self._headers()
        started = time.monotonic()
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                response = client.request(method, self.url(path), headers=headers, **kwargs)
        except httpx.TimeoutException:
            self._log(method, path, what, recipient, "timeout", started)
            raise GraphAPIError(f"{what}: timeout", permanent=False) from None
        except httpx.HTTPError as err:
            self._log(method, path, what, recipient, type(err).__name__, started)
            raise GraphAPIError(f"{what}: {type(err).__name__}", permanent=False) from None
        code, subcode, message = _error_fields(response)
        self._log(method, path, what, recipient, response.status_code, started, code)
        if not 200 <= response.status_code < 300:
            permanent = is_permanent(self.channel, response.status_code, code, subcode)
            detail = f"{what}: HTTP {response.status_code}" + (f" code {code}" if code else "") + \
                     (f"/{subcode}" if subcode else "") + (f" ({message[:160]})" if message else "")
            raise GraphAPIError(detail, permanent, response.status_code, code, subcode)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise GraphAPIError(f"{what}: answer is not a JSON object", permanent=False)
        return answer

    def download(self, url: str, *, allowed_hosts: tuple[str, ...], bearer: bool,
                 max_bytes: int = MEDIA_MAX_BYTES) -> tuple[bytes, str | None]:
        """Stream a media URL on an allowed host, at most `max_bytes`; returns (bytes, type)."""
        first_host = urlsplit(url).hostname
        for _ in range(MAX_REDIRECTS + 1):
            self._check_host(url, allowed_hosts)
            # The token goes only to the host Meta named: never to where a redirect points.
            headers = self._headers() if bearer and urlsplit(url).hostname == first_host else {}
            started = time.monotonic()
            try:
                with httpx.Client(timeout=self.timeout, follow_redirects=False) as client, \
                        client.stream("GET", url, headers=headers) as response:
                    if response.is_redirect and response.headers.get("location"):
                        self._log("GET", urlsplit(url).hostname, "media redirect", None, response.status_code, started)
                        url = urljoin(url, response.headers["location"])
                        continue
                    self._log("GET", urlsplit(url).hostname, "media download", None, response.status_code, started)
                    if response.status_code != 200:
                        raise GraphAPIError(f"media download: HTTP {response.status_code}",
                                            permanent=response.status_code in (401, 403, 404, 410),
                                            status=response.status_code)
                    declared = int(response.headers.get("content-length") or 0)
                    if declared > max_bytes:
                        raise GraphAPIError("media download: file too large", permanent=True)
                    data = bytearray()
                    for chunk in response.iter_bytes():
                        data += chunk
                        if len(data) > max_bytes:
                            raise GraphAPIError("media download: file too large", permanent=True)
                    return bytes(data), response.headers.get("content-type")
            except httpx.TimeoutException:
                raise GraphAPIError("media download: timeout", permanent=False) from None
            except httpx.HTTPError as err:
                raise GraphAPIError(f"media download: {type(err).__name__}", permanent=False) from None
        raise GraphAPIError("media download: too many redirects", permanent=True)

    def _check_host(self, url: str, allowed_hosts: tuple[str, ...]) -> None:
        """Refuse URLs off Meta's media hosts (SSRF): https only, except the configured Graph host."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host and host == self.host.lower() and parts.scheme in ("http", "https"):
            return  # our own GRAPH_API_BASE: Meta itself, or the local fake in tests and demos
        allowed = parts.scheme == "https" and any(
            host == h or (h.startswith(".") and host.endswith(h)) for h in allowed_hosts)
        if not allowed:
            log.warning("%s media URL refused: host %s is not a Meta media host", self.channel, host or "-")
            raise GraphAPIError("media download: host not allowed", permanent=True)

    def _log(self, method, path, what, recipient, outcome, started, code=None) -> None:
        """One line per provider call: no token, no text, the recipient masked."""
        log.info("graph %s %s %s %s to=%s -> %s%s in %d ms", self.channel, what, method,
                 _redact(path), mask(recipient), outcome, f" code={code}" if code else "",
                 (time.monotonic() - started) * 1000)


def _redact(path: str) -> str:
    """A path without its query string (where signed CDN URLs and tokens would live)."""
    return str(path).split("?", 1)[0]


def _error_fields(response: httpx.Response) -> tuple[int | None, int | None, str | None]:
    """Meta's {"error": {"code", "error_subcode", "message"}} of a failed answer, if any."""
    if response.status_code < 400:
        return None, None, None
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return None, None, None
    if not isinstance(error, dict):
        return None, None, None

    def as_int(value):
        """Meta's codes as ints (they are sometimes strings)."""
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    return as_int(error.get("code")), as_int(error.get("error_subcode")), error.get("message")
