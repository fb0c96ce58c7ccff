"""Backup and restore: the database and every photo, in one folder, with a manifest to check a
restore against. A backup never changes the installation; a restore only fills an empty one.

SQLite is copied with its online backup API (consistent while the app runs); PostgreSQL with
pg_dump's custom format and pg_restore. Photos are read and written through the storage
interface, so a backup of a bucket restores onto disk and the other way round.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, inspect, select, table, text
from sqlalchemy.engine import make_url

from webapp import clock
from webapp.extensions import db
from webapp.models import Photo
from webapp.photos.storage import storage

MANIFEST = "manifest.json"


class RestoreRefused(Exception):
    """The target holds data (or the backup is not whole): nothing was changed."""


def _kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise RuntimeError(f"backups support SQLite and PostgreSQL, not {backend}")
    return backend


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it (no +driver)."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _counts() -> dict[str, int]:
    names = sorted(inspect(db.engine).get_table_names())
    return {
        name: db.session.execute(select(func.count()).select_from(table(name))).scalar_one()
        for name in names
        if name != "alembic_version"
    }


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def backup(target_dir: str | os.PathLike) -> Path:
    """Write a new backup folder under `target_dir`; returns it."""
    url = db.engine.url.render_as_string(hide_password=False)
    kind = _kind(url)
    stamp = clock.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(target_dir) / f"propdesk-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    if kind == "sqlite":
        source = sqlite3.connect(make_url(url).database)
        copy = sqlite3.connect(folder / "database.sqlite3")
        with copy:
            source.backup(copy)
        source.close()
        copy.close()
    else:
        subprocess.run(  # noqa: S603 - our own database URL
            [
                shutil.which("pg_dump") or "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--file={folder / 'database.dump'}",
                _libpq(url),
            ],
            check=True,
        )
    files = storage()
    photos = {}
    for key in files.all_keys():
        data = files.get(key)
        if data is None:
            continue  # removed between listing and reading
        path = folder / "photos" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        photos[key] = _sha(data)
    manifest = {
        "made_at": datetime.now(UTC).isoformat(),
        "database": kind,
        "schema": db.session.execute(text("SELECT version_num FROM alembic_version")).scalar(),
        "rows": _counts(),
        "photos": photos,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return folder


def _empty() -> bool:
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    if not tables:
        return True
    return all(v == 0 for v in _counts().values())


def restore(source: str | os.PathLike) -> dict:
    """Fill this (empty) installation from a backup folder and check it against the manifest."""
    folder = Path(source)
    manifest = json.loads((folder / MANIFEST).read_text())
    url = db.engine.url.render_as_string(hide_password=False)
    kind = _kind(url)
    if kind != manifest["database"]:
        raise RestoreRefused(f"the backup is of {manifest['database']}, this database is {kind}")
    if not _empty():
        raise RestoreRefused("the target database holds data: restore only into an empty one")
    files = storage()
    if files.all_keys():
        raise RestoreRefused(f"{files!r} already holds photos: restore only into an empty one")
    for key, digest in manifest["photos"].items():
        if _sha((folder / "photos" / key).read_bytes()) != digest:
            raise RestoreRefused(f"the backup's photo {key} does not match its manifest")
    db.session.remove()
    db.engine.dispose()
    if kind == "sqlite":
        source_db = sqlite3.connect(folder / "database.sqlite3")
        target = sqlite3.connect(make_url(url).database)
        with target:
            source_db.backup(target)
        source_db.close()
        target.close()
    else:
        with db.engine.begin() as conn:  # an empty, perhaps migrated schema: start clean
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()
        subprocess.run(  # noqa: S603
            [
                shutil.which("pg_restore") or "pg_restore",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={_libpq(url)}",
                str(folder / "database.dump"),
            ],
            check=True,
        )
    for key in manifest["photos"]:
        files.put(key, (folder / "photos" / key).read_bytes())
    return verify(manifest)


def verify(manifest: dict) -> dict:
    """Every table's row count and every photo's hash as the manifest says; raises otherwise."""
    rows = _counts()
    if rows != manifest["rows"]:
        wrong = {t: (rows.get(t), n) for t, n in manifest["rows"].items() if rows.get(t) != n}
        raise RestoreRefused(f"row counts differ after the restore: {wrong}")
    files = storage()
    for key, digest in manifest["photos"].items():
        data = files.get(key)
        if data is None or _sha(data) != digest:
            raise RestoreRefused(f"photo {key} differs after the restore")
    known = set(db.session.scalars(select(Photo.sha256)))
    kept = {key.split("/")[-1].split(".")[0] for key in manifest["photos"]}
    missing = known - kept
    if missing:
        raise RestoreRefused(f"{len(missing)} photo row(s) have no file in the backup")
    return {"tables": len(rows), "rows": sum(rows.values()), "photos": len(manifest["photos"])}
