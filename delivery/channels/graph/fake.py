"""A fake Graph API (WhatsApp Cloud API + Messenger Send API) and signed-webhook helpers.

It answers the calls our Meta channels make, checks them the way Graph does (bearer token, the
limits of docs/providers.md §2.6/§3), and records them:

    POST /{ver}/{phone_id}/messages      WhatsApp send, mark-read/typing  → {"messages": [{"id": "wamid…"}]}
    POST /{ver}/{phone_id}/media         multipart upload (file, type, messaging_product) → {"id"}
    GET  /{ver}/{media_id}               → {url, mime_type, sha256, file_size, id}
    GET  /_fake/lookaside/{media_id}     the media URL: bytes, bearer token required
    DELETE /{ver}/{media_id}             → {"success": true}
    POST /{ver}/me/messages              Messenger send: JSON, or multipart with `filedata`
    GET  /_fake/cdn/{media_id}           a Messenger attachment URL (pre-signed: no token)
    GET  /_fake/messages                 what the fake received (JSON; ?channel=whatsapp|messenger)
    POST /_fake/media  /_fake/fail  /_fake/reset    seed inbound media, script failures, forget

Failures are scripted through the shared state, FIFO, per kind of call ("send", "typing" (a
read receipt or sender action), "upload", "media", "any"):

    fail(state, "429")                         # the next send answers 429 (code 4)
    fail(state, "timeout", on="upload")        # the next upload answers after FAIL_DELAY seconds
    fail(state, "500", after=1)                # the send after the next one answers 500
    fail(state, "messenger_unavailable")       # 551 / 1545041: this person isn't available
    state["media_failures"][media_id] = 500    # that media URL answers 500
"""
import hashlib
import hmac
import json
import secrets
import threading
import time

from flask import Blueprint, Flask, Response, jsonify, request

from delivery.fakes.server import LoopbackServer

DEFAULT_APP_SECRET = "fake-meta-app-secret"
DEFAULT_VERIFY_TOKEN = "fake-meta-verify-token"
DEFAULT_WHATSAPP_TOKEN = "fake-whatsapp-token"
DEFAULT_PAGE_TOKEN = "fake-messenger-page-token"
DEFAULT_PHONE_NUMBER_ID = "106540352242922"
DEFAULT_DISPLAY_PHONE = "6285250001234"
DEFAULT_WABA_ID = "102290129340398"
DEFAULT_PAGE_ID = "1234567890123"
DEFAULT_VERSION = "v25.0"
FAIL_DELAY = 3.0

