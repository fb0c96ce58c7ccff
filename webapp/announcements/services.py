"""Announcements (公告, seed 002 3.11 and 6.42): supervisors and the manager post to an estate's
owners or some of its buildings — a title, the text, photos, shown from a time until a time.

Owners see the current ones on their home (unread first) and each building has a notice-board
page behind a printed QR code (a signed link per building) for those without an account. Staff
see how many of the owners asked have read each one, and how often the board page opened it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from webapp import audit, clock, escalation, signedlinks
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.links import external_url
from webapp.models import (
    Announcement,
    AnnouncementBuilding,
    AnnouncementRead,
    AnnouncementStatus,
    Building,
    Estate,
    Unit,
    UnitOwnership,
    User,
)
from webapp.photos import services as photos
from webapp.scoping import buildings_of, estate_ids_of
from webapp.workflow import SUPERVISORS, Workflow, roles, step

TARGET = "announcement"
PHOTO = "announcement"  # the photos' purpose
BOARD = "notice_board"  # the signed link of a building's notice-board page
PUBLISHED, WITHDRAWN = AnnouncementStatus.PUBLISHED, AnnouncementStatus.WITHDRAWN
# A building's printed code hangs in its lobby for years; it stops when replaced.
BOARD_LIFETIME = timedelta(days=365 * 10)
MAX_PHOTOS = 6
STATES = ("current", "scheduled", "ended", "withdrawn")

ANNOUNCEMENT = Workflow(
    "announcement",
    Announcement,
    [
        step(
            "withdraw",
            (PUBLISHED,),
            WITHDRAWN,
            rules=[roles(*SUPERVISORS, message=_l("只有客服主任和经理可以撤下公告。"))],
        )
    ],
    status_message=_l("这条公告已撤下。"),
)


def state_of(a: Announcement, now: datetime | None = None) -> str:
    """current | scheduled | ended | withdrawn"""
    now = now or clock.now()
    if a.status == WITHDRAWN:
        return "withdrawn"
    if a.starts_at > now:
        return "scheduled"
    if a.ends_at is not None and a.ends_at <= now:
        return "ended"
    return "current"


def _showing(now: datetime):
    return [
        Announcement.status == PUBLISHED,
        Announcement.starts_at <= now,
        or_(Announcement.ends_at.is_(None), Announcement.ends_at > now),
    ]


# --- who sees what -----------------------------------------------------------------------------


def _for_buildings(building_ids) -> list:
    """For the whole estate (names no building), or naming one of these buildings."""
    named = select(AnnouncementBuilding.announcement_id).where(
        AnnouncementBuilding.announcement_id == Announcement.id
    )
    return [
        or_(
            ~named.exists(),
            named.where(AnnouncementBuilding.building_id.in_(sorted(set(building_ids)))).exists(),
        )
    ]


def visible_announcements(user: User) -> Select:
    """Staff: every announcement of their estates. Owners: those showing now for a building of
    theirs."""
    if not user.is_owner:
        return select(Announcement).where(Announcement.estate_id.in_(estate_ids_of(user)))
    buildings = _owner_buildings(user)
    if not buildings:
        return select(Announcement).where(false())
    estates = sorted({estate for _b, estate in buildings})
    return select(Announcement).where(
        Announcement.estate_id.in_(estates),
        *_showing(clock.now()),
        *_for_buildings(b for b, _e in buildings),
    )


def _owner_buildings(user: User) -> list[tuple[int, int]]:
    return list(
        db.session.execute(
            select(Building.id, Building.estate_id)
            .join(Unit, Unit.building_id == Building.id)
            .join(UnitOwnership, UnitOwnership.unit_id == Unit.id)
            .where(UnitOwnership.user_id == user.id)
            .distinct()
        ).all()
    )


def visible_ids(user: User, ids: list[int]) -> set[int]:
    """Announcements (their photos) this person may see."""
    return set(
        db.session.scalars(
            visible_announcements(user)
            .where(Announcement.id.in_(ids))
            .with_only_columns(Announcement.id)
        )
    )


def of_estate(user: User, estate_id: int, state: str) -> list[Announcement]:
    """An estate's announcements in one state, newest first."""
    now = clock.now()
    query = visible_announcements(user).where(Announcement.estate_id == estate_id)
    if state == "withdrawn":
        query = query.where(Announcement.status == WITHDRAWN)
    elif state == "scheduled":
        query = query.where(Announcement.status == PUBLISHED, Announcement.starts_at > now)
    elif state == "ended":
        query = query.where(Announcement.status == PUBLISHED, Announcement.ends_at <= now)
    else:
        query = query.where(*_showing(now))
    return list(db.session.scalars(query.order_by(Announcement.starts_at.desc()).limit(100)))


