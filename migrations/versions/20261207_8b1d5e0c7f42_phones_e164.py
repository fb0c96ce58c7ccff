"""Phone numbers in E.164: the mainland mobiles already stored (11 digits, as the old form
took them) gain +86, on accounts and in the logins that are those numbers.

Revision ID: 8b1d5e0c7f42
Revises: 3f9c7a2e5d18
Create Date: 2026-12-07 17:00:00
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "8b1d5e0c7f42"
down_revision = "3f9c7a2e5d18"
branch_labels = None
depends_on = None

MOBILE = re.compile(r"^1[3-9]\d{9}$")
users = sa.table(
    "user", sa.column("id", sa.Integer), sa.column("phone", sa.String), sa.column("username")
)


def _convert(forward: bool) -> None:
    conn = op.get_bind()
    taken = {name for (name,) in conn.execute(sa.select(users.c.username))}
    for user_id, phone, username in conn.execute(
        sa.select(users.c.id, users.c.phone, users.c.username)
    ).all():
        values = {}
        if forward and phone and MOBILE.match(phone):
            values["phone"] = "+86" + phone
            # An owner's login is their number: it follows, unless that name is someone else's.
            if username == phone and values["phone"] not in taken:
                values["username"] = values["phone"]
        elif not forward and phone and phone.startswith("+86") and MOBILE.match(phone[3:]):
            values["phone"] = phone[3:]
            if username == phone and phone[3:] not in taken:
                values["username"] = phone[3:]
        if values:
            conn.execute(users.update().where(users.c.id == user_id).values(**values))


def upgrade():
    _convert(forward=True)


def downgrade():
    _convert(forward=False)