# The Messenger message tags (docs/providers.md §3) a MESSAGE_TAG send may carry.
MESSAGE_TAGS = {"HUMAN_AGENT", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"}
# Scripted failures, shaped like Graph's error answers.
FAILURES = {
    "429": {"status": 429, "code": 4, "message": "(#4) Application request limit reached"},
    "500": {"status": 500, "code": 2, "message": "Service temporarily unavailable"},
    "timeout": {"delay": FAIL_DELAY},
    "messenger_unavailable": {"status": 400, "code": 551, "subcode": 1545041,
                              "message": "This person isn't available right now."},
    "whatsapp_undeliverable": {"status": 400, "code": 131026, "message": "Message Undeliverable."},
    "whatsapp_reengagement": {"status": 400, "code": 131047,
                              "message": "Re-engagement message: more than 24 hours have passed."},
}


def new_state(**overrides) -> dict:
    """Fresh fake state: credentials, recorded calls, stored media, scripted failures."""
    state = {"app_secret": DEFAULT_APP_SECRET, "verify_token": DEFAULT_VERIFY_TOKEN,
             "whatsapp_token": DEFAULT_WHATSAPP_TOKEN, "page_token": DEFAULT_PAGE_TOKEN,
             "phone_number_id": DEFAULT_PHONE_NUMBER_ID, "version": DEFAULT_VERSION,
             "calls": [], "attempts": 0, "failures": [], "media": {}, "media_failures": {},
             "deleted": [], "media_auth_seen": [], "lock": threading.Lock()}
    state.update(overrides)
    return state


def fail(state: dict, mode: str | dict, times: int = 1, on: str = "send", after: int = 0) -> None:
    """Make the next `times` calls of kind `on` fail in `mode` (a FAILURES name or a dict),
    once `after` calls of that kind have passed (to fail a message in the middle of a row)."""
    failure = dict(FAILURES[mode] if isinstance(mode, str) else mode, on=on)
    with state["lock"]:
        state["failures"].extend(dict(failure, after=after if i == 0 else 0) for i in range(times))


def add_media(state: dict, data: bytes, mime_type: str, filename: str | None = None) -> str:
    """Store an inbound file as Meta holds it; returns its media id."""
    media_id = str(10**15 + secrets.randbelow(10**15))
    with state["lock"]:
        state["media"][media_id] = {"data": data, "mime_type": mime_type, "filename": filename,
                                    "sha256": hashlib.sha256(data).hexdigest()}
    return media_id


def _error(status: int, code: int, message: str, subcode: int | None = None) -> Response:
    """A Graph API error answer."""
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": secrets.token_urlsafe(9)}
    if subcode:
        error["error_subcode"] = subcode
    response = jsonify({"error": error})
    response.status_code = status
    return response


def _bearer() -> str | None:
    """The token of the request: Authorization: Bearer, or ?access_token= (Messenger's way)."""
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return auth[7:]
    return request.args.get("access_token")


def _version_ok(ver: str) -> bool:
    """Graph versions look like v25.0."""
    return ver.startswith("v") and ver[1:].replace(".", "").isdigit()


def _record(state: dict, call: dict) -> dict:
    """Keep a call in the log with its time and order."""
    call = {"n": None, "at": time.time(), **call}
    with state["lock"]:
        call["n"] = len(state["calls"])
        state["calls"].append(call)
    return call


def _scripted(state: dict, kind: str) -> Response | None:
    """Apply the next scripted failure for this kind of call, if one is queued."""
    with state["lock"]:
        state["attempts"] += 1
        index = next((i for i, f in enumerate(state["failures"]) if f["on"] in (kind, "any")), None)
        if index is not None and state["failures"][index].get("after"):
            state["failures"][index]["after"] -= 1  # this call still passes
            index = None
        failure = state["failures"].pop(index) if index is not None else None
    if failure is None:
        return None
    if failure.get("delay"):
        time.sleep(failure["delay"])  # the client has given up by now: a timeout on its side
        # Nothing is recorded: a late "sent" would leak into whatever the fake is asked next.
        return _error(503, 2, "Service temporarily unavailable (answered too late)")
    return _error(failure["status"], failure["code"], failure.get("message", "error"), failure.get("subcode"))


# ---- what Graph would refuse ----------------------------------------------------------------
def whatsapp_problem(body: dict) -> str | None:
    """Why the Cloud API would refuse this /messages body (None: it would accept it)."""
    if body.get("messaging_product") != "whatsapp":
        return "messaging_product must be whatsapp"
    if body.get("status") == "read":
        return None if body.get("message_id") else "message_id is required"
    if not (body.get("to") or body.get("recipient")):
        return "to or recipient is required"
    kind = body.get("type")
    if kind == "text":
        text = (body.get("text") or {}).get("body") or ""
        return None if 0 < len(text) <= 4096 else "text.body must be 1-4096 characters"
    if kind == "interactive":
        return _interactive_problem(body.get("interactive") or {})
    if kind == "document":
        doc = body.get("document") or {}
        if not (doc.get("id") or doc.get("link")):
            return "document.id or document.link is required"
        return None if len(doc.get("caption") or "") <= 1024 else "caption is longer than 1024"
    if kind == "image":
        image = body.get("image") or {}
        if not (image.get("id") or image.get("link")):
            return "image.id or image.link is required"
        return None if len(image.get("caption") or "") <= 1024 else "caption is longer than 1024"
    if kind == "template":
        template = body.get("template") or {}
        if not (template.get("name") and (template.get("language") or {}).get("code")):
            return "template name/language"
        buttons = [c for c in template.get("components") or [] if c.get("type") == "button"]
        if any(b.get("sub_type") != "quick_reply" or not str(b.get("index", "")).isdigit()
               or [p.get("type") for p in b.get("parameters") or []] != ["payload"] for b in buttons):
            return "a button component needs sub_type quick_reply, an index and one payload parameter"
        return None
    return f"unsupported type {kind!r}"


def _interactive_problem(interactive: dict) -> str | None:
    """The reply-button and list limits of docs/providers.md §2.6."""
    body = (interactive.get("body") or {}).get("text") or ""
    if not 0 < len(body) <= 1024:
        return "interactive body must be 1-1024 characters"
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = action.get("buttons") or []
        titles = [b["reply"]["title"] for b in buttons]
        if not 1 <= len(buttons) <= 3 or any(len(t) > 20 for t in titles) or len(set(titles)) != len(titles) \
                or any(len(b["reply"]["id"]) > 256 for b in buttons):
            return "1-3 buttons with unique titles of at most 20 characters"
        return None
    if interactive.get("type") == "list":
        rows = [r for s in action.get("sections") or [] for r in s.get("rows") or []]
        if not 1 <= len(rows) <= 10 or len(action.get("button") or "") > 20 \
                or any(len(r["title"]) > 24 or len(r.get("description") or "") > 72 or len(r["id"]) > 200 for r in rows):
            return "1-10 rows (title ≤24, description ≤72, id ≤200), button label ≤20"
        return None
    return "interactive type must be button or list"


def messenger_problem(body: dict) -> str | None:
    """Why the Send API would refuse this body (None: it would accept it)."""
    if not (body.get("recipient") or {}).get("id"):
        return "recipient.id is required"
    if body.get("sender_action"):
        return None
    if body.get("messaging_type") not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
        return "messaging_type is required"
    if body.get("messaging_type") == "MESSAGE_TAG" and body.get("tag") not in MESSAGE_TAGS:
        return f"MESSAGE_TAG needs one of the tags {sorted(MESSAGE_TAGS)}"
    message = body.get("message") or {}
    if "attachment" in message:
        return None
    text = message.get("text") or ""
    if not 0 < len(text) <= 2000:
        return "message.text must be 1-2000 characters"
    quick = message.get("quick_replies") or []
    if len(quick) > 13 or any(len(q.get("title", "")) > 20 or len(q.get("payload", "")) > 1000 for q in quick):
        return "at most 13 quick replies, titles ≤20"
    return None


# ---- the blueprint --------------------------------------------------------------------------
def create_blueprint(state: dict) -> Blueprint:
    """The fake Graph API's routes, bound to one state dict."""
    bp = Blueprint("fake_meta", __name__)

    @bp.post("/<ver>/<node>/messages")
    def messages(ver: str, node: str):
        """WhatsApp (/{phone_id}/messages) or Messenger (/me/messages) send."""
        if not _version_ok(ver):
            return _error(400, 2635, "Unknown Graph API version")
        if node == "me":
            return _messenger_send(state)
        return _whatsapp_send(state, node)

    @bp.post("/<ver>/<phone_id>/media")
    def upload(ver: str, phone_id: str):
        """WhatsApp media upload: multipart with file, type and messaging_product."""
        if _bearer() != state["whatsapp_token"]:
            return _error(401, 190, "Invalid OAuth access token.")
        if phone_id != state["phone_number_id"]:
            return _error(400, 100, "Unknown phone number id")
        failure = _scripted(state, "upload")
        if failure is not None:
            return failure
        file = request.files.get("file")
        if request.form.get("messaging_product") != "whatsapp" or file is None or not request.form.get("type"):
            return _error(400, 100, "messaging_product, type and file are required")
        data = file.read()
        media_id = add_media(state, data, request.form["type"], file.filename)
        _record(state, {"channel": "whatsapp", "kind": "upload", "media_id": media_id, "filename": file.filename,
                        "content_type": request.form["type"], "size": len(data),
                        "sha256": hashlib.sha256(data).hexdigest()})
        return jsonify({"id": media_id})

    @bp.route("/<ver>/<media_id>", methods=["GET", "DELETE"])
    def media(ver: str, media_id: str):
        """WhatsApp media lookup (→ a short-lived URL) or delete."""
        if not _version_ok(ver):
            return _error(400, 2635, "Unknown Graph API version")
        if _bearer() != state["whatsapp_token"]:
            return _error(401, 190, "Invalid OAuth access token.")
        failure = _scripted(state, "media")
        if failure is not None:
            return failure
        item = state["media"].get(media_id)
        if item is None:
            return _error(404, 100, "Unsupported get request. Object does not exist")
        if request.method == "DELETE":
            with state["lock"]:
                state["media"].pop(media_id, None)
                state["deleted"].append(media_id)
            return jsonify({"success": True})
        return jsonify({"messaging_product": "whatsapp", "url": f"{request.host_url}_fake/lookaside/{media_id}"
                        f"?ext={secrets.token_hex(4)}", "mime_type": item["mime_type"], "sha256": item["sha256"],
                        "file_size": len(item["data"]), "id": media_id})

    @bp.get("/_fake/lookaside/<media_id>")
    def lookaside(media_id: str):
        """The media URL: only with the same bearer token (docs/providers.md §2.4)."""
        with state["lock"]:
            state["media_auth_seen"].append(_bearer() is not None)
        if _bearer() != state["whatsapp_token"]:
            return _error(401, 190, "Invalid OAuth access token.")
        return _serve_media(state, media_id)

    @bp.get("/_fake/cdn/<media_id>")
    def cdn(media_id: str):
        """A Messenger attachment URL: pre-signed, no token."""
        return _serve_media(state, media_id)

    @bp.get("/_fake/messages")
    def log():
        """What the fake received, oldest first (no file bytes)."""
        channel = request.args.get("channel")
        calls = [c for c in list(state["calls"]) if not channel or c["channel"] == channel]
        return jsonify({"calls": calls})

    @bp.post("/_fake/media")
    def seed_media():
        """Store a file as an inbound photo/document (for the `send --image` command)."""
        file = request.files.get("file")
        if file is None:
            return _error(400, 100, "file is required")
        media_id = add_media(state, file.read(), file.mimetype or "application/octet-stream", file.filename)
        return jsonify({"id": media_id, "sha256": state["media"][media_id]["sha256"],
                        "cdn_url": f"{request.host_url}_fake/cdn/{media_id}"})

    @bp.post("/_fake/fail")
    def script_failure():
        """Queue failures: {"mode": "429"|"500"|"timeout"|…, "times": 1, "on": "send", "after": 0}."""
        body = request.get_json(silent=True) or {}
        if body.get("mode") not in FAILURES:
            return jsonify({"error": f"mode must be one of {sorted(FAILURES)}"}), 400
        fail(state, body["mode"], int(body.get("times", 1)), body.get("on", "send"), int(body.get("after", 0)))
        return jsonify({"queued": len(state["failures"])})

    @bp.post("/_fake/reset")
    def reset_route():
        """Forget calls, media and failures."""
        reset(state)
        return jsonify({"ok": True})

    return bp


def reset(state: dict) -> None:
    """Forget recorded calls, media and scripted failures (credentials stay)."""
    with state["lock"]:
        for key in ("calls", "failures", "deleted", "media_auth_seen"):
            state[key].clear()
        state["media"].clear()
        state["media_failures"].clear()
        state["attempts"] = 0


def _serve_media(state: dict, media_id: str) -> Response:
    """The bytes of a stored media file, or its scripted failure."""
    if media_id in state["media_failures"]:
        return Response("error", status=state["media_failures"][media_id])
    item = state["media"].get(media_id)
    if item is None:
        return Response("not found", status=404)
    return Response(item["data"], mimetype=item["mime_type"])


def _whatsapp_send(state: dict, phone_id: str) -> Response:
    """Check, record and answer one Cloud API /messages call."""
    if _bearer() != state["whatsapp_token"]:
        return _error(401, 190, "Invalid OAuth access token.")
    if phone_id != state["phone_number_id"]:
        return _error(400, 100, "Unknown phone number id")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, 100, "The request body must be JSON")
    failure = _scripted(state, "typing" if body.get("status") == "read" else "send")
    if failure is not None:
        return failure
    problem = whatsapp_problem(body)
    if problem:
        return _error(400, 131009, f"Parameter value is not valid: {problem}")
    if body.get("status") == "read":
        _record(state, {"channel": "whatsapp", "kind": "read", "message_id": body["message_id"],
                        "typing": "typing_indicator" in body, "body": body})
        return jsonify({"success": True})
    if body.get("type") in ("document", "image") and body[body["type"]].get("id") not in state["media"]:
        return _error(400, 131053, "Media upload error: unknown media id")
    wamid = "wamid.FAKE" + secrets.token_hex(12)
    to = body.get("to") or body.get("recipient")
    _record(state, {"channel": "whatsapp", "kind": "message", "id": wamid, "to": to, "body": body})
    contact = {"input": to, "wa_id": to} if body.get("to") else {"input": to, "user_id": to}
    return jsonify({"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": wamid}]})