def for_owner(user: User) -> list[tuple[Announcement, bool]]:
    """What shows now for the owner's buildings, unread first: (announcement, read)."""
    found = list(
        db.session.scalars(
            visible_announcements(user).order_by(Announcement.starts_at.desc()).limit(20)
        )
    )
    read = _read_by(user, [a.id for a in found])
    return sorted(((a, a.id in read) for a in found), key=lambda pair: pair[1])


def _read_by(user: User, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(AnnouncementRead.announcement_id).where(
                AnnouncementRead.user_id == user.id,
                AnnouncementRead.announcement_id.in_(ids),
            )
        )
    )


# --- publishing ----------------------------------------------------------------------------------


def publish(
    actor: User,
    estate: Estate,
    *,
    title: str,
    body: str,
    building_ids=(),
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    uploads=(),
) -> Announcement:
    if not title.strip():
        raise Invalid("title", _("请填写标题。"))
    now = clock.now()
    starts_at = starts_at or now
    if ends_at is not None and ends_at <= max(starts_at, now):
        raise Invalid("ends_at", _("结束时间要晚于开始时间和现在。"))
    announcement = Announcement(
        estate_id=estate.id,
        title=title.strip(),
        body=body.strip(),
        buildings=[AnnouncementBuilding(building_id=b) for b in buildings_of(estate, building_ids)],
        starts_at=starts_at,
        ends_at=ends_at,
        status=PUBLISHED,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(announcement)
    db.session.flush()
    for photo in photos.ingest_uploads(uploads, actor, limit=MAX_PHOTOS):
        photos.attach(photo, TARGET, announcement.id, PHOTO, actor)
    if starts_at <= now:  # showing now: its owners hear of it (a scheduled one, when it starts)
        _ring(announcement, now)
    audit.record(
        actor,
        "announcement.publish",
        TARGET,
        announcement.id,
        estate_id=estate.id,
        after={"title": announcement.title, "buildings": len(announcement.building_ids)},
    )
    return announcement


def _ring(announcement: Announcement, now: datetime) -> None:
    """Tell its owners on their bells, once."""
    escalation.notify(
        escalation.owners_of(_units(announcement)),
        kind="announcement",
        key=f"{TARGET}:{announcement.id}:published",
        target_type=TARGET,
        target_id=announcement.id,
        estate_id=announcement.estate_id,
        title=announcement.title,
    )
    announcement.announced_at = now


def announce_started(now: datetime) -> int:
    """The sweep: scheduled announcements that have started showing ring their owners' bells
    (once each; one that ended or was withdrawn first stays quiet). Returns how many rang."""
    started = list(
        db.session.scalars(
            select(Announcement).where(
                Announcement.status == PUBLISHED,
                Announcement.announced_at.is_(None),
                Announcement.starts_at <= now,
                or_(Announcement.ends_at.is_(None), Announcement.ends_at > now),
            )
        )
    )
    for announcement in started:
        _ring(announcement, now)
    return len(started)


def withdraw(actor: User, announcement: Announcement) -> None:
    ANNOUNCEMENT.check(actor, announcement, "withdraw")
    announcement.status = WITHDRAWN
    announcement.withdrawn_at = clock.now()
    audit.record(
        actor,
        "announcement.withdraw",
        TARGET,
        announcement.id,
        estate_id=announcement.estate_id,
    )


# --- reading -------------------------------------------------------------------------------------


def mark_read(user: User, announcement: Announcement) -> None:
    """An owner opened it: kept once, the first time."""
    if _read_by(user, [announcement.id]):
        return
    try:
        with db.session.begin_nested():  # the same owner on two devices at once
            db.session.add(
                AnnouncementRead(
                    announcement_id=announcement.id, user_id=user.id, read_at=clock.now()
                )
            )
    except IntegrityError:
        pass


def count_public_view(announcement: Announcement) -> None:
    """Opened from a building's notice-board page (one statement, no lost updates)."""
    db.session.execute(
        update(Announcement)
        .where(Announcement.id == announcement.id)
        .values(public_views=Announcement.public_views + 1)
        .execution_options(synchronize_session=False)
    )


@dataclass
class Reach:
    owners: int  # owners (with an account) of the buildings it is for
    read: int  # of them, those who opened it
    public_views: int

    @property
    def rate(self) -> int:
        return round(100 * self.read / self.owners) if self.owners else 0


def _units(announcement: Announcement) -> Select:
    """The ids of the units of the buildings it is for."""
    query = (
        select(Unit.id)
        .join(Building, Building.id == Unit.building_id)
        .where(Building.estate_id == announcement.estate_id)
    )
    if announcement.building_ids:
        query = query.where(Building.id.in_(announcement.building_ids))
    return query


def reach(announcement: Announcement) -> Reach:
    query = select(func.count(func.distinct(UnitOwnership.user_id))).where(
        UnitOwnership.unit_id.in_(_units(announcement))
    )
    read = db.session.scalar(
        select(func.count()).where(AnnouncementRead.announcement_id == announcement.id)
    )
    return Reach(db.session.scalar(query), read, announcement.public_views)


def read_counts(ids: list[int]) -> dict[int, int]:
    """How many owners have read each of these (the list's figures)."""
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(AnnouncementRead.announcement_id, func.count())
            .where(AnnouncementRead.announcement_id.in_(ids))
            .group_by(AnnouncementRead.announcement_id)
        ).all()
    )


