"""The duty log: duties, their events, calls and visits, and the shift's timed checks.

Revision ID: 5a3a9fd12558
Revises: 4e8a1f3b2c55
Create Date: 2026-12-07 01:19:22.494693
"""

import sqlalchemy as sa
from alembic import op

revision = "5a3a9fd12558"
down_revision = "4e8a1f3b2c55"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("duty",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("estate_id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("shift", sa.String(length=40), nullable=False),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["estate_id"], ["estate.id"], name=op.f("fk_duty_estate_id_estate"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_duty_user_id_user"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_duty"))
    )
    with op.batch_alter_table("duty", schema=None) as batch_op:
        batch_op.create_index("ix_duty_estate_started", ["estate_id", "started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_duty_user_id"), ["user_id"], unique=False)
        batch_op.create_index("uq_duty_open_per_person", ["user_id"], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table("duty_check",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("duty_id", sa.Integer(), nullable=False),
    sa.Column("item", sa.String(length=32), nullable=False),
    sa.Column("note", sa.String(length=200), nullable=False),
    sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("done_by_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["done_by_id"], ["user.id"], name=op.f("fk_duty_check_done_by_id_user"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["duty_id"], ["duty.id"], name=op.f("fk_duty_check_duty_id_duty"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_check")),
    sa.UniqueConstraint("duty_id", "item", name="uq_duty_check_item")
    )
    op.create_table("duty_event",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("duty_id", sa.Integer(), nullable=False),
    sa.Column("estate_id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("happened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("building_id", sa.Integer(), nullable=True),
    sa.Column("unit_id", sa.Integer(), nullable=True),
    sa.Column("area_id", sa.Integer(), nullable=True),
    sa.Column("place", sa.String(length=120), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("handling", sa.Text(), nullable=False),
    sa.Column("contact_name", sa.String(length=64), nullable=False),
    sa.Column("contact_phone", sa.String(length=20), nullable=False),
    sa.Column("outcome", sa.String(length=16), nullable=False),
    sa.Column("major", sa.Boolean(), nullable=False),
    sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("resolved_by_id", sa.Integer(), nullable=True),
    sa.Column("report", sa.Text(), nullable=False),
    sa.Column("report_due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("report_written_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("escalation_level", sa.Integer(), nullable=False),
    sa.Column("created_by_id", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["area_id"], ["public_area.id"], name=op.f("fk_duty_event_area_id_public_area"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["building_id"], ["building.id"], name=op.f("fk_duty_event_building_id_building"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_duty_event_created_by_id_user"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["duty_id"], ["duty.id"], name=op.f("fk_duty_event_duty_id_duty"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["estate_id"], ["estate.id"], name=op.f("fk_duty_event_estate_id_estate"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["resolved_by_id"], ["user.id"], name=op.f("fk_duty_event_resolved_by_id_user"), ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_duty_event_unit_id_unit"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_event"))
    )
    with op.batch_alter_table("duty_event", schema=None) as batch_op:
        batch_op.create_index("ix_duty_event_duty", ["duty_id", "happened_at"], unique=False)
        batch_op.create_index("ix_duty_event_estate_happened", ["estate_id", "happened_at"], unique=False)
        batch_op.create_index("ix_duty_event_report_due", ["estate_id", "report_written_at", "report_due_at"], unique=False)



def downgrade():
    with op.batch_alter_table("duty_event", schema=None) as batch_op:
        batch_op.drop_index("ix_duty_event_report_due")
        batch_op.drop_index("ix_duty_event_estate_happened")
        batch_op.drop_index("ix_duty_event_duty")

    op.drop_table("duty_event")
    op.drop_table("duty_check")
    with op.batch_alter_table("duty", schema=None) as batch_op:
        batch_op.drop_index("uq_duty_open_per_person", sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f("ix_duty_user_id"))
        batch_op.drop_index("ix_duty_estate_started")

    op.drop_table("duty")