def _messenger_send(state: dict) -> Response:
    """Check, record and answer one Send API call (JSON, or multipart with `filedata`)."""
    if _bearer() != state["page_token"]:
        return _error(401, 190, "Invalid OAuth access token.")
    file = None
    if request.mimetype == "multipart/form-data":
        try:
            body = {"recipient": json.loads(request.form.get("recipient") or "{}"),
                    "message": json.loads(request.form.get("message") or "{}"),
                    **{k: request.form[k] for k in ("messaging_type", "tag") if k in request.form}}
        except ValueError:
            return _error(400, 100, "recipient and message must be JSON")
        file = request.files.get("filedata")
        if file is None:
            return _error(400, 100, "filedata is required with a multipart send")
    else:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(400, 100, "The request body must be JSON")
    failure = _scripted(state, "typing" if body.get("sender_action") else "send")
    if failure is not None:
        return failure
    problem = messenger_problem(body)
    if problem:
        return _error(400, 100, f"Invalid parameter: {problem}")
    psid = body["recipient"]["id"]
    if body.get("sender_action"):
        _record(state, {"channel": "messenger", "kind": "action", "to": psid, "body": body})
        return jsonify({"recipient_id": psid})
    mid = "m_FAKE" + secrets.token_urlsafe(16)
    call = {"channel": "messenger", "kind": "message", "id": mid, "to": psid, "body": body}
    if file is not None:
        data = file.read()
        call["file"] = {"filename": file.filename, "content_type": file.mimetype, "size": len(data),
                        "sha256": hashlib.sha256(data).hexdigest()}
    _record(state, call)
    return jsonify({"recipient_id": psid, "message_id": mid})


