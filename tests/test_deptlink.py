"""Work orders reach their department's group with a signed link, and come back through it:
fixed with a photo, or held back with a reason, without an account; the finder re-inspects."""

from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.fixtures.app import reload
from tests.fixtures.messaging import ROBOT_CONFIG
from tests.fixtures.photos import jpeg_bytes
from webapp import clock, outbox, signedlinks
from webapp.extensions import db
from webapp.models import AuditEvent, Notification, OutboxMessage, PhotoLink
from webapp.tickets import intake
from webapp.workorders import services as workorders


@pytest.fixture
def app_config():
    return dict(ROBOT_CONFIG)


def _dispatch(world, department="engineering", description="3栋电梯厅灯不亮"):
    order = workorders.dispatch(
        world.assistant,
        estate=world.estate,
        department=department,
        location="3栋电梯厅",
        description=description,
        due_at=clock.now() + timedelta(hours=24),
        origin_type="patrol_result",
        origin_id=1,
    )
    db.session.commit()
    return order


def _link_path(order) -> str:
    link = workorders.department_link(order)
    return f"/d/{signedlinks.token_of(link)}"


def test_a_new_work_order_is_posted_to_its_department_group_with_its_link(world, groups, robot):
    order = _dispatch(world)
    assert outbox.drain() == {"sent": 1, "failed": 0, "deferred": 0}
    [got] = robot.received
    assert got.path == "/cgi-bin/webhook/send" and got.query == {"key": "eng"}
    assert got.body["msgtype"] == "markdown"
    text = got.text
    assert order.number in text and "3栋电梯厅灯不亮" in text and "翠湖花园" in text
    assert _link_path(order) in text
    assert len(text.encode()) <= 4096
    # The other departments' groups heard nothing.
    assert all(r.query.get("key") == "eng" for r in robot.received)


def test_a_department_without_a_robot_gets_no_message_but_its_link_works(world, groups, client):
    order = _dispatch(world, department="landscaping")
    assert db.session.scalar(select(OutboxMessage.id)) is None
    page = client.get(_link_path(order))
    assert page.status_code == 200
    assert "3栋电梯厅灯不亮" in page.get_data(as_text=True)


def test_a_major_complaint_reaches_the_service_group_at_once_signed(world, groups, robot):
    """The customer-service group is a DingTalk robot with a signing secret."""
    ticket, _code = intake.create(
        world.assistant,
        estate=world.estate,
        unit=world.unit_a,
        reporter_name="王先生",
        reporter_phone="13900001111",
        kind="complaint",
        channel="phone",
        category="engineering",
        severity="major",
        description="楼上漏水严重，多次反映无人处理",
    )
    db.session.commit()
    outbox.drain()
    [got] = robot.received
    assert got.path == "/robot/send" and got.signature_ok is True
    assert got.body["msgtype"] == "markdown" and got.body["markdown"]["title"]
    assert "重大投诉" in got.text and ticket.number in got.text
    # The caller's phone number stays in the app.
    assert "13900001111" not in got.text


