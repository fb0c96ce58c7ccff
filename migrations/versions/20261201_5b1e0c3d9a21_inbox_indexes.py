"""indexes for the inbox at 100k tickets

Revision ID: 5b1e0c3d9a21
Revises: 20f44f900bd0
Create Date: 2026-12-01 20:45:00
"""

from alembic import op

revision = "5b1e0c3d9a21"
down_revision = "20f44f900bd0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_ticket_estate_status_follow_up",
        "ticket",
        ["estate_id", "status", "next_follow_up_at"],
    )
    op.create_index("ix_ticket_estate_closed", "ticket", ["estate_id", "closed_at"])
    op.create_index(
        "ix_ticket_estate_major", "ticket", ["estate_id", "severity", "investigated_at"]
    )
    op.create_index(
        "ix_ticket_estate_severity_follow_up",
        "ticket",
        ["estate_id", "severity", "next_follow_up_at"],
    )


def downgrade():
    op.drop_index("ix_ticket_estate_severity_follow_up", table_name="ticket")
    op.drop_index("ix_ticket_estate_major", table_name="ticket")
    op.drop_index("ix_ticket_estate_closed", table_name="ticket")
    op.drop_index("ix_ticket_estate_status_follow_up", table_name="ticket")
