"""The photo pipeline: hostile files refused with a message and nothing left behind; good photos
shrunk, upright, without GPS or comments, served only to those who may see their record. Every
test runs twice: photos on local disk, and in a bucket of an S3 stand-in (moto's server)."""

from __future__ import annotations

import io
import re
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import event, func, select

from tests.fixtures.photos import jpeg_bytes
from webapp import clock
from webapp.extensions import db
from webapp.models import Photo, PhotoLink
from webapp.photos import services as photos
from webapp.photos.storage import storage


@pytest.fixture
def app_config(photo_backend):
    return photo_backend


def _files(app) -> list[str]:
    """Every key the app's photo storage holds."""
    return storage().all_keys()


def _name(key: str) -> str:
    return key.split("/")[-1].split(".")[0]


def _exif_with_gps_and_rotation():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned 90° clockwise
    exif[0x010F] = "PhoneMaker"
    gps = {1: "N", 2: (31.0, 12.0, 30.0), 3: "E", 4: (121.0, 28.0, 10.0)}
    exif[0x8825] = gps
    return exif


def _bomb_png(width=20000, height=20000) -> bytes:
    """A PNG that claims 400 megapixels but is only a few hundred KB (all zeros compress well)."""
    import struct

    def chunk(kind, data):
        body = kind + data
        return (
            struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        )

    raw = zlib.compress(b"\x00" * (width // 8 + 1) * 200, 9)  # far too little data: never decoded
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


HOSTILE = {
    "not an image": (b"hello, I am a text file pretending" * 50, "photo.jpg"),
    "empty": (b"", "photo.jpg"),
    "truncated jpeg": (jpeg_bytes()[:4000], "photo.jpg"),
    "gif": (jpeg_bytes(fmt="GIF"), "photo.gif"),
    "svg with script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "a.svg",
    ),
    "html as jpg": (b"<html><script>alert(1)</script></html>", "photo.jpg"),
    "decompression bomb": (_bomb_png(), "photo.png"),
    "too many bytes": (b"\xff\xd8\xff" + b"0" * (photos.MAX_BYTES + 10), "photo.jpg"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_uploads_are_refused_and_leave_nothing(app, login_as, patrol, name):
    data, filename = HOSTILE[name]
    c = login_as("assistant")
    rounds_before = db.session.scalar(select(func.count()).select_from(PhotoLink))
    photos_before = db.session.scalar(select(func.count()).select_from(Photo))
    files_before = _files(app)
    url = f"/patrols/rounds/{patrol.round_open.id}/items/{patrol.item2.id}/photos"
    r = c.post(
        url, data={"photos": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )
    assert r.status_code in (413, 422), r.status_code
    if r.status_code == 422:
        html = r.get_data(as_text=True)
        assert re.search(r'class="field-errors"[^>]*role="alert"', html)
    assert db.session.scalar(select(func.count()).select_from(Photo)) == photos_before
    assert db.session.scalar(select(func.count()).select_from(PhotoLink)) == rounds_before
    assert _files(app) == files_before
    # The rest of the round is untouched: the earlier answer and photo are still there.
    page = c.get(f"/patrols/rounds/{patrol.round_open.id}").get_data(as_text=True)
    assert "地砖松动" in page and f"/photos/{patrol.photo}/thumb" in page


def test_a_content_check_beats_the_extension(app, world):
    """A real PNG named .jpg is accepted (content decides); the stored file is a JPEG."""
    photo = photos.ingest(jpeg_bytes(fmt="PNG"), world.assistant)
    stored = storage().get(photos.original_key(photo.sha256))
    assert Image.open(io.BytesIO(stored)).format == "JPEG"


def test_photo_is_shrunk_upright_and_stripped(app, world):
    big = jpeg_bytes(4000, 3000, exif=_exif_with_gps_and_rotation(), comment=b"secret comment")
    assert len(big) > 100_000
    photo = photos.ingest(big, world.assistant)
    db.session.commit()
    stored = storage().get(photos.original_key(photo.sha256))
    img = Image.open(io.BytesIO(stored))
    # Orientation 6 means the picture must be turned: 4000×3000 becomes portrait, decoded at half
    # size (2000 px is within the draft's share of 2048) and never enlarged.
    assert img.size == (1500, 2000) == (photo.width, photo.height)
    exif = img.getexif()
    assert 0x8825 not in exif and 0x0112 not in exif and 0x010F not in exif
    assert "comment" not in img.info and b"secret comment" not in stored
    assert b"GPS" not in stored
    thumb = Image.open(io.BytesIO(storage().get(photos.thumb_key(photo.sha256))))
    assert max(thumb.size) == photos.THUMB_SIDE
    assert photo.size == len(stored) < len(big)


def test_a_photo_just_over_the_long_side_is_resampled_not_drafted(app, world):
    photo = photos.ingest(jpeg_bytes(3000, 2250), world.assistant)
    assert (photo.width, photo.height) == (photos.LONG_SIDE, 1536)


def test_the_same_photo_twice_is_stored_once(app, world):
    data = jpeg_bytes()
    first = photos.ingest(data, world.assistant)
    second = photos.ingest(data, world.supervisor)
    assert first.id == second.id
    assert len(_files(app)) == 2  # the photo and its thumbnail


def test_a_rolled_back_upload_leaves_no_file(app, world):
    photos.ingest(jpeg_bytes(color=(1, 2, 3)), world.assistant)
    assert _files(app)
    db.session.rollback()
    assert _files(app) == []
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 0


def _left_behind(key: str, hours_ago: float) -> None:
    """A file written `hours_ago` by the app's clock (storage records the app's time)."""
    clock.travel(-timedelta(hours=hours_ago))
    try:
        storage().put(key, b"left behind by a crash")
    finally:
        clock.travel(timedelta(hours=hours_ago))


def test_sweeper_removes_old_files_without_a_row(app, world):
    old, young = "ab/" + "ab" * 32 + ".jpg", "cd/" + "cd" * 32 + ".jpg"
    _left_behind(old, hours_ago=25)
    _left_behind(young, hours_ago=1)  # may be an upload whose commit is on its way
    kept = photos.ingest(jpeg_bytes(), world.assistant)
    db.session.commit()
    assert photos.sweep_orphans(dry_run=True) == [old]
    assert len(_files(app)) == 4  # a dry run removes nothing
    assert photos.sweep_orphans() == [old]
    assert {_name(k) for k in _files(app)} == {kept.sha256, "cd" * 32}


def test_sweeper_refuses_a_database_without_photos_beside_a_full_folder(app, world):
    """A wrong DATABASE_URL (an empty migrated database) must not delete every photo."""
    _left_behind("ab/" + "ab" * 32 + ".jpg", hours_ago=48)
    with pytest.raises(photos.SweepRefused):
        photos.sweep_orphans()
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code != 0 and "DATABASE_URL" in result.output
    assert len(_files(app)) == 1


def test_two_sweeps_at_once_do_not_collide(app):
    from webapp import locks

    with locks.exclusive("sweep") as mine:
        assert mine
        result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0 and "another sweep is running" in result.output
    assert "escalated 0" in app.test_cli_runner().invoke(args=["sweep"]).output


def test_photos_are_served_privately_to_those_who_may_see_them(login_as, patrol):
    r = login_as("supervisor").get(f"/photos/{patrol.photo}")
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert r.headers["Cache-Control"] == "private, max-age=86400"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert login_as("assistant_other").get(f"/photos/{patrol.photo}").status_code == 404
    assert login_as("owner_a").get(f"/photos/{patrol.photo}/thumb").status_code == 404
    assert login_as("assistant").get("/photos/999999").status_code == 404


def test_a_bucket_holds_them_and_the_disk_nothing(app, world):
    photos.ingest(jpeg_bytes(color=(9, 9, 9)), world.assistant)
    on_disk = [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]
    if app.config["PHOTO_STORAGE"] == "s3":
        assert on_disk == [] and len(_files(app)) == 2
    else:
        assert len(on_disk) == 2


def test_photos_are_stored_outside_static(app):
    static = Path(app.static_folder).resolve()
    assert static not in Path(app.config["UPLOAD_DIR"]).resolve().parents
    assert not any(static.rglob("*.thumb.jpg"))


def test_upload_through_the_round_attaches_to_the_item(login_as, patrol):
    c = login_as("assistant")
    url = f"/patrols/rounds/{patrol.round_open.id}/items/{patrol.item2.id}/photos"
    data = {
        "photos": [
            (io.BytesIO(jpeg_bytes(color=(9, 9, 9))), "a.jpg"),
            (io.BytesIO(jpeg_bytes(color=(8, 8, 8))), "b.jpg"),
        ]
    }
    r = c.htmx(
        "post", url, target=f"item-{patrol.item2.id}", data=data, content_type="multipart/form-data"
    )
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.lstrip().startswith('<article class="item-card') and html.count("/thumb") == 2


def test_a_link_made_by_another_request_meanwhile_is_used_not_a_500(app, world):
    """Two requests attach the same photo to the same record at once: both look, find no link,
    and insert. The one that commits second meets the unique link and must use the first's
    (PostgreSQL lets both past the look; SQLite queues writers, so only PostgreSQL races)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a race between two writers; SQLite runs one writer at a time")
    photo = photos.ingest(jpeg_bytes(color=(10, 200, 30)), world.assistant)
    db.session.commit()
    other = db.engine.connect()
    raced = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def _meanwhile(conn, _cursor, statement, *_args):
        # The other request's insert lands (committed) between this one's look and its insert.
        if statement.startswith("INSERT INTO photo_link") and not raced and conn is not other:
            raced.append(True)
            other.execute(
                PhotoLink.__table__.insert().values(
                    photo_id=photo.id,
                    owner_type="ticket_entry",
                    owner_id=4242,
                    purpose="evidence",
                    added_by_id=world.supervisor.id,
                    created_at=clock.now(),
                )
            )
            other.commit()

    try:
        link = photos.attach(photo, "ticket_entry", 4242, "evidence", world.assistant)
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", _meanwhile)
        other.close()
    assert raced and link.added_by_id == world.supervisor.id
    assert db.session.scalar(select(func.count(PhotoLink.id))) == 1
