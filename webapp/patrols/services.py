"""Patrols: templates and schedules, rounds tapped item by item, findings sent as work orders,
sign-off and amendments, what is due and missed, and compliance per person and day."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from webapp import audit, clock, signoff
from webapp.errors import IllegalTransition, Invalid
from webapp.extensions import db
from webapp.labels import DEPARTMENT_LABELS
from webapp.models import (
    STAFF_ROLES,
    Amendment,
    CheckItem,
    Checkpoint,
    CheckpointVisit,
    Estate,
    EstateMembership,
    ItemResult,
    PatrolRequirement,
    PatrolRound,
    PatrolTemplate,
    Role,
    Signature,
    User,
    WorkOrder,
)
from webapp.models.patrols import Outcome, Period, RoundStatus
from webapp.photos import services as photos
from webapp.scoping import estate_ids_of
from webapp.workorders import services as workorders

TARGET = "patrol_round"
RESULT = "patrol_result"
FINDING_DUE = timedelta(hours=24)


# --- scoping ---------------------------------------------------------------------------------


def visible_rounds(user: User) -> Select:
    if not user.is_staff:
        return select(PatrolRound).where(PatrolRound.id.is_(None))
    return select(PatrolRound).where(PatrolRound.estate_id.in_(estate_ids_of(user)))


def visible_templates(user: User) -> Select:
    if not user.is_staff:
        return select(PatrolTemplate).where(PatrolTemplate.id.is_(None))
    return select(PatrolTemplate).where(PatrolTemplate.estate_id.in_(estate_ids_of(user)))


def visible_result_ids(user: User, ids: list[int]) -> set[int]:
    rounds = visible_rounds(user).with_only_columns(PatrolRound.id)
    return set(
        db.session.scalars(
            select(ItemResult.id).where(ItemResult.id.in_(ids), ItemResult.round_id.in_(rounds))
        )
    )


# --- templates -------------------------------------------------------------------------------


def template_tree(template_id: int) -> PatrolTemplate | None:
    return db.session.scalar(
        select(PatrolTemplate)
        .where(PatrolTemplate.id == template_id)
        .options(
            selectinload(PatrolTemplate.checkpoints).selectinload(Checkpoint.items),
            selectinload(PatrolTemplate.checkpoints).joinedload(Checkpoint.area),
            selectinload(PatrolTemplate.requirements),
        )
    )


def create_template(actor: User, estate_id: int, name: str, description: str) -> PatrolTemplate:
    clash = db.session.scalar(
        select(func.count()).where(
            PatrolTemplate.estate_id == estate_id, PatrolTemplate.name == name
        )
    )
    if clash:
        raise Invalid("name", _("已有同名巡查表。"))
    template = PatrolTemplate(estate_id=estate_id, name=name, description=description, active=True)
    db.session.add(template)
    db.session.flush()
    audit.record(
        actor,
        "patrol_template.create",
        "patrol_template",
        template.id,
        estate_id=estate_id,
        after={"name": name},
    )
    return template


def update_template(
    actor: User,
    template: PatrolTemplate,
    *,
    version: int,
    name: str,
    description: str,
    active: bool,
) -> None:
    from webapp.admin.services import check_version

    check_version(template, version)
    before = audit.snapshot(template, ("name", "description", "active"))
    template.name, template.description, template.active = name, description, active
    db.session.flush()
    audit.record(
        actor,
        "patrol_template.update",
        "patrol_template",
        template.id,
        estate_id=template.estate_id,
        before=before,
        after=audit.snapshot(template, ("name", "description", "active")),
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# In the template editor an item may name the department its findings usually go to, after an
# arrow: "消防通道畅通 → 秩序/保安". The department's label (in either language) or key.
_ARROWS = ("→", "->")


def _department_named(name: str) -> str | None:
    """The department called `name` in Chinese or English ("秩序/保安", "秩序", "Security")."""
    wanted = name.strip().lower()
    for key, label in DEPARTMENT_LABELS.items():
        names = {key}
        for locale in ("zh_CN", "en"):
            with force_locale(locale):
                spelled = str(label).lower()
            names |= {spelled, *(part.strip() for part in spelled.split("/"))}
        if wanted in names:
            return key
    return None


def parse_item(line: str) -> tuple[str, str | None]:
    """An editor line as (item text, suggested department or None)."""
    for arrow in _ARROWS:
        if arrow in line:
            text, _sep, name = line.rpartition(arrow)
            department = _department_named(name)
            if department is None:
                raise Invalid("items", _("不认识的部门：%(name)s", name=name.strip()))
            return text.strip(), department
    return line, None


def item_line(item: CheckItem) -> str:
    """An item as the editor shows it (the inverse of parse_item)."""
    return item_line_of(item.text, item.department)


def item_line_of(text: str, department: str | None) -> str:
    if not department:
        return text
    return f"{text} → {DEPARTMENT_LABELS.get(department, department)}"


def save_checkpoint(
    actor: User,
    template: PatrolTemplate,
    checkpoint: Checkpoint | None,
    *,
    name: str,
    area_id: int | None,
    position: int,
    items_text: str,
) -> Checkpoint:
    """Create or change a checkpoint; its items are one per line, in order."""
    parsed = [parse_item(line) for line in _lines(items_text)]
    texts = [text for text, _dept in parsed]
    if not texts:
        raise Invalid("items", _("至少填写一个检查项。"))
    if len(texts) > 40:
        raise Invalid("items", _("一个巡查点最多 40 个检查项。"))
    if any(len(t) > 200 for t in texts):
        raise Invalid("items", _("每个检查项最多 200 个字。"))
    if checkpoint is None:
        checkpoint = Checkpoint(template_id=template.id, qr_token=secrets.token_urlsafe(16))
        db.session.add(checkpoint)
        before = None
    else:
        before = {"name": checkpoint.name, "items": [i.text for i in checkpoint.items if i.active]}
    checkpoint.name, checkpoint.area_id, checkpoint.position = name, area_id, position
    db.session.flush()
    # Items already answered in rounds are kept (history refers to them) but retired.
    current = {i.text: i for i in checkpoint.items}
    for index, (text, department) in enumerate(parsed):
        item = current.pop(text, None)
        if item is None:
            item = CheckItem(checkpoint_id=checkpoint.id, text=text)
            db.session.add(item)
        item.position, item.active, item.department = index, True, department
    for leftover in current.values():
        leftover.active = False
    db.session.flush()
    audit.record(
        actor,
        "patrol_template.checkpoint",
        "patrol_template",
        template.id,
        estate_id=template.estate_id,
        before=before,
        after={"name": name, "items": [item_line_of(t, d) for t, d in parsed]},
    )
    return checkpoint


def set_requirement(
    actor: User, template: PatrolTemplate, role: str, period: str, times: int
) -> None:
    if role not in STAFF_ROLES or period not in {p.value for p in Period}:
        raise Invalid("role", _("请选择角色和周期。"))
    req = next((r for r in template.requirements if r.role == role), None)
    before = {"role": role, "period": req.period, "times": req.times} if req else None
    if times <= 0:
        if req is not None:
            db.session.delete(req)
    elif req is None:
        db.session.add(
            PatrolRequirement(template_id=template.id, role=role, period=period, times=times)
        )
    else:
        req.period, req.times = period, times
    db.session.flush()
    audit.record(
        actor,
        "patrol_template.requirement",
        "patrol_template",
        template.id,
        estate_id=template.estate_id,
        before=before,
        after={"role": role, "period": period, "times": times},
    )


def checkpoint_by_token(token: str) -> Checkpoint | None:
    return db.session.scalar(
        select(Checkpoint).where(Checkpoint.qr_token == token, Checkpoint.active.is_(True))
    )


# --- rounds ----------------------------------------------------------------------------------


def running_round(user: User, template_id: int) -> PatrolRound | None:
    return db.session.scalar(
        select(PatrolRound).where(
            PatrolRound.patroller_id == user.id,
            PatrolRound.template_id == template_id,
            PatrolRound.status == RoundStatus.IN_PROGRESS,
        )
    )


def start_round(actor: User, template: PatrolTemplate) -> PatrolRound:
    """Start a round, or continue the one already running on this template."""
    if not template.active:
        raise Invalid("template", _("这张巡查表已停用。"))
    existing = running_round(actor, template.id)
    if existing is not None:
        return existing
    patrol_round = PatrolRound(
        template_id=template.id,
        estate_id=template.estate_id,
        patroller_id=actor.id,
        status=RoundStatus.IN_PROGRESS,
        started_at=clock.now(),
    )
    db.session.add(patrol_round)
    db.session.flush()
    audit.record(
        actor,
        "patrol_round.start",
        TARGET,
        patrol_round.id,
        estate_id=patrol_round.estate_id,
        after={"template": template.name},
    )
    return patrol_round


def _editable(actor: User, patrol_round: PatrolRound) -> None:
    if patrol_round.patroller_id != actor.id:
        raise IllegalTransition(patrol_round, _("只有巡查人本人可以记录这一轮巡查。"))
    if patrol_round.status != RoundStatus.IN_PROGRESS:
        raise IllegalTransition(patrol_round, _("这一轮巡查已经结束，不能再修改。"))


def _item_of(patrol_round: PatrolRound, item_id: int) -> CheckItem:
    item = db.session.scalar(
        select(CheckItem)
        .join(Checkpoint)
        .where(CheckItem.id == item_id, Checkpoint.template_id == patrol_round.template_id)
    )
    if item is None:
        raise Invalid("item", _("这一项不属于这张巡查表。"))
    return item


def _result(patrol_round: PatrolRound, item: CheckItem) -> ItemResult:
    result = db.session.scalar(
        select(ItemResult).where(
            ItemResult.round_id == patrol_round.id, ItemResult.item_id == item.id
        )
    )
    if result is None:
        result = ItemResult(round_id=patrol_round.id, item_id=item.id, recorded_at=clock.now())
        db.session.add(result)
        db.session.flush()
    return result


def record(
    actor: User,
    patrol_round: PatrolRound,
    item_id: int,
    *,
    outcome: str | None,
    note: str | None,
    department: str | None,
) -> ItemResult:
    """One tap (or a note) on one item, saved at once."""
    _editable(actor, patrol_round)
    item = _item_of(patrol_round, item_id)
    if outcome is not None and outcome not in {o.value for o in Outcome}:
        raise Invalid("outcome", _("请选择正常、异常或不适用。"))
    result = _result(patrol_round, item)
    if outcome is not None:
        result.outcome = outcome
        result.recorded_at = clock.now()
    if note is not None:
        if len(note) > 1000:
            raise Invalid("note", _("说明最多 1000 个字。"))
        result.note = note.strip()
    if department:
        result.department = department
    if result.outcome == Outcome.ISSUE and not result.department:
        # The template's suggestion, shown (and changeable) on the card; never a silent default.
        result.department = item.department
    db.session.flush()
    return result


def rest_ok(actor: User, patrol_round: PatrolRound, checkpoint_id: int | None = None) -> int:
    """「其余正常」: every item not yet answered (of one checkpoint, or of the whole round) is
    marked 正常 in one step; answers already given stay as they are. Returns how many."""
    _editable(actor, patrol_round)
    query = (
        select(CheckItem)
        .join(Checkpoint)
        .where(
            Checkpoint.template_id == patrol_round.template_id,
            Checkpoint.active.is_(True),
            CheckItem.active.is_(True),
        )
    )
    if checkpoint_id is not None:
        query = query.where(Checkpoint.id == checkpoint_id)
    items = db.session.scalars(query).all()
    if checkpoint_id is not None and not items:
        raise Invalid("checkpoint", _("这个巡查点不属于这张巡查表。"))
    results = {
        r.item_id: r
        for r in db.session.scalars(
            select(ItemResult).where(ItemResult.round_id == patrol_round.id)
        )
    }
    now = clock.now()
    marked = 0
    for item in items:
        result = results.get(item.id)
        if result is not None and result.outcome:
            continue  # answered already: left as it is
        if result is None:
            result = ItemResult(round_id=patrol_round.id, item_id=item.id)
            db.session.add(result)
        result.outcome, result.recorded_at = Outcome.OK, now
        marked += 1
    db.session.flush()
    audit.record(
        actor,
        "patrol_round.rest_ok",
        TARGET,
        patrol_round.id,
        estate_id=patrol_round.estate_id,
        after={"checkpoint": checkpoint_id, "marked": marked},
    )
    return marked


def add_photos(actor: User, patrol_round: PatrolRound, item_id: int, uploads) -> ItemResult:
    _editable(actor, patrol_round)
    item = _item_of(patrol_round, item_id)
    stored = photos.ingest_uploads(uploads, actor)
    if not stored:
        raise Invalid("photos", _("请选择照片。"))
    result = _result(patrol_round, item)
    for photo in stored:
        photos.attach(photo, RESULT, result.id, "evidence", actor)
    return result


def visit(actor: User, checkpoint: Checkpoint) -> tuple[PatrolRound, CheckpointVisit]:
    """A scanned QR code: the checkpoint in the person's running round, with the scan time."""
    template = checkpoint.template
    if template.estate_id not in {m.estate_id for m in actor.memberships}:
        raise Invalid("qr", _("这个二维码不属于你所在的项目。"))
    patrol_round = start_round(actor, template)
    existing = next((v for v in patrol_round.visits if v.checkpoint_id == checkpoint.id), None)
    if existing is not None:
        return patrol_round, existing
    scan = CheckpointVisit(
        round_id=patrol_round.id, checkpoint_id=checkpoint.id, scanned_at=clock.now()
    )
    db.session.add(scan)
    db.session.flush()
    audit.record(
        actor,
        "patrol_round.scan",
        TARGET,
        patrol_round.id,
        estate_id=patrol_round.estate_id,
        after={"checkpoint": checkpoint.name},
    )
    return patrol_round, scan


