"""Public verification of a document by its QR code: no login, nothing personal shown."""
from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select

from bot.core import db
from bot.core.models import Document, audit
from bot.core.privacy import mask_nik
from flows.records import STATUS_LABELS

bp = Blueprint("verify", __name__)


@bp.get("/v/<code>")
def verify(code: str):
    """Say whether a document is genuine, for whom (masked) and what its request's status is."""
    s = db.session()
    doc = s.execute(select(Document).where(Document.code == code)).scalar_one_or_none()
    if doc is None:
        abort(404)
    audit(s, "public", "document_verified", doc)
    s.commit()
    req = doc.request
    service = current_app.config["OFFICE"]["services"].get(req.service, {}).get("title", req.service)
    return render_template("verify.html", doc=doc, req=req, service=service,
                           status=STATUS_LABELS.get(req.status, req.status),
                           applicant_nik=mask_nik(req.applicant_nik),
                           office=current_app.config["OFFICE"]["office"])