# ---- serving it -------------------------------------------------------------------------------
def create_app(state: dict | None = None) -> Flask:
    """A Flask app serving only the fake Graph API."""
    app = Flask("fake_meta")
    app.config["FAKE_STATE"] = state if state is not None else new_state()
    app.register_blueprint(create_blueprint(app.config["FAKE_STATE"]))
    return app


class FakeServer(LoopbackServer):
    """This fake API on a real loopback port, in a daemon thread."""

    new_state = staticmethod(new_state)
    create_app = staticmethod(create_app)

    def env(self) -> dict:
        """The environment variables (docs/contracts.md) that point our app at this fake."""
        return env_for(self.url, self.state)

    def reset(self) -> None:
        """Forget recorded calls, media and scripted failures."""
        reset(self.state)


def env_for(url: str, state: dict | None = None) -> dict:
    """The settings that make our app talk to a fake Graph API at `url` and trust its webhooks."""
    state = state or new_state()
    return {"GRAPH_API_BASE": url, "GRAPH_API_VERSION": state["version"], "META_APP_SECRET": state["app_secret"],
            "META_VERIFY_TOKEN": state["verify_token"], "WHATSAPP_TOKEN": state["whatsapp_token"],
            "WHATSAPP_PHONE_NUMBER_ID": state["phone_number_id"], "MESSENGER_PAGE_TOKEN": state["page_token"]}