def finish(actor: User, patrol_round: PatrolRound) -> list[WorkOrder]:
    """End the round; every 异常 goes out as a work order to its department."""
    _editable(actor, patrol_round)
    now = clock.now()
    results = db.session.scalars(
        select(ItemResult)
        .where(ItemResult.round_id == patrol_round.id)
        .options(joinedload(ItemResult.item).joinedload(CheckItem.checkpoint))
    ).all()
    undecided = [
        f"department-{r.item_id}"
        for r in results
        if r.outcome == Outcome.ISSUE and r.work_order_id is None and not r.department
    ]
    if undecided:
        raise Invalid(undecided, _("请为每个异常项选择交由哪个部门处理。"))
    orders = []
    for result in results:
        if result.outcome == Outcome.ISSUE and result.work_order_id is None:
            checkpoint = result.item.checkpoint
            order = workorders.dispatch(
                actor,
                estate=patrol_round.estate,
                department=result.department,
                location=checkpoint.name,
                description=f"{result.item.text}：{result.note}"
                if result.note
                else result.item.text,
                due_at=now + FINDING_DUE,
                origin_type=RESULT,
                origin_id=result.id,
            )
            for link in photos.photos_for(RESULT, [result.id]).get(result.id, []):
                photos.attach(link.photo, "work_order", order.id, "before", actor)
            result.work_order_id = order.id
            orders.append(order)
    patrol_round.status = RoundStatus.FINISHED
    patrol_round.finished_at = now
    db.session.flush()
    audit.record(
        actor,
        "patrol_round.finish",
        TARGET,
        patrol_round.id,
        estate_id=patrol_round.estate_id,
        after={"answered": len([r for r in results if r.outcome]), "findings": len(orders)},
    )
    return orders


