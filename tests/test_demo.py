"""Demo data: loaded only on purpose, safe twice, every role can log in with the README password."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from webapp.demo import DEMO_PASSWORD
from webapp.extensions import db
from webapp.models import PublicArea, Unit, User


def test_a_fresh_database_has_no_accounts(app):
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_demo_command_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and "manager" in first.output
    counts = [
        db.session.scalar(select(func.count()).select_from(m)) for m in (User, Unit, PublicArea)
    ]
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    db.session.rollback()
    assert [
        db.session.scalar(select(func.count()).select_from(m)) for m in (User, Unit, PublicArea)
    ] == counts
    areas = set(db.session.scalars(select(PublicArea.name)))
    assert {"会所", "地下停车场", "样板间", "售楼处", "消防通道"} <= areas


@pytest.mark.parametrize("username", ["assistant", "supervisor", "manager", "owner"])
def test_demo_accounts_log_in(app, client, username):
    app.test_cli_runner().invoke(args=["demo"])
    user = db.session.scalar(select(User).where(User.username == username))
    assert client.login(user, DEMO_PASSWORD).status_code == 303
    assert client.get("/").status_code == 200


def test_create_manager_for_a_new_installation(app):
    runner = app.test_cli_runner()
    r = runner.invoke(
        args=[
            "create-manager",
            "lily",
            "--name",
            "李莉",
            "--estate",
            "新项目",
            "--code",
            "XM",
            "--password",
            "a long secret phrase",
        ]
    )
    assert r.exit_code == 0, r.output
    weak = runner.invoke(
        args=[
            "create-manager",
            "bob",
            "--name",
            "B",
            "--estate",
            "新项目",
            "--code",
            "XM",
            "--password",
            "123456",
        ]
    )
    assert weak.exit_code != 0
    assert db.session.scalar(select(User.role).where(User.username == "lily")) == "manager"


def test_cli_runner_is_click(app):
    assert isinstance(app.test_cli_runner(), CliRunner)


def test_demo_data_is_refused_outside_the_demo(database, tmp_path):
    """A production configuration never gets the accounts with the public demo password."""
    from tests.fixtures.app import make_app

    production = make_app(database, tmp_path, TESTING=False, DEMO=False)
    result = production.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0 and "PROPDESK_DEMO=1" in result.output
    with production.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        db.session.remove()
        db.engine.dispose()
