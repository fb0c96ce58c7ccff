"""Command-line tasks: demo data, and the first manager of a real installation."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from webapp import demo
from webapp.extensions import db
from webapp.models import Estate, EstateMembership, Role, User
from webapp.passwords import hash_password, policy_problem


def init_app(app: Flask) -> None:
    @app.cli.command("demo")
    def demo_command():
        """Load the demo estate and the demo accounts (safe to run again)."""
        created = demo.load()
        db.session.commit()
        if created:
            click.echo("Demo data loaded: " + ", ".join(created))
        else:
            click.echo("Demo data already present; nothing changed.")

    @app.cli.command("sweep")
    def sweep_command():
        """Escalate and notify overdue work orders, notices and tickets; remove orphaned photo
        files (run from cron, e.g. every 15 minutes; safe to run again)."""
        from webapp import clock
        from webapp.decoration.services import sweep as sweep_notices
        from webapp.photos.services import sweep_orphans
        from webapp.tickets.services import sweep as sweep_tickets
        from webapp.workorders.services import sweep

        now = clock.now()
        escalated = sweep(now) + sweep_notices(now) + sweep_tickets(now)
        db.session.commit()
        from webapp import replay

        replay.sweep(now)
        db.session.commit()
        removed = sweep_orphans()
        click.echo(f"escalated {escalated} record(s); removed {removed} orphaned file(s)")

    @app.cli.command("create-manager")
    @click.argument("username")
    @click.option("--name", "display_name", required=True, help="The manager's name.")
    @click.option("--estate", "estate_name", required=True, help="Estate name (created if new).")
    @click.option("--code", "estate_code", required=True, help="Short estate code, e.g. CH.")
    @click.password_option(help="The manager's password (asked for when omitted).")
    def create_manager(username, display_name, estate_name, estate_code, password):
        """Create the first manager account of a new installation (no default passwords)."""
        username = username.strip().lower()
        if db.session.scalar(select(User).where(User.username == username)):
            raise click.ClickException(f"user {username!r} already exists")
        problem = policy_problem(password, username=username)
        if problem:
            raise click.ClickException(problem)
        estate = db.session.scalar(select(Estate).where(Estate.code == estate_code.upper()))
        if estate is None:
            estate = Estate(name=estate_name, code=estate_code.upper(), address="")
            db.session.add(estate)
            db.session.flush()
        user = User(
            username=username,
            display_name=display_name,
            role=Role.MANAGER,
            password_hash=hash_password(password),
            active=True,
        )
        user.memberships = [EstateMembership(estate_id=estate.id)]
        db.session.add(user)
        db.session.flush()
        from webapp import audit

        audit.record(
            None,
            "user.create",
            "user",
            user.id,
            after={"username": username, "role": "manager", "source": "cli"},
        )
        db.session.commit()
        click.echo(f"Manager {username} created for {estate.name}.")