# --- reading a round -------------------------------------------------------------------------


@dataclass
class ItemView:
    item: CheckItem
    result: ItemResult | None
    photos: list = field(default_factory=list)
    amendments: list = field(default_factory=list)
    work_order: WorkOrder | None = None
    after_photos: list = field(default_factory=list)


@dataclass
class CheckpointView:
    checkpoint: Checkpoint
    items: list[ItemView]
    visited_at: datetime | None

    @property
    def answered(self) -> int:
        return sum(1 for i in self.items if i.result and i.result.outcome)


def round_view(patrol_round: PatrolRound) -> list[CheckpointView]:
    """A round's checkpoints, items, answers, photos and amendments, in a few queries."""
    template = template_tree(patrol_round.template_id)
    results = {
        r.item_id: r
        for r in db.session.scalars(
            select(ItemResult).where(ItemResult.round_id == patrol_round.id)
        )
    }
    result_ids = [r.id for r in results.values()]
    links = photos.photos_for(RESULT, result_ids)
    order_ids = [r.work_order_id for r in results.values() if r.work_order_id]
    orders = (
        {o.id: o for o in db.session.scalars(select(WorkOrder).where(WorkOrder.id.in_(order_ids)))}
        if order_ids
        else {}
    )
    fixes = photos.photos_for("work_order", order_ids)
    corrections = defaultdict(list)
    if result_ids:
        for a in db.session.scalars(
            select(Amendment)
            .where(Amendment.target_type == RESULT, Amendment.target_id.in_(result_ids))
            .options(joinedload(Amendment.author))
            .order_by(Amendment.id)
        ):
            corrections[a.target_id].append(a)
    visits = {v.checkpoint_id: v.scanned_at for v in patrol_round.visits}
    answered_items = set(results)
    view = []
    for checkpoint in template.checkpoints:
        items = [i for i in checkpoint.items if i.active or i.id in answered_items]
        if not checkpoint.active and not any(i.id in answered_items for i in items):
            continue
        view.append(
            CheckpointView(
                checkpoint,
                [
                    ItemView(
                        item,
                        results.get(item.id),
                        links.get(results[item.id].id, []) if item.id in results else [],
                        corrections.get(results[item.id].id, []) if item.id in results else [],
                        orders.get(results[item.id].work_order_id) if item.id in results else None,
                        [
                            link
                            for link in fixes.get(results[item.id].work_order_id, [])
                            if link.purpose == "after"
                        ]
                        if item.id in results
                        else [],
                    )
                    for item in items
                ],
                visits.get(checkpoint.id),
            )
        )
    return view


