"""The department's paper forms as print views: 巡查记录表, 装修巡查表, 投诉受理单, 回访记录表."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.fixtures.tickets import take_ticket
from webapp import clock
from webapp.extensions import db
from webapp.tickets import lifecycle


def test_a_round_prints_as_the_patrol_form(login_as, world, patrol):
    staff = login_as("supervisor")
    page = staff.get(f"/patrols/rounds/{patrol.round_done.id}").get_data(as_text=True)
    assert f'href="/patrols/rounds/{patrol.round_done.id}/print"' in page
    form = staff.get(f"/patrols/rounds/{patrol.round_done.id}/print").get_data(as_text=True)
    assert "巡查记录表" in form and world.estate.name in form
    assert patrol.round_done.template.name in form
    assert patrol.item.text in form and patrol.item2.text in form
    assert "客服主任：" in form  # the signature lines
    assert (
        login_as("assistant_other").get(f"/patrols/rounds/{patrol.round_done.id}/print").status_code
        == 404
    )


def test_an_inspection_prints_as_the_renovation_form(login_as, world, decoration):
    inspection_id = decoration.result.inspection_id
    staff = login_as("assistant")
    page = staff.get(f"/decoration/permits/{decoration.permit.id}").get_data(as_text=True)
    assert f'href="/decoration/inspections/{inspection_id}/print"' in page
    form = staff.get(f"/decoration/inspections/{inspection_id}/print").get_data(as_text=True)
    assert "装修巡查表" in form and decoration.permit.number in form
    assert "不得拆改承重结构" in form and "拆除了客厅隔墙" in form and "违规" in form
    assert "/thumb" in form  # the violation's photo
    assert "施工负责人：" in form
    assert (
        login_as("owner_a").get(f"/decoration/inspections/{inspection_id}/print").status_code == 403
    )


def test_a_ticket_prints_as_the_intake_form_with_its_handling(login_as, world):
    ticket, _code = take_ticket(world, description="电梯按钮失灵")
    lifecycle.add_entry(ticket, world.assistant, "note", "已通知维保")
    lifecycle.transition(ticket, "resolve", world.assistant, version=ticket.version, reply="已修复")
    lifecycle.transition(
        ticket, "visit", world.assistant, version=ticket.version, rating="basic", comment="慢了点"
    )
    db.session.commit()
    staff = login_as("assistant")
    assert f'href="/tickets/{ticket.id}/print"' in staff.get(f"/tickets/{ticket.id}").get_data(
        as_text=True
    )
    form = staff.get(f"/tickets/{ticket.id}/print").get_data(as_text=True)
    assert "投诉受理单" in form and ticket.number in form and "电梯按钮失灵" in form
    assert "已通知维保" in form and "内部" in form  # the paper form is internal: notes too
    assert "基本满意" in form and "慢了点" in form
    assert "13900000001" not in form  # the phone masked, as on the screen


def test_the_months_return_visits_print_as_the_visit_record(login_as, world):
    october = datetime(2026, 10, 12, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    clock.travel(october - clock.now())
    ticket, _code = take_ticket(world, description="绿化带积水")
    lifecycle.transition(ticket, "resolve", world.assistant, version=ticket.version, reply="已疏通")
    lifecycle.transition(
        ticket, "visit", world.assistant, version=ticket.version, rating="satisfied", comment="好"
    )
    db.session.commit()
    clock.reset()
    manager = login_as("manager")
    summary = manager.get(f"/tickets/summary?estate={world.estate.id}&month=2026-10")
    assert 'id="visits-link"' in summary.get_data(as_text=True)
    form = manager.get(f"/tickets/visits?estate={world.estate.id}&month=2026-10").get_data(
        as_text=True
    )
    assert "回访记录表" in form and ticket.number in form and "满意" in form and "好" in form
    assert world.assistant.display_name in form
    other_month = manager.get(f"/tickets/visits?estate={world.estate.id}&month=2026-09")
    assert ticket.number not in other_month.get_data(as_text=True)
    assert login_as("assistant").get("/tickets/visits").status_code == 403
