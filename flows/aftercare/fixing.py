"""*lengkapi*: the officer's fix items asked one at a time, each with its step's own question and
validator (a NIK re-asked is checked as a NIK), saved as they come."""
from bot.core.models import Request
from flows import request_items
from flows.aftercare.commands import command_in
from flows.aftercare.common import (
    BUTTONS_MAX,
    drop,
    flow_or_none,
    keep,
    not_found,
    request_named,
    requests_of,
    send_photo_help,
    status_label,
    wanted_by,
    what_next,
    words,
)
from flows.definition import Flow, texts
from flows.inputs import clean, parse_answer
from flows.messages import Event, Reply
from flows.modes import Mode
from flows.placeholders import fill
from flows.validators import Invalid, Propose

# Buttons of other messages (the menu, a status reply, an offer), never an answer to a fix item.
ELSEWHERE = ("svc:", "resume:", "intent:", "status", "fix:", "resend:", "rcancel", "docreq:", "docfor:", "docno",
             "dataerase:")


def start_fix(engine, ticket: str | None) -> list[Reply]:
    """*lengkapi [tiket]*: the officer's open items of a request that needs fixing, one at a time."""
    t = words()
    if ticket:
        req = request_named(engine, ticket)
        if req is None:
            return [not_found(ticket)]
        if req.status != "needs_fix":
            wanted = [w for w in wanted_by(engine) if w[0].id == req.id]
            replies = [Reply(fill(t["fix_none"], ticket=req.ticket, status=status_label(req)))]
            return replies + ([send_photo_help(wanted)] if wanted else [])
    else:
        waiting = [r for r in requests_of(engine) if r.status == "needs_fix"]
        if not waiting:
            wanted = wanted_by(engine)
            return [Reply(t["fix_none_any"])] + ([send_photo_help(wanted)] if wanted else [])
        if len(waiting) > 1:
            return [Reply(t["fix_pick"], [{"id": f"fix:{r.ticket}", "title": fill(t["fix_button"], ticket=r.ticket)}
                                          for r in waiting[:BUTTONS_MAX]])]
        req = waiting[0]
    flow = flow_or_none(req, engine.office)
    items = request_items.open_fix_items(req)
    if flow is None or not items:
        return what_next(engine, req, flow) if flow else [Reply(fill(t["fix_none"], ticket=req.ticket,
                                                                       status=status_label(req)))]
    keep(engine, Mode.FIXING, ticket=req.ticket)
    return [Reply(fill(t["fix_start"], ticket=req.ticket, count=len(items))), ask_item(engine, flow, req, items[0])]


def ask_item(engine, flow: Flow, req: Request, item: dict, prefix: str = "") -> Reply:
    """The step's own question (with the officer's note first); a photo step asks for the photo."""
    t = words()
    step = request_items.fix_item_step(flow, item)
    parts = [p for p in (prefix, fill(t["fix_note"], note=item["note"]) if item.get("note") else "") if p]
    reply = engine._ask(flow, step, prefix="\n\n".join(parts), answers=req.answers)
    if step.kind == "photo":
        reply.buttons = []  # "Belum ada" is no answer to an officer's request
    if len(reply.buttons) < BUTTONS_MAX:
        reply.buttons.append({"id": "cmd:cancel", "title": t["later"]})
    return reply


def on_fixing(engine, event: Event, command: str | None, state) -> list[Reply]:
    """fixing: the answer to the current fix item, validated as the flow validates it."""
    t = words()
    ticket = (engine.conv.answers or {}).get("ticket") or ""
    req = request_named(engine, ticket) if ticket else None
    flow = flow_or_none(req, engine.office) if req is not None else None
    if req is None or flow is None or req.status != "needs_fix":
        drop(engine)
        return [Reply(fill(t["fix_none"], ticket=ticket, status=status_label(req) if req else "-"))]
    items = request_items.open_fix_items(req)
    if not items:
        drop(engine)
        return what_next(engine, req, flow)
    item = items[0]
    step = request_items.fix_item_step(flow, item)
    if command in ("cancel", "menu"):
        drop(engine)
        replies = [Reply(fill(t["fix_stopped"], ticket=req.ticket))]
        return replies + ([engine._menu_reply()] if command == "menu" else [])
    if event.kind == "button" and (event.button or "").startswith(ELSEWHERE):
        if event.button == f"fix:{req.ticket}":
            return [ask_item(engine, flow, req, item)]
        drop(engine)  # a menu or status button from an earlier message: leave fixing, progress kept
        return [Reply(fill(t["fix_stopped"], ticket=req.ticket))] + engine._idle(event, None)
    if command == "help" or event.kind not in ("text", "button", "file"):
        reason = engine._bad_kind_reply(event).text if command != "help" else ""
        return [ask_item(engine, flow, req, item, prefix=reason)]
    if event.kind == "text" and not (event.text or "").strip():
        return [ask_item(engine, flow, req, item, prefix=texts()["empty_message"])]
    if event.kind == "text" and command_in(clean(event.text)) in ("cancel", "resend", "status", "verify"):
        drop(engine)  # a request about another ticket: leave fixing (progress is kept) and answer it
        return [Reply(fill(t["fix_stopped"], ticket=req.ticket))] + engine._idle(event, None)
    try:
        value = parse_answer(step, event, engine.today)
    except Invalid as err:
        return [ask_item(engine, flow, req, item, prefix=err.message)]
    except Propose as guess:
        # A fix is checked by the officer who asked for it: keep the proper form of what was typed.
        value = guess.value
    if step.kind == "photo":
        if not value.get("upload_id"):  # "belum ada": stop here, the photo can come later
            drop(engine)
            return [Reply(fill(t["fix_stopped"], ticket=req.ticket))]
        request_items.take_document(engine.s, flow, req, step, value["upload_id"], engine._actor())
    else:
        request_items.take_answer(engine.s, flow, req, step, value, engine._actor())
    items = request_items.open_fix_items(req)
    if items:
        return [ask_item(engine, flow, req, items[0], prefix=t["fix_saved"])]
    drop(engine)
    return what_next(engine, req, flow)