@dataclass
class Progress:
    answered: int
    total: int
    issues: int


def progress(patrol_round: PatrolRound) -> Progress:
    """How far a round is, in two small queries."""
    total = db.session.scalar(
        select(func.count(CheckItem.id))
        .join(Checkpoint)
        .where(
            Checkpoint.template_id == patrol_round.template_id,
            Checkpoint.active.is_(True),
            CheckItem.active.is_(True),
        )
    )
    answered, issues = db.session.execute(
        select(
            func.count(ItemResult.outcome),
            func.count(ItemResult.id).filter(ItemResult.outcome == Outcome.ISSUE),
        ).where(ItemResult.round_id == patrol_round.id)
    ).one()
    return Progress(answered, total, issues)


def item_view(patrol_round: PatrolRound, item_id: int) -> ItemView | None:
    """One item of the round as its card shows it; None when the item is not on this round."""
    for checkpoint in round_view(patrol_round):
        for item in checkpoint.items:
            if item.item.id == item_id:
                return item
    return None


def round_content(patrol_round: PatrolRound) -> dict:
    """What a signature covers: every answer as it stood."""
    results = db.session.scalars(
        select(ItemResult).where(ItemResult.round_id == patrol_round.id)
    ).all()
    return {
        "round": patrol_round.id,
        "patroller": patrol_round.patroller_id,
        "finished_at": str(patrol_round.finished_at),
        "results": sorted((r.item_id, r.outcome, r.note) for r in results),
    }


