"""Filing a finished flow: ticket number, request row, audit entry, and the receipt owed."""
from datetime import date

from sqlalchemy import or_, select, update

from bot.core.crypto import lookups
from bot.core.models import Request, Upload, audit
from bot.core.privacy import mask_nik
from flows import checks
from flows.aftercare.common import missing_note
from flows.definition import Flow, condition_holds, is_unknown, live_answers, texts
from flows.messages import Reply
from flows.placeholders import fill
from flows.summary import documents
from flows.tickets import next_ticket
from nlu.regions import area_flag


def visible_answers(flow: Flow, answers: dict, today: date) -> dict:
    """Only the answers to steps that apply (an edit can make earlier answers irrelevant)."""
    return live_answers(flow.steps, answers, today)


def officer_flags(s, flow: Flow, answers: dict, today: date) -> list[str]:
    """What the officer should check: NIKs new to us, the flow's deadlines passed, missing documents."""
    words = texts()["officer_flags"]
    flags = []
    for step in flow.steps:
        if step.kind == "nik" and isinstance(answers.get(step.id), str) and not _known_nik(s, answers[step.id]):
            flags.append(fill(words["unknown_nik"], label=step.label, nik=mask_nik(answers[step.id])))
    flags += [fill(d.flag, days=d.days) for d in flow.deadlines if d.passed(answers, today)]
    flags += [f"{step.label}: {flag.partition(': ')[2]}" for step in flow.steps if step.kind in ("nik", "kk")
              and isinstance(answers.get(step.id), str) and (flag := area_flag(answers[step.id], step.kind))]
    flags += [fill(s.options["unknown_ok"], label=s.label) for s in flow.steps
              if s.options.get("unknown_ok") and is_unknown(answers.get(s.id))]
    flags += [fill(c.flag, **{k: v for k, v in answers.items() if isinstance(v, str)})
              for c in checks.failed(flow, answers, today) if c.soft and c.flag]
    _, missing = documents(flow, answers, today)
    flags += [fill(words["missing_document"], document=name) for name in missing]
    return flags


def _known_nik(s, nik: str) -> bool:
    """Whether an earlier request names this NIK (found by its keyed hash: NIKs are stored encrypted)."""
    hashes = lookups(nik)
    return s.execute(select(Request.id).where(or_(Request.applicant_nik_hash.in_(hashes),
                                                  Request.subject_nik_hash.in_(hashes))).limit(1)).first() is not None


def submit(engine, flow: Flow) -> list[Reply]:
    """Turn the confirmed answers into a submitted request and reset the conversation."""
    s, conv, office = engine.s, engine.conv, engine.office
    service = office["services"][flow.service]
    answers = visible_answers(flow, conv.answers, engine.today)
    spec = flow.submit
    who = spec.applicant_for(answers)
    _, missing = documents(flow, answers, engine.today)
    req = Request(
        ticket=next_ticket(s, service.get("prefix", office.get("office", {}).get("ticket_prefix_default", "SD"))),
        service=flow.service, status="submitted", contact_id=conv.contact_id,
        applicant_name=_text(answers.get(who.get("name"))), applicant_nik=_text(answers.get(who.get("nik"))),
        applicant_relation=who.get("relation"), subject_name=_text(answers.get(spec.subject)),
        subject_nik=_text(answers.get(spec.subject_nik)), answers=answers, linked_to=_linked(s, conv),
        flags=officer_flags(s, flow, answers, engine.today), missing_documents=missing,
    )
    s.add(req)
    s.flush()
    upload_ids = [v["upload_id"] for v in answers.values() if isinstance(v, dict) and v.get("upload_id")]
    if upload_ids:
        s.execute(update(Upload).where(Upload.id.in_(upload_ids)).values(request_id=req.id))
    audit(s, engine._actor(), "request_submitted", req, ticket=req.ticket, service=flow.service,
          missing=len(missing))
    email = answers.get(spec.contact_email) if spec.contact_email else None
    if email:
        conv.contact.email = email
    engine._clear()
    t = texts()
    done = engine._fmt(flow.done, ticket=req.ticket, duration=service.get("duration", t["duration_unknown"]),
                       email_note=t["done_email_note"] if email else "",
                       **{k: v for k, v in answers.items() if isinstance(v, str)})
    note = missing_note(missing)  # what is still missing, and that it can be sent here later
    if note:
        done = done.rstrip() + "\n\n" + note
    offers = follow_ups(engine, flow, answers)
    if offers:
        done = done.rstrip() + "\n\n" + "\n".join(engine._fmt(o.text, **_strings(answers)) for _, o in offers)
    # By the offer's place in the flow: two offers may start the same service with other answers.
    buttons = [{"id": f"follow:{i}:{req.ticket}", "title": o.title} for i, o in offers]
    return [Reply(done, buttons), Reply(document={"kind": "receipt", "request_id": req.id})]


def follow_ups(engine, flow: Flow, answers: dict) -> list:
    """(index, offer) of the requests offered after this one (at most two): those whose condition
    holds on these answers and whose service has a flow."""
    services = engine.office.get("services", {})
    return [(i, o) for i, o in enumerate(flow.follow_ups)
            if services.get(o.service, {}).get("flow") and (o.when is None or condition_holds(o.when, answers, engine.today))][:2]


def _strings(answers: dict) -> dict:
    """The answers a text may quote."""
    return {k: v for k, v in answers.items() if isinstance(v, str)}


def _text(value):
    """A name or NIK column's value: None for an answer given as 'tidak tahu'."""
    return None if is_unknown(value) else value


def _linked(s, conv) -> int | None:
    """The request this draft was started from (a follow-up button), when it is this citizen's."""
    ticket = (conv.answers or {}).get("_linked")
    if not ticket:
        return None
    return s.execute(select(Request.id).where(Request.ticket == ticket,
                                              Request.contact_id == conv.contact_id)).scalar_one_or_none()