_shared: FakeServer | None = None
_shared_lock = threading.Lock()


def shared_server() -> FakeServer:
    """One fake per process, for a test session whose worker subprocess needs its URL up front."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = FakeServer()
        return _shared


# ---- the other direction: Meta calling our app --------------------------------------------------
def meta_json(body: dict) -> bytes:
    """JSON as Meta sends it: compact, non-ASCII and '/' escaped (so raw bytes ≠ re-encoded JSON)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def signature(raw: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 header value for a raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


def signed_post(app_url: str, path: str, body: dict, app_secret: str = DEFAULT_APP_SECRET):
    """POST a correctly signed webhook body to our app; returns the httpx response."""
    import httpx

    raw = meta_json(body)
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature(raw, app_secret),
               "User-Agent": "facebookexternalua"}
    with httpx.Client(timeout=30) as client:
        return client.post(app_url.rstrip("/") + path, content=raw, headers=headers)


def whatsapp_envelope(messages: list[dict] = (), contacts: list[dict] = (), statuses: list[dict] = (),
                      phone_number_id: str = DEFAULT_PHONE_NUMBER_ID) -> dict:
    """A WhatsApp Cloud webhook body with one entry and one `messages` change (docs/providers.md §2.1)."""
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": DEFAULT_DISPLAY_PHONE, "phone_number_id": phone_number_id}}
    if contacts:
        value["contacts"] = list(contacts)
    if messages:
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {"object": "whatsapp_business_account",
            "entry": [{"id": DEFAULT_WABA_ID, "changes": [{"value": value, "field": "messages"}]}]}


