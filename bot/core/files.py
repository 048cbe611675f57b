"""Stored files as the rows see them: one file per content, so several rows may share one."""
from sqlalchemy import select

from bot.core import storage
from bot.core.models import Document, Upload


def delete_unless_shared(s, key: str) -> None:
    """Delete a stored file unless a live upload or document row still points to it."""
    live = s.execute(select(Upload.id).where(Upload.storage_key == key, Upload.purged_at.is_(None))
                     .limit(1)).first() or s.execute(
        select(Document.id).where(Document.storage_key == key, Document.purged_at.is_(None)).limit(1)).first()
    if live is None:
        storage.path_of(key).unlink(missing_ok=True)
