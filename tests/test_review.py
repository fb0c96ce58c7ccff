"""The manager's review queue (签署意见): rounds, renovation inspections and handovers waiting
for an opinion, the ones that found something first, signed one after another."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.fixtures.app import PASSWORD
from tests.fixtures.photos import jpeg_bytes, upload
from webapp import clock
from webapp.duty import handover as handovers
from webapp.extensions import db
from webapp.models import AuditEvent, Signature
from webapp.patrols import rounds as patrols


@pytest.fixture
def waiting(world, patrol, decoration, duty):
    """A round with an 异常 and its photo, the fixtures' clean round, two inspections with a
    violation each, and a handover taken over."""
    item, item2 = patrol.checkpoint.items
    found = patrols.start_round(world.assistant, patrol.template)
    patrols.record(world.assistant, found, item.id, outcome="ok", note="", department=None)
    patrols.record(
        world.assistant, found, item2.id, outcome="issue", note="吊灯不亮", department="engineering"
    )
    patrols.add_photos(world.assistant, found, item2.id, [upload(jpeg_bytes())])
    patrols.finish(world.assistant, found)
    handover = duty.handover
    handovers.accept(world.assistant, handover, fresh=True, version=handover.version)
    db.session.commit()
    return found, handover


KEY = re.compile(r'id="review-current" data-key="([a-z]+-\d+)"')


def _count(body: str) -> int:
    return int(re.search(r'id="review-count">(\d+)', body).group(1))


def test_the_queue_shows_problems_first_and_signs_one_after_another(
    login_as, world, patrol, decoration, waiting
):
    found, handover = waiting
    manager = login_as("manager")
    page = manager.get("/dashboard/review").get_data(as_text=True)
    total = _count(page)
    # The assistant's two rounds, the two inspections with a violation (the supervisor's and
    # the assistant's), and the handover.
    assert total == 5
    # Something was found in every one but the fixtures' clean round: that one comes last.
    keys = [KEY.search(page).group(1)]
    assert f"round-{patrol.round_done.id}" not in keys
    # The round in front shows its 异常 item, with the photo, before the form.
    if keys[0] == f"round-{found.id}":
        assert page.index("吊灯不亮") < page.index("/thumb") < page.index('name="opinion"')
    for n in range(total):
        current = KEY.search(page).group(1)
        kind, record_id = current.split("-")
        response = manager.post(
            f"/dashboard/review/{kind}/{record_id}/sign",
            data={"phrase": "已阅，同意。", "opinion": ""},
        )
        assert response.status_code == 303, response.get_data(as_text=True)[:400]
        assert response.headers["Location"].endswith("/dashboard/review")
        page = manager.get("/dashboard/review").get_data(as_text=True)
        assert _count(page) == total - n - 1
        if n < total - 1:
            assert KEY.search(page).group(1) != current
            keys.append(KEY.search(page).group(1))
    assert 'id="review-empty"' in page
    assert keys[-1] == f"round-{patrol.round_done.id}"  # the clean one last
    opinions = db.session.scalars(
        select(Signature).where(Signature.signer_id == world.manager.id)
    ).all()
    assert len(opinions) == total
    assert {s.kind for s in opinions} == {"opinion"}
    assert {s.opinion for s in opinions} == {"已阅，同意。"}
    assert {s.target_type for s in opinions} == {
        "patrol_round",
        "decoration_inspection",
        "handover",
    }
    # Audited, and shown on each record's own page.
    assert (
        db.session.scalar(
            select(db.func.count(AuditEvent.id)).where(
                AuditEvent.action.like("%.sign"), AuditEvent.actor_id == world.manager.id
            )
        )
        == total
    )
    permit = manager.get(f"/decoration/permits/{decoration.permit.id}").get_data(as_text=True)
    assert permit.count("已阅，同意。") == 2
    assert "已阅，同意。" in manager.get(f"/duty/handovers/{handover.id}").get_data(as_text=True)
    assert "已阅，同意。" in manager.get(f"/patrols/rounds/{found.id}").get_data(as_text=True)


def test_an_opinion_must_say_something_and_a_stale_login_asks_the_password(
    login_as, world, waiting
):
    found, _handover = waiting
    manager = login_as("manager")
    url = f"/dashboard/review/round/{found.id}/sign"
    refused = manager.post(url, data={"phrase": "", "opinion": "  "})
    assert refused.status_code == 422 and "请填写意见" in refused.get_data(as_text=True)
    # A phrase that was never offered is not an opinion either.
    assert manager.post(url, data={"phrase": "随便写的"}).status_code == 422
    clock.travel(timedelta(minutes=20))
    page = manager.get(f"/dashboard/review?at=round-{found.id}").get_data(as_text=True)
    assert 'name="password"' in page
    stale = manager.post(url, data={"opinion": "请工程部今天修好"})
    assert stale.status_code == 422 and "签核前请重新输入密码" in stale.get_data(as_text=True)
    wrong = manager.post(url, data={"opinion": "请工程部今天修好", "password": "not-it"})
    assert wrong.status_code == 422 and "密码不正确" in wrong.get_data(as_text=True)
    assert not db.session.scalars(
        select(Signature).where(
            Signature.target_id == found.id, Signature.target_type == "patrol_round"
        )
    ).all()
    ok = manager.post(url, data={"opinion": "请工程部今天修好", "password": PASSWORD})
    assert ok.status_code == 303
    # Signed once: the record left the queue, and a second post is refused.
    again = manager.post(url, data={"opinion": "再签一次"})
    assert again.status_code == 422 and "你已经签过这条记录" in again.get_data(as_text=True)
    page = manager.get("/dashboard/review").get_data(as_text=True)
    assert f"round-{found.id}" not in page


def test_skip_shows_the_next_and_the_home_lists_the_queue(login_as, world, waiting):
    manager = login_as("manager")
    page = manager.get("/dashboard/review").get_data(as_text=True)
    first = KEY.search(page).group(1)
    skip = re.search(r'href="(/dashboard/review\?at=[a-z]+-\d+)">先跳过', page).group(1)
    page = manager.get(skip).get_data(as_text=True)
    assert KEY.search(page).group(1) != first
    home = manager.get("/").get_data(as_text=True)
    assert 'href="/dashboard/review"' in home
    assert f'href="/dashboard/review?at={first}"' in home


def test_only_the_manager_reviews_and_never_their_own_record(login_as, world, patrol, waiting):
    assert login_as("supervisor").get("/dashboard/review").status_code == 403
    mine = patrols.start_round(world.manager, patrol.template)
    patrols.finish(world.manager, mine, unchecked_confirmed=True)
    db.session.commit()
    manager = login_as("manager")
    assert f"round-{mine.id}" not in manager.get("/dashboard/review").get_data(as_text=True)
    assert manager.post(
        f"/dashboard/review/round/{mine.id}/sign", data={"opinion": "自己签"}
    ).status_code in (409, 422)
    # Another estate's record: not found.
    other = patrols.start_round(world.assistant_other, patrol.other_template)
    patrols.finish(world.assistant_other, other, unchecked_confirmed=True)
    db.session.commit()
    assert (
        manager.post(
            f"/dashboard/review/round/{other.id}/sign", data={"opinion": "看看"}
        ).status_code
        == 404
    )


def test_english_review_queue(login_as, world, waiting):
    manager = login_as("manager")
    manager.post("/locale", data={"locale": "en", "next": "/"})
    page = manager.get("/dashboard/review").get_data(as_text=True)
    assert "waiting for your opinion" in page and "Patrol round" in page
