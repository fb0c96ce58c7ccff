"""The unit page (业户档案): residents with phones masked until tapped (the tap audited), the
unit's tickets, renovation, work orders and keys for staff; an owner's own unit without staff
matters; a fixed number of statements however long the unit's history."""

from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.tickets import intake


def _ticket(world, n: int):
    ticket, _code = intake.create(
        world.assistant,
        estate=world.estate,
        unit=world.unit_a,
        reporter_name="陈先生",
        reporter_phone="13912345678",
        kind="repair",
        channel="phone",
        category="engineering",
        severity="normal",
        description=f"厨房漏水 {n}",
    )
    return ticket


def test_staff_see_the_unit_with_phones_masked_until_tapped(world, login_as):
    _ticket(world, 1)
    db.session.commit()
    staff = login_as("assistant")
    page = staff.get(f"/units/{world.unit_a.id}").get_data(as_text=True)
    owner = world.owner_a
    assert owner.display_name in page and "139 **** 0001" in page and "139 0000 0001" not in page
    assert "厨房漏水 1" in page and 'id="keys"' in page and 'id="work-orders"' in page
    shown = staff.htmx("POST", f"/units/{world.unit_a.id}/people/{owner.id}/phone")
    assert shown.status_code == 200 and "139 0000 0001" in shown.get_data(as_text=True)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "unit.phone_shown")
    ).one()
    assert (event.actor_id, event.target_id) == (world.assistant.id, owner.id)
    # Without JavaScript the form posts and the page comes back with the number shown.
    page = staff.post(f"/units/{world.unit_a.id}/people/{owner.id}/phone")
    assert "tel:+8613900000001" in page.get_data(as_text=True)


def test_the_owner_sees_their_unit_without_staff_matters(world, login_as):
    _ticket(world, 2)
    db.session.commit()
    page = login_as("owner_a").get(f"/units/{world.unit_a.id}").get_data(as_text=True)
    assert world.owner_a.display_name in page
    assert "显示号码" not in page and 'id="keys"' not in page and 'id="work-orders"' not in page
    assert login_as("owner_b").get(f"/units/{world.unit_a.id}").status_code == 404


def test_someone_not_of_the_unit_is_not_revealed(world, login_as):
    staff = login_as("assistant")
    url = f"/units/{world.unit_a.id}/people/{world.owner_b.id}/phone"  # owner B lives next door
    assert staff.post(url).status_code == 404


def test_the_page_runs_the_same_statements_for_a_long_history(world, login_as, count_queries):
    staff = login_as("supervisor")
    _ticket(world, 0)
    db.session.commit()
    staff.get(f"/units/{world.unit_a.id}")
    with count_queries() as few:
        staff.get(f"/units/{world.unit_a.id}")
    for n in range(1, 25):
        _ticket(world, n)
    db.session.commit()
    with count_queries() as many:
        staff.get(f"/units/{world.unit_a.id}")
    assert many.count == few.count <= 25
