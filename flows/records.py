"""The citizen's own records as the dialogue uses them: request status and uploaded files."""
from sqlalchemy import select

from bot.core.models import Request, Upload
from flows.messages import Reply
from flows.definition import texts

STATUS_LABELS = {
    "submitted": "diterima, menunggu pemeriksaan petugas",
    "in_review": "sedang diperiksa petugas",
    "needs_info": "perlu dilengkapi — petugas sudah menghubungi Bapak/Ibu",
    "approved": "disetujui, dokumen sedang disiapkan",
    "issued": "selesai, dokumen sudah dikirim",
    "rejected": "tidak dapat diproses — lihat pesan petugas",
    "cancelled": "dibatalkan",
}


def status_reply(s, contact_id: int, ticket: str | None, config: dict) -> Reply:
    """The status of this contact's requests (only their own: tickets are not secrets)."""
    t = texts()
    query = select(Request).where(Request.contact_id == contact_id).order_by(Request.id.desc())
    if ticket:
        req = s.execute(query.where(Request.ticket == ticket.upper())).scalar_one_or_none()
        if req is None:
            return Reply(t["status_not_found"].format(ticket=ticket.upper()))
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
        lines.append(f"• *{req.ticket}* — {title} ({when}): {STATUS_LABELS.get(req.status, req.status)}")
    return Reply("\n".join(lines))


def attach_upload(s, upload_id: int, slot: str) -> None:
    """Record which question a stored file answers."""
    upload = s.get(Upload, upload_id)
    if upload is not None:
        upload.slot = slot
