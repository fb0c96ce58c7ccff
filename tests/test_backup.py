"""Backup and restore: a restore drill into a new, empty installation gives back every row of
every table and every photo, byte for byte; a restore never overwrites data."""

from __future__ import annotations

import json
import secrets

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.fixtures.app import ON_POSTGRES, PASSWORD, TEST_CONFIG
from webapp import backup, create_app
from webapp.extensions import db
from webapp.models import Photo, Ticket


@pytest.fixture
def empty_database(database, tmp_path):
    """A database with nothing in it (not even the schema), as a new installation has."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"propdesk_restore_{secrets.token_hex(4)}"
    admin = create_engine(database.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database.url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_restore_drill_gives_back_every_row_and_photo(
    app, world, patrol, ticket, tmp_path, empty_database
):
    db.session.commit()
    folder = backup.backup(tmp_path / "backups")
    manifest = json.loads((folder / backup.MANIFEST).read_text())
    assert manifest["rows"]["ticket"] == 1 and manifest["rows"]["photo"] >= 3
    assert len(manifest["photos"]) == 2 * manifest["rows"]["photo"]  # each photo and its thumb

    restored = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": empty_database,
            "UPLOAD_DIR": str(tmp_path / "restored-photos"),
        }
    )
    with restored.app_context():  # the CLI runs in the current app's context: the new one
        result = restored.test_cli_runner().invoke(args=["restore", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"{len(manifest['photos'])} photo files" in result.output
    with restored.app_context():
        assert backup.verify(manifest)["rows"] == sum(manifest["rows"].values())
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
        photo_id = db.session.scalar(select(Photo.id).where(Photo.id == patrol.photo))
        db.session.remove()
        db.engine.dispose()
    # The restored installation works: people log in and see their photos.
    client = restored.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    login = {"username": "supervisor", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=login).status_code == 303
    assert client.get(f"/photos/{photo_id}").status_code == 200


def test_a_restore_never_overwrites_data(app, world, ticket, tmp_path):
    db.session.commit()
    folder = backup.backup(tmp_path / "backups")
    before = db.session.scalar(select(func.count()).select_from(Ticket))
    result = app.test_cli_runner().invoke(args=["restore", str(folder)])
    assert result.exit_code != 0 and "holds data" in result.output
    assert "Nothing was changed" in result.output
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == before


def test_a_damaged_backup_is_refused_before_anything_is_written(
    app, world, patrol, tmp_path, empty_database
):
    db.session.commit()
    folder = backup.backup(tmp_path / "backups")
    damaged = next((folder / "photos").rglob("*.jpg"))
    damaged.write_bytes(b"not the photo any more")
    restored = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": empty_database,
            "UPLOAD_DIR": str(tmp_path / "restored-photos"),
        }
    )
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(folder)])
    assert result.exit_code != 0 and "does not match" in result.output
    assert not (tmp_path / "restored-photos").exists() or not any(
        (tmp_path / "restored-photos").rglob("*.jpg")
    )
