"""Reading a WhatsApp Cloud API webhook (docs/providers.md §2.1-2.3): pure functions from the
signed JSON body to a Batch of messages and statuses.

One event that cannot be read (an id that is not an id, a reply whose title is an object) is set
aside as rejected; the batch's other messages are still stored and answered.
"""
from delivery.channels import fields
from delivery.channels.base import Batch, Inbound, Malformed, Rejected, Status
from delivery.channels.graph.client import closes_window, is_permanent

CHANNEL = "whatsapp"
TEXT_MAX = 4096   # WhatsApp's own limit on a text message
# Not a turn of the dialogue: a reaction to one of our messages, a number-change notice, the
# "user opened the chat" event. Acknowledged and dropped.
IGNORED = {"reaction", "system", "request_welcome"}
# Types the engine answers with a kind-specific "please type or send a photo" (flows/texts.yml).
PLAIN_KINDS = {"sticker": "sticker", "audio": "audio", "voice": "audio", "video": "video", "location": "location"}


def parse(body: dict, phone_number_id: str | None = None) -> Batch:
    """Every message and status in a webhook body (all entries, all changes)."""
    batch = Batch()
    for entry in fields.items(body.get("entry"), "entry"):
        for change in fields.items(entry.get("changes"), "entry.changes"):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue  # template, quality and account updates: not conversations
            ours = fields.obj(value.get("metadata")).get("phone_number_id")
            if phone_number_id and ours and str(ours) != str(phone_number_id):
                continue  # for another number of the account: we could not answer it from ours
            contacts = [c for c in _events(batch, value, "contacts") if isinstance(c, dict)]
            for message in _events(batch, value, "messages"):
                _read(batch, lambda: _message(message, contacts), message)
            for status in _events(batch, value, "statuses"):
                _read(batch, lambda: batch.statuses.append(_status(status)), status)
    return batch


def _events(batch: Batch, value: dict, key: str) -> list:
    """A list of a change's value (absent: empty); another type is set aside as rejected."""
    found = value.get(key)
    if found is None:
        return []
    if not isinstance(found, list):
        batch.rejected.append(Rejected(f"{key} is not a list"))
        return []
    return found


def _read(batch: Batch, read, event) -> None:
    """Run one event's reader; an event it cannot read is set aside, its neighbours go on."""
    try:
        item = read()
    except Malformed as err:
        sender = _sender_of(event)
        wamid = event.get("id") if isinstance(event, dict) else None
        ok_id = isinstance(wamid, str) and 0 < len(wamid) <= fields.ID_MAX and fields.clean(wamid) == wamid
        batch.rejected.append(Rejected(str(err), sender, wamid if ok_id else None))
        return
    if isinstance(item, Inbound):
        batch.messages.append(item)


def _sender_of(event) -> str | None:
    """The sender of an event that could not be read, when that much is sound."""
    if not isinstance(event, dict):
        return None
    for key in ("from_user_id", "from"):
        value = event.get(key)
        if isinstance(value, str) and 0 < len(value) <= fields.ID_MAX and fields.clean(value) == value:
            return value
    return None


def _contact_for(message: dict, contacts: list[dict]) -> dict:
    """The contacts[] item of the message's sender (by wa_id or BSUID; the only one otherwise)."""
    for c in contacts:
        if (message.get("from") and c.get("wa_id") == message.get("from")) or \
                (message.get("from_user_id") and c.get("user_id") == message.get("from_user_id")):
            return c
    return contacts[0] if len(contacts) == 1 else {}


def _message(m, contacts: list[dict]) -> Inbound | None:
    """One messages[] item as an Inbound (None for types that are no dialogue turn)."""
    if not isinstance(m, dict):
        raise Malformed("message is not an object")
    wamid = fields.ident(m, "id", "message")
    kind = fields.ident(m, "type", "message", limit=40)
    if kind in IGNORED:
        return None
    contact = _contact_for(m, contacts)
    # docs/providers.md §2.1: key on the BSUID when present; wa_id is omitted for username users.
    user_id = fields.ident(contact, "user_id", "contact", required=False) \
        or fields.ident(m, "from_user_id", "message", required=False)
    wa_id = fields.ident(contact, "wa_id", "contact", required=False) or fields.ident(m, "from", "message", required=False)
    external_id = user_id or wa_id
    if not external_id:
        raise Malformed("message without a sender")
    item = Inbound(external_id=external_id, provider_id=wamid, kind="unsupported",
                   display_name=fields.optional_text(fields.obj(contact.get("profile")).get("name"), fields.NAME_MAX),
                   phone=wa_id if user_id and wa_id else None)
    content = fields.obj(m.get(kind))
    if kind == "text":
        item.kind = "text"
        item.text, cut = fields.text(content.get("body"), TEXT_MAX)
        if cut:
            item.extra["cut_from"] = cut
    elif kind == "interactive" and content.get("type") in ("button_reply", "list_reply"):
        reply = content.get(content["type"])
        if not isinstance(reply, dict):
            raise Malformed("interactive reply without its object")
        item.kind, item.button = "button", fields.ident(reply, "id", "reply")
        item.text = fields.optional_text(reply.get("title"), TEXT_MAX)
    elif kind == "button" and (content.get("payload") or content.get("text")):
        # A template's quick-reply button: its payload is our button id (text when none was set).
        item.kind = "button"
        item.text = fields.optional_text(content.get("text"), TEXT_MAX)
        item.button = fields.optional_text(content.get("payload"), fields.ID_MAX) or item.text
        if not item.button:
            raise Malformed("template button without a payload")
    elif kind in ("image", "document"):
        item.kind = "media"
        item.extra = {"media_id": fields.ident(content, "id", kind),
                      "mime_type": fields.optional_text(content.get("mime_type"), 100)}
        for key, limit in (("sha256", 100), ("filename", 255), ("caption", TEXT_MAX)):
            value = fields.optional_text(content.get(key), limit)
            if value:
                item.extra[key] = value
    elif kind in PLAIN_KINDS:
        # No coordinates, audio or video are kept: the engine only says what it can read.
        item.kind = PLAIN_KINDS[kind]
    return item


def _status(st) -> Status:
    """One statuses[] item (sent, delivered, read, failed with errors[])."""
    if not isinstance(st, dict):
        raise Malformed("status is not an object")
    status = Status(provider_id=fields.ident(st, "id", "status"), status=fields.ident(st, "status", "status", limit=40))
    if status.status == "failed":
        errors = st.get("errors") if isinstance(st.get("errors"), list) else []
        first = errors[0] if errors and isinstance(errors[0], dict) else {}
        code = first.get("code")
        code = int(code) if isinstance(code, (int, str)) and str(code).isdigit() and len(str(code)) < 10 else None
        title = fields.optional_text(first.get("title") or first.get("message"), 200) or "failed"
        status.error = f"{code or '-'}: {title}"
        status.permanent = is_permanent(CHANNEL, 400, code)
        status.window_closed = closes_window(code)
    return status
