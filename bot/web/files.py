"""GET /files/<token>: a PDF behind a signed, short-lived link (bot.core.links makes them)."""
import io

from flask import Blueprint, abort, current_app, send_file
from itsdangerous import BadSignature, SignatureExpired

from bot.core import db, storage
from bot.core.links import serializer
from bot.core.models import Document, audit

bp = Blueprint("files", __name__)


def kept_bytes(row, gone: str | None = None) -> bytes:
    """The stored bytes of an upload or a document, or 404 (saying `gone`) when there is no such
    row or its file was deleted at the end of its retention period."""
    if row is None or row.purged_at is not None:
        abort(404, description=gone)
    try:
        return storage.load(row.storage_key)
    except OSError:
        abort(404, description=gone)


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
    data = kept_bytes(doc)  # a file deleted at the end of its retention period is gone for good
    audit(s, "public", "document_downloaded", doc)  # reads are recorded too (OpenCRVS)
    s.commit()
    # PDFs are small; reading them whole keeps no file handle open after the response.
    return send_file(io.BytesIO(data), mimetype=doc.content_type,
                     download_name=doc.filename, as_attachment=False, max_age=0)