def test_the_department_marks_it_fixed_with_a_photo_without_logging_in(
    world, groups, client, login_as
):
    order = _dispatch(world)
    path = _link_path(order)
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "3栋电梯厅灯不亮" in html and 'name="name"' in html
    # The page is a key: not cached, not sent on as a referrer.
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    client.refresh_csrf(path)
    answer = client.post(
        f"{path}/fix",
        data={
            "name": "李师傅",
            "note": "更换了灯管",
            "photos": (io.BytesIO(jpeg_bytes()), "after.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303
    order = reload(order)
    assert order.status == "fixed" and order.replied_by == "李师傅"
    assert order.reply_note == "更换了灯管"
    after = db.session.scalars(
        select(PhotoLink).where(
            PhotoLink.owner_type == "work_order", PhotoLink.owner_id == order.id
        )
    ).all()
    assert [link.purpose for link in after] == ["after"]
    # Audited as made through the department link, under the name given.
    row = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "workorder.fix", AuditEvent.target_id == order.id
        )
    )
    assert row.actor_id is None and row.via == "department_link" and row.via_name == "李师傅"
    # The finder is told to re-inspect.
    told = db.session.scalar(
        select(Notification).where(
            Notification.user_id == world.assistant.id, Notification.kind == "reinspect"
        )
    )
    assert told is not None and told.target_id == order.id
    # The name is kept on the device for next time (the next work order's page).
    next_order = _dispatch(world, description="地库入口积水")
    again = client.get(_link_path(next_order)).get_data(as_text=True)
    assert 'value="李师傅"' in again
    # A second reply through the same link is refused, nothing changes.
    second = client.post(f"{path}/fix", data={"name": "李师傅", "note": "再次"})
    assert second.status_code == 409
    assert reload(order).reply_note == "更换了灯管"
    # The finder's re-inspection passes.
    staff = login_as("assistant")
    home = staff.get("/").get_data(as_text=True)
    assert order.number in home
    passed = staff.post(
        f"/workorders/{order.id}/reinspect",
        data={"result": "pass", "version": reload(order).version, "note": "灯已全部点亮"},
    )
    assert passed.status_code == 303
    assert reload(order).status == "closed"
    # The re-inspector's words are kept, in the work order's history.
    history = staff.get(f"/history/work_order/{order.id}").get_data(as_text=True)
    assert "灯已全部点亮" in history and "复查说明" in history
    assert "李师傅" in history and "经部门链接" in history
    # The staff page tells who answered and how.
    detail = staff.get(f"/workorders/{order.id}").get_data(as_text=True)
    assert "李师傅" in detail


def test_the_link_page_refuses_a_reply_without_a_name_or_note(world, groups, client):
    order = _dispatch(world)
    path = _link_path(order)
    client.refresh_csrf(path)
    answer = client.post(f"{path}/fix", data={"name": " ", "note": ""})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "请填写处理情况" in html
    assert reload(order).status == "open"


def test_held_back_tells_customer_service_and_a_supervisor_sends_it_again(
    world, groups, robot, client, login_as
):
    order = _dispatch(world)
    outbox.drain()
    path = _link_path(order)
    client.refresh_csrf(path)
    answer = client.post(
        f"{path}/hold",
        data={"hold-name": "张工", "hold-kind": "needs_help", "hold-reason": "需要业主开门"},
    )
    assert answer.status_code == 303
    order = reload(order)
    assert order.status == "held" and order.hold_kind == "needs_help"
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "work_order_held")
    ).all()
    assert world.supervisor.id in told and world.assistant.id not in told
    outbox.drain()
    service = [r for r in robot.received if r.query.get("access_token") == "svc"]
    assert len(service) == 1 and service[0].signature_ok is True
    assert "需要业主开门" in service[0].text
    # It waits on the supervisor's home until someone sends it again.
    home = login_as("supervisor").get("/").get_data(as_text=True)
    assert 'id="duty-held"' in home and order.number in home.split('id="duty-held"', 1)[1]
    # The assistant may not resume; the supervisor may, with a new due time.
    new_due = (clock.now() + timedelta(days=2)).astimezone(ZoneInfo(world.estate.timezone))
    form = {
        "resume-version": order.version,
        "resume-due": new_due.strftime("%Y-%m-%dT%H:%M"),
        "resume-note": "已约业主，明早 9 点到场",
    }
    assert (
        login_as("assistant").post(f"/workorders/{order.id}/resume", data=form).status_code == 403
    )
    resumed = login_as("supervisor").post(f"/workorders/{order.id}/resume", data=form)
    assert resumed.status_code == 303
    assert reload(order).status == "open"
    outbox.drain()
    engineering = [r for r in robot.received if r.query.get("key") == "eng"]
    assert len(engineering) == 2  # posted again, with the same working link
    assert _link_path(order) in engineering[1].text
    assert "已约业主，明早 9 点到场" in engineering[1].text  # the instructions travel along
    page = client.get(_link_path(order)).get_data(as_text=True)
    assert "已约业主，明早 9 点到场" in page.split('id="instructions"', 1)[1]
    assert "已约业主" not in (reload(order).reply_note or "")  # not the department's words


