"""The Messenger webhook: GET /webhooks/messenger (verify), POST (messaging events).

Same order as WhatsApp: signature, parse the whole batch, store each citizen message once (by
mid), record deliveries and reads, answer `EVENT_RECEIVED` at once (Meta gives up after 20 s and
unsubscribes endpoints that keep failing, channels.md §3). The sender is the PSID; in an echo of
a message the Page sent, the PSID is the recipient.
"""
import logging
from dataclasses import dataclass, field

from flask import Blueprint, Response

from bot.core import handoff
from bot.web import spool
from delivery.ingest import receive
from bot.web.webhooks import meta
from bot.web.webhooks.meta import Malformed, items, text_field

log = logging.getLogger(__name__)

bp = Blueprint("messenger", __name__)
CHANNEL = "messenger"
# Attachment types the engine answers with a kind-specific "please type or send a photo".
PLAIN_KINDS = {"audio": "audio", "video": "video", "location": "location"}


@dataclass
class Inbound:
    """One citizen message, normalised for delivery.ingest.receive."""
    psid: str
    provider_id: str
    kind: str
    text: str | None = None
    button: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class StaffReply:
    """A message staff sent from the Page inbox (an echo without our metadata)."""
    psid: str
    provider_id: str
    text: str | None


@dataclass
class Receipt:
    """A delivery or read notice: the mids it names and/or everything up to a watermark (ms)."""
    psid: str
    status: str                      # delivered | read
    mids: list = field(default_factory=list)
    watermark: int | None = None


def parse(body: dict) -> tuple[list, list[Receipt]]:
    """Every event in every entry of a webhook body (citizen messages and staff replies, then
    receipts); raises Malformed."""
    inbound, receipts = [], []
    for entry in items(body.get("entry"), "entry"):
        # `standby` events belong to another app holding the thread: not ours to answer.
        for event in items(entry.get("messaging"), "entry.messaging"):
            sender = event.get("sender")
            if not isinstance(sender, dict):
                raise Malformed("event without a sender")
            psid = text_field(sender, "id", "sender")
            if isinstance(event.get("message"), dict) and event["message"].get("is_echo"):
                inbound.extend(_echo(event))
            elif "message" in event:
                inbound.extend(_message(psid, event["message"]))
            elif "postback" in event:
                inbound.append(_postback(psid, event))
            elif "delivery" in event or "read" in event:
                receipts.append(_receipt(psid, event))
            # reactions, optins, referrals, handovers: no dialogue turn, acknowledged
    return inbound, receipts


def _message(psid: str, msg) -> list[Inbound]:
    """A `message` event as zero (an echo), one, or several (one per attachment) messages."""
    if not isinstance(msg, dict):
        raise Malformed("message is not an object")
    mid = text_field(msg, "mid", "message")
    text = msg.get("text") if isinstance(msg.get("text"), str) else None
    quick = msg.get("quick_reply")
    if isinstance(quick, dict) and quick.get("payload"):
        return [Inbound(psid, mid, "button", text=text, button=str(quick["payload"]))]
    if msg.get("sticker_id"):
        return [Inbound(psid, mid, "sticker")]
    attachments = items(msg.get("attachments"), "message.attachments")
    if attachments:
        # One mid can carry several photos; each becomes its own message, numbered after the mid.
        return [_attachment(psid, mid if i == 0 else f"{mid}#{i}", a) for i, a in enumerate(attachments)]
    if text is not None:
        return [Inbound(psid, mid, "text", text=text)]
    return [Inbound(psid, mid, "unsupported")]


def _echo(event: dict) -> list[StaffReply]:
    """A message the Page sent: ours (it carries our metadata) is nothing new; anyone else's,
    typed by staff in the Page inbox, makes the bot keep quiet in that chat (channels.md §3)."""
    from delivery.messenger_channel import OUR_METADATA

    msg = event["message"]
    if msg.get("metadata") == OUR_METADATA:
        return []
    recipient = event.get("recipient")
    if not isinstance(recipient, dict):
        raise Malformed("echo without a recipient")
    text = msg.get("text") if isinstance(msg.get("text"), str) else None
    return [StaffReply(text_field(recipient, "id", "recipient"), text_field(msg, "mid", "message"), text)]


