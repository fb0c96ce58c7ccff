"""indexes for the homes at 100k: rounds by finish time, open major complaints

Revision ID: 4e8a1f3b2c55
Revises: 9d4f2a6c1e07
Create Date: 2026-12-01 23:30:00
"""

from alembic import op

revision = "4e8a1f3b2c55"
down_revision = "9d4f2a6c1e07"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_patrol_round_estate_status_finished",
        "patrol_round",
        ["estate_id", "status", "finished_at"],
    )
    op.create_index(
        "ix_patrol_round_patroller_status_finished",
        "patrol_round",
        ["patroller_id", "status", "finished_at"],
    )


    op.create_index(
        "ix_ticket_estate_severity_status",
        "ticket",
        ["estate_id", "severity", "status", "next_follow_up_at"],
    )


def downgrade():
    op.drop_index("ix_ticket_estate_severity_status", table_name="ticket")
    op.drop_index("ix_patrol_round_patroller_status_finished", table_name="patrol_round")
    op.drop_index("ix_patrol_round_estate_status_finished", table_name="patrol_round")