def test_a_failed_reinspection_posts_the_work_order_again(world, groups, robot, login_as):
    order = _dispatch(world)
    workorders.reply_via_link(order, name="李师傅", note="已处理")
    db.session.commit()
    outbox.drain()
    staff = login_as("assistant")
    due = (clock.now() + timedelta(hours=8)).astimezone(ZoneInfo(world.estate.timezone))
    failed = staff.post(
        f"/workorders/{order.id}/reinspect",
        data={
            "result": "fail",
            "version": reload(order).version,
            "due": due.strftime("%Y-%m-%dT%H:%M"),
            "note": "灯还是不亮",
        },
    )
    assert failed.status_code == 303
    outbox.drain()
    engineering = [r for r in robot.received if r.query.get("key") == "eng"]
    assert len(engineering) == 2
    assert "复查未通过" in engineering[1].text
    # The department may answer again through the same link.
    assert reload(order).status == "open"


def test_an_expired_or_revoked_link_answers_404(world, groups, client, login_as):
    order = _dispatch(world)
    path = _link_path(order)
    assert client.get(path).status_code == 200
    clock.travel(timedelta(days=8, hours=1))  # a week after the due time
    gone = client.get(path)
    assert gone.status_code == 404
    assert "链接已失效" in gone.get_data(as_text=True)  # said plainly, no staff login offered
    assert "/login" not in gone.get_data(as_text=True).split("<main", 1)[1]
    clock.reset()
    supervisor = login_as("supervisor")
    assert supervisor.post(f"/workorders/{order.id}/link/revoke").status_code == 303
    assert client.get(path).status_code == 404
    assert client.get(f"{path}/photos/1").status_code == 404
    # A new link works; the revoked one stays dead.
    assert supervisor.post(f"/workorders/{order.id}/link/renew").status_code == 303
    fresh = _link_path(reload(order))
    assert fresh != path
    assert client.get(fresh).status_code == 200
    assert client.get(path).status_code == 404


def test_the_link_reaches_no_other_record(world, groups, client, patrol):
    order = _dispatch(world)
    path = _link_path(order)
    token = path.rsplit("/", 1)[1]
    link_id, mac = token.split("-", 1)
    other = _dispatch(world, description="另一张工单")
    other_id = workorders.department_link(other).id
    # The signature of one link does not open another.
    assert client.get(f"/d/{other_id}-{mac}").status_code == 404
    assert client.get(f"/d/{link_id}-{mac[:-2]}xx").status_code == 404
    assert client.get("/d/not-a-token").status_code == 404
    # An id beyond what the column holds is no link either (not a database error on PostgreSQL).
    assert client.get(f"/d/99999999999-{mac}").status_code == 404
    assert client.get(f"/d/{'9' * 40}-{mac}").status_code == 404
    # A photo of another record (a patrol's) is not served through this link.
    assert client.get(f"{path}/photos/{patrol.photo}").status_code == 404
    # And the page shows this order only.
    html = client.get(path).get_data(as_text=True)
    assert "另一张工单" not in html and 'href="/workorders' not in html


def test_the_link_is_rate_limited(world, groups, client, app):
    app.config["DEPT_LINK_LIMIT"] = "5/minute"
    order = _dispatch(world)
    path = _link_path(order)
    codes = [client.get(path).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[-1] == 429


def test_link_tokens_do_not_reach_the_access_log():
    from webapp.security import redact

    line = '"GET /d/12-abcDEF_123 HTTP/1.1" 200 -'
    assert "abcDEF" not in redact(line)
