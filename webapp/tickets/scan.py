"""扫码报修: a QR code printed per building and public area (lobby, lift, car park). Scanning
opens a short report form without an account, the place already filled in; the report becomes a
ticket through the normal intake (channel 扫码) and the reporter gets its tracking link.

Each place's code is a signed link (webapp/signedlinks.py) bound to the place: printing the
sheet again shows the same codes; a place's code can be replaced (the old one stops working) if
a printed sheet is misused. Reports are rate-limited per client and per place by the views.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from webapp import audit, clock, phones, signedlinks
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.links import external_url
from webapp.models import Building, Estate, PublicArea, SignedLink, Ticket, User
from webapp.tickets import intake

PURPOSE = "scan_report"
VIA = "scan_link"
# A printed code hangs on a wall for years; it stops when replaced, not by itself.
LIFETIME = timedelta(days=365 * 10)
PLACE_TYPES = {"building": Building, "area": PublicArea}
KINDS = ("repair", "complaint", "suggestion", "inquiry")


@dataclass
class Place:
    kind: str  # building | area
    record: Building | PublicArea
    link: SignedLink | None = None

    @property
    def estate(self) -> Estate:
        return self.record.estate

    @property
    def name(self) -> str:
        return self.record.name


def places(estate: Estate) -> list[Place]:
    """The estate's buildings and active public areas, with their current codes (2 statements
    besides the places themselves)."""
    found = [
        Place("building", b)
        for b in db.session.scalars(
            select(Building).where(Building.estate_id == estate.id).order_by(Building.name)
        )
    ] + [
        Place("area", a)
        for a in db.session.scalars(
            select(PublicArea)
            .where(PublicArea.estate_id == estate.id, PublicArea.active.is_(True))
            .order_by(PublicArea.name)
        )
    ]
    for kind in PLACE_TYPES:
        by_target = signedlinks.working(
            PURPOSE, kind, [p.record.id for p in found if p.kind == kind]
        )
        for place in found:
            if place.kind == kind:
                place.link = by_target.get(place.record.id)
    return found


def url_of(link: SignedLink) -> str:
    return external_url("scan.report_at", token=signedlinks.token_of(link))


def issue_missing(actor: User, estate: Estate) -> int:
    """A code for every place of the estate that has none; returns how many were made."""
    made = 0
    for place in places(estate):
        if place.link is None:
            place.link = signedlinks.issue(
                PURPOSE,
                place.kind,
                place.record.id,
                expires_at=clock.now() + LIFETIME,
                estate_id=estate.id,
                actor=actor,
            )
            made += 1
    if made:
        audit.record(
            actor, "scan.codes", "estate", estate.id, estate_id=estate.id, after={"made": made}
        )
    return made


def replace(actor: User, estate: Estate, kind: str, record_id: int) -> SignedLink:
    """A new code for one place; its old one stops working (a misused printed sheet)."""
    place = next((p for p in places(estate) if p.kind == kind and p.record.id == record_id), None)
    if place is None:
        raise Invalid("place", _("没有这个位置。"))
    if place.link is not None:
        signedlinks.revoke(place.link)
    link = signedlinks.issue(
        PURPOSE,
        kind,
        record_id,
        expires_at=clock.now() + LIFETIME,
        estate_id=estate.id,
        actor=actor,
    )
    audit.record(
        actor,
        "scan.replace",
        "estate",
        estate.id,
        estate_id=estate.id,
        after={"place": place.name},
    )
    return link


def place_of(token: str) -> Place | None:
    """The place a scanned code names, while the code works."""
    link = signedlinks.resolve(token, PURPOSE)
    if link is None or link.target_type not in PLACE_TYPES:
        return None
    record = db.session.get(PLACE_TYPES[link.target_type], link.target_id)
    if record is None or (isinstance(record, PublicArea) and not record.active):
        return None
    return Place(link.target_type, record, link)


def report(
    place: Place, *, kind: str, description: str, name: str, phone: str, uploads=()
) -> tuple[Ticket, str]:
    """The report as a ticket of the place's estate, through the normal intake."""
    if kind not in KINDS:
        raise Invalid("kind", _("请选择一项。"))
    number = phones.normalise_or_none(phone)
    if number is None:
        raise Invalid("phone", _("请填写能联系到你的电话号码。"))
    return intake.create(
        None,
        estate=place.estate,
        unit=None,
        reporter_name=name,
        reporter_phone=number,
        kind=kind,
        channel="scan",
        category="other",
        severity="normal",
        description=f"【{place.name}】{description.strip()}",
        uploads=uploads,
        via=VIA,
    )
