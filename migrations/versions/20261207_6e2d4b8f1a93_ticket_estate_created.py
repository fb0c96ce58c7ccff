"""Indexes on tickets by estate (and kind) and time received: the dashboard's windows and
weekly trends at 100k tickets.

Revision ID: 6e2d4b8f1a93
Revises: 1128b64e5891
Create Date: 2026-12-07 12:45:00
"""

from alembic import op

revision = "6e2d4b8f1a93"
down_revision = "1128b64e5891"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_ticket_estate_created", "ticket", ["estate_id", "created_at"])
    op.create_index("ix_ticket_estate_kind_created", "ticket", ["estate_id", "kind", "created_at"])


def downgrade():
    op.drop_index("ix_ticket_estate_kind_created", table_name="ticket")
    op.drop_index("ix_ticket_estate_created", table_name="ticket")
