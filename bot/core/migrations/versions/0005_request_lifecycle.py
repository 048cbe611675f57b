"""The request lifecycle: fix items, reasons, document numbers, tokens, retention marks

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CURRENT = sa.text("status = 'current'")


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("fix_items", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("document_number", sa.String(80), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("officers") as batch:
        batch.add_column(sa.Column("token_hash", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_officers_token_hash", ["token_hash"])
    with op.batch_alter_table("uploads") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="current"))
        batch.add_column(sa.Column("number", sa.String(80), nullable=True))
        batch.add_column(sa.Column("source", sa.String(20), nullable=True))
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
        # A corrected document supersedes the old one: one *current* document per kind.
        batch.drop_constraint("uq_document_request_kind", type_="unique")
        batch.create_index("ix_documents_sha256", ["sha256"])
    op.create_index("uq_document_current_kind", "documents", ["request_id", "kind"], unique=True,
                    postgresql_where=CURRENT, sqlite_where=CURRENT)


def downgrade() -> None:
    op.drop_index("uq_document_current_kind", table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_sha256")
        batch.create_unique_constraint("uq_document_request_kind", ["request_id", "kind"])
        for column in ("purged_at", "source", "number", "status"):
            batch.drop_column(column)
    with op.batch_alter_table("uploads") as batch:
        batch.drop_column("purged_at")
    with op.batch_alter_table("officers") as batch:
        batch.drop_constraint("uq_officers_token_hash", type_="unique")
        batch.drop_column("token_hash")
    with op.batch_alter_table("requests") as batch:
        for column in ("purged_at", "closed_at", "document_number", "reason", "fix_items"):
            batch.drop_column(column)