# --- sign-off and amendments -----------------------------------------------------------------


def sign(actor: User, patrol_round: PatrolRound, opinion: str, *, fresh: bool) -> None:
    if patrol_round.status != RoundStatus.FINISHED:
        raise IllegalTransition(patrol_round, _("巡查结束后才能签核。"))
    signoff.sign(
        actor,
        TARGET,
        patrol_round.id,
        author_id=patrol_round.patroller_id,
        estate_id=patrol_round.estate_id,
        content=round_content(patrol_round),
        opinion=opinion,
        fresh=fresh,
    )


def amend(
    actor: User, patrol_round: PatrolRound, item_id: int, *, outcome: str, note: str, reason: str
) -> None:
    """Correct an answer of a signed (or finished) round: the original stays visible."""
    if patrol_round.status != RoundStatus.FINISHED:
        raise IllegalTransition(patrol_round, _("进行中的巡查可以直接修改。"))
    if actor.id != patrol_round.patroller_id and actor.role not in (Role.SUPERVISOR, Role.MANAGER):
        raise IllegalTransition(patrol_round, _("只有巡查人或主管可以更正。"))
    if outcome not in {o.value for o in Outcome}:
        raise Invalid("outcome", _("请选择正常、异常或不适用。"))
    item = _item_of(patrol_round, item_id)
    result = _result(patrol_round, item)
    signoff.amend(
        actor,
        RESULT,
        result.id,
        estate_id=patrol_round.estate_id,
        before={"outcome": result.outcome, "note": result.note},
        after={"outcome": outcome, "note": note.strip()},
        reason=reason,
    )


# --- what is due, what was missed, compliance ---------------------------------------------------


def _local_day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, start + timedelta(days=1)


def today_in(tz: str, now: datetime | None = None) -> date:
    return (now or clock.now()).astimezone(ZoneInfo(tz)).date()


@dataclass
class Due:
    template: PatrolTemplate
    period: str
    required: int
    done: int
    running: PatrolRound | None = None

    @property
    def remaining(self) -> int:
        return max(self.required - self.done, 0)


