"""What a filed request still lacks, and taking the citizen's late documents and corrections.

Both sides use it: the officers' review (what is missing, what to ask for) and the chat (a photo
sent after the ticket, an answer corrected item by item). A request's `fix_items` are what an
officer asked for: [{"document"|"answer": step id, "title", "note", "done"}]; documents the
citizen said they did not have yet are missing photo steps of the flow.
"""
from bot.core import lifecycle
from bot.core.models import Request, Upload, audit, utcnow
from flows.definition import Flow, Step, applies, load_flow
from flows.summary import documents


def flow_of(req: Request, office: dict) -> Flow:
    """The flow the request was filed through."""
    return load_flow(office["services"][req.service]["flow"])


def _today(req: Request):
    # Conditions are judged as on the day the request was filed (an age in days, a deadline).
    return req.created_at.date()


def missing_steps(flow: Flow, req: Request) -> list[Step]:
    """The photo steps that apply and have no file yet, in flow order."""
    found = []
    for step in flow.steps:
        if step.kind != "photo" or not applies(step, req.answers, _today(req)):
            continue
        value = req.answers.get(step.id) or {"missing": True}
        if value.get("missing"):
            found.append(step)
    return found


def missing(flow: Flow, req: Request) -> list[dict]:
    """[{"document": step id, "title"}] for the API, the inbox and the chat."""
    return [{"document": s.id, "title": s.document or s.label} for s in missing_steps(flow, req)]


def open_fix_items(req: Request) -> list[dict]:
    """What the officer asked for that the citizen has not sent yet."""
    return [item for item in req.fix_items or [] if not item.get("done")]


def wanted_documents(flow: Flow, req: Request) -> list[Step]:
    """Photo steps a file sent now would answer: those the officer asked for, then the missing."""
    if req.status not in ("submitted", "in_review", "needs_fix"):
        return []
    asked = [flow.step(i["document"]) for i in open_fix_items(req) if i.get("document")]
    return asked + [s for s in missing_steps(flow, req) if s not in asked]


def fix_item_step(flow: Flow, item: dict) -> Step:
    """The flow step an officer's fix item names."""
    return flow.step(item.get("document") or item.get("answer"))


def take_document(s, flow: Flow, req: Request, step: Step, upload_id: int, actor: str) -> None:
    """A file the citizen sent for one of the request's photo steps."""
    req.answers = {**req.answers, step.id: {"upload_id": upload_id}}
    upload = s.get(Upload, upload_id)
    if upload is not None:
        upload.request_id, upload.slot = req.id, step.id
    _, still_missing = documents(flow, req.answers, _today(req))
    req.missing_documents = still_missing
    _mark_done(req, "document", step.id)
    audit(s, actor, "request_document_received", req, ticket=req.ticket, step=step.id)


def take_answer(s, flow: Flow, req: Request, step: Step, value, actor: str) -> None:
    """A corrected answer the officer asked for (already validated by the step's own validator)."""
    req.answers = {**req.answers, step.id: value}
    # The request row keeps copies of the names and NIKs (the queue shows them): refresh them.
    spec = flow.submit
    who = spec.applicant_for(req.answers)
    req.applicant_name = req.answers.get(who.get("name"))
    req.applicant_nik = req.answers.get(who.get("nik"))
    req.subject_name = req.answers.get(spec.subject)
    req.subject_nik = req.answers.get(spec.subject_nik)
    _mark_done(req, "answer", step.id)
    audit(s, actor, "request_answer_corrected", req, ticket=req.ticket, step=step.id)


def _mark_done(req: Request, kind: str, step_id: str) -> None:
    """Tick the officer's fix item for this step, if there is one."""
    items = [dict(i) for i in req.fix_items or []]
    for item in items:
        if item.get(kind) == step_id and not item.get("done"):
            item["done"], item["done_at"] = True, utcnow().isoformat()
    req.fix_items = items


def finish_fixes(s, req: Request, actor: lifecycle.Actor) -> bool:
    """Back to the officer when nothing the officer asked for is open; True when it went back."""
    if req.status != "needs_fix" or open_fix_items(req):
        return False
    lifecycle.apply(s, req, "fixed", actor)
    return True
