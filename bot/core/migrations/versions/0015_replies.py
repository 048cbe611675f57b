"""Replies that help (issue 15 item 3): canned responses, officers' private notes, labels on
conversations, and the officer a conversation is assigned to

Revision ID: 0015
Revises: 0014_convs
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014_convs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_conversation_assignee", "officers", ["assignee_id"], ["id"])
    op.create_table(
        "canned_responses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(80), nullable=False, unique=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "conversation_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.Integer(), sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officers.id"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_conversation_notes_conversation_id", "conversation_notes", ["conversation_id"])
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "conversation_labels",
        sa.Column("conversation_id", sa.Integer(), sa.ForeignKey("conversations.id"), primary_key=True),
        sa.Column("label_id", sa.Integer(), sa.ForeignKey("labels.id"), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_conversation_labels_label_id", "conversation_labels", ["label_id"])


def downgrade() -> None:
    op.drop_index("ix_conversation_labels_label_id", table_name="conversation_labels")
    op.drop_table("conversation_labels")
    op.drop_table("labels")
    op.drop_index("ix_conversation_notes_conversation_id", table_name="conversation_notes")
    op.drop_table("conversation_notes")
    op.drop_table("canned_responses")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_constraint("fk_conversation_assignee", type_="foreignkey")
        batch.drop_column("assignee_id")
