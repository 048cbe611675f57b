"""The WhatsApp Cloud API webhook: GET /webhooks/whatsapp (verify), POST (messages, statuses).

Signature first (meta.signed_json), then the whole batch is parsed before anything is stored, so
a malformed body is answered 400 without half of it written; then every message of every entry
and change is stored once (duplicates by wamid are acknowledged and dropped) and statuses move our
outbound messages forward. channels.md §2.1-2.3.
"""
import logging
from dataclasses import dataclass, field

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import select

from bot.core import db
from bot.web import spool
from bot.core.inbound_store import get_contact
from delivery.ingest import receive
from bot.core.models import Contact
from bot.web.webhooks import meta
from bot.web.webhooks.meta import Malformed, items, text_field
from delivery.graph_client import closes_window, is_permanent

log = logging.getLogger(__name__)

bp = Blueprint("whatsapp", __name__)
CHANNEL = "whatsapp"
# Not a turn of the dialogue: a reaction to one of our messages, a number-change notice, the
# "user opened the chat" event. Acknowledged and dropped.
IGNORED = {"reaction", "system", "request_welcome"}
# Types the engine answers with a kind-specific "please type or send a photo" (flows/texts.yml).
PLAIN_KINDS = {"sticker": "sticker", "audio": "audio", "voice": "audio", "video": "video", "location": "location"}


@dataclass
class Inbound:
    """One citizen message, normalised for delivery.ingest.receive."""
    external_id: str
    provider_id: str
    kind: str
    text: str | None = None
    button: str | None = None
    display_name: str | None = None
    phone: str | None = None     # the wa_id, when the contact is keyed on its BSUID
    extra: dict = field(default_factory=dict)


@dataclass
class Status:
    """A delivery status of one of our messages."""
    provider_id: str
    status: str
    error: str | None = None
    permanent: bool = False
    window_closed: bool = False


def parse(body: dict, phone_number_id: str | None = None) -> tuple[list[Inbound], list[Status]]:
    """Every message and status in a webhook body (all entries, all changes); raises Malformed."""
    inbound, statuses = [], []
    for entry in items(body.get("entry"), "entry"):
        for change in items(entry.get("changes"), "entry.changes"):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue  # template, quality and account updates: not conversations
            ours = (value.get("metadata") or {}).get("phone_number_id")
            if phone_number_id and ours and str(ours) != str(phone_number_id):
                log.warning("whatsapp webhook for another phone number id ignored")
                continue  # we could not answer it from our number anyway
            contacts = items(value.get("contacts"), "contacts")
            for message in items(value.get("messages"), "messages"):
                item = _message(message, contacts)
                if item is not None:
                    inbound.append(item)
            statuses.extend(_status(s) for s in items(value.get("statuses"), "statuses"))
    return inbound, statuses


def _contact_for(message: dict, contacts: list[dict]) -> dict:
    """The contacts[] item of the message's sender (by wa_id or BSUID; the only one otherwise)."""
    for c in contacts:
        if (message.get("from") and c.get("wa_id") == message.get("from")) or \
                (message.get("from_user_id") and c.get("user_id") == message.get("from_user_id")):
            return c
    return contacts[0] if len(contacts) == 1 else {}


def _message(m: dict, contacts: list[dict]) -> Inbound | None:
    """One messages[] item as an Inbound (None for types that are no dialogue turn)."""
    wamid = text_field(m, "id", "message")
    kind = text_field(m, "type", "message")
    if kind in IGNORED:
        return None
    contact = _contact_for(m, contacts)
    # channels.md §2.1: key on the BSUID when present; wa_id is omitted for username users.
    user_id = contact.get("user_id") or m.get("from_user_id")
    wa_id = contact.get("wa_id") or m.get("from")
    external_id = user_id or wa_id
    if not isinstance(external_id, str) or not external_id:
        raise Malformed("message without a sender")
    name = (contact.get("profile") or {}).get("name")
    item = Inbound(external_id=external_id, provider_id=wamid, kind="unsupported",
                   display_name=name[:200] if isinstance(name, str) and name else None,
                   phone=wa_id if user_id and isinstance(wa_id, str) else None)
    content = m.get(kind) if isinstance(m.get(kind), dict) else {}
    if kind == "text":
        item.kind, item.text = "text", content.get("body") if isinstance(content.get("body"), str) else ""
    elif kind == "interactive" and content.get("type") in ("button_reply", "list_reply"):
        reply = content.get(content["type"])
        if not isinstance(reply, dict):
            raise Malformed("interactive reply without its object")
        item.kind, item.button, item.text = "button", text_field(reply, "id", "reply"), reply.get("title")
    elif kind == "button" and (content.get("payload") or content.get("text")):
        # A template's quick-reply button: its payload is our button id (text when none was set).
        item.kind, item.button, item.text = "button", content.get("payload") or content.get("text"), content.get("text")
    elif kind in ("image", "document"):
        item.kind = "media"
        item.extra = {"media_id": text_field(content, "id", kind), "mime_type": content.get("mime_type")}
        for key in ("sha256", "filename", "caption"):
            if isinstance(content.get(key), str):
                item.extra[key] = content[key]
    elif kind in PLAIN_KINDS:
        # No coordinates, audio or video are kept: the engine only says what it can read.
        item.kind = PLAIN_KINDS[kind]
    return item


