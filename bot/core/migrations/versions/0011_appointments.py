"""Appointments for services done in person (issue 13): bookings, the counters that hand out the
last place to exactly one booker, officers' changes to a day (quota, closed), and the booking slip
as a document of a visit (documents.appointment_id)

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("service", sa.String(50), nullable=False),
        sa.Column("place", sa.String(50), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(30), nullable=False, server_default=""),
        sa.Column("queue_number", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="booked"),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("bring", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_appointments_contact_id", "appointments", ["contact_id"])
    op.create_index("ix_appointment_day", "appointments", ["place", "service", "day"])
    op.create_table(
        "appointment_counters",
        sa.Column("place", sa.String(50), primary_key=True),
        sa.Column("service", sa.String(50), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("slot", sa.String(30), primary_key=True),
        sa.Column("taken", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("issued", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "appointment_overrides",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("place", sa.String(50), nullable=False),
        sa.Column("service", sa.String(50), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(30), nullable=False, server_default=""),
        sa.Column("quota", sa.Integer(), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_appointment_override_key", "appointment_overrides", ["place", "service", "day", "slot"])
    # The booking slip (kind "slip:<code>") is a document of a visit, not of a request.
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("appointment_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_documents_appointment_id", "appointments", ["appointment_id"], ["id"])
        batch.create_index("ix_documents_appointment_id", ["appointment_id"])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM documents WHERE appointment_id IS NOT NULL"))
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_appointment_id")
        batch.drop_constraint("fk_documents_appointment_id", type_="foreignkey")
        batch.drop_column("appointment_id")
    op.drop_index("ix_appointment_override_key", table_name="appointment_overrides")
    op.drop_table("appointment_overrides")
    op.drop_table("appointment_counters")
    op.drop_index("ix_appointment_day", table_name="appointments")
    op.drop_index("ix_appointments_contact_id", table_name="appointments")
    op.drop_table("appointments")
