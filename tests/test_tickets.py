"""The ticket service: intake, first-contact ownership, the lifecycle and its refusals, public
replies vs internal notes, 24-hour follow-ups and 48-hour investigations, tracking codes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.fixtures.photos import jpeg_bytes, upload
from tests.fixtures.tickets import take_ticket, ticket_form
from webapp import clock
from webapp.errors import IllegalTransition, Invalid
from webapp.extensions import db
from webapp.models import Ticket
from webapp.tickets import inbox, intake, lifecycle


def _phone_complaint(world, **overrides):
    ticket, code = take_ticket(world, **overrides)
    db.session.commit()
    return ticket, code


def test_phone_complaint_is_numbered_owned_by_the_taker_and_trackable(world):
    ticket, code = _phone_complaint(world)
    assert ticket.number.startswith("TS-CH-") and ticket.number.endswith("-0001")
    assert ticket.taker_id == world.assistant.id and ticket.status == "received"
    assert ticket.owner_id == world.owner_a.id  # the caller's phone matched the unit's owner
    assert ticket.next_follow_up_at == ticket.created_at + timedelta(hours=24)
    assert intake.find_by_tracking(ticket.number, code).id == ticket.id
    assert intake.find_by_tracking(ticket.number, "00000000") is None
    assert intake.find_by_tracking("TS-CH-20000101-0001", code) is None
    assert ticket.tracking_hash != code  # only a hash is stored


def test_owner_tickets_are_online_and_for_their_own_unit(world):
    ticket, _ = intake.create(
        world.owner_a,
        estate=world.estate,
        unit=world.unit_a,
        reporter_name="x",
        reporter_phone="",
        kind="repair",
        channel="phone",
        category="engineering",
        severity="major",
        description="卫生间漏水",
        uploads=[upload(jpeg_bytes())],
    )
    assert (
        ticket.channel == "online"
        and ticket.severity == "normal"
        and ticket.owner_id == world.owner_a.id
    )
    with pytest.raises(Invalid):
        intake.create(
            world.owner_a,
            estate=world.estate,
            unit=world.unit_b,
            reporter_name="x",
            reporter_phone="",
            kind="repair",
            channel="online",
            category="engineering",
            severity="normal",
            description="别人家",
        )


@pytest.mark.parametrize(
    "field,value",
    [
        ("kind", "rant"),
        ("channel", "pigeon"),
        ("category", "x"),
        ("severity", "apocalyptic"),
        ("description", "  "),
    ],
)
def test_bad_input_is_refused(world, field, value):
    with pytest.raises(Invalid):
        _phone_complaint(world, **{field: value})


def test_the_whole_flow_with_a_reopen(world):
    ticket, _ = _phone_complaint(world)
    with pytest.raises(IllegalTransition):  # assistants do not assign
        lifecycle.transition(
            ticket, "assign", world.assistant, version=ticket.version, assignee=world.assistant
        )
    from webapp.models import EstateMembership, User

    colleague = User(username="colleague", display_name="同事", role="assistant", active=True)
    colleague.memberships = [EstateMembership(estate_id=world.estate.id)]
    db.session.add(colleague)
    db.session.flush()
    with pytest.raises(IllegalTransition):  # before assignment it is the taker's (首问责任制)
        lifecycle.transition(ticket, "resolve", colleague, version=ticket.version, reply="好了")
    lifecycle.transition(
        ticket, "assign", world.supervisor, version=ticket.version, assignee=world.assistant
    )
    with pytest.raises(Invalid):  # another estate's staff cannot be assigned
        lifecycle.transition(
            ticket,
            "assign",
            world.supervisor,
            version=ticket.version,
            assignee=world.assistant_other,
        )
    lifecycle.transition(ticket, "start", world.assistant, version=ticket.version)
    lifecycle.add_entry(ticket, world.assistant, "note", "楼上业主不在家，明天再去")
    lifecycle.add_entry(ticket, world.assistant, "reply", "已联系楼上业主，约定晚上十点后停止施工")
    with pytest.raises(Invalid):  # a written reply is required
        lifecycle.transition(ticket, "resolve", world.assistant, version=ticket.version, reply="")
    lifecycle.transition(
        ticket, "resolve", world.assistant, version=ticket.version, reply="已协调停止夜间施工"
    )
    assert ticket.status == "resolved" and ticket.next_follow_up_at is None
    with pytest.raises(IllegalTransition):  # another owner cannot rate it
        lifecycle.transition(
            ticket, "visit", world.owner_b, version=ticket.version, rating="satisfied"
        )
    lifecycle.transition(
        ticket,
        "visit",
        world.owner_a,
        version=ticket.version,
        rating="unsatisfied",
        comment="还是很吵",
    )
    assert ticket.status == "in_progress" and ticket.reopen_count == 1
    lifecycle.transition(
        ticket, "resolve", world.assistant, version=ticket.version, reply="已加装隔音并再次沟通"
    )
    lifecycle.transition(
        ticket,
        "visit",
        world.assistant,
        version=ticket.version,
        rating="satisfied",
        comment="电话回访",
    )
    assert ticket.status == "closed" and ticket.satisfaction == "satisfied"
    db.session.commit()
    public = [e.kind for e in lifecycle.timeline(ticket, public_only=True)]
    everything = [e.kind for e in lifecycle.timeline(ticket, public_only=False)]
    assert "note" in everything and "note" not in public
    assert public[0] == "received" and public[-1] == "visit"
    with pytest.raises(IllegalTransition):
        lifecycle.add_entry(ticket, world.assistant, "reply", "关闭后不能再回复")


def test_a_stale_form_is_a_conflict(world):
    from webapp.errors import Conflict

    ticket, _ = _phone_complaint(world)
    version = ticket.version
    lifecycle.transition(
        ticket, "assign", world.supervisor, version=version, department="engineering"
    )
    with pytest.raises(Conflict):
        lifecycle.transition(
            ticket, "assign", world.manager, version=version, department="cleaning"
        )


def test_follow_up_is_due_24_hours_after_receipt_and_after_every_update(world):
    ticket, _ = _phone_complaint(world)
    start = clock.now()
    assert not lifecycle.follow_up_overdue(ticket, start + timedelta(hours=23))
    assert lifecycle.follow_up_overdue(ticket, start + timedelta(hours=25))
    clock.travel(timedelta(hours=20))
    lifecycle.add_entry(ticket, world.assistant, "reply", "已安排工程部上门")
    assert not lifecycle.follow_up_overdue(ticket, start + timedelta(hours=30))
    assert lifecycle.follow_up_overdue(ticket, start + timedelta(hours=45))


def test_a_major_complaint_needs_an_investigation_within_48_hours(world):
    ticket, _ = _phone_complaint(world, severity="major", kind="complaint", category="attitude")
    start = clock.now()
    assert not lifecycle.investigation_overdue(ticket, start + timedelta(hours=47))
    assert lifecycle.investigation_overdue(ticket, start + timedelta(hours=49))
    with pytest.raises(IllegalTransition):
        lifecycle.add_entry(ticket, world.supervisor, "investigation", "主任不能代替经理")
    lifecycle.add_entry(ticket, world.manager, "investigation", "已约谈当班保安，调取监控")
    assert not lifecycle.investigation_overdue(ticket, start + timedelta(hours=49))


def test_owners_see_only_their_own_tickets(world):
    mine, _ = _phone_complaint(world)
    theirs, _ = _phone_complaint(world, unit=world.unit_b, reporter_phone="13900000002")
    visible = set(
        db.session.scalars(inbox.visible_tickets(world.owner_a).with_only_columns(Ticket.id))
    )
    assert visible == {mine.id}
    assert not db.session.scalars(
        inbox.visible_tickets(world.assistant_other).with_only_columns(Ticket.id)
    ).all()
    assert theirs.owner_id == world.owner_b.id


def test_internal_note_photos_stay_internal(world):
    ticket, _ = _phone_complaint(world)
    note = lifecycle.add_entry(
        ticket, world.assistant, "note", "现场照片", uploads=[upload(jpeg_bytes(color=(1, 9, 1)))]
    )
    reply = lifecycle.add_entry(
        ticket, world.assistant, "reply", "处理后", uploads=[upload(jpeg_bytes(color=(9, 1, 1)))]
    )
    db.session.commit()
    assert inbox.visible_entry_ids(world.owner_a, [note.id, reply.id]) == {reply.id}
    assert inbox.visible_entry_ids(world.assistant, [note.id, reply.id]) == {
        note.id,
        reply.id,
    }
    assert inbox.visible_entry_ids(world.owner_b, [note.id, reply.id]) == set()
    assert db.session.scalar(select(Ticket.id)) == ticket.id


# --- through HTTP -------------------------------------------------------------------------------


def test_phone_complaint_to_closed_through_the_pages(login_as, new_client, world):
    import re

    assistant = login_as("assistant")
    r = assistant.post("/tickets/new", data=ticket_form(world))
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    link = re.search(r"(/t/TS-[^\s<\"]+)", html).group(1).replace("&amp;", "&")
    ticket = db.session.scalars(select(Ticket)).one()

    # The tracking link works without logging in; a wrong code is a 404.
    public = new_client()
    page = public.get(link)
    assert page.status_code == 200 and ticket.number in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert public.get(f"/t/{ticket.number}?code=wrong").status_code == 404

    supervisor = login_as("supervisor")
    r = supervisor.post(
        f"/tickets/{ticket.id}/act",
        data={"action": "assign", "assignee": world.assistant.id, "version": ticket.version},
    )
    assert r.status_code == 303
    db.session.refresh(ticket)
    assistant.post(f"/tickets/{ticket.id}/entries", data={"kind": "note", "body": "施工方说明天停"})
    r = assistant.post(
        f"/tickets/{ticket.id}/act",
        data={"action": "resolve", "reply": "已要求晚十点后停工", "version": ticket.version},
    )
    assert r.status_code == 303

    owner = login_as("owner_a")
    page = owner.get(f"/my/tickets/{ticket.id}").get_data(as_text=True)
    assert (
        "已要求晚十点后停工" in page and "施工方说明天停" not in page
    )  # internal notes stay internal
    assert "13611" not in page  # no staff phone numbers
    db.session.refresh(ticket)
    r = owner.post(
        f"/my/tickets/{ticket.id}/visit",
        data={"rating": "unsatisfied", "comment": "还是吵", "version": ticket.version},
    )
    assert r.status_code == 303
    db.session.refresh(ticket)
    assert ticket.status == "in_progress" and ticket.reopen_count == 1
    assistant.post(
        f"/tickets/{ticket.id}/act",
        data={"action": "resolve", "reply": "已加装隔音", "version": ticket.version},
    )
    db.session.refresh(ticket)
    owner.post(
        f"/my/tickets/{ticket.id}/visit", data={"rating": "satisfied", "version": ticket.version}
    )
    db.session.refresh(ticket)
    assert ticket.status == "closed" and ticket.satisfaction == "satisfied"
    assert login_as("owner_b").get(f"/my/tickets/{ticket.id}").status_code == 404


def test_owner_reports_from_their_phone(login_as, world):
    import io

    owner = login_as("owner_a")
    r = owner.post(
        "/my/tickets/new",
        data={
            "unit": world.unit_a.id,
            "kind": "repair",
            "category": "engineering",
            "description": "卫生间漏水",
            "photos": (io.BytesIO(jpeg_bytes()), "leak.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.channel == "online" and ticket.owner_id == world.owner_a.id
    page = login_as("assistant").get("/tickets").get_data(as_text=True)
    assert ticket.number in page
    r = owner.post(
        "/my/tickets/new",
        data={
            "unit": world.unit_b.id,
            "kind": "repair",
            "category": "engineering",
            "description": "别人家",
        },
    )
    assert r.status_code == 422  # not one of my units


def test_inbox_tabs_count_and_show_overdue(login_as, world):
    for i in range(3):
        _phone_complaint(world, description=f"问题 {i}")
    _phone_complaint(world, severity="major", description="保安态度恶劣")
    c = login_as("supervisor")
    html = c.get("/tickets").get_data(as_text=True)
    assert html.count('class="card row-card link-card') == 4
    assert html.index("保安态度恶劣") < html.index("问题 0")  # major first
    clock.travel(timedelta(hours=25))
    html = login_as("supervisor").get("/tickets?tab=overdue").get_data(as_text=True)
    assert html.count("已逾期") >= 4
    r = login_as("supervisor").htmx("get", "/tickets?tab=open&q=保安", target="ticket-list")
    assert r.get_data(as_text=True).count('class="card row-card') == 1


def test_inbox_queries_are_bounded(login_as, world, count_queries):
    c = login_as("supervisor")
    for i in range(3):
        _phone_complaint(world, description=f"问题 {i}")
    c.get("/tickets")
    with count_queries() as small:
        c.get("/tickets")
    for i in range(30):
        _phone_complaint(world, description=f"更多 {i}")
    with count_queries() as large:
        assert c.get("/tickets").status_code == 200
    assert large.count == small.count, "\n".join(large.statements)


def test_tracking_codes_carry_64_random_bits_and_may_be_typed_in_groups(app, world):
    ticket, code = take_ticket(world)
    db.session.commit()
    assert len(code) >= 16 and int(code, 16) >= 0  # 64 bits of hex
    grouped = " ".join(code[i : i + 4] for i in range(0, len(code), 4)).upper()
    assert intake.find_by_tracking(ticket.number, grouped) == ticket
    assert intake.find_by_tracking(ticket.number, code[:8]) is None


def test_a_major_complaint_is_not_resolved_before_the_investigation(app, world):
    ticket, _code = take_ticket(world, severity="major")
    db.session.commit()
    with pytest.raises(IllegalTransition, match="调查"):
        lifecycle.transition(
            ticket, "resolve", world.supervisor, version=ticket.version, reply="已处理"
        )
    db.session.rollback()
    lifecycle.add_entry(ticket, world.manager, "investigation", "已调查：水管老化。")
    db.session.commit()
    lifecycle.transition(
        ticket, "resolve", world.supervisor, version=ticket.version, reply="已处理"
    )
    assert ticket.status == "resolved"
