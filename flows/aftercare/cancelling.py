"""*batalkan permohonan AKL-0001*: confirmed first, then the lifecycle decides."""
from bot.core import lifecycle
from bot.core.lifecycle import Actor, Refused
from flows.aftercare.common import (
    BUTTONS_MAX,
    NO,
    YES,
    drop,
    keep,
    not_found,
    request_named,
    requests_of,
    service_title,
    status_label,
    words,
)
from flows.inputs import clean
from flows.messages import Event, Reply
from flows.modes import Mode
from flows.placeholders import fill


CANCELLABLE = lifecycle.TABLE["cancel"].sources


def start_cancel(engine, ticket: str | None) -> list[Reply]:
    """*batalkan permohonan [tiket]*: ask to confirm, or say why it can no longer be cancelled."""
    t = words()
    if ticket:
        req = request_named(engine, ticket)
        if req is None:
            return [not_found(ticket)]
        if req.status not in CANCELLABLE:
            return [Reply(fill(t["cancel_refused"], ticket=req.ticket, status=status_label(req)))]
    else:
        open_ = [r for r in requests_of(engine) if r.status in CANCELLABLE]
        if not open_:
            return [Reply(t["cancel_none"])]
        if len(open_) > 1:
            return [Reply(t["cancel_pick"], [{"id": f"rcancel:{r.ticket}", "title": r.ticket}
                                             for r in open_[:BUTTONS_MAX]])]
        req = open_[0]
    keep(engine, Mode.REQUEST_CANCEL, ticket=req.ticket)
    return [Reply(fill(t["cancel_ask"], ticket=req.ticket, service=service_title(req, engine.office)),
                  [{"id": "rcancel_yes", "title": t["cancel_yes"]}, {"id": "rcancel_no", "title": t["cancel_no"]}])]


def on_request_cancel(engine, event: Event, command: str | None, state) -> list[Reply]:
    """request_cancel: yes cancels the request (the lifecycle decides); anything else keeps it."""
    t = words()
    ticket = (engine.conv.answers or {}).get("ticket") or ""
    drop(engine)
    req = request_named(engine, ticket) if ticket else None
    if req is None:
        return [not_found(ticket or "-")]
    said = clean(event.button if event.kind == "button" else event.text)
    if said in ("rcancel_yes", "ya, batalkan", "batalkan") or said in YES:
        try:
            lifecycle.apply(engine.s, req, "cancel", Actor("citizen"), via="chat")
        except Refused:
            return [Reply(fill(t["cancel_refused"], ticket=req.ticket, status=status_label(req)))]
        return [Reply(fill(t["cancel_done"], ticket=req.ticket), email_for=req.id)]
    kept = [Reply(fill(t["cancel_kept"], ticket=req.ticket))]
    if said in ("rcancel_no",) or said in NO or command == "cancel" or event.kind != "text":
        return kept
    return kept + engine._idle(event, command)
