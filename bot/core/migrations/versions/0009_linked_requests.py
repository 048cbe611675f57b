"""Requests linked to the one they follow (the family's KK update after an akta kematian, a twin)

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("linked_to", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_requests_linked_to", "requests", ["linked_to"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_constraint("fk_requests_linked_to", type_="foreignkey")
        batch.drop_column("linked_to")
