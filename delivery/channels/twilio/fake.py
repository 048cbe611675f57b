"""A fake Twilio REST API (Messages and Media) and signed-webhook helpers, for tests and demos.

It answers our outbound calls the way api.twilio.com does: `POST .../Messages.json` with HTTP
basic auth returns a Message resource (201, an `SM…` sid) and records it; inbound media lives at
`.../Messages/<MM…>/Media/<ME…>` behind basic auth (optionally redirecting to a "CDN" on another
origin, as Twilio does) and can be deleted. Failures are scripted through the shared `state`:

    state["failures"].append({"status": 429, "code": 20429})   # next call only (FIFO)
    state["failures"].append({"delay": 2.0})                    # next call answers late
    state["fail_to"]["whatsapp:+628..."] = {"status": 400, "code": 21211}   # every call to it
    state["media_failures"][media_sid] = 500                    # that media answers 500

Demos seed inbound media with `POST /_fake/twilio/media` (multipart `file`), which answers the
`media_url` to put in a webhook's MediaUrl0.

Serve it with `serve(state)` (a thread, real HTTP), inside pytest-httpserver with
`httpserver.expect_request(re.compile(".*")).respond_with_handler(wsgi_handler(create_app(state)))`,
or from `python -m delivery.fakes`.
"""
import secrets
import threading
import time
import uuid
from email.utils import formatdate
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, jsonify, redirect, request
from twilio.request_validator import RequestValidator

from delivery.fakes.server import LoopbackServer

API = "/2010-04-01/Accounts/<account_sid>"
DEFAULT_SID = "AC" + "f" * 32
DEFAULT_TOKEN = "fake-twilio-auth-token"
DEFAULT_FROM = "whatsapp:+14155238886"  # Twilio's WhatsApp sandbox number
# Twilio's own error texts for what the fake checks (https://www.twilio.com/docs/api/errors/<code>).
ERRORS = {
    20003: "Authenticate", 20404: "The requested resource was not found", 20429: "Too Many Requests",
    20500: "Internal Server Error", 21211: "Invalid 'To' Phone Number", 21602: "Message body is required.",
    21603: "A 'From' phone number is required.", 21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    63003: "Channel could not find To address",
    63016: "Failed to send freeform message because you are outside the allowed window.",
}


def new_state(account_sid: str = DEFAULT_SID, auth_token: str = DEFAULT_TOKEN, auto_status: bool = False) -> dict:
    """Fresh fake-provider state: credentials, recorded calls, stored media, scripted failures.

    With auto_status, each accepted message is followed by signed "sent" and "delivered"
    callbacks to its StatusCallback, as Twilio does (for demos; tests call the route themselves).
    """
    return {"account_sid": account_sid, "auth_token": auth_token, "messages": [], "attempts": 0,
            "failures": [], "fail_to": {}, "media": {}, "media_failures": {}, "deleted": [],
            "media_gets": 0, "cdn_auth_seen": [], "redirect_media": False, "auto_status": auto_status,
            "lock": threading.Lock()}


def sid(prefix: str) -> str:
    """A Twilio-shaped sid: two letters and 32 hex digits."""
    return prefix + uuid.uuid4().hex


def add_media(state: dict, data: bytes, content_type: str, message_sid: str | None = None) -> str:
    """Store an inbound file as Twilio would; returns its Media path (append to the API base)."""
    message_sid, media_sid = message_sid or sid("MM"), sid("ME")
    with state["lock"]:
        state["media"][media_sid] = {"message_sid": message_sid, "data": data, "content_type": content_type}
    return f"/2010-04-01/Accounts/{state['account_sid']}/Messages/{message_sid}/Media/{media_sid}"


