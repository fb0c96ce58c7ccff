"""Command-line tasks: demo data, the cron sweep, and the first manager of an installation."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask
from sqlalchemy import select

from webapp import audit, backup, clock, deadlines, demo, locks, replay
from webapp.announcements import services as announcements
from webapp.extensions import db
from webapp.models import Estate, EstateMembership, Role, User
from webapp.passwords import hash_password, policy_problem
from webapp.photos.services import SweepRefused, sweep_orphans


def sweep_records(now) -> int:
    """Escalate what is overdue (and tell its people), forget old replay keys; returns how many
    records were escalated. The CLI sweep and the job queue's periodic sweep both call this."""
    escalated = deadlines.sweep(now)
    db.session.commit()
    announcements.announce_started(now)
    db.session.commit()
    replay.sweep(now)
    db.session.commit()
    return escalated


def init_app(app: Flask) -> None:
    @app.cli.command("demo")
    def demo_command():
        """Load the demo estate and the demo accounts (safe to run again; demo mode only)."""
        if not (app.config["DEMO"] or app.config["TESTING"]):
            # The demo accounts share one public password: never in a real installation.
            raise click.ClickException(
                "refused: demo data only where PROPDESK_DEMO=1 (the local demo). "
                "A real installation starts with `flask create-manager`."
            )
        created = demo.load()
        db.session.commit()
        if created:
            click.echo("Demo data loaded: " + ", ".join(created))
        else:
            click.echo("Demo data already present; nothing changed.")

    @app.cli.command("backup")
    @click.argument("folder", type=click.Path(file_okay=False))
    def backup_command(folder: str):
        """Back up the database and every photo into a new folder under FOLDER (safe while the
        app runs; changes nothing)."""
        made = backup.backup(folder)
        click.echo(f"backup written to {made}")

    @app.cli.command("restore")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False))
    def restore_command(folder: str):
        """Restore a backup FOLDER into this installation, which must be empty (a new database
        and photo storage); then check every row count and photo against the backup."""
        try:
            checked = backup.restore(folder)
        except backup.RestoreRefused as refused:
            raise click.ClickException(f"refused: {refused}. Nothing was changed.") from None
        click.echo(
            f"restored and checked: {checked['tables']} tables, {checked['rows']} rows, "
            f"{checked['photos']} photo files"
        )

    @app.cli.command("sweep")
    @click.option("--dry-run", is_flag=True, help="List orphaned photo files; remove nothing.")
    @click.option(
        "--min-age-hours",
        type=click.IntRange(1, 24 * 365),
        default=24,
        show_default=True,
        help="Only files at least this old count as orphaned.",
    )
    def sweep_command(dry_run: bool, min_age_hours: int):
        """Escalate and notify overdue work orders, notices and tickets; remove orphaned photo
        files (run from cron, e.g. every 15 minutes; safe to run again, one at a time)."""
        with locks.exclusive("sweep") as mine:
            if not mine:
                click.echo("another sweep is running; this one did nothing")
                return
            _sweep(dry_run, timedelta(hours=min_age_hours))

    def _sweep(dry_run: bool, min_age: timedelta) -> None:
        escalated = 0 if dry_run else sweep_records(clock.now())
        try:
            orphans = sweep_orphans(min_age, dry_run=dry_run)
        except SweepRefused as refusal:
            raise click.ClickException(str(refusal)) from None
        if dry_run:
            for key in orphans:
                click.echo(f"would remove {key}")
            click.echo(f"dry run: {len(orphans)} orphaned file(s) would be removed")
        else:
            click.echo(f"escalated {escalated} record(s); removed {len(orphans)} orphaned file(s)")

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
        audit.record(
            None,
            "user.create",
            "user",
            user.id,
            after={"username": username, "role": "manager", "source": "cli"},
        )
        db.session.commit()
        click.echo(f"Manager {username} created for {estate.name}.")
