"""The simulator channel: /try, a phone-like chat page, and its JSON API (docs/contracts.md).

It goes through exactly the same ingestion, engine, outbox and sender as the real channels.

A transcript belongs to the browser that started it: a signed cookie (`sapa_try`) names the user
ids this browser created (the page's own id, and any id it was first to write as). Writing as, or
reading, an existing id the cookie does not hold is 404, whether or not the id exists. Requests
are limited per address and per user (429), and a wait for a worker's replies holds one of a few
slots per address in each web process: without one, the answer comes at once with what is there (`pending`), so
parallel posts never tie up the web server's threads.
"""
import time
import uuid

from flask import Blueprint, current_app, g, jsonify, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, select

from bot.core import db, ratelimit
from bot.core.links import link_for
from bot.core.models import Contact, Message, Outbox
from bot.core.text import fill
from delivery import jobs
from delivery.channels.fields import clean
from delivery.ingest import receive
from flows.definition import texts

bp = Blueprint("simulator", __name__)
CHANNEL = "simulator"
MAX_TEXT = 4096
MAX_USER = 100
COOKIE = "sapa_try"
COOKIE_DAYS = 30
MAX_USERS = 20  # ids one browser cookie remembers (the newest)

# The reads every post runs, built once and run past the ORM (docs/dialogue-bench.md).
_messages, _outbox, _contacts = Message.__table__, Outbox.__table__, Contact.__table__
# The message's status and its replies in one statement, so both are of the same moment.
_ANSWER = db.Direct(select(_messages.c.status, _outbox.c.status.label("row_status"), _outbox.c.payload)
                   .select_from(_messages.outerjoin(_outbox, _outbox.c.in_reply_to == _messages.c.id))
                   .where(_messages.c.id == bindparam("message_id")).order_by(_outbox.c.id))
_OFFERED = db.Direct(select(_messages.c.payload).join(_contacts, _contacts.c.id == _messages.c.contact_id)
                     .where(_contacts.c.channel == CHANNEL, _contacts.c.external_id == bindparam("user"),
                            _messages.c.direction == "out").order_by(_messages.c.id.desc()).limit(5))


def _error(key: str, status: int = 400, **values):
    """An Indonesian error answer the page can show (flows/texts.yml `simulator`)."""
    return jsonify({"error": fill(texts()["simulator"][key], values)}), status


def _serializer() -> URLSafeTimedSerializer:
    """The cookie's signer, built once per app (one per request cost about 40 % of the check itself)."""
    found = current_app.extensions.get("simulator_serializer")
    if found is None:
        found = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="simulator-users")
        current_app.extensions["simulator_serializer"] = found
    return found


def _held() -> list[str]:
    """The user ids this browser's cookie holds (none for a missing, forged or expired one)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        found = _serializer().loads(raw, max_age=COOKIE_DAYS * 86400)
    except BadSignature:
        return []
    return [u for u in found if isinstance(u, str)] if isinstance(found, list) else []


def _hold(user: str) -> None:
    """Add `user` to this browser's cookie (written when the response goes out)."""
    held = [u for u in g.get("sim_users", _held()) if u != user] + [user]
    g.sim_users = held[-MAX_USERS:]


@bp.after_request
def _write_cookie(response):
    """Send the cookie back when this request added an id to it."""
    if "sim_users" in g:
        response.set_cookie(COOKIE, _serializer().dumps(g.sim_users), max_age=COOKIE_DAYS * 86400,
                            path="/try", httponly=True, samesite="Lax", secure=request.is_secure)
    return response


def _contact_exists(user: str) -> bool:
    """Whether a simulator user of this id has written before."""
    return db.session().execute(select(Contact.id).where(
        Contact.channel == CHANNEL, Contact.external_id == user)).first() is not None


def _may_use(user: str) -> bool:
    """This browser holds `user`, or nobody has written as it yet (then this browser takes it)."""
    if user in _held():
        return True
    if _contact_exists(user):
        return False
    _hold(user)
    return True


@bp.get("/try")
def page():
    """The chat page; its fresh user id goes into this browser's cookie."""
    office = current_app.config["OFFICE"]["office"]
    user_id = f"sim-{uuid.uuid4().hex[:12]}"
    _hold(user_id)
    return render_template("try.html", office_name=office.get("short_name") or office["name"], user_id=user_id)


def _address() -> str:
    return request.remote_addr or "unknown"


