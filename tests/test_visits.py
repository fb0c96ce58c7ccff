"""Return-visit plans (回访/家访) through HTTP: the supervisor divides the estate into areas,
each assistant sees their area's households due this quarter and records a visit in two taps;
not-at-home leaves the household due; the supervisor's yearly plan covers the whole estate, and
the areas' progress shows on the supervisor's home and equals the lists."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from webapp import clock, periods
from webapp.extensions import db
from webapp.models import AuditEvent, Building, HomeVisit, Unit, VisitArea
from webapp.visits import services as visits


def _buildings(world):
    return {
        b.name: b
        for b in db.session.scalars(select(Building).where(Building.estate_id == world.estate.id))
    }


def _give_areas(c, world, mapping):
    data = {f"building-{b.id}": (person.id if person else "") for b, person in mapping}
    return c.post(f"/visits/areas?estate={world.estate.id}", data=data)


def _due_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-unit="(\d+)"', page)]


def test_areas_plans_and_two_tap_visits(login_as, world, make):
    b = _buildings(world)
    one, three = b["1栋"], b["3栋"]
    s = login_as("supervisor")
    form = s.get(f"/visits/areas?estate={world.estate.id}").get_data(as_text=True)
    assert f'name="building-{one.id}"' in form
    # Only the estate's assistants can be given an area.
    refused = _give_areas(s, world, [(one, world.assistant_other)])
    assert refused.status_code == 422
    assert _give_areas(s, world, [(one, world.assistant), (three, None)]).status_code == 303
    assert {a.building_id: a.user_id for a in db.session.scalars(select(VisitArea))} == {
        one.id: world.assistant.id
    }
    # The assistant's plan: their area only, every household of 1栋 due this quarter.
    a = login_as("assistant")
    page = a.get(f"/visits?estate={world.estate.id}").get_data(as_text=True)
    units_of_one = db.session.scalars(
        select(Unit).where(Unit.building_id == one.id).order_by(Unit.sort_key)
    ).all()
    assert _due_ids(page) == [u.id for u in units_of_one]
    assert "3栋" not in page.split('id="buildings"')[1].split("</nav>")[0]
    assert "已走访 0 / 6 户" in page
    first, second = units_of_one[0], units_of_one[1]
    # Two taps: the household, then how it went.
    done = a.post(f"/visits/units/{first.id}", data={"outcome": "visited", "note": "反映楼道灯暗"})
    assert done.status_code == 303 and f"building={one.id}" in done.headers["Location"]
    away = a.post(f"/visits/units/{second.id}", data={"outcome": "not_home"})
    assert away.status_code == 303
    bad = a.post(f"/visits/units/{second.id}", data={"outcome": "maybe"})
    assert bad.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(HomeVisit)) == 2
    page = a.get(f"/visits?estate={world.estate.id}").get_data(as_text=True)
    assert first.id not in _due_ids(page) and second.id in _due_ids(page)
    assert "不在家" in page and "反映楼道灯暗" in page and "已走访 1 / 6 户" in page
    visit = db.session.scalar(select(HomeVisit).where(HomeVisit.unit_id == first.id))
    assert (visit.plan, visit.outcome, visit.visitor_id) == ("area", "visited", world.assistant.id)
    assert db.session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.action == "visit.record", AuditEvent.target_id == visit.id
        )
    )
    # The unit's history shows the visit and its note.
    history = a.get(f"/units/{first.id}").get_data(as_text=True).split('id="history"')[1]
    assert "区域季度走访 · 已走访" in history and "反映楼道灯暗" in history
    # The assistant's home: what is still due in their area.
    home = a.get("/").get_data(as_text=True)
    assert "待走访 5 户" in home
    # Its badge counts households, not buildings.
    assert re.search(r'id="duty-visits">\s*<h2[^>]*>[^<]*<span class="badge">5</span>', home)
    # The supervisor's plan is the whole estate for the year; the area's visit is not theirs.
    page = s.get(f"/visits?estate={world.estate.id}").get_data(as_text=True)
    total = db.session.scalar(
        select(func.count())
        .select_from(Unit)
        .join(Building)
        .where(Building.estate_id == world.estate.id)
    )
    assert f"已走访 0 / {total} 户" in page and first.id in _due_ids(page)
    assert re.search(
        rf'data-person="{world.assistant.id}">.*?<td>1栋</td><td>1</td><td>6</td>', page
    )
    assert 'id="unassigned"' in page  # 3栋 has no assistant
    assert s.post(f"/visits/units/{first.id}", data={"outcome": "visited"}).status_code == 303
    home = s.get("/").get_data(as_text=True)
    assert "已走访 1 / 6 户" in home and f"已走访 1 / {total} 户" in home
    # Other estates' households are not theirs to visit; owners have no plan.
    assert (
        login_as("assistant_other")
        .post(f"/visits/units/{first.id}", data={"outcome": "visited"})
        .status_code
        == 404
    )
    assert login_as("owner_a").get("/visits").status_code == 403


def test_a_new_quarter_makes_every_household_due_again(login_as, world):
    b = _buildings(world)
    s = login_as("supervisor")
    assert _give_areas(s, world, [(b["1栋"], world.assistant)]).status_code == 303
    a = login_as("assistant")
    unit = db.session.scalar(select(Unit).where(Unit.building_id == b["1栋"].id))
    assert a.post(f"/visits/units/{unit.id}", data={"outcome": "visited"}).status_code == 303
    span = visits.span("area", world.estate)
    assert unit.id not in _due_ids(
        a.get(f"/visits?estate={world.estate.id}").get_data(as_text=True)
    )
    # Once the quarter is over, the household is due again.
    ahead = span.until - periods.today(ZoneInfo(world.estate.timezone))
    clock.travel(timedelta(days=ahead.days, hours=1))
    assert visits.span("area", world.estate).since == span.until
    a = login_as("assistant")
    assert unit.id in _due_ids(a.get(f"/visits?estate={world.estate.id}").get_data(as_text=True))
    assert visits.progress(world.estate, "area", [b["1栋"]])[0].visited == 0


def test_a_visit_tapped_by_mistake_is_withdrawn_the_same_day_and_kept(login_as, world):
    b = _buildings(world)
    s = login_as("supervisor")
    assert _give_areas(s, world, [(b["1栋"], world.assistant)]).status_code == 303
    a = login_as("assistant")
    unit = db.session.scalar(
        select(Unit).where(Unit.building_id == b["1栋"].id).order_by(Unit.sort_key)
    )
    assert a.post(f"/visits/units/{unit.id}", data={"outcome": "visited"}).status_code == 303
    visit = db.session.scalar(select(HomeVisit).where(HomeVisit.unit_id == unit.id))
    page = a.get(f"/visits?estate={world.estate.id}").get_data(as_text=True)
    assert unit.id not in _due_ids(page) and f"/visits/{visit.id}/withdraw" in page
    # Someone else cannot take it back, not even the supervisor; the button is the visitor's.
    assert f"/visits/{visit.id}/withdraw" not in s.get(
        f"/visits?estate={world.estate.id}"
    ).get_data(as_text=True)
    refused = s.post(f"/visits/{visit.id}/withdraw", follow_redirects=True)
    assert "只能撤销自己当天的走访记录" in refused.get_data(as_text=True)
    assert db.session.get(HomeVisit, visit.id).withdrawn_at is None
    assert login_as("assistant_other").post(f"/visits/{visit.id}/withdraw").status_code == 404
    # The visitor withdraws it: kept, marked, the household due again, progress back to 0.
    a = login_as("assistant")
    done = a.post(f"/visits/{visit.id}/withdraw")
    assert done.status_code == 303 and done.headers["Location"].endswith(
        f"building={unit.building_id}"
    )
    db.session.expire_all()
    assert db.session.get(HomeVisit, visit.id).withdrawn_at is not None
    page = a.get(f"/visits?estate={world.estate.id}").get_data(as_text=True)
    assert unit.id in _due_ids(page) and "已走访 0 / 6 户" in page
    recent = page.split('id="recent"')[1]
    assert "已撤销" in recent and f"/visits/{visit.id}/withdraw" not in recent
    assert visits.progress(world.estate, "area", [b["1栋"]])[0].visited == 0
    history = a.get(f"/units/{unit.id}").get_data(as_text=True).split('id="history"')[1]
    assert "已撤销" in history
    assert db.session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.action == "visit.withdraw", AuditEvent.target_id == visit.id
        )
    )
    # Twice is refused; the next day a new visit cannot be withdrawn after midnight passes.
    assert "只能撤销" in a.post(f"/visits/{visit.id}/withdraw", follow_redirects=True).get_data(
        as_text=True
    )
    assert a.post(f"/visits/units/{unit.id}", data={"outcome": "visited"}).status_code == 303
    again = db.session.scalar(
        select(HomeVisit).where(HomeVisit.unit_id == unit.id, HomeVisit.withdrawn_at.is_(None))
    )
    clock.travel(timedelta(days=1))
    a = login_as("assistant")
    assert f"/visits/{again.id}/withdraw" not in a.get(
        f"/visits?estate={world.estate.id}"
    ).get_data(as_text=True)
    a.post(f"/visits/{again.id}/withdraw")
    db.session.expire_all()
    assert db.session.get(HomeVisit, again.id).withdrawn_at is None
