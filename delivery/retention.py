"""Retention: the files of a closed request are deleted after the office's retention period.

Closed means delivered, rejected or cancelled (bot.core.lifecycle.CLOSED). The citizen's photos
and the PDFs we sent are deleted; the request, the document record (number, sha256, so /v can
still answer for a printed copy) and the audit trail stay. config.yml `privacy.retention_days`
sets the period; the privacy notice in the flows quotes the same number.

A file an officer sent from the inbox (Document kind officer_file:…) belongs to no request: it is
deleted the same period after it was sent, its record kept like a request's documents.
"""
import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from bot.core import db
from bot.core.files import delete_unless_shared
from bot.core.lifecycle import CLOSED
from bot.core.models import OFFICER_FILE, Document, Request, Upload, as_utc, audit, utcnow

log = logging.getLogger(__name__)

BATCH = 200  # requests per run: a backlog is worked off over several runs, never in one long lock


def retention_days() -> int:
    """How long the files of a closed request are kept (config.yml privacy.retention_days)."""
    return int(current_app.config["OFFICE"].get("privacy", {}).get("retention_days", 90))


def purge_due(now: datetime | None = None) -> dict:
    """Delete the files of requests closed longer ago than the retention period; returns counts."""
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days())
    counts = {"requests": 0, "uploads": 0, "documents": 0, "officer_files": 0}
    with db.new_session() as s:
        due = s.execute(select(Request).where(Request.status.in_(CLOSED), Request.purged_at.is_(None),
                                              Request.closed_at.is_not(None), Request.closed_at <= cutoff)
                        .order_by(Request.closed_at).limit(BATCH)).scalars().all()
        for req in due:
            uploads = s.execute(select(Upload).where(Upload.request_id == req.id,
                                                     Upload.purged_at.is_(None))).scalars().all()
            documents = s.execute(select(Document).where(Document.request_id == req.id,
                                                         Document.purged_at.is_(None))).scalars().all()
            for row in (*uploads, *documents):
                row.purged_at = now
            s.flush()
            for row in (*uploads, *documents):
                delete_unless_shared(s, row.storage_key)
            req.purged_at = now
            audit(s, "system", "request_files_purged", req, ticket=req.ticket, uploads=len(uploads),
                  documents=len(documents), closed_at=as_utc(req.closed_at).isoformat())
            counts["requests"] += 1
            counts["uploads"] += len(uploads)
            counts["documents"] += len(documents)
        sent = s.execute(select(Document).where(Document.request_id.is_(None), Document.purged_at.is_(None),
                                                Document.kind.startswith(OFFICER_FILE + ":"),
                                                Document.created_at <= cutoff)
                         .order_by(Document.id).limit(BATCH)).scalars().all()
        for doc in sent:
            doc.purged_at = now
        s.flush()
        for doc in sent:
            delete_unless_shared(s, doc.storage_key)
            audit(s, "system", "officer_file_purged", doc, sent_at=as_utc(doc.created_at).isoformat())
        counts["officer_files"] = len(sent)
        s.commit()
    if counts["requests"] or counts["officer_files"]:
        log.info("retention: files of %(requests)s requests and %(officer_files)s officers' files deleted", counts)
    return counts


def purge_if_due(redis, queue_name: str, every: timedelta) -> dict | None:
    """`purge_due` at most once per `every` across the workers of a queue (a Redis lock)."""
    if not redis.set(f"sapa:retention:{queue_name}", "1", nx=True, ex=max(1, int(every.total_seconds()))):
        return None
    return purge_due()
