"""Patrol rounds end to end through HTTP: taps, findings → work orders → re-inspection,
sign-off with a fresh password, locking and amendments, QR check-in, due and missed, compliance."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.fixtures.app import PASSWORD, reload
from tests.fixtures.patrols import make_template
from tests.fixtures.photos import jpeg_bytes, upload
from webapp import clock
from webapp.extensions import db
from webapp.models import AuditEvent, ItemResult, PatrolRound, Signature, WorkOrder
from webapp.patrols import checklists, rounds


def _start(c, template) -> int:
    r = c.post(f"/patrols/start/{template.id}")
    assert r.status_code == 303
    return int(re.search(r"/patrols/rounds/(\d+)", r.headers["Location"]).group(1))


def _tap(c, round_id, item, **data):
    return c.htmx(
        "post", f"/patrols/rounds/{round_id}/items/{item.id}", target=f"item-{item.id}", data=data
    )


def test_a_round_from_start_to_signed(login_as, world, make, app):
    import io

    template = make_template(world.estate, items=("地面卫生", "照明正常", "消防通道畅通"))
    a, b, c_ = template.checkpoints[0].items
    assistant = login_as("assistant")
    round_id = _start(assistant, template)
    # Starting again continues the same round (a closed tab loses nothing).
    assert _start(assistant, template) == round_id

    r = _tap(assistant, round_id, a, outcome="ok")
    assert r.status_code == 200 and 'aria-pressed="true"' in r.get_data(as_text=True)
    # The round's progress rides along out of band.
    assert 'id="round-progress" hx-swap-oob="true">已检查 1 / 3 项' in r.get_data(as_text=True)
    _tap(assistant, round_id, b, outcome="issue")
    r = _tap(assistant, round_id, b, note="2 楼走廊灯不亮", department="engineering")
    assert "2 楼走廊灯不亮" in r.get_data(as_text=True)
    _tap(assistant, round_id, c_, outcome="na")
    r = assistant.post(
        f"/patrols/rounds/{round_id}/items/{b.id}/photos",
        data={
            "photos": [
                (io.BytesIO(jpeg_bytes()), "a.jpg"),
                (io.BytesIO(jpeg_bytes(color=(1, 1, 1))), "b.jpg"),
            ]
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 303

    # Reopening the round shows every answer.
    page = assistant.get(f"/patrols/rounds/{round_id}").get_data(as_text=True)
    assert page.count('aria-pressed="true"') == 3 and "2 楼走廊灯不亮" in page

    assert assistant.post(f"/patrols/rounds/{round_id}/finish").status_code == 303
    order = db.session.scalars(select(WorkOrder)).one()
    assert order.department == "engineering" and order.status == "open"
    assert re.fullmatch(r"WO-CH-\d{8}-0001", order.number)
    assert "照明正常" in order.description and "2 楼走廊灯不亮" in order.description
    summary = assistant.get(f"/patrols/rounds/{round_id}").get_data(as_text=True)
    assert order.number in summary and "已完成，待签核" in summary
    # A finished round refuses more taps.
    assert _tap(assistant, round_id, a, outcome="issue").status_code == 409

    # The work order: before photos came with the finding; the department replies; re-inspection.
    supervisor = login_as("supervisor")
    detail = supervisor.get(f"/workorders/{order.id}").get_data(as_text=True)
    assert detail.count("/thumb") == 2
    r = supervisor.post(
        f"/workorders/{order.id}/fix",
        data={
            "note": "已更换灯管",
            "version": order.version,
            "photos": (io.BytesIO(jpeg_bytes(color=(5, 5, 5))), "after.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 303 and reload(order).status == "fixed"
    assert supervisor.get(f"/workorders/{order.id}").get_data(as_text=True).count("/thumb") == 3
    r = assistant.post(
        f"/workorders/{order.id}/reinspect",
        data={"result": "pass", "version": reload(order).version},
    )
    assert r.status_code == 303 and reload(order).status == "closed"

    # Sign-off by the supervisor (fresh login: just logged in), then the round is locked.
    r = supervisor.post(f"/patrols/rounds/{round_id}/sign", data={"opinion": "已阅"})
    assert r.status_code == 303
    sig = db.session.scalars(select(Signature)).one()
    assert sig.kind == "signoff" and sig.signer_id == world.supervisor.id
    page = supervisor.get(f"/patrols/rounds/{round_id}").get_data(as_text=True)
    assert "已签核 · 已锁定" in page
    # A correction keeps the original visible.
    r = assistant.post(
        f"/patrols/rounds/{round_id}/items/{c_.id}/amend",
        data={"outcome": "ok", "note": "其实可用", "reason": "误点不适用"},
    )
    assert r.status_code == 303
    assert (
        reload(
            db.session.scalars(select(ItemResult).where(ItemResult.item_id == c_.id)).one()
        ).outcome
        == "na"
    )
    page = assistant.get(f"/patrols/rounds/{round_id}").get_data(as_text=True)
    assert "误点不适用" in page and "<del>不适用" in page
    # The signed content did not change.
    patrol_round = db.session.get(PatrolRound, round_id)
    from webapp.signoff import content_hash

    assert content_hash(rounds.round_content(patrol_round)) == sig.content_hash

    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {
        "patrol_round.start",
        "patrol_round.finish",
        "workorder.dispatch",
        "workorder.fix",
        "workorder.pass",
        "patrol_round.sign",
        "patrol_result.amend",
    } <= actions


def test_failed_reinspection_reopens_with_a_new_due_time(login_as, patrol, world):
    order = patrol.order
    c = login_as("assistant")
    c.post(f"/workorders/{order.id}/fix", data={"note": "已清洁", "version": order.version})
    due = (clock.now() + timedelta(days=2)).astimezone().strftime("%Y-%m-%dT%H:%M")
    r = c.post(
        f"/workorders/{order.id}/reinspect",
        data={"result": "fail", "note": "仍有污渍", "due": due, "version": reload(order).version},
    )
    assert r.status_code == 303
    fresh = reload(order)
    assert fresh.status == "open" and fresh.reopen_count == 1 and "仍有污渍" in fresh.reply_note
    # Without a new due time it is refused.
    c.post(f"/workorders/{order.id}/fix", data={"note": "再次清洁", "version": fresh.version})
    r = c.post(
        f"/workorders/{order.id}/reinspect",
        data={"result": "fail", "version": reload(order).version},
    )
    assert r.status_code == 422 and reload(order).status == "fixed"


def test_illegal_work_order_steps_are_refused(login_as, patrol):
    order = patrol.order
    c = login_as("supervisor")
    r = c.post(
        f"/workorders/{order.id}/reinspect", data={"result": "pass", "version": order.version}
    )
    assert r.status_code == 409 and reload(order).status == "open"  # not fixed yet
    r = c.post(
        f"/workorders/{order.id}/fix", data={"note": "x", "version": order.version - 1 or 99}
    )
    assert r.status_code == 409  # a stale form


def test_only_the_finder_or_a_supervisor_reinspects(login_as, patrol, world, make):
    other_assistant = make.staff("assistant", [world.estate], username="helper")
    order = patrol.order
    login_as("supervisor").post(
        f"/workorders/{order.id}/fix", data={"note": "好了", "version": order.version}
    )
    helper = login_as("assistant").application.test_client()
    helper.login(other_assistant)
    r = helper.post(
        f"/workorders/{order.id}/reinspect",
        data={"result": "pass", "version": reload(order).version},
    )
    assert r.status_code == 409 and reload(order).status == "fixed"


def test_signing_needs_a_fresh_password(login_as, patrol, app):
    c = login_as("supervisor")
    clock.travel(app.config["FRESH_LOGIN_WINDOW"] + timedelta(minutes=1))
    url = f"/patrols/rounds/{patrol.round_done.id}/sign"
    page = c.get(f"/patrols/rounds/{patrol.round_done.id}").get_data(as_text=True)
    assert 'name="password"' in page
    assert c.post(url, data={"opinion": "ok"}).status_code == 422
    assert c.post(url, data={"opinion": "ok", "password": "wrong"}).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 0
    assert c.post(url, data={"opinion": "ok", "password": PASSWORD}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 1


def test_sign_rules(login_as, patrol, world):
    url = f"/patrols/rounds/{patrol.round_done.id}/sign"
    sup = login_as("supervisor")
    assert sup.post(url, data={}).status_code == 303
    assert sup.post(url, data={}).status_code == 422  # no re-sign
    mgr = login_as("manager")
    assert mgr.post(url, data={"opinion": ""}).status_code == 422  # an opinion is required
    assert mgr.post(url, data={"opinion": "问题已处理，同意"}).status_code == 303
    kinds = db.session.scalars(select(Signature.kind).order_by(Signature.id)).all()
    assert kinds == ["signoff", "opinion"]
    # An in-progress round cannot be signed; nobody signs their own.
    assert sup.post(f"/patrols/rounds/{patrol.round_open.id}/sign", data={}).status_code == 409
    own = rounds.start_round(world.supervisor, patrol.template)
    rounds.finish(world.supervisor, own, unchecked_confirmed=True)
    db.session.commit()
    assert sup.post(f"/patrols/rounds/{own.id}/sign", data={}).status_code == 422


def test_qr_scan_opens_the_checkpoint_and_records_the_time(login_as, patrol, world):
    c = login_as("supervisor")
    token = patrol.checkpoint.qr_token
    page = c.get(f"/patrols/scan/{token}")
    assert page.status_code == 200 and "1栋大堂" in page.get_data(as_text=True)
    r = c.post(f"/patrols/scan/{token}")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"#cp-{patrol.checkpoint.id}")
    running = rounds.running_round(world.supervisor, patrol.template.id)
    assert [v.checkpoint_id for v in running.visits] == [patrol.checkpoint.id]
    # Forged and foreign codes are refused clearly.
    forged = c.get("/patrols/scan/not-a-real-code")
    assert forged.status_code == 404 and "二维码无效" in forged.get_data(as_text=True)
    foreign = patrol.other_template.checkpoints[0].qr_token
    assert c.get(f"/patrols/scan/{foreign}").status_code == 404
    assert c.post(f"/patrols/scan/{foreign}").status_code == 404


def test_qr_sheet_prints_one_code_per_checkpoint(login_as, patrol):
    html = (
        login_as("manager")
        .get(f"/patrols/templates/{patrol.template.id}/qr")
        .get_data(as_text=True)
    )
    assert html.count("data:image/svg+xml") == len(patrol.template.checkpoints)


def test_home_shows_due_and_missed_rounds(login_as, world, make, app):
    template = make_template(world.estate, name="主任巡查", role="supervisor", times=2)
    world.supervisor.created_at = clock.now() - timedelta(days=3)
    db.session.commit()
    home = login_as("supervisor").get("/").get_data(as_text=True)
    assert "主任巡查" in home and "还差 2 次" in home
    assert "少巡 2 次" in home  # yesterday and the day before
    for _ in range(2):
        r = rounds.start_round(world.supervisor, template)
        rounds.finish(world.supervisor, r, unchecked_confirmed=True)
    db.session.commit()
    home = login_as("supervisor").get("/").get_data(as_text=True)
    assert "还差" not in home


def test_compliance_counts_rounds_per_person_and_day(login_as, world, make):
    template = make_template(world.estate, name="日常巡楼", role="assistant", times=1)
    r = rounds.start_round(world.assistant, template)
    rounds.finish(world.assistant, r, unchecked_confirmed=True)
    db.session.commit()
    html = login_as("manager").get("/patrols/compliance").get_data(as_text=True)
    row = re.search(
        r"员工\d+<br><span class=\"muted small\">客服助理</span></th>(.*?)</tr>", html, re.S
    )
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    assert cells[-1] == "1/1" and cells[0] == "0/1"
    assert login_as("assistant").get("/patrols/compliance").status_code == 403


def test_overdue_work_orders_escalate_to_supervisor_then_manager(login_as, patrol, app):
    order = patrol.order
    sup_home = lambda: login_as("supervisor").get("/").get_data(as_text=True)  # noqa: E731
    mgr_home = lambda: login_as("manager").get("/").get_data(as_text=True)  # noqa: E731
    assert order.number not in sup_home()
    clock.travel(timedelta(hours=25))  # past due by an hour
    assert order.number in sup_home() and order.number not in mgr_home()
    clock.travel(timedelta(hours=24))  # past due by a day
    assert order.number in mgr_home()
    runner = app.test_cli_runner()
    assert "escalated 1" in runner.invoke(args=["sweep"]).output
    assert "escalated 0" in runner.invoke(args=["sweep"]).output  # idempotent
    assert reload(order).escalation_level == 2


def test_numbers_count_per_estate_and_day(app, world):
    from webapp.numbering import next_number

    now = clock.now()
    numbers = [next_number("WO", world.estate, now) for _ in range(3)]
    other = next_number("WO", world.other_estate, now)
    assert [n[-4:] for n in numbers] == ["0001", "0002", "0003"]
    assert other.startswith("WO-BJ-") and other.endswith("0001")


def test_manager_edits_a_template(login_as, patrol, world):
    c = login_as("manager")
    t = patrol.template
    r = c.post(
        f"/patrols/templates/{t.id}/checkpoints",
        data={
            "name": "地下停车场",
            "area": "",
            "position": 2,
            "items": "照明正常\n\n消防设施完好\n",
        },
    )
    assert r.status_code == 303
    tree = checklists.template_tree(t.id)
    assert [c.name for c in tree.checkpoints] == ["1栋大堂", "地下停车场"]
    assert [i.text for i in tree.checkpoints[1].items] == ["照明正常", "消防设施完好"]
    # Changing the items retires removed ones but keeps their history.
    cp = tree.checkpoints[0]
    r = c.post(
        f"/patrols/templates/{t.id}/checkpoints/{cp.id}",
        data={"name": cp.name, "area": "", "position": 1, "items": "地面卫生"},
    )
    assert r.status_code == 303
    items = {i.text: i.active for i in checklists.template_tree(t.id).checkpoints[0].items}
    assert items == {"地面卫生": True, "照明正常": False}
    r = c.post(
        f"/patrols/templates/{t.id}/requirements",
        data={"role": "supervisor", "period": "day", "times": 2},
    )
    assert r.status_code == 303
    r = c.post(
        f"/patrols/templates/{t.id}/checkpoints", data={"name": "空", "position": 3, "items": ""}
    )
    assert r.status_code == 422


def test_history_filters(login_as, patrol, world):
    c = login_as("supervisor")
    every = c.get("/patrols/history").get_data(as_text=True)
    assert every.count('class="card row-card link-card"') == 2
    issues = c.get("/patrols/history?result=issues").get_data(as_text=True)
    assert issues.count('class="card row-card link-card"') == 1
    clean = c.get("/patrols/history?result=clean").get_data(as_text=True)
    assert f"/patrols/rounds/{patrol.round_done.id}" in clean
    none = c.get("/patrols/history?since=2000-01-01&until=2000-01-02").get_data(as_text=True)
    assert "没有巡查记录" in none
    assert "没有巡查记录" in c.get("/patrols/history?area=不存在的地方").get_data(as_text=True)
    assert c.get("/patrols/history?since=garbage").status_code == 200


@pytest.mark.parametrize(
    "url", ["/patrols/history", "/workorders", "/patrols", "/patrols/compliance"]
)
def test_patrol_lists_have_bounded_queries(login_as, world, count_queries, url):
    template = make_template(world.estate)
    c = login_as("supervisor")

    def add_rounds(n):
        for _ in range(n):
            r = rounds.start_round(world.assistant, template)
            rounds.record(
                world.assistant,
                r,
                template.checkpoints[0].items[0].id,
                outcome="issue",
                note="x",
                department="cleaning",
            )
            rounds.finish(world.assistant, r, unchecked_confirmed=True)
        db.session.commit()

    add_rounds(2)
    c.get(url)
    with count_queries() as small:
        c.get(url)
    add_rounds(12)
    with count_queries() as large:
        assert c.get(url).status_code == 200
    assert large.count == small.count, "\n".join(large.statements)


def test_round_page_queries_do_not_grow_with_photos(login_as, patrol, world, count_queries):
    import io

    c = login_as("assistant")
    url = f"/patrols/rounds/{patrol.round_open.id}"
    with count_queries() as small:
        c.get(url)
    for i in range(4):
        c.post(
            f"{url}/items/{patrol.item2.id}/photos",
            data={"photos": (io.BytesIO(jpeg_bytes(color=(i, 2, 3))), "x.jpg")},
            content_type="multipart/form-data",
        )
    with count_queries() as large:
        c.get(url)
    assert large.count == small.count


def test_a_refused_tap_answers_with_the_reason_never_500(login_as, patrol):
    """What the offline queue sends and the server refuses gets a final 4xx it can show."""
    c = login_as("assistant")
    base = f"/patrols/rounds/{patrol.round_open.id}/items"
    for missing in (0, 2147483647):
        assert c.htmx("POST", f"{base}/{missing}", data={"outcome": "ok"}).status_code == 404
    long_note = c.htmx("POST", f"{base}/{patrol.item.id}", data={"note": "长" * 1001})
    assert long_note.status_code == 422
    card = long_note.get_data(as_text=True)
    assert "1000" in card
    assert ">" + "长" * 1001 + "</textarea>" in card  # what was typed comes back, not emptied
    assert 'maxlength="1000"' in card and 'aria-invalid="true"' in card
    finished = c.htmx(
        "POST",
        f"/patrols/rounds/{patrol.round_done.id}/items/{patrol.item.id}",
        data={"outcome": "ok"},
    )
    assert finished.status_code == 409


def test_a_finding_goes_to_a_department_someone_chose_or_saw(login_as, patrol, world):
    """The template suggests a department per item, shown and changeable on the card; an item
    without a suggestion needs one chosen before the round can end. Nothing is a silent default."""
    manager = login_as("manager")
    t = patrol.template
    r = manager.post(
        f"/patrols/templates/{t.id}/checkpoints",
        data={"name": "消防通道", "position": 2, "items": "通道畅通 → 秩序/保安\n门禁完好\n"},
    )
    assert r.status_code == 303
    assert "通道畅通 → 秩序/保安" in manager.get(f"/patrols/templates/{t.id}").get_data(
        as_text=True
    )
    bad = manager.post(
        f"/patrols/templates/{t.id}/checkpoints",
        data={"name": "别处", "position": 3, "items": "照明 → 财务部"},
    )
    assert bad.status_code == 422 and "财务部" in bad.get_data(as_text=True)
    english = manager.post(
        f"/patrols/templates/{t.id}/checkpoints",
        data={"name": "车库", "position": 4, "items": "Lights -> Engineering"},
    )
    assert english.status_code == 303

    tree = checklists.template_tree(t.id)
    by_text = {i.text: i for c in tree.checkpoints for i in c.items}
    c = login_as("assistant")
    start = c.post(f"/patrols/start/{t.id}")
    round_id = int(start.headers["Location"].rsplit("/", 1)[1])
    card = _tap(c, round_id, by_text["通道畅通"], outcome="issue").get_data(as_text=True)
    assert '<option value="security" selected>' in card  # the suggestion, shown
    card = _tap(c, round_id, by_text["门禁完好"], outcome="issue").get_data(as_text=True)
    assert '<option value="" selected>' in card and 'aria-invalid="true"' in card
    assert c.post(f"/patrols/rounds/{round_id}/finish").status_code == 303
    page = c.get(f"/patrols/rounds/{round_id}").get_data(as_text=True)
    assert "请为每个异常项选择交由哪个部门处理" in page
    assert reload(db.session.get(PatrolRound, round_id)).status == "in_progress"
    _tap(c, round_id, by_text["门禁完好"], department="engineering")
    finish = c.post(f"/patrols/rounds/{round_id}/finish", data={"unchecked_confirmed": "y"})
    assert finish.status_code == 303
    orders = db.session.scalars(select(WorkOrder).order_by(WorkOrder.id)).all()
    assert {(o.description, o.department) for o in orders} >= {
        ("通道畅通", "security"),
        ("门禁完好", "engineering"),
    }


def test_the_rest_ok_marks_only_what_is_unanswered(login_as, world, make):
    template = make_template(world.estate, items=("地面卫生", "照明正常", "门窗完好", "标识清晰"))
    c = login_as("assistant")
    round_id = int(c.post(f"/patrols/start/{template.id}").headers["Location"].rsplit("/", 1)[1])
    items = checklists.template_tree(template.id).checkpoints[0].items
    _tap(c, round_id, items[0], outcome="issue", note="地面有水")
    _tap(c, round_id, items[1], outcome="na")
    page = c.get(f"/patrols/rounds/{round_id}").get_data(as_text=True)
    assert "本点其余正常" in page and "其余全部正常" in page and "hx-confirm" in page
    checkpoint = checklists.template_tree(template.id).checkpoints[0]
    r = c.post(f"/patrols/rounds/{round_id}/rest-ok", data={"checkpoint": checkpoint.id})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"#cp-{checkpoint.id}")
    outcomes = dict(
        db.session.execute(
            select(ItemResult.item_id, ItemResult.outcome).where(ItemResult.round_id == round_id)
        ).all()
    )
    assert outcomes == {
        items[0].id: "issue",
        items[1].id: "na",
        items[2].id: "ok",
        items[3].id: "ok",
    }
    # Again, or for the round: nothing left to mark, nothing changed.
    assert c.post(f"/patrols/rounds/{round_id}/rest-ok").status_code == 303
    assert "已将 0 项标记为正常" in c.get(f"/patrols/rounds/{round_id}").get_data(as_text=True)
    # Another checkpoint's id is refused with the reason; another person may not.
    other = c.post(f"/patrols/rounds/{round_id}/rest-ok", data={"checkpoint": 2147483647})
    assert other.status_code == 422 and "不属于" in other.get_data(as_text=True)
    supervisor = login_as("supervisor")
    assert supervisor.post(f"/patrols/rounds/{round_id}/rest-ok").status_code == 409


def test_the_signer_reads_the_issues_first(login_as, world):
    """A finished round opens with its 异常 items, their notes and photos, above the checklist."""
    template = make_template(world.estate, items=("地面卫生", "照明正常", "门窗完好"))
    c = login_as("assistant")
    round_id = int(c.post(f"/patrols/start/{template.id}").headers["Location"].rsplit("/", 1)[1])
    lights = checklists.template_tree(template.id).checkpoints[0].items[1]
    _tap(c, round_id, lights, outcome="issue", note="二楼灯不亮")
    c.post(
        f"/patrols/rounds/{round_id}/items/{lights.id}/photos",
        data={"photos": [upload(jpeg_bytes(color=(9, 9, 9)))]},
        content_type="multipart/form-data",
    )
    c.post(f"/patrols/rounds/{round_id}/rest-ok")
    assert c.post(f"/patrols/rounds/{round_id}/finish").status_code == 303
    html = login_as("supervisor").get(f"/patrols/rounds/{round_id}").get_data(as_text=True)
    findings = html.split('id="findings"', 1)[1].split("</section>", 1)[0]
    assert html.index('id="findings"') < html.index('class="card checkpoint"')
    assert "照明正常" in findings and "二楼灯不亮" in findings and "<img" in findings
    assert "地面卫生" not in findings and "工程部" in findings


def test_a_round_with_unchecked_items_finishes_only_when_the_patroller_says_so(login_as, patrol):
    c = login_as("assistant")
    round_id = patrol.round_open.id  # item answered (异常, engineering), item2 not
    page = c.get(f"/patrols/rounds/{round_id}").get_data(as_text=True)
    assert "还有 1 项未检查" in page and 'name="unchecked_confirmed"' in page
    refused = c.post(f"/patrols/rounds/{round_id}/finish", follow_redirects=True)
    assert "还有 1 项未检查。请检查完" in refused.get_data(as_text=True)
    assert reload(db.session.get(PatrolRound, round_id)).status == "in_progress"
    done = c.post(f"/patrols/rounds/{round_id}/finish", data={"unchecked_confirmed": "y"})
    assert done.status_code == 303
    assert reload(db.session.get(PatrolRound, round_id)).status == "finished"
    # Once everything is answered there is nothing to confirm.
    _tap(c, patrol.round_done.id, patrol.item, outcome="ok")  # finished: refused, no change
    page = login_as("supervisor").get(f"/patrols/rounds/{patrol.round_done.id}")
    assert "项未检查" not in page.get_data(as_text=True)
