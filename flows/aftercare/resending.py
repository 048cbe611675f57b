"""*kirim ulang dokumen*: the current issued PDF again, while its file is kept."""
from bot.core import verification
from bot.core.models import audit
from flows.aftercare.common import not_found, request_named, requests_of, service_title, status_label, words
from flows.messages import Reply
from flows.placeholders import fill


def resend(engine, ticket: str | None) -> list[Reply]:
    """*kirim ulang dokumen [tiket]*: the current issued PDF again, when its file is still kept."""
    t = words()
    if ticket:
        req = request_named(engine, ticket)
        if req is None:
            return [not_found(ticket)]
    else:
        issued = [r for r in requests_of(engine) if r.status in ("issued", "delivered")]
        if not issued:
            return [Reply(t["resend_none"])]
        req = issued[0]
    if req.status not in ("issued", "delivered"):
        return [Reply(fill(t["resend_not_issued"], ticket=req.ticket, status=status_label(req)))]
    doc = verification.current_issued(engine.s, req.id)
    if doc is None:
        return [Reply(fill(t["resend_preparing"], ticket=req.ticket))]
    if doc.purged_at is not None:
        return [Reply(fill(t["resend_purged"], ticket=req.ticket))]
    audit(engine.s, engine._actor(), "document_resent_on_request", doc, ticket=req.ticket)
    text = fill(t["resend_text"], ticket=req.ticket, service=service_title(req, engine.office),
                number=doc.number or req.document_number or "-")
    return [Reply(text), Reply(document={"kind": "issued", "request_id": req.id, "document_id": doc.id,
                                         "filename": doc.filename, "content_type": doc.content_type})]
