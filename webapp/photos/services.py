"""The one photo pipeline: validate → orient → strip metadata → store → thumbnail.

Every feature that takes photos calls `ingest()` and `attach()`; every photo is served by one view
that asks the owning record's access rule (`register_owner`).
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta

from flask import abort, current_app, send_file
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from webapp import audit, clock
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.models import Photo, PhotoLink, User
from webapp.photos.storage import storage

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_BYTES = 15 * 1024 * 1024  # a raw 12-MP phone photo fits; shrunk ones are a few hundred KB
MAX_PIXELS = 50_000_000  # 50 MP: beyond any phone camera, far below a decompression bomb
LONG_SIDE = 2048
THUMB_SIDE = 360
QUALITY = 82
# A JPEG is decoded at 1/2, 1/4 or 1/8 of its size when that still gives this share of LONG_SIDE:
# a 12-MP photo (4032 px) decodes at 2016 px, a quarter of the pixels, memory and time.
DRAFT_SHARE = 0.95
# Photos processed at once in one worker process (each holds its decoded pixels until stored).
AT_ONCE = 2
_processing = threading.BoundedSemaphore(AT_ONCE)

# owner_type -> function(viewer, owner_ids) -> the ids among them the viewer may see
_owners: dict[str, Callable[[User, list[int]], set[int]]] = {}


def register_owner(owner_type: str, visible_ids: Callable[[User, list[int]], set[int]]) -> None:
    """Declare which records of this type a viewer may see, so their photos follow the same rule."""
    _owners[owner_type] = visible_ids


def original_key(sha: str) -> str:
    return f"{sha[:2]}/{sha}.jpg"


def thumb_key(sha: str) -> str:
    return f"{sha[:2]}/{sha}.thumb.jpg"


class PhotoRejected(Invalid):
    def __init__(self, message: str, field: str = "photos"):
        super().__init__(field, message)


def _decode(data: bytes) -> Image.Image:
    """Open and fully decode, trusting only the content: format, size and pixel checks."""
    if len(data) > MAX_BYTES:
        raise PhotoRejected(_("照片太大（超过 %(mb)d MB）。", mb=MAX_BYTES // (1024 * 1024)))
    if not data:
        raise PhotoRejected(_("文件是空的。"))
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
            if image.width * image.height > MAX_PIXELS:
                raise PhotoRejected(_("照片像素太多，无法处理。"))
            _draft(image)
            image.load()  # a truncated file fails here, not later
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(_("照片像素太多，无法处理。")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRejected(
            _("这不是可用的照片（只接受 JPEG、PNG、WEBP），或文件已损坏。")
        ) from None
    return image


def _draft(image: Image.Image) -> None:
    """Let a JPEG decode straight to a reduced size (no full-size pixels at all)."""
    longest = max(image.size)
    if image.format != "JPEG" or longest <= LONG_SIDE:
        return
    scale = LONG_SIDE * DRAFT_SHARE / longest
    image.draft("RGB", (max(1, int(image.width * scale)), max(1, int(image.height * scale))))


def _encode(image: Image.Image) -> bytes:
    # Pillow re-saves what `info` carries (a JPEG comment, an ICC profile, EXIF): drop all of it,
    # so GPS, camera data and comments are gone. A plain baseline JPEG: an optimised progressive
    # one costs several times the CPU for a few per cent of bytes.
    image.info = {}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=QUALITY)
    return out.getvalue()


def _prepared(data: bytes) -> tuple[bytes, bytes, tuple[int, int]]:
    """The stored JPEG, its thumbnail and its size: decoded once (reduced where the format
    allows), resampled once, the thumbnail made from the reduced picture."""
    image = _decode(data)
    image = ImageOps.exif_transpose(image)  # upright, as the camera held it
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    elif image.mode == "L":
        image = image.convert("RGB")
    image.thumbnail((LONG_SIDE, LONG_SIDE), Image.LANCZOS)
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.LANCZOS)
    return _encode(image), _encode(thumb), image.size


def ingest(data: bytes, uploader: User | None) -> Photo:
    """Validate and store one uploaded image; the same picture twice is stored once."""
    with _processing:  # a bounded number of decoded pictures in memory at once
        encoded, thumbnail, (width, height) = _prepared(data)
    sha = hashlib.sha256(encoded).hexdigest()
    existing = db.session.scalar(select(Photo).where(Photo.sha256 == sha))
    if existing is not None:
        return existing
    files = storage()
    for key, blob in ((original_key(sha), encoded), (thumb_key(sha), thumbnail)):
        if not files.exists(key):
            files.put(key, blob)
            _written(key)
    photo = Photo(
        sha256=sha,
        width=width,
        height=height,
        size=len(encoded),
        uploaded_by_id=uploader.id if uploader is not None else None,
    )
    try:
        # The same picture sent twice at once (a double tap, two copies of a queued item): the
        # second insert meets the first's unique hash and uses that photo instead of failing.
        with db.session.begin_nested():
            db.session.add(photo)
    except IntegrityError:
        existing = db.session.scalar(select(Photo).where(Photo.sha256 == sha))
        if existing is None:
            raise
        # The files are the committed photo's now: a later rollback here must not remove them.
        mine = db.session.info.get("photo_files", [])
        mine[:] = [k for k in mine if k not in (original_key(sha), thumb_key(sha))]
        return existing
    return photo


def ingest_uploads(files: Iterable, uploader: User | None, limit: int = 6) -> list[Photo]:
    """Every non-empty file of a multi-file field, all or none."""
    uploads = [f for f in files if f and getattr(f, "filename", "")]
    if len(uploads) > limit:
        raise PhotoRejected(_("一次最多上传 %(n)d 张照片。", n=limit))
    return [ingest(f.read(MAX_BYTES + 1), uploader) for f in uploads]


def attach(
    photo: Photo,
    owner_type: str,
    owner_id: int,
    purpose: str,
    by: User | None,
    *,
    via: str | None = None,
    via_name: str | None = None,
) -> PhotoLink:
    """Attach a photo to a record (once); `by` None with `via` for a change without an account."""
    if owner_type not in _owners:
        raise ValueError(f"no access rule registered for {owner_type!r}")
    link = db.session.scalar(
        select(PhotoLink).where(
            PhotoLink.photo_id == photo.id,
            PhotoLink.owner_type == owner_type,
            PhotoLink.owner_id == owner_id,
            PhotoLink.purpose == purpose,
        )
    )
    if link is None:
        link = PhotoLink(
            photo_id=photo.id,
            owner_type=owner_type,
            owner_id=owner_id,
            purpose=purpose,
            added_by_id=by.id if by is not None else None,
        )
        try:
            # The same photo sent to the same record twice at once (PostgreSQL lets both
            # requests past the check above): the second finds the first's link.
            with db.session.begin_nested():
                db.session.add(link)
        except IntegrityError:
            found = db.session.scalar(
                select(PhotoLink).where(
                    PhotoLink.photo_id == photo.id,
                    PhotoLink.owner_type == owner_type,
                    PhotoLink.owner_id == owner_id,
                    PhotoLink.purpose == purpose,
                )
            )
            if found is None:
                raise
            return found
        audit.record(
            by,
            "photo.attach",
            owner_type,
            owner_id,
            after={"photo": photo.id, "purpose": purpose},
            via=via,
            via_name=via_name,
        )
    return link


def photos_for(owner_type: str, owner_ids: Iterable[int]) -> dict[int, list[PhotoLink]]:
    """All photo links of many records in one query: {owner_id: [links]}."""
    ids = list(set(owner_ids))
    result: dict[int, list[PhotoLink]] = defaultdict(list)
    if not ids:
        return result
    links = db.session.scalars(
        select(PhotoLink)
        .where(PhotoLink.owner_type == owner_type, PhotoLink.owner_id.in_(ids))
        .order_by(PhotoLink.id)
    )
    for link in links:
        result[link.owner_id].append(link)
    return result


def visible_photo(viewer: User, photo_id: int) -> Photo | None:
    """The photo, if the viewer may see at least one record it belongs to."""
    links = db.session.execute(
        select(PhotoLink.owner_type, PhotoLink.owner_id).where(PhotoLink.photo_id == photo_id)
    ).all()
    by_type: dict[str, list[int]] = defaultdict(list)
    for owner_type, owner_id in links:
        by_type[owner_type].append(owner_id)
    for owner_type, ids in by_type.items():
        rule = _owners.get(owner_type)
        if rule is not None and rule(viewer, ids):
            return db.session.get(Photo, photo_id)
    return None


def attached_photo(owner_type: str, owner_id: int, photo_id: int) -> Photo | None:
    """The photo, if it belongs to this one record (a page reached by a signed link)."""
    found = db.session.scalar(
        select(PhotoLink.id).where(
            PhotoLink.photo_id == photo_id,
            PhotoLink.owner_type == owner_type,
            PhotoLink.owner_id == owner_id,
        )
    )
    return db.session.get(Photo, photo_id) if found is not None else None


def send_photo(photo: Photo, key_of: Callable[[str], str]):
    """The stored file as an answer the browser may keep (and shared caches may not); 404 when
    the file is missing."""
    data = storage().get(key_of(photo.sha256))
    if data is None:
        abort(404)
    response = send_file(
        io.BytesIO(data),
        mimetype="image/jpeg",
        max_age=0,
        conditional=True,
        etag=photo.sha256,
        last_modified=photo.created_at,
    )
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["Content-Disposition"] = "inline"
    return response


# --- files written in a transaction that then rolls back are removed ------------------------


def _written(key: str) -> None:
    db.session.info.setdefault("photo_files", []).append(key)


@event.listens_for(db.session, "after_commit")
def _forget_files(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the files still depend on the outer transaction's commit
    session.info.pop("photo_files", None)


@event.listens_for(db.session, "after_rollback")
def _remove_files(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction decides
    keys = session.info.pop("photo_files", None)
    if keys and current_app:
        files = storage()
        for key in keys:
            files.delete(key)


class SweepRefused(RuntimeError):
    """The orphan sweep saw something that looks like the wrong database: it deletes nothing."""


# A file younger than this may belong to an upload whose transaction has not committed yet.
ORPHAN_MIN_AGE = timedelta(hours=24)


def sweep_orphans(min_age: timedelta = ORPHAN_MIN_AGE, *, dry_run: bool = False) -> list[str]:
    """The files that no photo row names and that are older than `min_age` (left by a crash
    between write and commit), removed unless `dry_run`.

    Refuses outright when the database holds no photos while the folder holds files: that is a
    wrong DATABASE_URL (an empty, freshly migrated database), not thousands of orphans.
    """
    files = storage()
    keys = files.all_keys()
    known = set(db.session.scalars(select(Photo.sha256)))
    if keys and not known:
        raise SweepRefused(
            f"the database has no photos but {files!r} holds {len(keys)} file(s): "
            "is DATABASE_URL the right database? Nothing was removed."
        )
    cutoff = (clock.now() - min_age).timestamp()
    orphans = [
        key
        for key in keys
        if key.split("/")[-1].split(".")[0] not in known and files.modified(key) <= cutoff
    ]
    if not dry_run:
        for key in orphans:
            files.delete(key)
    return orphans
