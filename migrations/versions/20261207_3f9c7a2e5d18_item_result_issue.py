"""A partial index on the patrol answers that are 异常: rounds with findings per week and hot
spots at 100k tickets.

Revision ID: 3f9c7a2e5d18
Revises: 6e2d4b8f1a93
Create Date: 2026-12-07 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "3f9c7a2e5d18"
down_revision = "6e2d4b8f1a93"
branch_labels = None
depends_on = None

ISSUE = sa.text("outcome = 'issue'")


def upgrade():
    op.create_index(
        "ix_patrol_item_result_issue",
        "patrol_item_result",
        ["round_id", "item_id"],
        postgresql_where=ISSUE,
        sqlite_where=ISSUE,
    )


def downgrade():
    op.drop_index("ix_patrol_item_result_issue", table_name="patrol_item_result")