def whatsapp_contact(wa_id: str, name: str | None = "Warga Uji", user_id: str | None = None) -> dict:
    """A `contacts[]` item: profile name, wa_id and (when given) the BSUID `user_id`."""
    contact = {"profile": {"name": name} if name else {}, "wa_id": wa_id}
    if user_id:
        contact["user_id"] = user_id
    return contact


def whatsapp_message(from_: str, kind: str, content: dict, wamid: str | None = None, **extra) -> dict:
    """A `messages[]` item of a type (`text`, `interactive`, `image`, …) with its object."""
    return {"from": from_, "id": wamid or "wamid." + secrets.token_urlsafe(24), "timestamp": str(int(time.time())),
            "type": kind, kind: content, **extra}


def messenger_envelope(events: list[dict], page_id: str = DEFAULT_PAGE_ID) -> dict:
    """A Messenger webhook body with one entry holding `messaging` events (docs/providers.md §3)."""
    return {"object": "page", "entry": [{"id": page_id, "time": int(time.time() * 1000), "messaging": list(events)}]}


def messenger_event(psid: str, page_id: str = DEFAULT_PAGE_ID, **event) -> dict:
    """One `messaging[]` event from a citizen (message, postback, delivery, read, …)."""
    return {"sender": {"id": psid}, "recipient": {"id": page_id}, "timestamp": int(time.time() * 1000), **event}


def new_mid() -> str:
    """A Messenger-shaped message id."""
    return "m_" + secrets.token_urlsafe(32)
