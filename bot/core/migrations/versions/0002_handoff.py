"""handoff to officers, and room for longer dialogue modes

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("needs_human", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("handoff_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("mode", existing_type=sa.String(length=40), type_=sa.String(length=60))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column("mode", existing_type=sa.String(length=60), type_=sa.String(length=40))
        batch.drop_column("handoff_requested_at")
        batch.drop_column("needs_human")
