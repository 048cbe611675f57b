"""Blank official forms sent in the chat (issue 12): a document may belong to no request
(documents.request_id nullable; kind "form:<name>"), one current stored copy per form

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CURRENT_FORM = sa.text("request_id IS NULL AND status = 'current'")


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("request_id", existing_type=sa.Integer(), nullable=True)
    op.create_index("uq_document_current_form", "documents", ["kind"], unique=True,
                    postgresql_where=CURRENT_FORM, sqlite_where=CURRENT_FORM)


def downgrade() -> None:
    op.drop_index("uq_document_current_form", table_name="documents")
    op.execute(sa.text("DELETE FROM documents WHERE request_id IS NULL"))
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("request_id", existing_type=sa.Integer(), nullable=False)
