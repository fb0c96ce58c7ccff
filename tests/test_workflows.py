"""Pages draw their buttons from the workflow tables, and the views enforce the same tables.

For every status of a ticket (normal and major, investigated or not) and every person who can
see it, the buttons on the page are exactly the steps the ticket's workflow allows that person,
and every other step is refused when posted anyway.
"""

from __future__ import annotations

import re

import pytest

from tests.fixtures.app import Client
from tests.fixtures.tickets import take_ticket
from webapp import clock
from webapp.extensions import db
from webapp.models import TicketStatus
from webapp.tickets.lifecycle import STATUS_ACTIONS, TICKET

ACTION = re.compile(r'data-action="([a-z_]+)"')

# status -> the fields a ticket in that status has
SHAPES = {
    TicketStatus.RECEIVED: {},
    TicketStatus.ASSIGNED: {"assignee": "assistant"},
    TicketStatus.IN_PROGRESS: {"assignee": "assistant"},
    TicketStatus.RESOLVED: {"assignee": "assistant", "resolved": True},
    TicketStatus.CLOSED: {"assignee": "assistant", "resolved": True, "closed": True},
}
CASES = [
    (status, severity, investigated)
    for status in TicketStatus
    for severity, investigated in (("normal", False), ("major", False), ("major", True))
]


@pytest.fixture
def people(app, world, make):
    """Everyone who can open a ticket of the estate: its taker, a colleague, the supervisor and
    manager (staff pages), and the owner it belongs to (the owner's page)."""
    colleague = make.staff("assistant", [world.estate], username="colleague")
    db.session.commit()
    app.test_client_class = Client
    clients = {}
    for name, person in (
        ("taker", world.assistant),
        ("colleague", colleague),
        ("supervisor", world.supervisor),
        ("manager", world.manager),
        ("owner", world.owner_a),
    ):
        c = app.test_client()
        assert c.login(person).status_code == 303
        clients[name] = (person, c)
    return clients


def _ticket_in(world, status, severity, investigated):
    ticket, _code = take_ticket(world, severity=severity)
    shape = SHAPES[status]
    now = clock.now()
    ticket.status = status
    if "assignee" in shape:
        ticket.assignee_id = world.assistant.id
    if shape.get("resolved"):
        ticket.resolved_at = now
    if shape.get("closed"):
        ticket.closed_at = now
        ticket.next_follow_up_at = None
    if investigated:
        ticket.investigated_at = now
    db.session.commit()
    return ticket


def _page_actions(client, person, ticket) -> list[str]:
    url = f"/my/tickets/{ticket.id}" if person.is_owner else f"/tickets/{ticket.id}"
    response = client.get(url)
    assert response.status_code == 200
    return ACTION.findall(response.get_data(as_text=True))


@pytest.mark.parametrize(("status", "severity", "investigated"), CASES)
def test_the_ticket_page_shows_exactly_the_allowed_steps(
    world, people, status, severity, investigated
):
    ticket = _ticket_in(world, status, severity, investigated)
    seen_any = set()
    for name, (person, client) in people.items():
        allowed = TICKET.allowed(person, ticket)
        shown = _page_actions(client, person, ticket)
        assert sorted(shown) == sorted(allowed), (name, status, severity, investigated)
        seen_any.update(allowed)
    if status != TicketStatus.CLOSED:
        assert seen_any, "somebody can always do something to an open ticket"


def test_the_steps_differ_by_person_and_state(world, people):
    """The table is not trivially everything: first contact, roles and the investigation."""
    received = _ticket_in(world, TicketStatus.RECEIVED, "major", False)
    taker, colleague = people["taker"][0], people["colleague"][0]
    manager, owner = people["manager"][0], people["owner"][0]
    assert "start" in TICKET.allowed(taker, received)
    assert "start" not in TICKET.allowed(colleague, received)  # 首问责任制
    assert "assign" not in TICKET.allowed(taker, received)
    assert "investigation" in TICKET.allowed(manager, received)
    assert "investigation" not in TICKET.allowed(people["supervisor"][0], received)
    assert TICKET.allowed(owner, received) == ["info"]
    assert TICKET.held(taker, received) == {"resolve": TICKET.refusal(taker, received, "resolve")}


@pytest.mark.parametrize("status", list(TicketStatus))
def test_every_step_not_allowed_is_refused_when_posted(world, people, status):
    ticket = _ticket_in(world, status, "major", False)
    for name, (person, client) in people.items():
        allowed = set(TICKET.allowed(person, ticket))
        for action in TICKET.by_action:
            if action in allowed:
                continue
            if person.is_owner:
                if action == "visit":
                    url, data = f"/my/tickets/{ticket.id}/visit", {"rating": "satisfied"}
                elif action == "info":
                    url, data = f"/my/tickets/{ticket.id}/info", {"body": "补充"}
                else:
                    continue  # staff pages refuse owners before any workflow (the matrix)
            elif action in STATUS_ACTIONS:
                url = f"/tickets/{ticket.id}/act"
                data = {
                    "action": action,
                    "assignee": str(world.assistant.id),
                    "reply": "好了",
                    "rating": "satisfied",
                }
            else:
                url, data = f"/tickets/{ticket.id}/entries", {"kind": action, "body": "记录"}
            data["version"] = str(ticket.version)
            response = client.post(url, data=data)
            assert response.status_code in (409, 422), (name, status, action)
            db.session.expire_all()
            assert db.session.get(type(ticket), ticket.id).status == status
