"""The outbox: messages written with their event, delivered by the job queue after commit,
merged within the providers' limits, retried with growing pauses, shown to the manager."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import robots as stand_ins
from tests.fixtures.messaging import ROBOT_CONFIG, consumer
from webapp import clock, outbox, robots
from webapp.extensions import db
from webapp.models import AuditEvent, EstateDepartment, OutboxMessage

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app_config():
    return dict(ROBOT_CONFIG)


def _queue(world, n: int, department: str = "engineering", size: int = 40):
    made = [
        outbox.post(
            world.estate.id,
            department,
            key=f"t:{i}",
            kind="test",
            title=f"消息 {i}",
            body=f"**消息 {i}** " + "内容" * size,
        )
        for i in range(n)
    ]
    db.session.commit()
    return made


def _messages():
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_the_same_event_is_queued_once(world, groups):
    first = outbox.post(world.estate.id, "engineering", key="k", kind="test", title="t", body="b")
    again = outbox.post(world.estate.id, "engineering", key="k", kind="test", title="t", body="b")
    assert first is not None and again is None
    db.session.commit()
    assert len(_messages()) == 1


def test_nothing_is_queued_when_the_transaction_rolls_back(world, groups):
    outbox.post(world.estate.id, "engineering", key="k", kind="test", title="t", body="b")
    assert db.session.info.get("jobs_after_commit")
    db.session.rollback()
    assert _messages() == [] and not db.session.info.get("jobs_after_commit")


def test_a_burst_is_merged_within_the_size_limit_and_nothing_is_dropped(world, groups, robot):
    _queue(world, 30)
    outbox.drain()
    posts = robot.received
    assert 1 < len(posts) < 30
    assert all(len(p.text.encode()) <= robots.MAX_BYTES for p in posts)
    delivered = "".join(p.text for p in posts)
    assert all(f"**消息 {i}**" in delivered for i in range(30))
    assert {m.status for m in _messages()} == {"sent"}


def test_a_robot_gets_at_most_twenty_posts_a_minute(world, groups, robot):
    # Messages too large to merge: one post each.
    _queue(world, 25, size=700)
    totals = outbox.drain()
    assert len(robot.received) == robots.PER_MINUTE
    assert totals["sent"] == 20 and totals["deferred"] == 5
    waiting = [m for m in _messages() if m.status == "pending"]
    assert len(waiting) == 5
    clock.travel(timedelta(minutes=1, seconds=1))
    outbox.drain()
    assert len(robot.received) == 25
    assert {m.status for m in _messages()} == {"sent"}


def test_a_robot_answering_500_is_retried_with_growing_pauses_then_shown_failed(
    world, groups, robot, login_as
):
    robot.status = 500
    [message] = _queue(world, 1)
    outbox.drain()
    [m] = _messages()
    assert m.status == "pending" and m.attempts == 1 and m.last_error == "HTTP 500"
    assert m.next_attempt_at > clock.now() + timedelta(seconds=20)
    outbox.drain()  # the pause is not over: nothing is sent
    assert len(robot.received) == 1
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        clock.travel(timedelta(hours=1))
        outbox.drain()
    [m] = _messages()
    assert m.status == "failed" and m.attempts == outbox.MAX_ATTEMPTS
    assert len(robot.received) == outbox.MAX_ATTEMPTS
    # The manager sees it on the outbox page, with the error, and retries it now.
    manager = login_as("manager")
    page = manager.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "消息 0" in page and "HTTP 500" in page
    assert "eng" not in page.split("<main", 1)[1]  # no webhook key on the page
    robot.status = 200
    assert manager.post(f"/admin/outbox/{message.id}/retry").status_code == 303
    [m] = _messages()
    assert m.status == "pending" and m.attempts == 0
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "outbox.retry"))
    outbox.drain()
    [m] = _messages()
    assert m.status == "sent"


def test_a_robot_that_times_out_is_retried(world, groups, robot, app):
    app.config["ROBOT_TIMEOUT"] = 0.3
    robot.delay = 1.0
    _queue(world, 1)
    outbox.drain()
    [m] = _messages()
    assert m.status == "pending" and m.last_error == "timed out"


def test_a_provider_error_code_counts_as_a_failure(world, groups, robot):
    robot.errcode = 45009  # WeCom: too many messages
    _queue(world, 1)
    outbox.drain()
    [m] = _messages()
    assert m.status == "pending" and m.last_error.startswith("errcode 45009")
    robot.errcode = 93000  # an invalid webhook: no use retrying
    clock.travel(timedelta(minutes=5))
    outbox.drain()
    [m] = _messages()
    assert m.status == "failed"


def test_a_redirect_is_never_followed(world, groups, robot):
    target = stand_ins.start()
    try:
        robot.redirect_to = target.wecom_url("elsewhere")
        _queue(world, 1)
        outbox.drain()
        [m] = _messages()
        assert m.status == "failed" and "redirect" in m.last_error
        assert target.received == []
    finally:
        target.server.shutdown()
        target.server.server_close()


def test_only_the_providers_hosts_are_allowed_in_production(app, world):
    app.config["ROBOT_HOSTS"] = list(robots.PROVIDER_HOSTS)
    app.config["ROBOT_ALLOW_HTTP"] = False
    assert robots.url_problem("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x") is None
    assert robots.url_problem("https://oapi.dingtalk.com/robot/send?access_token=x") is None
    assert robots.url_problem("http://qyapi.weixin.qq.com/cgi-bin/webhook/send") == "https"
    assert robots.url_problem("https://evil.example/qyapi.weixin.qq.com") == "host"
    assert robots.url_problem("https://qyapi.weixin.qq.com@evil.example/") == "host"
    assert robots.url_problem("https://127.0.0.1/") == "host"


def test_the_manager_sets_a_robot_and_its_secrets_stay_masked(app, world, login_as):
    app.config["ROBOT_HOSTS"] = list(robots.PROVIDER_HOSTS)
    app.config["ROBOT_ALLOW_HTTP"] = False
    manager = login_as("manager")
    url = f"/admin/estates/{world.estate.id}/departments/service"
    refused = manager.post(
        url, data={"robot_kind": "dingtalk", "webhook_url": "https://10.0.0.1/hook", "version": 0}
    )
    assert refused.status_code == 422
    assert "https://10.0.0.1/hook" not in refused.get_data(as_text=True)
    webhook = "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789secret"
    saved = manager.post(
        url,
        data={
            "name": "客服中心",
            "phone": "0755-8888 6666",
            "robot_kind": "dingtalk",
            "webhook_url": webhook,
            "robot_secret": "SECverysecretvalue",
            "version": 0,
        },
    )
    assert saved.status_code == 303
    dept = db.session.scalar(select(EstateDepartment))
    assert dept.webhook_url == webhook and dept.robot_secret == "SECverysecretvalue"
    for page in (url, f"/admin/estates/{world.estate.id}/departments"):
        html = manager.get(page).get_data(as_text=True)
        assert "abcdef0123456789" not in html and "SECverysecretvalue" not in html
    assert "…cret" in manager.get(url).get_data(as_text=True)
    # Saving again with the secret fields blank keeps them.
    manager.post(
        url,
        data={
            "name": "客服中心",
            "phone": "",
            "robot_kind": "dingtalk",
            "version": dept.version,
        },
    )
    db.session.expire_all()
    dept = db.session.scalar(select(EstateDepartment))
    assert dept.webhook_url == webhook and dept.robot_secret == "SECverysecretvalue"
    audit_rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "department.update")
    ).all()
    assert audit_rows
    assert all(
        "secret" not in str(row.after).lower().replace("'secret': true", "") for row in audit_rows
    )
    assert all("abcdef0123456789" not in str(row.after) for row in audit_rows)


def test_escalations_reach_the_customer_service_group(world, groups, robot, patrol):
    """The sweep's escalation of an overdue work order is told to the service group once."""
    from webapp import deadlines

    clock.travel(timedelta(hours=25))
    deadlines.sweep(clock.now())
    db.session.commit()
    deadlines.sweep(clock.now())  # again: nothing new
    db.session.commit()
    service = [m for m in _messages() if m.robot.department == "service"]
    assert [m.kind for m in service] == ["overdue"]
    outbox.drain()
    [got] = [r for r in robot.received if r.path == "/robot/send"]
    assert got.signature_ok is True and patrol.order.number in got.text


