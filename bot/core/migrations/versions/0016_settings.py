"""The office's settings an admin changes in the inbox (issue 15 item 6): hours, places' names,
addresses, hours and quotas, laid over config.yml

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_settings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_office_settings_key", "office_settings", ["key"])


def downgrade() -> None:
    op.drop_index("ix_office_settings_key", table_name="office_settings")
    op.drop_table("office_settings")
