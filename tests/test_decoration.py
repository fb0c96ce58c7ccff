"""Decoration sites through HTTP: the permit lifecycle and its refusals, inspections writing
notices, issuing, the owner's reply, re-inspection, overdue escalation, completion, engineering."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.fixtures.app import reload
from tests.fixtures.decoration import make_permit, make_rules
from tests.fixtures.photos import jpeg_bytes
from webapp import clock
from webapp.decoration import services as decoration
from webapp.extensions import db
from webapp.models import RectificationNotice, WorkOrder


def _answers(rules, violation_index=None, note="现场违规", photo=False):
    data = {}
    for i, rule in enumerate(rules):
        data[f"outcome-{rule.id}"] = "violation" if i == violation_index else "ok"
        if i == violation_index:
            data[f"note-{rule.id}"] = note
            if photo:
                data[f"photos-{rule.id}"] = (io.BytesIO(jpeg_bytes(color=(i, 40, 40))), "v.jpg")
    return data


@pytest.fixture
def site(world):
    make_rules(world.estate)
    return make_permit(world)


def test_register_a_renovation(login_as, world):
    make_rules(world.estate)
    c = login_as("assistant")
    form = {
        "building": world.unit_b.building_id,
        "number": world.unit_b.number,
        "owner_name": "业主乙",
        "owner_phone": "13900000002",
        "contractor": "安居家装",
        "site_lead": "刘师傅",
        "site_lead_phone": "13700001111",
        "scope": ["水电改造", "防水"],
        "start_date": "2026-11-25",
        "end_date": "2027-01-10",
        "workers": 4,
        "deposit": 3000,
    }
    assert (
        c.post("/decoration/permits/new", data={**form, "end_date": "2026-11-01"}).status_code
        == 422
    )
    assert (
        c.post("/decoration/permits/new", data={**form, "owner_phone": "电话"}).status_code == 422
    )
    assert c.post("/decoration/permits/new", data={**form, "scope": []}).status_code == 422
    r = c.post("/decoration/permits/new", data=form)
    assert r.status_code == 303
    permit = db.session.scalars(select(decoration.DecorationPermit)).one()
    assert permit.status == "applied" and re.fullmatch(r"ZX-CH-\d{8}-0001", permit.number)
    assert permit.scope == "水电改造、防水"
    # One open renovation per unit.
    assert c.post("/decoration/permits/new", data=form).status_code == 422


def test_lifecycle_and_illegal_transitions(login_as, world, site):
    permit = site
    permit.status = "applied"
    db.session.commit()
    a, s = login_as("assistant"), login_as("supervisor")

    def act(client, action, **extra):
        return client.post(
            f"/decoration/permits/{permit.id}/transition",
            data={"action": action, "version": reload(permit).version, **extra},
        )

    assert act(a, "approve").status_code == 409  # assistants do not approve
    assert act(s, "start").status_code == 409  # not approved yet
    assert act(s, "approve").status_code == 303
    assert act(a, "start").status_code == 303 and reload(permit).status == "in_progress"
    assert act(s, "suspend").status_code == 422  # a reason is required
    assert act(s, "suspend", note="违规拆改承重墙").status_code == 303
    assert act(s, "request_completion").status_code == 409  # suspended
    assert act(s, "resume").status_code == 303
    assert act(s, "extend", new_end="2026-12-01").status_code == 422  # earlier than the end date
    assert act(s, "extend", new_end="2027-02-28").status_code == 303
    assert str(reload(permit).end_date) == "2027-02-28"
    assert act(s, "nonsense").status_code == 409
    stale = s.post(
        f"/decoration/permits/{permit.id}/transition",
        data={"action": "request_completion", "version": 1},
    )
    assert stale.status_code == 409
    assert act(a, "request_completion").status_code == 303
    assert reload(permit).status == "completion_requested"


def test_inspection_notice_reply_and_rectification(login_as, world, site, app):
    permit = site
    rules = decoration.rules(world.estate.id, "daily")
    assistant = login_as("assistant")
    url = f"/decoration/permits/{permit.id}/inspect"
    assert (
        assistant.post(url, data={f"outcome-{rules[0].id}": "ok"}).status_code == 422
    )  # incomplete
    no_note = _answers(rules, 0, note="")
    assert assistant.post(url, data=no_note).status_code == 422
    r = assistant.post(
        url,
        data={**_answers(rules, 0, "拆除了客厅隔墙", photo=True), "deadline_days": 2},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    notice = db.session.scalars(select(RectificationNotice)).one()
    assert notice.status == "draft" and notice.number is None
    owner = login_as("owner_a")
    assert owner.get(f"/decoration/notices/{notice.id}").status_code == 404  # drafts stay internal

    supervisor = login_as("supervisor")
    r = supervisor.post(f"/decoration/notices/{notice.id}/issue", data={"version": notice.version})
    assert r.status_code == 303
    notice = reload(notice)
    assert notice.status == "issued" and notice.number.startswith("ZG-CH-")
    page = owner.get(f"/decoration/notices/{notice.id}").get_data(as_text=True)
    assert "拆除了客厅隔墙" in page and "/thumb" in page and 'id="reply"' in page
    assert notice.rule_text in owner.get("/").get_data(as_text=True)  # on the owner's home
    assert login_as("owner_b").get(f"/decoration/notices/{notice.id}").status_code == 404

    reply = f"/decoration/notices/{notice.id}/reply"
    assert owner.post(reply, data={"text": "已恢复隔墙"}).status_code == 422  # a photo is required
    r = owner.post(
        reply,
        data={"text": "已恢复隔墙", "photos": (io.BytesIO(jpeg_bytes(color=(3, 3, 3))), "f.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303 and reload(notice).status == "replied"

    # The next inspection checks it on site.
    form = assistant.get(url).get_data(as_text=True)
    assert f'name="notice-{notice.id}"' in form and "已恢复隔墙" in form
    r = assistant.post(url, data={**_answers(rules), f"notice-{notice.id}": "rectified"})
    assert r.status_code == 303
    assert reload(notice).status == "rectified"
    timeline = supervisor.get(f"/decoration/units/{permit.unit_id}/timeline").get_data(as_text=True)
    for step in ("登记装修", "装修巡查", "签发整改通知", "业主回复已整改", "复核：已整改"):
        assert step in timeline


def test_a_reply_that_does_not_hold_up_goes_back(login_as, decoration_world_notice_replied):
    notice, permit, rules = decoration_world_notice_replied
    r = login_as("assistant").post(
        f"/decoration/permits/{permit.id}/inspect",
        data={**_answers(rules), f"notice-{notice.id}": "not_yet"},
    )
    assert r.status_code == 303 and reload(notice).status == "issued"


@pytest.fixture
def decoration_world_notice_replied(decoration, world):
    from tests.fixtures.photos import upload

    notice = decoration.notice
    db.session.refresh(notice)
    from webapp.decoration import services as svc

    svc.owner_reply(
        world.owner_a, notice, text="改好了", uploads=[upload(jpeg_bytes(color=(7, 7, 7)))]
    )
    db.session.commit()
    return notice, decoration.permit, svc.rules(world.estate.id, "daily")


def test_overdue_notices_escalate(login_as, decoration, app):
    notice = decoration.notice
    number = reload(notice).number
    assert number not in login_as("supervisor").get("/").get_data(as_text=True)
    clock.travel(timedelta(days=3, hours=1))
    assert number in login_as("supervisor").get("/").get_data(as_text=True)
    assert number not in login_as("manager").get("/").get_data(as_text=True)
    mine = login_as("owner_a").get("/decoration/mine").get_data(as_text=True)
    assert "已逾期" in mine
    clock.travel(timedelta(days=1))
    assert number in login_as("manager").get("/").get_data(as_text=True)
    runner = app.test_cli_runner()
    assert "escalated 1" in runner.invoke(args=["sweep"]).output
    assert "escalated 0" in runner.invoke(args=["sweep"]).output


def test_completion_acceptance(login_as, world, site):
    permit = site
    permit.status = "completion_requested"
    db.session.commit()
    url = f"/decoration/permits/{permit.id}/completion"
    assert login_as("assistant").get(url).status_code == 403
    rules = decoration.rules(world.estate.id, "completion")
    s = login_as("supervisor")
    r = s.post(url, data={**_answers(rules), "verdict": "rejected"})
    assert r.status_code == 422  # reasons required
    r = s.post(url, data={**_answers(rules), "verdict": "accepted", "deposit_status": "refund"})
    assert r.status_code == 303
    permit = reload(permit)
    assert permit.status == "accepted" and permit.deposit_status == "refund"
    assert s.post(url, data={**_answers(rules), "verdict": "accepted"}).status_code == 409  # done


def test_building_problem_goes_to_engineering(login_as, decoration):
    r = login_as("assistant").post(f"/decoration/results/{decoration.result.id}/workorder")
    assert r.status_code == 303
    order = db.session.scalars(select(WorkOrder)).one()
    assert order.department == "engineering" and order.origin_type == "decoration_result"


def test_rules_are_edited_by_the_manager(login_as, world):
    make_rules(world.estate)
    c = login_as("manager")
    page = c.get("/decoration/rules").get_data(as_text=True)
    assert "不得拆改承重结构" in page
    r = c.post(
        f"/decoration/rules?estate={world.estate.id}",
        data={
            "estate": world.estate.id,
            "daily": "不得拆改承重结构\n施工时间符合规定",
            "completion": "公共部位完好",
        },
    )
    assert r.status_code == 303
    assert [x.text for x in decoration.rules(world.estate.id, "daily")] == [
        "不得拆改承重结构",
        "施工时间符合规定",
    ]


def test_sites_flag_those_not_inspected_today(login_as, decoration):
    page = login_as("assistant").get("/decoration").get_data(as_text=True)
    assert "今日已巡查" in page
    clock.travel(timedelta(days=1))
    page = login_as("assistant").get("/decoration").get_data(as_text=True)
    assert "今日未巡查" in page
    assert decoration.permit.unit.label in login_as("assistant").get("/").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/decoration", "/decoration/permits", "/decoration/mine"])
def test_decoration_lists_have_bounded_queries(login_as, world, count_queries, url, make):
    from webapp.models import Unit

    make_rules(world.estate)
    c = login_as("owner_a" if url.endswith("mine") else "supervisor")
    units = db.session.scalars(
        select(Unit).where(Unit.building_id == world.unit_a.building_id)
    ).all()
    make_permit(world, units[0])
    c.get(url)
    with count_queries() as small:
        c.get(url)
    for unit in units[1:5]:
        make_permit(world, unit)
    with count_queries() as large:
        assert c.get(url).status_code == 200
    assert large.count == small.count, "\n".join(large.statements)
    assert db.session.scalar(select(func.count()).select_from(decoration.DecorationPermit)) == 5


def test_plan_photos_are_attached_and_shown_to_the_owner(login_as, decoration):
    permit = decoration.permit
    c = login_as("supervisor")
    r = c.post(
        f"/decoration/permits/{permit.id}/photos",
        data={"photos": (io.BytesIO(jpeg_bytes(color=(200, 200, 10))), "plan.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    page = c.get(f"/decoration/permits/{permit.id}").get_data(as_text=True)
    photo_id = int(re.search(r'id="plan".*?/photos/(\d+)/thumb', page, re.S).group(1))
    assert "/thumb" in login_as("owner_a").get("/decoration/mine").get_data(as_text=True)
    assert login_as("owner_a").get(f"/photos/{photo_id}").status_code == 200
    assert login_as("owner_b").get(f"/photos/{photo_id}").status_code == 404
    # A non-image is refused with a message and stored nowhere.
    r = c.post(
        f"/decoration/permits/{permit.id}/photos",
        data={"photos": (io.BytesIO(b"not a photo"), "plan.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    assert "不是可用的照片" in c.get(f"/decoration/permits/{permit.id}").get_data(as_text=True)


def test_inspection_errors_stand_beside_their_rule_and_keep_what_was_typed(login_as, world, site):
    rules = decoration.rules(world.estate.id, "daily")
    assistant = login_as("assistant")
    url = f"/decoration/permits/{site.id}/inspect"
    # The first rule answered, the others not: each unanswered rule says so, in its own place.
    r = assistant.post(
        url, data={f"outcome-{rules[0].id}": "violation", f"note-{rules[0].id}": "墙"}
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    for rule in rules[1:]:
        block = html.split(f'id="rule-{rule.id}"', 1)[1].split("</fieldset>", 1)[0]
        assert f'id="outcome-{rule.id}-errors"' in block and "请选择合规、违规或不适用" in block
    first = html.split(f'id="rule-{rules[0].id}"', 1)[1].split("</fieldset>", 1)[0]
    assert "请选择" not in first and ">墙</textarea>" in first and 'maxlength="1000"' in first
    # A violation without a note: the error is beside that note, which is marked invalid.
    r = assistant.post(url, data=_answers(rules, 0, note=""))
    block = r.get_data(as_text=True).split(f'id="rule-{rules[0].id}"', 1)[1].split("</fieldset>")[0]
    assert 'aria-invalid="true"' in block and "违规项要写明看到了什么" in block


def test_a_refused_number_of_days_says_why_beside_it(login_as, world, site):
    rules = decoration.rules(world.estate.id, "daily")
    url = f"/decoration/permits/{site.id}/inspect"
    for days in ("99999999999999999999", "31", "0", "2.5"):
        r = login_as("assistant").post(url, data={**_answers(rules, 0), "deadline_days": days})
        assert r.status_code == 422
        html = r.get_data(as_text=True)
        assert 'id="deadline_days-errors"' in html, days
        assert f'value="{days}"' in html  # what was typed stays
