"""Visit reminders and no-shows (issue 13 item 4): when each reminder of a booking went out, when
the citizen confirmed attendance, and an index for the sweep's look-up by status and day

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(sa.Column("reminded_eve_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reminded_morning_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_appointment_status_day", "appointments", ["status", "day"])


def downgrade() -> None:
    op.drop_index("ix_appointment_status_day", table_name="appointments")
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("confirmed_at")
        batch.drop_column("reminded_morning_at")
        batch.drop_column("reminded_eve_at")
