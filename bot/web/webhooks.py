"""The webhooks of every channel, as thin views: verify → parse → store → acknowledge.

`GET|POST /webhooks/<channel>` and `POST /webhooks/<channel>/<subpath>` (Twilio's `status`) for
each channel in delivery.channels.registry. Verification comes first (403 for a forged or
missing signature); a verified body that is not the provider's shape is 400; one event of a batch
that cannot be read is kept as an `unsupported` message (or, without a sender, audited) while
its neighbours are stored and answered. The provider gets its acknowledgement at once.

Limits (bot.core.ratelimit): an address whose requests keep failing the signature check gets 429
without its next ones being checked; a signed request is always taken (providers retry what they
see fail, which only adds load). A sender writing faster than `webhook_sender` allows is stored
all the same; the conversation job sees it from the stored rows and answers the burst calmly.
"""
import logging

from flask import Blueprint, Response, abort, request

from bot.core import db, handoff, ratelimit
from bot.core.models import audit
from bot.web import spool
from delivery import statuses
from delivery.channels import numbered
from delivery.channels.base import Batch, Channel, Inbound, Malformed
from delivery.channels.registry import CHANNELS
from delivery.ingest import receive

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)


def _channel(name: str, subpath: str) -> Channel:
    """The channel taking webhooks at this path, or 404."""
    found = CHANNELS.get(name)
    if found is None or subpath not in found.webhook_paths:
        abort(404)
    return found


@bp.get("/webhooks/<name>")
def handshake(name: str):
    """A provider's subscription check (Meta's hub.challenge)."""
    answer = _channel(name, "").handshake(request)
    if answer is None:
        abort(405)
    return answer


@bp.post("/webhooks/<name>", defaults={"subpath": ""})
@bp.post("/webhooks/<name>/<subpath>")
def webhook(name: str, subpath: str):
    """Verify, parse, store, acknowledge."""
    channel = _channel(name, subpath)
    address = request.remote_addr or "unknown"
    if ratelimit.over("webhook_forged_address", address):
        return Response("too many requests", 429, mimetype="text/plain", headers={"Retry-After": "60"})
    if not channel.verify(request):
        ratelimit.hit("webhook_forged_address", address)
        return Response("forbidden", 403, mimetype="text/plain")
    spool.verified(channel.acknowledge)  # from here on a database outage spools the request
    try:
        batch = channel.parse(request, subpath)
    except Malformed as err:
        # The reason names fields, never values: the body is a citizen's message.
        log.warning("%s webhook malformed on %s: %s", channel.name, request.path, err)
        return Response(f"malformed: {err}", 400, mimetype="text/plain")
    store(channel, batch)
    return channel.acknowledge()


def store(channel: Channel, batch: Batch) -> int:
    """Store a parsed batch: statuses, staff replies, messages, rejected events; the new messages."""
    if batch.statuses:
        statuses.record(channel.name, batch.statuses)
    for reply in batch.staff:
        handoff.record_staff_reply(channel.name, reply.external_id, reply.provider_id, reply.text)
    stored = 0
    for item in batch.messages:
        stored += _store_message(channel, item) is not None
    for bad in batch.rejected:
        if bad.external_id and bad.provider_id:
            # The citizen sent something we could not read: they still hear back.
            stored += _store_message(channel, Inbound(bad.external_id, bad.provider_id, "unsupported",
                                                      extra={"rejected": bad.reason[:200]})) is not None
        else:
            _audit_rejected(channel, bad.reason)
    # A line per webhook only for what someone may need to look into: at 1,000 webhooks a
    # second, the ordinary ones' lines were a cost of their own.
    log.log(logging.INFO if batch.rejected else logging.DEBUG, "%s webhook: %d message(s), %d new, %d status(es), "
            "%d rejected", channel.name, len(batch.messages), stored, len(batch.statuses), len(batch.rejected))
    return stored


def _store_message(channel: Channel, item: Inbound) -> int | None:
    """Insert one message (None when it is a duplicate); a bare number may stand for a button."""
    channel.before_store(item)
    kind, text, button, extra = item.kind, item.text, item.button, item.extra
    if kind == "text" and numbered.NUMBER.match(text or ""):
        offered = numbered.last_offered_buttons(channel.name, item.external_id)
        if offered and not channel.shows_natively(offered):
            choice = numbered.button_for_number(channel.name, item.external_id, text)
            if choice is not None:
                kind, (button, text), extra = "button", choice, {**extra, "typed": text}
    message_id = receive(channel.name, item.external_id, kind=kind, text=text, button=button,
                         provider_id=item.provider_id, display_name=item.display_name, extra=extra)
    channel.after_store(item, message_id)
    return message_id


def _audit_rejected(channel: Channel, reason: str) -> None:
    """An event with no sender to answer: kept in the audit log for whoever looks into it."""
    with db.new_session() as s:
        audit(s, "system", "webhook_event_rejected", None, channel=channel.name, reason=reason[:200])
        s.commit()


def init_app(app) -> None:
    """Register the webhook routes; verified requests survive a database outage (bot.web.spool)."""
    app.register_blueprint(bp)
    spool.init_app(app, bp)