def test_a_real_consumer_delivers_after_commit(app, world, groups, robot, tmp_path):
    """The job queue's consumer, as scripts/run.sh starts it, delivers without being asked."""
    with consumer(app, str(tmp_path / "uploads")) as running:
        _queue(world, 1)
        got = robot.wait_for(1, timeout=60)
        assert len(got) == 1, f"the consumer did not deliver; {running.output()}"
        for _ in range(300):
            # A new read each time: within one transaction SQLite keeps showing its snapshot.
            db.session.rollback()
            if _messages()[0].status == "sent":
                break
            time.sleep(0.1)
        assert _messages()[0].status == "sent", running.output()


def test_a_job_with_an_error_trackers_headers_still_runs(world, groups, robot):
    """Sentry's Huey integration, once anything in a process turns it on, adds `sentry_headers`
    to every job that process enqueues; a consumer without it passes them on. The job runs."""
    _queue(world, 1)
    outbox.deliver.call_local(sentry_headers={"sentry-trace": "0" * 32 + "-" + "0" * 16})
    assert len(robot.wait_for(1, timeout=10)) == 1
    assert _messages()[0].status == "sent"


def test_the_queue_runs_on_redis_in_production():
    """JOB_QUEUE_URL=redis://… : the same jobs, stored in Redis (shared by several consumers)."""
    from huey import RedisHuey

    from webapp import jobs

    queue = jobs.make_huey("redis://127.0.0.1:6379/14")
    assert isinstance(queue, RedisHuey)
    queue.flush()

    @queue.task()
    def add(a, b):
        return a + b

    result = add(2, 3)
    assert queue.pending_count() == 1
    queue.execute(queue.dequeue())
    assert result.get() == 5
    queue.flush()
    with pytest.raises(RuntimeError):
        jobs.make_huey("amqp://elsewhere")


def test_a_savepoint_neither_sends_nor_drops_what_waits_for_the_commit(world, groups):
    """A savepoint released or rolled back inside the transaction (a photo, a race guard) is
    not the commit: the delivery job waits for the real one, and is not forgotten."""
    outbox.post(world.estate.id, "engineering", key="k", kind="test", title="t", body="b")
    with db.session.begin_nested():
        pass
    assert db.session.info.get("jobs_after_commit") == [outbox.deliver]
    try:
        with db.session.begin_nested():
            raise RuntimeError("refused inside a savepoint")
    except RuntimeError:
        pass
    assert db.session.info.get("jobs_after_commit") == [outbox.deliver]
    db.session.commit()
    assert not db.session.info.get("jobs_after_commit")