def _status(st: dict) -> Status:
    """One statuses[] item (sent, delivered, read, failed with errors[])."""
    status = Status(provider_id=text_field(st, "id", "status"), status=text_field(st, "status", "status"))
    errors = items(st.get("errors"), "status.errors")
    if status.status == "failed":
        first = errors[0] if errors else {}
        code = first.get("code")
        code = int(code) if isinstance(code, (int, str)) and str(code).isdigit() else None
        status.error = f"{code or '-'}: {first.get('title') or first.get('message') or 'failed'}"
        status.permanent = is_permanent(CHANNEL, 400, code)
        status.window_closed = closes_window(code)
    return status


@bp.get("/webhooks/whatsapp")
def verify():
    """Meta's subscription handshake."""
    return meta.handshake()


@bp.post("/webhooks/whatsapp")
def webhook():
    """Take a batch of messages and statuses: store, queue, answer 200 at once."""
    body = meta.signed_json(CHANNEL, "whatsapp_business_account")
    spool.verified(_ok)
    try:
        inbound, statuses = parse(body, current_app.config.get("WHATSAPP_PHONE_NUMBER_ID"))
    except Malformed as err:
        log.warning("whatsapp webhook refused: %s", err)
        return Response("malformed", 400, mimetype="text/plain")
    if statuses:
        meta.commit_statuses(lambda s: _apply_statuses(s, statuses))
    stored = 0
    for item in inbound:
        stored += _store(item) is not None
    log.info("whatsapp webhook: %d message(s), %d new, %d status(es)", len(inbound), stored, len(statuses))
    return _ok()


def _ok() -> Response:
    """The answer Meta takes as delivered."""
    return jsonify({"status": "ok"})


def _store(item: Inbound):
    """Insert one message (None when it is a duplicate); a bare number may stand for a button."""
    if item.phone:
        _remember_phone(item)
    kind, text, button = item.kind, item.text, item.button
    if kind == "text":
        from delivery.whatsapp_channel import shows_natively

        choice = meta.numbered_choice(CHANNEL, item.external_id, text, shows_natively)
        if choice is not None:
            kind, (button, text) = "button", choice
    return receive(CHANNEL, item.external_id, kind=kind, text=text, button=button, provider_id=item.provider_id,
                   display_name=item.display_name, extra=item.extra)


def _remember_phone(item: Inbound) -> None:
    """Keep the wa_id of a BSUID-keyed contact (Meta prefers sends to phone numbers), and carry a
    contact first known by its wa_id over to its BSUID so the conversation continues."""
    with db.new_session() as s:
        by_user = s.execute(select(Contact).where(Contact.channel == CHANNEL,
                                                  Contact.external_id == item.external_id)).scalar_one_or_none()
        if by_user is None:
            by_phone = s.execute(select(Contact).where(Contact.channel == CHANNEL,
                                                       Contact.external_id == item.phone)).scalar_one_or_none()
            if by_phone is not None:
                by_phone.external_id = item.external_id
            by_user = by_phone or get_contact(s, CHANNEL, item.external_id, item.display_name)
        if by_user.phone != item.phone and _free(s, by_user):
            by_user.phone = item.phone
        s.commit()


def _free(s, contact: Contact) -> bool:
    """Lock the contact's row only if no job holds it (SKIP LOCKED): a changed number is not worth
    making the webhook wait for a dialogue step; the citizen's next message brings it again."""
    if contact.id is None:
        return True  # created in this session: nobody else can hold it
    return s.execute(select(Contact.id).where(Contact.id == contact.id)
                     .with_for_update(key_share=True, skip_locked=True)).scalar_one_or_none() is not None


def _apply_statuses(s, statuses: list[Status]) -> None:
    """Move our messages' statuses forward; a replayed status changes nothing."""
    for st in statuses:
        message = meta.outbound(s, CHANNEL, st.provider_id)
        if message is None:
            continue  # e.g. a status of a message sent before a database restore
        if meta.set_status(s, message, st.status, st.error, st.permanent, st.window_closed) \
                and st.status == "failed":
            log.warning("whatsapp message %s failed: %s", message.id, (st.error or "").split(":")[0])


def init_app(app) -> None:
    """Register the webhook and put the WhatsApp adapter and media hooks in their registries."""
    from delivery import ingest as inbound
    from delivery import channels, whatsapp_channel

    app.register_blueprint(bp)
    spool.init_app(app, bp)  # verified requests survive a database outage
    channels.ADAPTERS[CHANNEL] = whatsapp_channel.WhatsAppAdapter()
    inbound.MEDIA_FETCHERS[CHANNEL] = whatsapp_channel.fetch_media
    inbound.MEDIA_DELETERS[CHANNEL] = whatsapp_channel.delete_media
