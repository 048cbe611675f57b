"""The citizen's own records as the dialogue uses them: request status and uploaded files."""
from sqlalchemy import select

from bot.core.models import Request, Upload
from flows import request_items
from flows.definition import texts
from flows.messages import Reply
from flows.placeholders import fill

# Request status in words (flows/texts.yml status_labels); the inbox and the verification page use it too.
STATUS_LABELS = texts()["status_labels"]
BUTTONS_MAX = 3


def status_reply(s, contact_id: int, ticket: str | None, config: dict) -> Reply:
    """The status of this contact's requests (only their own: tickets are not secrets): where each
    is, what it still lacks, and what to do next, with a button for that where there is one."""
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
    lines, buttons = [t["status_head"]], []
    for req in rows:
        title = services.get(req.service, {}).get("title", req.service)
        when = req.created_at.strftime("%d/%m/%Y")
        status = t["status_labels"].get(req.status, req.status)
        lines.append(f"• *{req.ticket}* — {title} ({when}): {status}")
        more, button = _details(req, config)
        lines += more
        if button and len(buttons) < BUTTONS_MAX:
            buttons.append(button)
    return Reply("\n".join(lines), buttons)


def _details(req: Request, config: dict) -> tuple[list[str], dict | None]:
    """What a request still lacks and the citizen's next step (lines), and the button for it."""
    t = texts()["aftercare"]
    lines, button = [], None
    if req.status in ("submitted", "in_review", "needs_fix"):
        try:
            flow = request_items.flow_of(req, config)
        except (KeyError, FileNotFoundError):
            flow = None
        items = request_items.open_fix_items(req) if req.status == "needs_fix" else []
        asked = {i.get("document") for i in items}
        missing = [m["title"] for m in request_items.missing(flow, req) if m["document"] not in asked] if flow \
            else list(req.missing_documents or [])
        for item in items:
            note = fill(texts()["request_updates"]["note_line"], note=item["note"]) if item.get("note") else ""
            lines.append(fill(t["status_fix_item"], title=item["title"], note=note))
        if missing:
            lines.append(fill(t["status_missing"], documents=", ".join(missing)))
        if items:
            lines.append(fill(t["next_fix"], ticket=req.ticket))
            button = {"id": f"fix:{req.ticket}", "title": fill(t["fix_button"], ticket=req.ticket)}
        elif missing:
            lines.append(t["next_missing"])
    elif req.status in ("issued", "delivered"):
        lines.append(fill(t["next_resend"], ticket=req.ticket))
        button = {"id": f"resend:{req.ticket}", "title": fill(t["resend_button"], ticket=req.ticket)}
    elif req.status == "rejected" and req.reason:
        lines.append(fill(t["status_reason"], reason=req.reason))
    return lines, button


def attach_upload(s, upload_id: int, slot: str) -> None:
    """Record which question a stored file answers."""
    upload = s.get(Upload, upload_id)
    if upload is not None:
        upload.slot = slot
