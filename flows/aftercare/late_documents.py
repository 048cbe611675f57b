"""A file sent after the ticket: offered for what a request still lacks ("Foto ini untuk KTP-el ibu
pada AKL-0001?"), attached to it, or else checked as a document we issued."""
from rapidfuzz import fuzz, process, utils

from bot.core.models import Request
from flows import request_items
from flows.aftercare.checking import check_file
from flows.aftercare.commands import VERIFY
from flows.aftercare.common import (
    BUTTONS_MAX,
    NO,
    YES,
    document_name,
    drop,
    keep,
    ticket_in,
    wanted_by,
    what_next,
    words,
)
from flows.definition import Flow, Step
from flows.inputs import clean
from flows.messages import Event, Reply
from flows.modes import Mode
from flows.placeholders import fill


def on_file(engine, upload_id: int) -> list[Reply]:
    """A file while idle: offered for a request that lacks a document, else checked."""
    wanted = wanted_by(engine)
    if not wanted:
        drop(engine)
        return check_file(engine, upload_id, offered=False)
    if len(wanted) == 1:
        req, flow, steps = wanted[0]
        return offer(engine, upload_id, req, steps)
    t = words()
    keep(engine, Mode.DOC_OFFER, upload_id=upload_id)
    lines = [t["offer_request"]] + [fill(t["offer_request_line"], ticket=r.ticket,
                                         documents=", ".join(document_name(s) for s in steps)) for r, _f, steps in wanted]
    buttons = [{"id": f"docreq:{r.ticket}", "title": r.ticket} for r, _f, _s in wanted[:BUTTONS_MAX - 1]]
    return [Reply("\n".join(lines), buttons + [{"id": "docno", "title": t["not_this"]}])]


def offer(engine, upload_id: int, req: Request, steps: list[Step]) -> list[Reply]:
    """'Foto ini untuk *KTP-el ibu* pada *AKL-0001*?' Ya / the next wanted document / Bukan."""
    t = words()
    first = steps[0]
    keep(engine, Mode.DOC_OFFER, upload_id=upload_id, ticket=req.ticket, step=first.id)
    buttons = [{"id": f"docfor:{first.id}", "title": t["yes"]}]
    buttons += [{"id": f"docfor:{s.id}", "title": document_name(s)[:20]} for s in steps[1:BUTTONS_MAX - 1]]
    buttons.append({"id": "docno", "title": t["not_this"]})
    return [Reply(fill(t["offer_document"], document=document_name(first), ticket=req.ticket), buttons)]


def on_doc_offer(engine, event: Event, command: str | None, state) -> list[Reply]:
    """doc_offer: which request and which document the file is for, or not one of them."""
    kept = dict(engine.conv.answers or {})
    upload_id = kept.get("upload_id")
    if event.kind == "file" and event.upload:
        return on_file(engine, event.upload["id"])
    said = clean(event.button if event.kind == "button" else event.text)
    if said == "docno" or said in NO or (event.kind == "text" and VERIFY.search(said)):
        drop(engine)
        return check_file(engine, upload_id, offered=True)
    if command in ("cancel", "menu"):
        drop(engine)
        return [Reply(words()["not_attached"])] + ([engine._menu_reply()] if command == "menu" else [])
    wanted = {r.ticket: (r, f, steps) for r, f, steps in wanted_by(engine)}
    ticket = kept.get("ticket")
    chosen = said[len("docreq:"):].upper() if said.startswith("docreq:") else ticket_in(said)
    if chosen and chosen in wanted and upload_id:
        return offer(engine, upload_id, wanted[chosen][0], wanted[chosen][2])
    if ticket in wanted and upload_id:
        req, flow, steps = wanted[ticket]
        step = None
        if said.startswith("docfor:"):
            step = next((s for s in steps if s.id == said[len("docfor:"):]), None)
        elif said in YES:
            step = next((s for s in steps if s.id == kept.get("step")), None)
        elif said:
            step = step_named(steps, said)
        if step is not None:
            return take(engine, req, flow, step, upload_id)
    drop(engine)
    return engine._idle(event, command)


def step_named(steps: list[Step], said: str) -> Step | None:
    """A wanted document the citizen named by typing ("kk", "ktp ibu")."""
    names = {clean(document_name(s)): s for s in steps}
    found = process.extractOne(said, list(names), scorer=fuzz.WRatio, processor=utils.default_process,
                               score_cutoff=80)
    return names[found[0]] if found else None


def take(engine, req: Request, flow: Flow, step: Step, upload_id: int) -> list[Reply]:
    """Attach the file to the request's step and say what is still needed."""
    t = words()
    request_items.take_document(engine.s, flow, req, step, upload_id, engine._actor())
    drop(engine)
    replies = [Reply(fill(t["document_taken"], document=document_name(step), ticket=req.ticket))]
    return replies + what_next(engine, req, flow)