@bp.post("/try/api/messages")
def post_message():
    """Take one message from the page and answer with the replies it produced."""
    if not ratelimit.hit("simulator_address", _address()):
        return _too_many()
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error("bad_json")
        user, text, button, upload = body.get("user"), body.get("text"), body.get("button"), None
    else:
        user, text, button = request.form.get("user"), request.form.get("text"), request.form.get("button")
        upload = request.files.get("file")
    if not isinstance(user, str) or not user.strip() or len(user) > MAX_USER:
        return _error("user_required", max=MAX_USER)
    if text is not None and not isinstance(text, str) or button is not None and not isinstance(button, str):
        return _error("not_text")
    if text is None and button is None and upload is None:
        return _error("empty")
    if text and len(text) > MAX_TEXT:
        return _error("too_long", max=MAX_TEXT)
    user = user.strip()
    if not _may_use(user):
        return _error("not_yours", 404)
    if not ratelimit.hit("simulator_user", user):
        return _too_many()
    text = clean(text) if text else text  # no NUL or lone surrogate reaches the database
    if upload is not None:
        try:
            data = upload.read()
        finally:
            upload.close()  # big uploads are spooled to a temporary file; release it now
        message_id = receive(CHANNEL, user, kind="file", text=text, file=(data, upload.filename, upload.mimetype))
    elif button is not None:
        message_id = receive(CHANNEL, user, kind="button", button=button, text=_button_title(user, button))
    else:
        message_id = receive(CHANNEL, user, kind="text", text=text)
    if message_id is None:
        return jsonify({"replies": [], "duplicate": True})
    if current_app.config.get("REDIS_URL"):
        # A worker answers: wait for it, holding one of this address's few slots, or answer now;
        # the request's own reads end first (no transaction left open, no connection held, meanwhile).
        db.session().rollback()
        with ratelimit.Slot("simulator_waits", _address()) as waiting:
            replies, done = _collect(message_id, wait=waiting)
    else:
        replies, done = _collect(message_id, wait=False)  # inline jobs have run already
    if done:
        return jsonify({"replies": replies})
    return jsonify({"replies": replies, "pending": True, "hint": texts()["simulator"]["still_working"]})


def _too_many():
    """429 with the Indonesian hint and when to try again."""
    response, status = _error("too_many", 429)
    response.headers["Retry-After"] = "10"
    return response, status


@bp.get("/try/api/messages")
def transcript():
    """The whole conversation of one simulator user, oldest first (this browser's users only)."""
    user = request.args.get("user", "")
    if user not in _held():
        return _error("not_yours", 404)
    s = db.session()
    contact = s.execute(select(Contact).where(Contact.channel == CHANNEL, Contact.external_id == user)).scalar_one_or_none()
    if contact is None:
        return jsonify({"messages": []})
    rows = s.execute(select(Message).where(Message.contact_id == contact.id).order_by(Message.created_at, Message.id)).scalars()
    messages = []
    for m in rows:
        item = {"direction": m.direction, "text": m.text or _inbound_label(m), "at": m.created_at.isoformat()}
        item.update({k: v for k, v in _render(m.payload or {}).items() if k in ("buttons", "document")})
        messages.append(item)
    return jsonify({"messages": messages})


def _wait_for_replies(message_id: int) -> list[dict]:
    """The replies this message produced, waiting briefly when a worker runs the jobs (`flask chat`)."""
    return _collect(message_id, wait=bool(current_app.config.get("REDIS_URL")))[0]


def _collect(message_id: int, wait: bool) -> tuple[list[dict], bool]:
    """The replies this message produced so far, and whether it is done; with `wait`, up to
    SIMULATOR_WAIT_SECONDS for a worker to finish it."""
    deadline = time.monotonic() + (current_app.config["SIMULATOR_WAIT_SECONDS"] if wait else 0)
    if wait:
        # A worker has hardly started on it yet: wait for its announcement (kept in a list, so one
        # made before this wait is seen at once) before the first look at the database.
        jobs.wait_answered(message_id, deadline - time.monotonic())
    while True:
        # One autocommitted read (no BEGIN/ROLLBACK): the status and the rows of the same moment.
        found = _ANSWER.run({"message_id": message_id})
        status = found[0].status
        rows = [(r.row_status, r.payload) for r in found if r.row_status is not None]
        done = status != "received" and all(row_status != "pending" for row_status, _ in rows)
        if done or time.monotonic() > deadline:
            return [_render(payload) for row_status, payload in rows if row_status == "sent"], done
        # The worker announces the message answered (delivery.conversation): woken then, not polling.
        jobs.wait_answered(message_id, deadline - time.monotonic())


def _render(payload: dict) -> dict:
    """An outbox payload as the API's reply object (keys absent when unused)."""
    out = {}
    if payload.get("text"):
        out["text"] = payload["text"]
    if payload.get("buttons"):
        out["buttons"] = [{"id": b["id"], "title": b["title"]} for b in payload["buttons"]]
    doc = payload.get("document")
    if doc and doc.get("document_id"):
        out["document"] = {"url": link_for(doc["document_id"]), "filename": doc["filename"],
                           "content_type": doc["content_type"]}
    return out


def _button_title(user: str, button: str) -> str | None:
    """The title of the button pressed, from the last message that offered it."""
    for (payload,) in _OFFERED.run({"user": user}):  # autocommitted: no BEGIN, no ROLLBACK
        for b in (payload or {}).get("buttons", []):
            if b["id"] == button:
                return b["title"]
    return None


def _inbound_label(m: Message) -> str:
    """What to show for an inbound message that had no text."""
    words = texts()["simulator"]
    if m.kind == "file":
        return words["file"]
    if m.kind == "rejected_file":
        name = (m.payload or {}).get("file_name")
        return fill(words["rejected_file"], {"file_name": name}) if name else words["rejected_file_unnamed"]
    return ""
