"""A tap does one item's work: it loads that item, writes it, and redraws its card and the
progress, in a bounded number of statements however long the round is."""

from __future__ import annotations

import secrets

import pytest

from webapp.extensions import db
from webapp.models import CheckItem, Checkpoint, PatrolRequirement, PatrolTemplate
from webapp.patrols import rounds

TAP_BUDGET = 8  # the bound; a tap runs 7 today


def _template(estate, items: int) -> PatrolTemplate:
    """A checklist of `items` items over checkpoints of ten."""
    template = PatrolTemplate(estate_id=estate.id, name=f"巡楼{items}", description="", active=True)
    db.session.add(template)
    db.session.flush()
    for cp in range((items + 9) // 10):
        checkpoint = Checkpoint(
            template_id=template.id,
            position=cp,
            name=f"{cp + 1}号点",
            qr_token=secrets.token_urlsafe(16),
        )
        db.session.add(checkpoint)
        db.session.flush()
        db.session.add_all(
            CheckItem(checkpoint_id=checkpoint.id, position=i, text=f"检查项{cp}-{i}")
            for i in range(min(10, items - cp * 10))
        )
    db.session.add(
        PatrolRequirement(template_id=template.id, role="assistant", period="day", times=1)
    )
    db.session.commit()
    return template


@pytest.mark.parametrize("items", [24, 100])
def test_a_tap_runs_a_bounded_number_of_statements(login_as, world, count_queries, items):
    template = _template(world.estate, items)
    patrol_round = rounds.start_round(world.assistant, template)
    db.session.commit()
    all_items = [i for cp in template.checkpoints for i in cp.items]
    # Half the round answered already, one with a note: the card of a late item is drawn.
    for item in all_items[: items // 2]:
        rounds.record(
            world.assistant, patrol_round, item.id, outcome="ok", note="", department=None
        )
    db.session.commit()
    client = login_as("assistant")
    target = all_items[-1].id
    url = f"/patrols/rounds/{patrol_round.id}/items/{target}"
    client.htmx("post", url, data={"outcome": "issue"})  # warm: the CSRF token, the session
    with count_queries() as counted:
        response = client.htmx("post", url, target=f"item-{target}", data={"outcome": "ok"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="item-{target}"' in html
    assert "progress" in html  # the progress counter, redrawn out of band
    # … and the finish form's count of what is still unchecked, out of band as well.
    left = items - items // 2 - 1
    assert 'id="unchecked" hx-swap-oob="true"' in html
    assert f"还有 {left} 项未检查" in html
    assert counted.count <= TAP_BUDGET, "\n".join(counted.statements)
