"""Reading a Messenger webhook (docs/providers.md §3): pure functions from the signed JSON body to
a Batch. The sender is the PSID; in an echo of a message the Page sent, the PSID is the recipient.
An echo carrying our metadata is our own message; any other echo was typed by staff in the Page
inbox. One event that cannot be read is set aside as rejected; the others go on.
"""
from delivery.channels import fields
from delivery.channels.base import (
    Batch,
    Inbound,
    Malformed,
    Rejected,
    StaffReply,
    Status,
)

CHANNEL = "messenger"
TEXT_MAX = 2000   # Messenger's own limit on a text message
# Attachment types the engine answers with a kind-specific "please type or send a photo".
PLAIN_KINDS = {"audio": "audio", "video": "video", "location": "location"}
# Set on everything we send and echoed back by Meta (see the module docstring).
OUR_METADATA = "sapa-dukcapil"
WATERMARK_MAX = 253_402_300_799_999  # ms: the last moment of the year 9999, as far as dates go


def parse(body: dict) -> Batch:
    """Every event in every entry of a webhook body."""
    batch = Batch()
    for entry in fields.items(body.get("entry"), "entry"):
        # `standby` events belong to another app holding the thread: not ours to answer.
        events = entry.get("messaging")
        if events is not None and not isinstance(events, list):
            batch.rejected.append(Rejected("entry.messaging is not a list"))
            continue
        for event in events or []:
            try:
                _event(batch, event)
            except Malformed as err:
                batch.rejected.append(_rejected(event, str(err)))
    return batch


def _event(batch: Batch, event) -> None:
    """One messaging event into the batch."""
    if not isinstance(event, dict):
        raise Malformed("event is not an object")
    psid = fields.ident(fields.obj(event.get("sender")), "id", "sender")
    message = event.get("message")
    if isinstance(message, dict) and message.get("is_echo"):
        batch.staff.extend(_echo(event))
    elif "message" in event:
        batch.messages.extend(_message(psid, message))
    elif "postback" in event:
        batch.messages.append(_postback(psid, event))
    elif "delivery" in event or "read" in event:
        batch.statuses.extend(_receipt(psid, event))
    # reactions, optins, referrals, handovers: no dialogue turn, acknowledged


def _rejected(event, reason: str) -> Rejected:
    """An event set aside, with its sender and mid when those much are sound (not for echoes)."""
    if not isinstance(event, dict):
        return Rejected(reason)
    message = fields.obj(event.get("message"))
    if message.get("is_echo"):
        return Rejected(reason)
    try:
        psid = fields.ident(fields.obj(event.get("sender")), "id", "sender")
        mid = fields.ident(message, "mid", "message") if message else None
    except Malformed:
        return Rejected(reason)
    return Rejected(reason, psid, mid)


def _message(psid: str, msg) -> list[Inbound]:
    """A `message` event as one message, or several (one per attachment)."""
    if not isinstance(msg, dict):
        raise Malformed("message is not an object")
    mid = fields.ident(msg, "mid", "message")
    quick = fields.obj(msg.get("quick_reply"))
    if quick.get("payload"):
        return [Inbound(psid, mid, "button", text=fields.optional_text(msg.get("text"), TEXT_MAX),
                        button=fields.ident(quick, "payload", "quick_reply", limit=1000))]
    if msg.get("sticker_id"):
        return [Inbound(psid, mid, "sticker")]
    attachments = fields.items(msg.get("attachments"), "message.attachments")
    if attachments:
        # One mid can carry several photos; each becomes its own message, numbered after the mid.
        return [_attachment(psid, mid if i == 0 else f"{mid}#{i}", a) for i, a in enumerate(attachments[:10])]
    if isinstance(msg.get("text"), str):
        text, cut = fields.text(msg["text"], TEXT_MAX)
        return [Inbound(psid, mid, "text", text=text, extra={"cut_from": cut} if cut else {})]
    return [Inbound(psid, mid, "unsupported")]


def _echo(event: dict) -> list[StaffReply]:
    """A message the Page sent: ours is nothing new; anyone else's was typed by staff."""
    msg = event["message"]
    if msg.get("metadata") == OUR_METADATA:
        return []
    recipient = event.get("recipient")
    if not isinstance(recipient, dict):
        raise Malformed("echo without a recipient")
    text, _ = fields.text(msg.get("text"), TEXT_MAX) if isinstance(msg.get("text"), str) else (None, None)
    return [StaffReply(fields.ident(recipient, "id", "recipient"), fields.ident(msg, "mid", "message"), text)]


def _attachment(psid: str, provider_id: str, attachment: dict) -> Inbound:
    """One attachment: a photo or file to download, or a kind the engine explains."""
    kind = attachment.get("type")
    payload = fields.obj(attachment.get("payload"))
    if payload.get("sticker_id"):
        return Inbound(psid, provider_id, "sticker")  # the thumbs-up "like" is an image with a sticker_id
    url = payload.get("url")
    if kind in ("image", "file") and isinstance(url, str) and 0 < len(url) <= 4096 and fields.clean(url) == url:
        return Inbound(psid, provider_id, "media", extra={"url": url, "type": kind})
    if kind in PLAIN_KINDS:
        return Inbound(psid, provider_id, PLAIN_KINDS[kind])
    return Inbound(psid, provider_id, "unsupported")  # fallback (shared link), template, reel, …


def _postback(psid: str, event: dict) -> Inbound:
    """A postback button press: its payload is our button id, its title the text."""
    postback = event["postback"]
    if not isinstance(postback, dict):
        raise Malformed("postback is not an object")
    payload = fields.ident(postback, "payload", "postback", limit=1000)
    # Older postbacks carry no mid; the sender, time and payload make a stable stand-in for dedupe.
    mid = fields.ident(postback, "mid", "postback", required=False) \
        or f"postback:{psid}:{str(event.get('timestamp'))[:20]}:{payload}"[:fields.ID_MAX]
    return Inbound(psid, mid, "button", text=fields.optional_text(postback.get("title"), TEXT_MAX), button=payload)


def _receipt(psid: str, event: dict) -> list[Status]:
    """A `delivery` (mids and/or watermark) or `read` (watermark) event."""
    status = "delivered" if "delivery" in event else "read"
    body = event.get("delivery") if status == "delivered" else event.get("read")
    if not isinstance(body, dict):
        raise Malformed(f"{status} is not an object")
    mids = body.get("mids") or []
    if not isinstance(mids, list) or not all(isinstance(m, str) and 0 < len(m) <= fields.ID_MAX for m in mids):
        raise Malformed(f"{status} has a bad mids list")
    found = [Status(status, provider_id=mid) for mid in mids]
    if body.get("watermark") is not None:
        watermark = fields.number(body["watermark"], f"{status}.watermark", 0, WATERMARK_MAX)
        found.append(Status(status, external_id=psid, watermark_ms=watermark))
    return found
