"""Invites for many owners at once (after an import): one-time links for everyone of an estate
or building who has not set a password yet, printed as slips with a QR code per unit and as an
.xlsx of texts ready to send. Issuing makes earlier unused links of those people stop working,
so the page says how many there are and asks before it does so."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from webapp import clock
from webapp.auth import links, services
from webapp.extensions import db
from webapp.links import qr_data_uri
from webapp.models import Building, Role, SetupToken, Unit, UnitOwnership, User
from webapp.scoping import estate_ids_of

MAX_BATCH = 300  # slips per sheet: a building's owners, a few dozen pages of A4


@dataclass(frozen=True)
class Waiting:
    owner: User
    units: list[str]  # labels of their units in the chosen estate or building


@dataclass(frozen=True)
class Slip:
    owner: User
    units: list[str]
    link: str
    qr: str
    message: str
    token: str


def waiting(viewer: User, estate_id: int, building_id: int | None = None) -> list[Waiting]:
    """Owners, tenants and family members of the estate (or one of its buildings) who have no
    password yet and whose account is active, by building and unit."""
    if estate_id not in estate_ids_of(viewer):
        return []
    query = (
        select(User, Unit)
        .join(UnitOwnership, UnitOwnership.user_id == User.id)
        .join(Unit, Unit.id == UnitOwnership.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .options(contains_eager(Unit.building))
        .where(
            Building.estate_id == estate_id,
            User.role == Role.OWNER,
            User.active.is_(True),
            User.password_hash.is_(None),
        )
        .order_by(Building.sort_key, Unit.sort_key, User.id)
    )
    if building_id is not None:
        query = query.where(Building.id == building_id)
    found: dict[int, Waiting] = {}
    for user, unit in db.session.execute(query):
        found.setdefault(user.id, Waiting(user, [])).units.append(unit.label)
    return list(found.values())


def live_links(owners: Iterable[User]) -> int:
    """How many of these people hold an invite that still works (issuing replaces it)."""
    ids = [o.id for o in owners]
    if not ids:
        return 0
    return db.session.scalar(
        select(func.count(func.distinct(SetupToken.user_id))).where(
            SetupToken.user_id.in_(ids),
            SetupToken.used_at.is_(None),
            SetupToken.expires_at > clock.now(),
        )
    )


def issue(actor: User, batch: list[Waiting]) -> list[Slip]:
    """A new link for each person (earlier unused ones stop working), audited one by one."""
    slips = []
    for entry in batch:
        token = links.issue(entry.owner, "invite", actor)
        url = links.url_of(token)
        slips.append(
            Slip(
                entry.owner,
                entry.units,
                url,
                qr_data_uri(url, scale=4),
                links.message(entry.owner, url),
                token,
            )
        )
    return slips


def slips_of(viewer: User, tokens: list[str]) -> list[Slip]:
    """The slips behind links issued a moment ago (sent back by the sheet for its .xlsx), in
    their order: only links that still work, for people of the viewer's estates."""
    mine = set(estate_ids_of(viewer))
    found = services.find_setup_tokens(
        tokens[:MAX_BATCH],
        selectinload(SetupToken.user)
        .selectinload(User.ownerships)
        .selectinload(UnitOwnership.unit)
        .selectinload(Unit.building),
    )
    out = []
    for token in tokens[:MAX_BATCH]:
        row = found.get(token)
        if row is None or row.purpose != "invite":
            continue
        owned = [o.unit for o in row.user.ownerships if o.unit.building.estate_id in mine]
        if not owned:
            continue
        url = links.url_of(token)
        labels = [u.label for u in owned]
        out.append(Slip(row.user, labels, url, "", links.message(row.user, url), token))
    return out
