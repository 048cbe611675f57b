"""Unread counts in the inbox (issue 15 item 1): per officer and conversation, the newest message
the officer has seen there; the citizen's messages after it are unread for that officer

Revision ID: 0014_convs
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_convs"  # as landed: a database migrated then is stamped with it
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_reads",
        sa.Column("officer_id", sa.Integer, sa.ForeignKey("officers.id"), primary_key=True),
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("last_message_id", sa.Integer, nullable=False, server_default="0"),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_conversation_reads_conversation_id", "conversation_reads", ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_conversation_reads_conversation_id", table_name="conversation_reads")
    op.drop_table("conversation_reads")
