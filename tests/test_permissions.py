"""Deny by default: every route is in the permission matrix and answers as it says."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.fixtures.photos import jpeg_bytes
from tests.permission_matrix import CASES, PRINCIPALS
from webapp import outbox, signedlinks
from webapp.announcements import services as announcements
from webapp.extensions import db
from webapp.models import Building, EstateDepartment, Notification, Photo, PublicArea, SignedLink
from webapp.movein import services as movein
from webapp.owners import imports
from webapp.photos import services as photos
from webapp.surveys import services as surveys
from webapp.tickets import scan
from webapp.visits import services as visits
from webapp.workorders import services as workorders


def _ids(world, patrol, decoration, ticket, duty) -> dict:
    area = PublicArea(estate_id=world.estate.id, name="1栋大堂", kind="lobby")
    other_area = PublicArea(estate_id=world.other_estate.id, name="大堂", kind="lobby")
    db.session.add_all([area, other_area])
    # A robot for the engineering group, one message queued to it, a before-photo on the order.
    db.session.add(
        EstateDepartment(
            estate_id=world.estate.id,
            department="engineering",
            robot_kind="wecom",
            webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=matrix",
        )
    )
    db.session.flush()
    message = outbox.post(
        world.estate.id, "engineering", key="matrix", kind="test", title="t", body="b"
    )
    photos.attach(
        db.session.get(Photo, patrol.photo),
        "work_order",
        patrol.order.id,
        "before",
        world.assistant,
    )
    link = workorders.department_link(patrol.order)
    record, _plan = imports.upload(world.manager, world.estate, "records.xlsx", imports.template())
    # The scan-to-report codes of estate A's places.
    scan.issue_missing(world.supervisor, world.estate)
    scan_link = db.session.scalar(
        select(SignedLink).where(
            SignedLink.purpose == scan.PURPOSE, SignedLink.target_type == "building"
        )
    )
    # Unit A's move-in inspection, waiting for its owner's signature.
    movein.set_checklist(world.supervisor, world.estate.id, "客厅 | 墙面无裂缝 | 2")
    [item] = movein.checklist(world.estate.id)
    move_in = movein.inspect(
        world.assistant,
        world.unit_a,
        [movein.Answer(item.id, "ok", "")],
        owner_name="业主甲",
        owner_phone="",
        note="",
        keys_handed={},
        documents=[],
        register_key_ids=[],
    )
    # A sent survey of estate A with a low score from unit B, and a draft with one question.
    survey = surveys.create(world.manager, world.estate, title="满意度调查")
    surveys.add_question(world.manager, survey, kind="scale", text="满意吗？")
    db.session.flush()
    surveys.send(world.manager, survey)
    low = surveys.answer(
        survey, world.unit_b, [surveys.Given(survey.questions[0], score=1)], user=world.owner_b
    )
    draft = surveys.create(world.manager, world.estate, title="草稿")
    surveys.add_question(world.manager, draft, kind="text", text="意见？")
    # An announcement to the whole estate A with a photo, one for 3栋 only, and 1栋's board code.
    notice = announcements.publish(world.manager, world.estate, title="通知", body="内容")
    # A picture of its own: the patrol's photos must stay out of owners' sight.
    picture = photos.ingest(jpeg_bytes(color=(1, 2, 3)), world.manager)
    photos.attach(picture, announcements.TARGET, notice.id, "announcement", world.manager)
    three = db.session.scalar(
        select(Building).where(Building.estate_id == world.estate.id, Building.name == "3栋")
    )
    only_three = announcements.publish(
        world.manager, world.estate, title="3栋", body="内容", building_ids=[three.id]
    )
    announcements.issue_boards(world.manager, world.estate)
    # The assistant's visit to unit A today (only they may withdraw it).
    visit = visits.record(world.assistant, world.unit_a, outcome="visited")
    board = signedlinks.working(announcements.BOARD, "building", [world.unit_a.building_id])
    db.session.commit()
    return {
        "visit": visit.id,
        "announcement": notice.id,
        "announcement_three": only_three.id,
        "announcement_photo": picture.id,
        "board_token": signedlinks.token_of(board[world.unit_a.building_id]),
        "survey": survey.id,
        "survey_draft": draft.id,
        "survey_question": draft.questions[0].id,
        "survey_answer": low.answers[0].id,
        "survey_token": signedlinks.token_of(
            signedlinks.current(surveys.PURPOSE, surveys.TARGET, survey.id)
        ),
        "dept_token": signedlinks.token_of(link),
        "forged_token": f"{link.id}-forged",
        "outbox_message": message.id,
        "record_import": record.id,
        "estate": world.estate.id,
        "other_estate": world.other_estate.id,
        "building": world.unit_a.building_id,
        "other_building": world.other_unit.building_id,
        "unit_a": world.unit_a.id,
        "unit_b": world.unit_b.id,
        "move_in": move_in.id,
        "scan_token": signedlinks.token_of(scan_link),
        "area": area.id,
        "other_area": other_area.id,
        **{name: getattr(world, name).id for name in PRINCIPALS if name != "anonymous"},
        "template": patrol.template.id,
        "other_template": patrol.other_template.id,
        "checkpoint": patrol.checkpoint.id,
        "item": patrol.item.id,
        "round_open": patrol.round_open.id,
        "round_done": patrol.round_done.id,
        "qr": patrol.checkpoint.qr_token,
        "order": patrol.order.id,
        "photo": patrol.photo,
        "other_photo": patrol.other_photo,
        "permit": decoration.permit.id,
        "notice": decoration.notice.id,
        "draft": decoration.draft.id,
        "result": decoration.result.id,
        "inspection": decoration.result.inspection_id,
        "notice_photo": decoration.notice_photo,
        "ticket": ticket.ticket.id,
        "ticket_number": ticket.ticket.number,
        "tracking_code": ticket.code,
        "reply_photo": ticket.reply_photo,
        "note_photo": ticket.note_photo,
        "duty": duty.duty.id,
        "duty_event": duty.event.id,
        "duty_major": duty.major.id,
        "duty_photo": duty.photo,
        "key": duty.key.id,
        "key_in": duty.key_in.id,
        "loan": duty.loan.id,
        "handover": duty.handover.id,
        "manager_notification": db.session.scalar(
            select(Notification.id).where(Notification.user_id == world.manager.id)
        ),
    }


def test_every_route_is_in_the_matrix(app):
    covered = {(c.rule, c.method) for c in CASES}
    missing = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (rule.rule, method) not in covered:
                missing.append(f"{method} {rule.rule}")
    assert not missing, "routes missing from tests/permission_matrix.py: " + ", ".join(missing)


def test_matrix_rows_name_real_routes(app):
    rules = {(r.rule, m) for r in app.url_map.iter_rules() for m in r.methods}
    stale = [c.id for c in CASES if (c.rule, c.method) not in rules]
    assert not stale, f"matrix rows for routes that no longer exist: {stale}"


def test_every_view_declares_its_access(app):
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "access")
    ]
    assert not undeclared


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_route_answers_each_principal_as_the_matrix_says(
    case, world, patrol, decoration, ticket, duty, login_as
):
    ids = _ids(world, patrol, decoration, ticket, duty)
    url = case.url.format(**ids)
    wrong = []
    for principal in PRINCIPALS:
        client = login_as(principal)
        response = client.open(url, method=case.method, data={} if case.method != "GET" else None)
        if response.status_code != case.expect[principal]:
            wrong.append(f"{principal}: {response.status_code} (expected {case.expect[principal]})")
    assert not wrong, f"{case.id}: " + "; ".join(wrong)


def test_undeclared_view_is_refused(app, login_as):
    """A view added without @allow is denied to everyone, even the manager."""
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    c = login_as("manager")
    assert c.get("/forgotten").status_code == 403