def building_names(announcement: Announcement) -> list[str]:
    if not announcement.building_ids:
        return []
    return list(
        db.session.scalars(
            select(Building.name)
            .where(Building.id.in_(announcement.building_ids))
            .order_by(Building.sort_key)
        )
    )


# --- the buildings' notice-board codes -----------------------------------------------------------


@dataclass
class Board:
    building: Building
    url: str | None


def boards(estate: Estate) -> list[Board]:
    """Each building of the estate with its notice-board page's address, if it has a code."""
    buildings = list(
        db.session.scalars(
            select(Building).where(Building.estate_id == estate.id).order_by(Building.sort_key)
        )
    )
    links = signedlinks.working(BOARD, "building", [b.id for b in buildings])
    return [
        Board(
            b,
            external_url("announcements.board", token=signedlinks.token_of(links[b.id]))
            if b.id in links
            else None,
        )
        for b in buildings
    ]


def issue_boards(actor: User, estate: Estate) -> int:
    """A code for every building that has none; returns how many were made."""
    made = 0
    for board in boards(estate):
        if board.url is None:
            signedlinks.issue(
                BOARD,
                "building",
                board.building.id,
                expires_at=clock.now() + BOARD_LIFETIME,
                estate_id=estate.id,
                actor=actor,
            )
            made += 1
    if made:
        audit.record(
            actor,
            "announcement.boards",
            "estate",
            estate.id,
            estate_id=estate.id,
            after={"made": made},
        )
    return made


def building_of(token: str) -> Building | None:
    link = signedlinks.resolve(token, BOARD)
    if link is None or link.target_type != "building":
        return None
    return db.session.get(Building, link.target_id)


def on_board(building: Building) -> list[Announcement]:
    """What a building's notice board shows now: the estate's and the building's own."""
    return list(
        db.session.scalars(
            select(Announcement)
            .where(
                Announcement.estate_id == building.estate_id,
                *_showing(clock.now()),
                *_for_buildings([building.id]),
            )
            .order_by(Announcement.starts_at.desc())
            .limit(30)
        )
    )


def on_board_one(building: Building, announcement_id: int) -> Announcement | None:
    return next((a for a in on_board(building) if a.id == announcement_id), None)
