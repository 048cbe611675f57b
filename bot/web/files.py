"""GET /files/<token>: a PDF behind a signed, short-lived link (bot.core.links makes them)."""
import io

from flask import Blueprint, abort, current_app, send_file
from itsdangerous import BadSignature, SignatureExpired

from bot.core import db, storage
from bot.core.links import serializer
from bot.core.models import Document, audit

bp = Blueprint("files", __name__)


@bp.get("/files/<token>")
def download(token: str):
    """Serve a document by its signed token, with the PDF's real type and name."""
    try:
        document_id = serializer().loads(token, max_age=current_app.config["FILE_LINK_MAX_AGE"])
    except SignatureExpired:
        abort(410)
    except BadSignature:
        abort(404)
    s = db.session()
    doc = s.get(Document, document_id)
    if doc is None or doc.purged_at is not None:
        abort(404)  # a file deleted at the end of its retention period is gone for good
    audit(s, "public", "document_downloaded", doc)  # reads are recorded too (OpenCRVS)
    s.commit()
    # PDFs are small; reading them whole keeps no file handle open after the response.
    return send_file(io.BytesIO(storage.load(doc.storage_key)), mimetype=doc.content_type,
                     download_name=doc.filename, as_attachment=False, max_age=0)