def _attachment(psid: str, provider_id: str, attachment: dict) -> Inbound:
    """One attachment: a photo or file to download, or a kind the engine explains."""
    kind = attachment.get("type")
    payload = attachment.get("payload") if isinstance(attachment.get("payload"), dict) else {}
    if payload.get("sticker_id"):
        return Inbound(psid, provider_id, "sticker")  # the thumbs-up "like" is an image with a sticker_id
    if kind in ("image", "file") and isinstance(payload.get("url"), str):
        return Inbound(psid, provider_id, "media", extra={"url": payload["url"], "type": kind})
    if kind in PLAIN_KINDS:
        return Inbound(psid, provider_id, PLAIN_KINDS[kind])
    return Inbound(psid, provider_id, "unsupported")  # fallback (shared link), template, reel, …


def _postback(psid: str, event: dict) -> Inbound:
    """A postback button press: its payload is our button id, its title the text."""
    postback = event["postback"]
    if not isinstance(postback, dict):
        raise Malformed("postback is not an object")
    payload = text_field(postback, "payload", "postback")
    # Older postbacks carry no mid; the sender, time and payload make a stable stand-in for dedupe.
    mid = postback.get("mid") or f"postback:{psid}:{event.get('timestamp')}:{payload}"[:200]
    title = postback.get("title") if isinstance(postback.get("title"), str) else None
    return Inbound(psid, str(mid), "button", text=title, button=payload)


def _receipt(psid: str, event: dict) -> Receipt:
    """A `delivery` (mids and/or watermark) or `read` (watermark) event."""
    status = "delivered" if "delivery" in event else "read"
    body = event.get("delivery") if status == "delivered" else event.get("read")
    if not isinstance(body, dict):
        raise Malformed(f"{status} is not an object")
    mids = body.get("mids") or []
    watermark = body.get("watermark")
    if not isinstance(mids, list) or not all(isinstance(m, str) for m in mids) or \
            (watermark is not None and not isinstance(watermark, int)):
        raise Malformed(f"{status} has a bad mids list or watermark")
    return Receipt(psid, status, mids, watermark)


@bp.get("/webhooks/messenger")
def verify():
    """Meta's subscription handshake."""
    return meta.handshake()


@bp.post("/webhooks/messenger")
def webhook():
    """Take a batch of events: store, queue, answer EVENT_RECEIVED at once."""
    body = meta.signed_json(CHANNEL, "page")
    spool.verified(_event_received)
    try:
        inbound, receipts = parse(body)
    except Malformed as err:
        log.warning("messenger webhook refused: %s", err)
        return Response("malformed", 400, mimetype="text/plain")
    if receipts:
        meta.commit_statuses(lambda s: _apply_receipts(s, receipts))
    stored = 0
    for item in inbound:
        stored += _store(item) is not None
    log.info("messenger webhook: %d message(s), %d new, %d receipt(s)", len(inbound), stored, len(receipts))
    return _event_received()


def _event_received() -> Response:
    """The answer Meta takes as delivered."""
    return Response("EVENT_RECEIVED", 200, mimetype="text/plain")


def _store(item):
    """Insert one message (None when it is a duplicate); a bare number may stand for a button."""
    if isinstance(item, StaffReply):
        return handoff.record_staff_reply(CHANNEL, item.psid, item.provider_id, item.text)
    kind, text, button = item.kind, item.text, item.button
    if kind == "text":
        from delivery.messenger_channel import shows_natively

        choice = meta.numbered_choice(CHANNEL, item.psid, text, shows_natively)
        if choice is not None:
            kind, (button, text) = "button", choice
    return receive(CHANNEL, item.psid, kind=kind, text=text, button=button, provider_id=item.provider_id,
                   extra=item.extra)


def _apply_receipts(s, receipts: list[Receipt]) -> None:
    """Mark our messages delivered or read, by mid and by watermark."""
    for receipt in receipts:
        for mid in receipt.mids:
            message = meta.outbound(s, CHANNEL, mid)
            if message is not None:
                meta.set_status(s, message, receipt.status)
        if receipt.watermark:
            meta.update_by_watermark(s, CHANNEL, receipt.psid, receipt.status, receipt.watermark)


def init_app(app) -> None:
    """Register the webhook and put the Messenger adapter and media hooks in their registries."""
    from delivery import ingest as inbound
    from delivery import channels, messenger_channel

    app.register_blueprint(bp)
    spool.init_app(app, bp)  # verified requests survive a database outage
    channels.ADAPTERS[CHANNEL] = messenger_channel.MessengerAdapter()
    inbound.MEDIA_FETCHERS[CHANNEL] = messenger_channel.fetch_media
    inbound.MEDIA_DELETERS.pop(CHANNEL, None)  # Messenger has no API to delete an attachment
