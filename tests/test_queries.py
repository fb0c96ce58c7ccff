"""List pages run a bounded number of SQL queries, however many rows they show (no N+1)."""

from __future__ import annotations

import pytest

from webapp.extensions import db
from webapp.models import Unit


def _grow(make, world, n):
    units = db.session.scalars(
        db.select(Unit).where(Unit.building_id == world.unit_a.building_id)
    ).all()
    for i in range(n):
        make.owner(units[i % len(units)], display_name=f"批量业主{i}")
        make.staff("assistant", [world.estate], username=f"bulk{i}")


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("manager", "/admin/users"),
        ("manager", "/admin/estates"),
        ("assistant", "/owners"),
        ("manager", "/"),
        ("owner_a", "/"),
        ("manager", "/admin/estates/{estate}"),
    ],
)
def test_list_pages_do_not_grow_with_rows(login_as, world, make, count_queries, role, url):
    url = url.format(estate=world.estate.id)
    c = login_as(role)
    c.get(url)  # warm up
    with count_queries() as small:
        assert c.get(url).status_code == 200
    _grow(make, world, 25)
    with count_queries() as large:
        assert c.get(url).status_code == 200
    assert large.count == small.count, "\n".join(large.statements)
    # The manager's home is the busiest: its duties, the review queue's three kinds of record.
    assert large.count <= 24
