"""What every part of aftercare shares: the citizen's requests, the words, the kept state."""
from sqlalchemy import select

from bot.core.lifecycle import Actor
from bot.core.models import Request
from flows import request_items
from flows.definition import Flow, Step, texts
from flows.messages import Reply
from flows.modes import Mode
from flows.aftercare.commands import TICKET
from flows.placeholders import fill

YES = {"ya", "iya", "y", "yes", "benar", "betul", "ok", "oke", "iy", "yup", "ya benar", "betul sekali"}
NO = {"bukan", "tidak", "tdk", "no", "salah", "bukan itu", "gak", "ga", "nggak", "enggak"}
OPEN_FOR_DOCUMENTS = ("submitted", "in_review", "needs_fix")
BUTTONS_MAX = 3


def words() -> dict:
    """The aftercare texts (flows/texts.yml `aftercare`)."""
    return texts()["aftercare"]


# ---- the citizen's requests ----------------------------------------------------------------------
def requests_of(engine, limit: int | None = None) -> list[Request]:
    """This contact's requests, newest first."""
    query = select(Request).where(Request.contact_id == engine.conv.contact_id).order_by(Request.id.desc())
    return list(engine.s.execute(query.limit(limit) if limit else query).scalars())


def request_named(engine, ticket: str) -> Request | None:
    """This contact's request with that ticket (tickets are not secrets: only one's own)."""
    return engine.s.execute(select(Request).where(Request.contact_id == engine.conv.contact_id,
                                                  Request.ticket == ticket.upper())).scalar_one_or_none()


def flow_or_none(req: Request, office: dict) -> Flow | None:
    """The flow a request was filed through, None when the service no longer has one."""
    try:
        return request_items.flow_of(req, office)
    except (KeyError, FileNotFoundError):
        return None


def service_title(req: Request, office: dict) -> str:
    """The service's title as citizens know it."""
    return office.get("services", {}).get(req.service, {}).get("title", req.service)


def status_label(req: Request) -> str:
    """The request's status in words."""
    return texts()["status_labels"].get(req.status, req.status)


def document_name(step: Step) -> str:
    """What a photo step's document is called."""
    return step.document or step.label


def wanted_by(engine) -> list[tuple[Request, Flow, list[Step]]]:
    """This contact's requests a file sent now would complete, newest first."""
    found = []
    for req in requests_of(engine):
        if req.status not in OPEN_FOR_DOCUMENTS:
            continue
        flow = flow_or_none(req, engine.office)
        steps = request_items.wanted_documents(flow, req) if flow else []
        if steps:
            found.append((req, flow, steps))
    return found


def keep(engine, mode: Mode, **data) -> None:
    """Enter one of aftercare's modes, keeping what it is about in Conversation.answers."""
    engine.conv.answers = data
    engine._enter(mode)


def drop(engine) -> None:
    """Back to idle, forgetting the kept state."""
    engine.conv.answers = {}
    engine._enter(Mode.IDLE)


def ticket_in(text: str | None) -> str | None:
    """The ticket number in a text, upper-cased."""
    found = TICKET.search(text or "")
    return found.group(1).upper() if found else None


def not_found(ticket: str) -> Reply:
    """The reply for a ticket this contact does not have."""
    return Reply(fill(texts()["status_not_found"], ticket=ticket))


def missing_note(names: list[str]) -> str:
    """'Dokumen yang masih kurang: • … Kirim fotonya kapan saja …' (empty when nothing is missing)."""
    if not names:
        return ""
    t = words()
    return "\n".join([t["missing_head"], *(fill(t["missing_line"], document=n) for n in names),
                      t["missing_foot"]])


def send_photo_help(wanted) -> Reply:
    """'Silakan kirim fotonya di sini' with what each request still waits for."""
    t = words()
    lines = [t["send_photo_here"]]
    for req, _flow_, steps in wanted:
        lines.append(fill(t["offer_request_line"], ticket=req.ticket, documents=", ".join(document_name(s) for s in steps)))
    return Reply("\n".join(lines))


def what_next(engine, req: Request, flow: Flow) -> list[Reply]:
    """After a document or a fix: back to the officer when all is in, else what is still open."""
    t = words()
    if req.status == "needs_fix":
        open_items = request_items.open_fix_items(req)
        if not open_items:
            request_items.finish_fixes(engine.s, req, Actor("citizen"))
            return [Reply(fill(texts()["request_updates"]["fixed"], ticket=req.ticket), email_for=req.id)]
        return [Reply(fill(t["still_to_fix"], ticket=req.ticket,
                           documents=", ".join(i["title"] for i in open_items)))]
    remaining = request_items.missing(flow, req)
    if remaining:
        return [Reply(fill(t["still_missing"], ticket=req.ticket,
                           documents=", ".join(m["title"] for m in remaining)))]
    return [Reply(fill(t["all_documents_in"], ticket=req.ticket))]