def _finished_counts(
    user_ids: list[int], start: datetime, end: datetime
) -> dict[tuple[int, int], int]:
    """{(patroller, template): rounds finished in [start, end)} in one query."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(PatrolRound.patroller_id, PatrolRound.template_id, func.count())
        .where(
            PatrolRound.patroller_id.in_(user_ids),
            PatrolRound.status == RoundStatus.FINISHED,
            PatrolRound.finished_at >= start,
            PatrolRound.finished_at < end,
        )
        .group_by(PatrolRound.patroller_id, PatrolRound.template_id)
    ).all()
    return {(p, t): n for p, t, n in rows}


def _requirements_for(role: str, estate_ids) -> list[PatrolRequirement]:
    return list(
        db.session.scalars(
            select(PatrolRequirement)
            .join(PatrolTemplate)
            .where(
                PatrolRequirement.role == role,
                PatrolTemplate.active.is_(True),
                PatrolTemplate.estate_id.in_(estate_ids),
            )
            .options(joinedload(PatrolRequirement.template).joinedload(PatrolTemplate.estate))
        )
    )


def due_today(user: User, now: datetime | None = None) -> list[Due]:
    now = now or clock.now()
    out = []
    running = {
        r.template_id: r
        for r in db.session.scalars(
            select(PatrolRound).where(
                PatrolRound.patroller_id == user.id, PatrolRound.status == RoundStatus.IN_PROGRESS
            )
        )
    }
    for req in _requirements_for(user.role, estate_ids_of(user)):
        tz = req.template.estate.timezone
        day = today_in(tz, now)
        if req.period == Period.WEEK:
            start, _end = _local_day_bounds(day - timedelta(days=day.weekday()), tz)
            end = start + timedelta(days=7)
        else:
            start, end = _local_day_bounds(day, tz)
        done = _finished_counts([user.id], start, end).get((user.id, req.template_id), 0)
        out.append(Due(req.template, req.period, req.times, done, running.get(req.template_id)))
    return out


def missed(
    user: User, days: int = 7, now: datetime | None = None
) -> list[tuple[date, PatrolTemplate, int]]:
    """Daily rounds this person fell short of in past days: (day, template, how many short)."""
    now = now or clock.now()
    reqs = [r for r in _requirements_for(user.role, estate_ids_of(user)) if r.period == Period.DAY]
    if not reqs:
        return []
    zone = ZoneInfo(reqs[0].template.estate.timezone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days)
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(today, time(0), tzinfo=zone)
    counts: dict[tuple[date, int], int] = defaultdict(int)
    for template_id, finished_at in db.session.execute(
        select(PatrolRound.template_id, PatrolRound.finished_at).where(
            PatrolRound.patroller_id == user.id,
            PatrolRound.status == RoundStatus.FINISHED,
            PatrolRound.finished_at >= start,
            PatrolRound.finished_at < end,
        )
    ):
        counts[(finished_at.astimezone(zone).date(), template_id)] += 1
    since_joined = user.created_at.astimezone(zone).date()
    out = []
    for offset in range(days, 0, -1):
        day = today - timedelta(days=offset)
        if day < since_joined:
            continue
        for req in reqs:
            short = req.times - counts[(day, req.template_id)]
            if short > 0:
                out.append((day, req.template, short))
    return out


@dataclass
class ComplianceRow:
    person: User
    days: list[tuple[date, int, int]]  # (day, done, required)

    @property
    def short_days(self) -> int:
        return sum(1 for _d, done, required in self.days if done < required)


def compliance(
    viewer: User, days: int = 7, now: datetime | None = None
) -> tuple[list[date], list[ComplianceRow]]:
    """Per staff member and per day: daily rounds done vs required, for the last `days` days."""
    now = now or clock.now()
    estate_ids = list(db.session.scalars(estate_ids_of(viewer)))
    people = list(
        db.session.scalars(
            select(User)
            .join(EstateMembership, EstateMembership.user_id == User.id)
            .where(
                EstateMembership.estate_id.in_(estate_ids),
                User.active.is_(True),
                User.role.in_([str(r) for r in STAFF_ROLES]),
            )
            .distinct()
            .order_by(User.role, User.display_name)
        )
    )
    zone = (
        db.session.scalar(select(Estate.timezone).where(Estate.id.in_(estate_ids)))
        or "Asia/Shanghai"
    )
    today = today_in(zone, now)
    day_list = [today - timedelta(days=i) for i in range(days - 1, -1, -1)]
    required_by_role: dict[str, int] = defaultdict(int)
    for req in db.session.scalars(
        select(PatrolRequirement)
        .join(PatrolTemplate)
        .where(
            PatrolTemplate.estate_id.in_(estate_ids),
            PatrolTemplate.active.is_(True),
            PatrolRequirement.period == Period.DAY,
        )
    ):
        required_by_role[req.role] += req.times
    start, _ = _local_day_bounds(day_list[0], zone)
    _, end = _local_day_bounds(day_list[-1], zone)
    done: dict[tuple[int, date], int] = defaultdict(int)
    for patroller_id, finished_at in db.session.execute(
        select(PatrolRound.patroller_id, PatrolRound.finished_at).where(
            PatrolRound.estate_id.in_(estate_ids),
            PatrolRound.status == RoundStatus.FINISHED,
            PatrolRound.finished_at >= start,
            PatrolRound.finished_at < end,
        )
    ):
        done[(patroller_id, finished_at.astimezone(ZoneInfo(zone)).date())] += 1
    rows = [
        ComplianceRow(p, [(d, done[(p.id, d)], required_by_role.get(p.role, 0)) for d in day_list])
        for p in people
    ]
    return day_list, rows


# --- history ---------------------------------------------------------------------------------


@dataclass
class RoundRow:
    round: PatrolRound
    answered: int
    issues: int
    signed: bool


def history(
    viewer: User,
    *,
    since: date | None = None,
    until: date | None = None,
    person_id: int | None = None,
    area: str = "",
    result: str = "",
    limit: int = 50,
) -> list[RoundRow]:
    query = visible_rounds(viewer).options(
        joinedload(PatrolRound.patroller), joinedload(PatrolRound.template)
    )
    # Dates are the viewer's calendar days, in their estate's time zone.
    estates = viewer.estates
    zone = ZoneInfo(estates[0].timezone if estates else "Asia/Shanghai")
    if since:
        query = query.where(PatrolRound.started_at >= datetime.combine(since, time(0), tzinfo=zone))
    if until:
        query = query.where(
            PatrolRound.started_at
            < datetime.combine(until + timedelta(days=1), time(0), tzinfo=zone)
        )
    if person_id:
        query = query.where(PatrolRound.patroller_id == person_id)
    if area:
        with_area = (
            select(PatrolTemplate.id).join(Checkpoint).where(Checkpoint.name.ilike(f"%{area}%"))
        )
        query = query.where(PatrolRound.template_id.in_(with_area))
    issue_count = (
        select(func.count())
        .where(ItemResult.round_id == PatrolRound.id, ItemResult.outcome == Outcome.ISSUE)
        .correlate(PatrolRound)
        .scalar_subquery()
    )
    answered_count = (
        select(func.count())
        .where(ItemResult.round_id == PatrolRound.id, ItemResult.outcome.is_not(None))
        .correlate(PatrolRound)
        .scalar_subquery()
    )
    if result == "issues":
        query = query.where(issue_count > 0)
    elif result == "clean":
        query = query.where(issue_count == 0)
    query = (
        query.add_columns(answered_count, issue_count)
        .order_by(PatrolRound.started_at.desc())
        .limit(limit)
    )
    rows = db.session.execute(query).all()
    signed = signoff.signed_ids(TARGET, [r[0].id for r in rows])
    return [RoundRow(r, a, i, r.id in signed) for r, a, i in rows]


def awaiting_signature(viewer: User, limit: int = 20) -> list[PatrolRound]:
    """Finished rounds of others that this supervisor or manager has not signed yet."""
    mine = select(Signature.target_id).where(
        Signature.target_type == TARGET, Signature.signer_id == viewer.id
    )
    query = visible_rounds(viewer).where(
        PatrolRound.status == RoundStatus.FINISHED,
        PatrolRound.patroller_id != viewer.id,
        PatrolRound.id.not_in(mine),
    )
    if viewer.role == Role.SUPERVISOR:
        # Supervisors sign off assistants' rounds; the manager reviews everyone's.
        query = query.join(User, User.id == PatrolRound.patroller_id).where(
            User.role == Role.ASSISTANT
        )
    return list(
        db.session.scalars(
            query.options(joinedload(PatrolRound.patroller), joinedload(PatrolRound.template))
            .order_by(PatrolRound.finished_at)
            .limit(limit)
        )
    )
