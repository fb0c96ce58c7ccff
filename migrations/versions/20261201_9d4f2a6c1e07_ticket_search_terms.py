"""ticket search terms, served by an index (GIN on PostgreSQL, FTS5 on SQLite)

Revision ID: 9d4f2a6c1e07
Revises: 5b1e0c3d9a21
Create Date: 2026-12-01 23:00:00
"""

import sqlalchemy as sa
from alembic import op

from webapp import search

revision = "9d4f2a6c1e07"
down_revision = "5b1e0c3d9a21"
branch_labels = None
depends_on = None

FIELDS = ("number", "reporter_name", "reporter_phone", "description")
BATCH = 2000


def _backfill(bind) -> None:
    ticket = sa.table(
        "ticket", sa.column("id"), sa.column("search_terms"), *(sa.column(f) for f in FIELDS)
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(ticket.c.id, *(ticket.c[f] for f in FIELDS))
            .where(ticket.c.id > last)
            .order_by(ticket.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            ticket.update()
            .where(ticket.c.id == sa.bindparam("row_id"))
            .values(search_terms=sa.bindparam("terms")),
            [{"row_id": r["id"], "terms": r["terms"]} for r in search.rebuild_rows(rows)],
        )
        last = rows[-1][0]


def upgrade():
    bind = op.get_bind()
    op.add_column(
        "ticket", sa.Column("search_terms", sa.Text(), nullable=False, server_default="")
    )
    _backfill(bind)
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_ticket_search ON ticket "
            "USING gin (string_to_array(search_terms, ' '))"
        )
        return
    # An FTS5 index over ticket.search_terms (external content: the terms are stored once,
    # in the ticket row), kept in step by triggers whatever writes the row.
    op.execute(
        "CREATE VIRTUAL TABLE ticket_search USING fts5(search_terms, content='ticket', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute(
        "CREATE TRIGGER ticket_search_insert AFTER INSERT ON ticket BEGIN "
        "INSERT INTO ticket_search(rowid, search_terms) VALUES (new.id, new.search_terms); END"
    )
    op.execute(
        "CREATE TRIGGER ticket_search_delete AFTER DELETE ON ticket BEGIN "
        "INSERT INTO ticket_search(ticket_search, rowid, search_terms) "
        "VALUES ('delete', old.id, old.search_terms); END"
    )
    op.execute(
        "CREATE TRIGGER ticket_search_update AFTER UPDATE OF search_terms ON ticket BEGIN "
        "INSERT INTO ticket_search(ticket_search, rowid, search_terms) "
        "VALUES ('delete', old.id, old.search_terms); "
        "INSERT INTO ticket_search(rowid, search_terms) VALUES (new.id, new.search_terms); END"
    )
    op.execute("INSERT INTO ticket_search(ticket_search) VALUES ('rebuild')")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX ix_ticket_search")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER ticket_search_{trigger}")
        op.execute("DROP TABLE ticket_search")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("search_terms")