def _error(status: int, code: int | None = None, message: str | None = None) -> Response:
    """A Twilio-style JSON error body."""
    code = code or {401: 20003, 404: 20404, 429: 20429}.get(status, 20500)
    response = jsonify({"code": code, "message": message or ERRORS.get(code, "Error"),
                        "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status})
    response.status_code = status
    return response


def _authorised(state: dict, account_sid: str) -> bool:
    """HTTP basic auth with the account's sid and token, for the account in the path."""
    auth = request.authorization
    return (auth is not None and auth.type == "basic" and account_sid == state["account_sid"]
            and auth.username == state["account_sid"] and auth.password == state["auth_token"])


def _message_resource(state: dict, record: dict) -> dict:
    """The Message JSON Twilio answers a create with."""
    now = formatdate(usegmt=True).replace("GMT", "+0000")
    uri = f"/2010-04-01/Accounts/{state['account_sid']}/Messages/{record['sid']}"
    return {"account_sid": state["account_sid"], "api_version": "2010-04-01", "body": record["Body"] or "",
            "date_created": now, "date_sent": None, "date_updated": now, "direction": "outbound-api",
            "error_code": None, "error_message": None, "from": record["From"], "messaging_service_sid": None,
            "num_media": str(len(record["MediaUrl"])), "num_segments": "1", "price": None, "price_unit": "USD",
            "sid": record["sid"], "status": "queued", "to": record["To"], "uri": uri + ".json",
            "subresource_uris": {"media": uri + "/Media.json", "feedback": uri + "/Feedback.json"}}


def create_blueprint(state: dict) -> Blueprint:
    """The fake API's routes, bound to one state dict."""
    bp = Blueprint("fake_twilio", __name__)

    @bp.post(f"{API}/Messages.json")
    def create_message(account_sid: str):
        """Validate and record one outbound message, or answer a scripted failure."""
        with state["lock"]:
            state["attempts"] += 1
            failure = state["failures"].pop(0) if state["failures"] else None
        if not _authorised(state, account_sid):
            return _error(401)
        form = request.form
        failure = failure or state["fail_to"].get(form.get("To", ""))
        if failure and failure.get("delay"):
            time.sleep(failure["delay"])  # the client has given up by now: a timeout on its side
        elif failure:
            return _error(failure["status"], failure.get("code"), failure.get("message"))
        to, from_, body = form.get("To"), form.get("From"), form.get("Body")
        media, content_sid = form.getlist("MediaUrl"), form.get("ContentSid")
        if not to:
            return _error(400, 21604)
        if not from_:
            return _error(400, 21603)
        if from_.startswith("whatsapp:") and not (to.startswith("whatsapp:+") and to[10:].isdigit()):
            return _error(400, 21211)
        if not (body or media or content_sid):
            return _error(400, 21602)
        if body and len(body) > 1600:
            return _error(400, 21617)
        record = {"sid": sid("SM"), "To": to, "From": from_, "Body": body, "MediaUrl": media,
                  "ContentSid": content_sid, "ContentVariables": form.get("ContentVariables"),
                  "StatusCallback": form.get("StatusCallback"), "form": form.to_dict(flat=False),
                  "at": time.time()}
        with state["lock"]:
            state["messages"].append(record)
        if state.get("auto_status") and record["StatusCallback"]:
            threading.Thread(target=_report_statuses, args=(state, record), daemon=True).start()
        response = jsonify(_message_resource(state, record))
        response.status_code = 201
        return response

    @bp.route(f"{API}/Messages/<message_sid>/Media/<media_sid>", methods=["GET", "DELETE"])
    def media(account_sid: str, message_sid: str, media_sid: str):
        """Serve (behind basic auth) or delete one inbound media file."""
        if not _authorised(state, account_sid):
            return _error(401)
        media_sid = media_sid.removesuffix(".json")
        item = state["media"].get(media_sid)
        if item is None or item["message_sid"] != message_sid:
            return _error(404)
        if request.method == "DELETE":
            with state["lock"]:
                state["media"].pop(media_sid, None)
                state["deleted"].append(media_sid)
            return Response(status=204)
        with state["lock"]:
            state["media_gets"] += 1
        if media_sid in state["media_failures"]:
            return _error(state["media_failures"][media_sid])
        if state["redirect_media"]:
            # Twilio answers 302 to a signed CDN URL on another host; "localhost" vs "127.0.0.1"
            # makes it another origin here, so a client must not carry our credentials there.
            parts = urlsplit(request.host_url)
            other = "localhost" if parts.hostname != "localhost" else "127.0.0.1"
            return redirect(f"{parts.scheme}://{other}:{parts.port}/fake-cdn/{media_sid}?sig={secrets.token_hex(8)}")
        return Response(item["data"], mimetype=item["content_type"])

    @bp.post("/_fake/twilio/media")
    def seed_media():
        """Store an uploaded file as inbound media (multipart `file`); answers its MediaUrl."""
        upload = request.files.get("file")
        if upload is None:
            return _error(400, 21602, "multipart field 'file' is required")
        path = add_media(state, upload.read(), upload.mimetype or "application/octet-stream")
        return jsonify({"media_url": request.host_url.rstrip("/") + path, "content_type": upload.mimetype})

    @bp.get("/fake-cdn/<media_sid>")
    def cdn(media_sid: str):
        """The redirect target: a pre-signed URL needs (and should get) no credentials."""
        with state["lock"]:
            state["cdn_auth_seen"].append(request.authorization is not None)
        item = state["media"].get(media_sid)
        if item is None:
            return _error(404)
        return Response(item["data"], mimetype=item["content_type"])

    return bp


def create_app(state: dict | None = None) -> Flask:
    """A Flask app serving only the fake API (for `serve`, pytest-httpserver or the command)."""
    app = Flask("fake_twilio")
    app.config["FAKE_STATE"] = state if state is not None else new_state()
    app.register_blueprint(create_blueprint(app.config["FAKE_STATE"]))
    return app


def wsgi_handler(app: Flask):
    """A pytest-httpserver handler that runs a request through `app` (it has read the body)."""
    import io

    def handle(req):
        """Replay the already-read request through the fake's WSGI app."""
        data = req.get_data()
        environ = {**req.environ, "wsgi.input": io.BytesIO(data), "CONTENT_LENGTH": str(len(data))}
        return Response.from_app(app.wsgi_app, environ)
    return handle


class FakeServer(LoopbackServer):
    """This fake API on a real loopback port, in a daemon thread."""

    new_state = staticmethod(new_state)
    create_app = staticmethod(create_app)

    def env(self) -> dict:
        """The environment variables (docs/contracts.md) that point our app at this fake."""
        return {"TWILIO_ACCOUNT_SID": self.state["account_sid"], "TWILIO_AUTH_TOKEN": self.state["auth_token"],
                "TWILIO_WHATSAPP_FROM": DEFAULT_FROM, "TWILIO_API_BASE": self.url}

    def reset(self) -> None:
        """Forget recorded calls, media and scripted failures (credentials stay)."""
        with self.state["lock"]:
            for key in ("messages", "failures", "deleted", "cdn_auth_seen"):
                self.state[key].clear()
            for key in ("fail_to", "media", "media_failures"):
                self.state[key].clear()
            self.state.update(attempts=0, media_gets=0, redirect_media=False, auto_status=False)


def serve(state: dict | None = None, host: str = "127.0.0.1", port: int = 0) -> FakeServer:
    """Start the fake API on host:port (0: a free port); `.url`, `.state`, `.stop()`."""
    return FakeServer(state, host, port)


_shared: FakeServer | None = None
_shared_lock = threading.Lock()


def shared_server() -> FakeServer:
    """One fake per process, for a test session whose worker subprocess needs its URL up front."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = FakeServer()
        return _shared


# ---- the other direction: Twilio calling our app ------------------------------------------------
def signed_webhook(url: str, params: dict, auth_token: str) -> dict:
    """The headers Twilio sends with a webhook to `url` (the public URL it was configured with)."""
    return {"X-Twilio-Signature": RequestValidator(auth_token).compute_signature(url, params),
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()), "User-Agent": "TwilioProxy/1.1"}


def inbound_params(from_: str, body: str = "", *, to: str = DEFAULT_FROM, account_sid: str = DEFAULT_SID,
                   message_sid: str | None = None, media: list[tuple[str, str]] | None = None,
                   profile_name: str | None = "Warga Uji", **extra) -> dict:
    """The form of a WhatsApp message webhook (From/To as `whatsapp:+E164`), like Twilio's."""
    from_ = from_ if from_.startswith("whatsapp:") else f"whatsapp:{from_}"
    media = media or []
    params = {"SmsMessageSid": "", "NumMedia": str(len(media)), "ProfileName": profile_name or "",
              "MessageType": "text", "SmsSid": "", "WaId": from_.removeprefix("whatsapp:+"),
              "SmsStatus": "received", "Body": body, "To": to, "NumSegments": "1", "ReferralNumMedia": "0",
              "MessageSid": message_sid or sid("SM" if not media else "MM"), "AccountSid": account_sid,
              "From": from_, "ApiVersion": "2010-04-01"}
    params["SmsMessageSid"] = params["SmsSid"] = params["MessageSid"]
    for i, (url, content_type) in enumerate(media):
        params[f"MediaUrl{i}"], params[f"MediaContentType{i}"] = url, content_type
    if media:
        params["MessageType"] = "document" if media[0][1] == "application/pdf" else media[0][1].split("/")[0]
    if profile_name is None:
        del params["ProfileName"]
    params.update({k: str(v) for k, v in extra.items()})
    return params


def send_inbound(app_url: str, auth_token: str, from_: str, body: str, media_url: str | None = None, *,
                 media_type: str = "image/jpeg", public_url: str | None = None, **extra) -> int:
    """POST a correctly signed WhatsApp message webhook to our app; returns the HTTP status."""
    import httpx

    url = app_url.rstrip("/") + "/webhooks/twilio"
    params = inbound_params(from_, body, media=[(media_url, media_type)] if media_url else None, **extra)
    signed_for = (public_url.rstrip("/") + "/webhooks/twilio") if public_url else url
    with httpx.Client(timeout=15) as client:
        return client.post(url, data=params, headers=signed_webhook(signed_for, params, auth_token)).status_code


def send_status(callback_url: str, auth_token: str, message_sid: str, status: str, *,
                error_code: int | None = None, account_sid: str = DEFAULT_SID, signed_for: str | None = None) -> int:
    """POST a signed status callback (sent, delivered, read, failed, undelivered) to our app."""
    import httpx

    params = {"MessageSid": message_sid, "SmsSid": message_sid, "MessageStatus": status, "SmsStatus": status,
              "AccountSid": account_sid, "ApiVersion": "2010-04-01", "ChannelPrefix": "whatsapp"}
    if error_code is not None:
        params["ErrorCode"] = str(error_code)
    with httpx.Client(timeout=15) as client:
        headers = signed_webhook(signed_for or callback_url, params, auth_token)
        return client.post(callback_url, data=params, headers=headers).status_code


def _report_statuses(state: dict, record: dict) -> None:
    """Post 'sent' then 'delivered' for a message, as Twilio does (the demo command's auto mode)."""
    for status in ("sent", "delivered"):
        time.sleep(0.2)
        try:
            send_status(record["StatusCallback"], state["auth_token"], record["sid"], status,
                        account_sid=state["account_sid"])
        except Exception:  # the app may be down in a demo; a missing callback is harmless
            return

