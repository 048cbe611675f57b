"""NIK and KK numbers encrypted at rest: requests' NIK columns become encrypted columns with a keyed
hash beside them; NIK/KK-shaped strings in answers, drafts and fix notes are encrypted in place;
what citizens typed is kept masked (docs/personal-data.md)

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

from bot.core import crypto

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NIK_COLUMNS = ("applicant_nik", "subject_nik")


def _keys():
    """The data keys (the app's under `flask init-db`, else DATA_KEY or the development key)."""
    return crypto.keys_outside_app()


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        for name in NIK_COLUMNS:
            batch.add_column(sa.Column(f"{name}_enc", sa.Text(), nullable=True))
            batch.add_column(sa.Column(f"{name}_hash", sa.String(64), nullable=True))
            batch.create_index(f"ix_requests_{name}_hash", [f"{name}_hash"])
    conn = op.get_bind()
    ks = None
    requests = sa.table("requests", sa.column("id", sa.Integer), *(sa.column(n, sa.String) for n in NIK_COLUMNS),
                        *(sa.column(f"{n}_enc", sa.Text) for n in NIK_COLUMNS),
                        *(sa.column(f"{n}_hash", sa.String) for n in NIK_COLUMNS),
                        sa.column("answers", sa.JSON), sa.column("fix_items", sa.JSON))
    for row in conn.execute(sa.select(requests)).mappings().all():
        ks = ks or _keys()
        values = {"answers": crypto.seal_json(row["answers"] or {}, ks),
                  "fix_items": crypto.seal_json(row["fix_items"] or [], ks)}
        for name in NIK_COLUMNS:
            if row[name]:
                values[f"{name}_enc"], values[f"{name}_hash"] = ks.encrypt(row[name]), ks.lookup(row[name])
        conn.execute(requests.update().where(requests.c.id == row["id"]).values(**values))
    conversations = sa.table("conversations", sa.column("id", sa.Integer), sa.column("answers", sa.JSON),
                             sa.column("paused", sa.JSON))
    for row in conn.execute(sa.select(conversations)).mappings().all():
        ks = ks or _keys()
        conn.execute(conversations.update().where(conversations.c.id == row["id"]).values(
            answers=crypto.seal_json(row["answers"] or {}, ks), paused=crypto.seal_json(row["paused"] or [], ks)))
    messages = sa.table("messages", sa.column("id", sa.Integer), sa.column("direction", sa.String),
                        sa.column("text", sa.Text), sa.column("status", sa.String), sa.column("payload", sa.JSON))
    for row in conn.execute(sa.select(messages).where(messages.c.direction == "in",
                                                      messages.c.text.is_not(None))).mappings().all():
        if not crypto.has_number(row["text"]):
            continue
        ks = ks or _keys()
        payload = dict(row["payload"] or {})
        if row["status"] == "received":  # not handled yet: the conversation job still needs the real text
            payload[crypto.TEXT_KEY] = ks.encrypt(row["text"])
        conn.execute(messages.update().where(messages.c.id == row["id"]).values(
            text=crypto.mask_numbers(row["text"]), payload=payload))
    with op.batch_alter_table("requests") as batch:
        for name in NIK_COLUMNS:
            batch.drop_column(name)


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        for name in NIK_COLUMNS:
            batch.add_column(sa.Column(name, sa.String(16), nullable=True))
    conn = op.get_bind()
    ks = None
    requests = sa.table("requests", sa.column("id", sa.Integer), *(sa.column(n, sa.String) for n in NIK_COLUMNS),
                        *(sa.column(f"{n}_enc", sa.Text) for n in NIK_COLUMNS),
                        sa.column("answers", sa.JSON), sa.column("fix_items", sa.JSON))
    for row in conn.execute(sa.select(requests)).mappings().all():
        ks = ks or _keys()
        values = {"answers": crypto.open_json(row["answers"] or {}, ks),
                  "fix_items": crypto.open_json(row["fix_items"] or [], ks)}
        for name in NIK_COLUMNS:
            if row[f"{name}_enc"]:
                values[name] = ks.decrypt(row[f"{name}_enc"])
        conn.execute(requests.update().where(requests.c.id == row["id"]).values(**values))
    conversations = sa.table("conversations", sa.column("id", sa.Integer), sa.column("answers", sa.JSON),
                             sa.column("paused", sa.JSON))
    for row in conn.execute(sa.select(conversations)).mappings().all():
        ks = ks or _keys()
        conn.execute(conversations.update().where(conversations.c.id == row["id"]).values(
            answers=crypto.open_json(row["answers"] or {}, ks), paused=crypto.open_json(row["paused"] or [], ks)))
    # Masked message texts stay masked: the numbers live in the answers.
    with op.batch_alter_table("requests") as batch:
        for name in NIK_COLUMNS:
            batch.drop_index(f"ix_requests_{name}_hash")
            batch.drop_column(f"{name}_hash")
            batch.drop_column(f"{name}_enc")
