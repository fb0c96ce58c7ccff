"""Generate a benchmark estate on the app's own models: the demo estate and accounts, then N
tickets with ~5 entries each, photos on 30 % of them, patrol rounds of 20 results and decoration
inspections in the same proportions as the issue's 100k estate (517k entries, 30k photos, 10k
rounds, 2k inspections).

    .venv/bin/python bench/generate.py --tickets 100000 --database sqlite:////tmp/bench-100k.db

Rows go in with bulk inserts in batches (the services would take hours for 100k tickets); what
they hold is what the services would have written. Run it on an empty database only.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import tempfile
import time
from datetime import timedelta

from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from webapp import clock, create_app, demo, search
from webapp.extensions import db
from webapp.models import (
    CheckItem,
    Checkpoint,
    DecorationInspection,
    DecorationPermit,
    Estate,
    ItemResult,
    PatrolRound,
    Photo,
    PhotoLink,
    Ticket,
    TicketEntry,
    Unit,
    User,
)
from webapp.tickets.inbox import SEARCHED
from webapp.tickets.lifecycle import CATEGORIES, CHANNELS, FOLLOW_UP, KINDS

BATCH = 5000
WORDS = [
    "漏水",
    "电梯",
    "噪音",
    "停车",
    "保洁",
    "绿化",
    "门禁",
    "照明",
    "装修",
    "收费",
    "投诉",
    "维修",
]
# One ticket every 45 minutes (32 a day, a busy estate of a few thousand households): 1,000
# tickets then cover a month, and 100,000 tickets eight and a half years. The two sizes differ in
# their history, not in their present: the dashboard's month, week and day hold the same tickets
# at both sizes. (At one every 7 minutes the 1k estate spanned five days, and the month of the
# 100k estate held more tickets than the whole 1k estate on any day after the 5th.)
APART = timedelta(minutes=45)
STATUS_MIX = [("received", 4), ("assigned", 4), ("in_progress", 7), ("resolved", 5), ("closed", 80)]


def _batches(rows):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _tickets(n: int, estate_id: int, units: list[int], staff: list[int], now):
    statuses = [s for s, w in STATUS_MIX for _ in range(w)]
    for i in range(n):
        created = now - APART * (n - i)
        status = random.choice(statuses)
        open_ = status in ("received", "assigned", "in_progress")
        words = random.sample(WORDS, 2)
        description = f"{words[0]}问题，{words[1]}也需要处理（第 {i} 号）"
        row = {
            "number": f"TS-BENCH-{i:07d}",
            "estate_id": estate_id,
            "unit_id": random.choice(units),
            "reporter_name": f"业主{i % 997}",
            "reporter_phone": f"139{i:08d}",
            "kind": random.choice(KINDS),
            "channel": random.choice(CHANNELS),
            "category": random.choice(CATEGORIES),
            "severity": "major" if i % 97 == 0 else "normal",
            "description": description,
            "status": status,
            "taker_id": random.choice(staff),
            "assignee_id": random.choice(staff) if status != "received" else None,
            "tracking_hash": secrets.token_hex(32),
            "next_follow_up_at": created + FOLLOW_UP if open_ else None,
            "first_response_at": created + timedelta(hours=2),
            "resolved_at": created + timedelta(days=1) if not open_ else None,
            "closed_at": created + timedelta(days=2) if status == "closed" else None,
            "satisfaction": "satisfied" if status == "closed" else None,
            "reopen_count": 0,
            "escalation_level": 0,
            "created_at": created,
            "version": 1,
        }
        # Bulk inserts skip the ORM's events: the search terms are made here as the app would.
        row["search_terms"] = search.terms(*(row[f] for f in SEARCHED))
        yield row


def generate(tickets: int) -> dict:
    random.seed(12)
    now = clock.now()
    estate = db.session.scalar(select(Estate).where(Estate.code == demo.ESTATE["code"]))
    units = list(
        db.session.scalars(
            select(Unit.id).join(Unit.building).where(Unit.building.has(estate_id=estate.id))
        )
    )
    staff = list(db.session.scalars(select(User.id).where(User.role != "owner")))
    for batch in _batches(_tickets(tickets, estate.id, units, staff, now)):
        db.session.execute(insert(Ticket), batch)
    first_ticket = db.session.scalar(select(func.min(Ticket.id)))

    def entries():
        for t in range(first_ticket, first_ticket + tickets):
            for k, kind in enumerate(("received", "assigned", "started", "note", "resolved")):
                if (t + k) % 19 == 0:
                    continue  # ~5.17 a ticket on average, not exactly 5
                yield {
                    "ticket_id": t,
                    "author_id": staff[t % len(staff)],
                    "kind": kind,
                    "public": kind != "note",
                    "body": "已联系业主" if kind in ("note", "resolved") else "",
                    "created_at": now - APART * (first_ticket + tickets - t) + timedelta(minutes=k),
                }
            if t % 6 == 0:
                yield {
                    "ticket_id": t,
                    "author_id": staff[0],
                    "kind": "reply",
                    "public": True,
                    "body": "回复业主",
                    "created_at": now,
                }

    for batch in _batches(entries()):
        db.session.execute(insert(TicketEntry), batch)

    photo_count = tickets * 3 // 10
    for batch in _batches(
        {
            "sha256": secrets.token_hex(32),
            "width": 2016,
            "height": 1512,
            "size": 400_000,
            "uploaded_by_id": staff[0],
            "created_at": now,
        }
        for _ in range(photo_count)
    ):
        db.session.execute(insert(Photo), batch)
    first_photo = db.session.scalar(select(func.min(Photo.id)))
    first_entry = db.session.scalar(select(func.min(TicketEntry.id)))
    for batch in _batches(
        {
            "photo_id": first_photo + i,
            "owner_type": "ticket_entry",
            "owner_id": first_entry + i * 17,
            "purpose": "evidence",
            "added_by_id": staff[0],
            "created_at": now,
        }
        for i in range(photo_count)
    ):
        db.session.execute(insert(PhotoLink), batch)

    rounds = max(1, tickets // 10)
    items = list(
        db.session.execute(
            select(CheckItem.id, Checkpoint.template_id).join(Checkpoint).order_by(CheckItem.id)
        )
    )
    by_template: dict[int, list[int]] = {}
    for item_id, template_id in items:
        by_template.setdefault(template_id, []).append(item_id)
    templates = sorted(by_template)
    before = db.session.scalar(select(func.max(PatrolRound.id))) or 0  # the demo's own rounds
    for batch in _batches(
        {
            "template_id": templates[r % len(templates)],
            "estate_id": estate.id,
            "patroller_id": staff[r % len(staff)],
            "status": "finished",
            "started_at": now - timedelta(hours=r),
            "finished_at": now - timedelta(hours=r) + timedelta(minutes=40),
            "version": 1,
        }
        for r in range(rounds)
    ):
        db.session.execute(insert(PatrolRound), batch)
    round_rows = db.session.execute(
        select(PatrolRound.id, PatrolRound.template_id).where(PatrolRound.id > before)
    ).all()

    def results():
        for round_id, template_id in round_rows:
            for n, item_id in enumerate((by_template[template_id] * 20)[:20]):
                if n >= len(set(by_template[template_id])):
                    break  # one result per item of the round
                yield {
                    "round_id": round_id,
                    "item_id": item_id,
                    "outcome": "issue" if (round_id + n) % 23 == 0 else "ok",
                    "note": "",
                    "recorded_at": now,
                }

    for batch in _batches(results()):
        db.session.execute(insert(ItemResult), batch)

    permit = db.session.scalar(select(DecorationPermit.id))
    inspections = max(1, tickets // 50)
    if permit is not None:
        for batch in _batches(
            {
                "permit_id": permit,
                "kind": "daily",
                "inspector_id": staff[i % len(staff)],
                "inspected_at": now - timedelta(hours=i),
                "note": "",
            }
            for i in range(inspections)
        ):
            db.session.execute(insert(DecorationInspection), batch)
    db.session.commit()
    return {
        "tickets": db.session.scalar(select(func.count()).select_from(Ticket)),
        "entries": db.session.scalar(select(func.count()).select_from(TicketEntry)),
        "photos": db.session.scalar(select(func.count()).select_from(Photo)),
        "rounds": db.session.scalar(select(func.count()).select_from(PatrolRound)),
        "results": db.session.scalar(select(func.count()).select_from(ItemResult)),
        "inspections": db.session.scalar(select(func.count()).select_from(DecorationInspection)),
    }


def migrate(database: str) -> None:
    """Bring a kept benchmark database up to the current schema (new indexes included), with
    PostgreSQL's planner statistics fresh, as autovacuum keeps them on a server in use (a
    database just filled has none, and its plans would be a newly loaded one's, not ours)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "DEMO": True})
    with app.app_context():
        upgrade()
        if db.engine.dialect.name == "postgresql":
            # VACUUM too: the visibility map that index-only scans need (outside a transaction).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")


def build(database: str, tickets: int, upload_dir: str) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "DEMO": True, "UPLOAD_DIR": upload_dir})
    with app.app_context():
        upgrade()
        if db.session.scalar(select(func.count()).select_from(Ticket)):
            raise SystemExit(f"{database} already holds tickets: generate into an empty one")
        demo.load()
        db.session.commit()
        return generate(tickets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--database", required=True)
    parser.add_argument(
        "--upload-dir", default=os.path.join(tempfile.gettempdir(), "propdesk-bench-uploads")
    )
    args = parser.parse_args()
    start = time.perf_counter()
    counts = build(args.database, args.tickets, args.upload_dir)
    print(f"generated in {time.perf_counter() - start:.0f} s:", counts)


if __name__ == "__main__":
    main()
