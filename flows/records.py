"""The citizen's own records as the dialogue uses them: request status and uploaded files."""
from sqlalchemy import select

from bot.core.models import Request, Upload
from flows.definition import texts
from flows.messages import Reply
from flows.placeholders import fill

# Request status in words (flows/texts.yml status_labels); the inbox and the verification page use it too.
STATUS_LABELS = texts()["status_labels"]


def status_reply(s, contact_id: int, ticket: str | None, config: dict) -> Reply:
    """The status of this contact's requests (only their own: tickets are not secrets)."""
    t = texts()
    query = select(Request).where(Request.contact_id == contact_id).order_by(Request.id.desc())
    if ticket:
        req = s.execute(query.where(Request.ticket == ticket.upper())).scalar_one_or_none()
        if req is None:
            return Reply(fill(t["status_not_found"], ticket=ticket.upper()))
        rows = [req]
    else:
        rows = s.execute(query.limit(5)).scalars().all()
    if not rows:
        return Reply(t["status_none"])
    services = config.get("services", {})
    lines = [t["status_head"]]
    for req in rows:
        title = services.get(req.service, {}).get("title", req.service)
        when = req.created_at.strftime("%d/%m/%Y")
        status = t["status_labels"].get(req.status, req.status)
        lines.append(f"• *{req.ticket}* — {title} ({when}): {status}")
    return Reply("\n".join(lines))


def attach_upload(s, upload_id: int, slot: str) -> None:
    """Record which question a stored file answers."""
    upload = s.get(Upload, upload_id)
    if upload is not None:
        upload.slot = slot
